"""Random parameters in the style of PyNEST's ``nest.random`` / ``nest.math`` / ``nest.logic``.

A :class:`Parameter` is a lazy expression tree. ``param.sample(rng, n)`` draws ``n``
independent values with a numpy ``Generator``, vectorised over the whole tree. As in NEST,
every leaf draws afresh for each value: ``p - p`` is the difference of two *independent*
draws, not zero.

Semantics checked against NEST 3.10:

* ``uniform(min, max)``: U[min, max); ``min < max`` required.
* ``normal(mean, std)``: ``std > 0`` required.
* ``lognormal(mean, std)``: ``exp(N(mean, std))`` -- mean/std of the underlying normal.
* ``exponential(beta)``: scale ``beta`` (mean ``beta``); NEST does not validate ``beta``,
  a negative one gives negative values and 0 gives 0.
* ``uniform_int(max)``: integers in ``[0, max)``; ``max`` an integer > 0 (not bool).
* arithmetic ``+ - * /`` with numbers and parameters, unary ``+``/``-``, ``** number``
  (a Parameter exponent is a TypeError, as in NEST); comparisons give 0/1 parameters.
* ``redraw(p, min, max)``: redraw values outside the closed ``[min, max]``, at most 1000
  times per value, then ``KernelException('Number of redraws exceeded limit of 1000')``.
* ``conditional(cond, a, b)``: ``a`` where ``cond != 0`` else ``b``.

``sample`` forwards keyword arguments (``**spatial``: positions) through the tree to the
spatial leaves of :mod:`jaxnest.connect.spatial.parameters`.
"""

from __future__ import annotations

import numbers

import numpy as np

from jaxnest import errors

__all__ = [
    "Parameter",
    "ConstantParameter",
    "UniformParameter",
    "NormalParameter",
    "LognormalParameter",
    "ExponentialParameter",
    "UniformIntParameter",
    "as_parameter",
    "is_parameter",
    "uniform",
    "normal",
    "lognormal",
    "exponential",
    "uniform_int",
    "exp",
    "sin",
    "cos",
    "min",
    "max",
    "redraw",
    "conditional",
    "create_parameter",
]

_REDRAW_LIMIT = 1000
_builtin_min = min
_builtin_max = max


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real | np.bool_) and not isinstance(x, np.ndarray)


def _arg(x) -> Parameter:
    """Operand of an arithmetic operator, as NEST's ``_arg_as_parameter``."""
    if isinstance(x, Parameter):
        return x
    if _is_number(x):
        return ConstantParameter(float(x))
    # PyNEST raises a bare NotImplementedError for unsupported operand types.
    raise NotImplementedError()


def as_parameter(x) -> Parameter:
    """A Parameter for ``x`` (a Parameter or a real number)."""
    if isinstance(x, Parameter):
        return x
    if _is_number(x):
        return ConstantParameter(float(x))
    raise TypeError(f"cannot convert {type(x).__name__} to a Parameter")


def is_parameter(x) -> bool:
    return isinstance(x, Parameter)


