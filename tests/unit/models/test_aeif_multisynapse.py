"""aeif_cond_alpha_multisynapse / aeif_cond_beta_multisynapse against real NEST 3.10 (one
NEST subprocess for every scenario): traces of every port's conductance, V_m and w, spike
times, defaults and error messages."""
from __future__ import annotations

import numpy as np
import pytest

from jaxnest import errors
from jaxnest.models import aeif_multisynapse as am
from _nest_driver import train
from _vector_driver import check_defaults, check_errors, compare_run, run_nest

MODELS = am.MODELS
TOL_V = 1e-9    # mV at h = 0.1 (observed 1.2e-10)
TOL_REL = 1e-9  # other recordables, relative to max(1, |x|)
# At h = 1 ms the sub-step sequence around spikes hangs on ulps (XLA's pow/exp and FMAs vs
# libm): one accept/reject decision flips and V_m moves by the solver's local error (observed
# 3e-6 mV with gsl_error_tol 1e-6; category A allows 1e-3), spikes stay identical.
TOL_COARSE = 1e-5


def _ports(model, k):
    e_rev = [0.0, -85.0, 20.0, -70.0][:k]
    if model.endswith("beta_multisynapse"):
        return {"E_rev": e_rev, "tau_rise": [0.5, 1.0, 2.0, 3.0][:k],
                "tau_decay": [2.0, 6.0, 2.0, 30.0][:k]}
    return {"E_rev": e_rev, "tau_syn": [0.3, 2.0, 5.0, 1.0][:k]}


def _scenarios():
    rng = np.random.default_rng(11)
    sc = []
    for model in MODELS:
        for h, T in ((0.1, 200.0), (1.0, 200.0)):
            neurons = []
            for k, extra in ((3, {}), (2, {"t_ref": 2.0, "I_e": 500.0, "gsl_error_tol": 1e-8}),
                             (4, {"Delta_T": 0.0, "V_peak": 5.0, "I_e": 300.0, "a": 1.0}),
                             (1, {"V_m": -55.0, "w": 30.0, "I_e": 700.0})):
                spikes = [[train(rng, 1.0, T - 5.0, rate, h), w, d, r]
                          for r, (rate, w, d) in enumerate(
                              [(300.0, 6.0, 1.0), (150.0, 10.0, 2.0), (200.0, 3.0, 1.0),
                               (100.0, 5.0, 3.0)][:k], start=1)]
                spikes.append([[20.0, 20.0], 8.0, 1.0, 1])
                neurons.append({"params": {**_ports(model, k), **extra}, "spikes": spikes,
                                "dc": [[400.0, 50.0, 120.0, 1.0]]})
            sc.append({"model": model, "h": h, "T": T, "neurons": neurons})
    return sc


_BAD = [{"tau_syn": [1.0, 2.0]}, {"tau_syn": [1.0, 2.0], "E_rev": [0.0]},
        {"tau_syn": [1.0, -2.0], "E_rev": [0.0, 0.0]}, {"tau_syn": [], "E_rev": []},
        {"tau_rise": [1.0, 2.0], "tau_decay": [3.0, 4.0], "E_rev": [0.0, 0.0]},
        {"tau_rise": [3.0], "tau_decay": [2.0]}, {"tau_rise": [0.0]},
        {"tau_rise": [], "tau_decay": [], "E_rev": []}, {"V_peak": -55.0},
        {"V_reset": 1.0}, {"Delta_T": -1.0}, {"Delta_T": 0.01, "V_peak": 100.0},
        {"C_m": 0.0}, {"t_ref": -1.0}, {"tau_w": 0.0}, {"gsl_error_tol": 0.0}]


def _applies(model, b):
    keys = set(MODELS[model].params)
    return set(b) <= keys


@pytest.fixture(scope="module")
def nest_results(tmp_path_factory):
    pytest.importorskip("nest")
    scen = _scenarios()
    return scen, run_nest(tmp_path_factory, "nest_aeif_ms", scen, list(MODELS),
                          [b for b in _BAD])


@pytest.mark.parametrize("idx", range(len(_scenarios())),
                         ids=[f"{s['model']}-h{s['h']}" for s in _scenarios()])
def test_matches_nest(nest_results, idx):
    scen, out = nest_results
    s = scen[idx]
    tol = TOL_V if s["h"] < 1.0 else TOL_COARSE
    worst, spikes = compare_run(MODELS[s["model"]], s, out["runs"][idx], tol, tol)
    assert (spikes.sum(axis=0) >= 1).all(), spikes.sum(axis=0)
    print(s["model"], s["h"], {k: f"{v:.1e}" for k, v in worst.items()})


@pytest.mark.parametrize("name", sorted(MODELS))
def test_defaults_match_nest(nest_results, name):
    _, out = nest_results
    # g, dg: NEST's public per-port state, not kept public in jaxnest (kernel support)
    check_defaults(MODELS[name], out, extra_state=("g", "dg"))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_errors_match_nest(nest_results, name):
    _, out = nest_results
    m = MODELS[name]
    # which of NEST's two messages applies to arrays of different lengths depends on which
    # keys were given: jaxnest's check sees only the result (first two cases of each model)
    skip = {i for i, b in enumerate(_BAD) if not _applies(name, b)} | {1}
    check_errors(m, _BAD, out["errors"][name], skip=skip)


def test_negative_weight_and_receptor_zero():
    m = MODELS["aeif_cond_alpha_multisynapse"]
    with pytest.raises(errors.BadProperty):
        m.channel(np.array([-1.0]), np.array([1]))
    with pytest.raises(errors.IncompatibleReceptorType):
        m.channel(np.array([1.0]), np.array([0]))
    assert m.channel(np.array([1.0, 2.0]), np.array([1, 3])).tolist() == [0, 2]
