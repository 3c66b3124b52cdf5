"""Plastic synapse rules between fixed spike trains, for any synapse model (STDP and short-term
plasticity): every value GetConnections().get() shows, read between Simulate calls; the
membrane potential of a non-firing target (what each event delivered); errors; defaults.

Each model gets its own small network (so one run checks several models): a presynaptic
parrot, two postsynaptic parrots (fixed trains, for the STDP archive) and a current-based
sink neuron; connections with delays 1.0, 0.1, 2.5 and 4.0 ms through the model and a
CopyModel'd variant with other (common) parameters."""
import numpy as np

PRE = [2.0, 3.0, 5.5, 9.0, 9.1, 14.0, 17.0, 21.5, 22.0, 30.0, 33.3, 34.0, 41.0, 47.5, 48.0,
       55.0, 61.2, 63.0, 70.0]
POST_A = [1.0, 4.0, 5.5, 6.5, 10.0, 13.0, 15.5, 16.0, 22.0, 23.5, 31.0, 34.0, 36.0, 44.0,
          46.5, 52.0, 56.0, 60.0, 66.0]
POST_B = [0.5, 3.1, 8.0, 9.2, 12.0, 18.5, 21.0, 27.0, 28.0, 29.0, 37.5, 40.0, 49.0, 50.0,
          58.0, 64.0, 69.0]
MULT = [4.0, 4.0, 11.0, 19.0, 19.0, 19.0, 26.0, 38.0, 38.0, 52.0]
"""(a parrot sends the spikes of one step as one spike of that multiplicity)"""
SKIP = {"sizeof", "synapse_id", "target_thread", "synapse_model", "synapse_modelid",
        "weight_recorder"}


def _try(f):
    try:
        f()
        return "none"
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__


def _parrot(nest, times):
    sg = nest.Create("spike_generator", params={"spike_times": times})
    p = nest.Create("parrot_neuron")
    nest.Connect(sg, p)
    return p


def _sorted_status(nest, conns) -> dict:
    """Numeric values of get() by key, connections sorted by (source, target, delay)."""
    d = conns.get()
    d = {k: np.atleast_1d(v) for k, v in d.items() if k not in SKIP}
    order = np.lexsort((d["delay"], d["target"], d["source"]))
    return {k: np.asarray(v, float)[order] for k, v in d.items()}


def rules(nest, models, spec=None, copy=None, weight=None, setter=None, n_sim=6, t_sim=12.5,
          target="iaf_psc_exp"):
    """``spec[m]``: extra syn_spec of one of m's connections (model-specific values);
    ``copy[m]``: CopyModel parameters of m's variant; ``weight[m]``: weight of every
    connection; ``setter[m]``: values set on m's first connections after the second run.
    Into parrots through port 1 (not repeated); a second presynaptic parrot sends spikes of
    multiplicity 2 and 3 (keys ``mult_*``)."""
    spec, copy, weight, setter = spec or {}, copy or {}, weight or {}, setter or {}
    nest.ResetKernel()
    groups = {}
    for m in models:  # (jaxnest: CopyModel after Connect renumbers synapse ids)
        nest.CopyModel(m, m + "_v", copy.get(m, {}))
    for m in models:
        pre, a, b = _parrot(nest, PRE), _parrot(nest, POST_A), _parrot(nest, POST_B)
        pre2 = _parrot(nest, MULT)
        sinks = nest.Create(target, 2, params={"V_th": 1e9, "tau_m": 10.0})
        mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
        nest.Connect(mm, sinks)
        v = m + "_v"
        w = {} if m not in weight else {"weight": weight[m]}
        own = spec.get(m, {})
        for src, tgt, syn, d, extra in (
                (pre, a, m, 1.0, {}), (pre, b, m, 0.1, own), (pre, a, v, 2.5, {}),
                (pre, b, v, 4.0, {}), (pre2, a, m, 1.5, {}), (pre2, b, v, 0.5, {})):
            nest.Connect(src, tgt, syn_spec={"synapse_model": syn, "delay": d, **w, **extra,
                                             "receptor_type": 1})
        nest.Connect(pre, sinks[0], syn_spec={"synapse_model": m, "delay": 1.0, **w, **own})
        nest.Connect(pre, sinks[0], syn_spec={"synapse_model": v, "delay": 2.0, **w})
        nest.Connect(pre2, sinks[1], syn_spec={"synapse_model": m, "delay": 1.0, **w})
        groups[m] = (pre, a, mm, pre2)
    out = {}
    for i in range(n_sim):
        nest.Simulate(t_sim)
        for m in models:
            for name in (m, m + "_v"):
                for tag, src in (("", groups[m][0]), ("mult_", groups[m][3])):
                    for k, val in _sorted_status(nest, nest.GetConnections(
                            src, synapse_model=name)).items():
                        out.setdefault(f"{name}:{tag}{k}", []).append(val)
        if i == 1:
            for m, values in setter.items():
                nest.GetConnections(groups[m][0], groups[m][1], synapse_model=m).set(values)
    for m in models:
        ev = groups[m][2].events
        for j, tag in enumerate(("V_m", "V_m_mult")):
            sel = ev["senders"] == ev["senders"].min() + j
            out[f"{m}:{tag}"] = ev["V_m"][sel]
        c = nest.GetConnections(groups[m][0], synapse_model=m)
        out[f"{m}:keys"] = sorted(c[0].get().keys())
        d = nest.GetDefaults(m)
        out[f"{m}:defaults"] = sorted(d.keys())
        out[f"{m}:default_values"] = [float(d[k]) for k in sorted(d) if k not in SKIP
                                      and np.ndim(d[k]) == 0 and not isinstance(d[k], str)
                                      and not hasattr(d[k], "__len__")]
    return out


