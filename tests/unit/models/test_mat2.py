"""mat2_psc_exp and amat2_psc_exp against real NEST 3.10 (one NEST subprocess simulates every
scenario; the jaxnest side drives ``update`` with lax.scan at NEST's arrival steps, see
_nest_driver.py).

Exact propagators: traces agree to rounding; 1e-9 relative is asserted. amat2 runs with
beta != 0 so that the voltage-dependent threshold V_th_v (NEST's P60..P77) matters.
"""
from __future__ import annotations

import os
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "src")))
from jaxnest import errors  # noqa: E402
from jaxnest.models import mat2  # noqa: E402
from _nest_driver import (  # noqa: E402
    check_defaults, check_param_errors, check_receptor, initial, run_nest, simulate, spike_times,
    train, update_defaults)

MODELS = mat2.MODELS
TOL_REL = 1e-9  # relative to max(|x|, 1)


def _scenarios():
    rng = np.random.default_rng(6)

    def neuron(params, h, T, we, wi, delays=(1.0, 1.5), dc=()):
        return {"params": params, "dc": [list(d) for d in dc], "spikes": [
            [train(rng, 1.0, T - 5.0, 400.0, h), we, delays[0]],
            [train(rng, 1.0, T - 5.0, 150.0, h), wi, delays[1]],
            [[20.0, 20.0, 150.0], we, delays[0]],
        ]}

    sc = []
    for model, extra, g in (("mat2_psc_exp", {}, 3.0),
                            ("amat2_psc_exp", {"beta": 0.5, "tau_v": 8.0}, 1.0)):
        sc.append({"model": model, "h": 0.1, "T": 300.0, "neurons": [
            neuron({}, 0.1, 300.0, 200.0, -150.0,
                   dc=[(300.0 * g, 0.0, 120.0, 1.0), (250.0 * g, 150.0, 260.0, 2.3)]),
            neuron({"I_e": 400.0 * g, "t_ref": 2.35, "V_m": -55.0, "V_th_alpha_1": 5.0,
                    "V_th_alpha_2": 1.0, **extra}, 0.1, 300.0, 150.0, -250.0),
            neuron({"C_m": 150.0, "E_L": -65.0, "omega": -55.0, "tau_m": 7.0,
                    "tau_syn_ex": 2.0, "tau_syn_in": 4.0, "I_e": 300.0 * g, "t_ref": 1.0,
                    "alpha_1": 10.0, "alpha_2": 3.0, "tau_1": 5.0, "tau_2": 100.0,
                    **({"beta": -0.2, "tau_v": 3.0, "V_th_v": 1.0} if extra else {})},
                   0.1, 300.0, 100.0, -80.0, delays=(0.1, 2.0), dc=[(-100.0, 50.0, 90.0, 0.5)]),
        ]})
        sc.append({"model": model, "h": 1.0, "T": 300.0, "neurons": [
            neuron({"I_e": 350.0, "t_ref": 3.0, **extra}, 1.0, 300.0, 200.0, -100.0,
                   delays=(1.0, 3.0), dc=[(150.0, 100.0, 200.0, 1.0)]),
        ]})
    return sc


_BAD = [{"C_m": 0.0}, {"tau_m": 0.0}, {"tau_syn_ex": -1.0}, {"tau_syn_in": 0.0},
        {"t_ref": 0.0}, {"tau_1": -1.0}, {"tau_2": 0.0}, {"tau_v": 0.0}, {"tau_m": 1.0},
        {"tau_m": 3.0}, {"tau_m": 5.0, "tau_v": 7.0}, {"tau_v": 1.0}, {"tau_v": 3.0},
        {"t_ref": 0.0001}, {"omega": -80.0}, {"alpha_1": -5.0},
        {"C_m": -1.0, "tau_m": 1.0}]
_BAD_STATE = [{"V_th": -40.0}, {"V_th_alpha_1": 3.0}, {"V_th_v": 2.0}]


@pytest.fixture(scope="module")
def nest_results(tmp_path_factory):
    pytest.importorskip("nest")
    scen = _scenarios()
    return scen, run_nest(tmp_path_factory, "nest_mat2", scen, list(MODELS), _BAD, _BAD_STATE)


def _ids():
    return [f"{s['model']}-h{s['h']}" for s in _scenarios()]


@pytest.mark.parametrize("idx", range(len(_scenarios())), ids=_ids())
def test_matches_nest(nest_results, idx):
    scen, out = nest_results
    scenario = scen[idx]
    model = MODELS[scenario["model"]]
    h = scenario["h"]
    rec, spikes = simulate(model, scenario)
    worst = {}
    for j, nr in enumerate(out["runs"][idx]):
        assert spike_times(spikes[:, j], h).tolist() == np.round(sorted(nr["spikes"]), 9).tolist()
        steps = np.rint(np.array(nr["times"]) / h).astype(int) - 1
        for k in model.recordables:
            ref = np.array(nr[k])
            dev = np.abs(rec[k][steps, j] - ref) / np.maximum(np.abs(ref), 1.0)
            worst[k] = max(worst.get(k, 0.0), float(dev.max()))
    assert max(worst.values()) <= TOL_REL, worst
    assert (spikes.sum(axis=0) >= 5).all(), spikes.sum(axis=0)
    print(scenario["model"], h, {k: f"{v:.1e}" for k, v in worst.items()},
          spikes.sum(axis=0).tolist())


@pytest.mark.parametrize("name", sorted(MODELS))
def test_defaults_errors_receptor(nest_results, name):
    _, out = nest_results
    m = MODELS[name]
    check_defaults(m, out, name)
    update_defaults(m)
    # t_ref rounding to 0 steps: NEST raises at Simulate, jaxnest when it is set (same class)
    check_param_errors(m, _BAD, out["errors"][name], allow_skip=True,
                       skip=lambda b: b == {"t_ref": 0.0001})
    with pytest.raises(errors.BadProperty, match="at least one time step"):  # at Simulate
        m.pre_run({k: np.array([v]) for k, v in {**m.params, "t_ref": 0.0001}.items()}, 0.1)
    check_receptor(m, out, name)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_state_set_as_nest(nest_results, name):
    """Setting V_th is refused as NEST refuses it; V_th follows omega, E_L and its parts."""
    _, out = nest_results
    m = MODELS[name]
    params, state = initial(m, [{"params": {}}])
    params = {k: np.asarray(v) for k, v in params.items()}
    state = {k: np.asarray(v) for k, v in state.items() if k in m.state}
    for b, expect in zip(_BAD_STATE, out["state_errors"][name]):
        if expect == "skip":
            assert set(b) - set(m.state), b
            continue
        if expect is None:
            new = m.on_set(params, params, dict(state, **{k: np.array([v]) for k, v in b.items()}),
                           set(b))
            assert float(new["V_th"][0]) == float(params["omega"][0]) + sum(b.values())
            continue
        kind, msg = expect  # read-only state: the kernel refuses it (NeuronModel.readonly)
        import jaxnest
        jaxnest.ResetKernel()
        with pytest.raises(getattr(errors, kind)) as ei:
            jaxnest.Create(name).set(b)
        assert msg.endswith(str(ei.value)), (msg, str(ei.value))
    # Create: check() refreshes V_th in the values given to the new nodes
    values = {**{k: np.array([v]) for k, v in m.params.items()},
              **{k: np.array([v]) for k, v in m.state.items()}}
    values["omega"] = np.array([-50.0])
    values["V_th_alpha_1"] = np.array([2.0])
    m.check(values)
    assert float(values["V_th"][0]) == -48.0
