"""Spatial layers: the positions and geometry of one ``Create(model, positions=...)``.

A :class:`Layer` holds, for the ``n`` consecutive nodes created together, their positions (an
``(n, D)`` float64 array, D = 2 or 3), the layer's lower-left corner and extent (NEST's box the
positions live in) and whether its boundaries are periodic (``edge_wrap``). Grid layers also keep
their shape. Positions follow NEST 3.10 exactly:

* grid: node ``lid`` sits at grid index ``(i, j[, k])`` with ``lid = (i * ny + j) * nz + k``
  (column-major in x: consecutive nodes go *down* a column), at
  ``upper_left + ext/dims * index + ext/dims * 0.5`` with y measured downwards from the top;
  the extent defaults to 1 in every dimension, the center to 0;
* free: the given positions; without ``extent`` the extent is the bounding box of the points
  rounded up per dimension, centred on the bounding box; with ``extent`` the box is centred on
  the points' bounding box and must contain them all.
"""
from __future__ import annotations

import bisect

import numpy as np

from jaxnest import errors


class Layer:
    """Geometry and positions of one spatial node collection (node ids ``first .. first+n-1``)."""

    def __init__(self, first: int, positions: np.ndarray, lower_left, extent, periodic: bool,
                 shape=None) -> None:
        self.first = int(first)
        self.positions = np.ascontiguousarray(positions, dtype=np.float64)
        self.lower_left = np.asarray(lower_left, dtype=np.float64)
        self.extent = np.asarray(extent, dtype=np.float64)
        self.periodic = np.full(self.dim, bool(periodic))
        self.shape = None if shape is None else np.asarray(shape, dtype=np.int64)

    @property
    def dim(self) -> int:
        return self.positions.shape[1]

    @property
    def size(self) -> int:
        return self.positions.shape[0]

    @property
    def is_grid(self) -> bool:
        return self.shape is not None

    @property
    def center(self) -> np.ndarray:
        return self.lower_left + self.extent / 2

    def index(self, ids) -> np.ndarray:
        """Position of node ids within the layer (0-based)."""
        return np.asarray(ids, dtype=np.int64) - self.first

    def positions_of(self, ids) -> np.ndarray:
        return self.positions[self.index(ids)]

    def metadata(self, ids) -> dict:
        """NodeCollection.spatial of the nodes ``ids`` of this layer."""
        d = {"center": self.center.copy(), "edge_wrap": bool(self.periodic.all()),
             "extent": self.extent.copy(), "network_size": int(np.size(ids))}
        if self.is_grid:
            d["shape"] = self.shape.copy()
        else:
            d["positions"] = self.positions_of(ids).copy()
        return d

    # --- displacements: NEST's two formulas (Position and per-dimension versions) --------------
    def displacement(self, from_pos: np.ndarray, to_pos: np.ndarray) -> np.ndarray:
        """``to - from`` with periodic wrap by fmod (NEST's Layer::compute_displacement of
        positions, used by Displacement, Distance and DumpLayerConnections)."""
        d = np.asarray(to_pos, dtype=np.float64) - np.asarray(from_pos, dtype=np.float64)
        if self.periodic.any():
            ext = self.extent
            wrapped = -0.5 * ext + np.fmod(d + 0.5 * ext, ext)
            wrapped = np.where(wrapped < -0.5 * ext, wrapped + ext, wrapped)
            d = np.where(self.periodic, wrapped, d)
        return d

    def displacement_dim(self, from_pos: np.ndarray, to_pos: np.ndarray, dim: int) -> np.ndarray:
        """``to - from`` in one dimension, periodic by rounding (NEST's per-dimension
        compute_displacement, used by spatial parameters)."""
        d = to_pos[..., dim] - from_pos[..., dim]
        if self.periodic[dim]:
            ext = self.extent[dim]
            d = d - ext * cround(d * (1 / ext))
        return d

    def distance(self, from_pos: np.ndarray, to_pos: np.ndarray) -> np.ndarray:
        """Euclidean length of :meth:`displacement_dim` over all dimensions (spatial parameters)."""
        sq = 0.0
        for i in range(self.dim):
            d = self.displacement_dim(from_pos, to_pos, i)
            sq = sq + d * d
        return np.sqrt(sq)


