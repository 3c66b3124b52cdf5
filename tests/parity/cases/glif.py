"""glif_psc, glif_psc_double_alpha, glif_cond through the whole API: GLIF 1-5 in one group,
per-neuron ports (SetStatus changes them), receptor and state errors, recordables, status."""


def _try(f):
    try:
        f()
        return "none"
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__


def _ports(model, k):
    if model == "glif_cond":
        return {"tau_syn": [0.2, 2.0, 1.0][:k], "E_rev": [0.0, -85.0, -20.0][:k]}
    if model == "glif_psc_double_alpha":
        return {"tau_syn_fast": [2.0, 1.0, 5.0][:k], "tau_syn_slow": [6.0, 4.0, 10.0][:k],
                "amp_slow": [0.3, 0.5, 1.2][:k]}
    return {"tau_syn": [2.0, 1.0, 5.0][:k]}


MECH = [{}, {"spike_dependent_threshold": True}, {"after_spike_currents": True},
        {"spike_dependent_threshold": True, "after_spike_currents": True},
        {"spike_dependent_threshold": True, "after_spike_currents": True,
         "adapting_threshold": True}]


def run(nest, model="glif_psc"):
    nest.ResetKernel()
    cond = model == "glif_cond"
    n = nest.Create(model, 5, params=_ports(model, 3))
    for i, m in enumerate(MECH):
        n[i].set(m)
    n[1].set(_ports(model, 2))
    n[4].set({"threshold_spike": 1.0, "threshold_voltage": -0.5} if not cond else {})
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 4.0, 4.0, 10.0, 10.5,
                                                                30.0, 31.0, 32.0]})
    w = (6.0, 3.0, 4.0) if cond else (300.0, -200.0, 250.0)
    for r in (1, 2):
        nest.Connect(sg, n, syn_spec={"receptor_type": r, "weight": w[r - 1], "delay": 1.0})
    nest.Connect(sg, n[0] + n[2] + n[3] + n[4], syn_spec={"receptor_type": 3,
                                                          "weight": w[2], "delay": 2.0})
    # negative spike_weights stay on their port (NEST picks no channel by sign here)
    sgn = nest.Create("spike_generator", params={"spike_times": [12.0, 20.0, 40.0],
                                                 "spike_weights": [-2.0 * w[0]] * 3})
    nest.Connect(sgn, n, syn_spec={"receptor_type": 2, "delay": 1.0})
    dc = nest.Create("dc_generator", params={"amplitude": 380.0 if cond else 200.0,
                                             "start": 5.0, "stop": 45.0})
    nest.Connect(dc, n)
    errs = [_try(lambda: nest.Connect(sg, n[1], syn_spec={"receptor_type": 3})),
            _try(lambda: nest.Connect(sg, n[1], syn_spec={"receptor_type": 0})),
            _try(lambda: n[0].set({"adapting_threshold": True})),
            _try(lambda: n[0].set({"t_ref": 0.0})),
            _try(lambda: n[3].set(_ports(model, 1)))]  # connected: refused
    if not cond:
        errs += [_try(lambda: n[0].set({"threshold_spike": 1.0})),
                 _try(lambda: n[3].set({"threshold_voltage": 1.0}))]
    rec = ["V_m", "I", "ASCurrents_sum", "threshold", "threshold_spike", "threshold_voltage"]
    rec += ["g_1", "g_2"] if cond else ["I_syn"]
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": 0.1})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(30.0)
    n[2].set({"V_m": -60.0, "E_L": -75.0})
    nest.Simulate(30.0)
    ev = mm.events
    out = {"mm_" + k: ev[k] for k in ["senders", "times"] + rec}
    keys = ["V_m", "E_L", "V_reset", "V_th"] + ([] if cond else ["threshold_spike",
                                                               "threshold_voltage"])
    st = n.get(keys + ["recordables", "has_connections"])
    out.update(sr_senders=sr.events["senders"], sr_times=sr.events["times"], errors=errs,
               recordables=[",".join(r) for r in st["recordables"]],
               has_connections=[int(x) for x in st["has_connections"]],
               default_recordables=",".join(nest.GetDefaults(model)["recordables"]))
    out.update({"status_" + k: st[k] for k in keys})
    return out
