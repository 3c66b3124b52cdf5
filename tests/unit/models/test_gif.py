"""gif_psc_exp, gif_cond_exp and their multisynapse variants against real NEST 3.10 (one
subprocess for every scenario).

- Noise switched off: a very steep escape (lambda_0 = 1e10/s, Delta_V = 1e-6 mV) fires exactly
  when V_m crosses E_sfa, so traces (V_m, E_sfa, I_stc, currents) and spike times must agree
  with NEST's run for run.
- Noise on (NEST's escape noise, different random streams): 150 independent neurons per model;
  mean rate and ISI CV agree within 4 standard errors of the two populations.
"""
from __future__ import annotations

import numpy as np
import pytest

from jaxnest import errors
from jaxnest.models import gif
from _nest_driver import train
from _vector_driver import (check_defaults, check_errors, compare_run, run_nest, simulate,
                            spike_times)

MODELS = gif.MODELS
TOL_V = 1e-9
TOL_REL = 1e-9
STEEP = {"lambda_0": 1e10, "Delta_V": 1e-6}
N_STOCH, T_STOCH = 150, 1000.0


def _syn(model, k):
    if model == "gif_psc_exp_multisynapse":
        return {"tau_syn": [2.0, 5.0, 1.0][:k]}
    if model == "gif_cond_exp_multisynapse":
        return {"tau_syn": [2.0, 5.0, 1.0][:k], "E_rev": [0.0, -80.0, -20.0][:k]}
    if model == "gif_cond_exp":
        return {"tau_syn_ex": 1.5, "tau_syn_in": 6.0, "E_in": -80.0}
    return {"tau_syn_ex": 1.5, "tau_syn_in": 6.0}


def _inputs(model, rng, T, h, k):
    """Spike trains: (weight, receptor) per port (multisynapse) or ex/in by sign."""
    cond = "cond" in model
    if model.endswith("multisynapse"):
        ws = [(3.0 if cond else 120.0, 1), (2.0 if cond else 80.0, 2), (1.0 if cond else -90.0, 3)]
        ws = ws[:k]
    else:
        ws = [(3.0 if cond else 120.0, 0), (-2.0 if cond else -100.0, 0)]
    return [[train(rng, 1.0, T - 5.0, 300.0, h), w, 1.0 + 0.5 * i, r]
            for i, (w, r) in enumerate(ws)]


def _neuron_params(j):
    return [
        {"q_sfa": [5.0], "tau_sfa": [50.0], "q_stc": [20.0, 5.0], "tau_stc": [10.0, 100.0]},
        {"t_ref": 0.0},
        {"q_sfa": [3.0, 1.0, 6.0], "tau_sfa": [20.0, 200.0, 5.0], "q_stc": [15.0],
         "tau_stc": [30.0], "t_ref": 2.5, "V_reset": -60.0},
        {"E_L": -65.0, "g_L": 6.0, "C_m": 100.0, "V_T_star": -40.0, "q_stc": [-10.0],
         "tau_stc": [40.0], "V_m": -50.0},
    ][j]


def _scenarios():
    rng = np.random.default_rng(3)
    sc = []
    for model in MODELS:
        for h, T in ((0.1, 300.0), (0.5, 300.0)):
            neurons = []
            for j in range(4):
                k = 1 + j % 3
                p = {**_neuron_params(j), **STEEP, **_syn(model, k)}
                dc = [[260.0, 10.0, 140.0, 1.0], [320.0, 160.0, 280.0, 1.0]]
                if j == 1:  # t_ref = 0: no reset, fires every step while above E_sfa
                    dc = [[2500.0, 100.0, 103.0, 1.0]]
                neurons.append({"params": p, "spikes": _inputs(model, rng, T, h, k), "dc": dc})
            sc.append({"model": model, "h": h, "T": T, "neurons": neurons})
    return sc


def _stochastic():
    """Default escape noise (Delta_V 0.5 mV, lambda_0 1/s) driven near threshold."""
    sc = []
    for model in MODELS:
        p = {"q_sfa": [4.0], "tau_sfa": [80.0], "q_stc": [10.0], "tau_stc": [20.0],
             "I_e": 150.0, "t_ref": 2.0, **_syn(model, 1)}
        sc.append({"model": model, "h": 0.1, "T": T_STOCH, "record": False, "seed": 12,
                   "neurons": [{"params": p, "spikes": [], "dc": []}] * N_STOCH})
    return sc


