"""Binary neuron scenarios, run under NEST and jaxnest (``run(nest)`` per function, one
process each; see test_binary.py).

Deterministic networks use mcculloch_pitts neurons with tau_m = 0.001 ms: the first update
time rounds to a tic or two, so every step from step 1 on updates the neuron and S follows
h + I > theta exactly. Drives: noise_generator with std 0 (a constant current in a window) and
inhibitory autapses (w = -2, theta = -1: up, down after the delay, up again: an oscillator).
"""
import numpy as np

FAST = {"tau_m": 0.001}


def _traces(out, prefix, mm, nodes):
    ev = mm.get("events")
    for k in ("senders", "times", "S", "h"):
        out[f"{prefix}_mm_{k}"] = np.asarray(ev[k], float)


def _spikes(out, prefix, rec, keys=("senders", "times")):
    ev = rec.get("events")
    for k in keys:
        out[f"{prefix}_{k}"] = np.asarray(ev[k], float)


def current_driven(nest):
    """Binary neurons on current input only (noise_generator, std 0): S, h, transitions as
    spikes (spike_recorder) and as states (spin_detector), status, over two Simulate calls."""
    nest.ResetKernel()
    nest.resolution = 0.1
    n = nest.Create("mcculloch_pitts_neuron", 4, params=FAST)
    n[1].theta = 0.7
    n[2].theta = -0.5
    n[3].theta = 1.5
    g = nest.Create("noise_generator", 3, params={"std": 0.0})
    g[0].set(mean=1.0, start=5.0, stop=15.0)
    g[1].set(mean=-1.0, start=8.0, stop=30.0)
    g[2].set(mean=2.0, start=20.0, stop=25.0)
    nest.Connect(g[0], n)
    nest.Connect(g[1], n[2:])
    nest.Connect(g[2], n[1:], syn_spec={"delay": 2.0})
    mm = nest.Create("multimeter", params={"record_from": ["S", "h"], "interval": 0.1})
    nest.Connect(mm, n)
    sr, sd = nest.Create("spike_recorder"), nest.Create("spin_detector")
    nest.Connect(n, sr)
    nest.Connect(n, sd)
    out = {}
    nest.Simulate(17.3)
    out["mid_S"] = np.asarray(n.get("S"), float)
    nest.Simulate(22.7)
    out["end_S"] = np.asarray(n.get("S"), float)
    _traces(out, "cur", mm, n)
    _spikes(out, "sr", sr)
    _spikes(out, "sd", sd, ("senders", "times", "state"))
    out["sd_n_events"] = np.asarray(sd.n_events)
    return out


def network(nest):
    """Binary neurons driving binary neurons (needs the kernel's signed rows): autapse
    oscillators, feed-forward targets of several weights and delays, a theta change between
    two runs; traces, spike_recorder and spin_detector (several down transitions in one slice:
    NEST's decoder drops every second one)."""
    nest.ResetKernel()
    nest.resolution = 0.1
    osc = nest.Create("mcculloch_pitts_neuron", 4, params={**FAST, "theta": -1.0})
    for i, (o, d) in enumerate(zip(osc, (1.0, 1.0, 1.0, 1.7))):
        nest.Connect(o, o, syn_spec={"weight": -2.0, "delay": d})
    tgt = nest.Create("mcculloch_pitts_neuron", 3, params={**FAST, "theta": 0.5})
    nest.Connect(osc[0], tgt, syn_spec={"weight": 1.0, "delay": 0.5})
    nest.Connect(osc[3], tgt[1:], syn_spec={"weight": -0.8, "delay": 2.3})
    nest.Connect(osc[1], tgt[2], syn_spec={"weight": 0.6, "delay": 0.1})
    nest.Connect(tgt[0], tgt[2], syn_spec={"weight": 0.3, "delay": 1.1})
    mm = nest.Create("multimeter", params={"record_from": ["S", "h"], "interval": 0.1})
    nest.Connect(mm, osc + tgt)
    sr, sd = nest.Create("spike_recorder"), nest.Create("spin_detector", params={"start": 2.0})
    nest.Connect(osc + tgt, sr)
    nest.Connect(osc + tgt, sd)
    nest.Simulate(12.0)
    tgt[1].theta = -0.5
    nest.Simulate(13.0)
    out = {"h_end": np.asarray((osc + tgt).get("h"), float)}
    _traces(out, "net", mm, osc + tgt)
    _spikes(out, "sr", sr)
    _spikes(out, "sd", sd, ("senders", "times", "state"))
    return out