class Parameter:
    """Base of all parameters: a node of a lazily evaluated expression tree."""

    # Let numpy scalars defer to our reflected operators (np.float64(1) + p -> Parameter).
    __array_ufunc__ = None
    # NEST's Parameter defines __eq__ and is unhashable.
    __hash__ = None  # type: ignore[assignment]

    # ---- sampling -----------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, n: int, **spatial) -> np.ndarray:
        """``n`` independent values (float64; int64 for a bare ``uniform_int``).

        ``spatial`` is reserved for position information of spatial parameters; the
        non-spatial parameters ignore it but pass it on to their children.
        """
        n = int(n)
        if n < 0:
            raise ValueError("n must be >= 0")
        return self._sample(rng, n, spatial)

    def _sample(self, rng, n, spatial):  # pragma: no cover - abstract
        raise NotImplementedError

    def _fsample(self, rng, n, spatial) -> np.ndarray:
        return np.asarray(self._sample(rng, n, spatial), dtype=np.float64)

    def GetValue(self, rng: np.random.Generator | None = None) -> float:  # noqa: N802 (PyNEST name)
        """One value, as PyNEST's ``Parameter.GetValue`` (always a float), drawn from the
        kernel's random stream (seeded by ``rng_seed``, so a script draws the same values
        in every run, as under NEST)."""
        if rng is None:
            from jaxnest.api import _state
            rng = _state.kernel().rng
        return float(self.sample(rng, 1)[0])

    def is_spatial(self) -> bool:
        return any(c.is_spatial() for c in self._children())

    def apply(self, spatial_nc, positions=None):
        """PyNEST's ``Parameter.apply``: values on the nodes of a spatial NodeCollection, or
        from one node to given positions."""
        from jaxnest.api.spatial import apply_parameter
        return apply_parameter(self, spatial_nc, positions)

    def _children(self) -> tuple[Parameter, ...]:
        return ()

    # ---- arithmetic ---------------------------------------------------------------------
    def __add__(self, other):
        return _BinaryParameter("add", self, _arg(other))

    def __radd__(self, other):
        return _BinaryParameter("add", _arg(other), self)

    def __sub__(self, other):
        return _BinaryParameter("sub", self, _arg(other))

    def __rsub__(self, other):
        return _BinaryParameter("sub", _arg(other), self)

    def __mul__(self, other):
        return _BinaryParameter("mul", self, _arg(other))

    def __rmul__(self, other):
        return _BinaryParameter("mul", _arg(other), self)

    def __truediv__(self, other):
        return _BinaryParameter("div", self, _arg(other))

    def __rtruediv__(self, other):
        return _BinaryParameter("div", _arg(other), self)

    def __pow__(self, exponent):
        # NEST only allows a number as exponent (float() of a Parameter -> TypeError).
        return _PowParameter(self, float(exponent))

    def __neg__(self):
        return _BinaryParameter("mul", ConstantParameter(-1.0), self)

    def __pos__(self):
        return self

    # ---- comparisons (0/1 valued parameters) ---------------------------------------------
    def __lt__(self, other):
        return _CompareParameter("lt", self, _arg(other))

    def __le__(self, other):
        return _CompareParameter("le", self, _arg(other))

    def __eq__(self, other):  # type: ignore[override]
        return _CompareParameter("eq", self, _arg(other))

    def __ne__(self, other):  # type: ignore[override]
        return _CompareParameter("ne", self, _arg(other))

    def __ge__(self, other):
        return _CompareParameter("ge", self, _arg(other))

    def __gt__(self, other):
        return _CompareParameter("gt", self, _arg(other))

    def __bool__(self):
        raise TypeError("the truth value of a Parameter is undefined; use nest.logic.conditional")

    def __repr__(self):
        return f"<jaxnest Parameter {self._describe()}>"

    def _describe(self) -> str:
        return type(self).__name__


# ---- leaves ------------------------------------------------------------------------------
class ConstantParameter(Parameter):
    def __init__(self, value: float):
        self.value = float(value)

    def _sample(self, rng, n, spatial):
        return np.full(n, self.value, dtype=np.float64)

    def _describe(self):
        return f"constant({self.value!r})"


class UniformParameter(Parameter):
    def __init__(self, min: float = 0.0, max: float = 1.0):  # noqa: A002
        min, max = float(min), float(max)  # noqa: A001
        if not min < max:
            raise errors.BadProperty("nest::UniformParameter: min < max required.")
        self.min, self.max = min, max

    def _sample(self, rng, n, spatial):
        return self.min + (self.max - self.min) * rng.random(n)

    def _describe(self):
        return f"uniform(min={self.min!r}, max={self.max!r})"


class NormalParameter(Parameter):
    def __init__(self, mean: float = 0.0, std: float = 1.0):
        mean, std = float(mean), float(std)
        if not std > 0:
            raise errors.BadProperty("nest::NormalParameter: std > 0 required.")
        self.mean, self.std = mean, std

    def _sample(self, rng, n, spatial):
        return self.mean + self.std * rng.standard_normal(n)

    def _describe(self):
        return f"normal(mean={self.mean!r}, std={self.std!r})"


class LognormalParameter(Parameter):
    """``exp(X)`` with ``X ~ N(mean, std)``."""

    def __init__(self, mean: float = 0.0, std: float = 1.0):
        mean, std = float(mean), float(std)
        if not std > 0:
            raise errors.BadProperty("nest::LognormalParameter: std > 0 required.")
        self.mean, self.std = mean, std

    def _sample(self, rng, n, spatial):
        return np.exp(self.mean + self.std * rng.standard_normal(n))

    def _describe(self):
        return f"lognormal(mean={self.mean!r}, std={self.std!r})"


class ExponentialParameter(Parameter):
    def __init__(self, beta: float = 1.0):
        self.beta = float(beta)  # NEST does not validate beta.

    def _sample(self, rng, n, spatial):
        return self.beta * rng.standard_exponential(n)

    def _describe(self):
        return f"exponential(beta={self.beta!r})"