_BAD = [{"q_sfa": [1.0]}, {"tau_stc": [1.0, 2.0], "q_stc": [1.0]}, {"g_L": 0.0},
        {"Delta_V": 0.0}, {"C_m": -1.0}, {"t_ref": -1.0}, {"lambda_0": -1.0},
        {"tau_sfa": [1.0, -1.0], "q_sfa": [1.0, 1.0]}, {"tau_stc": [0.0], "q_stc": [1.0]},
        {"tau_syn_ex": 0.0}, {"tau_syn_in": -1.0}, {"tau_syn": [1.0, 0.0]},
        {"tau_syn": [1.0, 2.0]}, {"tau_syn": [1.0, 2.0], "E_rev": [0.0, 0.0]},
        {"g_L": 0.0, "q_sfa": [1.0]}]


@pytest.fixture(scope="module")
def nest_results(tmp_path_factory):
    pytest.importorskip("nest")
    scen = _scenarios() + _stochastic()
    return scen, run_nest(tmp_path_factory, "nest_gif", scen, list(MODELS), _BAD)


@pytest.mark.parametrize("idx", range(len(_scenarios())),
                         ids=[f"{s['model']}-h{s['h']}" for s in _scenarios()])
def test_steep_escape_matches_nest(nest_results, idx):
    scen, out = nest_results
    s = scen[idx]
    worst, spikes = compare_run(MODELS[s["model"]], s, out["runs"][idx], TOL_V, TOL_REL)
    assert (spikes.sum(axis=0) >= 2).all(), spikes.sum(axis=0)
    assert spikes[:, 1].sum() >= 3  # the t_ref = 0 neuron fires in consecutive steps
    print(s["model"], s["h"], {k: f"{v:.1e}" for k, v in worst.items()},
          spikes.sum(axis=0).tolist())


def _stats(trains, T):
    """Per-neuron rates (Hz) and the pooled ISI CV with their standard errors."""
    rates = np.array([len(t) for t in trains]) / (T / 1000.0)
    isis = np.concatenate([np.diff(t) for t in trains if len(t) > 1])
    cv = isis.std() / isis.mean()
    # CV's standard error from per-neuron CVs (neurons are independent)
    cvs = np.array([np.diff(t).std() / np.diff(t).mean() for t in trains if len(t) > 3])
    return (rates.mean(), rates.std(ddof=1) / np.sqrt(rates.size),
            cv, cvs.std(ddof=1) / np.sqrt(cvs.size))


@pytest.mark.parametrize("name", list(MODELS))
def test_escape_noise_statistics(nest_results, name):
    scen, out = nest_results
    idx = len(_scenarios()) + list(MODELS).index(name)
    s = scen[idx]
    nest_trains = [np.array(r["spikes"]) for r in out["runs"][idx]]
    _, spikes, _ = simulate(MODELS[name], s, [[]] * N_STOCH, seed=7)
    mine = [spike_times(spikes[:, j], s["h"]) for j in range(N_STOCH)]
    r1, se1, cv1, sc1 = _stats(nest_trains, s["T"])
    r2, se2, cv2, sc2 = _stats(mine, s["T"])
    print(name, f"rate NEST {r1:.2f}±{se1:.2f} jaxnest {r2:.2f}±{se2:.2f} Hz; "
          f"CV {cv1:.3f}±{sc1:.3f} vs {cv2:.3f}±{sc2:.3f}")
    assert r1 > 5.0
    assert abs(r1 - r2) <= 4 * np.hypot(se1, se2)
    assert abs(cv1 - cv2) <= 4 * np.hypot(sc1, sc2)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_defaults_match_nest(nest_results, name):
    _, out = nest_results
    extra = ("g",) if name == "gif_cond_exp_multisynapse" else ()
    check_defaults(MODELS[name], out, extra_state=extra)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_errors_match_nest(nest_results, name):
    _, out = nest_results
    m = MODELS[name]
    skip = {i for i, b in enumerate(_BAD) if not set(b) <= set(m.params)}
    check_errors(m, _BAD, out["errors"][name], skip=skip)


def test_receptors_and_weights():
    with pytest.raises(errors.UnknownReceptorType):
        MODELS["gif_psc_exp"].channel(np.array([1.0]), np.array([1]))
    assert MODELS["gif_cond_exp"].channel(np.array([1.0, -1.0]), np.array([0, 0])).tolist() \
        == [0, 1]
    with pytest.raises(errors.IncompatibleReceptorType):
        MODELS["gif_psc_exp_multisynapse"].channel(np.array([1.0]), np.array([0]))
    with pytest.raises(errors.BadProperty):
        MODELS["gif_cond_exp_multisynapse"].channel(np.array([-1.0]), np.array([1]))