def errors(nest, cases):
    """Error class of each (kind, model, values): kind 'connect' (syn_spec), 'set' (on a
    fresh connection), 'defaults' (SetDefaults), 'copy' (CopyModel); then the value of the
    key set last, as the connection or model shows it (NEST keeps some failed values)."""
    out = []
    for kind, model, values in cases:
        nest.ResetKernel()
        n = nest.Create("parrot_neuron", 2)
        if kind == "connect":
            out.append(_try(lambda: nest.Connect(n[0], n[1], syn_spec={"synapse_model": model,
                                                                       **values})))
        elif kind == "set":
            nest.Connect(n[0], n[1], syn_spec={"synapse_model": model})
            out.append(_try(lambda: nest.GetConnections().set(values)))
        elif kind == "defaults":
            out.append(_try(lambda: nest.SetDefaults(model, values)))
        elif kind == "copy":
            out.append(_try(lambda: nest.CopyModel(model, "copied", values)))
    return {"errors": out}


def driven(nest, models, spec=None, n_post=3, t_sim=150.0):
    """Parrots with random trains into iaf_psc_alpha neurons driven to fire, per model: the
    weights change and change the postsynaptic spikes (rules that read the archive)."""
    spec = spec or {}
    nest.ResetKernel()
    rng = np.random.default_rng(11)
    out, groups = {}, {}
    for m in models:
        pre = nest.Create("parrot_neuron", 8)
        for p in pre:
            t = np.unique(np.round(np.sort(rng.uniform(1, 2 * t_sim, 30)), 1))
            nest.Connect(nest.Create("spike_generator", params={"spike_times": t}), p)
        post = nest.Create("iaf_psc_alpha", n_post, params={"I_e": 370.0})
        delay = np.round(0.5 + (np.arange(8 * n_post).reshape(n_post, 8) * 7 % 26) * 0.1, 1)
        nest.Connect(pre, post, syn_spec={"synapse_model": m, "delay": delay,
                                          **spec.get(m, {})})
        sr = nest.Create("spike_recorder")
        nest.Connect(post, sr)
        groups[m] = (pre, sr)
    for _ in range(2):
        nest.Simulate(t_sim)
        for m in models:
            for k, v in _sorted_status(nest, nest.GetConnections(
                    groups[m][0], synapse_model=m)).items():
                out.setdefault(f"{m}:{k}", []).append(v)
    for m in models:
        ev = groups[m][1].events
        order = np.lexsort((ev["senders"], ev["times"]))
        out[f"{m}:senders"] = ev["senders"][order]
        out[f"{m}:times"] = ev["times"][order]
    return out


def variants(nest, models, connect=True):
    """Each model's GetDefaults (keys, scalar values) and a connection's keys; for _lbl
    models the labels given at Connect, by set() and by SetDefaults."""
    out = {}
    for m in models:
        nest.ResetKernel()
        n = nest.Create("parrot_neuron", 3)
        d = nest.GetDefaults(m)
        out[f"{m}:defaults"] = sorted(d.keys())
        out[f"{m}:default_values"] = [float(d[k]) for k in sorted(d) if k not in SKIP
                                      and np.ndim(d[k]) == 0 and not isinstance(d[k], str)
                                      and not hasattr(d[k], "__len__")]
        out[f"{m}:vectors"] = [list(d[k]) for k in sorted(d) if np.ndim(d[k]) == 1]
        if not connect:
            continue
        nest.Connect(n[0], n[1], syn_spec={"synapse_model": m})
        out[f"{m}:keys"] = sorted(nest.GetConnections().get().keys())
        if m.endswith("_lbl"):
            nest.Connect(n[0], n[2], syn_spec={"synapse_model": m, "synapse_label": 5})
            nest.GetConnections(n[0], n[1]).set(synapse_label=7)
            nest.SetDefaults(m, {"synapse_label": 3})
            nest.Connect(n[1], n[2], syn_spec={"synapse_model": m})
            c = nest.GetConnections()
            order = np.lexsort((c.get("target"), c.get("source")))
            out[f"{m}:labels"] = np.asarray(c.get("synapse_label"))[order]
    return out


