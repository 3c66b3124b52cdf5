"""A variant of ``_nest_driver`` for models with list-valued parameters (receptor ports,
after-spike currents, adaptation kernels): NEST's side records each neuron's own recordables
(``g_1`` ... differ per neuron) and reports list-valued defaults and status; jaxnest's side
lays the parameters out as the kernel does ((width, n) arrays, ports padded to the group's
channel count) and drives ``update`` with ``lax.scan`` at NEST's arrival steps.

A scenario is ``{"model", "h", "T", "neurons": [...], "status": [keys], "seed",
"record"}`` (``record`` False: spikes only); a neuron is
``{"params", "spikes": [[times, weight, delay, receptor], ...], "dc": [[amp, start, stop,
delay], ...]}``. ``status`` names keys read from every neuron after the simulation.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np

import jax
import jax.numpy as jnp
from jax import lax

from jaxnest import errors
from jaxnest.streams import NEURONS, Draws, key_of

jax.config.update("jax_enable_x64", True)

NEST_SCRIPT = textwrap.dedent(r"""
    import json, sys
    import numpy as np
    import nest
    nest.set_verbosity("M_ERROR")
    inp = json.load(open(sys.argv[1]))
    def plain(v):
        if isinstance(v, np.ndarray):
            return v.tolist()
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, np.generic):
            return v.item()
        return None
    out = {"runs": [], "defaults": {}, "errors": {}, "node_keys": []}
    out["node_keys"] = sorted(nest.GetDefaults("parrot_neuron"))
    for m in inp["models"]:
        d = nest.GetDefaults(m)
        out["defaults"][m] = {k: plain(d[k]) for k in d if plain(d[k]) is not None}
    def attempt(m, b):
        nest.ResetKernel()
        n = nest.Create(m)
        try:
            n.set(b)
            return None
        except Exception as e:
            return [type(e).__name__, str(e)]
    for m in inp["models"]:
        out["errors"][m] = [attempt(m, b) for b in inp["bad"]]
    for s in inp["scenarios"]:
        nest.ResetKernel()
        nest.resolution = s["h"]
        nest.rng_seed = s.get("seed", 1)
        rec = []
        for nd in s["neurons"]:
            n = nest.Create(s["model"], params=nd["params"])
            for times, w, delay, receptor in nd["spikes"]:
                g = nest.Create("spike_generator", params={"spike_times": times})
                nest.Connect(g, n, syn_spec={"weight": w, "delay": delay,
                                             "receptor_type": receptor})
            for amp, start, stop, delay in nd["dc"]:
                g = nest.Create("dc_generator",
                                params={"amplitude": amp, "start": start, "stop": stop})
                nest.Connect(g, n, syn_spec={"delay": delay})
            sr = nest.Create("spike_recorder")
            nest.Connect(n, sr)
            keys = [str(r) for r in n.get("recordables")] if s.get("record", True) else []
            if keys:
                mm = nest.Create("multimeter", params={"interval": s["h"],
                                                       "record_from": keys})
                nest.Connect(mm, n)
            rec.append((n, sr, mm, keys))
        nest.Simulate(s["T"])
        res = []
        for n, sr, mm, keys in rec:
            ev = mm.events if keys else {"times": []}
            r = {"spikes": [float(t) for t in sr.events["times"]],
                 "times": [float(t) for t in ev["times"]], "recordables": keys,
                 "status": {k: plain(n.get(k)) for k in s.get("status", [])}}
            for k in keys:
                r[k] = [float(v) for v in ev[k]]
            res.append(r)
        out["runs"].append(res)
    json.dump(out, open(sys.argv[2], "w"))
""")


def run_nest(tmp_path_factory, tag: str, scenarios: list, models, bad=()) -> dict:
    """All scenarios in one NEST subprocess; also defaults (lists included) of ``models`` and
    NEST's answer to SetStatus with each ``bad`` dict (None, or [class, message])."""
    d = tmp_path_factory.mktemp(tag)
    inp = {"scenarios": scenarios, "bad": list(bad), "models": list(models)}
    (d / "in.json").write_text(json.dumps(inp))
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", NEST_SCRIPT, str(d / "in.json"),
                           str(d / "out.json")], capture_output=True, text=True, env=env,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((d / "out.json").read_text())


