"""Spatial parameters: distances, positions and distance-dependent profiles.

They plug into :class:`jaxnest.connect.parameters.Parameter`'s lazy trees. A spatial leaf reads
its context from the ``spatial`` keywords of ``sample``:

* when connecting: ``source_pos`` and ``target_pos`` (``(n, D)``, one row per candidate pair)
  and ``layer`` (the :class:`~.layers.Layer` whose extent and periodicity give displacements);
* when setting node values: ``node_pos`` (``(n, D)``, one row per node).

Used elsewhere they raise NEST's errors. The profiles (``nest.spatial_distributions``) evaluate
NEST's expressions: ``exp(-x/beta)``, ``exp(-(x-mean)^2 / (2 std^2))``, the bivariate Gaussian
with correlation ``rho``, the gamma density ``x^(kappa-1) exp(-x/theta) / (theta^kappa
Gamma(kappa))`` and the rectified Gabor function; they are spatial whatever their argument.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from jaxnest import errors
from jaxnest.connect.parameters import Parameter


def _context(spatial: dict, n: int):
    if "layer" not in spatial:
        return None
    return spatial["source_pos"], spatial["target_pos"], spatial["layer"]


class DistanceParameter(Parameter):
    """Distance between source and target (dimension 0), or its absolute component along
    x, y, z (dimension 1, 2, 3), with periodic boundaries of the layer."""

    def __init__(self, dimension: int = 0) -> None:
        if dimension < 0:
            raise errors.BadParameterValue("Spatial distance parameter dimension cannot be "
                                           "negative.")
        self.dimension = int(dimension)

    def is_spatial(self) -> bool:
        return True

    @property
    def x(self):
        return DistanceParameter(1)

    @property
    def y(self):
        return DistanceParameter(2)

    @property
    def z(self):
        return DistanceParameter(3)

    @staticmethod
    def n(dimension):
        return DistanceParameter(dimension)

    def _sample(self, rng, n, spatial):
        ctx = _context(spatial, n)
        if ctx is None:
            raise errors.BadParameterValue("Spatial distance parameter can only be used when "
                                           "connecting.")
        src, tgt, layer = ctx
        if self.dimension == 0:
            return layer.distance(src, tgt)
        if self.dimension > 3:
            raise errors.KernelException("SpatialDistanceParameter dimension must be either 0 "
                                         "for unspecified, or 1-3 for x-z.")
        if self.dimension > layer.dim:
            raise errors.KernelException("Spatial distance dimension must be within the defined "
                                         "number of dimensions for the nodes.")
        return np.abs(layer.displacement_dim(src, tgt, self.dimension - 1))

    def _describe(self):
        return f"distance(dimension={self.dimension})"


class PositionParameter(Parameter):
    """A node's coordinate (endpoint 0), or the source's (1) or target's (2) when connecting."""

    def __init__(self, dimension: int, synaptic_endpoint: int = 0) -> None:
        if dimension < 0:
            raise errors.BadParameterValue("Node position parameter dimension cannot be "
                                           "negative.")
        if not 0 <= synaptic_endpoint <= 2:
            raise errors.BadParameterValue("Synaptic endpoint must either be unspecified (0), "
                                           "source (1) or target (2).")
        self.dimension, self.endpoint = int(dimension), int(synaptic_endpoint)

    def is_spatial(self) -> bool:
        return True

    def _sample(self, rng, n, spatial):
        ctx = _context(spatial, n)
        if self.endpoint == 0:
            if ctx is not None:
                raise errors.BadParameterValue("Node position parameter cannot be used when "
                                               "connecting.")
            pos = spatial.get("node_pos")
            if pos is None:
                raise errors.KernelException("Node position parameter can only be used when "
                                             "connecting spatially distributed nodes.")
            if self.dimension >= pos.shape[1]:
                raise errors.KernelException("Node position dimension must be within the "
                                             "defined number of dimensions for the node.")
            return pos[:, self.dimension].copy()
        if ctx is None:
            raise errors.BadParameterValue("Source or target position parameter can only be "
                                           "used when connecting.")
        pos = ctx[0] if self.endpoint == 1 else ctx[1]
        if self.dimension >= pos.shape[1]:
            raise errors.KernelException("Node position dimension must be within the defined "
                                         "number of dimensions for the node.")
        return pos[:, self.dimension].copy()

    def _describe(self):
        return f"position(dimension={self.dimension}, endpoint={self.endpoint})"


