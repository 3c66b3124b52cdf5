"""Masks from PyNEST's dicts (``nest.CreateMask``, ``conn_spec['mask']``), with NEST 3.10's
typed reads, checks and error messages.

``{'circular': {'radius': r}, 'anchor': [x, y]}``: one mask type and its specs, optionally an
anchor. An anchor of integers is a grid mask's (in cells); one of floats shifts any other mask.
"""
from __future__ import annotations

import numbers

import numpy as np

from jaxnest import errors
from jaxnest.connect.spatial.masks import (AnchoredMask, BallMask, BoxMask, DifferenceMask,
                                           EllipseMask, GridMask, Mask, position)


class _Specs:
    """A mask's specs with NEST's typed reads and unaccessed-entry check."""

    def __init__(self, specs) -> None:
        if not isinstance(specs, dict):
            raise TypeError("mask specs must be a dict")
        self.specs, self.used = specs, set()

    def has(self, key) -> bool:
        return key in self.specs

    def _raw(self, key):
        if key not in self.specs:
            raise IndexError("map::at")
        self.used.add(key)
        return self.specs[key]

    def double(self, key) -> float:
        from jaxnest.connect.rules import _cast_error
        v = self._raw(key)
        if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real):
            raise _cast_error(key, v, "double")
        return float(v)

    def vector(self, key, dim) -> np.ndarray:
        return position(self._raw(key), dim)

    def longs(self, key) -> np.ndarray:
        return np.asarray(self._raw(key), dtype=np.int64).ravel()

    def done(self) -> None:
        left = [k for k in self.specs if k not in self.used]
        if left:
            raise errors.UnaccessedDictionaryEntry(
                "Unaccessed elements in specs, in function CreateMask: " + "".join(
                    " " + k for k in left))


def _box(s: _Specs, dim: int) -> Mask:
    ll, ur = s.vector("lower_left", dim), s.vector("upper_right", dim)
    if not np.all(ll < ur):
        raise errors.BadProperty("nest::BoxMask<D>: Upper right must be strictly to the right "
                                 "and above lower left.")
    az = s.double("azimuth_angle") if s.has("azimuth_angle") else 0.0
    pol = 0.0
    if s.has("polar_angle"):
        if dim == 2:
            raise errors.BadProperty("nest::BoxMask<D>: polar_angle not defined in 2D.")
        pol = s.double("polar_angle")
    return BoxMask(ll, ur, az, pol, dim)


def _ball(s: _Specs, dim: int) -> Mask:
    r = s.double("radius")
    if r <= 0:
        raise errors.BadProperty("nest::BallMask<D>: radius > 0 required.")
    center = s.vector("anchor", dim) if s.has("anchor") else np.zeros(dim)
    return BallMask(center, r, dim)


def _ellipse(s: _Specs, dim: int) -> Mask:
    major, minor = s.double("major_axis"), s.double("minor_axis")
    if major <= 0 or minor <= 0:
        raise errors.BadProperty("nest::EllipseMask<D>: All axis > 0 required.")
    if major < minor:
        raise errors.BadProperty("nest::EllipseMask<D>: major_axis greater than minor_axis "
                                 "required.")
    polar_axis = 0.0
    if s.has("polar_axis"):
        if dim == 2:
            raise errors.BadProperty("nest::EllipseMask<D>: polar_axis not defined in 2D.")
        polar_axis = s.double("polar_axis")
        if polar_axis <= 0:
            raise errors.BadProperty("nest::EllipseMask<D>: All axis > 0 required.")
    center = s.vector("anchor", dim) if s.has("anchor") else np.zeros(dim)
    az = s.double("azimuth_angle") if s.has("azimuth_angle") else 0.0
    pol = 0.0
    if s.has("polar_angle"):
        if dim == 2:
            raise errors.BadProperty("nest::EllipseMask<D>: polar_angle not defined in 2D.")
        pol = s.double("polar_angle")
    return EllipseMask(center, major, minor, polar_axis, az, pol, dim)


def _doughnut(s: _Specs, dim: int) -> Mask:
    center = s.vector("anchor", 2) if s.has("anchor") else np.zeros(2)
    outer, inner = s.double("outer_radius"), s.double("inner_radius")
    if inner >= outer:
        raise errors.BadProperty("nest::create_doughnut: inner_radius < outer_radius required.")
    return DifferenceMask(BallMask(center, outer), BallMask(center, inner))


def _grid(s: _Specs, dim: int) -> Mask:
    return GridMask(s.longs("shape")[:2])


_TYPES = {"rectangular": (_box, 2), "box": (_box, 3), "circular": (_ball, 2),
          "spherical": (_ball, 3), "elliptical": (_ellipse, 2), "ellipsoidal": (_ellipse, 3),
          "doughnut": (_doughnut, 2), "grid": (_grid, 2)}


def create_mask(masktype: str, specs: dict) -> Mask:
    """One mask of NEST type ``masktype`` from its specs dict."""
    if masktype not in _TYPES:
        raise errors.UndefinedName(f"The name {masktype} is not defined.")
    make, dim = _TYPES[masktype]
    s = _Specs(specs)
    mask = make(s, dim)
    s.done()
    return mask


def _all_ints(value) -> bool:
    vals = list(np.ravel(np.asarray(value, dtype=object)))
    return bool(vals) and all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                              for v in vals)


def mask_from_dict(mask_dict) -> Mask:
    """A mask from ``{type: specs}`` with an optional ``'anchor'`` (conn_spec['mask']); a Mask
    object is returned as it is."""
    if isinstance(mask_dict, Mask):
        return mask_dict
    if not isinstance(mask_dict, dict):
        raise TypeError("mask must be a dict or a Mask")
    mask = None
    for key, specs in mask_dict.items():
        if key != "anchor":
            mask = create_mask(key, specs)
    if mask is None:
        raise errors.BadProperty("Mask type not specified.")
    if "anchor" not in mask_dict:
        return mask
    anchor = mask_dict["anchor"]
    n = np.size(anchor)
    if _all_ints(anchor):
        if n not in (2, 3):
            raise errors.BadProperty("Anchor must be 2- or 3-dimensional.")
        if not isinstance(mask, GridMask) or n != 2:
            raise errors.BadProperty(f"Mask must be {n}-dimensional grid mask.")
        mask.set_anchor(anchor)
        return mask
    if n not in (2, 3):
        raise errors.BadProperty("Anchor must be 2- or 3-dimensional.")
    if isinstance(mask, GridMask) or mask.dim != n:
        raise TypeError("std::bad_cast")
    return AnchoredMask(mask, np.asarray(anchor, dtype=np.float64))
