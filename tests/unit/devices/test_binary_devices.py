"""spin_detector, correlospinmatrix_detector and spike_dilutor against real NEST 3.10 (one NEST
process for the module: _binary_devices_case.all_cases).

- Exact: spin_detector events (states, senders, times; drops of down transitions that share
  a slice; windows; time_in_steps; a reset between runs), correlospinmatrix_detector counts
  (NEST's pytest case, pooled senders, bins of 0.3 ms, windows, a reset), status keys and
  values, errors; spike_dilutor with p_copy = 1 (delays, window, NEST's ring buffer).
- Random over 4 seeds: count covariances of two ginzburg neurons (zero lag and totals) and
  the dilutor's copy counts per spike, within 4 standard errors of NEST's.
"""
from __future__ import annotations

import pathlib

import numpy as np
import pytest

from jaxnest.parity.backends import run_case
from _binary_devices_case import UP_DOWN

FIRST_PARROT_2 = 304  # gids: generator 1, dilutors 2 and 3, parrots 4..303 and 304..403

CASE = str(pathlib.Path(__file__).with_name("_binary_devices_case.py"))
SEEDS = (1, 2, 3, 4)


@pytest.fixture(scope="module")
def both():
    pytest.importorskip("nest")
    kw = {"seeds": list(SEEDS)}
    return run_case("nest", CASE, "all_cases", **kw)[0], \
        run_case("jaxnest", CASE, "all_cases", **kw)[0]


def _exact(ref, got, prefix):
    keys = [k for k in ref if k.startswith(prefix + ":")]
    assert keys
    for k in keys:
        assert k in got, k
        assert ref[k].shape == got[k].shape, (k, ref[k], got[k])
        if ref[k].dtype.kind in "fiub":
            np.testing.assert_array_equal(got[k], ref[k], err_msg=k)
        else:
            assert got[k].tolist() == ref[k].tolist(), k


def test_spin_detector_equals_nest(both):
    ref, got = both
    states = ref["spin:sd0_ev_state"]
    n_down = sum(len(t) - 2 * (len(t) - len(set(t))) for t in UP_DOWN.values())
    assert states.sum() >= 8 and (states == 0).sum() < n_down  # some downs dropped
    _exact(ref, got, "spin")


def test_spin_detector_errors(both):
    _exact(*both, "spin_err")


def test_correlospinmatrix_detector_equals_nest(both):
    ref, got = both
    assert ref["csd:csd1_count_covariance"].sum() > 1000
    _exact(ref, got, "csd")


def test_correlospinmatrix_detector_errors(both):
    _exact(*both, "csd_err")


def _seed_stats(out, key):
    return np.array([out[f"{p}{s}:{key}"] for p, s in (("csdn", s) for s in SEEDS)])


def test_correlospinmatrix_counts_of_binary_neurons(both):
    ref, got = both
    a, b = _seed_stats(ref, "count"), _seed_stats(got, "count")
    assert a.shape == b.shape == (len(SEEDS), 2, 2, 41)
    t0 = a.shape[3] // 2
    for x, y in ((a[:, :, :, t0], b[:, :, :, t0]), (a.sum(axis=3), b.sum(axis=3))):
        se = np.sqrt((x.var(axis=0, ddof=1) + y.var(axis=0, ddof=1)) / len(SEEDS))
        assert (x.mean(axis=0) > 1000).all()
        assert (np.abs(x.mean(axis=0) - y.mean(axis=0)) < 4 * se).all(), \
            (x.mean(axis=0), y.mean(axis=0), se)


def _dilutor(out, seed):
    return out[f"dil{seed}:senders"], out[f"dil{seed}:times"]


def test_dilutor_status(both):
    ref, got = both
    assert ref["dil1:status"].tolist() == got["dil1:status"].tolist() == [1.0]
    _dilutor(got, 1)
    np.testing.assert_array_equal(got["dil1:p_copy"], ref["dil1:p_copy"])


def test_dilutor_p_copy_one_exact(both):
    ref, got = both
    for seed in SEEDS:
        rs, rt = _dilutor(ref, seed)
        gs, gt = _dilutor(got, seed)
        sel_r, sel_g = rs >= FIRST_PARROT_2, gs >= FIRST_PARROT_2  # parrots of dilutor 2
        assert sel_r.sum() > 100
        np.testing.assert_array_equal(np.sort(gt[sel_g]), np.sort(rt[sel_r]))


def test_dilutor_copy_counts(both):
    ref, got = both
    counts = {}
    for name, out in (("nest", ref), ("jaxnest", got)):
        per = []
        for seed in SEEDS:
            s, t = _dilutor(out, seed)
            keep = s < FIRST_PARROT_2  # parrots of the p_copy = 0.4 dilutor
            per.append({float(x): int(c) for x, c in zip(*np.unique(t[keep],
                                                                   return_counts=True))})
        counts[name] = per
    times = sorted(set().union(*counts["nest"]))
    assert len(times) >= 4
    for t in times:
        x = np.array([c.get(t, 0) for c in counts["nest"]], float)
        y = np.array([c.get(t, 0) for c in counts["jaxnest"]], float)
        se = np.sqrt((x.var(ddof=1) + y.var(ddof=1)) / len(SEEDS)) + 1.0
        assert abs(x.mean() - y.mean()) < 4 * se, (t, x, y)
