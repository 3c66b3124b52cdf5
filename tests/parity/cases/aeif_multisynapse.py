"""aeif_cond_alpha/beta_multisynapse through the whole API: per-neuron ports (SetStatus
changes them), receptor errors, conductance recordables, spikes, status after simulating."""


def _try(f):
    try:
        f()
        return "none"
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__


def _ports(beta, taus, e_rev):
    if beta:
        return {"E_rev": e_rev, "tau_rise": [t / 4.0 for t in taus], "tau_decay": taus}
    return {"E_rev": e_rev, "tau_syn": taus}


def run(nest, model="aeif_cond_alpha_multisynapse"):
    beta = "beta" in model
    nest.ResetKernel()
    n = nest.Create(model, 3, params={**_ports(beta, [0.5, 3.0, 8.0], [0.0, -85.0, -20.0]),
                                      "I_e": 400.0, "t_ref": 1.5})
    n[1].set(_ports(beta, [1.0, 4.0], [0.0, -80.0]))
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 4.0, 4.0, 10.0, 10.5,
                                                                30.0]})
    sg2 = nest.Create("spike_generator", params={"spike_times": [6.0, 22.0]})
    for r, w in ((1, 40.0), (2, 30.0), (3, 25.0)):
        nest.Connect(sg, n[0] + n[2], syn_spec={"receptor_type": r, "weight": w, "delay": 1.0})
    nest.Connect(sg2, n[1], syn_spec={"receptor_type": 2, "weight": 120.0, "delay": 2.0})
    dc = nest.Create("dc_generator", params={"amplitude": 250.0, "start": 15.0, "stop": 40.0})
    nest.Connect(dc, n)
    errs = [_try(lambda: nest.Connect(sg, n[1], syn_spec={"receptor_type": 3})),
            _try(lambda: nest.Connect(sg, n[1], syn_spec={"receptor_type": 0})),
            _try(lambda: nest.Connect(nest.Create("multimeter", params={
                "record_from": ["g_3"]}), n[1])),
            _try(lambda: n[0].set(_ports(beta, [1.0, -2.0], [0.0, 0.0]))),
            _try(lambda: n[0].set({"V_peak": -60.0}))]
    mm = nest.Create("multimeter", params={"record_from": ["V_m", "w", "g_1", "g_2"],
                                           "interval": 0.1})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    n3 = nest.Create(model, params=_ports(beta, [2.0], [0.0]))
    nest.Connect(n[0], n3, syn_spec={"weight": 80.0, "receptor_type": 1})
    nest.Simulate(25.0)
    errs.append(_try(lambda: n[2].set(_ports(beta, [0.5], [0.0]))))  # connected: refused
    n3.set(_ports(beta, [3.0], [10.0]))  # same number of ports: allowed
    nest.Simulate(25.0)
    ev = mm.events
    out = {k: ev[k] for k in ("senders", "times", "V_m", "w", "g_1", "g_2")}
    st = (n + n3).get(["E_rev", "recordables", "n_receptors", "V_m", "w"])
    out.update(sr_senders=sr.events["senders"], sr_times=sr.events["times"], errors=errs,
               n_receptors=st["n_receptors"], recordables=[",".join(r) for r in st["recordables"]],
               default_recordables=",".join(nest.GetDefaults(model)["recordables"]),
               V_end=st["V_m"], w_end=st["w"])
    return out
