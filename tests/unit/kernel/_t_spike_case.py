"""NEST's ``t_spike`` (the last spike time of a neuron) after each of three Simulate calls,
for grid, precise, binary, rate and population models (run under NEST and jaxnest)."""
import numpy as np

MODELS = [("iaf_psc_alpha", {"I_e": 500.0}), ("iaf_psc_delta", {}), ("izhikevich", {"I_e": 20.0}),
          ("mcculloch_pitts_neuron", {"theta": -1.0, "tau_m": 0.001}),
          ("iaf_psc_alpha_ps", {"I_e": 500.0}), ("lin_rate_ipn", {}),
          ("parrot_neuron", {}), ("parrot_neuron_ps", {})]
SPIKES = [1.0, 2.5, 2.5, 7.3, 16.0]          # into both parrots (on the grid)
PRECISE = [3.123, 9.0004, 9.0007, 21.55]     # into the precise parrot (off the grid)


def run(nest):
    nest.ResetKernel()
    nest.resolution = 0.1
    nodes = {m: nest.Create(m, params=p) for m, p in MODELS}
    sg = nest.Create("spike_generator", params={"spike_times": SPIKES})
    nest.Connect(sg, nodes["parrot_neuron"] + nodes["parrot_neuron_ps"])
    pg = nest.Create("spike_generator", params={"spike_times": PRECISE, "precise_times": True})
    nest.Connect(pg, nodes["parrot_neuron_ps"], syn_spec={"delay": 1.0})
    nest.Connect(sg, nodes["iaf_psc_delta"], syn_spec={"weight": 20.0})
    gp = nest.Create("gif_pop_psc_exp")
    out = {"before": np.array([n.t_spike for n in nodes.values()]),
           "pop_keys": np.array(["t_spike" in gp.get(), "post_trace" in gp.get()])}
    for i, T in enumerate((12.0, 0.1, 15.0)):
        nest.Simulate(T)
        out[f"after{i}"] = np.array([n.get("t_spike") for n in nodes.values()])
    nodes["mcculloch_pitts_neuron"].theta = 10.0  # a down transition is sent as a spike too
    nest.Simulate(5.0)
    out["down"] = np.asarray(nest.GetStatus(nodes["mcculloch_pitts_neuron"], "t_spike"))
    return out
