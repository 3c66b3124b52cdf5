"""``nest.random``: random parameters for Create, SetStatus and Connect.

With brainunit quantities as arguments (``normal(mean=-60 * u.mV, std=5 * u.mV)``) the values
are drawn in NEST's unit of their dimension (mV, pA, nS, ms, Hz, ...: units.canonical) and the
parameter remembers that unit, so that Create/SetStatus/Connect check its dimension and
convert it where a parameter's unit differs (jaxnest/units.py). ``p + 5 * u.mV`` and
``p - q`` (same dimension), ``p * 2``, ``p / 2`` and ``-p`` keep the unit; other arithmetic
gives a plain parameter, still in NEST's unit.
"""
from __future__ import annotations

import functools

from . import errors
from . import units as _u
from .connect.parameters import Parameter
from .connect.parameters import exponential as _exponential
from .connect.parameters import lognormal as _lognormal
from .connect.parameters import normal as _normal
from .connect.parameters import uniform as _uniform
from .connect.parameters import uniform_int

__all__ = ["exponential", "lognormal", "normal", "uniform", "uniform_int"]


def _with_units(factory, dimensionless: bool = False):
    """``factory`` accepting quantities (all of one dimension); ``dimensionless``: lognormal,
    whose mean and std are of the underlying normal distribution (plain numbers only)."""

    @functools.wraps(factory)
    def wrapper(*args, **kwargs):
        qt = _u.quantity_types()
        values = (*args, *kwargs.values())
        if not qt or not any(isinstance(a, qt) for a in values):
            return factory(*args, **kwargs)
        name = factory.__name__
        if dimensionless:
            raise errors.BadParameter(f"{name}: the arguments are of the underlying normal "
                                      "distribution and take plain numbers.")
        first = next(a for a in values if isinstance(a, qt))
        target = _u.canonical(first)

        def plain(a):
            if not isinstance(a, qt):
                if a == 0 or target.is_unitless:
                    return a
                raise errors.BadParameter(f"{name}: mix of quantities ({first}) and plain "
                                          f"numbers ({a}).")
            if a.dim != first.dim:
                raise errors.BadParameter(f"{name}: arguments {first} and {a} have different "
                                          "dimensions.")
            return _u.in_unit(a, target)

        return _tag(factory(*[plain(a) for a in args],
                            **{k: plain(v) for k, v in kwargs.items()}), target)

    return wrapper


uniform = _with_units(_uniform)
normal = _with_units(_normal)
exponential = _with_units(_exponential)
lognormal = _with_units(_lognormal, dimensionless=True)


# --- arithmetic that keeps the unit -------------------------------------------------------------
def _tag(param: Parameter, unit) -> Parameter:
    """``param`` remembering ``unit`` (read by units.to_nest), with unit-keeping operators."""
    cls = type(param)
    if not issubclass(cls, _UnitOps):
        cls = _classes.setdefault(cls, type(f"{cls.__name__}WithUnit", (_UnitOps, cls), {}))
        param.__class__ = cls
    param._jaxnest_unit = unit
    return param


_classes: dict = {}


def _shift(p, other, op):
    """``p op other`` for + and -: ``other`` a quantity or unit-carrying parameter of p's
    dimension (converted to p's unit); anything else as a plain Parameter would."""
    unit = p._jaxnest_unit
    qt = _u.quantity_types()
    if qt and isinstance(other, qt):
        if other.dim != unit.dim:
            raise errors.BadParameter(f"cannot combine a random parameter in {unit} with "
                                      f"{other}: different dimensions.")
        return _tag(getattr(Parameter, op)(p, _u.in_unit(other, unit)), unit)
    ounit = getattr(other, "_jaxnest_unit", None)
    if ounit is not None:
        if ounit.dim != unit.dim:
            raise errors.BadParameter(f"cannot combine random parameters in {unit} and "
                                      f"{ounit}: different dimensions.")
        if ounit != unit:  # same dimension, other NEST unit (Hz and 1/ms)
            other = Parameter.__mul__(other, _u.in_unit(_u.quantity(1.0, ounit), unit))
        return _tag(getattr(Parameter, op)(p, other), unit)
    return getattr(Parameter, op)(p, other)


def _scale(p, other, op):
    """``p op number`` for * and / keeps the unit; any other operand gives a plain Parameter
    (quantities: BadParameter, as the product would have another dimension)."""
    qt = _u.quantity_types()
    if qt and (isinstance(other, qt) or hasattr(other, "dim")):  # a quantity or a unit
        raise errors.BadParameter(f"multiply or divide a random parameter in "
                                  f"{p._jaxnest_unit} by plain numbers only, got {other}.")
    out = getattr(Parameter, op)(p, other)
    return _tag(out, p._jaxnest_unit) if _u.is_number(other) else out


class _UnitOps:
    """Operators of a unit-carrying Parameter."""

    def __add__(self, other):
        return _shift(self, other, "__add__")

    def __radd__(self, other):
        return _shift(self, other, "__radd__")

    def __sub__(self, other):
        return _shift(self, other, "__sub__")

    def __rsub__(self, other):
        return _shift(self, other, "__rsub__")

    def __mul__(self, other):
        return _scale(self, other, "__mul__")

    def __rmul__(self, other):
        return _scale(self, other, "__rmul__")

    def __truediv__(self, other):
        return _scale(self, other, "__truediv__")

    def __neg__(self):
        return _tag(Parameter.__neg__(self), self._jaxnest_unit)
