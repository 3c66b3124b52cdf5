"""The iaf_psc models' membrane potential relative to E_L, carried as NEST carries it: a
driven neuron's trace, SetStatus of E_L alone, of V_m with E_L, and of another parameter
between two runs."""
import numpy as np


def run(nest, model):
    nest.ResetKernel()
    n = nest.Create(model, 3, params={"I_e": [300.0, 250.0, 200.0], "V_m": -65.3})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
    nest.Connect(mm, n)
    nest.Simulate(3.3)
    n[0].set(E_L=-61.7)
    n[1].set(V_m=-63.1, E_L=-72.2)
    n[2].set(I_e=100.0)
    after_set = n.get("V_m")
    nest.Simulate(17.7)
    return {"senders": mm.events["senders"], "V_m": mm.events["V_m"],
            "after_set": np.array(after_set), "final": np.array(n.get("V_m"))}
