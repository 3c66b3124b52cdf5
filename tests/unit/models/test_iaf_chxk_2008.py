"""iaf_chxk_2008 against real NEST 3.10 (one NEST subprocess simulates every scenario; the
jaxnest side drives ``update`` with lax.scan at NEST's arrival steps, see _nest_driver.py).

NEST's spike recorder shows this model's precise spike times (grid stamp minus the offset the
model computes by interpolation); the model's hidden ``spike_offset`` must reproduce them.
GSL's rkf45 / y_new control is reproduced step for step: traces agree to ~1e-13; 1e-9 asserted.
The tests drive the model's update without its offsets output (``iaf_chxk_2008_grid``).
"""
from __future__ import annotations

import dataclasses
import os
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "src")))
from jaxnest import errors  # noqa: E402
from jaxnest.models import iaf_chxk_2008 as chxk  # noqa: E402
from _nest_driver import (  # noqa: E402
    check_defaults, check_param_errors, check_receptor, run_nest, simulate, train,
    update_defaults)

NAME = "iaf_chxk_2008"
MODEL = dataclasses.replace(chxk.iaf_chxk_2008_grid,
                            recordables=chxk.iaf_chxk_2008.recordables + ("spike_offset",))
TOL_V = 1e-9  # mV
TOL_REL = 1e-9  # conductances (nS) and currents (pA), relative to max(|x|, 1)


def _scenarios():
    rng = np.random.default_rng(8)

    def neuron(params, h, T, we, wi, delays=(1.0, 1.5), dc=()):
        return {"params": params, "dc": [list(d) for d in dc], "spikes": [
            [train(rng, 1.0, T - 5.0, 400.0, h), we, delays[0]],
            [train(rng, 1.0, T - 5.0, 150.0, h), wi, delays[1]],
            [[20.0, 20.0, 150.0], we, delays[0]],
        ]}

    return [{"model": NAME, "h": 0.1, "T": 300.0, "neurons": [
        neuron({}, 0.1, 300.0, 40.0, -20.0,
               dc=[(2200.0, 0.0, 120.0, 1.0), (1800.0, 150.0, 260.0, 2.3)]),
        neuron({"I_e": 2500.0, "V_m": -44.0, "ahp_bug": True}, 0.1, 300.0, 20.0, -40.0),
        neuron({"C_m": 500.0, "E_L": -65.0, "E_ex": 10.0, "E_in": -80.0, "g_L": 50.0,
                "V_th": -50.0, "tau_syn_ex": 0.5, "tau_syn_in": 3.0, "I_e": 900.0,
                "tau_ahp": 2.0, "g_ahp": 100.0, "E_ahp": -90.0}, 0.1, 300.0, 15.0, -10.0,
               delays=(0.1, 2.0), dc=[(-300.0, 50.0, 90.0, 0.5)]),
    ]}, {"model": NAME, "h": 0.5, "T": 60.0, "neurons": [
        # strong drive at a coarse step is chaotic: NEST's own traces of two neurons whose
        # V_m differ by 1e-12 mV drift apart by ~1e-3 mV in 150 ms and split spikes by 225 ms,
        # so rounding differences (XLA's pow/FMA vs libm) grow alike; 60 ms stay ~1e-11
        neuron({"I_e": 2000.0}, 0.5, 60.0, 30.0, -30.0, delays=(1.0, 3.0),
               dc=[(600.0, 20.0, 45.0, 1.0)]),
    ]}]


_BAD = [{"C_m": 0.0}, {"tau_syn_ex": 0.0}, {"tau_syn_in": -1.0}, {"tau_ahp": 0.0},
        {"g_L": 0.0}, {"g_ahp": -1.0}, {"V_th": -70.0}, {"C_m": -1.0, "tau_ahp": -1.0}]


@pytest.fixture(scope="module")
def nest_results(tmp_path_factory):
    pytest.importorskip("nest")
    scen = _scenarios()
    return scen, run_nest(tmp_path_factory, "nest_chxk", scen, [NAME], _BAD)


@pytest.mark.parametrize("idx", range(len(_scenarios())))
def test_matches_nest(nest_results, idx):
    scen, out = nest_results
    scenario = scen[idx]
    h = scenario["h"]
    rec, spikes = simulate(MODEL, scenario)
    worst = {}
    for j, nr in enumerate(out["runs"][idx]):
        s = np.flatnonzero(spikes[:, j])
        assert spikes[:, j].max() <= 1
        mine = (s + 1) * h - rec["spike_offset"][s, j]
        theirs = np.array(sorted(nr["spikes"]))
        assert mine.shape == theirs.shape, (j, mine, theirs)
        worst["t_spike"] = max(worst.get("t_spike", 0.0), float(np.abs(mine - theirs).max()))
        steps = np.rint(np.array(nr["times"]) / h).astype(int) - 1
        for k in chxk.iaf_chxk_2008.recordables:
            ref = np.array(nr[k])
            dev = np.abs(rec[k][steps, j] - ref)
            if k != "V_m":
                dev = dev / np.maximum(np.abs(ref), 1.0)
            worst[k] = max(worst.get(k, 0.0), float(dev.max()))
    assert worst["V_m"] <= TOL_V, worst
    assert max(v for k, v in worst.items() if k not in ("V_m", "t_spike")) <= TOL_REL, worst
    assert worst["t_spike"] <= 1e-9, worst
    assert (spikes.sum(axis=0) >= 3).all(), spikes.sum(axis=0)
    print(NAME, h, {k: f"{v:.1e}" for k, v in worst.items()}, spikes.sum(axis=0).tolist())


def test_defaults_errors_receptor(nest_results):
    _, out = nest_results
    m = chxk.iaf_chxk_2008
    # NEST names the AHP amplitude parameter and the AHP conductance recordable both g_ahp;
    # the conductance is hidden state of the same name (the only allowed shadowing)
    check_defaults(dataclasses.replace(m, hidden={k: v for k, v in m.hidden.items()
                                                  if k != "g_ahp"}), out, NAME)
    update_defaults(chxk.iaf_chxk_2008_grid)  # the update without the offsets output
    check_param_errors(chxk.iaf_chxk_2008_grid, _BAD, out["errors"][NAME], allow_skip=False)
    check_receptor(m, out, NAME)


def test_create_accepts_and_checks():
    """Off-grid spikes are supported: Create passes NEST's checks only (BadProperty), and the
    model sends its offsets (``off_grid``)."""
    params = {k: np.array([float(v)]) for k, v in chxk.iaf_chxk_2008.params.items()}
    chxk.iaf_chxk_2008.check(params)
    assert chxk.iaf_chxk_2008.off_grid
    with pytest.raises(errors.BadProperty):
        chxk.iaf_chxk_2008.check(dict(params, C_m=np.array([0.0])))