# --------------------------------------------------------------------------------------------
# jaxnest side
# --------------------------------------------------------------------------------------------


def _value(nd, k, default):
    return nd["params"].get(k, default)


def layout(model, neurons):
    """Host parameters as the kernel stores them ((n,) scalars, (n, width) NaN-padded vectors)
    and the group's channel count."""
    from jaxnest.kernel.network import pad_rows
    params = {}
    for k, v in model.params.items():
        vals = [_value(nd, k, v) for nd in neurons]
        params[k] = pad_rows(vals) if k in model.vector_params else np.array(vals, float)
    return params, model.channel_count(params)


def kernel_params(model, params, C):
    """(n, width) NaN-padded vectors -> (width, n) with the model's padding (ports: width C)."""
    out = {}
    for k, v in params.items():
        if k in model.vector_params:
            pad = model.vector_params[k]
            width = C if k in model.ports() else v.shape[1]
            v = np.where(np.isnan(v), pad, v)
            if v.shape[1] < width:
                v = np.concatenate([v, np.full((v.shape[0], width - v.shape[1]), pad)], 1)
            out[k] = jnp.asarray(np.ascontiguousarray(v[:, :width].T))
        else:
            out[k] = jnp.asarray(v)
    return out


def initial_state(model, neurons, C, widths=None):
    """Initial state; vector hidden states get ``widths[k]`` rows (the model's
    hidden_widths), C rows otherwise."""
    n = len(neurons)
    widths = widths or {}
    state = {k: jnp.asarray([float(_value(nd, k, v)) for nd in neurons])
             for k, v in model.state.items()}
    for k, v in model.hidden.items():
        shape = (widths.get(k, C), n) if k in model.vector_hidden else (n,)
        state[k] = jnp.full(shape, float(v))
    return state


def inputs(model, scenario, C):
    """Per-step spike input x (steps, C, n) and current i_stim (steps, n), NEST's arrival
    steps (see _nest_driver)."""
    h, T = scenario["h"], scenario["T"]
    n_steps = int(round(T / h))
    neurons = scenario["neurons"]
    x = np.zeros((n_steps, C, len(neurons)))
    i_stim = np.zeros((n_steps, len(neurons)))
    for j, nd in enumerate(neurons):
        for times, w, delay, receptor in nd["spikes"]:
            ch = int(model.channel(np.array([w]), np.array([receptor]))[0])
            for t in times:
                s = int(round(t / h)) - 1 + int(round(delay / h))
                if s < n_steps:
                    x[s, ch, j] += w
        for amp, start, stop, delay in nd["dc"]:
            e0, e1 = max(int(round(start / h)) - 1, 0), int(round(stop / h)) - 2
            for e in range(e0, e1 + 1):
                if e + int(round(delay / h)) < n_steps:
                    i_stim[e + int(round(delay / h)), j] += amp
    return x, i_stim


def simulate(model, scenario, recordables, seed=0, draws=None):
    """Drive ``update`` over the scenario; returns {recordable: (steps, n)} for the union of
    the neurons' recordables (absent rows are NaN) and the spike counts (steps, n).
    ``draws(step, n)``: the random numbers of a step (default: the kernel's streams)."""
    h = scenario["h"]
    host, C = layout(model, scenario["neurons"])
    model.check(host)
    params = kernel_params(model, host, C)
    state = initial_state(model, scenario["neurons"], C, model.hidden_widths(host, h))
    x, i_stim = inputs(model, scenario, C)
    names = sorted(set().union(*recordables))
    n = len(scenario["neurons"])

    def sample(st, name):
        src, row = model.sample_source(name)
        v = st[src]
        if row is None:
            return v
        return v[row] if row < v.shape[0] else jnp.full((n,), jnp.nan)

    @jax.jit
    def scan(params, state, x, i_stim):
        props = model.propagators(params, h)

        def step(st, inp):
            xs, ist, s = inp
            cur = ist
            if len(model.current_receptors) > 1:
                cur = jnp.zeros((len(model.current_receptors), n)).at[0].set(ist)
            rand = (Draws(jnp.uint64(key_of(seed, NEURONS)), s, 0, n, n) if draws is None
                    else draws(s, n))
            kw = {"rand": rand} if model.random else {}
            new, spk = model.update(params, props, st, xs, cur, h, **kw)
            return new, ({k: sample(new, k) for k in names}, spk)

        return lax.scan(step, state, (x, i_stim, jnp.arange(x.shape[0])))

    final, (rec, spikes) = scan(params, state, jnp.asarray(x), jnp.asarray(i_stim))
    return {k: np.asarray(v) for k, v in rec.items()}, np.asarray(spikes), final


