"""Candidate pairs of a spatial connection: which pool nodes lie inside the mask around each
anchor (the nodes the rule iterates: targets, or sources for fixed_outdegree).

NEST puts the pool into an n-tree over a box (lower-left corner, extent, periodic flags) and,
for each anchor, walks the nodes ``p`` with ``mask.inside(p - a)``. With periodic boundaries
the pool positions are first wrapped into the box, the anchor is wrapped so that the mask's
bounding box starts inside the box, and the anchor is repeated one extent lower in each
periodic dimension where the mask reaches past the box; a node inside the mask for two of
these anchors (only possible with ``allow_oversized_mask``) is found twice. This module
reproduces that set exactly, with numpy instead of a tree: the pool is sorted along the most
selective axis, each anchor's slab of the mask's bounding box (widened by a rounding margin)
is found by binary search, and the exact mask test is applied to the nodes of the slab. Work is
done in blocks of anchors holding at most :data:`PAIR_BUDGET` candidate pairs, so memory does
not grow with the layer.
"""
from __future__ import annotations

import itertools

import numpy as np

PAIR_BUDGET = 1 << 21


class Tree:
    """The pool of one rule: wrapped positions in a box (NEST's Ntree, without the tree)."""

    def __init__(self, positions: np.ndarray, lower_left, extent, periodic) -> None:
        self.lower_left = np.asarray(lower_left, dtype=np.float64)
        self.extent = np.asarray(extent, dtype=np.float64)
        self.periodic = np.asarray(periodic, dtype=bool)
        pos = np.array(positions, dtype=np.float64, copy=True)
        for i in np.flatnonzero(self.periodic):
            ll, ext = self.lower_left[i], self.extent[i]
            x = ll + np.fmod(pos[:, i] - ll, ext)
            pos[:, i] = np.where(x < ll, x + ext, x)
        self.positions = pos

    @property
    def size(self) -> int:
        return self.positions.shape[0]

    def anchors(self, a: np.ndarray, mask) -> tuple[np.ndarray, np.ndarray]:
        """NEST's anchors per row: ``(A, C, D)`` positions and ``(A, C)`` validity."""
        a = np.array(a, dtype=np.float64, copy=True)
        if not self.periodic.any():
            return a[:, None, :], np.ones((a.shape[0], 1), dtype=bool)
        bb_ll, bb_ur = mask.bbox()
        ll, ext = self.lower_left, self.extent
        need = np.zeros(a.shape, dtype=bool)
        for i in np.flatnonzero(self.periodic):
            x = np.fmod(a[:, i] + bb_ll[i] - ll[i], ext[i])
            x = np.where(x < 0, x + ext[i], x)
            a[:, i] = x - bb_ll[i] + ll[i]
            need[:, i] = (a[:, i] + bb_ur[i] - ll[i]) > ext[i]
        dims = list(np.flatnonzero(self.periodic))
        combos = list(itertools.product((0, 1), repeat=len(dims)))
        out = np.repeat(a[:, None, :], len(combos), axis=1)
        valid = np.ones((a.shape[0], len(combos)), dtype=bool)
        for c, combo in enumerate(combos):
            for i, s in zip(dims, combo):
                if s:
                    out[:, c, i] -= ext[i]
                    valid[:, c] &= need[:, i]
        return out, valid


def _axis(tree: Tree, lo: np.ndarray, hi: np.ndarray) -> int | None:
    """The axis along which the mask's box selects the smallest share of the pool."""
    span = tree.positions.max(axis=0) - tree.positions.min(axis=0) if tree.size else lo * 0
    width = hi - lo
    best, score = None, 1.0
    for i in range(lo.size):
        if np.isfinite(width[i]) and span[i] > 0:
            s = width[i] / span[i]
            if s < score:
                best, score = i, s
    return best


def blocks(tree: Tree, anchor_pos: np.ndarray, mask, budget: int = PAIR_BUDGET):
    """Yield ``(r0, r1, rows, cols)``: the candidate pairs of anchor rows ``r0 .. r1-1``, row
    ``rows[k]`` having pool node ``cols[k]`` inside the mask (``mask=None``: every pool node).
    Within a row, pool indices ascend (repeated where NEST finds a node twice)."""
    A, S = anchor_pos.shape[0], tree.size
    if A == 0 or S == 0:
        return
    if mask is None:
        per = max(1, budget // S)
        for r0 in range(0, A, per):
            r1 = min(A, r0 + per)
            yield (r0, r1, np.repeat(np.arange(r0, r1, dtype=np.int64), S),
                   np.tile(np.arange(S, dtype=np.int64), r1 - r0))
        return
    anchors, valid = tree.anchors(anchor_pos, mask)
    lo, hi = mask.bbox()
    axis = _axis(tree, lo, hi)
    C = anchors.shape[1]
    if axis is None:
        order = np.arange(S, dtype=np.int64)
        start = np.zeros((A, C), dtype=np.int64)
        count = np.where(valid, S, 0).astype(np.int64)
    else:
        order = np.argsort(tree.positions[:, axis], kind="stable")
        key = tree.positions[order, axis]
        a = anchors[:, :, axis]
        margin = 1e-9 * (1.0 + np.abs(a) + max(abs(lo[axis]), abs(hi[axis])))
        start = np.searchsorted(key, a + lo[axis] - margin, side="left")
        stop = np.searchsorted(key, a + hi[axis] + margin, side="right")
        count = np.where(valid, np.maximum(stop - start, 0), 0).astype(np.int64)
    per_row = count.sum(axis=1)
    r0 = 0
    while r0 < A:
        cum = np.cumsum(per_row[r0:])
        r1 = r0 + max(1, int(np.searchsorted(cum, budget, side="right")))
        yield (r0, r1, *_block(tree, mask, anchors[r0:r1], start[r0:r1], count[r0:r1], order,
                               r0))
        r0 = r1


def _block(tree, mask, anchors, start, count, order, r0):
    """The pairs of anchor rows ``r0 .. r0 + len(anchors)``."""
    R, C, D = anchors.shape
    cnt = count.ravel()
    total = int(cnt.sum())
    if total == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e.copy()
    first = np.cumsum(cnt) - cnt
    pick = np.repeat(start.ravel() - first, cnt) + np.arange(total, dtype=np.int64)
    cols = order[pick]
    which = np.repeat(np.arange(R * C, dtype=np.int64), cnt)
    d = tree.positions[cols] - anchors.reshape(R * C, D)[which]
    keep = mask.inside(d)
    rows = which[keep] // C + r0
    cols = cols[keep]
    srt = np.lexsort((cols, rows))
    return rows[srt], cols[srt]