def length(d: np.ndarray) -> np.ndarray:
    """Euclidean norm over the last axis, summed in coordinate order as NEST does."""
    sq = d[..., 0] * d[..., 0]
    for i in range(1, d.shape[-1]):
        sq = sq + d[..., i] * d[..., i]
    return np.sqrt(sq)


def cround(x):
    """C's round(): halves away from zero (numpy rounds them to even)."""
    t = np.trunc(x)
    f = x - t  # the fraction, exact, with the sign of x
    t += f >= 0.5
    t -= f <= -0.5
    return t


# --- construction ---------------------------------------------------------------------------------
def grid_geometry(shape, extent=None, center=None):
    """(positions, lower_left, extent) of a grid layer, as NEST lays it out."""
    dims = np.asarray(shape, dtype=np.int64)
    D = dims.size
    ext = np.ones(D) if extent is None else np.asarray(extent, dtype=np.float64)
    ctr = np.zeros(D) if center is None else np.asarray(center, dtype=np.float64)
    if ext.size != D or ctr.size != D:
        raise errors.BadProperty("extent and center must have as many entries as shape.")
    lower_left = ctr - ext / 2
    n = int(np.prod(dims))
    lid = np.arange(n, dtype=np.int64)
    index = np.empty((n, D), dtype=np.int64)
    for i in range(D - 1, 0, -1):
        index[:, i] = lid % dims[i]
        lid = lid // dims[i]
    index[:, 0] = lid
    upper_left = lower_left.copy()
    step_ext = ext.copy()
    upper_left[1] += ext[1]
    step_ext[1] = -ext[1]
    step = step_ext / dims
    positions = (upper_left + step * index) + step * 0.5
    return positions, lower_left, ext


def free_geometry(positions: np.ndarray, extent=None):
    """(lower_left, extent) of a free layer from its positions (see the module docstring)."""
    lo = positions.min(axis=0)
    hi = positions.max(axis=0)
    center = (hi + lo) / 2
    if extent is not None:
        ext = np.asarray(extent, dtype=np.float64)
        if ext.size != positions.shape[1]:
            raise errors.BadProperty("extent must have as many entries as the positions have "
                                     "coordinates.")
        lower_left = center - ext / 2
        upper_right = center + ext / 2
        if np.any(lo < lower_left) or np.any(hi > upper_right):
            raise errors.BadProperty("Node position outside of layer")
        return lower_left, ext
    if positions.shape[0] <= 1:
        raise errors.KernelException("If only one node is created, 'extent' must be specified.")
    ext = np.ceil(hi - lo)
    return center - ext / 2, ext


# --- lookup of the layer a node belongs to -------------------------------------------------------
def register(network, layer: Layer) -> None:
    """Remember ``layer`` in the network (layers are created in node id order)."""
    network.layers.append(layer)


def layer_of_id(network, node_id: int) -> Layer | None:
    """The layer node ``node_id`` was created in, or None."""
    layers = network.layers
    i = bisect.bisect_right([la.first for la in layers], int(node_id)) - 1
    if i >= 0 and node_id < layers[i].first + layers[i].size:
        return layers[i]
    return None


def positions_of_ids(network, ids) -> np.ndarray:
    """Positions of arbitrary node ids (NEST finds a node's layer from the node itself);
    NEST's error for a node outside every layer."""
    ids = np.asarray(ids, dtype=np.int64)
    out, dims, found = None, set(), np.zeros(ids.size, dtype=bool)
    for la in network.layers:
        sel = (ids >= la.first) & (ids < la.first + la.size)
        if sel.any():
            if out is None:
                out = np.empty((ids.size, la.dim))
            dims.add(la.dim)
            if len(dims) > 1:
                raise errors.KernelException("Node positions of different dimensions.")
            out[sel] = la.positions_of(ids[sel])
            found |= sel
    if out is None or not found.all():
        raise errors.KernelException("NodePosParameter: not meta")
    return out
