"""glif_psc, glif_psc_double_alpha and glif_cond (GLIF 1-5) against real NEST 3.10 in one
subprocess: every recordable of every neuron, spike times, defaults and error messages."""
from __future__ import annotations

import numpy as np
import pytest

from jaxnest import errors
from jaxnest.models import glif
from _nest_driver import train
from _vector_driver import check_defaults, check_errors, compare_run, run_nest

MODELS = glif.MODELS
TOL_V = 1e-9    # mV; psc observed ~1e-13
TOL_REL = 1e-9  # other recordables, relative to max(1, |x|)

_MECH = [  # GLIF 1 .. 5
    {},
    {"spike_dependent_threshold": True},
    {"after_spike_currents": True},
    {"spike_dependent_threshold": True, "after_spike_currents": True},
    {"spike_dependent_threshold": True, "after_spike_currents": True,
     "adapting_threshold": True},
]
# an Allen-style parameter set (mouse cell 490626718, GLIF5), to vary the defaults
_CELL = {"V_m": -78.85, "V_th": -51.68, "g": 9.43, "E_L": -78.85, "C_m": 58.72,
         "t_ref": 3.75, "V_reset": -78.85, "asc_init": [0.0, 0.0], "th_spike_add": 0.37,
         "th_spike_decay": 0.009, "voltage_reset_fraction": 0.20, "voltage_reset_add": 18.51,
         "th_voltage_index": 0.005, "th_voltage_decay": 0.09, "asc_decay": [0.003, 0.1],
         "asc_amps": [-9.18, -198.94], "asc_r": [1.0, 1.0]}


def _ports(model, k):
    taus = [2.0, 1.0, 5.0][:k]
    if model == "glif_cond":
        return {"tau_syn": [0.2, 2.0, 1.0][:k], "E_rev": [0.0, -85.0, -20.0][:k]}
    if model == "glif_psc_double_alpha":
        return {"tau_syn_fast": taus, "tau_syn_slow": [6.0, 4.0, 10.0][:k],
                "amp_slow": [0.3, 0.5, 1.2][:k]}
    return {"tau_syn": taus}


def _weights(model):
    return (8.0, 3.0, 4.0) if model == "glif_cond" else (300.0, -250.0, 200.0)


def _scenarios():
    rng = np.random.default_rng(5)
    sc = []
    for model in MODELS:
        for h, T in ((0.1, 300.0), (0.5, 300.0)):
            neurons = []
            for j, mech in enumerate(_MECH):
                k = 1 + j % 3
                p = {**mech, **_ports(model, k)}
                if j >= 3:  # Allen cell values (g_m for glif_cond)
                    cell = dict(_CELL, g_m=_CELL["g"]) if model == "glif_cond" else _CELL
                    p.update({kk: v for kk, v in cell.items()
                              if kk != ("g" if model == "glif_cond" else "g_m")})
                if j == 1:
                    p.update(E_L=-70.0, V_reset=-65.0, V_th=-50.0, t_ref=2.0)
                spikes = [[train(rng, 1.0, T - 5.0, rate, h), w, d, r + 1]
                          for r, (rate, w, d) in enumerate(zip((800.0, 400.0, 300.0),
                                                               _weights(model),
                                                               (1.0, 1.5, 2.0))) if r < k]
                dc = [[150.0 + 30.0 * j, 20.0, 150.0, 1.0], [260.0, 180.0, 260.0, 2.0]]
                neurons.append({"params": p, "spikes": spikes, "dc": dc})
            sc.append({"model": model, "h": h, "T": T, "neurons": neurons})
    return sc


_BAD = [{"adapting_threshold": True}, {"threshold_spike": 1.0},
        {"spike_dependent_threshold": True, "threshold_spike": 1.0},
        {"threshold_voltage": 2.0}, {"V_reset": -50.0}, {"C_m": 0.0}, {"g": -1.0},
        {"g_m": 0.0}, {"t_ref": 0.0}, {"spike_dependent_threshold": True, "th_spike_decay": 0.0},
        {"spike_dependent_threshold": True, "voltage_reset_fraction": 1.5},
        {"after_spike_currents": True, "asc_r": [1.0]},
        {"after_spike_currents": True, "asc_decay": [0.0, 1.0]},
        {"after_spike_currents": True, "asc_r": [1.0, 2.0]},
        {"adapting_threshold": True, "after_spike_currents": True,
         "spike_dependent_threshold": True, "th_voltage_decay": -1.0},
        {"tau_syn": [1.0, -2.0]}, {"tau_syn": [1.0, 2.0, 3.0]},
        {"tau_syn": [1.0, 2.0, 3.0], "E_rev": [0.0, 0.0, 0.0]},
        {"tau_syn_fast": [0.0]}, {"tau_syn_slow": [-1.0]}, {"amp_slow": [0.0]},
        {"V_reset": -90.0, "V_th": -95.0, "C_m": -1.0}]


@pytest.fixture(scope="module")
def nest_results(tmp_path_factory):
    pytest.importorskip("nest")
    scen = _scenarios()
    return scen, run_nest(tmp_path_factory, "nest_glif", scen, list(MODELS), _BAD)


@pytest.mark.parametrize("idx", range(len(_scenarios())),
                         ids=[f"{s['model']}-h{s['h']}" for s in _scenarios()])
def test_matches_nest(nest_results, idx):
    scen, out = nest_results
    s = scen[idx]
    worst, spikes = compare_run(MODELS[s["model"]], s, out["runs"][idx], TOL_V, TOL_REL)
    assert (spikes.sum(axis=0) >= 2).all(), spikes.sum(axis=0)
    print(s["model"], s["h"], {k: f"{v:.1e}" for k, v in worst.items()},
          spikes.sum(axis=0).tolist())


@pytest.mark.parametrize("name", sorted(MODELS))
def test_defaults_match_nest(nest_results, name):
    _, out = nest_results
    extra = ("ASCurrents",) + (("g", "dg") if name == "glif_cond" else ())
    check_defaults(MODELS[name], out, extra_state=extra)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_errors_match_nest(nest_results, name):
    _, out = nest_results
    m = MODELS[name]
    # state keys are checked at SetStatus through on_set (test_state_set_needs_mechanism)
    skip = {i for i, b in enumerate(_BAD) if not set(b) <= set(m.params)}
    check_errors(m, _BAD, out["errors"][name], skip=skip)


@pytest.mark.parametrize("name", ["glif_psc", "glif_psc_double_alpha"])
def test_state_set_needs_mechanism(name):
    m = MODELS[name]
    p = {k: np.array([0.0 if isinstance(v, bool) else 1.0]) for k, v in m.params.items()
         if not isinstance(v, tuple)}
    st = {"threshold_spike": np.array([1.0]), "threshold_voltage": np.array([2.0])}
    with pytest.raises(errors.BadProperty, match="Threshold spike component"):
        m.on_set(p, p, st, {"threshold_spike"})
    with pytest.raises(errors.BadProperty, match="Threshold voltage component"):
        m.on_set(p, p, st, {"threshold_voltage"})
    p["spike_dependent_threshold"][:] = 1.0
    m.on_set(p, p, st, {"threshold_spike"})
    # at Create the check sees the given state: a non-zero component needs its mechanism
    full = {k: np.array([[*v]]) if isinstance(v, tuple) else np.array([float(v)])
            for k, v in {**m.params, **m.state}.items()}
    full["threshold_voltage"] = np.array([1.0])
    with pytest.raises(errors.BadProperty, match="Threshold voltage component"):
        m.check(full)
