"""The slice kernel's mechanisms: several spikes per slice, partial slices at chunk ends,
the integer Poisson thresholds, the edge layout, event-buffer overflow, plan retention."""
import gc
import weakref

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnest as nest
from jaxnest import jaxenv
from jaxnest.api import _state
from jaxnest.kernel import engine, plastic, rng
from jaxnest.kernel import plan as plan_mod
from jaxnest.kernel import runtime as runtime_mod
from jaxnest.kernel.runtime import _poisson_cdf, poisson_thresholds


def _runtime():
    return _state.kernel().runtime


def test_parrots_fire_every_step_and_every_spike_is_delivered():
    """A spike generator firing in every step of 3 ms drives a chain of parrots: each parrot
    fires in every step (many spikes per min_delay slice of 15 steps), each spike arriving
    exactly one delay later, multiplicities included."""
    nest.ResetKernel()
    times = np.round(np.arange(1.0, 4.0, 0.1), 1)
    mult = np.arange(times.size) % 3 + 1
    sg = nest.Create("spike_generator", params={"spike_times": times,
                                                  "spike_multiplicities": mult})
    p1 = nest.Create("parrot_neuron")
    p2 = nest.Create("parrot_neuron")
    nest.Connect(sg, p1, syn_spec={"delay": 1.5})
    nest.Connect(p1, p2, syn_spec={"delay": 2.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(p1 + p2, sr)
    nest.Simulate(7.3)
    nest.Simulate(5.0)
    assert _runtime().plan.D == 15
    ev = sr.events
    for node, delay in ((p1, 1.5), (p2, 3.5)):
        t = ev["times"][ev["senders"] == node.global_id]
        expect = np.repeat(np.round(times + delay, 1), mult)
        np.testing.assert_allclose(np.sort(t), expect, atol=1e-9)


def test_refractory_shorter_than_min_delay_delivers_every_spike():
    """t_ref (0.1 ms) < min_delay (1.0 ms): a neuron fires several times per slice; a parrot
    behind it repeats each spike one delay later."""
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 2, params={"I_e": [60000.0, 25000.0], "t_ref": 0.1})
    p = nest.Create("parrot_neuron", 2)
    nest.Connect(n, p, "one_to_one", syn_spec={"delay": 1.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(n + p, sr)
    nest.Simulate(40.0)
    ev = sr.events
    for a, b in zip(n, p):
        ta = np.sort(ev["times"][ev["senders"] == a.global_id])
        tb = np.sort(ev["times"][ev["senders"] == b.global_id])
        assert np.diff(ta).min() < 1.0  # several spikes in one slice
        ta = ta[ta + 1.0 <= 40.0 + 1e-9]
        np.testing.assert_allclose(tb, ta + 1.0, atol=1e-9)


def _chunked_run(pieces):
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 30, params={"I_e": 300.0})
    n.V_m = list(-70.0 + np.linspace(0.0, 14.0, 30))
    pg = nest.Create("poisson_generator", params={"rate": 8000.0})
    nest.Connect(pg, n, syn_spec={"weight": 20.0, "delay": 1.5})
    nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": 4},
                 {"weight": 30.0, "delay": 1.5})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    vm = nest.Create("voltmeter")
    nest.Connect(vm, n[:3])
    for t in pieces:
        nest.Simulate(t)
    nest.Simulate(1.5)  # flush the samples of the last slice
    ev = vm.events
    order = np.lexsort((ev["times"], ev["senders"]))
    return sr.events["senders"], sr.events["times"], ev["V_m"][order]


def test_simulate_in_pieces_equals_one_run():
    """Chunks that end inside a min_delay slice (partial slices) change no spike and no
    sample (events of a slice split across calls are reported per call, as NEST does)."""
    whole = _chunked_run([60.0])
    parts = _chunked_run([0.1, 1.4, 17.3, 0.2, 26.0, 15.0])
    for run in (whole, parts):
        order = np.lexsort((run[1], run[0]))
        run[0][:], run[1][:] = run[0][order], run[1][order]
    for a, b in zip(whole, parts):
        np.testing.assert_array_equal(a, b)


def test_poisson_thresholds_equal_float_comparison():
    lam = np.array([1e-6, 0.01, 0.8, 2.0, 7.5, 30.0, 0.0])
    cdf = _poisson_cdf(lam)
    thr, c0 = poisson_thresholds(cdf)
    assert thr.dtype == np.uint32 and thr.shape[1] & (thr.shape[1] - 1) == 0
    rs = np.random.default_rng(1)
    b = rs.integers(0, 2**32, 200_000, dtype=np.uint64)
    # also the draws next to every threshold
    T = np.floor(cdf * 4294967296.0 - 0.5) + 1.0
    near = np.concatenate([T.ravel() - 1, T.ravel(), T.ravel() + 1])
    b = np.concatenate([b, near[(near >= 0) & (near < 2**32)].astype(np.uint64),
                        np.array([0, 2**32 - 1], np.uint64)])
    u = (b.astype(np.float64) + 0.5) * (1.0 / 4294967296.0)
    for g in range(lam.size):
        want = (u[:, None] > cdf[g][None, :]).sum(axis=1)
        got = c0[g] + (b.astype(np.uint32)[:, None] > thr[g][None, :]).sum(axis=1)
        np.testing.assert_array_equal(got, want)


def test_rng_keys_compose_to_bits():
    """The engine's per-step and per-edge parts of the counter give the draws."""
    key = jnp.uint64(rng.key_of(9, 0))
    steps = jnp.arange(5)[:, None]
    idx = jnp.arange(7)[None, :]
    np.testing.assert_array_equal(
        np.asarray(rng.bits(key, steps, idx)),
        np.asarray(rng.bits_from_keys(key, rng.step_key(key, steps), rng.index_key(key, idx))))


@pytest.mark.parametrize("n_keys", [10, 70_000, 5_000_000])
def test_stable_order_is_a_stable_argsort(n_keys):
    keys = np.random.default_rng(0).integers(0, n_keys, 100_000)
    np.testing.assert_array_equal(plan_mod.stable_order(keys, n_keys),
                                  np.argsort(keys, kind="stable"))


def _spike_layout_of_a_network():
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": 5})
    a = nest.Create("iaf_psc_alpha", 300)
    b = nest.Create("iaf_psc_exp", 100)
    nest.Connect(a, a + b, {"rule": "fixed_indegree", "indegree": 30},
                 {"weight": nest.random.normal(20.0, 5.0),
                  "delay": nest.random.uniform(0.5, 3.0)})
    nest.Connect(b, a, {"rule": "fixed_outdegree", "outdegree": 20}, {"weight": -50.0})
    k = _state.kernel()
    with jaxenv.scope():
        plan = k.runtime.ensure_plan(k)
    return plan, k.network.conns.cols


def test_edges_sorted_by_pieces_keep_connection_order(monkeypatch):
    """Spike edges sorted a piece of connections at a time, on two threads, land where one
    sort of all of them puts them, and each source row holds its connections' weights in
    connection order."""
    monkeypatch.setattr(plan_mod, "FILL_PIECE", 1 << 30)
    one, cols = _spike_layout_of_a_network()
    monkeypatch.setattr(plan_mod, "FILL_PIECE", 997)
    many, _ = _spike_layout_of_a_network()
    assert len(plan_mod._pieces(cols["source"].size, many.n_rows)) > 10
    for key in ("off", "w", "seg_first", "nseg"):
        np.testing.assert_array_equal(one.spike[key], many.spike[key])
    lay, seg_len = many.spike, many.spike["seg_len"]
    rows = many.row_of[cols["source"]]
    for r in (0, 7, 299, 350):
        first = lay["seg_first"][r] * seg_len
        w = cols["weight"][rows == r]
        np.testing.assert_array_equal(lay["w"][first:first + w.size], w)
        assert not lay["w"][first + w.size:first + lay["nseg"][r] * seg_len].any()


def test_device_edges_share_the_plans_memory():
    """The padded edge arrays are 64-byte aligned, so that their device copies on the CPU
    are the same memory (at Brunel order 10000 a copy was 3 GB more at the peak)."""
    plan, _ = _spike_layout_of_a_network()
    with jaxenv.scope():
        dev = _runtime()._edge_args(plan)["spike"]
    for key in ("off", "w"):
        assert dev[key].unsafe_buffer_pointer() == plan.spike[key].ctypes.data


def test_segment_choice():
    seg, batch = plan_mod.choose_segments(np.full(100, 1250))
    assert batch == 1 and seg >= 1250 and seg % 64 == 0
    seg, batch = plan_mod.choose_segments(np.full(100, 3))
    assert seg == 4 and batch > 1
    # walked every step: the segment that pads least (rows of 100 and 50: 4 edges, none)
    seg, batch = plan_mod.stepped_segments(np.array([100, 50, 100, 0]))
    assert seg == 2 and batch == plan_mod.BATCH_LANES // 2
    seg, batch = plan_mod.stepped_segments(np.full(100, 100))
    assert seg == 4 and batch == plan_mod.BATCH_LANES // 4
    seg, batch = plan_mod.stepped_segments(np.full(100, 100), prefer=(8, 256))  # pads 4 %
    assert (seg, batch) == (8, 256)


def test_window_walking_sets_take_segments_of_their_rows():
    """A rule that walks a history window per lane pays for padding lanes too: parrots with
    one urbanczik_synapse each take one-edge segments (64-edge ones made every delivery walk
    64 windows for one edge, 10x the example's time), rows of 100 edges long segments."""
    one = np.ones(200, int)
    walking = plan_mod.WINDOW_SEG_OVERHEAD
    assert plan_mod.choose_segments(one, batch_lanes=1, overhead=walking) == (1, 1)
    assert plan_mod.choose_segments(one, batch_lanes=1,
                                    overhead=plan_mod.PLASTIC_SEG_OVERHEAD)[0] >= 64
    seg, batch = plan_mod.choose_segments(np.full(50, 100), batch_lanes=1, overhead=walking)
    assert seg >= 100 and batch == 1
    nest.ResetKernel()
    nrn = nest.Create("pp_cond_exp_mc_urbanczik")
    parrots = nest.Create("parrot_neuron", 20)
    nest.Connect(parrots, nrn, syn_spec={"synapse_model": "urbanczik_synapse", "delay": 0.1,
                                         "receptor_type": 3, "weight": 10.0})
    k = _state.kernel()
    with jaxenv.scope():
        plan = k.runtime.ensure_plan(k)
    assert [(s["seg_len"], s["seg_batch"]) for s in plan.plastic] == [(1, 1)]


def test_small_sets_take_batches_they_can_fill():
    """A batch of short segments holds at most the set's segments (rounded up to a power of
    two): one stdp_synapse from a parrot_neuron_ps was delivered in batches of 2,048 lanes,
    each running the rule over the archive (NEST's regressions/test_issue_77: 17 ms per step
    for three nodes). A set of many segments keeps its batch."""
    nest.ResetKernel()
    pg = nest.Create("poisson_generator", params={"rate": 1e5})
    parrot = nest.Create("parrot_neuron_ps")
    nrn = nest.Create("parrot_neuron")
    nest.Connect(pg, parrot)
    nest.Connect(parrot, nrn, syn_spec={"synapse_model": "stdp_synapse", "weight": 10.0})
    k = _state.kernel()
    with jaxenv.scope():
        plan = k.runtime.ensure_plan(k)
    assert [(s["seg_len"], s["seg_batch"]) for s in plan.plastic] == [(1, 1)]
    many = plan_mod._layout_of_counts(np.full(5000, 3), False)
    assert many["seg_len"] == 4 and many["seg_batch"] == plan_mod.BATCH_LANES // 4
    few = plan_mod._layout_of_counts(np.array([3, 0, 2, 3, 1]), False)
    assert few["seg_len"] == 4 and few["seg_batch"] == 4


def _short_rows_run():
    """300 neurons (not compiled whole) with rows of 6 edges (segments of 8, 256 to a
    batch), delay = resolution: most steps deliver a few rows, a volley more than a narrow
    iteration holds."""
    nest.ResetKernel()
    nest.rng_seed = 11
    n = nest.Create("iaf_psc_alpha", 300, params={"I_e": 330.0})
    n.V_m = list(np.linspace(-70.0, -56.0, 300))
    nest.Connect(n, n, {"rule": "fixed_outdegree", "outdegree": 6},
                 {"weight": nest.random.normal(30.0, 10.0), "delay": 0.1})
    pg = nest.Create("poisson_generator", params={"rate": 3000.0})
    nest.Connect(pg, n, syn_spec={"weight": 20.0})
    volley = nest.Create("spike_generator", params={"spike_times": [30.0]})
    nest.Connect(volley, n, syn_spec={"weight": 2000.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    mm = nest.Create("multimeter", params={"record_from": ["V_m"]})
    nest.Connect(mm, n[::7])
    nest.Simulate(60.0)
    plan = _runtime().plan
    return plan, sr.events["times"], sr.events["senders"], mm.events["V_m"]


def test_few_fired_segments_deliver_as_the_full_batch(monkeypatch):
    """Steps whose fired segments fit NARROW_LANES take one narrow iteration: the same
    additions in the same order as the full batch, so the same run to the bit."""
    plan, *narrow = _short_rows_run()
    assert not plan.static().serial and plan.spike["seg_len"] * plan.spike["seg_batch"] > \
        engine.NARROW_LANES
    _, per_step = np.unique(narrow[0], return_counts=True)
    narrow_rows = engine.NARROW_LANES // plan.spike["seg_len"]  # rows of one segment
    assert (per_step <= 2).sum() > 50 and per_step.max() > narrow_rows  # both paths taken
    monkeypatch.setattr(engine, "NARROW_LANES", 1 << 30)  # the full batch always
    monkeypatch.setattr(runtime_mod, "_COMPILED", {})
    monkeypatch.setattr(jaxenv, "cache_dir", lambda: None)  # no chunk from the disk cache
    _, *wide = _short_rows_run()
    for a, b in zip(narrow, wide):
        np.testing.assert_array_equal(a, b)


def _stdp_run():
    """40 neurons firing irregularly, stdp_synapse among them, 600 ms in one Simulate."""
    nest.ResetKernel()
    nest.rng_seed = 5
    n = nest.Create("iaf_psc_alpha", 40, params={"I_e": 300.0})
    n.V_m = list(np.linspace(-70.0, -55.0, 40))
    nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": 8},
                 {"synapse_model": "stdp_synapse", "weight": 40.0, "delay": 1.0})
    pg = nest.Create("poisson_generator", params={"rate": 4000.0})
    nest.Connect(pg, n, syn_spec={"weight": 15.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(600.0)
    w = np.asarray(nest.GetConnections(synapse_model="stdp_synapse").weight, float)
    return _runtime().arch_H, sr.events["times"], sr.events["senders"], w


def test_networks_with_archives_run_in_short_chunks(monkeypatch):
    """A network keeping spike archives runs at most _ARCHIVE_CHUNK steps per chunk (its
    rings then hold less, and an overflow reruns less): the same run as in one chunk."""
    monkeypatch.setattr(plastic, "SMALL_ARCHIVES", 0)  # rings from 32 entries: they grow
    chunks = []
    counts = runtime_mod._host_counts
    monkeypatch.setattr(runtime_mod, "_host_counts", lambda out: chunks.append(1) or counts(out))
    monkeypatch.setattr(runtime_mod, "_ARCHIVE_CHUNK", 1000)
    H, *short = _stdp_run()
    assert len(chunks) >= 6 and short[0].size > 500 and np.ptp(short[2]) > 1.0
    monkeypatch.setattr(runtime_mod, "_ARCHIVE_CHUNK", 1 << 30)
    chunks.clear()
    H_one, *one = _stdp_run()
    assert len(chunks) < 6 and H <= H_one
    for a, b in zip(short, one):
        np.testing.assert_array_equal(a, b)


def test_spike_edge_layout_matches_connections():
    """Every connection appears once in its source's padded row, with its weight and ring
    offset; padding lanes have weight 0 and an out-of-range offset."""
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 50)
    nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": 7},
                 {"weight": nest.random.uniform(-5.0, 5.0),
                  "delay": nest.random.uniform(0.5, 3.0)})
    nest.Simulate(0.1)
    p = _runtime().plan
    sp, L, C, N = p.spike, p.L, p.C, p.n_neurons
    conns = nest.GetConnections(n, n)
    src = np.asarray(conns.source)
    tgt = np.asarray(conns.target)
    w = np.asarray(conns.weight)
    d = np.rint(np.asarray(conns.delay) / 0.1).astype(int)
    got = set()
    for r in range(N):
        first, k = sp["seg_first"][r], sp["nseg"][r]
        lanes = slice(first * sp["seg_len"], (first + k) * sp["seg_len"])
        for off, ww in zip(sp["off"][lanes], sp["w"][lanes]):
            if off >= 3 * L * C * N:
                assert ww == 0.0
                continue
            got.add((r, int(off), float(ww)))
    want = {(int(p.row_of[s]), int(dd * C * N + (ww < 0) * N + p.row_of[t]), float(ww))
            for s, t, ww, dd in zip(src, tgt, w, d)}
    assert got == want and len(want) == src.size


def test_int64_indices_give_the_same_run(monkeypatch):
    """Networks whose ring buffer or edge arrays outgrow int32 indices use int64 ones."""
    small = _chunked_run([20.0, 13.3])
    monkeypatch.setattr(plan_mod, "INDEX_LIMIT", 64)
    large = _chunked_run([20.0, 13.3])
    assert _runtime().plan.spike["idx64"]
    for a, b in zip(small, large):
        np.testing.assert_array_equal(a, b)


def test_event_buffer_overflow_reruns_the_chunk_exactly():
    nest.ResetKernel()
    sg = nest.Create("spike_generator",
                     params={"spike_times": np.round(np.arange(0.1, 200.0, 0.1), 1)})
    p = nest.Create("parrot_neuron", 400)
    nest.Connect(sg, p, syn_spec={"delay": 1.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(p, sr)
    nest.Simulate(150.0)
    assert sr.n_events == 400 * 1490  # every parrot, every step from 1.1 ms to 150 ms
    t = sr.events["times"][sr.events["senders"] == p[7].global_id]
    np.testing.assert_allclose(np.sort(t), np.round(np.arange(1.1, 150.05, 0.1), 1))


def test_recorded_spikes_in_blocks_keep_rows_and_multiplicities():
    """Recorded spikes are appended a block of engine.REC_LANES at a time: more recorded rows
    fire in one step than a block holds, rows between them are not recorded, multiplicities
    are kept, and a step's events come in row order."""
    from jaxnest.kernel import engine
    nest.ResetKernel()
    sg = nest.Create("spike_generator", params={"spike_times": [1.0, 2.0],
                                                "spike_multiplicities": [2, 3]})
    p = nest.Create("parrot_neuron", 500)
    nest.Connect(sg, p)
    sr = nest.Create("spike_recorder")
    rec = p[::3]
    assert len(rec) > 2 * engine.REC_LANES
    nest.Connect(rec, sr)
    nest.Simulate(5.0)
    ev = sr.events
    ids = np.array(rec.global_id)
    np.testing.assert_array_equal(ev["senders"], np.r_[np.repeat(ids, 2), np.repeat(ids, 3)])
    np.testing.assert_array_equal(ev["times"], np.repeat([2.0, 3.0], [2 * ids.size,
                                                                      3 * ids.size]))


def test_compiled_functions_do_not_retain_plans():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 20, params={"I_e": 400.0})
    nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": 3})
    nest.Simulate(5.0)
    ref = weakref.ref(_runtime().plan)
    nest.ResetKernel()
    nest.Create("iaf_psc_alpha", 20)
    nest.Simulate(5.0)
    gc.collect()
    assert ref() is None


def test_device_setstatus_keeps_the_plan_or_its_edge_sets():
    """A generator's rate is read at each run: the plan is kept. Spike times are read by the
    plan (plan.device_signature): it is built again, reusing the spike edge sets."""
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 20)
    pg = nest.Create("poisson_generator", params={"rate": 10000.0})
    sg = nest.Create("spike_generator", params={"spike_times": [1.0]})
    nest.Connect(pg, n, syn_spec={"weight": 20.0})
    nest.Connect(sg, n)
    nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": 3})
    nest.Simulate(5.0)
    before = _runtime().plan
    pg.rate = 20000.0
    nest.Simulate(5.0)
    assert _runtime().plan is before
    sg.spike_times = [12.0]
    nest.Simulate(5.0)
    after = _runtime().plan
    assert after is not before and after.spike is before.spike


def test_uniform_parameters_are_passed_as_scalars():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 10, params={"I_e": 376.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    k = _state.kernel()
    args = k.runtime._args(k.runtime.ensure_plan(k), k.network, k)
    assert jnp.ndim(args["params"][0]["I_e"]) == 0
    n[3].I_e = 500.0
    args = k.runtime._args(k.runtime.ensure_plan(k), k.network, k)
    assert jnp.shape(args["params"][0]["I_e"]) == (10,)
    nest.Simulate(50.0)
    t = sr.events["senders"]
    assert (t == n[3].global_id).sum() > (t == n[0].global_id).sum()


def _scalar_models():
    """Every model with ``scalar_params``; three in the default run, the others slow."""
    from jaxnest.models.registry import builtin_models
    fast = ("aeif_cond_exp", "hh_psc_alpha", "iaf_cond_alpha")
    return [pytest.param(n, marks=() if n in fast else pytest.mark.slow)
            for n, e in sorted(builtin_models().items())
            if not e.is_synapse and getattr(e.impl, "scalar_params", False)]


def _driven_trace(model: str) -> np.ndarray:
    """V_m of three neurons of ``model`` driven by Poisson spikes and a direct current."""
    nest.ResetKernel()
    nest.resolution = 0.1
    n = nest.Create(model, 3)
    n[1].set(V_m=n[1].V_m + 3.0)  # one neuron's state differs: arrays and scalars mix
    pg = nest.Create("poisson_generator", params={"rate": 20000.0})
    nest.Connect(pg, n, syn_spec={"weight": 30.0})
    dc = nest.Create("dc_generator", params={"amplitude": 400.0})
    nest.Connect(dc, n)
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
    nest.Connect(mm, n)
    nest.Simulate(40.0)
    return np.asarray(mm.events["V_m"])


@pytest.mark.parametrize("model", _scalar_models())
def test_uniform_parameters_as_scalars_give_the_same_run(model, monkeypatch):
    """Models that take uniform parameters as scalars (``scalar_params``: the adaptive
    solver's) compute what they compute with the parameters broadcast to every neuron."""
    def scalars() -> bool:  # the compiled chunk's (its Static keys the caches)
        return _runtime().plan.static().groups[0].scalar_params

    scalar = _driven_trace(model)
    assert scalars()
    monkeypatch.setattr(type(_state.kernel().models[model].impl), "scalar_params", False)
    broadcast = _driven_trace(model)
    assert not scalars()
    assert np.ptp(scalar) > 1.0
    np.testing.assert_array_equal(scalar, broadcast)


jax.config.update("jax_enable_x64", True)
