"""Continuous postsynaptic ports of NESTML synapses (``post_ports`` entries ``[port,
variable]``): the synapse reads its paired neuron's state variable, in onReceive(post_spikes)
as NEST-NESTML's buffering method gives it (``post_spike_based``: at the spike, as the neuron
emitted it; ``continuous_time_buffer``: at the spike time plus the connection's delay) and in
onReceive(pre_spikes) as the neuron is at the delivery.

NEST cannot build NESTML's C++ here, so the reference is this file's event-by-event account
of NEST-NESTML's generated ``send()`` (the schedule NESTML's own third-factor tutorial checks
against), fed with the spike times jaxnest recorded; the gate changes by SetStatus between
runs and by the neuron itself (halved just after each of its spikes), so the three readings
differ."""
from __future__ import annotations

import math
import os

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = [os.path.join(HERE, "models", f) for f in ("gate_neuron.nestml",
                                                    "gated_stdp_synapse.nestml")]
MODES = {"post_spike_based": "gatespikemodule", "continuous_time_buffer": "gatedelaymodule"}
NEURON = "gate_neuron__with_gated_stdp_synapse"
SYNAPSE = "gated_stdp_synapse__with_gate_neuron"
H, MIN_DELAY, CHUNK = 0.1, 1.0, 10.0
DELAYS = (1.0, 2.5)
PRE = ([3.0, 14.0, 27.0, 33.0, 48.0, 61.0, 77.0, 95.0],    # spike_generator times (+1 ms
       [6.0, 19.0, 30.0, 52.0, 66.0, 83.0])               # to the parrots)
POST = [5.0, 12.0, 18.0, 24.5, 41.0, 57.0, 63.0, 79.0, 88.0]  # drive times (+1 ms)
GATES = [1.0, 0.4, 2.0, 0.0, 1.5, 0.7, 3.0, 0.25, 1.2, 0.9]  # set at 0, 10, 20, ... ms
PARAMS = {"tau_tr_pre": 10.0, "tau_tr_post": 15.0, "lam": 0.1}


def _module(nest, mode):
    from pynestml.frontend.pynestml_frontend import generate_nest_target  # jaxnest's (hook)
    pairs = [{"neuron": "gate_neuron", "synapses": {"gated_stdp_synapse": {
        "post_ports": ["post_spikes", ["gate", "g"]]}}}]
    generate_nest_target(input_path=MODELS, module_name=MODES[mode],
                         codegen_opts={"neuron_synapse_pairs": pairs,
                                       "weight_variable": {"gated_stdp_synapse": "w"},
                                       "continuous_state_buffering_method": mode})
    nest.Install(MODES[mode])


def _simulate(nest):
    """Weights of the two connections after each chunk; the parrots' and the neuron's
    spike times."""
    nest.ResetKernel()
    nest.resolution = H
    post = nest.Create(NEURON)
    rt = post.get("receptor_types")
    parrots = nest.Create("parrot_neuron", 2)
    drive = nest.Create("spike_generator", params={"spike_times": POST})
    nest.Connect(drive, post, syn_spec={"weight": 20.0, "delay": 1.0,
                                        "receptor_type": rt["DRIVE"]})
    recs = nest.Create("spike_recorder", 3)
    for i, (times, d) in enumerate(zip(PRE, DELAYS)):
        sg = nest.Create("spike_generator", params={"spike_times": times})
        nest.Connect(sg, parrots[i], syn_spec={"delay": 1.0})
        nest.Connect(parrots[i], post, syn_spec=dict(
            PARAMS, synapse_model=SYNAPSE, weight=1.0, delay=d,
            receptor_type=rt["SYN_IN"]))
        nest.Connect(parrots[i], recs[i])
    nest.Connect(post, recs[2])
    conns = [nest.GetConnections(parrots[i], post) for i in range(2)]
    weights = []
    for g in GATES:
        post.g = g
        nest.Simulate(CHUNK)
        weights.append([c.get("weight") for c in conns])
    times = [np.round(r.get("events")["times"], 10).tolist() for r in recs]
    return np.array(weights), times[:2], times[2]