def spike_sources(nest, n_wide=1):
    """Spikes into binary neurons (NEST decodes n unit spikes of a sender in a step as
    (2 n - 3) w): spike_generators with 1 to 4 spikes in a step, one of multiplicity 2, two
    generators at one time, parrots relaying 1, 2, 3 and 4 spikes, mixed with a binary
    oscillator's transitions into the same targets; ``n_wide`` targets of one generator (many:
    the kernel's long-segment delivery path)."""
    nest.ResetKernel()
    nest.resolution = 0.1
    tgt = nest.Create("mcculloch_pitts_neuron", 6, params={**FAST, "theta": 0.5})
    sg = nest.Create("spike_generator", 5)
    sg[0].spike_times = [1.0, 3.0, 3.0, 5.0, 5.0, 5.0, 8.0, 8.0, 8.0, 8.0, 12.5]
    sg[1].set(spike_times=[2.0, 4.0, 6.1], spike_multiplicities=[2, 1, 2])
    sg[2].spike_times = [2.0, 7.0, 7.0]
    sg[3].spike_times = [2.0, 9.0]
    sg[4].set(spike_times=[1.5, 4.5, 6.5, 9.5], spike_multiplicities=[1, 2, 3, 4])
    parrot = nest.Create("parrot_neuron")
    nest.Connect(sg[4], parrot)
    osc = nest.Create("mcculloch_pitts_neuron", params={**FAST, "theta": -1.0})
    nest.Connect(osc, osc, syn_spec={"weight": -2.0, "delay": 1.3})
    nest.Connect(sg[0], tgt[0], syn_spec={"weight": 0.7})
    nest.Connect(sg[1], tgt[1], syn_spec={"weight": -0.4, "delay": 0.3})
    nest.Connect(sg[2:4], tgt[2], syn_spec={"weight": 0.9, "delay": 2.0})
    nest.Connect(parrot, tgt[3], syn_spec={"weight": 1.1, "delay": 0.5})
    nest.Connect(sg[0], tgt[4], syn_spec={"weight": -0.3})
    nest.Connect(osc, tgt[4:], syn_spec={"weight": 0.8, "delay": 0.4})
    nest.Connect(parrot, tgt[5], syn_spec={"weight": 0.25})
    wide = nest.Create("erfc_neuron", n_wide, params={"tau_m": 1e9})
    nest.Connect(sg[0], wide, syn_spec={"weight": np.linspace(-1.0, 1.0, n_wide)[:, None]})
    mm = nest.Create("multimeter", params={"record_from": ["S", "h"], "interval": 0.1})
    nest.Connect(mm, tgt)
    sr = nest.Create("spike_recorder")
    nest.Connect(tgt, sr)
    nest.Simulate(8.1)
    nest.Simulate(7.0)
    out = {"wide_h": np.asarray(wide.get("h"), float).ravel(),
           "wide_w": np.asarray(nest.GetConnections(sg[0], wide).get("weight"), float)}
    _traces(out, "spk", mm, tgt)
    _spikes(out, "sr", sr)
    return out


