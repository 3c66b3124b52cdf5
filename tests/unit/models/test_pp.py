"""pp_psc_delta against real NEST 3.10 (one subprocess).

- Noise switched off: with ``c_1 = 1e12`` Hz/mV, ``c_2 = 0`` the spike probability is 1 as
  soon as V_m exceeds E_sfa by 1e-6 mV and 0 below it, so V_m, E_sfa and spike times must
  equal NEST's (fixed dead time, with and without reset, t_ref_remaining, sfa elements).
- Noise on: 150 neurons per case, rates and ISI CV within 4 standard errors of NEST's for the
  Bernoulli (dead time), Poisson (dead_time 0, multiplicities) and gamma dead-time variants.
"""
from __future__ import annotations

import numpy as np
import pytest

from jaxnest import errors
from jaxnest.models import pp
from _nest_driver import train
from _vector_driver import (check_defaults, check_errors, compare_run, run_nest, simulate,
                            spike_times)

M = pp.pp_psc_delta
STEEP = {"c_1": 1e12, "c_2": 0.0}
N_STOCH, T_STOCH = 150, 1000.0


def _scenarios():
    rng = np.random.default_rng(9)
    sc = []
    for h, T in ((0.1, 300.0), (0.5, 300.0)):
        neurons = []
        for p in ({"q_sfa": [2.0], "tau_sfa": [20.0]},
                  {"with_reset": False, "dead_time": 3.3, "q_sfa": [1.0, 3.0],
                   "tau_sfa": [5.0, 50.0]},
                  {"t_ref_remaining": 5.0, "dead_time": 0.05, "q_sfa": [4.0],
                   "tau_sfa": [10.0]},
                  {"tau_m": 20.0, "C_m": 100.0, "I_e": 30.0, "V_m": -3.0}):
            spikes = [[train(rng, 1.0, T - 5.0, 400.0, h), 1.5, 1.0, 0],
                      [train(rng, 1.0, T - 5.0, 300.0, h), -1.8, 2.0, 0]]
            dc = [[100.0, 20.0, 150.0, 1.0], [-60.0, 200.0, 260.0, 1.0]]
            neurons.append({"params": {**STEEP, **p}, "spikes": spikes, "dc": dc})
        sc.append({"model": "pp_psc_delta", "h": h, "T": T, "neurons": neurons})
    return sc


_STOCH = [
    {"I_e": 300.0, "q_sfa": [3.0], "tau_sfa": [50.0]},                     # Bernoulli
    {"I_e": 2000.0, "dead_time": 0.0, "c_1": 5.0, "c_2": 0.0, "with_reset": False},
    {"I_e": 300.0, "dead_time": 4.0, "dead_time_random": True, "dead_time_shape": 3},
]


def _stochastic():
    return [{"model": "pp_psc_delta", "h": 0.1, "T": T_STOCH, "record": False, "seed": 5,
             "neurons": [{"params": p, "spikes": [], "dc": []}] * N_STOCH} for p in _STOCH]


_BAD = [{"q_sfa": [1.0]}, {"C_m": 0.0}, {"dead_time": -1.0}, {"dead_time_shape": 0},
        {"tau_m": 0.0}, {"tau_sfa": [-1.0], "q_sfa": [1.0]}, {"t_ref_remaining": -1.0},
        {"c_3": -0.5}, {"tau_m": -1.0, "C_m": -1.0}]


@pytest.fixture(scope="module")
def nest_results(tmp_path_factory):
    pytest.importorskip("nest")
    scen = _scenarios() + _stochastic()
    return scen, run_nest(tmp_path_factory, "nest_pp", scen, ["pp_psc_delta"], _BAD)


@pytest.mark.parametrize("idx", range(len(_scenarios())))
def test_steep_rate_matches_nest(nest_results, idx):
    scen, out = nest_results
    s = scen[idx]
    worst, spikes = compare_run(M, s, out["runs"][idx], 1e-9, 1e-9)
    assert (spikes.sum(axis=0) >= 3).all(), spikes.sum(axis=0)
    print(s["h"], {k: f"{v:.1e}" for k, v in worst.items()}, spikes.sum(axis=0).tolist())


def _stats(trains, T):
    rates = np.array([len(t) for t in trains]) / (T / 1000.0)
    cvs = np.array([np.diff(t).std() / np.diff(t).mean() for t in trains if len(t) > 3])
    dup = np.array([np.sum(np.diff(t) == 0) for t in trains], float)  # spikes in one step
    se = lambda a: a.std(ddof=1) / np.sqrt(a.size)  # noqa: E731
    return {"rate": (rates.mean(), se(rates)), "cv": (cvs.mean(), se(cvs)),
            "dup": (dup.mean(), se(dup))}


@pytest.mark.parametrize("case", range(len(_STOCH)))
def test_noise_statistics(nest_results, case):
    scen, out = nest_results
    idx = len(_scenarios()) + case
    s = scen[idx]
    theirs = [np.round(np.array(r["spikes"]), 9) for r in out["runs"][idx]]
    _, spikes, _ = simulate(M, s, [[]] * N_STOCH, seed=3)
    mine = [spike_times(spikes[:, j], s["h"]) for j in range(N_STOCH)]
    a, b = _stats(theirs, s["T"]), _stats(mine, s["T"])
    print(case, {k: (f"{a[k][0]:.3f}±{a[k][1]:.3f}", f"{b[k][0]:.3f}±{b[k][1]:.3f}") for k in a})
    assert a["rate"][0] > 5.0
    for k in a:
        assert abs(a[k][0] - b[k][0]) <= 4 * np.hypot(a[k][1], b[k][1]) + 1e-12, k
    if case == 1:
        assert a["dup"][0] > 1.0  # Poisson multiplicities do occur
    else:
        assert a["dup"][0] == b["dup"][0] == 0.0


def test_defaults_match_nest(nest_results):
    check_defaults(M, nest_results[1])


def test_errors_match_nest(nest_results):
    check_errors(M, _BAD, nest_results[1]["errors"]["pp_psc_delta"])


def test_receptor():
    with pytest.raises(errors.UnknownReceptorType):
        M.channel(np.array([1.0]), np.array([1]))