def spike_times(counts, h):
    steps = np.repeat(np.arange(counts.size), np.rint(counts).astype(int))
    return np.round((steps + 1) * h, 9)


def compare_run(model, scenario, nest_runs, tol_v, tol_rel, seed=0):
    """Spike times identical, each neuron's recordables within ``tol_v`` (mV, V_m) or
    ``tol_rel`` (relative to max(1, |x|)); returns the worst deviation per recordable."""
    h = scenario["h"]
    rec, spikes, _ = simulate(model, scenario, [r["recordables"] for r in nest_runs], seed)
    worst = {}
    for j, nr in enumerate(nest_runs):
        mine = spike_times(spikes[:, j], h)
        theirs = np.round(np.array(sorted(nr["spikes"])), 9)
        assert mine.tolist() == theirs.tolist(), (scenario["model"], j, mine[:8], theirs[:8])
        steps = np.rint(np.array(nr["times"]) / h).astype(int) - 1
        for k in nr["recordables"]:
            ref, got = np.array(nr[k]), rec[k][steps, j]
            dev = np.abs(got - ref)
            if k != "V_m":
                dev = dev / np.maximum(np.abs(ref), 1.0)
            worst[k] = max(worst.get(k, 0.0), float(np.max(dev, initial=0.0)))
    for k, v in worst.items():
        assert v <= (tol_v if k == "V_m" else tol_rel), (scenario["model"], k, v)
    return worst, spikes


def check_errors(model, bad: list, expected: list, skip=()):
    """``model.check`` accepts what NEST accepts and raises BadProperty with NEST's message
    otherwise (``skip``: indices of cases it cannot decide, e.g. state keys)."""
    import pytest
    for i, (b, expect) in enumerate(zip(bad, expected)):
        if i in skip:
            continue
        host, _ = layout(model, [{"params": b}])
        if expect is None:
            model.check(host)
            continue
        assert expect[0] == "BadProperty", (b, expect)
        with pytest.raises(errors.BadProperty) as ei:
            model.check(host)
        assert expect[1].endswith(str(ei.value)), (b, expect[1], str(ei.value))


def check_defaults(model, out: dict, extra_state=(), not_in_nest=()):
    """Every parameter and public state default is NEST's (lists included); NEST's other
    model keys are node-level keys, ``recordables`` or ``extra_state`` (keys jaxnest does not
    keep as public state); ``not_in_nest``: jaxnest keys NEST's model lacks."""
    nd = out["defaults"][model.name]
    for k, v in {**model.params, **model.state}.items():
        if k in not_in_nest:
            assert k not in nd, k
            continue
        assert k in nd, k
        if isinstance(v, tuple):
            assert list(v) == nd[k], (k, v, nd[k])
        else:
            assert nd[k] == v and type(nd[k]) in (type(v), float), (k, nd[k], v)
    assert list(model.default_recordables(model.params)) == nd["recordables"]
    known = set(model.params) | set(model.state) | set(out["node_keys"]) | {"recordables"}
    extras = model.status_extras({**model.params}, False) if model.ports() else {}
    assert set(nd) - known - set(extras) <= set(extra_state), set(nd) - known - set(extras)
    assert not set(model.hidden) & set(nd), "hidden names must not shadow NEST keys"
