"""What the model tests share: one real-NEST subprocess that simulates every scenario, and a
``lax.scan`` driver that feeds a model's ``update`` the same inputs at NEST's arrival steps.

A scenario is ``{"model", "h", "T", "neurons": [...]}``, one NEST kernel; each neuron is
``{"params", "spikes": [[times, weight, delay(, receptor)], ...], "dc": [[amp, start, stop,
delay], ...]}``. NEST conventions the driver reproduces:

- a spike_generator spike at time t over a connection of delay d is read by its target in step
  ``round(t/h) - 1 + round(d/h)`` (the generator emits it in step round(t/h) - 1, the step whose
  end is t; delivery adds the delay in steps);
- a dc_generator (start, stop, delay d) sends in the steps e with start < (e + 2) h <= stop
  (NEST shifts current generators by 2 steps in ``StimulationDevice::is_active``), i.e.
  e = round(start/h) - 1 ... round(stop/h) - 2, clipped at 0; the target reads it in step
  e + round(d/h);
- a multimeter sample stamped (s + 1) h (interval = h) shows the state after the update of
  step s; a spike emitted in step s is stamped (s + 1) h.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import jax
import jax.numpy as jnp
from jax import lax

from jaxnest import errors
from jaxnest.streams import NEURONS, Draws, key_of

jax.config.update("jax_enable_x64", True)

# --------------------------------------------------------------------------------------------
# NEST subprocess
# --------------------------------------------------------------------------------------------

NEST_SCRIPT = textwrap.dedent(r"""
    import json, sys
    import nest
    nest.set_verbosity("M_ERROR")
    inp = json.load(open(sys.argv[1]))
    scen, bad, bad_state, models = inp["scenarios"], inp["bad"], inp["bad_state"], inp["models"]
    out = {"runs": [], "defaults": {}, "errors": {}, "state_errors": {}, "receptor": {}}
    for m in models + [x for x in ["parrot_neuron"] if x not in models]:
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
        recordables = [str(r) for r in nest.GetDefaults(s["model"]).get("recordables", [])]
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


def run_nest(tmp_path_factory, tag: str, scenarios: list, models, bad=(), bad_state=()) -> dict:
    """Run every scenario under NEST in one subprocess; also NEST's defaults of ``models`` (and
    parrot_neuron, for the node-level keys), what it says to each ``bad`` parameter dict and
    ``bad_state`` state dict ("skip" for keys a model lacks, None when accepted, else [error
    class, message]) and to a connection with receptor_type 1."""
    d = tmp_path_factory.mktemp(tag)
    inp = {"scenarios": scenarios, "bad": list(bad), "bad_state": list(bad_state),
           "models": list(models)}
    (d / "in.json").write_text(json.dumps(inp))
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", NEST_SCRIPT, str(d / "in.json"), str(d / "out.json")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((d / "out.json").read_text())


# --------------------------------------------------------------------------------------------
# jaxnest driver
# --------------------------------------------------------------------------------------------


def train(rng, t0, t1, rate, h):
    """Grid-aligned Poisson-like spike times in [t0, t1) (ms), as a sorted list."""
    n = rng.poisson(rate * (t1 - t0) / 1000.0)
    steps = np.unique(rng.integers(int(round(t0 / h)), int(round(t1 / h)), n))
    return [round(float(s) * h, 6) for s in steps]


def inputs(model, scenario):
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


def initial(model, neurons):
    """Parameters (numpy) and state (jax, hidden state included) of the scenario's neurons."""
    params = {k: np.array([float(nd["params"].get(k, v)) for nd in neurons]) for k, v in model.params.items()}
    state = {k: jnp.asarray([float(nd["params"].get(k, v)) for nd in neurons]) for k, v in model.state.items()}
    state.update({k: jnp.full(len(neurons), float(v)) for k, v in model.hidden.items()})
    return params, state


def call_update(m, params, props, state, x, i_stim, h, step=0):
    """``m.update`` as the kernel calls it: the current input on every current channel (zeros
    beyond the first when ``i_stim`` has one), and a step's random draws for random models."""
    n = x.shape[-1]
    if len(m.current_receptors) > 1 and jnp.ndim(i_stim) == 1:
        i_stim = jnp.zeros((len(m.current_receptors), n), jnp.asarray(i_stim).dtype).at[0].set(i_stim)
    kw = {"rand": Draws(jnp.uint64(key_of(0, NEURONS)), step, 0, n, n)} if m.random else {}
    return m.update(params, props, state, x, i_stim, h, **kw)


