"""The postsynaptic spike archive on its own terms (kernel/plastic.py, synapses.base.PostView):
a delivery reads the newest VIEW_W[0] entries of a ring of H, more where they lack an
answer, then all of it; a ring that would drop an entry a connection may still read reruns
the chunk with a longer one; the result is the one ample sizes give. (Parity with NEST:
tests/parity/test_stdp*_parity.py.)"""
import numpy as np
import pytest

import jaxnest as nest
from jaxnest.api import _state
from jaxnest.kernel import exec_cache, plastic

RULES = ("stdp_triplet_synapse",)  # reads K- rows beside the times


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    """A clean kernel; no chunk executables from disk (the tests patch constants read while
    tracing, which the disk cache's key cannot see: kernel/exec_cache.py)."""
    monkeypatch.setattr(exec_cache, "key_of", lambda *parts: None)
    nest.ResetKernel()
    yield
    nest.ResetKernel()


def _network():
    """Fast postsynaptic neurons (~70 spikes/s), a rare and a frequent presynaptic train into
    each through every archive-reading rule: the rare one reads far back into the archive."""
    post = nest.Create("iaf_psc_alpha", 3, params={"I_e": [450.0, 600.0, 800.0]})
    gens = nest.Create("spike_generator", 2, params=[
        {"spike_times": [5.0, 260.0, 261.0]},
        {"spike_times": np.arange(2.0, 400.0, 3.0).round(1).tolist()}])
    pre = nest.Create("parrot_neuron", 2)
    nest.Connect(gens, pre, "one_to_one")
    for rule in RULES:
        nest.Connect(pre, post, syn_spec={"synapse_model": rule, "weight": 10.0,
                                          "delay": 1.5})
    nest.Simulate(150.0)
    nest.Simulate(250.0)
    return np.concatenate([nest.GetConnections(synapse_model=r).get("weight") for r in RULES])


def test_small_views_and_rings_rerun_exactly(monkeypatch):
    """With views of one entry, then four, and a ring of sixteen, deliveries fall back to the
    wider view and the whole ring, and chunks whose ring would drop a needed entry are rerun
    with a longer one: every weight equals the run whose first view is the whole of an ample
    ring (128 entries: twice what the small one grows to; no longer first rings for this
    small network)."""
    monkeypatch.setattr(plastic, "SMALL_ARCHIVES", 0)
    monkeypatch.setattr(plastic, "ARCHIVE_H", 128)
    monkeypatch.setattr(plastic, "VIEW_W", (128,))
    nest.ResetKernel()  # (a new runtime takes the sizes)
    ample = _network()
    monkeypatch.setattr(plastic, "ARCHIVE_H", 16)
    monkeypatch.setattr(plastic, "VIEW_W", (1, 4))
    nest.ResetKernel()
    small = _network()
    assert _state.kernel().runtime.arch_H > 16
    np.testing.assert_array_equal(small, ample)
    assert np.all(ample != 10.0)    # every rule changed every weight


ETA = 0.02


def _urbanczik_network():
    """A dendrite driven into firing (an error entry per step), a rare and a frequent
    presynaptic train through urbanczik_synapse: the rare one's windows span hundreds of
    steps (the first from the start), the frequent one's a few."""
    nrn = nest.Create("pp_cond_exp_mc_urbanczik", 2, params={"dendritic": {"g_L": 20.0}})
    nrn[1].set({"dendritic": {"g_L": 30.0}})
    rec = nest.GetDefaults("pp_cond_exp_mc_urbanczik")["receptor_types"]
    gens = nest.Create("spike_generator", 2, params=[
        {"spike_times": [5.0, 160.0, 161.0]},
        {"spike_times": np.arange(2.0, 200.0, 3.0).round(1).tolist()}])
    pre = nest.Create("parrot_neuron", 2)
    nest.Connect(gens, pre, "one_to_one")
    dc = nest.Create("dc_generator", params={"amplitude": 900.0})
    nest.Connect(dc, nrn, syn_spec={"receptor_type": rec["soma_curr"]})
    nest.Connect(pre, nrn, syn_spec={"synapse_model": "urbanczik_synapse", "weight": 20.0,
                                     "delay": 1.0, "Wmax": 200.0, "eta": ETA,
                                     "receptor_type": rec["dendritic_exc"]})
    nest.Simulate(100.0)
    nest.Simulate(100.0)
    return np.asarray(nest.GetConnections(synapse_model="urbanczik_synapse").get("weight"))


