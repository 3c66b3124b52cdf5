"""iaf_cond_alpha_mc (three compartments, GSL RKF45 with y_new control 1e-3) against real
NEST 3.10.

One NEST subprocess (this module's own script: compartment currents need receptor_type on the
dc_generator connections, and parameters are nested dicts) simulates every scenario; the
jaxnest side drives ``update`` with a ``lax.scan``, feeding spike input into the six receptor
channels and currents as ``i_stim`` of shape (3, n) at NEST's arrival steps.
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
from jaxnest.models import iaf_cond_alpha_mc as mc  # noqa: E402
from _nest_driver import spike_times, train  # noqa: E402

M = mc.iaf_cond_alpha_mc
NAME = M.name
TOL_V = 1e-9  # mV
TOL_REL = 1e-9  # conductances, relative to max(|g|, 1)

NEST_SCRIPT = textwrap.dedent(r"""
    import json, sys
    import nest
    nest.set_verbosity("M_ERROR")
    inp = json.load(open(sys.argv[1]))
    m = inp["model"]
    out = {"runs": [], "errors": [], "receptors": {}}
    d = nest.GetDefaults(m)
    out["defaults"] = {k: d[k] for k in d if isinstance(d[k], (int, float, bool, dict, list))
                       and k not in ("synaptic_elements",)}
    out["recordables"] = [str(r) for r in d["recordables"]]
    out["node_keys"] = sorted(nest.GetDefaults("parrot_neuron"))
    for b in inp["bad"]:
        nest.ResetKernel()
        n = nest.Create(m)
        try:
            n.set(b)
            out["errors"].append(None)
        except Exception as e:
            out["errors"].append([type(e).__name__, str(e)])
    for src in ("spike_generator", "dc_generator"):
        for r in range(11):
            nest.ResetKernel()
            try:
                nest.Connect(nest.Create(src), nest.Create(m), syn_spec={"receptor_type": r})
                out["receptors"][f"{src}{r}"] = None
            except Exception as e:
                out["receptors"][f"{src}{r}"] = [type(e).__name__, str(e)]
    for s in inp["scenarios"]:
        nest.ResetKernel()
        nest.resolution = s["h"]
        rec = []
        for nd in s["neurons"]:
            n = nest.Create(m, params=nd["params"])
            for times, w, delay, r in nd["spikes"]:
                g = nest.Create("spike_generator", params={"spike_times": times})
                nest.Connect(g, n, syn_spec={"weight": w, "delay": delay, "receptor_type": r})
            for amp, start, stop, delay, r in nd["currents"]:
                g = nest.Create("dc_generator", params={"amplitude": amp, "start": start,
                                                        "stop": stop})
                nest.Connect(g, n, syn_spec={"delay": delay, "receptor_type": r})
            sr = nest.Create("spike_recorder")
            nest.Connect(n, sr)
            mm = nest.Create("multimeter", params={"interval": s["h"],
                                                   "record_from": out["recordables"]})
            nest.Connect(mm, n)
            rec.append((sr, mm))
        nest.Simulate(s["T"])
        res = []
        for sr, mm in rec:
            ev = mm.events
            r = {"spikes": [float(t) for t in sr.events["times"]],
                 "times": [float(t) for t in ev["times"]]}
            r.update({k: [float(v) for v in ev[k]] for k in out["recordables"]})
            res.append(r)
        out["runs"].append(res)
    json.dump(out, open(sys.argv[2], "w"))
