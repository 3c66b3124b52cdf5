"""Synapse scenarios shared by the NEST subprocess (NEST's built-in synapses) and jaxnest
(NESTML library synapses): fixed spike trains through parrot neurons (pre and post), or into
a driven iaf_psc_exp neuron, connected all-to-all with several delays and weights; the
connections' weights (and named state) after each of four chunks, and the targets' spikes.
Imports neither nest nor jaxnest."""
from __future__ import annotations

import numpy as np

# NESTML synapse -> (NEST built-in, NESTML parameters of the scenario, NESTML parameter ->
# built-in synapse parameter (None: the target neuron's), target parameter names, connection
# keys compared besides the weight, parity category)
STDP = {"tau_tr_pre": 15.0, "tau_tr_post": 25.0, "lambda": 0.05, "alpha": 1.3,
        "mu_plus": 0.4, "mu_minus": 0.7, "Wmax": 120.0}
STDP_MAP = {"tau_tr_pre": "tau_plus", "tau_tr_post": None, "lambda": "lambda",
            "alpha": "alpha", "mu_plus": "mu_plus", "mu_minus": "mu_minus", "Wmax": "Wmax"}
CASES = {
    "stdp_synapse": ("stdp_synapse", STDP, STDP_MAP, {"tau_tr_post": "tau_minus"}, [],
                     "exact"),
    # NEST's nearest-neighbour rules pair the first post spikes with a presynaptic spike at
    # t = 0 (t_lastspike_ starts at 0): NESTML's pre_trace starts at 1 to map
    "stdp_nn_symm_synapse": ("stdp_nn_symm_synapse", dict(STDP, pre_trace=1.0), STDP_MAP,
                             {"tau_tr_post": "tau_minus"}, [], "exact"),
    "stdp_nn_pre_centered_synapse": ("stdp_nn_pre_centered_synapse", STDP, STDP_MAP,
                                     {"tau_tr_post": "tau_minus"}, [], "exact"),
    "stdp_nn_restr_symm_synapse": ("stdp_nn_restr_synapse",
                                   dict(STDP, pre_trace=1.0, pre_handled=False), STDP_MAP,
                                   {"tau_tr_post": "tau_minus"}, [], "exact"),
    "stdp_triplet_synapse": (
        "stdp_triplet_synapse",
        {"tau_plus": 16.8, "tau_x": 101.0, "tau_minus": 33.7, "tau_y": 125.0,
         "A2_plus": 0.05, "A3_plus": 0.02, "A2_minus": 0.07, "A3_minus": 0.003,
         "Wmax": 120.0},
        {"tau_plus": "tau_plus", "tau_x": "tau_plus_triplet", "tau_minus": None, "tau_y": None,
         "A2_plus": "Aplus", "A3_plus": "Aplus_triplet", "A2_minus": "Aminus",
         "A3_minus": "Aminus_triplet", "Wmax": "Wmax"},
        {"tau_minus": "tau_minus", "tau_y": "tau_minus_triplet"}, [], "exact"),
    "tsodyks_synapse": ("tsodyks_synapse",
                        {"tau_psc": 3.0, "tau_fac": 20.0, "tau_rec": 300.0, "U": 0.3,
                         "u": 0.3},
                        {"tau_psc": "tau_psc", "tau_fac": "tau_fac", "tau_rec": "tau_rec",
                         "U": "U", "u": "u"}, {}, ["x", "y", "u"], "exact"),
    "static_synapse": ("static_synapse", {}, {}, {}, [], "exact"),
    # weights unbounded in NESTML's model: NEST's bounds far away
    "neuromodulated_stdp_synapse": (
        "stdp_dopamine_synapse",
        {"tau_tr_pre": 15.0, "tau_tr_post": 25.0, "tau_c": 300.0, "tau_n": 100.0, "b": 0.02,
         "A_plus": 0.8, "A_minus": 1.1},
        {"tau_tr_pre": "tau_plus", "tau_tr_post": None, "tau_c": "tau_c", "tau_n": "tau_n",
         "b": "b", "A_plus": "A_plus", "A_minus": "A_minus"},
        {"tau_tr_post": "tau_minus"}, [], "exact"),
    # tests/unit/nestml/models: stdp_synapse with its traces as kernels convolved with the
    # spike ports
    "stdp_kernel_synapse": ("stdp_synapse", STDP, STDP_MAP, {"tau_tr_post": "tau_minus"}, [],
                            "exact"),
    # tests/unit/nestml/models: stdp_synapse with @homogeneous parameters (SetDefaults)
    "stdp_hom_synapse": ("stdp_synapse_hom", STDP, STDP_MAP, {"tau_tr_post": "tau_minus"},
                         [], "exact"),
}