def _check_int_max(value) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise RuntimeError(
            "The dictionary value with key max does not hold a numeric integer type.")
    return int(value)


class UniformIntParameter(Parameter):
    """Integers uniform in ``[0, max)``."""

    def __init__(self, max: int = 1):  # noqa: A002
        max = _check_int_max(max)  # noqa: A001
        if not max > 0:
            raise errors.BadProperty("nest::UniformIntParameter: max > 0 required.")
        self.max = max

    def _sample(self, rng, n, spatial):
        return rng.integers(0, self.max, size=n, dtype=np.int64)

    def _describe(self):
        return f"uniform_int(max={self.max!r})"


# ---- compound ----------------------------------------------------------------------------
_BINOPS = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "min": np.minimum,
    "max": np.maximum,
}
_CMPOPS = {
    "lt": np.less,
    "le": np.less_equal,
    "eq": np.equal,
    "ne": np.not_equal,
    "ge": np.greater_equal,
    "gt": np.greater,
}
_UNARY = {"exp": np.exp, "sin": np.sin, "cos": np.cos}


class _BinaryParameter(Parameter):
    def __init__(self, op: str, a: Parameter, b: Parameter):
        self.op, self.a, self.b = op, a, b

    def _children(self):
        return (self.a, self.b)

    def _sample(self, rng, n, spatial):
        x = self.a._fsample(rng, n, spatial)
        y = self.b._fsample(rng, n, spatial)
        with np.errstate(all="ignore"):
            return _BINOPS[self.op](x, y)

    def _describe(self):
        return f"{self.op}({self.a._describe()}, {self.b._describe()})"


class _CompareParameter(_BinaryParameter):
    def _sample(self, rng, n, spatial):
        x = self.a._fsample(rng, n, spatial)
        y = self.b._fsample(rng, n, spatial)
        return _CMPOPS[self.op](x, y).astype(np.float64)


class _UnaryParameter(Parameter):
    def __init__(self, op: str, a: Parameter):
        self.op, self.a = op, a

    def _children(self):
        return (self.a,)

    def _sample(self, rng, n, spatial):
        with np.errstate(all="ignore"):
            return _UNARY[self.op](self.a._fsample(rng, n, spatial))

    def _describe(self):
        return f"{self.op}({self.a._describe()})"


class _PowParameter(Parameter):
    def __init__(self, a: Parameter, exponent: float):
        self.a, self.exponent = a, exponent

    def _children(self):
        return (self.a,)

    def _sample(self, rng, n, spatial):
        with np.errstate(all="ignore"):
            return np.power(self.a._fsample(rng, n, spatial), self.exponent)

    def _describe(self):
        return f"pow({self.a._describe()}, {self.exponent!r})"


class _RedrawParameter(Parameter):
    def __init__(self, a: Parameter, lo: float, hi: float):
        self.a, self.lo, self.hi = a, lo, hi

    def _children(self):
        return (self.a,)

    def _sample(self, rng, n, spatial):
        values = np.asarray(self.a._sample(rng, n, spatial))
        bad = np.flatnonzero(~((values >= self.lo) & (values <= self.hi)))
        redraws = 0
        while bad.size:
            if redraws >= _REDRAW_LIMIT:
                raise errors.KernelException(f"Number of redraws exceeded limit of {_REDRAW_LIMIT}")
            redraws += 1
            # Spatial leaves would need the positions of the redrawn entries only.
            sub = {k: (v[bad] if isinstance(v, np.ndarray) and v.shape[:1] == (n,) else v)
                   for k, v in spatial.items()}
            new = np.asarray(self.a._sample(rng, bad.size, sub))
            values[bad] = new
            bad = bad[~((new >= self.lo) & (new <= self.hi))]
        return values

    def _describe(self):
        return f"redraw({self.a._describe()}, {self.lo!r}, {self.hi!r})"


