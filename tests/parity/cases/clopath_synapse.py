"""clopath_synapse (and its _hpc/_lbl variants) onto aeif_psc_delta_clopath and
hh_psc_alpha_clopath: the weights of spike-pairing protocols, every connection value between
Simulate calls in small recurrent networks (several delays, so the LTD ring of max_delay + 1
entries matters, and min_delay of several steps), GetStatus/GetDefaults of the synapse and of
the neurons' archive parameters, errors."""
import numpy as np

SKIP = {"sizeof", "synapse_id", "target_thread", "synapse_model", "synapse_modelid",
        "weight_recorder", "port"}
AEIF = {"V_m": -70.6, "E_L": -70.6, "V_peak": 33.0, "C_m": 281.0, "theta_minus": -70.6,
        "theta_plus": -45.3, "A_LTD": 14.0e-5, "A_LTP": 8.0e-5, "tau_u_bar_minus": 10.0,
        "tau_u_bar_plus": 7.0, "delay_u_bars": 4.0, "a": 4.0, "b": 0.0805,
        "V_reset": -70.6 + 21.0, "V_clamp": 33.0, "t_clamp": 2.0, "t_ref": 0.0}
HH = {"V_m": -64.9, "C_m": 100.0, "tau_syn_ex": 0.2, "tau_syn_in": 2.0, "theta_minus": -64.9,
      "theta_plus": -35.0, "A_LTD": 14.0e-5, "A_LTP": 8.0e-5, "tau_u_bar_minus": 10.0,
      "tau_u_bar_plus": 114.0, "delay_u_bars": 5.0}
PAIRS = [([29.0, 129.0, 229.0, 329.0, 429.0], [19.0, 119.0, 219.0, 319.0, 419.0]),
         ([29.0, 62.3, 95.7, 129.0, 162.3], [19.0, 52.3, 85.7, 119.0, 152.3]),
         ([29.0, 49.0, 69.0, 89.0, 109.0], [19.0, 39.0, 59.0, 79.0, 99.0]),
         ([129.0, 229.0, 329.0, 429.0], [139.0, 239.0, 339.0, 439.0]),
         ([62.3, 95.6, 129.0, 162.3, 195.6], [72.3, 105.6, 139.0, 172.3, 205.6]),
         ([49.0, 69.0, 89.0, 109.0, 129.0], [59.0, 79.0, 99.0, 119.0, 139.0])]


def _try(f):
    try:
        f()
        return "none"
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__


def _status(conns) -> dict:
    d = conns.get()
    d = {k: np.atleast_1d(v) for k, v in d.items() if k not in SKIP}
    order = np.lexsort((d["delay"], d["target"], d["source"]))
    return {k: np.asarray(v, float)[order] for k, v in d.items()}


def pairing(nest, resolution=0.1, delay=None):
    """Clopath et al.'s spike pairing (as NEST's test): one parrot -> one neuron per pair of
    trains; the weight recorder's weights and the final x_bar, per model."""
    out = {}
    for model, params, w_drive in (("aeif_psc_delta_clopath", AEIF, 80.0),
                                   ("hh_psc_alpha_clopath", HH, 2000.0)):
        ws = []
        for pre, post in PAIRS:
            nest.ResetKernel()
            nest.resolution = resolution
            d = delay or resolution
            nrn = nest.Create(model, 1, params)
            prrt = nest.Create("parrot_neuron")
            sg = nest.Create("spike_generator", params={"spike_times": pre})
            nest.Connect(sg, prrt, syn_spec={"delay": resolution})
            sg2 = nest.Create("spike_generator", params={"spike_times": post})
            nest.Connect(sg2, nrn, syn_spec={"delay": resolution, "weight": w_drive})
            wr = nest.Create("weight_recorder")
            nest.CopyModel("clopath_synapse", "clopath_rec", {"weight_recorder": wr})
            nest.Connect(prrt, nrn, syn_spec={"synapse_model": "clopath_rec", "weight": 0.5,
                                              "delay": d})
            nest.Simulate(10.0 + max(pre[-1], post[-1]))
            ws.append(np.asarray(wr.events["weights"], float))
            c = nest.GetConnections(prrt, nrn)
            ws.append(np.array([c.get("x_bar"), c.get("weight")], float))
        out[model] = np.concatenate(ws)
    return out