PAIRED = ["stdp_synapse", "stdp_nn_symm_synapse", "stdp_nn_pre_centered_synapse",
          "stdp_nn_restr_symm_synapse", "stdp_triplet_synapse", "stdp_hom_synapse",
          "stdp_kernel_synapse",
          "neuromodulated_stdp_synapse"]
HOM = {"stdp_hom_synapse"}
"""Rule parameters shared by the model's connections: set with SetDefaults."""
VT = {"neuromodulated_stdp_synapse"}
"""Third factor: a volume_transmitter fed by a dopamine spike train (vt_ports)."""
BUILTIN_BOUNDS = {"neuromodulated_stdp_synapse": {"Wmin": -1e4, "Wmax": 1e4}}
"""Co-generated with iaf_psc_exp_neuron (post_spikes); the others are generated alone."""

T_CHUNK, N_CHUNKS = 50.0, 4
DELAYS = (1.0, 1.5, 3.0)


def trains(seed: int, n: int, rate: float):
    """n spike trains on the 0.1 ms grid (ms), a fixed draw."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        k = rng.poisson(rate * T_CHUNK * N_CHUNKS / 1000.0)
        t = np.unique(np.round(rng.uniform(1.0, T_CHUNK * N_CHUNKS - 1.0, k), 1))
        out.append([float(x) for x in t])
    return out


def builtin_params(name: str):
    """(synapse parameters, target parameters) of NEST's built-in for this case."""
    _, params, mp, tgt, _, _ = CASES[name]
    syn = {mp[k]: v for k, v in params.items() if mp.get(k)}
    syn.update(BUILTIN_BOUNDS.get(name, {}))
    post = {tgt[k]: params[k] for k in tgt}
    return syn, post


def run(nest, synapse: str, syn_params: dict, target: str, target_params: dict, keys,
        driven: bool = False, hom: bool = False, dopa: bool = False) -> dict:
    """Weights (and ``keys``) of all connections after each chunk; the targets' spikes.
    ``driven``: the target is one iaf neuron with I_e (spiking on its own); else two parrots
    fed by their own spike trains. ``hom``: the rule's parameters go to SetDefaults.
    ``dopa``: the model's volume_transmitter gets a dopamine train through a parrot."""
    nest.ResetKernel()
    if hom:
        nest.SetDefaults(synapse, syn_params)
        syn_params = {}
    if dopa:
        vt = nest.Create("volume_transmitter")
        dsg = nest.Create("spike_generator", params={"spike_times": trains(3, 1, 25.0)[0]})
        dp = nest.Create("parrot_neuron")
        nest.Connect(dsg, dp)
        nest.Connect(dp, vt)
        nest.SetDefaults(synapse, {"volume_transmitter": vt})
        # deliveries at the chunks' ends only, with no presynaptic spike in flight: a spike
        # delivered after a delivery that passed its stamp is integrated back to it by NEST's
        # stdp_dopamine_synapse, skipped (negative interval) by NEST-NESTML's synapses
        vt.set(deliver_interval=int(T_CHUNK))
    pre_sg = nest.Create("spike_generator", 3)
    for g, t in zip(pre_sg, trains(1, 3, 40.0)):
        if dopa:  # none in a chunk's last 2 ms (see below)
            t = [x for x in t if x % T_CHUNK < T_CHUNK - 2.0]
        g.set(spike_times=t)
    pre = nest.Create("parrot_neuron", 3)
    nest.Connect(pre_sg, pre, "one_to_one")
    if driven:
        post = nest.Create(target, params=dict(target_params, I_e=400.0))
    else:
        post = nest.Create(target, 2, params=target_params)
        post_sg = nest.Create("spike_generator", 2)
        for g, t in zip(post_sg, trains(2, 2, 30.0)):
            g.set(spike_times=t)
        nest.Connect(post_sg, post, "one_to_one")
    k = 0
    for i, a in enumerate(pre):
        for j, b in enumerate(post):
            w = (20.0 + 15.0 * i + 7.0 * j) if not driven else 60.0 + 20.0 * i
            nest.Connect(a, b, syn_spec=dict(syn_params, synapse_model=synapse, weight=w,
                                             delay=DELAYS[k % len(DELAYS)]))
            k += 1
    sr = nest.Create("spike_recorder")
    nest.Connect(post, sr)
    out = {"weight": []}
    out.update({key: [] for key in keys})
    conns = nest.GetConnections(pre, post)
    for _ in range(N_CHUNKS):
        nest.Simulate(T_CHUNK)
        st = conns.get(["source", "target", "weight"] + list(keys))
        order = np.lexsort((st["target"], st["source"]))
        for key in ["weight"] + list(keys):
            out[key].append([float(st[key][i]) for i in order])
    ev = sr.events
    order = np.lexsort((ev["times"], ev["senders"]))
    out["spikes"] = [[int(ev["senders"][i]), float(ev["times"][i])] for i in order]
    return out