@pytest.mark.slow  # ~27 s; the Urbanczik parity tests run by default
def test_urbanczik_windows_and_rings(monkeypatch):
    """Windows read 4, then 64 entries, then the whole ring, from a ring of 32 that grows on
    overflow: the weights equal one read of the whole of an ample ring (summation order aside:
    the masked entries are zeros in other places)."""
    from jaxnest.kernel import voltage_archive as va
    monkeypatch.setattr(va, "URBANCZIK_H", 4096)
    monkeypatch.setattr(va.UrbanczikView, "WINDOWS", ())
    nest.ResetKernel()
    ample = _urbanczik_network()
    monkeypatch.setattr(va, "URBANCZIK_H", 32)
    monkeypatch.setattr(va.UrbanczikView, "WINDOWS", (4, 64))
    nest.ResetKernel()
    small = _urbanczik_network()
    assert _state.kernel().runtime.clop_H > 32
    np.testing.assert_allclose(small, ample, rtol=1e-12)
    assert np.all(np.abs(ample - 20.0) > 1e-3)    # every weight changed


def _ring_lengths_compiled(monkeypatch) -> list:
    """The archive ring length of every chunk the runtime compiles (or takes) from now on."""
    lengths = []
    runtime = type(_state.kernel().runtime)
    compiled = runtime._compiled
    monkeypatch.setattr(runtime, "_compiled",
                        lambda self, plan: lengths.append(self.arch_H) or compiled(self, plan))
    return lengths


def _fast_post_network():
    """NEST's regressions/test_issue_77 network: a parrot relaying 100 kHz of Poisson spikes
    (~10 per step, each archived) behind a stdp_synapse whose weight barely moves, so every
    read of the archive shows in it; 30 ms in one Simulate."""
    nest.rng_seed = 3
    pg = nest.Create("poisson_generator", params={"rate": 1e5})
    pre = nest.Create("parrot_neuron_ps")
    post = nest.Create("parrot_neuron")
    nest.Connect(pg, pre)
    nest.Connect(pre, post, syn_spec={"synapse_model": "stdp_synapse", "weight": 10.0,
                                      "lambda": 1e-5})
    sr = nest.Create("spike_recorder")
    nest.Connect(post, sr)
    nest.Simulate(30.0)
    return sr.n_events, nest.GetConnections(synapse_model="stdp_synapse").get("weight")


def test_fast_neurons_grow_their_rings_in_few_reruns(monkeypatch):
    """A ring that must hold thousands of entries grows to fit the chunk from what the
    overflowed run pushed, not by doublings (ten compilations for test_issue_77), and
    deliveries read it through views of 256 and 2,048 entries before the whole ring: the
    same spikes and weight as with one view of an ample ring."""
    chunks = _ring_lengths_compiled(monkeypatch)
    n, w = _fast_post_network()
    H = _state.kernel().runtime.arch_H
    assert len(chunks) <= 3 and H > 2048 and n > 2500
    monkeypatch.setattr(plastic, "ARCHIVE_H", 2 * H)
    monkeypatch.setattr(plastic, "VIEW_W", (2 * H,))
    nest.ResetKernel()
    chunks.clear()
    assert _fast_post_network() == (n, w) and chunks == [2 * H]
    assert 10.0 < w < 100.0  # moved by every pairing, never clipped


def test_small_networks_start_with_longer_rings(monkeypatch):
    """A small network's rings start at 256 entries (plastic.first_length): _network's fast
    neurons fill a ring of 32 in its 250 ms chunk, which then runs again, compiled anew; with
    the longer first rings it runs once, to the same weights."""
    chunks = _ring_lengths_compiled(monkeypatch)
    w = _network()
    assert set(chunks) == {256}
    monkeypatch.setattr(plastic, "SMALL_ARCHIVES", 0)
    nest.ResetKernel()
    chunks.clear()
    assert np.array_equal(_network(), w) and chunks[0] == 32 and max(chunks) > 32


def _parrots_into_a_neuron(I_e: float, until: float):
    """A fresh kernel: two parrots spiking every 2 ms up to ``until`` into an iaf_psc_alpha
    with current I_e, through stdp_synapse (weight 10); returns the neuron."""
    nest.ResetKernel()
    post = nest.Create("iaf_psc_alpha", params={"I_e": I_e})
    gen = nest.Create("spike_generator",
                      params={"spike_times": np.arange(1.0, until, 2.0).tolist()})
    pre = nest.Create("parrot_neuron", 2)
    nest.Connect(gen, pre)
    nest.Connect(pre, post, syn_spec={"synapse_model": "stdp_synapse", "weight": 10.0})
    return post


