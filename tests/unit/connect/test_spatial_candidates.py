"""Candidate pairs of masked connections: independent of the block size (memory bound), and
the C rounding NEST's periodic displacements use."""
import ctypes
import ctypes.util
import math

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


@pytest.mark.parametrize("span", [50, 70_000, 5_000_000_000])
def test_by_source_is_lexsort(span):
    """A block's pairs grouped by source: the radix passes where the targets ascend (spans
    below and above 16 bits, and one past 32), lexsort where they do not."""
    from jaxnest.connect.spatial.builder import _by_source
    rng = np.random.default_rng(3)
    src = rng.integers(0, span, 20_000) + 7
    tgt = np.sort(rng.integers(0, 900, src.size))
    np.testing.assert_array_equal(_by_source(src, tgt), np.lexsort((tgt, src)))
    shuffled = rng.permutation(tgt)
    np.testing.assert_array_equal(_by_source(src, shuffled), np.lexsort((shuffled, src)))


def _masks():
    box = masks.BoxMask([-0.2, -0.1], [0.3, 0.25])
    ball = masks.BallMask([0.05, 0.0], 0.25)
    yield box
    yield ball
    yield masks.BallMask([0.0, 0.0, 0.1], 0.3, dim=3)
    yield masks.BoxMask([-0.2, -0.1, -0.3], [0.1, 0.2, 0.3], dim=3)
    yield masks.BoxMask([-0.2, -0.1], [0.3, 0.25], azimuth_angle=30.0)  # unsound
    yield masks.AnchoredMask(ball, [0.1, -0.05])
    yield masks.ConverseMask(box)
    yield box | ball
    yield box & ball
    yield ball - box
    yield ball - masks.BoxMask([-0.2, -0.1], [0.3, 0.25], azimuth_angle=30.0)


def _reference(mask, p):
    """(inside, margin) of one point, written out as NEST tests it (scalar arithmetic)."""
    if isinstance(mask, masks.BallMask):
        c = [float(p[i]) - float(mask.center[i]) for i in range(mask.dim)]
        r = mask.radius
        length = math.sqrt(sum(x * x for x in c))
        inside = all(abs(x) <= r for x in c) and (sum(abs(x) for x in c) <= r or length <= r)
        return inside, abs(length - r)
    if isinstance(mask, masks.BoxMask):
        inside = bool(mask.inside(np.asarray(p)[None, :])[0])
        if mask.rotated:
            return inside, None
        return inside, min(min(abs(float(p[i]) - mask.ll[i]), abs(float(p[i]) - mask.ur[i]))
                           for i in range(mask.dim))
    if isinstance(mask, masks.AnchoredMask):
        return _reference(mask.mask, np.asarray(p) - mask.anchor)
    if isinstance(mask, masks.ConverseMask):
        return _reference(mask.mask, -np.asarray(p))
    (ka, ma), (kb, mb) = _reference(mask.a, p), _reference(mask.b, p)
    keep = {masks.IntersectionMask: ka and kb, masks.UnionMask: ka or kb,
            masks.DifferenceMask: ka and not kb}[type(mask)]
    return keep, None if ma is None or mb is None else min(ma, mb)


@pytest.mark.parametrize("mask", list(_masks()), ids=lambda m: type(m).__name__)
def test_mask_test_is_inside_and_margin(mask):
    """``test`` (one pass for a candidate block) gives what ``inside`` and ``margin`` give,
    also on the border and for column-ordered displacements; no margin for unsound masks."""
    rng = np.random.default_rng(4)
    edges = [-0.3, -0.25, -0.2, -0.1, 0.0, 0.05, 0.1, 0.2, 0.25, 0.3, 0.4]  # on the borders
    d = np.concatenate([np.array(np.meshgrid(*[edges] * mask.dim)).reshape(mask.dim, -1).T,
                        np.round(rng.uniform(-0.4, 0.4, (2_000, mask.dim)), 2)])
    ref = [_reference(mask, p) for p in d]
    keep_ref = np.array([k for k, _ in ref])
    assert 0 < keep_ref.sum() < keep_ref.size
    for arr in (d, np.asfortranarray(d)):
        keep, margin = mask.test(arr)
        np.testing.assert_array_equal(keep, keep_ref)
        np.testing.assert_array_equal(mask.inside(arr), keep_ref)
        if mask.sound:
            np.testing.assert_array_equal(margin, [m for _, m in ref])
            assert np.any(margin == 0)  # border points were tested
        else:
            assert margin is None