def simulate(model, scenario):
    """Drive ``model.update`` with lax.scan; return recordables (steps, n) and spike counts."""
    h = scenario["h"]
    params, state = initial(model, scenario["neurons"])
    model.check(params)
    x, i_stim = inputs(model, scenario)

    @jax.jit
    def scan(params, state, x, i_stim):
        props = model.propagators(params, h)  # traced, as the kernel calls it

        def step(st, inp):
            xs, ist, s = inp
            new, spk = call_update(model, params, props, st, xs, ist, h, s)
            return new, ({k: new[k] for k in model.recordables}, spk)

        return lax.scan(step, state, (x, i_stim, jnp.arange(x.shape[0])))[1]

    jparams = {k: jnp.asarray(v) for k, v in params.items()}
    rec, spikes = scan(jparams, state, jnp.asarray(x), jnp.asarray(i_stim))
    return {k: np.asarray(v) for k, v in rec.items()}, np.asarray(spikes)


def run_fori(m, params, state, n_steps, h=0.1):
    """``n_steps`` updates of n neurons without input in a jitted ``fori_loop`` (as the kernel
    runs them); returns the final state and each neuron's spike count."""
    n = len(next(iter(params.values())))

    @jax.jit
    def loop(params, state):
        props = m.propagators(params, h)

        def body(i, c):
            st, cnt = c
            st, spk = call_update(m, params, props, st, jnp.zeros((2, n)), jnp.zeros(n), h, i)
            return st, cnt + spk

        return lax.fori_loop(0, n_steps, body, (state, jnp.zeros(n)))

    return loop(params, state)


def spike_times(counts, h):
    """Spike times (multiplicity repeated) of one neuron: step s -> (s + 1) h."""
    steps = np.repeat(np.arange(counts.size), counts.astype(int))
    return np.round((steps + 1) * h, 9)


# --------------------------------------------------------------------------------------------
# checks against NEST's defaults and error messages
# --------------------------------------------------------------------------------------------


def check_defaults(m, out: dict, name: str, ordered_recordables: bool = True) -> None:
    """The model's parameters and state are NEST's defaults, bit for bit; its recordables are
    NEST's (in NEST's order unless ``ordered_recordables`` is False); hidden state does not
    shadow a NEST key; every model-specific NEST key is a parameter or public state."""
    nd = out["defaults"][name]
    for k, v in {**m.params, **m.state}.items():
        assert k in nd, k
        assert nd[k] == v, (k, nd[k], v)
    if ordered_recordables:
        assert list(m.recordables) == nd["recordables"]
    else:
        assert sorted(m.recordables) == sorted(nd["recordables"])
    assert not set(m.hidden) & set(nd), "hidden names must not shadow NEST keys"
    node_level = set(out["defaults"]["parrot_neuron"]) - {"flush_event_send_interval"}
    assert set(nd) - node_level - {"recordables"} <= set(m.params) | set(m.state), \
        set(nd) - node_level - set(m.params) - set(m.state)


def update_defaults(m):
    """One update of a default neuron without input; checks that the recordables are keys of
    the state it returns, and that it returns exactly the public and hidden state."""
    params, state = initial(m, [{"params": {}}])
    new, spk = call_update(m, params, m.propagators(params, 0.1), state, jnp.zeros((2, 1)),
                           jnp.zeros(1), 0.1)
    assert set(m.recordables) <= set(new) and set(new) == set(m.state) | set(m.hidden)
    return new, spk


def check_param_errors(m, bad: list, expected: list, allow_skip: bool = True,
                       skip=None) -> None:
    """``m.check`` accepts what NEST accepts and raises BadProperty with NEST's message
    otherwise. "skip" (keys NEST's model lacks) is passed over only with ``allow_skip``;
    ``skip(b)`` passes over other parameter dicts."""
    for b, expect in zip(bad, expected):
        if skip is not None and skip(b):
            continue
        if expect == "skip":
            assert allow_skip, b
            continue
        params = {k: np.array([float(b.get(k, v))]) for k, v in m.params.items()}
        if expect is None:
            m.check(params)
            continue
        assert expect[0] == "BadProperty", expect
        with pytest.raises(errors.BadProperty) as ei:
            m.check(params)
        assert expect[1].endswith(str(ei.value)), (b, expect[1], str(ei.value))


def check_state_errors(m, bad_state: list, expected: list, allow_skip: bool = True) -> None:
    """Setting state: ``on_set`` and ``check`` accept what NEST accepts; otherwise ``on_set``
    raises BadProperty with NEST's message and ``check`` raises BadProperty."""
    for b, expect in zip(bad_state, expected):
        if expect == "skip":
            assert allow_skip, b
            continue
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


def check_receptor(m, out: dict, name: str) -> None:
    """A connection to receptor 1 fails with NEST's error class and message."""
    kind, msg = out["receptor"][name]
    with pytest.raises(getattr(errors, kind)) as ei:
        m.channel(np.array([1.0]), np.array([1]))
    assert msg.endswith(str(ei.value)), (msg, str(ei.value))