def _rising_rate_network(monkeypatch, chunks: list, ahead: int):
    """_parrots_into_a_neuron: the neuron's ~20 spikes in the first 200 ms fit a ring of 32
    (its rate is then known), the ~40 of the next 200 ms, at a larger current, do not. The
    second Simulate's chunk runs (``chunks``: one entry each), the ring length after it and
    the weights (AHEAD: plastic.ahead_length's factor)."""
    monkeypatch.setattr(plastic, "AHEAD", ahead)
    post = _parrots_into_a_neuron(700.0, 400.0)
    nest.Simulate(200.0)
    post.I_e = 1500.0
    chunks.clear()
    nest.Simulate(200.0)
    return (len(chunks), _state.kernel().runtime.arch_H,
            nest.GetConnections(synapse_model="stdp_synapse").get("weight"))


def test_rings_grow_before_a_chunk_the_last_rate_would_fill(monkeypatch):
    """After a chunk whose busiest ring took more than half its entries, the rings double
    before the next chunk runs (plastic.ahead_length): the second Simulate runs once, with
    64 entries, where rings grown only on overflow run it with 32, drop an entry a
    connection still needs and run it again; the weights are the same."""
    monkeypatch.setattr(plastic, "SMALL_ARCHIVES", 0)
    runs = _chunk_runs(monkeypatch)
    runs_ahead, H, w = _rising_rate_network(monkeypatch, runs, plastic.AHEAD)
    runs_late, _, w_late = _rising_rate_network(monkeypatch, runs, 0)  # on overflow only
    assert (runs_ahead, H, runs_late) == (1, 64, 2)
    np.testing.assert_array_equal(w, w_late)
    assert np.all(w != 10.0)


def test_a_ring_grown_on_overflow_holds_the_next_chunks(monkeypatch):
    """A fast neuron (~200 Hz) for 1,000 ms (chunks of 4,000 steps) behind rings of 32: the
    first chunk overflows and runs again with rings long enough for the chunks after it at
    the same rate (plastic.AHEAD times its entries), so nothing grows before them; the
    weights are those of rings grown on overflow only."""
    monkeypatch.setattr(plastic, "SMALL_ARCHIVES", 0)
    lengths = _ring_lengths_compiled(monkeypatch)

    def run(ahead):
        monkeypatch.setattr(plastic, "AHEAD", ahead)
        lengths.clear()
        _parrots_into_a_neuron(1500.0, 1000.0)
        nest.Simulate(1000.0)
        return list(lengths), nest.GetConnections(synapse_model="stdp_synapse").get("weight")

    grown, w = run(plastic.AHEAD)
    late, w_late = run(0)  # grown on overflow only, as much as the overflow asks
    assert grown == [32, 256] and late == [32, 128]
    np.testing.assert_array_equal(w, w_late)
    assert np.all(w != 10.0)


def test_archives_stay_on_the_device_between_runs():
    """Runs on the same rows take the last run's archives as it left them on the device
    (Runtime.arch_dev, no copy to the host and back); a read of the host's archives (a
    post_trace) brings them over first, and a network that grew between runs starts from the
    host's, extended: every weight and post_trace as when the host took them after each run."""
    def run(sync: bool):
        nest.ResetKernel()
        rt = _state.kernel().runtime
        post = nest.Create("iaf_psc_alpha", 2, params={"I_e": [500.0, 700.0]})
        gen = nest.Create("spike_generator",
                          params={"spike_times": np.arange(1.0, 300.0, 7.0).tolist()})
        pre = nest.Create("parrot_neuron")
        nest.Connect(gen, pre)
        nest.Connect(pre, post, syn_spec={"synapse_model": "stdp_synapse", "weight": 10.0})
        kept = []
        for t in (50.0, 50.0):
            nest.Simulate(t)
            kept.append(rt.arch_dev is not None)
            if sync:
                rt.host_archive()
        more = nest.Create("iaf_psc_alpha", params={"I_e": 600.0})
        nest.Connect(pre, more, syn_spec={"synapse_model": "stdp_synapse", "weight": 10.0})
        nest.Simulate(100.0)
        traces = (post + more).get("post_trace")
        return kept, nest.GetConnections(synapse_model="stdp_synapse").get("weight"), traces

    kept, w, traces = run(sync=False)
    _, w_host, traces_host = run(sync=True)
    assert kept == [True, True]
    np.testing.assert_array_equal(w, w_host)
    np.testing.assert_array_equal(traces, traces_host)
    assert np.all(np.asarray(w) != 10.0) and np.all(np.asarray(traces) > 0)


