"""NEST's rate_neuron_dm example (two lin_rate_ipn that inhibit each other instantaneously,
use_wfr off) as ``pairs`` independent decision pairs in one kernel: one run gives as many
independent replicas of the example's noisy decision as pairs, so a 5 % bias in the trace's
spread shows in a single seed per backend. Returns per-pair statistics of the pooled trace
of both neurons (what the parity harness compares per seed) and who won."""
import numpy as np


def run(nest, pairs=100, seed=2, sigma=0.1, dE=0.008, interval=0.01):
    dt = 1e-3
    nest.ResetKernel()
    nest.rng_seed = seed
    nest.resolution = dt
    nest.use_wfr = False
    p = {"lambda": 0.1, "sigma": sigma, "tau": 1.0, "rectify_output": True}
    d1 = nest.Create("lin_rate_ipn", pairs, params=p)
    d2 = nest.Create("lin_rate_ipn", pairs, params=p)
    syn = {"synapse_model": "rate_connection_instantaneous", "weight": -0.2}
    nest.Connect(d1, d2, "one_to_one", syn)
    nest.Connect(d2, d1, "one_to_one", syn)
    mm = nest.Create("multimeter", params={"interval": interval, "record_from": ["rate"]})
    nest.Connect(mm, d1 + d2, syn_spec={"delay": dt})
    nest.Simulate(100.0)
    d1.mu = 1.0 + dE
    d2.mu = 1.0 - dE
    nest.Simulate(100.0)
    ev = mm.events
    s, r = np.asarray(ev["senders"]), np.asarray(ev["rate"])
    out = {"std": [], "mean": [], "d1_wins": []}
    for a, b in zip(d1.tolist(), d2.tolist()):
        x, y = r[s == a], r[s == b]
        both = np.concatenate([x, y])
        out["std"].append(float(both.std()))
        out["mean"].append(float(both.mean()))
        out["d1_wins"].append(float(x[-1] > y[-1]))
    return out
