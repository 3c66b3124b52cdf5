"""hh_psc_alpha and hh_cond_exp_traub (GSL RKF45, y_new control 1e-3) against real NEST 3.10.

Same layout as test_iaf_cond.py / test_aeif.py: one NEST subprocess simulates every scenario
and writes JSON; the jaxnest side drives ``update`` with a ``lax.scan``, feeding inputs at
NEST's arrival steps. The rate functions' divisors are runtime arrays (XLA would replace a
division by a literal with a multiplication by its reciprocal); remaining deviations come from
XLA's exp / pow / FMA contraction (an ulp here and there) and are ~1e-11 mV.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "src")))
from jaxnest import errors  # noqa: E402
from jaxnest.models import hh  # noqa: E402

MODELS = hh.MODELS
TOL_V = 1e-6  # mV; observed <= 2e-7, mostly ~1e-10
TOL_REL = 1e-6  # other recordables, relative to max(|x|, 1)
# hh_cond_exp_traub at h = 0.5 ms: sub-steps of up to 0.5 ms across spike upstrokes with
# NEST's loose tolerance (eps_abs 1e-3). The proposed step sizes differ from GSL's by ~1e-12
# (relative) because the error estimate is a small difference of large terms and XLA's exp
# and FMAs differ from libm/GSL by an ulp; across many upstrokes this grows, and an
# accept/reject decision near the threshold eventually differs: observed up to ~0.2 mV
# (spike times still identical).
TOL_V_COARSE = 1.0

_W = {"hh_psc_alpha": (150.0, -100.0), "hh_cond_exp_traub": (4.0, -6.0)}


def _train(rng, t0, t1, rate, h):
    n = rng.poisson(rate * (t1 - t0) / 1000.0)
    steps = np.unique(rng.integers(int(round(t0 / h)), int(round(t1 / h)), n))
    return [round(float(s) * h, 6) for s in steps]


def _scenarios():
    rng = np.random.default_rng(11)
    sc = []

    def neuron(model, params, h, T, scale=1.0, rate_e=400.0, rate_i=150.0, delays=(1.0, 1.5),
               dc=()):
        we, wi = (scale * w for w in _W[model])
        spikes = [
            [_train(rng, 1.0, T - 5.0, rate_e, h), we, delays[0]],
            [_train(rng, 1.0, T - 5.0, rate_i, h), wi, delays[1]],
            [[20.0, 20.0, 150.0], we, delays[0]],  # two spikes in one step
        ]
        return {"params": params, "spikes": spikes, "dc": [list(d) for d in dc]}

    m = "hh_psc_alpha"
    for h in (0.1, 0.5):
        sc.append({"model": m, "h": h, "T": 300.0, "neurons": [
            neuron(m, {}, h, 300.0, dc=[(900.0, 10.0, 120.0, 1.0), (700.0, 150.0, 260.0, 1.5)]),
            neuron(m, {"I_e": 800.0, "t_ref": 3.3, "V_m": -60.0}, h, 300.0, scale=0.5),
            neuron(m, {"C_m": 80.0, "g_Na": 10000.0, "g_K": 4000.0, "g_L": 20.0, "E_Na": 55.0,
                       "E_K": -80.0, "E_L": -60.0, "tau_syn_ex": 1.0, "tau_syn_in": 4.0,
                       "I_e": 1500.0, "t_ref": 0.0, "Act_m": 0.1, "Inact_h": 0.5,
                       "Act_n": 0.35}, h, 300.0, scale=0.6, delays=(0.5, 2.0),
                   dc=[(-200.0, 50.0, 90.0, 0.5)]),
        ]})
    m = "hh_cond_exp_traub"
    for h in (0.1, 0.25, 0.5):
        sc.append({"model": m, "h": h, "T": 300.0, "coarse": h == 0.5, "neurons": [
            neuron(m, {}, h, 300.0, dc=[(150.0, 10.0, 120.0, 1.0), (400.0, 150.0, 260.0, 1.5)]),
            neuron(m, {"I_e": 300.0, "t_ref": 3.3, "V_m": -55.0}, h, 300.0, scale=1.5),
            neuron(m, {"C_m": 150.0, "g_Na": 15000.0, "g_K": 5000.0, "g_L": 15.0, "E_Na": 55.0,
                       "E_K": -85.0, "E_L": -65.0, "V_T": -58.0, "E_ex": 5.0, "E_in": -75.0,
                       "tau_syn_ex": 2.0, "tau_syn_in": 6.0, "I_e": 100.0, "t_ref": 0.0,
                       "Act_m": 0.05, "Inact_h": 0.9, "Act_n": 0.1}, h, 300.0,
                   delays=(0.5, 2.0), dc=[(-50.0, 50.0, 90.0, 0.5)]),
        ]})
    return sc


_BAD = [{"C_m": 0.0}, {"C_m": -1.0}, {"t_ref": -0.5}, {"tau_syn_ex": 0.0}, {"tau_syn_in": -1.0},
        {"g_Na": -1.0}, {"g_K": -1.0}, {"g_L": -1.0}, {"g_L": 0.0},
        {"C_m": -1.0, "t_ref": -1.0, "tau_syn_ex": -1.0, "g_K": -1.0},
        {"t_ref": -1.0, "tau_syn_ex": -1.0}]
_BAD_STATE = [{"Act_m": -0.1}, {"Inact_h": -0.5}, {"Act_n": -1e-9}, {"Act_m": 2.0, "V_m": 40.0}]

_NEST_SCRIPT = textwrap.dedent(r"""
    import json, sys
    import nest
    nest.set_verbosity("M_ERROR")
    scen, bad, bad_state, models = json.load(open(sys.argv[1]))
    out = {"runs": [], "defaults": {}, "errors": {}, "state_errors": {}, "receptor": {}}
    for m in models + ["parrot_neuron"]:
        d = nest.GetDefaults(m)
        out["defaults"][m] = {k: d[k] for k in d if isinstance(d[k], (int, float, bool))}
        out["defaults"][m]["recordables"] = [str(r) for r in d.get("recordables", [])]
    def attempt(m, b):
        if not set(b) <= set(nest.GetDefaults(m)):
            return "skip"
        nest.ResetKernel()
        n = nest.Create(m)
        try:
            n.set(b)
            return None
        except Exception as e:
            return [type(e).__name__, str(e)]
    for m in models:
        out["errors"][m] = [attempt(m, b) for b in bad]
        out["state_errors"][m] = [attempt(m, b) for b in bad_state]
        nest.ResetKernel()
        n = nest.Create(m)
        try:
            nest.Connect(nest.Create("spike_generator"), n, syn_spec={"receptor_type": 1})
            out["receptor"][m] = None
        except Exception as e:
            out["receptor"][m] = [type(e).__name__, str(e)]
    for s in scen:
        nest.ResetKernel()
        nest.resolution = s["h"]
        rec = []
        recordables = [str(r) for r in nest.GetDefaults(s["model"])["recordables"]]
        for nd in s["neurons"]:
            n = nest.Create(s["model"], params=nd["params"])
            for times, w, delay in nd["spikes"]:
                g = nest.Create("spike_generator", params={"spike_times": times})
                nest.Connect(g, n, syn_spec={"weight": w, "delay": delay})
            for amp, start, stop, delay in nd["dc"]:
                g = nest.Create("dc_generator", params={"amplitude": amp, "start": start, "stop": stop})
                nest.Connect(g, n, syn_spec={"delay": delay})
            sr = nest.Create("spike_recorder")
            nest.Connect(n, sr)
            mm = nest.Create("multimeter", params={"interval": s["h"], "record_from": recordables})
            nest.Connect(mm, n)
            rec.append((sr, mm))
        nest.Simulate(s["T"])
        res = []
        for sr, mm in rec:
            ev = mm.events
            r = {"spikes": [float(t) for t in sr.events["times"]],
                 "times": [float(t) for t in ev["times"]]}
            for k in recordables:
                r[k] = [float(v) for v in ev[k]]
            res.append(r)
        out["runs"].append(res)
    json.dump(out, open(sys.argv[2], "w"))
