"""Candidate pairs of a spatial connection: which pool nodes lie inside the mask around each
anchor (the nodes the rule iterates: targets, or sources for fixed_outdegree).

NEST puts the pool into an n-tree over a box (lower-left corner, extent, periodic flags) and,
for each anchor, walks the nodes ``p`` with ``mask.inside(p - a)``. With periodic boundaries
the pool positions are first wrapped into the box, the anchor is wrapped so that the mask's
bounding box starts inside the box, and the anchor is repeated one extent lower in each
periodic dimension where the mask reaches past the box; a node inside the mask for two of
these anchors (only possible with ``allow_oversized_mask``) is found twice.

This module reproduces that set exactly. A cell index of the pool (:class:`_Index`) yields, per
anchor, the nodes of the mask's bounding box (widened by a rounding margin) as a few
contiguous runs; NEST's point test is applied to them; where NEST's tree walk can overrule
the point test (nodes within round-off of the border, unsound box tests) the walk is replayed
(:mod:`.ntree`). Work is done in blocks of anchors holding at most :data:`PAIR_BUDGET`
candidate pairs, so memory does not grow with the layer.
"""
from __future__ import annotations

import itertools

import numpy as np

from jaxnest.connect.spatial.ntree import TEST, WHOLE, NTree

PAIR_BUDGET = 1 << 21


class Tree:
    """The pool of one rule: its positions wrapped into the box of NEST's n-tree."""

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
        self.columns = np.ascontiguousarray(pos.T)  # (D, n): one coordinate per row
        self._ntree = None

    @property
    def ntree(self) -> NTree | None:
        """NEST's n-tree of the pool (built on first use; only masked walks need it)."""
        if self._ntree is None and self.size:
            self._ntree = NTree(self.positions, self.lower_left, self.extent)
        return self._ntree

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


