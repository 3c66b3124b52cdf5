"""iaf_psc_alpha / iaf_psc_exp / iaf_psc_delta / parrot_neuron against real NEST 3.10.

The NEST side runs in one subprocess (NEST can be imported only once per process and prints a
banner), which simulates every scenario and writes JSON. The jaxnest side drives the model's
``update`` step by step with a ``lax.scan``, feeding the inputs at the steps NEST delivers them:

- a spike_generator spike at time t over a connection of delay d is read by its target in step
  ``round(t/h) - 1 + round(d/h)`` (the generator emits it in step round(t/h) - 1, the step whose
  end is t; delivery adds the delay in steps);
- a dc_generator (start, stop, delay d) sends in the steps e with start < (e + 2) h <= stop
  (NEST shifts current generators by 2 steps in ``StimulationDevice::is_active``), i.e.
  e = round(start/h) - 1 ... round(stop/h) - 2, clipped at 0; the target reads it in step
  e + round(d/h);
- a multimeter/voltmeter sample stamped (s + 1) h (interval = h) shows the state after the
  update of step s; a spike emitted in step s is stamped (s + 1) h.
"""
from __future__ import annotations

import json
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
from jaxnest.models import iaf_psc, parrot  # noqa: E402

MODELS = {**iaf_psc.MODELS, **parrot.MODELS}
TOL = 1e-9

# --------------------------------------------------------------------------------------------
# scenarios: one NEST kernel per scenario, several neurons (different params/inputs) each
# --------------------------------------------------------------------------------------------


def _train(rng, t0, t1, rate, h):
    """Grid-aligned Poisson-like spike times in [t0, t1) (ms), as a sorted list."""
    n = rng.poisson(rate * (t1 - t0) / 1000.0)
    steps = np.unique(rng.integers(int(round(t0 / h)), int(round(t1 / h)), n))
    return [round(float(s) * h, 6) for s in steps]