def _gate(x, posts, set_incl, halve_incl, eps=1e-9):
    """The neuron's g at x: the last SetStatus value (set at chunk boundaries, ``set_incl``:
    one set at x counts) halved for each of its spikes after that and up to x."""
    sets = [(i * CHUNK, v) for i, v in enumerate(GATES)
            if (i * CHUNK <= x + eps if set_incl else i * CHUNK < x - eps)]
    T, v = sets[-1]
    n = sum(1 for t in posts if t > T + eps and (t <= x + eps if halve_incl else t < x - eps))
    return v * 0.5 ** n


def reference(pres, posts, d, mode):
    """NEST-NESTML's weight of one connection (delay d) after each chunk: a presynaptic
    spike stamped t is delivered at the start of the min_delay slice after its own (in the
    next run where its slice ended a run); it first takes the postsynaptic spikes t_p in
    (t_last - d, t - d] (each: w += lam gate(t_p) pre_trace(t_p + d), the pre trace before
    any spike at t_p + d), then w -= lam gate(now) post_trace(t - d) (before a spike at
    t - d); gate(t_p) as the buffering method gives it, gate(now) the neuron's g at the
    delivery."""
    lam, tpre, tpost = PARAMS["lam"], PARAMS["tau_tr_pre"], PARAMS["tau_tr_post"]

    def slice_end(t):
        step = round(t / H) - 1
        return (step // round(MIN_DELAY / H) + 1) * MIN_DELAY

    w, t_last, out, k = 1.0, 0.0, [], 0
    events = []
    for t in pres:
        for tp in (x for x in posts if t_last - d + 1e-9 < x <= t - d + 1e-9):
            tr = sum(math.exp(-(tp + d - x) / tpre) for x in pres if x < tp + d - 1e-9)
            gate = _gate(tp, posts, False, False) if mode == "post_spike_based" else \
                _gate(tp + d, posts, False, True)
            w += lam * gate * tr
        tr = sum(math.exp(-(t - d - x) / tpost) for x in posts if x < t - d - 1e-9)
        w -= lam * _gate(slice_end(t), posts, True, True) * tr
        t_last = t
        events.append((slice_end(t), w))
    for i in range(len(GATES)):
        T = (i + 1) * CHUNK
        done = [wv for te, wv in events if te < T - 1e-9]
        out.append(done[-1] if done else 1.0)
        k += 1
    return np.array(out)


@pytest.mark.parametrize("mode", list(MODES))
def test_gate_as_nest_nestml_reads_it(mode):
    import jaxnest as nest
    _module(nest, mode)
    weights, pres, posts = _simulate(nest)
    assert posts == [round(t + 1.0, 10) for t in POST]  # the drive makes every spike
    for i, d in enumerate(DELAYS):
        ref = reference(pres[i], posts, d, mode)
        other = reference(pres[i], posts, d, ({*MODES} - {mode}).pop())
        assert np.max(np.abs(ref - other)) > 1e-3  # the scenario tells the methods apart
        np.testing.assert_allclose(weights[:, i], ref, rtol=1e-12, atol=1e-14)


def test_target_without_the_variable_raises():
    import jaxnest as nest
    _module(nest, "post_spike_based")
    nest.ResetKernel()
    a, b = nest.Create("parrot_neuron", 2)
    nest.Connect(a, b, syn_spec={"synapse_model": SYNAPSE})
    with pytest.raises(nest.NESTErrors.IllegalConnection, match="'g'"):
        nest.Simulate(1.0)


@pytest.mark.slow  # two pynestml front-end runs (~8 s)
def test_bad_port_pairs_raise():
    import jaxnest as nest  # noqa: F401
    from pynestml.frontend.pynestml_frontend import generate_nest_target

    from jaxnest.errors import BadProperty
    for entry, match in ((["gate", "no_such_var"], "no_such_var"),
                         (["post_spikes", "g"], "not a continuous")):
        pairs = [{"neuron": "gate_neuron", "synapses": {"gated_stdp_synapse": {
            "post_ports": ["post_spikes", entry]}}}]
        with pytest.raises(BadProperty, match=match):
            generate_nest_target(input_path=MODELS, module_name="gatebadmodule",
                                 codegen_opts={"neuron_synapse_pairs": pairs})
