"""Candidate pairs of masked connections: independent of the block size (memory bound), and
the C rounding NEST's periodic displacements use."""
import ctypes
import ctypes.util

import numpy as np
import pytest

from jaxnest.connect.spatial import candidates, layers, masks


def _pairs(tree, anchors, mask, budget):
    rows, cols, sizes = [], [], []
    for r0, r1, r, c in candidates.blocks(tree, anchors, mask, budget=budget):
        assert np.all((r >= r0) & (r < r1))
        rows.append(r)
        cols.append(c)
        sizes.append(r.size)
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    order = np.lexsort((cols, rows))
    assert np.all(np.diff(rows) >= 0)  # rows ascend
    return rows[order], cols[order], sizes


@pytest.mark.parametrize("periodic", [False, True])
def test_blocks_do_not_change_the_pairs(periodic):
    pos, ll, ext = layers.grid_geometry([23, 17], [2.0, 1.5], [0.1, -0.2])
    tree = candidates.Tree(pos, ll, ext, [periodic] * 2)
    mask = masks.AnchoredMask(masks.BallMask([0.0, 0.0], 0.31), [0.05, 0.1])
    big = _pairs(tree, pos, mask, candidates.PAIR_BUDGET)
    small = _pairs(tree, pos, mask, 300)
    np.testing.assert_array_equal(big[0], small[0])
    np.testing.assert_array_equal(big[1], small[1])
    assert len(small[2]) > 10  # really split
    # the brute-force answer (non-periodic: every pool node tested against every anchor)
    if not periodic:
        d = pos[None, :, :] - pos[:, None, :]
        inside = mask.inside(d.reshape(-1, 2)).reshape(len(pos), len(pos))
        r, c = np.nonzero(inside)
        np.testing.assert_array_equal(big[0], r)
        np.testing.assert_array_equal(big[1], c)


def test_unmasked_blocks_cover_every_pair_once():
    pos = np.random.default_rng(1).uniform(-0.5, 0.5, (50, 3))
    tree = candidates.Tree(pos, [-0.5] * 3, [1.0] * 3, [False] * 3)
    rows, cols, sizes = _pairs(tree, pos[:20], None, 120)
    assert max(sizes) <= 120
    assert rows.size == 20 * 50
    np.testing.assert_array_equal(np.bincount(rows), np.full(20, 50))


def test_cround_is_c_round():
    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    libm.round.restype, libm.round.argtypes = ctypes.c_double, [ctypes.c_double]
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999999999999994, -0.49999999999999994,
                  3.2, -3.7, 1e15 + 0.5, 0.0])
    np.testing.assert_array_equal(layers.cround(x), [libm.round(v) for v in x])
