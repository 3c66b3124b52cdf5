"""Spatial masks (``nest.CreateMask``, ``conn_spec['mask']``), vectorised over points.

``mask.inside(d)`` tests an ``(n, D)`` array of displacements (node position minus anchor) and
returns a bool array. The tests reproduce NEST 3.10's floating-point expressions term by term
(``lower_left <= d <= upper_right`` for an unrotated box; for a rotated one NEST's rotation with
a 1e-12 slack; for balls NEST's per-axis, diamond and length checks; for ellipses NEST's scaled
quadratic form), so that nodes lying exactly on a mask's border are in or out as in NEST.
Trigonometric constants come from the C library (``math``), as NEST's.

Combinations: ``a & b``, ``a | b``, ``a - b``; an ``anchor`` shifts a mask (``inside(d -
anchor)``); the converse mask (``inside(-d)``) is what NEST applies when a rule iterates the
other population. A grid mask (``{'grid': {'shape': [nx, ny]}}``, integer anchor) is a box in
units of a grid layer's spacing: :meth:`GridMask.as_box` converts it for a given layer.
"""
from __future__ import annotations

import math

import numpy as np

from jaxnest import errors

_EPS = 1e-12  # NEST's slack of the rotated-box test


def position(value, dim: int, what: str = "position") -> np.ndarray:
    """A D-vector of floats, or NEST's BadProperty."""
    arr = np.asarray(value, dtype=np.float64).ravel()
    if arr.size != dim:
        raise errors.BadProperty(f"Expected a {dim}-dimensional position.")
    return arr


