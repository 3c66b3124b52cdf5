"""iaf_cond_alpha_mc through the whole API: spike input on the six compartment receptors,
currents on the three compartment current receptors, a multimeter of every recordable, a
spike_recorder (``run``); compartment parameters as nested dicts and receptor_types, as NEST's
mc_neuron example uses them (``run_nested``)."""

_IDS = {"soma_exc": 1, "soma_inh": 2, "proximal_exc": 3, "proximal_inh": 4, "distal_exc": 5,
        "distal_inh": 6, "soma_curr": 7, "proximal_curr": 8, "distal_curr": 9}


def _spikes(nest, n, weights):
    times = [2.0, 10.0, 10.5, 30.0, 30.0, 55.5, 70.0, 71.0, 72.5, 90.0, 91.0, 93.0, 140.0]
    for i, (r, w) in enumerate(weights.items()):
        sg = nest.Create("spike_generator", params={"spike_times": [t + 2 * i for t in times]})
        nest.Connect(sg, n, syn_spec={"weight": w, "delay": 1.0 + 0.5 * (i % 3),
                                      "receptor_type": _IDS[r]})


def _record(nest, model, n, resolution, T):
    rec = list(nest.GetDefaults(model)["recordables"])
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": resolution})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(T)
    out = {f"mm_{k}": mm.events[k] for k in ["senders", "times", *rec]}
    out.update(sr_senders=sr.events["senders"], sr_times=sr.events["times"], recordables=rec)
    return out


def run(nest, resolution=0.1):
    nest.ResetKernel()
    nest.resolution = resolution
    model = "iaf_cond_alpha_mc"
    n = nest.Create(model, 2)
    _spikes(nest, n, {"soma_exc": 30.0, "soma_inh": 10.0, "proximal_exc": 40.0,
                      "proximal_inh": 5.0, "distal_exc": 60.0, "distal_inh": -3.0})
    _spikes(nest, n[1], {"distal_exc": 80.0, "proximal_exc": 50.0})
    _currents(nest, n)
    return _record(nest, model, n, resolution, 160.0)


def _currents(nest, n):
    for amp, start, stop, r in ((150.0, 105.0, 130.0, "soma_curr"),
                                (-50.0, 15.0, 20.0, "proximal_curr"),
                                (300.0, 95.0, 140.0, "distal_curr")):
        dc = nest.Create("dc_generator", params={"amplitude": amp, "start": start, "stop": stop})
        nest.Connect(dc, n, syn_spec={"receptor_type": _IDS[r], "delay": 1.5})


def run_nested(nest, resolution=0.1):
    """Nested compartment parameters (Create, SetStatus, GetStatus, GetDefaults) and currents
    into the soma_curr / proximal_curr / distal_curr receptors."""
    nest.ResetKernel()
    nest.resolution = resolution
    model = "iaf_cond_alpha_mc"
    d = nest.GetDefaults(model)
    n = nest.Create(model, 2, params={"V_th": -60.0, "V_reset": -65.0, "t_ref": 10.0,
                                      "g_sp": 5.0, "soma": {"g_L": 12.0},
                                      "proximal": {"tau_syn_ex": 1.0, "tau_syn_in": 5.0},
                                      "distal": {"C_m": 90.0}})
    n[1].soma = {"I_e": 150.0}
    n[0].set({"distal": {"V_m": -65.0, "E_L": -68.0}})
    for amp, start, stop, r in ((50.0, 25.0, 30.0, "soma_curr"),
                                (-50.0, 15.0, 20.0, "proximal_curr"),
                                (100.0, 5.0, 10.0, "distal_curr")):
        dc = nest.Create("dc_generator", params={"amplitude": amp, "start": start, "stop": stop})
        nest.Connect(dc, n, syn_spec={"receptor_type": d["receptor_types"][r]})
    _spikes(nest, n, {"soma_exc": 30.0, "proximal_inh": 5.0, "distal_exc": 60.0})
    out = _record(nest, model, n, resolution, 120.0)
    node = set(nest.GetDefaults("parrot_neuron"))
    keys = sorted(k for k in d if k not in node and k not in ("recordables", "receptor_types"))
    out["default_keys"] = keys
    for c in ("soma", "proximal", "distal"):
        sub = sorted(d[c])
        out[f"default_{c}_keys"] = sub
        out[f"default_{c}"] = [d[c][k] for k in sub]
        out[f"status_{c}"] = [n[j].get(c)[k] for j in range(2) for k in sub]
    out["receptor_names"] = sorted(d["receptor_types"])
    out["receptor_ids"] = [d["receptor_types"][k] for k in out["receptor_names"]]
    return out
