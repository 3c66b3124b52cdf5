"""cont_delay_synapse: delays between grid points (via SetDefaults and a connection's set;
Connect's own delay is rounded), into grid-based and precise targets; what GetStatus shows,
the kernel's delay extrema, spike times and a precise neuron's V_m, and the BadDelay cases."""
import numpy as np


def delays(nest):
    out, errors = {}, []
    cases = [(1.0, 1.7, "defaults", False), (0.1, 0.95, "set", False),
             (1.0, 1.7, "defaults", True), (0.1, 0.95, "set", True),
             (0.1, 1.37, "connect", True), (0.5, 2.2, "defaults", True)]
    for i, (h, delay, how, precise) in enumerate(cases):
        nest.ResetKernel()
        nest.resolution = h
        sg = nest.Create("spike_generator", params=(
            {"spike_times": [2.0, 5.5, 7.25, 7.3], "precise_times": True} if precise
            else {"spike_times": [2.0, 5.0, 7.0]}))
        sr = nest.Create("spike_recorder")
        par = nest.Create("parrot_neuron_ps" if precise else "parrot_neuron")
        nrn = nest.Create("iaf_psc_exp_ps" if precise else "iaf_psc_exp")
        syn = {"synapse_model": "cont_delay_synapse", "weight": 300.0}
        if how == "defaults":
            nest.SetDefaults("cont_delay_synapse", {"weight": 300.0, "delay": delay})
        else:
            syn["delay"] = delay
        nest.Connect(sg, par + nrn, syn_spec=syn)
        if how == "set":
            nest.GetConnections(source=sg).set({"delay": delay})
        nest.Connect(par, sr)
        out[f"{i}:delay"] = np.array(nest.GetConnections(source=sg).get("delay"))
        out[f"{i}:extrema"] = np.array([nest.min_delay, nest.max_delay])
        nest.Simulate(12.0)
        out[f"{i}:times"] = np.array(sr.events["times"])
        out[f"{i}:V_m"] = np.array([nrn.V_m])
    for h, delay, how in ((1.0, 0.7, "defaults"), (1.0, 0.7, "set"), (1.0, 0.4, "connect")):
        nest.ResetKernel()
        nest.resolution = h
        a = nest.Create("iaf_psc_alpha", 2)
        try:
            if how == "defaults":
                nest.SetDefaults("cont_delay_synapse", {"delay": delay})
            syn = {"synapse_model": "cont_delay_synapse"}
            if how == "connect":
                syn["delay"] = delay
            nest.Connect(a[0], a[1], syn_spec=syn)
            if how == "set":
                nest.GetConnections().set(delay=delay)
            errors.append("none")
        except nest.NESTError as e:
            errors.append(type(e).__name__ if type(e).__name__ != "NESTError"
                          else str(e).split(" ")[0])
    out["errors"] = np.array(errors)
    return out