""")


@pytest.fixture(scope="module")
def nest_results(tmp_path_factory):
    pytest.importorskip("nest")
    d = tmp_path_factory.mktemp("nest_hh")
    scen = _scenarios()
    (d / "in.json").write_text(json.dumps([scen, _BAD, _BAD_STATE, list(MODELS)]))
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", _NEST_SCRIPT, str(d / "in.json"), str(d / "out.json")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return scen, json.loads((d / "out.json").read_text())


# --------------------------------------------------------------------------------------------
# jaxnest driver
# --------------------------------------------------------------------------------------------


def _inputs(model, scenario, T):
    h = scenario["h"]
    n_steps = int(round(T / h))
    neurons = scenario["neurons"]
    x = np.zeros((n_steps, model.n_channels, len(neurons)))
    i_stim = np.zeros((n_steps, len(neurons)))
    for j, nd in enumerate(neurons):
        for times, w, delay in nd["spikes"]:
            ch = int(model.channel(np.array([w]), np.array([0]))[0])
            for t in times:
                s = int(round(t / h)) - 1 + int(round(delay / h))
                if s < n_steps:
                    x[s, ch, j] += w
        for amp, start, stop, delay in nd["dc"]:
            e0 = max(int(round(start / h)) - 1, 0)
            e1 = int(round(stop / h)) - 2
            D = int(round(delay / h))
            for e in range(e0, e1 + 1):
                if e + D < n_steps:
                    i_stim[e + D, j] += amp
    return x, i_stim


def _initial(model, neurons):
    params = {k: np.array([float(nd["params"].get(k, v)) for nd in neurons]) for k, v in model.params.items()}
    state = {k: jnp.asarray([float(nd["params"].get(k, v)) for nd in neurons]) for k, v in model.state.items()}
    state.update({k: jnp.full(len(neurons), float(v)) for k, v in model.hidden.items()})
    return params, state


def _run(model, scenario, T):
    h = scenario["h"]
    params, state = _initial(model, scenario["neurons"])
    model.check(params)
    x, i_stim = _inputs(model, scenario, T)

    @jax.jit
    def run(params, state, x, i_stim):
        props = model.propagators(params, h)

        def step(st, inp):
            xs, ist = inp
            new, spk = model.update(params, props, st, xs, ist, h)
            return new, ({k: new[k] for k in model.recordables}, spk)

        return lax.scan(step, state, (x, i_stim))[1]

    jparams = {k: jnp.asarray(v) for k, v in params.items()}
    rec, spikes = run(jparams, state, jnp.asarray(x), jnp.asarray(i_stim))
    return {k: np.asarray(v) for k, v in rec.items()}, np.asarray(spikes)


def _spike_times(counts, h):
    steps = np.repeat(np.arange(counts.size), counts.astype(int))
    return np.round((steps + 1) * h, 9)


def _ids():
    return [f"{s['model']}-h{s['h']}" for s in _scenarios()]


@pytest.mark.parametrize("idx", range(len(_scenarios())), ids=_ids())
def test_matches_nest(nest_results, idx):
    scen, out = nest_results
    scenario = scen[idx]
    model = MODELS[scenario["model"]]
    h = scenario["h"]
    worst = {}
    rec, spikes = _run(model, scenario, scenario["T"])
    for j, nr in enumerate(out["runs"][idx]):
        mine = _spike_times(spikes[:, j], h)
        theirs = np.round(np.array(sorted(nr["spikes"])), 9)
        assert mine.tolist() == theirs.tolist(), (scenario["model"], j, mine[:10], theirs[:10])
        steps = np.rint(np.array(nr["times"]) / h).astype(int) - 1
        # NEST's multimeter holds back the samples of the last min_delay interval
        assert steps.tolist() == list(range(len(steps))) and len(steps) >= len(rec["V_m"]) - 10
        for k in model.recordables:
            ref = np.array(nr[k])
            dev = np.abs(rec[k][steps, j] - ref)
            if k != "V_m":
                dev = dev / np.maximum(np.abs(ref), 1.0)
            worst[k] = max(worst.get(k, 0.0), float(dev.max()))
        assert spikes[:, j].sum() >= 3, (j, spikes[:, j].sum())
    if scenario.get("coarse"):
        assert worst["V_m"] <= TOL_V_COARSE, worst
    else:
        assert worst["V_m"] <= TOL_V, worst
        assert all(v <= TOL_REL for k, v in worst.items() if k != "V_m"), worst
    print(scenario["model"], h, {k: f"{v:.2e}" for k, v in worst.items()},
          "spikes", spikes.sum(axis=0).tolist())


# --------------------------------------------------------------------------------------------
# defaults, error messages and receptors against NEST
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MODELS))
def test_defaults_match_nest(nest_results, name):
    _, out = nest_results
    nd = out["defaults"][name]
    m = MODELS[name]
    for k, v in {**m.params, **m.state}.items():
        assert k in nd, k
        assert nd[k] == v, (k, nd[k], v)  # gating variables bit for bit (libm exp)
    assert list(m.recordables) == nd["recordables"]
    assert not set(m.hidden) & set(nd)
    node_level = set(out["defaults"]["parrot_neuron"]) - {"flush_event_send_interval"}
    assert set(nd) - node_level - {"recordables"} <= set(m.params) | set(m.state)
    params, state = _initial(m, [{"params": {}}])
    new, spk = m.update(params, m.propagators(params, 0.1), state, jnp.zeros((2, 1)),
                        jnp.zeros(1), 0.1)
    assert set(m.recordables) <= set(new) and set(new) == set(m.state) | set(m.hidden)
    assert float(spk[0]) == 0.0


@pytest.mark.parametrize("name", sorted(MODELS))
def test_error_messages_match_nest(nest_results, name):
    _, out = nest_results
    m = MODELS[name]
    for b, expect in zip(_BAD, out["errors"][name]):
        if expect == "skip":
            continue
        params = {k: np.array([float(b.get(k, v))]) for k, v in m.params.items()}
        if expect is None:
            m.check(params)
            continue
        assert expect[0] == "BadProperty", expect
        with pytest.raises(errors.BadProperty) as ei:
            m.check(params)
        assert expect[1].endswith(str(ei.value)), (b, expect[1], str(ei.value))
    for b, expect in zip(_BAD_STATE, out["state_errors"][name]):
        state = {k: np.array([float(b.get(k, v))]) for k, v in m.state.items()}
        params = {k: np.array([v]) for k, v in m.params.items()}
        if expect is None:
            m.check({**params, **state})
            m.on_set(params, params, state, set(b))
            continue
        with pytest.raises(errors.BadProperty) as ei:
            m.on_set(params, params, state, set(b))
        assert expect[1].endswith(str(ei.value)), (b, expect[1], str(ei.value))
        with pytest.raises(errors.BadProperty):
            m.check({**params, **state})
    kind, msg = out["receptor"][name]
    with pytest.raises(getattr(errors, kind)) as ei:
        m.channel(np.array([1.0]), np.array([1]))
    assert msg.endswith(str(ei.value)), (msg, str(ei.value))


# --------------------------------------------------------------------------------------------
# NEST-free tests
# --------------------------------------------------------------------------------------------


def test_steady_state_gating():
    """Defaults are the steady state of the gating variables (as NEST computes them)."""
    s = hh.hh_psc_alpha.state
    V = -65.0
    am = 0.1 * (V + 40.0) / (1.0 - math.exp(-(V + 40.0) / 10.0))
    bm = 4.0 * math.exp(-(V + 65.0) / 18.0)
    assert s["Act_m"] == am / (am + bm)


def test_update_in_fori_loop_and_refractoriness():
    for m, I in ((hh.hh_psc_alpha, (0.0, 900.0, 2000.0)), (hh.hh_cond_exp_traub, (0.0, 200.0, 1000.0))):
        n = 3
        params, state = _initial(m, [{"params": {}}] * n)
        params["I_e"] = np.array(I)
        params = {k: jnp.asarray(v) for k, v in params.items()}

        @jax.jit
        def run(params, state):
            props = m.propagators(params, 0.1)

            def body(i, c):
                st, cnt = c
                st, spk = m.update(params, props, st, jnp.zeros((2, n)), jnp.zeros(n), 0.1)
                return st, cnt + spk

            return lax.fori_loop(0, 2000, body, (state, jnp.zeros(n)))

        st, cnt = run(params, state)
        assert st["V_m"].dtype == jnp.float64
        assert cnt[1] > 0 and cnt[1] < cnt[2], cnt
        assert np.all(np.asarray(st["refr_count"]) >= 0)


def test_spike_input_signs():
    """hh_psc_alpha keeps the sign of inhibitory weights (currents); traub adds |w| to g_in."""
    h = 0.1
    x = jnp.array([[2.0], [-3.0]])
    m = hh.hh_psc_alpha
    params, state = _initial(m, [{"params": {}}])
    params = {k: jnp.asarray(v) for k, v in params.items()}
    new, _ = m.update(params, m.propagators(params, h), state, x, jnp.zeros(1), h)
    assert float(new["dI_syn_ex"][0]) == 2.0 * np.e / 0.2
    assert float(new["dI_syn_in"][0]) == -3.0 * np.e / 2.0
    m = hh.hh_cond_exp_traub
    params, state = _initial(m, [{"params": {}}])
    params = {k: jnp.asarray(v) for k, v in params.items()}
    new, _ = m.update(params, m.propagators(params, h), state, x, jnp.zeros(1), h)
    assert float(new["g_ex"][0]) == 2.0 and float(new["g_in"][0]) == 3.0
