"""hh_cond_beta_gap_traub (spiking part; GSL RKF45, y_new control 1e-3) against real NEST 3.10.

One NEST subprocess simulates every scenario (no gap junctions: NEST's I_gap is 0 then); the
jaxnest side drives ``update`` with a ``lax.scan``. Remaining deviations come from XLA's exp
and FMA contraction (an ulp here and there) amplified by the loose step control across spike
upstrokes.
"""
from __future__ import annotations

import os
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "src")))
from jaxnest.models import hh_traub_gap  # noqa: E402
from _nest_driver import (  # noqa: E402
    check_defaults, check_param_errors, check_receptor, check_state_errors, initial, run_fori,
    run_nest, simulate, spike_times, train, update_defaults)

M = hh_traub_gap.hh_cond_beta_gap_traub
NAME = M.name
TOL_V = 1e-6  # mV
TOL_REL = 1e-6  # other recordables, relative to max(|x|, 1)


def _scenarios():
    rng = np.random.default_rng(5)

    def neuron(params, h, T, we=4.0, wi=-6.0, delays=(1.0, 1.5), dc=()):
        spikes = [[train(rng, 1.0, T - 5.0, 400.0, h), we, delays[0]],
                  [train(rng, 1.0, T - 5.0, 150.0, h), wi, delays[1]],
                  [[20.0, 20.0, 150.0], we, delays[0]]]
        return {"params": params, "spikes": spikes, "dc": [list(d) for d in dc]}

    sc = []
    for h in (0.1, 0.25):
        T = 300.0
        sc.append({"model": NAME, "h": h, "T": T, "neurons": [
            neuron({}, h, T, dc=[(150.0, 10.0, 120.0, 1.0), (400.0, 150.0, 260.0, 1.5)]),
            neuron({"I_e": 300.0, "t_ref": 3.3, "V_m": -55.0}, h, T, we=6.0),
            neuron({"C_m": 150.0, "g_Na": 15000.0, "g_K": 5000.0, "g_L": 15.0, "E_Na": 55.0,
                    "E_K": -85.0, "E_L": -65.0, "V_T": -58.0, "E_ex": 5.0, "E_in": -75.0,
                    "tau_rise_ex": 1.0, "tau_decay_ex": 3.0, "tau_rise_in": 2.0,
                    "tau_decay_in": 2.0, "I_e": 100.0, "t_ref": 0.0, "Act_m": 0.05,
                    "Inact_h": 0.9, "Act_n": 0.1}, h, T, delays=(0.5, 2.0),
                   dc=[(-50.0, 50.0, 90.0, 0.5)]),
        ]})
    return sc


_BAD = [{"C_m": 0.0}, {"t_ref": -0.5}, {"tau_rise_ex": 0.0}, {"tau_decay_ex": -1.0},
        {"tau_rise_in": 0.0}, {"tau_decay_in": 0.0}, {"g_Na": -1.0}, {"g_K": -1.0},
        {"g_L": -1.0}, {"g_L": 0.0}, {"tau_rise_ex": 5.0, "tau_decay_ex": 5.0},
        {"C_m": -1.0, "t_ref": -1.0, "tau_rise_ex": -1.0, "g_K": -1.0},
        {"t_ref": -1.0, "tau_decay_in": -1.0}]
_BAD_STATE = [{"Act_m": -0.1}, {"Inact_h": -0.5}, {"Act_n": -1e-9}, {"Act_m": 2.0, "V_m": 40.0}]


@pytest.fixture(scope="module")
def nest_results(tmp_path_factory):
    pytest.importorskip("nest")
    scen = _scenarios()
    return scen, run_nest(tmp_path_factory, "nest_traub_gap", scen, [NAME], _BAD, _BAD_STATE)


@pytest.mark.parametrize("idx", range(len(_scenarios())), ids=lambda i: f"scenario{i}")
def test_matches_nest(nest_results, idx):
    scen, out = nest_results
    scenario = scen[idx]
    h = scenario["h"]
    worst = {}
    rec, spikes = simulate(M, scenario)
    for j, nr in enumerate(out["runs"][idx]):
        mine = spike_times(spikes[:, j], h)
        theirs = np.round(np.array(sorted(nr["spikes"])), 9)
        assert mine.tolist() == theirs.tolist(), (j, mine[:10], theirs[:10])
        steps = np.rint(np.array(nr["times"]) / h).astype(int) - 1
        assert steps.tolist() == list(range(len(steps))) and len(steps) >= len(rec["V_m"]) - 10
        for k in M.recordables:
            ref = np.array(nr[k])
            dev = np.abs(rec[k][steps, j] - ref)
            if k != "V_m":
                dev = dev / np.maximum(np.abs(ref), 1.0)
            worst[k] = max(worst.get(k, 0.0), float(dev.max()))
        assert spikes[:, j].sum() >= 3, (j, spikes[:, j].sum())
    assert worst["V_m"] <= TOL_V, worst
    assert all(v <= TOL_REL for k, v in worst.items() if k != "V_m"), worst
    print(NAME, h, {k: f"{v:.2e}" for k, v in worst.items()}, "spikes",
          spikes.sum(axis=0).tolist())


def test_defaults_match_nest(nest_results):
    _, out = nest_results
    check_defaults(M, out, NAME)  # gating variables at E_L bit for bit (libm exp)
    _, spk = update_defaults(M)
    assert float(spk[0]) == 0.0


def test_error_messages_match_nest(nest_results):
    _, out = nest_results
    check_param_errors(M, _BAD, out["errors"][NAME], allow_skip=False)
    check_state_errors(M, _BAD_STATE, out["state_errors"][NAME], allow_skip=False)
    check_receptor(M, out, NAME)


def test_beta_normalization():
    """Peak conductance of one unit spike is 1 (beta and the alpha fallback)."""
    for tr, td in ((0.5, 5.0), (2.0, 2.0), (1.0, 3.0)):
        c = float(hh_traub_gap.beta_normalization_factor(np.float64(tr), np.float64(td)))
        t = np.linspace(0.0, 40.0, 400001)
        if tr == td:
            g = c * t * np.exp(-t / td)
        else:  # solution of dg'/dt = -dg/td, dg/dt = dg - g/tr with dg(0) = c, g(0) = 0
            g = c * (np.exp(-t / td) - np.exp(-t / tr)) / (1.0 / tr - 1.0 / td)
        assert abs(g.max() - 1.0) < 1e-8, (tr, td, g.max())


def test_fori_loop_and_inhibition_sign():
    n = 3
    params, state = initial(M, [{"params": {}}] * n)
    params["I_e"] = np.array([0.0, 200.0, 1000.0])
    params = {k: jnp.asarray(v) for k, v in params.items()}
    st, cnt = run_fori(M, params, state, 2000)
    assert cnt[0] == 0 and 0 < cnt[1] < cnt[2], cnt
    params, state = initial(M, [{"params": {}}])
    params = {k: jnp.asarray(v) for k, v in params.items()}
    new, _ = M.update(params, M.propagators(params, 0.1), state, jnp.array([[2.0], [-3.0]]),
                      jnp.zeros(1), 0.1)
    c = hh_traub_gap.beta_normalization_factor(np.float64(0.5), np.float64(10.0))
    assert float(new["dg_in"][0]) == 3.0 * float(c)
