"""iaf_cond_exp_sfa_rr against real NEST 3.10 (one NEST subprocess simulates every scenario;
the jaxnest side drives ``update`` with lax.scan at NEST's arrival steps, see _nest_driver.py).

GSL's rkf45 / y_new control is reproduced step for step: traces agree to rounding (~1e-13 mV);
1e-9 is asserted. The scenarios spike often, so g_sfa and g_rr (added at each spike) matter.
"""
from __future__ import annotations

import os
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "src")))
from jaxnest.models import iaf_cond_exp_sfa_rr  # noqa: E402
from _nest_driver import (  # noqa: E402
    check_defaults, check_param_errors, check_receptor, run_nest, simulate, spike_times, train,
    update_defaults)

NAME = "iaf_cond_exp_sfa_rr"
MODEL = iaf_cond_exp_sfa_rr.iaf_cond_exp_sfa_rr
TOL_V = 1e-9  # mV
TOL_G_REL = 1e-9  # relative to max(|g|, 1 nS)


def _scenarios():
    rng = np.random.default_rng(5)

    def neuron(params, h, T, we, wi, delays=(1.0, 1.5), dc=()):
        return {"params": params, "dc": [list(d) for d in dc], "spikes": [
            [train(rng, 1.0, T - 5.0, 300.0, h), we, delays[0]],
            [train(rng, 1.0, T - 5.0, 150.0, h), wi, delays[1]],
            [[20.0, 20.0, 150.0], we, delays[0]],
        ]}

    return [{"model": NAME, "h": 0.1, "T": 400.0, "neurons": [
        neuron({}, 0.1, 400.0, 15.0, -6.0,
               dc=[(600.0, 0.0, 150.0, 1.0), (450.0, 200.0, 350.0, 2.3)]),
        neuron({"I_e": 1000.0, "t_ref": 2.35, "V_m": -50.0, "q_sfa": 30.0, "tau_sfa": 50.0},
               0.1, 400.0, 6.0, -20.0),
        neuron({"C_m": 150.0, "E_L": -65.0, "E_ex": 10.0, "E_in": -80.0, "g_L": 10.0,
                "V_reset": -68.0, "V_th": -50.0, "t_ref": 0.0, "tau_syn_ex": 1.5,
                "tau_syn_in": 6.0, "I_e": 700.0, "g_ex": 5.0, "g_in": 2.0, "g_sfa": 3.0,
                "g_rr": 100.0, "E_sfa": -75.0, "E_rr": -72.0, "q_rr": 500.0, "tau_rr": 3.0},
               0.1, 400.0, 4.0, -3.0, delays=(0.1, 2.0), dc=[(-100.0, 50.0, 90.0, 0.5)]),
    ]}, {"model": NAME, "h": 1.0, "T": 300.0, "neurons": [
        neuron({"I_e": 520.0, "t_ref": 3.0}, 1.0, 300.0, 15.0, -10.0, delays=(1.0, 3.0),
               dc=[(150.0, 100.0, 200.0, 1.0)]),
    ]}]


_BAD = [{"C_m": 0.0}, {"tau_syn_ex": 0.0}, {"tau_syn_in": -1.0}, {"tau_sfa": 0.0},
        {"tau_rr": -2.0}, {"t_ref": -0.5}, {"V_reset": -50.0}, {"g_L": 0.0}, {"q_sfa": -1.0},
        {"C_m": -1.0, "V_reset": -40.0, "tau_rr": -1.0}]


@pytest.fixture(scope="module")
def nest_results(tmp_path_factory):
    pytest.importorskip("nest")
    scen = _scenarios()
    return scen, run_nest(tmp_path_factory, "nest_sfa_rr", scen, [NAME], _BAD)


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
    assert max(v for k, v in worst.items() if k.startswith("g_")) <= TOL_G_REL, worst
    assert (spikes.sum(axis=0) >= 5).all(), spikes.sum(axis=0)
    print(NAME, h, {k: f"{v:.1e}" for k, v in worst.items()}, spikes.sum(axis=0).tolist())


def test_defaults_errors_receptor(nest_results):
    _, out = nest_results
    check_defaults(MODEL, out, NAME)
    update_defaults(MODEL)
    check_param_errors(MODEL, _BAD, out["errors"][NAME], allow_skip=False)
    check_receptor(MODEL, out, NAME)