class _ConditionalParameter(Parameter):
    def __init__(self, cond: Parameter, if_true: Parameter, if_false: Parameter):
        self.cond, self.if_true, self.if_false = cond, if_true, if_false

    def _children(self):
        return (self.cond, self.if_true, self.if_false)

    def _sample(self, rng, n, spatial):
        c = self.cond._fsample(rng, n, spatial) != 0.0
        out = np.empty(n, dtype=np.float64)
        for mask, branch in ((c, self.if_true), (~c, self.if_false)):
            idx = np.flatnonzero(mask)
            if idx.size:
                sub = {k: (v[idx] if isinstance(v, np.ndarray) and v.shape[:1] == (n,) else v)
                       for k, v in spatial.items()}
                out[idx] = branch._fsample(rng, idx.size, sub)
        return out

    def _describe(self):
        return (f"conditional({self.cond._describe()}, {self.if_true._describe()}, "
                f"{self.if_false._describe()})")


# ---- factories: nest.random ---------------------------------------------------------------
def uniform(min: float = 0.0, max: float = 1.0) -> Parameter:  # noqa: A002
    """Uniform on ``[min, max)``."""
    return UniformParameter(min, max)


def normal(mean: float = 0.0, std: float = 1.0) -> Parameter:
    """Normal with the given mean and standard deviation."""
    return NormalParameter(mean, std)


def lognormal(mean: float = 0.0, std: float = 1.0) -> Parameter:
    """``exp(N(mean, std))``; mean and std are those of the underlying normal."""
    return LognormalParameter(mean, std)


def exponential(beta: float = 1.0) -> Parameter:
    """Exponential with scale ``beta`` (mean ``beta``)."""
    return ExponentialParameter(beta)


def uniform_int(max: int) -> Parameter:  # noqa: A002
    """Integers uniform in ``[0, max)``."""
    return UniformIntParameter(max)


# ---- factories: nest.math / nest.logic ------------------------------------------------------
def exp(parameter) -> Parameter:
    return _UnaryParameter("exp", as_parameter(parameter))


def sin(parameter) -> Parameter:
    return _UnaryParameter("sin", as_parameter(parameter))


def cos(parameter) -> Parameter:
    return _UnaryParameter("cos", as_parameter(parameter))


def min(parameter, value) -> Parameter:  # noqa: A001
    """Element-wise ``min(parameter, value)``; NEST takes a number for ``value``."""
    other = value if isinstance(value, Parameter) else ConstantParameter(float(value))
    return _BinaryParameter("min", as_parameter(parameter), other)


def max(parameter, value) -> Parameter:  # noqa: A001
    """Element-wise ``max(parameter, value)``; NEST takes a number for ``value``."""
    other = value if isinstance(value, Parameter) else ConstantParameter(float(value))
    return _BinaryParameter("max", as_parameter(parameter), other)


def redraw(parameter, min, max) -> Parameter:  # noqa: A002
    """Redraw values of ``parameter`` outside the closed interval ``[min, max]``."""
    lo, hi = float(min), float(max)
    if lo > hi:
        raise errors.BadParameterValue("BadParameterValue")
    return _RedrawParameter(as_parameter(parameter), lo, hi)


def conditional(condition, param_if_true, param_if_false) -> Parameter:
    """``param_if_true`` where ``condition`` is non-zero, else ``param_if_false``."""
    return _ConditionalParameter(as_parameter(condition), as_parameter(param_if_true),
                                 as_parameter(param_if_false))


# ---- nest.CreateParameter --------------------------------------------------------------------
_CREATE = {
    "constant": (ConstantParameter, {"value": None}),
    "uniform": (UniformParameter, {"min": 0.0, "max": 1.0}),
    "normal": (NormalParameter, {"mean": 0.0, "std": 1.0}),
    "lognormal": (LognormalParameter, {"mean": 0.0, "std": 1.0}),
    "exponential": (ExponentialParameter, {"beta": 1.0}),
    "uniform_int": (UniformIntParameter, {"max": 1}),
}


def create_parameter(parametertype: str, specs: dict | None = None) -> Parameter:
    """``nest.CreateParameter(parametertype, specs)``."""
    from jaxnest.connect.spatial import parameters as spatial
    if parametertype in spatial.CREATE:
        return spatial.create(parametertype, specs)
    if parametertype not in _CREATE:
        raise errors.UndefinedName(f"The name {parametertype} is not defined.")
    cls, defaults = _CREATE[parametertype]
    specs = dict(specs or {})
    kwargs = {}
    for key, default in defaults.items():
        if key in specs:
            kwargs[key] = specs.pop(key)
        elif default is None:
            raise IndexError("map::at")
        else:
            kwargs[key] = default
    if specs:
        raise errors.UnaccessedDictionaryEntry(
            "Unaccessed elements in param, in function create_parameter: "
            + "".join(" " + k for k in sorted(specs)))
    return cls(**kwargs)