def first_updates(nest, n=2000, seed=1):
    """Update times: 2000 neurons with theta = -1 go up at their first update (stamp of the
    first step whose start lies after an exponential time of mean tau_m)."""
    nest.ResetKernel()
    nest.rng_seed = seed
    nest.resolution = 0.1
    a = nest.Create("mcculloch_pitts_neuron", n, params={"theta": -1.0, "tau_m": 3.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(a, sr)
    nest.Simulate(60.0)
    ev = sr.get("events")
    return {"senders": np.asarray(ev["senders"], float), "times": np.asarray(ev["times"])}


def stochastic(nest, seed=1):
    """Transitions of ginzburg neurons with p(up) = 0.5 and of erfc neurons at several
    (theta, sigma): counts of up and down transitions per neuron (spike_recorder: an up is two
    spikes) and the fraction of neurons up at 20 sample times."""
    nest.ResetKernel()
    nest.rng_seed = seed
    nest.resolution = 0.1
    gz = nest.Create("ginzburg_neuron", 300, params={"tau_m": 5.0, "c_1": 0.0, "c_2": 1.0,
                                                     "c_3": 1.0, "theta": 0.0})
    ef = [nest.Create("erfc_neuron", 300, params={"tau_m": 2.0, "theta": th, "sigma": sg})
          for th, sg in ((0.5, 1.0), (-1.0, 0.5), (2.0, 3.0))]
    gz2 = nest.Create("ginzburg_neuron", 300, params={"tau_m": 2.0, "c_1": 0.1, "c_2": 0.5,
                                                      "c_3": 2.0, "theta": -1.0})
    sr = nest.Create("spike_recorder")
    everything = gz + ef[0] + ef[1] + ef[2] + gz2
    nest.Connect(everything, sr)
    up = []
    for _ in range(20):
        nest.Simulate(25.0)
        up.append(np.asarray(everything.get("S"), float))
    ev = sr.get("events")
    return {"senders": np.asarray(ev["senders"], float), "times": np.asarray(ev["times"]),
            "up": np.array(up), "first": np.asarray(everything.global_id, float)[:1]
            if hasattr(everything, "global_id") else np.array([1.0])}


def errors(nest):
    """Status and bad input: defaults, readonly state, tau_m, receptors, illegal partners."""
    out = {}
    for m in ("ginzburg_neuron", "mcculloch_pitts_neuron", "erfc_neuron"):
        d = nest.GetDefaults(m)
        for k in ("tau_m", "theta", "c_1", "c_2", "c_3", "sigma", "S", "h"):
            if k in d:
                out[f"{m}_{k}"] = np.asarray(float(d[k]))
        out[f"{m}_recordables"] = np.asarray(sorted(str(r) for r in d["recordables"]))
        trials = [("set", {"S": True}), ("set", {"h": 1.0}), ("set", {"tau_m": 0.0}),
                  ("set", {"tau_m": -2.0}), ("set", {"theta": 3.0, "tau_m": 1.0}),
                  ("receptor", 1), ("from", "poisson_generator"),
                  ("to", "iaf_psc_alpha"), ("from", "iaf_psc_alpha")]
        res = []
        for kind, arg in trials:
            nest.ResetKernel()
            n = nest.Create(m)
            try:
                if kind == "set":
                    n.set(arg)
                elif kind == "receptor":
                    nest.Connect(n, n, syn_spec={"receptor_type": arg})
                elif kind == "from":
                    nest.Connect(nest.Create(arg), n)
                else:
                    nest.Connect(n, nest.Create(arg))
                nest.Simulate(1.0)
                res.append("ok")
            except Exception as e:  # noqa: BLE001 - the class name is the result
                res.append(type(e).__name__)
        out[f"{m}_errors"] = np.asarray(res)
    out["links"] = np.asarray([_connect_error(nest, a, b) for a, b in LINKS])
    out["source_table"] = np.asarray([_without_source_table(nest, s) for s in SOURCES])
    return out


SOURCES = ["mcculloch_pitts_neuron", "parrot_neuron", "spike_generator", "spike_recorder"]
"""Senders into (or, for the recorder, a receiver of) an up-switching binary neuron."""


def _without_source_table(nest, other) -> str:
    """Simulate with ``keep_source_table: False``: NEST raises when a neuron's spike reaches
    a binary neuron (the sender id is read from the source table)."""
    nest.ResetKernel()
    nest.keep_source_table = False
    b = nest.Create("mcculloch_pitts_neuron", params={"theta": -1.0, **FAST})
    o = nest.Create(other)
    if other == "spike_generator":
        o.spike_times = [1.0, 1.0]
    try:
        if other == "spike_recorder":
            nest.Connect(b, o)
        elif other == "parrot_neuron":
            g = nest.Create("spike_generator", params={"spike_times": [1.0, 1.0]})
            nest.Connect(g, o)
            nest.Connect(o, b)
        else:
            nest.Connect(o, b)
        if other == "mcculloch_pitts_neuron":
            o.set(theta=-1.0, **FAST)
        nest.Simulate(5.0)
        return "ok"
    except Exception as e:  # noqa: BLE001 - the class name is the result
        return type(e).__name__


LINKS = [("dc_generator", "ginzburg_neuron"), ("noise_generator", "ginzburg_neuron"),
         ("ac_generator", "erfc_neuron"), ("step_current_generator", "mcculloch_pitts_neuron"),
         ("iaf_psc_alpha", "spin_detector"), ("iaf_psc_alpha", "correlospinmatrix_detector"),
         ("ginzburg_neuron", "spike_recorder"), ("spike_generator", "spin_detector"),
         ("poisson_generator", "spin_detector"), ("ginzburg_neuron", "spin_detector"),
         ("ginzburg_neuron", "iaf_psc_alpha"), ("multimeter", "ginzburg_neuron")]
"""Signal types that Connect itself matches (no Simulate)."""


def _connect_error(nest, a, b) -> str:
    nest.ResetKernel()
    try:
        kw = {"params": {"record_from": ["h"]}} if a == "multimeter" else {}
        nest.Connect(nest.Create(a, **kw), nest.Create(b))
        return "ok"
    except Exception as e:  # noqa: BLE001 - the class name is the result
        return type(e).__name__


def all_cases(nest, network_too=True, seeds=(1, 2)):
    """Every scenario in one process, keys prefixed by scenario."""
    out = {}
    runs = [("cur", current_driven, {}), ("err", errors, {})]
    if network_too:
        runs += [("net", network, {}), ("spk", spike_sources, {"n_wide": 300})]
    for seed in seeds:
        runs += [(f"first{seed}", first_updates, {"seed": seed}),
                 (f"stoch{seed}", stochastic, {"seed": seed})]
    for prefix, fn, kw in runs:
        out.update({f"{prefix}:{k}": v for k, v in fn(nest, **kw).items()})
    return out
