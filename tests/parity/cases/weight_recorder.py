"""weight_recorder on plastic and static synapses; spikes of multiplicity > 1 through STDP."""


def _try(f):
    try:
        f()
        return "none"
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__


def run(nest):
    nest.ResetKernel()
    wr = nest.Create("weight_recorder")
    wr2 = nest.Create("weight_recorder", params={"start": 3.0, "stop": 9.0})
    nest.CopyModel("stdp_synapse", "stdp_rec", {"weight_recorder": wr})
    nest.CopyModel("static_synapse", "static_rec", {"weight_recorder": wr2})
    sg = nest.Create("spike_generator", {"spike_times": [1.0, 3.0, 3.0, 5.5, 8.0, 8.0, 8.0]})
    p = nest.Create("parrot_neuron", 3)
    nest.Connect(sg, p)
    nest.Connect(p[0], p[2], syn_spec={"synapse_model": "stdp_rec", "weight": 5.0, "delay": 2.0})
    nest.Connect(p[0], p[2], syn_spec={"synapse_model": "stdp_rec", "weight": 7.0, "delay": 2.0})
    nest.Connect(p[0], p[1:3], syn_spec={"synapse_model": "static_rec", "weight": 3.0,
                                         "delay": 1.0})
    # multicompartment targets: the events carry the rport (receptor_type less 1), as
    # GetConnections shows it; a multisynapse target's rport is its receptor_type
    mc = nest.Create("iaf_cond_alpha_mc")
    ms = nest.Create("iaf_psc_alpha_multisynapse", params={"tau_syn": [1.0, 2.0, 3.0]})
    nest.Connect(p[0], mc, syn_spec={"synapse_model": "static_rec", "weight": 2.0,
                                     "receptor_type": mc.get("receptor_types")["distal_exc"]})
    nest.Connect(p[0], ms, syn_spec={"synapse_model": "static_rec", "weight": 2.0,
                                     "receptor_type": 2})
    errors = [_try(lambda: nest.Connect(p[0], p[1], syn_spec={
        "synapse_model": "static_synapse", "weight_recorder": wr}))]
    nest.Simulate(8.0)
    nest.Simulate(5.0)
    out = {"errors": errors,
           "defaults": [int(nest.GetDefaults(m)["weight_recorder"].tolist()[0])
                        for m in ("stdp_rec", "static_rec")],
           "Kplus": sorted(nest.GetConnections(p[0], p[2], synapse_model="stdp_rec")
                           .get("Kplus"))}
    for name, w in (("wr", wr), ("wr2", wr2)):
        ev = w.events
        out.update({f"{name}_{k}": ev[k] for k in ev})
        out[f"{name}_n"] = [w.n_events]
    return out


def filtered(nest):
    """senders/targets filters, changed between Simulate calls (the kernel drops the
    filtered connections' events before they take room in its buffer)."""
    nest.ResetKernel()
    wr = nest.Create("weight_recorder")
    nest.CopyModel("stdp_synapse", "stdp_rec", {"weight_recorder": wr})
    sg = nest.Create("spike_generator", {"spike_times": [1.0, 2.0, 4.0, 6.0, 9.0, 12.0]})
    p = nest.Create("parrot_neuron", 4)
    nest.Connect(sg, p)
    nest.Connect(p[:2], p[2:], syn_spec={"synapse_model": "stdp_rec", "weight": 2.0})
    wr.set(senders=p[0], targets=p[3])
    nest.Simulate(5.0)
    wr.set(senders=p[1], targets=p[2:])
    nest.Simulate(5.0)
    wr.set(senders=p[:2], targets=p[2])
    nest.Simulate(5.0)
    ev = wr.events
    return {k: ev[k] for k in ("senders", "targets", "times", "weights")}
