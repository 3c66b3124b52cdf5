"""Disconnect: by rule and synapse model, by SynapseCollection, between Simulate calls."""
import numpy as np


def _try(f):
    try:
        f()
        return "none"
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__


def run(nest):
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 4, params={"I_e": [400.0, 0.0, 0.0, 380.0]})
    nest.Connect(n, n, "all_to_all", {"weight": 600.0, "delay": 1.0})
    nest.Connect(n[0], n[1], syn_spec={"weight": 300.0, "delay": 2.0})  # a multapse
    nest.Connect(n[3], n[2], syn_spec={"synapse_model": "stdp_synapse", "weight": 500.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    counts, errors = [nest.num_connections], []
    nest.Simulate(40.0)
    nest.Disconnect(n[0], n[1])  # the first of the two connections
    counts.append(nest.num_connections)
    errors.append(_try(lambda: nest.Disconnect(n[0], n[1], syn_spec="stdp_synapse")))
    errors.append(_try(lambda: nest.Disconnect(n[3], n[2])))  # only an stdp one exists
    nest.Disconnect(n[3], n[2], syn_spec={"synapse_model": "stdp_synapse"})
    nest.Disconnect(n[0:2], n[2:4], conn_spec="all_to_all")
    counts.append(nest.num_connections)
    errors.append(_try(lambda: nest.Disconnect(n[0], n[2], conn_spec="all_to_all")))
    errors.append(_try(lambda: nest.Disconnect(n[0], n[1], conn_spec="fixed_indegree")))
    errors.append(_try(lambda: nest.Disconnect(n[0:2], n[0:3])))
    nest.Simulate(40.0)
    c = nest.GetConnections(n[3], n)
    c.disconnect()
    counts.append(nest.num_connections)
    nest.Simulate(40.0)
    c = nest.GetConnections(n)
    src, tgt, w = (np.array(c.get(k)) for k in ("source", "target", "weight"))
    order = np.lexsort((w, tgt, src))
    return dict(counts=counts, errors=errors, src=src[order], tgt=tgt[order], w=w[order],
                senders=sr.events["senders"], times=sr.events["times"])


def stale_collections(nest):
    """A SynapseCollection keeps its length after some of its connections are disconnected:
    its elements still name the same connections, one disconnected twice is an error, and a
    loop over it may disconnect as it goes (NEST's test_issue_3532)."""
    nest.ResetKernel()
    n = nest.Create("parrot_neuron", 4)
    nest.Connect(n, n)
    c = nest.GetConnections()
    c[5].disconnect()
    c[2].disconnect()
    out = dict(lens=[len(c), nest.num_connections],
               again=[_try(lambda: c[5].disconnect()), _try(lambda: nest.Disconnect(c[2]))],
               kept=[[c[i].source, c[i].target] for i in (0, 6, 15)])
    for i, conn in enumerate(c):
        if i % 3 == 0:
            nest.Disconnect(conn)
    left = nest.GetConnections()
    out["left"] = sorted(zip(left.sources(), left.targets()))
    out["lens"].append(len(c))
    return out