class DimensionParameter(Parameter):
    """Free positions drawn from one parameter per dimension (``nest.spatial.free``)."""

    def __init__(self, params) -> None:
        self.params = tuple(params)

    @property
    def num_dimensions(self) -> int:
        return len(self.params)

    def is_spatial(self) -> bool:
        return True

    def _children(self):
        return self.params

    def _sample(self, rng, n, spatial):
        raise errors.KernelException("Cannot get value of DimensionParameter.")

    def positions(self, rng, n: int) -> np.ndarray:
        return np.stack([p._fsample(rng, n, {}) for p in self.params], axis=1)


class _Profile(Parameter):
    """A function of one or two parameters (spatial by definition)."""

    args: tuple = ()

    def is_spatial(self) -> bool:
        return True

    def _children(self):
        return tuple(getattr(self, a) for a in self.args)

    def _sample(self, rng, n, spatial):
        if _context(spatial, n) is None:
            raise errors.BadParameterValue(f"{type(self).__name__} can only be used when "
                                           "connecting.")
        vals = [getattr(self, a)._fsample(rng, n, spatial) for a in self.args]
        with np.errstate(all="ignore"):
            return self._f(*vals)


class ExpDistParameter(_Profile):
    args = ("x",)

    def __init__(self, x, beta):
        self.x, beta = x, float(beta)
        if beta <= 0:
            raise errors.BadProperty(f"beta > 0 required for exponential distribution parameter, "
                                     f"got beta={beta:f}")
        self.inv_beta = 1.0 / beta

    def _f(self, x):
        return np.exp(-x * self.inv_beta)


class GaussianParameter(_Profile):
    args = ("x",)

    def __init__(self, x, mean, std):
        self.x, self.mean, std = x, float(mean), float(std)
        if std <= 0:
            raise errors.BadProperty(f"std > 0 required for gaussian distribution parameter, "
                                     f"got std={std:f}")
        self.inv_two_std2 = 1.0 / (2 * std * std)

    def _f(self, x):
        dx = x - self.mean
        return np.exp(-dx * dx * self.inv_two_std2)


class Gaussian2DParameter(_Profile):
    args = ("x", "y")

    def __init__(self, x, y, mean_x, mean_y, std_x, std_y, rho):
        self.x, self.y = x, y
        self.mean_x, self.mean_y = float(mean_x), float(mean_y)
        rho, sx, sy = float(rho), float(std_x), float(std_y)
        if rho >= 1 or rho <= -1:
            raise errors.BadProperty(f"-1 < rho < 1 required for gaussian2d distribution "
                                     f"parameter, got rho={rho:f}")
        if sx <= 0:
            raise errors.BadProperty(f"std_x > 0 required for gaussian2d distribution "
                                     f"parameter, got std_x={sx:f}")
        if sy <= 0:
            raise errors.BadProperty(f"std_y > 0 required for gaussian2d distribution "
                                     f"parameter, got std_y={sy:f}")
        self.xt = 1.0 / (2.0 * (1.0 - rho * rho) * sx * sx)
        self.yt = 1.0 / (2.0 * (1.0 - rho * rho) * sy * sy)
        self.xyt = rho / ((1.0 - rho * rho) * sx * sy)

    def _f(self, x, y):
        dx, dy = x - self.mean_x, y - self.mean_y
        return np.exp(-dx * dx * self.xt - dy * dy * self.yt + dx * dy * self.xyt)


class GammaParameter(_Profile):
    args = ("x",)

    def __init__(self, x, kappa, theta):
        self.x, self.kappa, theta = x, float(kappa), float(theta)
        if self.kappa <= 0:
            raise errors.BadProperty(f"kappa > 0 required for gamma distribution parameter, "
                                     f"got kappa={self.kappa:f}")
        if theta <= 0:
            raise errors.BadProperty(f"theta > 0 required for gamma distribution parameter, "
                                     f"got theta={theta:f}")
        self.inv_theta = 1.0 / theta
        self.delta = math.pow(self.inv_theta, self.kappa) / math.gamma(self.kappa)

    def _f(self, x):
        return np.power(x, self.kappa - 1.0) * np.exp(-1.0 * self.inv_theta * x) * self.delta