def _scenarios():
    rng = np.random.default_rng(12345)
    sc = []

    def neuron(params, h, T, exc_w, inh_w, rate_e=800.0, rate_i=400.0, delays=(1.0, 1.5), dc=()):
        spikes = [
            [_train(rng, 1.0, T - 5.0, rate_e, h), exc_w, delays[0]],
            [_train(rng, 1.0, T - 5.0, rate_i, h), inh_w, delays[1]],
            # two spikes in the same step from one generator (summed in the buffer)
            [[20.0, 20.0, 150.0], exc_w, h],
        ]
        return {"params": params, "spikes": spikes, "dc": [list(d) for d in dc]}

    # ---- iaf_psc_alpha --------------------------------------------------------------------
    h, T = 0.1, 300.0
    sc.append({"model": "iaf_psc_alpha", "h": h, "T": T, "neurons": [
        neuron({}, h, T, 40.0, -30.0, dc=[(300.0, 0.0, 120.0, 1.0), (200.0, 150.0, 250.0, 2.3)]),
        neuron({"I_e": 390.0}, h, T, 25.0, -60.0),
        neuron({"tau_m": 2.0, "tau_syn_ex": 2.0, "tau_syn_in": 2.0, "I_e": 1900.0, "V_m": -60.0},
               h, T, 30.0, -30.0),  # tau_m == tau_syn: singular propagators
        neuron({"tau_syn_ex": 10.0, "tau_syn_in": 10.0, "t_ref": 0.0, "I_e": 200.0},
               h, T, 20.0, -25.0),  # tau_m == tau_syn == 10, no refractoriness
    ]})
    h, T = 0.05, 250.0
    sc.append({"model": "iaf_psc_alpha", "h": h, "T": T, "neurons": [
        neuron({"C_m": 180.0, "E_L": -65.0, "V_reset": -72.0, "V_th": -52.0, "V_min": -75.0,
                "tau_m": 15.0, "tau_syn_ex": 0.7, "tau_syn_in": 4.5, "t_ref": 3.33, "I_e": 150.0,
                "V_m": -58.0}, h, T, 90.0, -120.0, delays=(0.55, 2.0),
               dc=[(250.0, 10.0, 200.0, 0.05), (-3000.0, 100.0, 130.0, 0.1)]),  # hits V_min
        neuron({"tau_m": 5.0, "tau_syn_ex": 5.0 * (1 + 1e-12), "tau_syn_in": 0.3, "t_ref": 1.025,
                "I_e": 300.0}, h, T, 40.0, -40.0),  # nearly singular: regular P32, singular P31
    ]})

    # ---- iaf_psc_exp ----------------------------------------------------------------------
    h, T = 0.1, 300.0
    sc.append({"model": "iaf_psc_exp", "h": h, "T": T, "neurons": [
        neuron({}, h, T, 150.0, -100.0, dc=[(300.0, 0.0, 120.0, 1.0), (200.0, 150.0, 250.0, 2.3)]),
        neuron({"tau_m": 2.0, "tau_syn_ex": 2.0, "tau_syn_in": 0.5, "I_e": 1900.0, "t_ref": 2.35},
               h, T, 100.0, -200.0),
        neuron({"delta": 1e-11, "I_e": 380.0}, h, T, 80.0, -60.0),  # delta < 1e-10: deterministic
    ]})
    h, T = 0.05, 250.0
    sc.append({"model": "iaf_psc_exp", "h": h, "T": T, "neurons": [
        neuron({"C_m": 90.0, "E_L": -60.0, "V_reset": -66.0, "V_th": -50.0, "tau_m": 7.0,
                "tau_syn_ex": 0.4, "tau_syn_in": 7.0, "t_ref": 4.0, "I_e": 135.0, "V_m": -55.0},
               h, T, 180.0, -50.0, delays=(0.05, 3.1), dc=[(40.0, 30.0, 180.0, 0.6)]),
    ]})

    # ---- iaf_psc_delta --------------------------------------------------------------------
    h, T = 0.1, 300.0
    sc.append({"model": "iaf_psc_delta", "h": h, "T": T, "neurons": [
        neuron({}, h, T, 2.0, -1.5, dc=[(300.0, 0.0, 120.0, 1.0), (200.0, 150.0, 250.0, 2.3)]),
        neuron({"refractory_input": True, "I_e": 350.0, "t_ref": 5.0}, h, T, 1.0, -0.8,
               rate_e=2000.0, rate_i=1000.0),
        neuron({"V_min": -71.0, "I_e": 400.0}, h, T, 1.5, -4.0, rate_i=300.0,
               dc=[(-2000.0, 50.0, 100.0, 1.0)]),  # drives V_m down to V_min
    ]})
    h, T = 0.05, 200.0
    sc.append({"model": "iaf_psc_delta", "h": h, "T": T, "neurons": [
        neuron({"C_m": 100.0, "E_L": -58.0, "V_reset": -63.0, "V_th": -50.0, "tau_m": 4.0,
                "t_ref": 1.7, "refractory_input": True, "I_e": 220.0, "V_m": -52.0},
               h, T, 1.2, -0.9, rate_e=3000.0, rate_i=1000.0, delays=(0.05, 1.25)),
    ]})

    # ---- parrot_neuron --------------------------------------------------------------------
    h, T = 0.1, 100.0
    sc.append({"model": "parrot_neuron", "h": h, "T": T, "neurons": [
        {"params": {}, "dc": [], "spikes": [
            [_train(rng, 1.0, 90.0, 300.0, h), 2.5, 1.0],
            [sorted(_train(rng, 1.0, 90.0, 300.0, h) + [30.0, 30.0]), -3.0, 2.0],  # weight is ignored
            [_train(rng, 1.0, 90.0, 300.0, h), 1.0, 1.0, 1],  # receptor 1: ignored
        ]},
    ]})
    return sc


# --------------------------------------------------------------------------------------------
# NEST subprocess
# --------------------------------------------------------------------------------------------