class _Index:
    """The pool sorted for range queries around a mask's bounding box ``[lo, hi]``: nodes are
    binned into cells (a quarter of the box wide) along the selective axes but one, and sorted
    by cell, then by their coordinate on the most selective axis. The candidates of an anchor
    are then a few contiguous runs (one per cell the box overlaps), found by bisection; they
    cover the box, widened by a rounding margin, and little more."""

    CELLS_PER_BOX = 4

    def __init__(self, positions: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        S = positions.shape[0]
        pmin, pmax = positions.min(axis=0), positions.max(axis=0)
        span, width = pmax - pmin, hi - lo
        sel = [(width[i] / span[i], i) for i in range(lo.size)
               if np.isfinite(width[i]) and span[i] > 0 and width[i] < span[i]]
        axes = [i for _, i in sorted(sel)]
        self.key_axis = axes[0] if axes else None
        self.cell_axes = axes[1:]
        self.lo, self.hi, self.pmin = lo, hi, pmin
        self.size, self.ncell = [], []
        cid = np.zeros(S, dtype=np.int64)
        for i in self.cell_axes:
            size = max(width[i] / self.CELLS_PER_BOX, span[i] / 1024)
            n = int(span[i] // size) + 1
            c = np.clip(np.floor((positions[:, i] - pmin[i]) / size), 0, n - 1).astype(np.int64)
            cid = cid * n + c
            self.size.append(size)
            self.ncell.append(n)
        key = positions[:, self.key_axis] if self.key_axis is not None else np.zeros(S)
        self.order = np.lexsort((key, cid))
        self.cid, self.key = cid[self.order], key[self.order]
        ncells = int(np.prod(self.ncell)) if self.ncell else 1
        self.cell_start = np.searchsorted(self.cid, np.arange(ncells + 1))

    def ranges(self, a: np.ndarray, valid: np.ndarray):
        """``(start, count)`` of the runs of each anchor, shaped ``(A, C, K)``."""
        A, C, _ = a.shape
        cid = np.zeros((A, C, 1), dtype=np.int64)
        ok = valid[:, :, None]
        for i, size, n in zip(self.cell_axes, self.size, self.ncell):
            m = self._margin(a[:, :, i], i)
            c0 = np.floor((a[:, :, i] + self.lo[i] - m - self.pmin[i]) / size)
            c1 = np.floor((a[:, :, i] + self.hi[i] + m - self.pmin[i]) / size)
            k = int(np.ceil((self.hi[i] - self.lo[i]) / size)) + 3
            step = np.clip(c0, -1, n).astype(np.int64)[:, :, None] + np.arange(k)
            good = (step <= c1[:, :, None]) & (step >= 0) & (step < n)
            cid = (cid[:, :, :, None] * n + np.clip(step, 0, n - 1)[:, :, None, :]).reshape(
                A, C, -1)
            ok = (ok[:, :, :, None] & good[:, :, None, :]).reshape(A, C, -1)
        first, last = self.cell_start[cid], self.cell_start[cid + 1]
        if self.key_axis is not None:
            i = self.key_axis
            m = self._margin(a[:, :, i], i)
            v0 = np.broadcast_to((a[:, :, i] + self.lo[i] - m)[:, :, None], cid.shape)
            v1 = np.broadcast_to((a[:, :, i] + self.hi[i] + m)[:, :, None], cid.shape)
            first, last = (_bisect(self.key, first, last, v0, "left"),
                           _bisect(self.key, first, last, v1, "right"))
        return first, np.where(ok, np.maximum(last - first, 0), 0)

    def _margin(self, a: np.ndarray, i: int) -> np.ndarray:
        """Widening of the box that covers round-off in NEST's ``p - a`` tests."""
        return 1e-9 * (1.0 + np.abs(a) + max(abs(self.lo[i]), abs(self.hi[i])))


def _bisect(key: np.ndarray, lo: np.ndarray, hi: np.ndarray, value: np.ndarray, side: str):
    """Vectorised bisection of ``value`` in the sorted runs ``key[lo:hi]``."""
    lo, hi = lo.copy(), hi.copy()
    while True:
        act = lo < hi
        if not act.any():
            return lo
        mid = (lo + hi) // 2
        kv = key[np.minimum(mid, key.size - 1)]
        right = (kv < value) if side == "left" else (kv <= value)
        lo = np.where(act & right, mid + 1, lo)
        hi = np.where(act & ~right, mid, hi)


ANCHOR_BLOCK = 1 << 12


def blocks(tree: Tree, anchor_pos: np.ndarray, mask, budget: int = PAIR_BUDGET):
    """Yield ``(r0, r1, rows, cols)``: the candidate pairs of anchor rows ``r0 .. r1-1``, row
    ``rows[k]`` (ascending) having pool node ``cols[k]`` inside the mask (``mask=None``: every
    pool node), repeated where NEST finds a node twice."""
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
    lo, hi = mask.bbox()
    index = _Index(tree.positions, lo, hi)
    for b0 in range(0, A, ANCHOR_BLOCK):
        b1 = min(A, b0 + ANCHOR_BLOCK)
        anchors, valid = tree.anchors(anchor_pos[b0:b1], mask)
        start, count = index.ranges(anchors, valid)
        per_row = count.reshape(b1 - b0, -1).sum(axis=1)
        r0 = 0
        while r0 < b1 - b0:
            cum = np.cumsum(per_row[r0:])
            r1 = r0 + max(1, int(np.searchsorted(cum, budget, side="right")))
            yield (b0 + r0, b0 + r1, *_block(tree, mask, anchors[r0:r1], start[r0:r1],
                                             count[r0:r1], index.order, b0 + r0))
            r0 = r1


def _block(tree, mask, anchors, start, count, order, r0):
    """The pairs of anchor rows ``r0 .. r0 + len(anchors)`` (runs: ``(R, C, K)``), rows
    ascending, each row's candidates in run order."""
    R, C, D = anchors.shape
    K = start.shape[2]
    cnt = count.ravel()
    runs = np.flatnonzero(cnt)
    cnt = cnt[runs]
    total = int(cnt.sum())
    if total == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e.copy()
    it = np.int32 if max(total, tree.size, R * C) < 2**31 - 1 else np.int64
    first = np.cumsum(cnt) - cnt
    pick = np.repeat((start.ravel()[runs] - first).astype(it), cnt.astype(it))
    pick += np.arange(total, dtype=it)
    cols = order[pick]
    which = np.repeat((runs // K).astype(it), cnt.astype(it))
    flat = anchors.reshape(R * C, D)
    keep, margin = mask.test(displacements(tree.columns, cols, flat.T, which))
    _tree_walk(tree, mask, flat, which, cols, margin, keep)
    rows = (which[keep] // C).astype(np.int64) + r0
    return rows, cols[keep].astype(np.int64)


def displacements(to_columns: np.ndarray, to: np.ndarray, from_columns: np.ndarray,
                  frm: np.ndarray) -> np.ndarray:
    """``to_columns[:, to] - from_columns[:, frm]`` as an ``(n, D)`` array in column order:
    the masks and parameters read it a coordinate at a time, contiguous so."""
    d = np.empty((to.size, to_columns.shape[0]), order="F")
    for i in range(to_columns.shape[0]):
        np.subtract(to_columns[i].take(to), np.ascontiguousarray(from_columns[i]).take(frm),
                    out=d[:, i])
    return d


def positions_at(columns: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``columns.T[idx]`` as an ``(n, D)`` array in column order (see :func:`displacements`)."""
    out = np.empty((idx.size, columns.shape[0]), order="F")
    for i in range(columns.shape[0]):
        np.take(columns[i], idx, out=out[:, i])
    return out


def _tree_walk(tree, mask, anchors, which, cols, margin, keep) -> None:
    """Overrule the point tests in ``keep`` where NEST's n-tree walk decides otherwise (see
    ntree.py): only for nodes within round-off of the mask's border (``margin``), or for every
    candidate when a box test of the mask is unsound (``margin`` None)."""
    if margin is not None:
        scale = 1.0 + np.abs(tree.positions).max() + np.abs(anchors).max()
        sub = np.flatnonzero(margin <= 1e-9 * scale)
    else:
        sub = np.arange(cols.size)
    if not sub.size:
        return
    nt = tree.ntree
    L = nt.size
    w, c = which[sub].astype(np.int64), cols[sub].astype(np.int64)
    key, inv = np.unique(w * L + nt.leaf_of[c], return_inverse=True)
    rc, leaf = np.divmod(key, L)
    rows, rinv = np.unique(rc, return_inverse=True)
    state = nt.decide(mask, anchors[rows], rinv, leaf)[inv]
    rows, rinv = np.unique(w, return_inverse=True)
    first = nt.first_visit(mask, anchors[rows])[rinv]
    keep[sub] = np.where((state == TEST) | (c == first), keep[sub], state == WHOLE)
