"""The connection table keeps a column that every Connect gives one value as runs (8 bytes a
connection in all for Brunel-like networks): reads, sets, deletions and simulations must
not tell the difference from a table with every column dense."""
import numpy as np
import pytest

import jaxnest as nest
from jaxnest.api import _state


def _table():
    return _state.kernel().network.conns


def _brunel_like(dense: bool):
    """Two populations, fixed in-degree, one Poisson drive; weights and delays given as one
    value per Connect, or (``dense``) as arrays of the same values."""
    nest.ResetKernel()
    nest.rng_seed = 7
    e = nest.Create("iaf_psc_alpha", 160)
    i = nest.Create("iaf_psc_alpha", 40)
    pg = nest.Create("poisson_generator", params={"rate": 20000.0})
    sr = nest.Create("spike_recorder")

    def spec(w, d, k):  # (arrays: one row per target)
        return {"weight": np.full((200, k), w), "delay": np.full((200, k), d)} if dense \
            else {"weight": w, "delay": d}
    nest.Connect(e, e + i, {"rule": "fixed_indegree", "indegree": 16}, spec(60.0, 1.5, 16))
    nest.Connect(i, e + i, {"rule": "fixed_indegree", "indegree": 4}, spec(-300.0, 0.8, 4))
    nest.Connect(pg, e + i, syn_spec={"weight": 60.0, "delay": 1.5})
    nest.Connect(e + i, sr)
    return sr


def test_one_value_per_connect_is_stored_once():
    _brunel_like(dense=False)
    table = _table()
    n = len(table)
    assert n == 200 * 20 + 200 + 200
    assert table.nbytes == 8 * n  # sources and targets only
    conns = nest.GetConnections(synapse_model="static_synapse")
    w = np.array(conns.get("weight"))
    d = np.array(conns.get("delay"))
    assert set(np.unique(w).tolist()) == {60.0, -300.0, 1.0}
    assert (d[w == -300.0] == 0.8).all() and (d[w == 60.0] == 1.5).all()
    with pytest.raises(ValueError, match="read-only"):
        table.cols["weight"][0] = 1.0  # writes go through ConnTable.assign


def test_runs_and_dense_columns_simulate_the_same():
    trains = []
    for dense in (False, True):
        sr = _brunel_like(dense)
        nest.Simulate(200.0)
        ev = sr.events
        trains.append((np.asarray(ev["senders"]), np.asarray(ev["times"])))
        assert (_table().nbytes > 8 * len(_table())) == dense
    assert trains[0][0].size > 100
    assert np.array_equal(trains[0][0], trains[1][0])
    assert np.array_equal(trains[0][1], trains[1][1])


def test_set_and_disconnect_keep_every_other_value():
    _brunel_like(dense=False)
    conns = nest.GetConnections(synapse_model="static_synapse")
    src, tgt = np.array(conns.get("source")), np.array(conns.get("target"))
    w, d = np.array(conns.get("weight")), np.array(conns.get("delay"))
    pick = nest.GetConnections(source=nest.NodeCollection([3]))
    pick.set(weight=5.0)  # the weight column becomes dense; the delays stay runs
    w[src == 3] = 5.0
    drop = (src == 170) & (tgt <= 200)  # an inhibitory neuron's outgoing connections
    nest.Disconnect(nest.GetConnections(source=nest.NodeCollection([170]),
                                        target=nest.NodeCollection(list(range(1, 201)))))
    after = nest.GetConnections(synapse_model="static_synapse")
    assert np.array_equal(np.array(after.get("source")), src[~drop])
    assert np.array_equal(np.array(after.get("weight")), w[~drop])
    assert np.array_equal(np.array(after.get("delay")), d[~drop])
    assert _table().uniform("syn") is not None


def test_plastic_state_fetched_only_when_read(monkeypatch):
    """A run's plastic state reaches the table when a plastic column (weight, the rule's
    state) is read, not when a structural one is (the kernel reads the synapse ids after
    every run): a read of structure leaves the device's state where it is, and what is read
    later is the last run's."""
    from jaxnest.kernel import plastic
    calls = []
    real = plastic.write_back
    monkeypatch.setattr(plastic, "write_back", lambda *a: calls.append(1) or real(*a))
    nest.ResetKernel()
    sg = nest.Create("spike_generator", params={"spike_times": [5.0, 15.0, 25.0, 35.0]})
    pre = nest.Create("parrot_neuron", 3)
    post = nest.Create("iaf_psc_alpha", 3, params={"I_e": 400.0})
    nest.Connect(sg, pre)
    nest.Connect(pre, post, syn_spec={"synapse_model": "stdp_synapse", "weight": 50.0})
    w0 = nest.GetConnections(pre).weight
    nest.Simulate(20.0)
    conns = _table()
    for k in ("source", "target", "delay", "syn", "receptor"):
        conns.distinct(k), conns.take(k, np.arange(len(conns))), conns.column(k)
    assert not calls  # the run's state is still on the device
    nest.Simulate(20.0)
    assert not calls
    w = nest.GetConnections(pre).weight
    assert calls == [1]  # fetched once, the second run's state
    assert np.all(np.asarray(w) != np.asarray(w0))  # (the weights did change)
    nest.Simulate(10.0)
    plastic_kplus = nest.GetConnections(pre).get("Kplus")
    assert calls == [1, 1] and len(plastic_kplus) == 9
