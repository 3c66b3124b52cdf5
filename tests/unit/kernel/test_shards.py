"""Plastic edge sets split over two host devices (kernel/shards.py): the same network run with
its plastic deliveries on two devices and on one gives the same spikes and weights (the ring
buffer's sums come in another order: weights within rounding)."""
import jax
import numpy as np
import pytest

import jaxnest as nest
from jaxnest.api import _state
from jaxnest.kernel import shards

two_devices = pytest.mark.skipif(jax.local_device_count() < 2,
                                 reason="needs two host devices (a machine with two cores)")


def _run(split: bool, monkeypatch) -> dict:
    """600 neurons (archive rings start at 32 entries and grow: some fire fast, some slowly)
    driven by a Poisson generator and currents, stdp_synapse among them; a run, then weights
    set, connections added and a second run."""
    monkeypatch.setattr(shards, "MIN_EDGES", 0 if split else 1 << 40)
    nest.ResetKernel()
    nest.SetKernelStatus({"local_num_threads": 2, "rng_seed": 11})
    n = nest.Create("iaf_psc_alpha", 600, params={"I_e": nest.random.uniform(0.0, 1500.0)})
    pg = nest.Create("poisson_generator", params={"rate": 9000.0})
    nest.Connect(pg, n, syn_spec={"weight": 12.0})
    nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": 30},
                 {"synapse_model": "stdp_synapse", "weight": 25.0,
                  "delay": nest.random.uniform(1.0, 3.0)})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(120.0)
    plan = _state.kernel().runtime.plan
    first = dict(shards=plan.shards, rings=_state.kernel().runtime.arch_H,
                 w=np.array(nest.GetConnections(synapse_model="stdp_synapse").get("weight")))
    conns = nest.GetConnections(n[:50], synapse_model="stdp_synapse")
    conns.set(weight=40.0)
    nest.Connect(n[:100], n[100:200], "one_to_one",
                 {"synapse_model": "stdp_synapse", "weight": 30.0, "delay": 2.0})
    nest.Simulate(80.0)
    c = nest.GetConnections(synapse_model="stdp_synapse")
    ev = sr.get("events")
    return dict(first=first, shards=_state.kernel().runtime.plan.shards,
                w=np.array(c.get("weight")), kplus=np.array(c.get("Kplus")),
                times=ev["times"], senders=ev["senders"])


@two_devices
def test_two_devices_run_as_one(monkeypatch):
    one, two = _run(False, monkeypatch), _run(True, monkeypatch)
    assert (one["first"]["shards"], two["first"]["shards"], two["shards"]) == (1, 2, 2)
    assert two["first"]["rings"] > 32  # rings grew (an overflow seen on both devices)
    assert one["first"]["rings"] == two["first"]["rings"]
    np.testing.assert_array_equal(two["times"], one["times"])
    np.testing.assert_array_equal(two["senders"], one["senders"])
    assert one["times"].size > 10000
    for when in (two["first"]["w"], two["w"]):  # weights read after each run
        assert when.size and np.ptp(when) > 1.0  # they did change
    np.testing.assert_allclose(two["first"]["w"], one["first"]["w"], rtol=1e-12)
    np.testing.assert_allclose(two["w"], one["w"], rtol=1e-12)
    np.testing.assert_allclose(two["kplus"], one["kplus"], rtol=1e-12)


def test_each_segment_goes_to_one_device():
    rng = np.random.default_rng(3)
    nseg = rng.integers(0, 6, 200).astype(np.int32)
    first = np.concatenate([[0], np.cumsum(nseg)[:-1]]).astype(np.int32)
    seg_len, k = 4, 2
    lanes = (int(nseg.sum()) + 1) * seg_len
    valid = (rng.random(lanes) < 0.9).astype(np.int8)
    f, c = shards.split_rows(first, nseg, k)
    np.testing.assert_array_equal(c.sum(axis=0), nseg)
    owner = np.full(lanes // seg_len, -1)
    for d in range(k):
        for r in np.flatnonzero(c[d]):
            segs = np.arange(f[d, r], f[d, r] + c[d, r])
            assert np.all((segs >= first[r]) & (segs < first[r] + nseg[r]))
            assert np.all(owner[segs] == -1)
            owner[segs] = d
    short = nseg < k  # rows of fewer segments than devices go whole, by row
    assert np.all(c[np.arange(200) % k, np.arange(200)][short] == nseg[short])
    pv = shards.part_valid(valid, f, c, seg_len)
    np.testing.assert_array_equal(pv.sum(axis=0), np.where(np.repeat(owner, seg_len) >= 0,
                                                            valid, 0))
    state = np.stack([np.full(lanes, 1.0), np.full(lanes, 2.0)])
    merged = shards.merged(state, pv)
    assert np.all(merged[pv[1] != 0] == 2.0) and np.all(merged[pv[1] == 0] == 1.0)


@two_devices
def test_what_stays_on_one_device(monkeypatch):
    monkeypatch.setattr(shards, "MIN_EDGES", 0)

    def plan_of(threads, recorder=False):
        nest.ResetKernel()
        nest.SetKernelStatus({"local_num_threads": threads})
        n = nest.Create("iaf_psc_alpha", 300)
        spec = {"synapse_model": "stdp_synapse"}
        if recorder:
            wr = nest.Create("weight_recorder")
            nest.CopyModel("stdp_synapse", "recorded", {"weight_recorder": wr})
            spec = {"synapse_model": "recorded"}
        nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": 5}, spec)
        nest.Simulate(1.0)
        return _state.kernel().runtime.plan.shards

    assert plan_of(2) == 2
    assert plan_of(1) == 1            # the script asked for one thread
    assert plan_of(2, recorder=True) == 1  # weight records in one buffer
    monkeypatch.setattr(shards, "EDGE_BYTES", 1 << 40)
    assert plan_of(2) == 1            # the devices' copies would not fit in memory
    monkeypatch.setattr(shards, "EDGE_BYTES", 64)
    monkeypatch.setattr(shards, "MIN_EDGES", 1 << 40)
    assert plan_of(2) == 1            # too few plastic connections to pay for the sums
