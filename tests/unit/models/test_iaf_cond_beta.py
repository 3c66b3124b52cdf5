"""iaf_cond_beta against real NEST 3.10 (one NEST subprocess simulates every scenario; the
jaxnest side drives ``update`` with lax.scan at NEST's arrival steps, see _nest_driver.py).

The integrator reproduces GSL's rkf45 / y_new control step for step, so traces agree to
rounding (~1e-13 mV); 1e-9 is asserted.
"""
from __future__ import annotations

import os
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "src")))
from jaxnest.models import iaf_cond_beta  # noqa: E402
from _nest_driver import (  # noqa: E402
    check_defaults, check_param_errors, check_receptor, run_nest, simulate, spike_times, train,
    update_defaults)

NAME = "iaf_cond_beta"
MODEL = iaf_cond_beta.iaf_cond_beta
TOL_V = 1e-9  # mV
TOL_G_REL = 1e-9  # relative to max(|g|, 1 nS)


def _scenarios():
    rng = np.random.default_rng(11)

    def neuron(params, h, T, we, wi, delays=(1.0, 1.5), dc=()):
        return {"params": params, "dc": [list(d) for d in dc], "spikes": [
            [train(rng, 1.0, T - 5.0, 300.0, h), we, delays[0]],
            [train(rng, 1.0, T - 5.0, 150.0, h), wi, delays[1]],
            [[20.0, 20.0, 150.0], we, delays[0]],
        ]}

    sc = [{"model": NAME, "h": 0.1, "T": 300.0, "neurons": [
        # defaults: tau_rise == tau_decay (alpha normalisation), dc input
        neuron({}, 0.1, 300.0, 12.0, -6.0,
               dc=[(320.0, 0.0, 120.0, 1.0), (280.0, 150.0, 260.0, 2.3)]),
        # distinct rise/decay, t_ref not a multiple of h, starts above threshold
        neuron({"I_e": 300.0, "t_ref": 2.35, "V_m": -50.0, "tau_rise_ex": 0.5,
                "tau_decay_ex": 3.0, "tau_rise_in": 1.0, "tau_decay_in": 7.0},
               0.1, 300.0, 3.0, -4.0),
        # rise slower than decay, other constants, state set
        neuron({"C_m": 150.0, "E_L": -65.0, "E_ex": 10.0, "E_in": -80.0, "g_L": 10.0,
                "V_reset": -68.0, "V_th": -50.0, "t_ref": 0.0, "tau_rise_ex": 2.0,
                "tau_decay_ex": 0.7, "tau_rise_in": 0.3, "tau_decay_in": 5.0, "I_e": 170.0,
                "g_ex": 5.0, "g_in": 2.0, "dg_ex": 1.0, "dg_in": 0.5}, 0.1, 300.0, 4.0, -3.0,
               delays=(0.1, 2.0), dc=[(-100.0, 50.0, 90.0, 0.5)]),
    ]}, {"model": NAME, "h": 1.0, "T": 300.0, "neurons": [
        neuron({"I_e": 280.0, "t_ref": 3.0, "tau_decay_ex": 2.0, "tau_decay_in": 6.0}, 1.0,
               300.0, 8.0, -10.0, delays=(1.0, 3.0), dc=[(150.0, 100.0, 200.0, 1.0)]),
    ]}]
    return sc


_BAD = [{"C_m": 0.0}, {"tau_rise_ex": 0.0}, {"tau_decay_ex": -1.0}, {"tau_rise_in": -2.0},
        {"tau_decay_in": 0.0}, {"t_ref": -0.5}, {"V_reset": -50.0}, {"g_L": 0.0},
        {"C_m": -1.0, "V_reset": -40.0, "tau_rise_ex": -1.0}]


@pytest.fixture(scope="module")
def nest_results(tmp_path_factory):
    pytest.importorskip("nest")
    scen = _scenarios()
    return scen, run_nest(tmp_path_factory, "nest_cond_beta", scen, [NAME], _BAD)


@pytest.mark.parametrize("idx", range(len(_scenarios())))
def test_matches_nest(nest_results, idx):
    scen, out = nest_results
    scenario = scen[idx]
    h = scenario["h"]
    rec, spikes = simulate(MODEL, scenario)
    worst = {}
    for j, nr in enumerate(out["runs"][idx]):
        assert spike_times(spikes[:, j], h).tolist() == np.round(sorted(nr["spikes"]), 9).tolist()
        steps = np.rint(np.array(nr["times"]) / h).astype(int) - 1
        for k in MODEL.recordables:
            ref = np.array(nr[k])
            dev = np.abs(rec[k][steps, j] - ref)
            if k.startswith("g_"):
                dev = dev / np.maximum(np.abs(ref), 1.0)
            worst[k] = max(worst.get(k, 0.0), float(dev.max()))
    assert worst["V_m"] <= TOL_V, worst
    assert max(worst["g_ex"], worst["g_in"]) <= TOL_G_REL, worst
    assert worst["t_ref_remaining"] <= 1e-12, worst
    assert (spikes.sum(axis=0) >= 3).all(), spikes.sum(axis=0)
    print(NAME, h, {k: f"{v:.1e}" for k, v in worst.items()}, spikes.sum(axis=0).tolist())


def test_defaults_errors_receptor(nest_results):
    _, out = nest_results
    check_defaults(MODEL, out, NAME)
    update_defaults(MODEL)
    check_param_errors(MODEL, _BAD, out["errors"][NAME], allow_skip=False)
    check_receptor(MODEL, out, NAME)


def test_normalization_factor():
    """Peak of the beta conductance equals the weight; equal time constants give e / tau."""
    f = iaf_cond_beta.beta_normalization_factor
    assert float(f(2.0, 2.0, np)) == np.e / 2.0
    tr, td = 0.5, 3.0
    t = np.linspace(0.0, 20.0, 200001)
    # dg(0) = F, g(0) = 0: g(t) = F tr td / (td - tr) (exp(-t/td) - exp(-t/tr))
    g = f(tr, td, np) * tr * td / (td - tr) * (np.exp(-t / td) - np.exp(-t / tr))
    assert g.max() == pytest.approx(1.0, rel=1e-9)