def network(nest, delays=(0.1, 1.0, 2.5), n_sim=4, t_sim=60.0, seed_times=1):
    """Four aeif and three hh Clopath neurons driven by fixed spike trains, all-to-all
    clopath connections (model, _hpc, _lbl and a CopyModel'd variant) with the delays
    given; a stdp_synapse onto some of them too; connection values after each run, values
    set in between, the weight recorder's events and the neurons' spikes."""
    nest.ResetKernel()
    nest.resolution = 0.1
    rng = np.random.default_rng(seed_times)
    aeif = nest.Create("aeif_psc_delta_clopath", 4, dict(AEIF, V_peak=20.0))
    aeif[2:].set(A_LTD_const=False, u_ref_squared=3600.0, A_LTP=8.0e-4)
    hh = nest.Create("hh_psc_alpha_clopath", 3, HH)
    hh[1].set(A_LTD_const=False, delay_u_bars=2.0)
    nrns = aeif + hh
    for n, w in zip(nrns, [120.0] * 4 + [2500.0] * 3):
        times = np.round(np.sort(rng.uniform(1.0, n_sim * t_sim, 40)), 1)
        sg = nest.Create("spike_generator", params={"spike_times": np.unique(times)})
        nest.Connect(sg, n, syn_spec={"weight": w, "delay": delays[0]})
    inputs = nest.Create("parrot_neuron", 6)
    for p in inputs:
        times = np.round(np.sort(rng.uniform(1.0, n_sim * t_sim, 60)), 1)
        sg = nest.Create("spike_generator", params={"spike_times": np.unique(times)})
        nest.Connect(sg, p)
    wr = nest.Create("weight_recorder")
    nest.CopyModel("clopath_synapse", "clopath_fast", {"tau_x": 5.0, "Wmax": 3.0,
                                                       "weight_recorder": wr})
    models = ["clopath_synapse", "clopath_synapse_hpc", "clopath_synapse_lbl", "clopath_fast"]
    for i, p in enumerate(inputs):
        nest.Connect(p, nrns, syn_spec={"synapse_model": models[i % 4],
                                        "weight": 1.0 + 0.25 * i,
                                        "delay": delays[i % len(delays)]})
    nest.Connect(aeif, aeif, {"rule": "all_to_all", "allow_autapses": False},
                 {"synapse_model": "clopath_fast", "weight": 0.5, "delay": delays[-1]})
    nest.Connect(hh[:2], hh[2:], syn_spec={"synapse_model": "clopath_synapse", "weight": 20.0,
                                           "delay": delays[len(delays) // 2], "x_bar": 0.3,
                                           "Wmin": 5.0, "Wmax": 40.0})
    nest.Connect(inputs[:2], aeif[:1], syn_spec={"synapse_model": "stdp_synapse",
                                                 "weight": 2.0, "delay": delays[0]})
    sr = nest.Create("spike_recorder")
    nest.Connect(nrns, sr)
    out = {}
    for r in range(n_sim):
        nest.Simulate(t_sim)
        for m in models + ["stdp_synapse"]:
            for k, v in _status(nest.GetConnections(synapse_model=m)).items():
                out[f"r{r}:{m}:{k}"] = v
        if r == 1:
            for m in models[:3]:
                nest.GetConnections(inputs[:3], aeif[:2], synapse_model=m).set(x_bar=0.2,
                                                                               weight=2.0)
    ev = wr.events
    order = np.lexsort((ev["targets"], ev["senders"], ev["times"]))
    for k in ("times", "senders", "targets", "weights"):
        out[f"wr:{k}"] = np.asarray(ev[k], float)[order]
    ev = sr.events
    out["sr:times"], out["sr:senders"] = (np.asarray(ev["times"], float),
                                          np.asarray(ev["senders"], float))
    return out


def status(nest):
    """GetDefaults and GetStatus of the synapse and the neurons' archive parameters."""
    out = {}
    for m in ("clopath_synapse", "clopath_synapse_hpc", "clopath_synapse_lbl"):
        d = nest.GetDefaults(m)
        out[f"{m}:defaults"] = np.array(sorted(k for k in d if k not in ("num_connections",)))
        for k in ("Wmax", "Wmin", "tau_x", "x_bar", "weight", "delay"):
            out[f"{m}:{k}"] = np.array([d[k]], float)
    for model in ("aeif_psc_delta_clopath", "hh_psc_alpha_clopath"):
        n = nest.Create(model, 2)
        n[1].set(A_LTD=1e-4, A_LTP=2e-4, u_ref_squared=50.0, theta_plus=-40.0,
                 theta_minus=-60.0, A_LTD_const=False, delay_u_bars=3.0)
        for k in ("A_LTD", "A_LTP", "u_ref_squared", "theta_plus", "theta_minus",
                  "A_LTD_const", "delay_u_bars", "tau_minus", "tau_minus_triplet"):
            out[f"{model}:{k}"] = np.asarray(n.get(k), float)
        nest.Connect(n, n, syn_spec={"synapse_model": "clopath_synapse", "x_bar": 0.5,
                                     "tau_x": 10.0})
        c = nest.GetConnections(n, n).get()
        out[f"{model}:conn_keys"] = np.array(sorted(c))
        for k in ("x_bar", "tau_x", "Wmin", "Wmax", "weight", "delay"):
            out[f"{model}:conn_{k}"] = np.asarray(c[k], float)
    return out


ERRORS = [
    ("connect_to", "iaf_psc_alpha", {}), ("connect_to", "parrot_neuron", {}),
    ("connect_to", "spike_recorder", {}), ("connect_to", "aeif_psc_delta", {}),
    ("connect", "clopath_synapse", {"Wmax": -1.0}), ("connect", "clopath_synapse", {"Wmin": -1.0}),
    ("connect", "clopath_synapse", {"weight": -1.0, "x_bar": 0.0}),
    ("connect", "clopath_synapse", {"weight": 1.0, "Wmax": 0.0}),
    ("connect", "clopath_synapse", {"weight": -1.0, "Wmin": -2.0, "Wmax": -0.5}),
    ("defaults", "clopath_synapse", {"Wmin": -1.0}), ("defaults", "clopath_synapse", {"foo": 1.0}),
    ("set", "clopath_synapse", {"Wmax": -3.0}), ("set", "clopath_synapse", {"weight": -3.0}),
    ("set", "clopath_synapse", {"tau_x": 3.0}),
    ("neuron", "aeif_psc_delta_clopath", {"u_ref_squared": 0.0}),
    ("neuron", "hh_psc_alpha_clopath", {"u_ref_squared": -1.0}),
    ("neuron", "aeif_psc_delta_clopath", {"delay_u_bars": 2.0}),
    ("connect_hpc", "clopath_synapse_hpc", {}),
]


def errors(nest):
    """Error classes for bad input, one fresh kernel each."""
    out = []
    for what, model, params in ERRORS:
        nest.ResetKernel()
        nrn = nest.Create("aeif_psc_delta_clopath", 2)
        if what == "connect_to":
            other = nest.Create(model)
            out.append(_try(lambda: nest.Connect(nrn[:1], other, syn_spec={
                "synapse_model": "clopath_synapse"})))
        elif what == "connect":
            out.append(_try(lambda: nest.Connect(nrn[:1], nrn[1:], syn_spec={
                "synapse_model": model, **params})))
        elif what == "defaults":
            out.append(_try(lambda: nest.SetDefaults(model, params)))
        elif what == "set":
            nest.Connect(nrn[:1], nrn[1:], syn_spec={"synapse_model": model})
            out.append(_try(lambda: nest.GetConnections(nrn[:1], nrn[1:]).set(params)))
        elif what == "neuron":
            n = nest.Create(model)
            out.append(_try(lambda: n.set(params)))
        elif what == "connect_hpc":
            out.append(_try(lambda: nest.Connect(nrn[:1], nrn[1:], syn_spec={
                "synapse_model": model, "receptor_type": 1})))
    return {"errors": np.array(out)}