_NEST_SCRIPT = textwrap.dedent(r"""
    import json, sys
    import nest
    nest.set_verbosity("M_ERROR")
    scen = json.load(open(sys.argv[1]))
    MODELS = ["iaf_psc_alpha", "iaf_psc_exp", "iaf_psc_delta", "parrot_neuron"]
    out = {"runs": [], "defaults": {}, "errors": {}}
    for m in MODELS:
        d = nest.GetDefaults(m)
        out["defaults"][m] = {k: d[k] for k in d if k not in ("recordables",)
                              and isinstance(d[k], (int, float, bool))}
        out["defaults"][m]["recordables"] = list(d.get("recordables", []))
    bad = [{"C_m": 0.0}, {"tau_m": -1.0}, {"tau_syn_ex": 0.0}, {"tau_syn_in": -2.0},
           {"t_ref": -0.5}, {"V_reset": -50.0}, {"rho": -1.0}, {"delta": -1.0},
           {"C_m": -1.0, "V_reset": -40.0, "tau_m": -1.0}, {"flush_event_send_interval": 0.0}]
    for m in MODELS:
        res = []
        for b in bad:
            nest.ResetKernel()
            n = nest.Create(m)
            try:
                n.set(b)
                res.append(None)
            except Exception as e:
                res.append([type(e).__name__, str(e)])
        out["errors"][m] = res
    for s in scen:
        nest.ResetKernel()
        nest.resolution = s["h"]
        rec = []
        d = nest.GetDefaults(s["model"])
        recordables = list(d.get("recordables", []))
        for nd in s["neurons"]:
            n = nest.Create(s["model"], params=nd["params"])
            for sp in nd["spikes"]:
                times, w, delay = sp[:3]
                syn = {"weight": w, "delay": delay}
                if len(sp) > 3:
                    syn["receptor_type"] = sp[3]
                g = nest.Create("spike_generator", params={"spike_times": times})
                nest.Connect(g, n, syn_spec=syn)
            for amp, start, stop, delay in nd["dc"]:
                g = nest.Create("dc_generator", params={"amplitude": amp, "start": start, "stop": stop})
                nest.Connect(g, n, syn_spec={"delay": delay})
            sr = nest.Create("spike_recorder")
            nest.Connect(n, sr)
            mm = None
            if recordables:
                mm = nest.Create("multimeter", params={"interval": s["h"], "record_from": recordables})
                nest.Connect(mm, n)
            rec.append((sr, mm))
        nest.Simulate(s["T"])
        res = []
        for sr, mm in rec:
            r = {"spikes": [float(t) for t in sr.events["times"]]}
            if mm is not None:
                ev = mm.events
                r["times"] = [float(t) for t in ev["times"]]
                for k in recordables:
                    r[k] = [float(v) for v in ev[k]]
            res.append(r)
        out["runs"].append(res)
    json.dump(out, open(sys.argv[2], "w"))
""")


@pytest.fixture(scope="module")
def nest_results(tmp_path_factory):
    pytest.importorskip("nest")
    d = tmp_path_factory.mktemp("nest")
    scen = _scenarios()
    (d / "in.json").write_text(json.dumps(scen))
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", _NEST_SCRIPT, str(d / "in.json"), str(d / "out.json")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return scen, json.loads((d / "out.json").read_text())


# --------------------------------------------------------------------------------------------
# jaxnest driver
# --------------------------------------------------------------------------------------------


def _inputs(model, scenario):
    """Per-step inputs x (steps, C, n) and i_stim (steps, n) at NEST's arrival steps."""
    h, T = scenario["h"], scenario["T"]
    n_steps = int(round(T / h))
    neurons = scenario["neurons"]
    n = len(neurons)
    x = np.zeros((n_steps, model.n_channels, n))
    i_stim = np.zeros((n_steps, n))
    for j, nd in enumerate(neurons):
        for sp in nd["spikes"]:
            times, w, delay = sp[:3]
            receptor = sp[3] if len(sp) > 3 else 0
            ch = int(model.channel(np.array([w]), np.array([receptor]))[0])
            value = 1.0 if getattr(model, "input_is_multiplicity", False) else w
            for t in times:
                s = int(round(t / h)) - 1 + int(round(delay / h))
                if s < n_steps:
                    x[s, ch, j] += value
        for amp, start, stop, delay in nd["dc"]:
            e0 = max(int(round(start / h)) - 1, 0)
            e1 = int(round(stop / h)) - 2  # inclusive
            D = int(round(delay / h))
            for e in range(e0, e1 + 1):
                if e + D < n_steps:
                    i_stim[e + D, j] += amp
    return x, i_stim


def _run(model, scenario):
    """Drive ``model.update`` with lax.scan; return recordables (steps, n) and spike counts."""
    h = scenario["h"]
    neurons = scenario["neurons"]
    params = {k: np.array([float(nd["params"].get(k, v)) for nd in neurons]) for k, v in model.params.items()}
    state = {k: jnp.asarray([float(nd["params"].get(k, v)) for nd in neurons]) for k, v in model.state.items()}
    state.update({k: jnp.full(len(neurons), float(v)) for k, v in model.hidden.items()})
    model.check(params)
    x, i_stim = _inputs(model, scenario)

    @jax.jit
    def run(params, state, x, i_stim):
        props = model.propagators(params, h)  # traced, as the kernel calls it

        def step(st, inp):
            xs, ist = inp
            new, spk = model.update(params, props, st, xs, ist, h)
            return new, ({k: new[k] for k in model.recordables}, spk)

        return lax.scan(step, state, (x, i_stim))[1]

    jparams = {k: jnp.asarray(v) for k, v in params.items()}
    rec, spikes = run(jparams, state, jnp.asarray(x), jnp.asarray(i_stim))
    return {k: np.asarray(v) for k, v in rec.items()}, np.asarray(spikes)


