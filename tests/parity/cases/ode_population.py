"""A population of one adaptive-solver model where, at any step, only some neurons spike: the
solver's sub-steps differ from neuron to neuron (odeint's compact phase finishes the few that
need many)."""
import numpy as np


def run(nest, model="aeif_cond_alpha", n=96, params=None):
    nest.ResetKernel()
    nest.resolution = 0.1
    pop = nest.Create(model, n, params=params or {})
    pop.I_e = np.linspace(0.0, 900.0 if model.startswith("hh") else 700.0, n).tolist()
    sg = nest.Create("spike_generator", params={"spike_times": [5.0, 12.3, 12.4, 40.0, 61.7]})
    nest.Connect(sg, pop, syn_spec={"weight": 60.0, "delay": 1.0})
    nest.Connect(pop[::7], pop[3::5], "all_to_all", syn_spec={"weight": -20.0, "delay": 1.5})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
    nest.Connect(mm, pop[::9])
    sr = nest.Create("spike_recorder")
    nest.Connect(pop, sr)
    nest.Simulate(80.0)
    return {"mm_senders": mm.events["senders"], "mm_times": mm.events["times"],
            "mm_V_m": mm.events["V_m"], "sr_senders": sr.events["senders"],
            "sr_times": sr.events["times"]}
