"""A layered cortical network under real NEST and under jaxnest: eight populations with
their own Poisson drives, low rates, and a delay drawn for every connection (so min_delay is
the resolution and every step is a slice of its own).

    python benchmarks/populations.py --scale 0.25 --simtime 1000 --threads 2 --repeat

The populations, connection probabilities, in-degrees of the drives and mean rates are those
of Potjans & Diesmann (2014)'s cortical microcircuit (the published tables); neurons and
in-degrees are both scaled by ``--scale`` (0.25: 19,292 iaf_psc_exp neurons, ~18.7M
synapses), weights by 1/sqrt(scale) and the lost mean input given back as a direct current,
as the model's authors scale it. Weights and delays are drawn per connection (normal,
redrawn below 0 for weights of excitatory sources and above 0 for inhibitory ones, delays
redrawn below the resolution). Every neuron is recorded; ``rate`` is the mean over all.
Output and fields as benchmarks/brunel.py (one JSON line per backend, then both with the
ratios jaxnest / NEST).
"""
from __future__ import annotations

import argparse
import json
import math
import sys

from brunel import add_common_options, compare, run_one

POPULATIONS = ("L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I")
N_FULL = (20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948)
P_CONN = ((0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0),
          (0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0),
          (0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0),
          (0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0),
          (0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0),
          (0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0),
          (0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252),
          (0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443))
K_EXT = (1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100)
RATES_FULL = (0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829)  # Hz, full scale
BG_RATE = 8.0           # Hz per external input
W_MEAN = 87.81          # pA: a 0.15 mV PSP
G = -4.0                # inhibitory / excitatory weight
DELAY = {True: (1.5, 0.75), False: (0.75, 0.375)}  # excitatory / inhibitory source: mean, sd
NEURON = {"C_m": 250.0, "tau_m": 10.0, "tau_syn_ex": 0.5, "tau_syn_in": 0.5, "t_ref": 2.0,
          "E_L": -65.0, "V_th": -50.0, "V_reset": -65.0}


def _weight(post: int, pre: int) -> float:
    """Mean weight (pA, full scale) of pre -> post; L4E -> L23E is doubled."""
    w = W_MEAN if pre % 2 == 0 else G * W_MEAN
    return 2 * w if (post, pre) == (0, 2) else w


def _in_degree(post: int, pre: int) -> float:
    """Synapses per target neuron at full scale (from the connection probability, multapses
    allowed, as the model's authors count them)."""
    p = P_CONN[post][pre]
    if p == 0:
        return 0.0
    n = math.log(1 - p) / math.log(1 - 1 / (N_FULL[pre] * N_FULL[post]))
    return round(n) / N_FULL[post]


def _sizes(scale: float) -> list[int]:
    return [max(round(n * scale), 1) for n in N_FULL]


def populations(nest, scale: float, seed: int, threads: int = 1):
    """The network; returns its spike recorder (every neuron)."""
    nest.ResetKernel()
    if threads > 1:
        nest.local_num_threads = threads
    nest.resolution = 0.1
    nest.rng_seed = seed
    h = 0.1
    w_scale = 1 / math.sqrt(scale)
    tau_syn = NEURON["tau_syn_ex"]
    pops = []
    for i, n in enumerate(_sizes(scale)):
        # the mean input of the synapses (and drives) left out, as a direct current
        dc = sum(_in_degree(i, j) * _weight(i, j) * RATES_FULL[j] for j in range(8))
        dc += K_EXT[i] * W_MEAN * BG_RATE
        params = dict(NEURON, I_e=0.001 * tau_syn * (1 - math.sqrt(scale)) * dc)
        pop = nest.Create("iaf_psc_exp", n, params=params)
        pop.V_m = nest.random.normal(-58.0, 10.0)
        pops.append(pop)
    for i, post in enumerate(pops):
        drive = nest.Create("poisson_generator", params={"rate": K_EXT[i] * scale * BG_RATE})
        nest.Connect(drive, post, syn_spec={"weight": W_MEAN * w_scale, "delay": 1.5})
        for j, pre in enumerate(pops):
            n = round(_in_degree(i, j) * scale * len(post))
            if n == 0:
                continue
            w, (d, d_sd) = _weight(i, j) * w_scale, DELAY[j % 2 == 0]
            bound = {"min": 0.0, "max": math.inf} if w > 0 else {"min": -math.inf, "max": 0.0}
            nest.Connect(pre, post, {"rule": "fixed_total_number", "N": n}, {
                "weight": nest.math.redraw(nest.random.normal(w, 0.1 * abs(w)), **bound),
                "delay": nest.math.redraw(nest.random.normal(d, d_sd), min=h, max=math.inf)})
    spikes = nest.Create("spike_recorder")
    every = pops[0]
    for pop in pops[1:]:
        every = every + pop
    nest.Connect(every, spikes)
    return spikes


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=0.25)
    add_common_options(p)
    a = p.parse_args(argv)
    if a.child:
        nest_side = a.backend == "nest"

        def build(nest):
            return populations(nest, a.scale, a.seed, a.threads if nest_side else 1)
        n_rec = sum(_sizes(a.scale))
        print(json.dumps(run_one(a.backend, build, a.simtime, a.repeat, n_rec,
                                 dict(scale=a.scale, seed=a.seed, n_neurons=n_rec,
                                      threads=a.threads if nest_side else None))), flush=True)
        return
    compare(__file__, a, argv)


if __name__ == "__main__":
    main()