def _spike_times(counts, h):
    """Spike times (multiplicity repeated) of one neuron: step s -> (s + 1) h."""
    steps = np.repeat(np.arange(counts.size), counts.astype(int))
    return np.round((steps + 1) * h, 9)


def _compare(scenario, nest_run):
    model = MODELS[scenario["model"]]
    h = scenario["h"]
    rec, spikes = _run(model, scenario)
    worst = {}
    for j, nr in enumerate(nest_run):
        mine = _spike_times(spikes[:, j], h)
        theirs = np.round(np.array(nr["spikes"]), 9)
        assert mine.tolist() == sorted(theirs.tolist()), (scenario["model"], j)
        if model.recordables:
            steps = np.rint(np.array(nr["times"]) / h).astype(int) - 1
            # NEST's multimeter holds samples h .. T - h after Simulate(T): the last step's
            # sample is not delivered yet
            n_steps = rec[model.recordables[0]].shape[0]
            assert steps.tolist() == list(range(n_steps - 1))
            for k in model.recordables:
                dev = float(np.max(np.abs(rec[k][steps, j] - np.array(nr[k]))))
                worst[k] = max(worst.get(k, 0.0), dev)
            if "V_min" in scenario["neurons"][j]["params"]:  # the lower bound is exercised
                assert abs(min(nr["V_m"]) - scenario["neurons"][j]["params"]["V_min"]) < TOL
    return worst, spikes


def _scenario_ids():
    return [f"{s['model']}-h{s['h']}-{i}" for i, s in enumerate(_scenarios())]


@pytest.mark.parametrize("idx", range(len(_scenarios())), ids=_scenario_ids())
def test_matches_nest(nest_results, idx):
    scen, out = nest_results
    scenario = scen[idx]
    worst, spikes = _compare(scenario, out["runs"][idx])
    for k, dev in worst.items():
        assert dev <= TOL, (scenario["model"], k, dev)
    if scenario["model"] != "parrot_neuron":
        # the scenarios are meant to exercise threshold, reset and refractoriness
        assert (spikes.sum(axis=0) >= 3).all(), (spikes.sum(axis=0), worst)
    print(scenario["model"], scenario["h"], {k: f"{v:.2e}" for k, v in worst.items()},
          "spikes", spikes.sum(axis=0).tolist())


# --------------------------------------------------------------------------------------------
# defaults and error messages against NEST
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MODELS))
def test_defaults_match_nest(nest_results, name):
    _, out = nest_results
    nd = out["defaults"][name]
    m = MODELS[name]
    for k, v in {**m.params, **m.state}.items():
        assert k in nd, k
        assert nd[k] == v, (k, nd[k], v)
    assert sorted(m.recordables) == sorted(nd["recordables"])
    assert not set(m.hidden) & set(nd), "hidden names must not shadow NEST keys"
    # every model-specific (non-node-level) NEST default is a parameter or public state
    node_level = set(out["defaults"]["parrot_neuron"]) - {"flush_event_send_interval"}
    assert set(nd) - node_level - {"recordables"} <= set(m.params) | set(m.state), \
        set(nd) - node_level - set(m.params) - set(m.state)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_error_messages_match_nest(nest_results, name):
    _, out = nest_results
    m = MODELS[name]
    bad = [{"C_m": 0.0}, {"tau_m": -1.0}, {"tau_syn_ex": 0.0}, {"tau_syn_in": -2.0},
           {"t_ref": -0.5}, {"V_reset": -50.0}, {"rho": -1.0}, {"delta": -1.0},
           {"C_m": -1.0, "V_reset": -40.0, "tau_m": -1.0}, {"flush_event_send_interval": 0.0}]
    for b, expect in zip(bad, out["errors"][name]):
        if not set(b) <= set(m.params):
            continue  # NEST: UnaccessedDictionaryEntry, raised by the API layer
        params = {k: np.array([float(b.get(k, v))]) for k, v in m.params.items()}
        if expect is None:
            m.check(params)
            continue
        assert expect[0] == "BadProperty"
        with pytest.raises(errors.BadProperty) as ei:
            m.check(params)
        assert expect[1].endswith(str(ei.value)), (expect[1], str(ei.value))


# --------------------------------------------------------------------------------------------
# NEST-free unit tests
# --------------------------------------------------------------------------------------------


def test_ms_to_steps():
    f = iaf_psc.ms_to_steps
    assert f(2.0, 0.1) == 20
    assert f(2.35, 0.1) == 24  # rounded up to whole steps
    assert f(0.0, 0.1) == 0
    assert f(1.025, 0.05) == 21
    assert f(0.0004, 0.1) == 0 and f(0.0005, 0.1) == 1  # ms -> tics rounds half up
    assert np.all(f(np.array([1.0, 1.05]), 0.1) == [10, 11])


