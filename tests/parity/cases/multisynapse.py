"""Multisynapse neurons: receptor ports from tau_syn lists, per neuron, changed by SetStatus."""


def _try(f):
    try:
        f()
        return "none"
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__


def run(nest, model="iaf_psc_exp_multisynapse"):
    nest.ResetKernel()
    n = nest.Create(model, 3, params={"tau_syn": [0.5, 3.0, 8.0], "I_e": 100.0})
    n[1].set(tau_syn=[1.0, 4.0])
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 4.0, 4.0, 10.0, 10.5, 30.0]})
    sg2 = nest.Create("spike_generator", params={"spike_times": [6.0, 22.0]})
    for r, w in ((1, 400.0), (2, -300.0), (3, 900.0)):
        nest.Connect(sg, n[0] + n[2], syn_spec={"receptor_type": r, "weight": w, "delay": 1.0})
    nest.Connect(sg2, n[1], syn_spec={"receptor_type": 2, "weight": 1200.0, "delay": 2.0})
    dc = nest.Create("dc_generator", params={"amplitude": 250.0, "start": 15.0, "stop": 40.0})
    nest.Connect(dc, n)
    errs = [_try(lambda: nest.Connect(sg, n[1], syn_spec={"receptor_type": 3})),
            _try(lambda: nest.Connect(sg, n[1], syn_spec={"receptor_type": 0})),
            _try(lambda: nest.Connect(nest.Create("multimeter", params={
                "record_from": ["I_syn_3"]}), n[1])),
            _try(lambda: n[0].set(tau_syn=[1.0, -2.0]))]
    mm = nest.Create("multimeter", params={"record_from": ["V_m", "I_syn", "I_syn_1",
                                                           "I_syn_2"], "interval": 0.1})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    n3 = nest.Create(model, params={"tau_syn": [2.0]})
    before = [int(x) for x in (n + n3).get("has_connections")]  # read, then connect more
    nest.Connect(n[0], n3, syn_spec={"weight": 800.0, "receptor_type": 1})
    nest.Simulate(25.0)
    errs.append(_try(lambda: n[2].set(tau_syn=[0.5, 3.0, 8.0, 2.0])))  # connected: refused
    n3.set(tau_syn=[2.0])  # same number of ports: allowed
    nest.Simulate(25.0)
    ev = mm.events
    out = {k: ev[k] for k in ("senders", "times", "V_m", "I_syn", "I_syn_1", "I_syn_2")}
    st = (n + n3).get(["tau_syn", "recordables"])
    out.update(sr_senders=sr.events["senders"], sr_times=sr.events["times"], errors=errs,
               n_ports=[len(t) for t in st["tau_syn"]],
               recordables=[",".join(r) for r in st["recordables"]],
               default_recordables=",".join(nest.GetDefaults(model)["recordables"]),
               V_end=n.V_m, has_connections_before=before,
               has_connections=[int(x) for x in (n + n3).get("has_connections")])
    return out
