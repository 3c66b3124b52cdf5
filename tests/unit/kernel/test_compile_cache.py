"""Compile once per network structure: value changes and ResetKernel + rebuild reuse code."""
import numpy as np
import pytest

import jaxnest as nest
from jaxnest.kernel import engine


def _build(rate=8000.0, weight=20.0):
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 20, params={"I_e": 300.0})
    pg = nest.Create("poisson_generator", params={"rate": rate})
    sg = nest.Create("spike_generator", params={"spike_times": [1.0, 2.0, 30.0]})
    sr = nest.Create("spike_recorder")
    vm = nest.Create("voltmeter")
    nest.Connect(pg, n, syn_spec={"weight": weight})
    nest.Connect(sg, n[:5])
    nest.Connect(n, n, {"rule": "one_to_one"}, {"weight": weight, "delay": 1.5})
    nest.Connect(n, sr)
    nest.Connect(vm, n)
    return n, pg, sr, vm


def test_value_changes_and_lengths_do_not_retrace():
    n, pg, sr, vm = _build()
    nest.Simulate(50.0)
    traces = engine.TRACES[0]
    n.I_e = 500.0
    pg.rate = 12000.0
    nest.GetConnections(n, n).weight = 10.0
    nest.Simulate(17.3)
    nest.Simulate(200.0)
    assert engine.TRACES[0] == traces
    assert sr.n_events > 0 and vm.n_events > 0


def test_value_set_for_one_neuron_and_reset_switches_executable_once(monkeypatch):
    """A script that gives one neuron its own I_e and resets it every run (NEST's
    evaluate_quantal_stp_synapse): the group's column becomes an array once and stays one,
    so the runs do not alternate between a scalar's and an array's executable."""
    from jaxnest.kernel import exec_cache
    looked_up = []
    signature = exec_cache._signature
    monkeypatch.setattr(exec_cache, "_signature",
                        lambda args: looked_up.append(1) or signature(args))
    n, pg, sr, vm = _build()
    v, looked = [], []
    for _ in range(4):
        n[0].I_e = 450.0
        nest.Simulate(10.0)
        v.append(n[0].V_m - n[1].V_m)
        n[0].I_e = 300.0
        nest.Simulate(10.0)
        looked.append(len(looked_up))
    assert looked[0] > 0 and looked[1:] == looked[:1] * 3  # the first round finds them all
    assert all(d != 0.0 for d in v)  # the value reached the neuron


def test_reset_and_rebuild_same_shape_reuses_compilation():
    _build()
    nest.Simulate(20.0)
    traces = engine.TRACES[0]
    _build(rate=5000.0, weight=15.0)
    nest.Simulate(20.0)
    assert engine.TRACES[0] == traces


def test_value_change_takes_effect():
    n, pg, sr, vm = _build(rate=0.0)
    nest.Simulate(20.0)
    v_before = np.array(n.V_m)
    pg.rate = 50000.0
    nest.Simulate(20.0)
    assert sr.n_events > 0
    assert not np.allclose(np.array(n.V_m), v_before)


def _grow(stdp: bool):
    """20 neurons; 1..4 more connections (static or stdp) between each of 4 runs."""
    nest.ResetKernel()
    n, pg, sr, vm = _build()
    syn = {"synapse_model": "stdp_synapse", "weight": 30.0} if stdp else {"weight": 30.0}
    traces = []
    for k in range(4):
        nest.Connect(n[k:k + 1], n[10:10 + k + 1], syn_spec=syn)
        nest.Simulate(25.0)
        traces.append(engine.TRACES[0])
    out = dict(times=np.array(sr.events["times"]), senders=np.array(sr.events["senders"]),
               V_m=np.array(vm.events["V_m"]))
    if stdp:
        out["w"] = np.array(nest.GetConnections(synapse_model="stdp_synapse").weight)
    return np.diff(traces), out


@pytest.mark.parametrize("stdp", [False, True])
def test_connections_added_between_runs_reuse_compilation(monkeypatch, stdp):
    """A few more connections keep the padded edge-set shapes (plan.segment_capacity, the
    last plan's segment length): no new compilation, and the same results as exact shapes."""
    from jaxnest.kernel import plan as plan_mod
    retraced, got = _grow(stdp)
    assert not retraced.any()
    with monkeypatch.context() as m:  # exact shapes, segments chosen afresh each time
        m.setattr(plan_mod, "segment_capacity", lambda n_seg, seg_len, fine=False: n_seg)
        m.setattr(plan_mod, "SEG_KEEP", 1.0)
        m.setattr(plan_mod, "MIN_LANES", 0)
        retraced, want = _grow(stdp)
    assert retraced.any()
    np.testing.assert_array_equal(got["senders"], want["senders"])
    np.testing.assert_array_equal(got["times"], want["times"])
    np.testing.assert_allclose(got["V_m"], want["V_m"], rtol=1e-12)
    if stdp:
        np.testing.assert_allclose(got["w"], want["w"], rtol=1e-12)


def test_segment_capacity_buckets():
    from jaxnest.kernel.plan import segment_capacity
    for n_seg, seg_len in ((1, 1), (3, 8), (100, 8), (1000, 64), (20_000, 1280), (5, 4096)):
        cap = segment_capacity(n_seg, seg_len)
        assert cap >= n_seg
        lanes = n_seg * seg_len
        assert cap * seg_len <= max(2 * lanes, 1024 + seg_len) if lanes <= 1 << 20 \
            else cap * seg_len <= 1.125 * lanes + 2 * seg_len
    assert segment_capacity(10**8, 1) <= 1.032 * 10**8  # large networks: little padding
    assert segment_capacity(300, 8) == segment_capacity(400, 8)  # one bucket: one shape
    # sets walked every step (e-prop): buckets of an eighth of a power of two
    for n_seg, seg_len in ((5000, 4), (300, 8), (257, 4)):
        cap = segment_capacity(n_seg, seg_len, fine=True)
        assert n_seg <= cap and cap * seg_len <= max(1.125 * n_seg * seg_len, 1024) + seg_len


def test_compiled_chunks_are_bounded(monkeypatch):
    """A process keeps only the most recently used chunk functions: each executable maps
    ~2,000 memory regions, and keeping every structure's (NEST's test_issue_77: 50 models
    after ResetKernel) ended at Linux's map limit. An evicted one runs again when needed."""
    from jaxnest.kernel import runtime
    monkeypatch.setattr(runtime, "_KEEP_COMPILED", 2)

    def run(model):
        nest.ResetKernel()
        n = nest.Create(model, params={"I_e": 400.0})
        sr = nest.Create("spike_recorder")
        nest.Connect(n, sr)
        nest.Simulate(100.0)
        return sr.events["times"].tolist()

    first = run("iaf_psc_alpha")
    for model in ("iaf_psc_exp", "iaf_psc_delta"):
        run(model)
        assert len(runtime._COMPILED) <= 2
    assert run("iaf_psc_alpha") == first and first