""")


def _scenarios():
    rng = np.random.default_rng(23)

    def neuron(params, h, T, w=(3.0, 4.0, 2.0, 3.0, 4.0, 2.0), rate=150.0, currents=()):
        spikes = [[train(rng, 1.0, T - 5.0, rate, h), w[r], 1.0 + 0.5 * (r % 3), r + 1]
                  for r in range(6)]
        spikes.append([[20.0, 20.0, 150.0], 5.0, 1.0, 5])  # two spikes in one step (distal)
        spikes.append([[60.0, 61.0], -2.0, 1.0, 2])  # negative weight: negative conductance
        return {"params": params, "spikes": spikes, "currents": [list(c) for c in currents]}

    sc = []
    for h in (0.1, 0.25):
        T = 300.0
        sc.append({"h": h, "T": T, "neurons": [
            neuron({}, h, T, currents=[(300.0, 10.0, 120.0, 1.0, 7), (-100.0, 50.0, 90.0, 1.5, 8),
                                       (400.0, 150.0, 260.0, 0.5, 9)]),
            # mc_neuron example's parameters
            neuron({"V_th": -60.0, "V_reset": -65.0, "t_ref": 10.0, "g_sp": 5.0,
                    "soma": {"g_L": 12.0, "I_e": 150.0},
                    "proximal": {"tau_syn_ex": 1.0, "tau_syn_in": 5.0},
                    "distal": {"C_m": 90.0}}, h, T,
                   currents=[(100.0, 20.0, 250.0, 1.0, 9)]),
            # strong dendritic drive through refractory periods (t_ref not a multiple of h)
            neuron({"t_ref": 2.35, "g_pd": 3.0, "V_th": -58.0,
                    "soma": {"E_L": -65.0, "V_m": -60.0, "E_in": -75.0},
                    "proximal": {"g_L": 3.0, "E_ex": 5.0, "I_e": 200.0, "V_m": -62.0},
                    "distal": {"tau_syn_ex": 2.0, "E_L": -60.0, "I_e": 300.0}},
                   h, T, w=(8.0, 2.0, 10.0, 2.0, 15.0, 3.0), rate=250.0),
        ]})
    return sc


_BAD = [{"V_reset": -50.0}, {"t_ref": -1.0}, {"soma": {"C_m": 0.0}},
        {"proximal": {"C_m": -1.0}}, {"distal": {"tau_syn_ex": 0.0}},
        {"soma": {"tau_syn_in": -1.0}}, {"distal": {"C_m": 0.0}, "soma": {"tau_syn_ex": 0.0}},
        {"V_reset": -50.0, "t_ref": -1.0}, {"distal": {"foo": 1.0}},
        {"soma": {"g_L": -1.0, "E_L": 10.0}, "g_sp": -3.0}]


@pytest.fixture(scope="module")
def nest_results(tmp_path_factory):
    pytest.importorskip("nest")
    d = tmp_path_factory.mktemp("nest_mc")
    scen = _scenarios()
    (d / "in.json").write_text(json.dumps({"model": NAME, "scenarios": scen, "bad": _BAD}))
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", NEST_SCRIPT, str(d / "in.json"),
                           str(d / "out.json")], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return scen, json.loads((d / "out.json").read_text())


def _flat(nested):
    return {**M.params, **M.state, **mc.from_nest(nested)}


def simulate(scenario):
    """Drive ``update`` with lax.scan; spikes into the six channels, currents as (3, n)."""
    h, T = scenario["h"], scenario["T"]
    n_steps = int(round(T / h))
    neurons = scenario["neurons"]
    n = len(neurons)
    flat = [_flat(nd["params"]) for nd in neurons]
    params = {k: np.array([float(f[k]) for f in flat]) for k in M.params}
    M.check(params)
    state = {k: jnp.asarray([float(f[k]) for f in flat]) for k in M.state}
    state.update({k: jnp.full(n, float(v)) for k, v in M.hidden.items()})
    x = np.zeros((n_steps, M.n_channels, n))
    i_stim = np.zeros((n_steps, 3, n))
    for j, nd in enumerate(neurons):
        for times, w, delay, r in nd["spikes"]:
            ch = int(M.channel(np.array([w]), np.array([r]))[0])
            for t in times:
                s = int(round(t / h)) - 1 + int(round(delay / h))
                if s < n_steps:
                    x[s, ch, j] += w
        for amp, start, stop, delay, r in nd["currents"]:
            D = int(round(delay / h))
            for e in range(max(int(round(start / h)) - 1, 0), int(round(stop / h)) - 1):
                if e + D < n_steps:
                    i_stim[e + D, int(M.current_channel(np.array([r]))[0]), j] += amp

    @jax.jit
    def scan(params, state, x, i_stim):
        props = M.propagators(params, h)

        def step(st, inp):
            new, spk = M.update(params, props, st, inp[0], inp[1], h)
            return new, ({k: new[k] for k in M.recordables}, spk)

        return lax.scan(step, state, (x, i_stim))[1]

    rec, spikes = scan({k: jnp.asarray(v) for k, v in params.items()}, state, jnp.asarray(x),
                       jnp.asarray(i_stim))
    return {k: np.asarray(v) for k, v in rec.items()}, np.asarray(spikes)


@pytest.mark.parametrize("idx", range(len(_scenarios())), ids=lambda i: f"scenario{i}")
def test_matches_nest(nest_results, idx):
    scen, out = nest_results
    scenario = scen[idx]
    h = scenario["h"]
    worst = {}
    rec, spikes = simulate(scenario)
    for j, nr in enumerate(out["runs"][idx]):
        mine = spike_times(spikes[:, j], h)
        theirs = np.round(np.array(sorted(nr["spikes"])), 9)
        assert mine.tolist() == theirs.tolist(), (j, mine[:10], theirs[:10])
        steps = np.rint(np.array(nr["times"]) / h).astype(int) - 1
        assert steps.tolist() == list(range(len(steps))) and len(steps) >= len(rec["V_m.s"]) - 10
        for k in M.recordables:
            ref = np.array(nr[k])
            dev = np.abs(rec[k][steps, j] - ref)
            if not k.startswith("V_m"):
                dev = dev / np.maximum(np.abs(ref), 1.0)
            worst[k] = max(worst.get(k, 0.0), float(dev.max()))
        assert spikes[:, j].sum() >= 3, (j, spikes[:, j].sum())
    assert all(worst[k] <= TOL_V for k in worst if k.startswith("V_m")), worst
    assert all(v <= TOL_REL for k, v in worst.items() if not k.startswith("V_m")), worst
    print(NAME, h, {k: f"{v:.2e}" for k, v in worst.items()}, "spikes",
          spikes.sum(axis=0).tolist())


def test_defaults_match_nest(nest_results):
    """Flat defaults shown as NEST shows them (compartment dicts), bit for bit; recordables
    and receptor_types as NEST lists them; no NEST key missing."""
    _, out = nest_results
    nd = out["defaults"]
    mine = mc.to_nest({**M.params, **M.state})
    for k, v in mine.items():
        assert nd[k] == v, (k, nd[k], v)
    node = set(out["node_keys"]) - {"flush_event_send_interval"}
    assert set(nd) - node - {"recordables", "receptor_types"} == set(mine) - node
    assert list(M.recordables) == out["recordables"]
    assert dict(M.receptor_types) == nd["receptor_types"]
    assert M.from_nest(M.to_nest({**M.params, **M.state})) == {**M.params, **M.state}


def test_error_messages_match_nest(nest_results):
    _, out = nest_results
    for b, expect in zip(_BAD, out["errors"]):
        params = {k: np.array([float(v)]) for k, v in _flat(b).items() if k in M.params}
        if expect is None:
            M.check(params)
            continue
        assert expect[0] == "BadProperty", expect
        with pytest.raises(errors.BadProperty) as ei:
            M.check(params)
        assert expect[1].endswith(str(ei.value)), (b, expect[1], str(ei.value))
    with pytest.raises(errors.TypeMismatch, match="Failed to cast 'soma'"):
        mc.from_nest({"soma": 3.0})


def test_receptors(nest_results):
    """Spike receptors 1..6 are channels 0..5, current receptors 7..9 rows 0..2 of i_stim;
    every other combination raises NEST's error class and message."""
    _, out = nest_results
    for src in ("spike_generator", "dc_generator"):
        pick = M.channel if src == "spike_generator" else \
            (lambda w, r: M.current_channel(r))
        for r in range(11):
            expect = out["receptors"][f"{src}{r}"]
            if expect is None:
                first = 1 if src == "spike_generator" else 7
                assert int(pick(np.ones(1), np.array([r]))[0]) == r - first
                continue
            with pytest.raises(getattr(errors, expect[0])) as ei:
                pick(np.ones(1), np.array([r]))
            assert expect[1] == str(ei.value), (src, r)