def test_singular_propagators_finite_and_continuous():
    h = 0.1
    base = {k: np.array([v]) for k, v in iaf_psc.iaf_psc_alpha.params.items()}
    taus = np.array([10.0, 10.0 * (1 + 1e-13), 10.0 * (1 + 1e-6), 10.0 * (1 + 1e-3)])
    p = {k: np.repeat(v, taus.size) for k, v in base.items()}
    p["tau_syn_ex"] = taus
    pr = iaf_psc.iaf_psc_alpha.propagators(p, h)
    assert np.all(np.isfinite(pr["P31_ex"])) and np.all(np.isfinite(pr["P32_ex"]))
    # the singular values are the limits of the regular ones
    np.testing.assert_allclose(pr["P32_ex"], pr["P32_ex"][0], rtol=2e-4)
    np.testing.assert_allclose(pr["P31_ex"], pr["P31_ex"][0], rtol=2e-4)
    np.testing.assert_allclose(pr["P32_ex"][0], h / 250.0 * np.exp(-h / 10.0), rtol=1e-15)
    # traced (jnp) evaluation gives the same numbers
    pj = jax.jit(lambda q: iaf_psc.iaf_psc_alpha.propagators(q, h))({k: jnp.asarray(v) for k, v in p.items()})
    for k in pr:
        # P31 near the singularity is ill-conditioned (beta * expm1 - h cancels): a 1-ulp
        # difference between XLA's and libm's expm1 shows as ~1e-11 relative there
        np.testing.assert_allclose(np.asarray(pj[k]), pr[k], rtol=1e-9 if k.startswith("P31") else 1e-14)
    pe = iaf_psc.iaf_psc_exp.propagators({**{k: np.array([v]) for k, v in iaf_psc.iaf_psc_exp.params.items()},
                                          "tau_syn_ex": np.array([10.0])}, h)
    assert np.isfinite(pe["P21ex"]).all()


def test_update_in_fori_loop_vectorised():
    m = iaf_psc.iaf_psc_alpha
    n = 3
    params = {k: jnp.full(n, float(v)) for k, v in m.params.items()}
    params["I_e"] = jnp.array([0.0, 400.0, 1000.0])
    state = {k: jnp.full(n, float(v)) for k, v in {**m.state, **m.hidden}.items()}

    @jax.jit
    def run(params, state):
        props = m.propagators(params, 0.1)

        def body(i, c):
            st, cnt = c
            st, spk = m.update(params, props, st, jnp.zeros((2, n)), jnp.zeros(n), 0.1)
            return st, cnt + spk

        return lax.fori_loop(0, 1000, body, (state, jnp.zeros(n)))

    st, cnt = run(params, state)
    assert st["V_m"].dtype == jnp.float64
    assert cnt[0] == 0 and 0 < cnt[1] < cnt[2]


def test_exp_escape_noise_not_implemented():
    m = iaf_psc.iaf_psc_exp
    params = {k: np.array([float(v)]) for k, v in m.params.items()}
    params["delta"] = np.array([0.5])
    with pytest.raises(errors.NotImplemented):
        m.check(params)


def test_parrot_channels_and_update():
    m = parrot.parrot_neuron
    assert m.channel(np.array([-2.0, 3.0, 1.0]), np.array([0, 0, 1])).tolist() == [0, 0, 1]
    with pytest.raises(errors.UnknownReceptorType):
        m.channel(np.array([1.0]), np.array([2]))
    _, spk = m.update({}, {}, {}, jnp.array([[3.0, 0.0], [5.0, 1.0]]), jnp.zeros(2), 0.1)
    assert np.asarray(spk).tolist() == [3.0, 0.0]


def test_iaf_receptors():
    for name in ("iaf_psc_alpha", "iaf_psc_exp", "iaf_psc_delta"):
        m = MODELS[name]
        assert m.channel(np.array([2.0, 0.0, -1.0]), np.zeros(3, int)).tolist() == [0, 0, 1]
        with pytest.raises(errors.UnknownReceptorType, match=f"Receptor type 2 is not available in {name}."):
            m.channel(np.array([1.0]), np.array([2]))
    with pytest.raises(errors.UnknownReceptorType):
        MODELS["iaf_psc_alpha"].channel(np.array([1.0]), np.array([1]))
    with pytest.raises(errors.NotImplemented):
        MODELS["iaf_psc_exp"].channel(np.array([1.0]), np.array([1]))