class GaborParameter(_Profile):
    args = ("x", "y")

    def __init__(self, x, y, theta, gamma, std, lam, psi):
        self.x, self.y = x, y
        gamma, std = float(gamma), float(std)
        if std <= 0:
            raise errors.BadProperty(f"std > 0 required for gabor function parameter, got "
                                     f"std={std:g}")
        if gamma <= 0:
            raise errors.BadProperty(f"gamma > 0 required for gabor function parameter, got "
                                     f"gamma={gamma:g}")
        self.cos = math.cos(float(theta) * math.pi / 180.0)
        self.sin = math.sin(float(theta) * math.pi / 180.0)
        self.gamma, self.inv_two_std2 = gamma, 1.0 / (2 * std * std)
        self.lam, self.psi = float(lam), float(psi)

    def _f(self, x, y):
        xp = x * self.cos + y * self.sin
        yp = -x * self.sin + y * self.cos
        env = np.exp(-self.gamma * self.gamma * xp * xp * self.inv_two_std2
                     - yp * yp * self.inv_two_std2)
        return env * np.maximum(np.cos(2 * math.pi * yp / self.lam
                                       + self.psi * math.pi / 180.0), 0.0)


# --- nest.CreateParameter for the spatial types ------------------------------------------------
def _param_arg(key, value) -> Parameter:
    if isinstance(value, Parameter):
        return value
    from jaxnest.connect.rules import _cast_error
    raise _cast_error(key, value, "std::shared_ptr<nest::Parameter>")


def _number(key, value) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        from jaxnest.connect.rules import _cast_error
        raise _cast_error(key, value, "double")
    return float(value)


def _integer(key, value) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        from jaxnest.connect.rules import _cast_error
        raise _cast_error(key, value, "long")
    return int(value)


# name -> (class, [(key, kind, default or REQUIRED)])
_REQ = object()
_P, _F, _I = "param", "double", "long"
CREATE = {
    "distance": (DistanceParameter, [("dimension", _I, 0)]),
    "position": (PositionParameter, [("dimension", _I, None), ("synaptic_endpoint", _I, 0)]),
    "exp_distribution": (ExpDistParameter, [("x", _P, _REQ), ("beta", _F, _REQ)]),
    "gaussian": (GaussianParameter, [("x", _P, _REQ), ("mean", _F, _REQ), ("std", _F, _REQ)]),
    "gaussian2d": (Gaussian2DParameter, [("x", _P, _REQ), ("y", _P, _REQ), ("mean_x", _F, _REQ),
                                         ("mean_y", _F, _REQ), ("std_x", _F, _REQ),
                                         ("std_y", _F, _REQ), ("rho", _F, _REQ)]),
    "gamma": (GammaParameter, [("x", _P, _REQ), ("kappa", _F, _REQ), ("theta", _F, _REQ)]),
    "gabor": (GaborParameter, [("x", _P, _REQ), ("y", _P, _REQ), ("theta", _F, _REQ),
                               ("gamma", _F, _REQ), ("std", _F, _REQ), ("lam", _F, _REQ),
                               ("psi", _F, _REQ)]),
}
_READ = {_P: _param_arg, _F: _number, _I: _integer}


def create(parametertype: str, specs: dict) -> Parameter:
    """``nest.CreateParameter`` for the spatial types (NEST's typed reads and errors)."""
    cls, fields = CREATE[parametertype]
    specs = dict(specs or {})
    kwargs = {}
    for key, kind, default in fields:
        if key in specs:
            kwargs[key] = _READ[kind](key, specs.pop(key))
        elif default is _REQ:
            raise IndexError("map::at")
        elif default is None:
            raise errors.BadParameterValue("Dimension must be specified when creating a node "
                                           "position parameter.")
        else:
            kwargs[key] = default
    if specs:
        raise errors.UnaccessedDictionaryEntry(
            "Unaccessed elements in param, in function create_parameter: "
            + "".join(" " + k for k in sorted(specs)))
    return cls(**kwargs)
