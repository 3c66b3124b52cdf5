"""Stochastic transmission (bernoulli_synapse, quantal_stp_synapse) over seeds: what a
presynaptic parrot's regular train delivers through many connections into a leak-free
iaf_psc_delta (V_m sums the transmitted weights), per time window and seed; the synapses'
state at the end; and the cases NEST makes exact (p = 0, p = 1)."""
import numpy as np

TRAIN = list(np.round(np.arange(2.0, 100.0, 2.0), 1))
WINDOWS = [0.0, 12.0, 30.0, 60.0, 110.0]


def _sink(nest):
    sink = nest.Create("iaf_psc_delta", params={"V_th": 1e12, "tau_m": 1e12, "E_L": 0.0,
                                                "V_m": 0.0, "V_reset": 0.0, "t_ref": 0.0})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 1.0})
    nest.Connect(mm, sink)
    return sink, mm


def _windows(mm) -> list:
    ev = mm.events
    v = np.r_[0.0, ev["V_m"]]
    t = np.r_[0.0, ev["times"]]
    return [float(np.interp(b, t, v) - np.interp(a, t, v))
            for a, b in zip(WINDOWS[:-1], WINDOWS[1:])]


def release(nest, model, spec, seeds, n_conn=40):
    """Per seed: delivered sums per window; mean and variance over connections of each
    per-connection state value ``state`` at the end."""
    out = {"windows": [], "state_mean": [], "state_var": []}
    for seed in seeds:
        nest.ResetKernel()
        nest.rng_seed = seed
        sg = nest.Create("spike_generator", params={"spike_times": TRAIN})
        pre = nest.Create("parrot_neuron")
        nest.Connect(sg, pre)
        sink, mm = _sink(nest)
        nest.Connect(pre, sink, conn_spec={"rule": "fixed_indegree", "indegree": n_conn},
                     syn_spec={"synapse_model": model, **spec})
        nest.Simulate(60.0)
        nest.Simulate(50.0)
        out["windows"].append(_windows(mm))
        c = nest.GetConnections(pre, sink)
        keys = [k for k in ("a", "u") if model == "quantal_stp_synapse"]
        vals = [np.asarray(c.get(k), float) for k in keys] or [np.zeros(n_conn)]
        out["state_mean"].append([v.mean() for v in vals])
        out["state_var"].append([v.var() for v in vals])
    return out


def exact(nest):
    """p_transmit 0 and 1 (and quantal release with u = 1, n = a): no randomness left;
    spikes of multiplicity 2 and 3 included."""
    nest.ResetKernel()
    nest.rng_seed = 3
    out = {}
    times = TRAIN[:20] + [41.0, 41.0, 47.0, 47.0, 47.0]
    for name, model, spec in (("p0", "bernoulli_synapse", {"p_transmit": 0.0}),
                              ("p1", "bernoulli_synapse", {"p_transmit": 1.0, "weight": 2.0}),
                              ("q1", "quantal_stp_synapse", {"U": 1.0, "u": 1.0, "n": 3,
                                                             "a": 3, "tau_rec": 1e-6})):
        sg = nest.Create("spike_generator", params={"spike_times": sorted(times)})
        pre = nest.Create("parrot_neuron")
        nest.Connect(sg, pre)
        sink, mm = _sink(nest)
        nest.Connect(pre, sink, syn_spec={"synapse_model": model, **spec})
        out[name] = mm
    nest.Simulate(60.0)
    return {k: mm.events["V_m"] for k, mm in out.items()}
