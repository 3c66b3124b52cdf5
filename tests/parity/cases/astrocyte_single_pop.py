"""NEST's astrocytes/astrocyte_single example as ``n`` independent replicas in one kernel: one
poisson_generator (an independent train per target) drives ``n`` astrocyte_lr_1994, so one
run holds as many independent draws of the example's random IP3/Ca traces as astrocytes.
Returns each astrocyte's time mean and standard deviation of IP3 and Ca_astro."""
import numpy as np


def run(nest, n=400, seed=3, T=60000.0, interval=10.0):
    nest.ResetKernel()
    nest.rng_seed = seed
    a = nest.Create("astrocyte_lr_1994", n, params={"delta_IP3": 0.2})
    pg = nest.Create("poisson_generator", params={"rate": 1.0})
    mm = nest.Create("multimeter", params={"interval": interval,
                                           "record_from": ["IP3", "Ca_astro"]})
    nest.Connect(pg, a, syn_spec={"weight": 1.0})
    nest.Connect(mm, a)
    nest.Simulate(T)
    ev = mm.events
    s = np.asarray(ev["senders"])
    out = {}
    for key in ("IP3", "Ca_astro"):
        x = np.asarray(ev[key])
        per = [x[s == g] for g in a.tolist()]
        out[f"{key} mean"] = [float(v.mean()) for v in per]
        out[f"{key} std"] = [float(v.std()) for v in per]
    return out