def _recorded_network():
    """_network with a weight_recorder on its plastic connections and every neuron recorded:
    archives, weight records and spike events all grow in its first chunk."""
    wr = nest.Create("weight_recorder")
    nest.CopyModel("stdp_triplet_synapse", "recorded_triplet", {"weight_recorder": wr})
    post = nest.Create("iaf_psc_alpha", 3, params={"I_e": [450.0, 600.0, 800.0]})
    gens = nest.Create("spike_generator", 2, params=[
        {"spike_times": [5.0, 260.0, 261.0]},
        {"spike_times": np.arange(2.0, 400.0, 3.0).round(1).tolist()}])
    pre = nest.Create("parrot_neuron", 2)
    sr = nest.Create("spike_recorder")
    nest.Connect(gens, pre, "one_to_one")
    nest.Connect(pre + post, sr)
    nest.Connect(pre, post, syn_spec={"synapse_model": "recorded_triplet", "weight": 10.0,
                                      "delay": 1.5})
    nest.Simulate(400.0)
    return (nest.GetConnections(synapse_model="recorded_triplet").get("weight"),
            sr.get("events"), wr.get("events"))


def _chunk_runs(monkeypatch) -> list:
    """One entry per chunk the runtime runs from now on (reruns included)."""
    from jaxnest.kernel import runtime
    runs = []
    counts = runtime._host_counts
    monkeypatch.setattr(runtime, "_host_counts", lambda out: runs.append(1) or counts(out))
    return runs


def test_a_chunk_that_outgrows_several_buffers_reruns_once(monkeypatch):
    """A first chunk whose archive ring, weight-record buffer and event buffer all run full
    ends at the first of them, grows all three from what its slices filled so far and runs
    once more (one buffer per rerun, NEST's e-prop sine-waves example ran its first chunk
    four times), to the results of ample buffers."""
    from jaxnest.kernel import runtime
    monkeypatch.setattr(plastic, "SMALL_ARCHIVES", 0)
    monkeypatch.setattr(plastic, "ARCHIVE_H", 256)
    nest.ResetKernel()
    runs = _chunk_runs(monkeypatch)
    weights, spikes, records = _recorded_network()
    assert len(runs) == 1
    monkeypatch.setattr(plastic, "ARCHIVE_H", 16)
    monkeypatch.setattr(runtime, "_initial_ev_cap", lambda n_rec, steps: 16)
    nest.ResetKernel()
    _state.kernel().runtime.wr_cap = 16
    runs.clear()
    again = _recorded_network()
    rt = _state.kernel().runtime
    assert rt.arch_H > 16 and rt.wr_cap > 16 and rt.ev_cap > 16
    assert len(runs) == 2
    np.testing.assert_array_equal(again[0], weights)
    for new, old in ((again[1], spikes), (again[2], records)):
        assert new.keys() == old.keys() and len(old["times"]) > 100
        for k in old:
            np.testing.assert_array_equal(new[k], old[k])


def test_weight_records_of_many_connections_fit_the_first_chunk(monkeypatch):
    """The weight-record buffer starts with room for an event from each connection that has
    a weight_recorder (here 5,000, above the 4,096 it started with): one spike through all of
    them runs its chunk once, and every event is recorded."""
    runs = _chunk_runs(monkeypatch)
    wr = nest.Create("weight_recorder")
    nest.CopyModel("tsodyks2_synapse", "recorded_tsodyks2", {"weight_recorder": wr})
    gen = nest.Create("spike_generator", params={"spike_times": [2.0]})
    pre = nest.Create("parrot_neuron")
    post = nest.Create("parrot_neuron", 5000)
    nest.Connect(gen, pre)
    nest.Connect(pre, post, syn_spec={"synapse_model": "recorded_tsodyks2"})
    nest.Simulate(10.0)
    assert len(runs) == 1 and wr.n_events == 5000