def facetshw(nest, t_sim=150.0, n_sim=8, per_driver=50):
    """stdp_facetshw_synapse_hom and a CopyModel with other tables: pre/post parrot pairs
    with fixed trains (pairs 10 ms apart, so charges cross the thresholds and the look-up
    tables act at the readouts), weights, charges, readout times and synapse ids after
    each run, the models' synapse counts; a parrot behind a weight-0 connection (it
    repeats every spike)."""
    nest.ResetKernel()
    F = "stdp_facetshw_synapse_hom"
    nest.SetDefaults(F, {"tau_plus": 20.0, "tau_minus_stdp": 20.0, "Wmax": 100.0,
                         "synapses_per_driver": per_driver, "driver_readout_time": 15.0,
                         "a_thresh_th": 3.0, "a_thresh_tl": 3.0, "reset_pattern": [1] * 6})
    nest.CopyModel(F, "facets_b", {"lookuptable_0": list(range(1, 16)) + [15],
                                   "configbit_0": [0, 1, 0, 0], "configbit_1": [1, 0, 0, 0],
                                   "Wmax": 50.0, "driver_readout_time": 25.0})
    conns = []
    for i, (model, w) in enumerate([(F, 0.0), (F, 40.0), ("facets_b", 10.0),
                                    ("facets_b", 0.0)]):
        pre = np.arange(12.0 + 7 * i, t_sim * n_sim, 31.0 + 4 * i)
        post = pre + (3.0 if i % 2 else -4.0)
        a, b = _parrot(nest, pre), _parrot(nest, post[post > 0.5])
        nest.Connect(a, b, syn_spec={"synapse_model": model, "weight": w,
                                     "delay": 1.0 + i})
        conns.append((a, b))
    sr = nest.Create("spike_recorder")
    nest.Connect(conns[0][1], sr)
    out = {}
    for r in range(n_sim):
        nest.Simulate(t_sim)
        for k in ("weight", "a_causal", "a_acausal", "next_readout_time", "synapse_id",
                  "init_flag"):
            out[f"{r}:{k}"] = np.array([v for m in (F, "facets_b") for v in
                                        nest.GetConnections(synapse_model=m).get(k)], float)
        for m in (F, "facets_b"):
            out[f"{r}:{m}"] = np.array([nest.GetDefaults(m, k) for k in
                                        ("no_synapses", "readout_cycle_duration",
                                         "weight_per_lut_entry")], float)
    out["parrot_spikes"] = np.asarray(sr.events["times"], float)
    return out


def post_traces(nest, n_sim=35, t_sim=1.0, delay=None):
    """A neuron's post_trace after each short run: the K- trace the last delivery of an
    STDP-type rule read (two rules, two delays, a parrot and an iaf_psc_alpha). ``delay``:
    every connection's, and a spike recorder (NEST's min_delay then stays at 1 ms, so its
    slices are shorter than jaxnest's)."""
    nest.ResetKernel()
    out = {}
    for model in ("parrot_neuron", "iaf_psc_alpha"):
        pre = nest.Create("parrot_neuron", 2)
        post = nest.Create(model, params={"tau_minus": 7.0})
        for p, times in zip(pre, ([2.0, 9.0, 15.0, 30.0, 44.0], [5.0, 11.0, 22.0, 41.0])):
            nest.Connect(nest.Create("spike_generator", params={"spike_times": times}), p,
                         syn_spec={"delay": delay or 1.0})
        drive = nest.Create("spike_generator",
                            params={"spike_times": [1.0, 4.0, 8.0, 13.0, 20.0, 26.0]})
        port = 1 if model.startswith("parrot") else 0
        nest.Connect(drive, post, syn_spec={"weight": 2000.0, "delay": delay or 1.0})
        nest.Connect(pre[0], post, syn_spec={"synapse_model": "stdp_synapse",
                                             "delay": delay or 1.5, "receptor_type": port})
        nest.Connect(pre[1], post, syn_spec={"synapse_model": "stdp_triplet_synapse",
                                             "delay": delay or 3.0, "receptor_type": port,
                                             "weight": 0.0})
        if delay:
            nest.Connect(post, nest.Create("spike_recorder"))
        out[model] = post
    traces = {m: [] for m in out}
    for _ in range(n_sim):
        nest.Simulate(t_sim)
        for m, n in out.items():
            traces[m].append(n.post_trace)
    return {m: np.array(v) for m, v in traces.items()}