class Mask:
    """Base of all masks; also the object ``nest.CreateMask`` returns."""

    dim = 2

    def inside(self, d: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def bbox(self) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    # boxes (n-tree cells, ``(n, D)`` corners relative to the anchor), as NEST tests them
    def box_inside(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """NEST's Mask::inside(Box): all corners inside (box masks override)."""
        ok = np.ones(len(lo), dtype=bool)
        for corner in _corners(lo, hi):
            ok &= self.inside(corner)
        return ok

    def box_outside(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """NEST's Mask::outside(Box): the box misses the mask's bounding box."""
        bl, bh = self.bbox()
        return _any_col((hi < bl) | (lo > bh))

    # Where NEST's box tests can disagree with the point test: only at the border, unless a
    # box test is unsound (a rotated box mask tests two corners of a cell only).
    sound = True

    def margin(self, d: np.ndarray) -> np.ndarray:
        """A bound of the distance of each point to the mask's border (0: on it), for
        :meth:`test` (masks that test and measure in one pass override ``test`` instead)."""
        return np.full(len(d), np.inf)

    def test(self, d: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """``inside(d)`` and, for a sound mask, ``margin(d)`` (None otherwise): what a candidate
        block needs, in one call so that masks can share the work of the two."""
        return self.inside(d), (self.margin(d) if self.sound else None)

    # --- PyNEST surface ---------------------------------------------------------------------
    def Inside(self, point) -> bool:  # noqa: N802 - PyNEST's name
        p = position(point, self.dim)
        return bool(self.inside(p[None, :])[0])

    def _combine(self, rhs, op: str, cls):
        if not isinstance(rhs, Mask):
            raise NotImplementedError(f"Both operands of {op} must be masks.")
        if isinstance(self, GridMask):
            raise errors.KernelException("Grid masks can not be combined.")
        if isinstance(rhs, GridMask) or rhs.dim != self.dim:
            raise errors.BadProperty("Masks must have same number of dimensions.")
        return cls(self, rhs)

    def __and__(self, rhs):
        return self._combine(rhs, "&", IntersectionMask)

    def __or__(self, rhs):
        return self._combine(rhs, "|", UnionMask)

    def __sub__(self, rhs):
        return self._combine(rhs, "-", DifferenceMask)


class AllMask(Mask):
    """Everything (no mask given)."""

    def __init__(self, dim: int) -> None:
        self.dim = dim

    def inside(self, d):
        return np.ones(len(d), dtype=bool)

    def box_inside(self, lo, hi):
        return np.ones(len(lo), dtype=bool)

    def box_outside(self, lo, hi):
        return np.zeros(len(lo), dtype=bool)

    def bbox(self):
        return np.full(self.dim, -np.inf), np.full(self.dim, np.inf)


class BoxMask(Mask):
    """'rectangular' (2-D) or 'box' (3-D), optionally rotated by azimuth (and polar) angle."""

    def __init__(self, lower_left, upper_right, azimuth_angle=0.0, polar_angle=0.0, dim=2):
        self.dim = dim
        self.ll = np.asarray(lower_left, dtype=np.float64)
        self.ur = np.asarray(upper_right, dtype=np.float64)
        self.azimuth, self.polar = float(azimuth_angle), float(polar_angle)
        self.rotated = self.azimuth != 0.0 or self.polar != 0.0
        ac, as_ = math.cos(self.azimuth * math.pi / 180.0), math.sin(self.azimuth * math.pi / 180.0)
        pc, ps = math.cos(self.polar * math.pi / 180.0), math.sin(self.polar * math.pi / 180.0)
        self.trig = (ac, as_, pc, ps)
        self.cntr = (self.ur + self.ll) * 0.5
        self.lo, self.hi = self._min_max() if self.rotated else (self.ll, self.ur)

    def _rotate(self, p: np.ndarray) -> np.ndarray:
        """NEST's R(-angles) about the box centre, with its precomputed products."""
        ac, as_, pc, ps = self.trig
        c = self.cntr
        x, y = p[:, 0], p[:, 1]
        if self.dim == 2:
            nx = x * ac - c[0] * ac + y * as_ - c[1] * as_ + c[0]
            ny = -x * as_ + c[0] * as_ + y * ac - c[1] * ac + c[1]
            return np.stack([nx, ny], axis=1)
        z = p[:, 2]
        nx = (x * (ac * pc) - (c[0] * ac) * pc + y * (as_ * pc) - (c[1] * as_) * pc - z * ps
              + c[2] * ps + c[0])
        ny = -x * as_ + c[0] * as_ + y * ac - c[1] * ac + c[1]
        nz = (x * (ac * ps) - (c[0] * ac) * ps + y * (as_ * ps) - (c[1] * as_) * ps + z * pc
              - c[2] * pc + c[2])
        return np.stack([nx, ny, nz], axis=1)

    def _min_max(self):
        """Bounding box of the rotated box (its rotated corners)."""
        corners = np.array(np.meshgrid(*[[self.ll[i], self.ur[i]] for i in range(self.dim)],
                                       indexing="ij")).reshape(self.dim, -1).T
        ac, as_, pc, ps = self.trig
        rel = corners - self.cntr
        x = rel[:, 0] * ac - rel[:, 1] * as_
        y = rel[:, 0] * as_ + rel[:, 1] * ac
        if self.dim == 2:
            rot = np.stack([x, y], axis=1)
        else:
            rot = np.stack([x * pc - rel[:, 2] * ps, y, x * ps + rel[:, 2] * pc], axis=1)
        rot = rot + self.cntr
        return rot.min(axis=0), rot.max(axis=0)

    def inside(self, d):
        if not self.rotated:
            return _all_col((self.ll <= d) & (d <= self.ur))
        p = self._rotate(d)
        return _all_col((self.ll - _EPS <= p) & (p <= self.ur + _EPS))

    @property
    def sound(self):
        return not self.rotated

    def test(self, d):
        if self.rotated:
            return self.inside(d), None
        keep = margin = None
        for i in range(self.dim):
            x = d[:, i]
            k = (self.ll[i] <= x) & (x <= self.ur[i])
            m = np.minimum(np.abs(x - self.ll[i]), np.abs(x - self.ur[i]))
            keep = k if keep is None else np.logical_and(keep, k, out=keep)
            margin = m if margin is None else np.minimum(margin, m, out=margin)
        return keep, margin

    def box_inside(self, lo, hi):
        """NEST tests the lower-left and upper-right corners only (also when rotated)."""
        return self.inside(lo) & self.inside(hi)

    def bbox(self):
        return self.lo.copy(), self.hi.copy()


class BallMask(Mask):
    """'circular' (2-D) or 'spherical' (3-D)."""

    def __init__(self, center, radius: float, dim=2):
        self.dim = dim
        self.center = np.asarray(center, dtype=np.float64)
        self.radius = float(radius)

    def inside(self, d):
        return self.test(d)[0]

    def test(self, d):
        """NEST's per-axis, then diamond, then length check; the margin from the same length."""
        r = self.radius
        ok = dsum = sq = None
        for i in range(self.dim):
            c = d[:, i] - self.center[i]
            a = np.abs(c)
            c *= c
            if ok is None:
                ok, dsum, sq = a <= r, a, c
            else:
                ok &= a <= r
                dsum += a
                sq += c
        length = np.sqrt(sq, out=sq)
        keep = ok & ((dsum <= r) | (length <= r))
        length -= r
        return keep, np.abs(length, out=length)

    def bbox(self):
        return self.center - self.radius, self.center + self.radius


class EllipseMask(Mask):
    """'elliptical' (2-D) or 'ellipsoidal' (3-D)."""

    def __init__(self, center, major, minor, polar_axis, azimuth_angle, polar_angle, dim=2):
        self.dim = dim
        self.center = np.asarray(center, dtype=np.float64)
        self.major, self.minor, self.polar_axis = float(major), float(minor), float(polar_axis)
        self.x_scale = 4.0 / (self.major * self.major)
        self.y_scale = 4.0 / (self.minor * self.minor)
        self.z_scale = 4.0 / (self.polar_axis * self.polar_axis) if self.polar_axis else 0.0
        self.azimuth, self.polar = float(azimuth_angle), float(polar_angle)
        a, p = self.azimuth * math.pi / 180.0, self.polar * math.pi / 180.0
        self.trig = (math.cos(a), math.sin(a), math.cos(p), math.sin(p))

    def inside(self, d):
        ac, as_, pc, ps = self.trig
        x, y = d[:, 0] - self.center[0], d[:, 1] - self.center[1]
        if self.dim == 2:
            nx = x * ac + y * as_
            ny = x * as_ - y * ac
            return nx * nx * self.x_scale + ny * ny * self.y_scale <= 1
        z = d[:, 2] - self.center[2]
        nx = (x * ac + y * as_) * pc - z * ps
        ny = x * as_ - y * ac
        nz = (x * ac + y * as_) * ps + z * pc
        return nx * nx * self.x_scale + ny * ny * self.y_scale + nz * nz * self.z_scale <= 1

    def margin(self, d):
        """The quadratic form's distance from 1, scaled to a length by the major axis."""
        ac, as_, pc, ps = self.trig
        x, y = d[:, 0] - self.center[0], d[:, 1] - self.center[1]
        if self.dim == 2:
            q = (x * ac + y * as_) ** 2 * self.x_scale + (x * as_ - y * ac) ** 2 * self.y_scale
        else:
            z = d[:, 2] - self.center[2]
            u = x * ac + y * as_
            q = ((u * pc - z * ps) ** 2 * self.x_scale + (x * as_ - y * ac) ** 2 * self.y_scale
                 + (u * ps + z * pc) ** 2 * self.z_scale)
        return np.abs(q - 1.0) * max(self.major, self.minor, self.polar_axis)

    def bbox(self):
        if self.azimuth == 0.0 and self.polar == 0.0:
            radii = np.array([self.major, self.minor, self.polar_axis]) / 2.0
        else:  # tilted: a cube with the greatest semi-axis, as NEST
            radii = np.full(3, max(self.major, self.polar_axis) / 2.0)
        return self.center - radii[:self.dim], self.center + radii[:self.dim]


class GridMask(Mask):
    """'grid': a block of ``shape`` grid cells, its upper-left cell at the (integer) anchor."""

    def __init__(self, shape) -> None:
        self.dim = 2
        self.shape = np.asarray(shape, dtype=np.int64)
        self.upper_left = np.zeros(2, dtype=np.int64)
        self.lower_right = self.shape.copy()

    def set_anchor(self, anchor) -> None:
        a = np.asarray(anchor, dtype=np.int64)
        self.lower_right = self.lower_right - self.upper_left - a
        self.upper_left = -a

    def inside(self, d):
        raise errors.KernelException("Grid mask must be applied to a grid layer.")

    def Inside(self, point):  # noqa: N802
        raise errors.KernelException("Grid mask must be applied to a grid layer.")

    def as_box(self, extent: np.ndarray, dims: np.ndarray) -> BoxMask:
        """The box this mask covers on a grid layer of ``extent`` and ``dims`` cells (y up)."""
        step = extent / dims
        ll = step * self.upper_left - step * 0.5
        ur = step * self.lower_right - step * 0.5
        ll[1], ur[1] = -ur[1], -ll[1]
        return BoxMask(ll, ur, dim=2)

    def bbox(self):  # pragma: no cover - converted before use
        raise errors.KernelException("Grid mask must be applied to a grid layer.")


class _Pair(Mask):
    def __init__(self, a: Mask, b: Mask) -> None:
        self.a, self.b, self.dim = a, b, a.dim

    @property
    def sound(self):
        return self.a.sound and self.b.sound

    def inside(self, d):
        return self._join(self.a.inside(d), self.b.inside(d))

    def test(self, d):
        (ka, ma), (kb, mb) = self.a.test(d), self.b.test(d)
        margin = None if ma is None or mb is None else np.minimum(ma, mb)
        return self._join(ka, kb), margin


class IntersectionMask(_Pair):
    @staticmethod
    def _join(ka, kb):
        return ka & kb

    def box_inside(self, lo, hi):
        return self.a.box_inside(lo, hi) & self.b.box_inside(lo, hi)

    def box_outside(self, lo, hi):
        return self.a.box_outside(lo, hi) | self.b.box_outside(lo, hi)

    def bbox(self):
        (l1, u1), (l2, u2) = self.a.bbox(), self.b.bbox()
        return np.maximum(l1, l2), np.minimum(u1, u2)


class UnionMask(_Pair):
    @staticmethod
    def _join(ka, kb):
        return ka | kb

    def box_inside(self, lo, hi):
        return self.a.box_inside(lo, hi) | self.b.box_inside(lo, hi)

    def box_outside(self, lo, hi):
        return self.a.box_outside(lo, hi) & self.b.box_outside(lo, hi)

    def bbox(self):
        (l1, u1), (l2, u2) = self.a.bbox(), self.b.bbox()
        return np.minimum(l1, l2), np.maximum(u1, u2)


class DifferenceMask(_Pair):
    @staticmethod
    def _join(ka, kb):
        return ka & ~kb

    def box_inside(self, lo, hi):
        return self.a.box_inside(lo, hi) & self.b.box_outside(lo, hi)

    def box_outside(self, lo, hi):
        return self.a.box_outside(lo, hi) | self.b.box_inside(lo, hi)

    def bbox(self):
        return self.a.bbox()


class AnchoredMask(Mask):
    """``mask`` shifted by ``anchor``."""

    def __init__(self, mask: Mask, anchor) -> None:
        self.mask, self.dim = mask, mask.dim
        self.anchor = np.asarray(anchor, dtype=np.float64)

    def inside(self, d):
        return self.mask.inside(d - self.anchor)

    @property
    def sound(self):
        return self.mask.sound

    def test(self, d):
        return self.mask.test(d - self.anchor)

    def box_inside(self, lo, hi):
        return self.mask.box_inside(lo - self.anchor, hi - self.anchor)

    def box_outside(self, lo, hi):
        return self.mask.box_outside(lo - self.anchor, hi - self.anchor)

    def bbox(self):
        lo, hi = self.mask.bbox()
        return lo + self.anchor, hi + self.anchor


class ConverseMask(Mask):
    """``mask`` mirrored through the origin (applied from the other end of a connection)."""

    def __init__(self, mask: Mask) -> None:
        self.mask, self.dim = mask, mask.dim

    def inside(self, d):
        return self.mask.inside(-d)

    @property
    def sound(self):
        return self.mask.sound

    def test(self, d):
        return self.mask.test(-d)

    def box_inside(self, lo, hi):
        return self.mask.box_inside(-hi, -lo)

    def box_outside(self, lo, hi):
        return self.mask.box_outside(-hi, -lo)

    def bbox(self):
        lo, hi = self.mask.bbox()
        return -hi, -lo


def _corners(lo: np.ndarray, hi: np.ndarray):
    """The 2^D corners of boxes ``[lo, hi]``."""
    D = lo.shape[1]
    for j in range(2 ** D):
        yield np.stack([hi[:, i] if j & (1 << i) else lo[:, i] for i in range(D)], axis=1)


def _all_col(cond: np.ndarray) -> np.ndarray:
    """Row-wise all() of an (n, D) bool array (column by column: numpy's axis=1 reduction
    is slow for D = 2, 3)."""
    out = cond[:, 0].copy()
    for i in range(1, cond.shape[1]):
        out &= cond[:, i]
    return out


def _any_col(cond: np.ndarray) -> np.ndarray:
    out = cond[:, 0].copy()
    for i in range(1, cond.shape[1]):
        out |= cond[:, i]
    return out
