"""NEST's n-tree over a pool of positions, and its masked walk, for NEST's exact candidate set.

NEST finds the nodes inside a mask by walking an n-tree (a quadtree in 2-D, an octree in 3-D;
a leaf holds up to 100 nodes and is split in 2^D halves, at most 10 levels deep). A subtree
whose box is *outside* the mask (outside its bounding box) is skipped; one whose box is
*inside* the mask (NEST tests the box's corners; for a box mask only the lower-left and the
upper-right one) is taken whole, without testing its nodes; the nodes of the other leaves are
tested one by one. Nodes on a mask's border, and with rotated box masks whole leaves, are
therefore in or out by the tree's boxes, not by their own positions. :class:`NTree` builds the
same boxes from the same positions (a box is split iff it holds more than 100 nodes; a node
goes to the lower half of a dimension unless it exceeds the midpoint by more than machine
epsilon) and :meth:`NTree.decide` replays the walk for (anchor, leaf) pairs.
"""
from __future__ import annotations

import numpy as np

CAPACITY, MAX_DEPTH = 100, 10
PRUNE, WHOLE, TEST = 0, 1, 2
_EPS = np.finfo(float).eps


class NTree:
    """Boxes (lower-left, extent), the path of box ids from the root to each leaf, and the
    leaf of every pool node."""

    def __init__(self, positions: np.ndarray, lower_left, extent) -> None:
        S, D = positions.shape
        N = 2 ** D
        bits = ((np.arange(N)[:, None] >> np.arange(D)[None, :]) & 1).astype(bool)  # (N, D)
        ll = [np.asarray(lower_left, float)[None, :]]
        ext = [np.asarray(extent, float)[None, :]]
        parent, depth, first_child = [np.array([-1])], [np.array([0])], [np.array([-1])]
        levels = [np.array([0])]
        box = np.zeros(S, dtype=np.int64)
        n = 1
        while True:  # one level of splits at a time, all boxes of the level together
            lv = levels[-1]
            counts = np.bincount(box, minlength=n)
            split = lv[(counts[lv] > CAPACITY) & (np.concatenate(depth)[lv] < MAX_DEPTH)]
            if not split.size:
                break
            LL, EXT = np.concatenate(ll), np.concatenate(ext)
            first = n + np.arange(split.size) * N
            half = EXT[split] * 0.5
            child_ll = np.where(bits[None], LL[split][:, None, :] + half[:, None, :],
                                LL[split][:, None, :])
            ll.append(child_ll.reshape(-1, D))
            ext.append(np.repeat(half, N, axis=0))
            parent.append(np.repeat(split, N))
            depth.append(np.repeat(np.concatenate(depth)[split] + 1, N))
            first_child.append(np.full(split.size * N, -1))
            fc = np.concatenate(first_child)
            fc[split] = first
            first_child = [fc]
            sel = np.flatnonzero(fc[box] >= 0)
            b = box[sel]
            mid = LL[b] + EXT[b] / 2
            quad = np.zeros(sel.size, dtype=np.int64)
            for i in range(D):
                quad += (~((mid[:, i] - positions[sel, i]) > -_EPS)).astype(np.int64) << i
            box[sel] = fc[b] + quad
            levels.append(np.arange(n, n + split.size * N))
            n += split.size * N
        self.ll, self.ext = np.concatenate(ll), np.concatenate(ext)
        self.depth = np.concatenate(depth)
        self.first_child = np.concatenate(first_child)
        par = np.concatenate(parent)
        self.leaf_of = box
        self.paths = np.full((n, MAX_DEPTH + 1), -1, dtype=np.int64)
        self.skip = np.full(n, -1, dtype=np.int64)  # the walk's next box after a subtree
        self.paths[0, 0] = 0
        for lv in levels[1:]:  # parents before children; siblings consecutive
            p = par[lv]
            self.paths[lv] = self.paths[p]
            self.paths[lv, self.depth[lv]] = lv
            last = (lv - self.first_child[p]) == N - 1
            self.skip[lv] = np.where(last, self.skip[p], lv + 1)
        self.leftmost = np.arange(n)  # the leftmost leaf below a box
        for lv in reversed(levels):
            inner = lv[self.first_child[lv] >= 0]
            self.leftmost[inner] = self.leftmost[self.first_child[inner]]
        self.leaf_first = np.full(n, -1, dtype=np.int64)  # a leaf's first node
        order = np.argsort(box, kind="stable")
        starts = np.flatnonzero(np.r_[True, box[order][1:] != box[order][:-1]])
        self.leaf_first[box[order][starts]] = order[starts]

    @property
    def size(self) -> int:
        return self.ll.shape[0]

    def decide(self, mask, anchors: np.ndarray, row: np.ndarray,
               leaves: np.ndarray) -> np.ndarray:
        """PRUNE, WHOLE or TEST (test each node) for NEST's walk of ``leaves[k]``'s path with
        anchor ``anchors[row[k]]``: the root is skipped if outside, else taken if inside;
        every box below is taken if inside, else skipped if outside. Each (anchor, box) pair
        is tested once."""
        state = np.full(leaves.size, TEST, dtype=np.int8)
        n = self.size
        for j in range(MAX_DEPTH + 1):
            box = self.paths[leaves, j]
            act = np.flatnonzero((state == TEST) & (box >= 0))
            if not act.size:
                break
            key, inv = np.unique(row[act] * n + box[act], return_inverse=True)
            r, b = np.divmod(key, n)
            lo = self.ll[b] - anchors[r]
            hi = lo + self.ext[b]
            ins, out = mask.box_inside(lo, hi), mask.box_outside(lo, hi)
            if j == 0:
                new = np.where(out, PRUNE, np.where(ins, WHOLE, TEST))
            else:
                new = np.where(ins, WHOLE, np.where(out, PRUNE, TEST))
            state[act] = new[inv]
        return state

    def first_visit(self, mask, anchors: np.ndarray) -> np.ndarray:
        """The first node NEST's walk reaches from each anchor when that node sits in a leaf
        taken whole (else -1): NEST tests that one node by position all the same."""
        A = anchors.shape[0]
        cur = np.zeros(A, dtype=np.int64)
        first = np.full(A, -1, dtype=np.int64)
        root = True
        act = np.arange(A)
        while act.size:
            b = cur[act]
            lo = self.ll[b] - anchors[act]
            hi = lo + self.ext[b]
            ins, out = mask.box_inside(lo, hi), mask.box_outside(lo, hi)
            if root:  # the root: outside first, then inside
                ins = ins & ~out
            whole = ins
            first[act[whole]] = self.leaf_first[self.leftmost[b[whole]]]
            skipped = out & ~ins
            cur[act[skipped]] = self.skip[b[skipped]]
            deeper = ~ins & ~out
            child = self.first_child[b]
            cur[act[deeper]] = child[deeper]
            if root:  # nothing follows the root's subtree
                cur[act[skipped]] = -1
            root = False
            nxt = cur[act] >= 0
            nxt &= ~whole & ~(deeper & (child < 0))
            act = act[nxt]
        return first
