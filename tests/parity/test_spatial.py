"""Spatial networks against NEST run in the same session.

Deterministic masks on grids and free layers (2-D and 3-D, periodic boundaries, anchors,
rotations, grid masks, oversized masks, converse masks between layers of different geometry):
exactly NEST's (source, target) pairs. Distance-dependent weights and delays: NEST's values
(to 1e-12). Queries, dumps and error classes: identical. Random spatial rules (category D):
statistics over seeds within 4 standard errors of the pooled seed-to-seed spread.
"""
import numpy as np
import pytest

SEEDS = (1, 2, 3)


def _same(ref, got, keys=None, atol=0.0):
    for k in keys or ref:
        r, g = ref[k], got[k]
        assert r.shape == g.shape, (k, r.shape, g.shape)
        if r.dtype.kind in "US":
            np.testing.assert_array_equal(g, r, err_msg=k)
        else:
            np.testing.assert_allclose(g, r, rtol=0, atol=atol, err_msg=k)


def test_masks_give_nests_exact_pairs(both):
    ref, got = both("spatial_masks.py", "masks")
    assert all(len(ref[k]) for k in ref)  # every scenario connects something
    _same(ref, got)


def test_ntree_border_decisions_of_free_layers_and_rotated_masks(both):
    """Nodes exactly on a mask's border (free positions on a 0.01 lattice) and rotated masks
    on a large grid: NEST decides them by its n-tree's boxes, jaxnest replays that walk."""
    ref, got = both("spatial_masks.py", "ntree_edges")
    _same(ref, got)


def test_mask_algebra_selection_and_sliced_layers(both):
    ref, got = both("spatial_masks.py", "composite")
    _same(ref, got)


def test_distance_dependent_weights_and_delays(both):
    ref, got = both("spatial_masks.py", "weights_delays")
    assert len(ref["wrap1"]) > len(ref["wrap0"])  # periodic boundaries add connections
    _same(ref, got, atol=1e-12)


def test_positions_metadata_distances_dumps(both):
    ref, got = both("spatial_api.py", "queries")
    _same(ref, got, atol=1e-12)


def test_bad_input_raises_nests_error_class(both):
    ref, got = both("spatial_api.py", "errors")
    np.testing.assert_array_equal(got["names"], ref["names"])
    diff = [(n, r, g) for n, r, g in zip(ref["names"], ref["errors"], got["errors"]) if r != g]
    assert not diff, diff


def _compare_over_seeds(both, seeds):
    ref = [both("spatial_random.py", "stats", seed=s)[0] for s in seeds]
    got = [both("spatial_random.py", "stats", seed=s)[1] for s in seeds]
    for k in ref[0]:
        r = np.array([x[k][0] for x in ref])
        g = np.array([x[k][0] for x in got])
        spread = np.sqrt((r.var(ddof=1) + g.var(ddof=1)) / 2)
        se = spread * np.sqrt(2.0 / len(seeds))
        assert abs(g.mean() - r.mean()) <= 4 * se + 1e-12 * abs(r.mean()), (k, r, g)


def test_random_spatial_rules_by_distribution(both):
    _compare_over_seeds(both, SEEDS)


@pytest.mark.slow
def test_random_spatial_rules_by_distribution_more_seeds(both):
    _compare_over_seeds(both, tuple(range(1, 9)))
