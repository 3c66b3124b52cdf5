"""The chunk call's boundary (kernel/packed.py, Runtime.run): states packed one array per
dtype, the carry's buffers taken by the chunk for its results, a copy given where the chunk
may have to run again from the same carry, and a consistent network after an interrupt."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnest as nest
from jaxnest import jaxenv
from jaxnest.api import _state
from jaxnest.kernel import runtime
from jaxnest.kernel.packed import Packed


def test_packed_round_trip_on_the_host_and_traced():
    values = {"V_m": np.array([-65.0, -70.5]), "r": np.array([3, 0], np.int32),
              "h": np.arange(6.0).reshape(3, 2), "t": np.array([1.5, 2.5]),
              "on": np.array([True, False])}
    p = Packed.of(values)
    assert len(p.data) == 3  # one array per dtype
    got = p.unpack()
    assert list(got) == list(values)
    for k, v in values.items():
        assert got[k].dtype == v.dtype and np.array_equal(got[k], v), k
    with jaxenv.scope():
        doubled = jax.jit(lambda q: q.like({k: v * 2 for k, v in q.unpack().items()}))(p)
    for k, v in doubled.fetch().items():
        assert np.array_equal(v, values[k] * 2), k
    other = Packed.of(dict(values, t=np.array([1.0, 2.0, 3.0])))
    assert jax.tree.structure(other) != jax.tree.structure(p)  # shapes are static


def _network(n_rec: int = 1, rate_ie: float = 1000.0, plastic: bool = False):
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 20, params={"I_e": rate_ie, "t_ref": 0.1})
    syn = {"synapse_model": "stdp_synapse", "weight": 1.0} if plastic else {"weight": 1.0}
    nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": 3}, syn)
    sr = nest.Create("spike_recorder")
    nest.Connect(n[:n_rec], sr)
    return n, sr


def test_chunk_takes_the_carry_buffers_unless_it_may_run_again():
    _network()
    nest.Simulate(1.0)
    rt = _state.kernel().runtime
    old = rt.buf
    nest.Simulate(1.0)
    assert old.is_deleted()  # the ring buffer became the new one: no copy in the chunk
    _network(plastic=True)  # an archive may outgrow its ring: run again from the carry
    nest.Simulate(1.0)
    rt = _state.kernel().runtime
    old = rt.buf
    nest.Simulate(1.0)
    assert not old.is_deleted()


def test_events_outgrowing_their_buffer_run_again_from_a_copy():
    n, sr = _network(n_rec=20, rate_ie=1e5)
    nest.Simulate(800.0)  # every neuron fires every other step: more than the first buffer
    rt = _state.kernel().runtime
    first = runtime._initial_ev_cap(20, rt.chunk_key[1] * rt.plan.D)
    assert rt.ev_cap > first and rt._compiled(rt.plan)[0].donates
    once = (sr.events["senders"].copy(), sr.events["times"].copy(), n.V_m)
    _network(n_rec=20, rate_ie=1e5)
    for _ in range(80):  # short runs: their events fit, nothing is run twice
        nest.Simulate(10.0)
    assert np.array_equal(sr.events["senders"], once[0])
    assert np.array_equal(sr.events["times"], once[1])
    assert np.array_equal(n.V_m, once[2])


def test_an_interrupted_run_leaves_the_network_consistent(monkeypatch):
    n, sr = _network(rate_ie=400.0)
    nest.Simulate(50.0)
    want = n.V_m
    calls = []
    collect = runtime.Runtime._collect

    def interrupted(self, *a, **k):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return collect(self, *a, **k)

    n, sr = _network(rate_ie=400.0)
    nest.print_time = True  # chunks of 1 % of the run, then longer
    monkeypatch.setattr(runtime.Runtime, "_collect", interrupted)
    with pytest.raises(KeyboardInterrupt):
        nest.Simulate(50.0)
    monkeypatch.setattr(runtime.Runtime, "_collect", collect)
    nest.Cleanup()  # a run that raised leaves the kernel prepared, as in NEST
    t = nest.biological_time
    assert 0.0 < t < 50.0  # the clock where the kept state is
    nest.print_time = False
    nest.Simulate(50.0 - t)
    assert np.array_equal(n.V_m, want)


def test_a_lone_neuron_chunk_holds_only_small_buffers():
    """XLA:CPU runs a program whose buffers all hold <= 512 bytes thunk after thunk on the
    calling thread (no dataflow scheduling): a one-step Simulate of one neuron without
    recorders (hh_phaseplane) must stay such a program."""
    import re
    nest.ResetKernel()
    nest.Create("hh_psc_alpha", params={"I_e": 100.0})
    nest.Simulate(0.1)
    rt = _state.kernel().runtime
    text = rt._compiled(rt.plan)[0].exe.as_text()
    width = {"f64": 8, "s64": 8, "u64": 8, "f32": 4, "s32": 4, "u32": 4, "pred": 1, "u8": 1}
    sizes = [width[t] * int(np.prod([int(d) for d in dims.split(",") if d] or [1]))
             for t, dims in re.findall(r"\b(f64|s64|u64|f32|s32|u32|pred|u8)\[([\d,]*)\]", text)]
    assert sizes and max(sizes) <= 512, max(sizes)


def test_parameters_cross_packed_without_a_split_call():
    """A group's parameters reach the chunk as one Packed: no compiled split of stacked
    values (runtime._unstack: ~0.1 s to compile, or a stored executable to load, in every
    new process); values set between runs arrive."""
    runtime._unstack.cache_clear()
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 2, params={"I_e": 400.0})
    nest.Simulate(5.0)
    assert runtime._unstack.cache_info().misses == 0
    (params,) = _state.kernel().runtime._args(
        _state.kernel().runtime.plan, _state.kernel().network, _state.kernel(),
        packed=True)["params"]
    assert isinstance(params, Packed) and len(params.data) <= 2
    v_before = n.V_m
    n.set(I_e=[0.0, 450.0])
    nest.Simulate(5.0)
    v = n.V_m
    assert v[1] > v[0] and v[0] < v_before[0]  # the new currents were used
