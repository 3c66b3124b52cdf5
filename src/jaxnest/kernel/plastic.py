"""Plastic synapses in the kernel: their edge sets, their delivery phase, the spike archive.

A network without plastic synapses compiles none of this. With them:

- each plastic synapse model in use (grouped by implementation: CopyModel'd variants share a
  set) gets an edge set laid out as the static spike edges are (grouped by source row into
  padded segments), with per-edge state (``weight`` and the model's state, in the chunk's
  carry: it changes) and per-edge parameters (arguments; a uniform parameter is a scalar);
- when a source row's spike is delivered, the phase reads its plastic segments, calls the
  model's ``on_pre`` on them (arrays over the edges), writes the new state back and
  scatter-adds the new weights into the ring buffer, as the static phase does;
- the postsynaptic spike archive: neurons that receive archive-reading synapses (STDP) keep
  their last ``H`` spikes in a ring (time, K-, K- triplet), updated in the step loop as NEST's
  ArchivingNode updates its history; dropping an entry a connection may still read (or reading
  one dropped) sets ``overflow`` and the runtime reruns the chunk with a longer ring. A rule
  first reads just the newest VIEW_W[0] entries (synapses.base.PostView), more only where
  those lack an answer (a spike after a long silence of its sender), the whole ring last.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..jaxenv import put
from ..synapses.base import STDP_EPS, DopaView, EdgeDraws, PostView
from . import blocks, ints, shards, voltage_archive
from .prefix import prefix_sum

ARCHIVE_H = 32        # archive ring length to start with (grown on overflow)
AHEAD = 2             # a ring holds this many times the entries the last chunk's busiest
                      # ring took (ahead_length), grown before a chunk that would not
SMALL_ARCHIVES = 1 << 20  # entries the rings of a network may start with together
VIEW_W = (4, 32, 256, 2048)  # archive entries a delivery reads first, then (where they
                             # lack an answer) these many, then all H


@dataclass(frozen=True)
class PlasticStatic:
    """What the compiled delivery of one plastic edge set depends on."""
    model: str
    n_edges: int            # edge lanes (bucketed, see plan.segment_capacity)
    n_seg: int
    seg_len: int
    seg_batch: int
    state: tuple            # per-edge state names (``weight`` first)
    params: tuple           # parameter names, (name, is_array) pairs
    impl: object = field(compare=False, hash=False, repr=False)
    precise: bool = False   # into precise receivers: events into the event ring (offsets
                            # are delay * n_p + ring column), delivered from the spike list
    fixed: tuple = ()       # (name, 0.0 or 1.0): exponents equal over the set, taken as
                            # numbers while tracing (SynapseModel.exponents)


PIECE = 1 << 22   # connections read from the table at a time while laying out a set


def edge_set(impl, conn, src_row, take, columns, extra, defaults_of_syn, float_type,
             n_rows, idx64, pad_off, layout_fn, fill_fn) -> dict:
    """Host layout of one plastic edge set (connections ``conn``, sources' rows ``src_row``):
    padded segments by source row (``layout_fn``/``fill_fn`` are the static edges' ones),
    per-edge state and parameters; ``conn`` keeps each slot's connection for writing the
    state back. ``take(k, c)``: column k of the table at the connections c;
    ``columns(c)``: the connections c's ring offsets ``off``, target rows
    ``tgt``, ``count`` (1 into parrots: the event's multiplicity counts, not its weight),
    ``weight``, ``delay`` and ``syn``. Everything is read a piece of connections at a time:
    a whole-set temporary per column cost hpc_benchmark (100M plastic edges) more memory than
    the machine has."""
    layout = layout_fn(src_row, n_rows, idx64)
    state = ("weight",) + tuple(impl.state) + tuple(impl.hidden)
    own = [k for k in impl.per_connection() if k not in state]
    common = {k: defaults_of_syn(k) for k in impl.common}
    wr_of_syn = np.nan_to_num(defaults_of_syn("weight_recorder")).astype(np.int32)
    pieces = [(a, min(a + PIECE, conn.size)) for a in range(0, conn.size, PIECE)]

    def values(c, syn, delay):
        out = {k: extra[k][c] for k in own}
        out.update({k: v[syn] for k, v in common.items()})
        out["delay"] = delay
        return out

    first, varies, recorded = {}, set(), False  # a parameter equal everywhere is a scalar
    for a, b in pieces:
        c = conn[a:b]
        syn = take("syn", c)
        recorded |= bool(wr_of_syn[syn].any())
        for k, v in values(c, syn, take("delay", c)).items():
            first.setdefault(k, v[0])
            if not np.all(v == first[k]):
                varies.add(k)

    def columns_of(a, b):
        c = conn[a:b]
        cols = columns(c)
        out = {"off": cols["off"], "tgt": cols["tgt"].astype(np.int32),
               "valid": np.ones(c.size, np.int8), "conn": c, "count": cols["count"],
               "weight": cols["weight"].astype(float_type)}
        out.update({k: extra[k][c].astype(float_type) for k in state[1:]})
        if recorded:  # events through models with a weight_recorder are recorded
            out["wr"] = wr_of_syn[cols["syn"]]
        p = values(c, cols["syn"], cols["delay"])
        out.update({"p_" + k: p[k].astype(float_type) for k in varies})
        return out

    varies |= {k for k, v in first.items() if np.ndim(v)}  # vectors (tables): per edge
    names = [(k, k in varies) for k in first]
    params = {k: float(v) for k, v in first.items() if k not in varies}
    fixed = tuple((k, params[k]) for k in impl.exponents if params.get(k) in (0.0, 1.0))
    if layout["n_edges"]:
        dtypes = {k: np.dtype((v.dtype, v.shape[1:])) if v.ndim > 1 else v.dtype
                  for k, v in columns_of(0, 1).items()}  # (vectors: a row per edge)
        fill_fn(layout, src_row, columns_of, dtypes, pad_off)
    layout.update(state_names=state, param_names=tuple(names), scalars=params, fixed=fixed,
                  model=impl.name, impl=impl)
    return layout


def static_of(layout: dict) -> PlasticStatic:
    return PlasticStatic(layout["model"], layout["n_cap"], layout.get("n_seg", 0),
                         layout["seg_len"], layout["seg_batch"], layout["state_names"],
                         layout["param_names"], layout["impl"], layout.get("precise", False),
                         layout.get("fixed", ()))


def device_args(layout: dict, target_values=None, recorded=None) -> dict:
    """Arguments of one set: edge arrays and parameters (arrays or scalars).
    ``target_values(name)``: the (N,) values per neuron row of a parameter the rule reads
    from its targets (SynapseModel.target_params), given to each edge lane;
    ``recorded(wr, conn)``: the lanes' weight recorders, 0 where their filters drop them.
    A set split over devices (``parts``, kernel/shards.py) has its rows' segments and valid
    lanes per device, stacked."""
    out = {k: put(layout[k]) for k in ("off", "tgt", "count")}
    if "parts" in layout:
        out.update(zip(shards.PER_DEVICE, map(shards.put_parts, layout["parts"])))
    else:
        out.update({k: put(layout[k]) for k in shards.PER_DEVICE})
    out["conn"] = put(layout["conn"].astype(np.int32, copy=False))  # draws, weight records
    if "wr" in layout:
        wr = layout["wr"]
        out["wr"] = put(recorded(wr, layout["conn"]) if recorded is not None else wr)
    out["params"] = {k: (put(layout["p_" + k]) if arr else layout["scalars"][k])
                     for k, arr in layout["param_names"]}
    for name in layout["impl"].target_params:
        rows = target_values(name)
        lanes = np.minimum(layout["tgt"], len(rows) - 1)  # padding lanes: any row
        out["params"]["__target_" + name] = put(rows[lanes])
    return out


def device_state(layout: dict) -> dict:
    """Per-edge state on the device: a copy per device where the set is split."""
    if "parts" not in layout:
        return {n: put(layout[n]) for n in layout["state_names"]}
    k = layout["parts"][0].shape[0]
    return {n: shards.put_parts(np.broadcast_to(layout[n], (k,) + layout[n].shape))
            for n in layout["state_names"]}


def write_back(layouts, states, conns) -> None:
    """Per-edge state after a run into the sets' layouts and the connection table (no
    structure change since; the table defers it until it is read, ConnTable.defer)."""
    for layout, state in zip(layouts, states):
        valid = layout["valid"] != 0
        conn = layout["conn"][valid]
        for k, v in state.items():
            v = np.asarray(v)
            if "parts" in layout:  # each lane from the device that delivers it
                v = shards.merged(v, layout["parts"][2])
            layout[k] = v
            conns.assign(k, conn, v[valid])


# --- the archive ---------------------------------------------------------------------------

def new_archive(H: int, n: int) -> dict:
    """Empty archives for n neurons (NEST: last spike -1 ms, traces 0)."""
    return {"t": np.zeros((H, n)), "Kminus": np.zeros((H, n)), "Kminus_triplet": np.zeros((H, n)),
            "count": np.zeros(n, np.int64), "last": np.full(n, -1.0),
            "Kminus_now": np.zeros(n), "Kminus_triplet_now": np.zeros(n)}


def post_trace(kernel, gid: int) -> float:
    """NEST's ``post_trace`` of a neuron: the K- trace its archive gave the last delivery of
    a rule that reads it (ArchivingNode::get_K_value at that spike less the connection's
    delay, from the newest archived spike strictly before then), 0 before any such delivery.
    Found from the connections' last spike times and the host copy of the archives, for all
    neurons at once per state of the network (a status read per neuron stays cheap)."""
    conns, rt = kernel.network.conns, kernel.runtime
    key = (id(conns), conns.version, kernel.step, id(rt.pend), id(rt.host_archive()))
    cached = getattr(kernel, "_post_traces", None)
    if cached is None or cached[0] != key:
        cached = kernel._post_traces = (key, _post_traces(kernel))
    return cached[1].get(gid, 0.0)


def _post_traces(kernel) -> dict:
    """gid -> post_trace of the neurons a trace-reading rule has delivered to."""
    conns, arch = kernel.network.conns, kernel.runtime.host_archive()
    reads = [i for i, e in enumerate(kernel.synapse_entries())
             if e is not None and e.impl.sets_post_trace]
    if arch is None or not reads or not np.isin(reads, list(conns.distinct("syn"))).any():
        return {}
    sel = np.flatnonzero(np.isin(conns.column("syn"), reads))
    t_last = np.maximum(np.nan_to_num(conns.extra["t_lastspike"][sel], nan=-1.0),
                        _delivered_in_nest(kernel, conns.take("source", sel)))
    sel, t_last = sel[t_last > 0.0], t_last[t_last > 0.0]  # (NEST's t_lastspike starts at 0)
    targets = conns.take("target", sel)
    order = np.lexsort((-t_last, targets))  # each target's latest delivery first
    first = np.r_[True, targets[order][1:] != targets[order][:-1]] if order.size else order
    out = {}
    net, H = kernel.network, arch["t"].shape[0]
    for j in order[first].tolist():
        gid = int(targets[j])
        t = t_last[j] - conns.take("delay", sel[j:j + 1])[0]
        count = int(arch["count"][gid]) if gid < arch["count"].size else 0
        slots = (count - 1 - np.arange(min(count, H))) % H  # newest first
        before = slots[t - arch["t"][slots, gid] > STDP_EPS]
        if before.size:
            tau = net.neurons[net.model_of(gid)].current()[0]["tau_minus"][net.node_local[gid]]
            e = before[0]
            out[gid] = float(arch["Kminus"][e, gid] * np.exp((arch["t"][e, gid] - t)
                                                            * (1.0 / tau)))
    return out


def _delivered_in_nest(kernel, sources: np.ndarray) -> np.ndarray:
    """The stamp (ms; -1: none) of each source's latest spike that NEST has delivered by now
    and jaxnest holds back: jaxnest delivers its last slice's spikes at the next run's
    start, NEST those of its last min_delay slice only (its slices may be shorter)."""
    out = np.full(sources.size, -1.0)
    if kernel.runtime.pend is None or not sources.size:
        return out
    plan, pend = kernel.runtime.pend
    S, A = np.asarray(pend["S"]), int(pend["A"])
    D = kernel.min_delay_steps()
    first_held = ((kernel.step - 1) // D) * D  # NEST's last slice, not delivered yet
    k = np.arange(S.shape[0])[:, None]
    latest = np.max(np.where((S != 0) & (A + k < first_held), k, -1), axis=0)  # per row
    rows = plan.row_of[np.minimum(sources, plan.row_of.size - 1)]
    ok = (rows >= 0) & (rows < S.shape[1])
    k_src = np.where(ok, latest[np.where(ok, rows, 0)], -1)
    held = k_src >= 0
    out[held] = kernel.ms_of_steps(A + k_src[held] + 1)
    return out


def first_length(n: int) -> int:
    """The ring length archives of n nodes start with: ARCHIVE_H, longer where all rings
    together stay within SMALL_ARCHIVES entries (24 MB; up to 256 each), which spares the
    reruns and compilations a ring of 32 takes in a chunk of a few thousand steps (a neuron
    at 470 Hz fills it in 70 ms: Brunel order 2500 with stdp_synapse starts at 64). Rings
    stay on the device between runs (Runtime.arch_dev): their length costs no copies."""
    fit = SMALL_ARCHIVES // max(n, 1)
    return max(ARCHIVE_H, min(256, 1 << (fit.bit_length() - 1))) if fit else ARCHIVE_H


def longer_archive(arch: dict, counts: dict) -> int:
    """The ring length for a chunk whose archives (``arch``, as at its start) overflowed:
    room for the entries a ring held at the start and for the most entries one took, scaled
    from the slices run before the overflow ended the chunk to all of it, a quarter spare
    (at least twice the length). One or two reruns instead of one per doubling: a neuron
    firing at 100 kHz grew its ring from 32 to 16,384 entries in ten reruns, each a
    compilation. At least AHEAD times the entries taken (as ahead_length would ask before
    the next chunk at this rate: not one compilation for the rerun and one more after it)."""
    H = arch["t"].shape[0]
    want = max(1.25 * _entries(arch["count"], H, counts), AHEAD * _pushed(counts))
    return max(2 * H, 1 << math.ceil(math.log2(want)))


def _pushed(counts: dict) -> float:
    """The most entries one ring took in a chunk, scaled from the slices run to all."""
    return counts["arch_pushed"] * counts["slices"] / max(counts["slices_run"], 1)


def _entries(count, H: int, counts: dict) -> float:
    """The most entries a ring will hold in a chunk: those it held at the start (``count``
    spikes archived by then) and the most one took (_pushed)."""
    return int(np.minimum(count, H).max(initial=0)) + _pushed(counts)


def ahead_length(H: int, rate: float, steps: int) -> int:
    """The ring length for a chunk of ``steps`` steps after chunks whose busiest ring took
    ``rate`` entries per step: H while it holds AHEAD times that many, else the next power
    of two that does. Rates that climb between chunks (Brunel with stdp_synapse E->E: from
    ~150 to ~470 Hz, 20 then 47 entries per 1,000 steps) would otherwise overflow a ring in
    mid-chunk and rerun the chunk from its start with a longer one (9 s of 23 in that
    network's second Simulate(100))."""
    want = AHEAD * rate * steps
    return H if want <= H else 1 << math.ceil(math.log2(want))


def outgrown(count, H: int, counts: dict) -> bool:
    """Whether rings of H entries overflow in a chunk at the rate its slices run so far
    pushed (it ended early for another buffer)."""
    return _entries(count, H, counts) > H


def regrow(arch: dict, H_new: int) -> dict:
    """The same archives in rings of length H_new (entries keep their order)."""
    H = arch["t"].shape[0]
    n = arch["count"].size
    out = new_archive(H_new, n)
    for k in ("count", "last", "Kminus_now", "Kminus_triplet_now"):
        out[k] = arch[k].copy()
    keep = min(H, H_new)
    cols = np.arange(n)
    values = [k for k in arch if k.startswith("cv:")]
    for k in values:
        out[k] = np.zeros(arch[k].shape[:1] + (H_new, n))
    if "cv_line" in arch:
        out["cv_line"] = arch["cv_line"].copy()  # absolute entry numbers: still right
    for j in range(keep):  # the j-th newest entry of each neuron
        age = arch["count"] - 1 - j
        ok = age >= 0
        src = np.mod(age, H)
        dst = np.mod(age, H_new)
        for k in ("t", "Kminus", "Kminus_triplet"):
            out[k][dst[ok], cols[ok]] = arch[k][src[ok], cols[ok]]
        for k in values:
            out[k][:, dst[ok], cols[ok]] = arch[k][:, src[ok], cols[ok]]
    return out


# --- values of the targets' state at their archived spikes (SynapseModel.post_values) ------

def fit_values(arch: dict, want: dict, have: dict, step: int) -> dict:
    """Host archives with value columns for ``want`` (variable -> delays in steps, 0: at the
    spike): ``cv:<var>`` (len(Ds), H, n), one row per delay, and ``cv_line`` (max delay + 1,
    n), the absolute entry number each neuron archived in each of the last steps (-1: none),
    by step modulo its length. Columns kept from ``have`` (the same, as the archives hold
    them) stay where their delay is still wanted; ``step``: the next step to run."""
    H, n = arch["t"].shape
    out = {k: v for k, v in arch.items() if not k.startswith("cv")}
    for var, Ds in want.items():
        col = np.zeros((len(Ds), H, n))
        old = have.get(var, ())
        for j, D in enumerate(Ds):
            if D in old:
                col[j] = arch["cv:" + var][old.index(D)]
        out["cv:" + var] = col
    Lr = max([max(Ds) for Ds in want.values()], default=0) + 1
    line = np.full((Lr, n), -1, np.int64)
    if "cv_line" in arch:  # the steps both lines cover, re-slotted
        old = arch["cv_line"]
        for k in range(1, min(Lr, old.shape[0]) + 1):
            line[(step - k) % Lr] = old[(step - k) % old.shape[0]]
    if want:
        out["cv_line"] = line
    return out


def record_values(arch: dict, count_before, s, values: dict) -> dict:
    """After step ``s``'s pushes: note each neuron's newest entry if it archived one in this
    step, then write ``values`` (variable -> [(row in cv:<var>, D, (n,) values)]) into the
    entries archived D steps ago (so, for D = 0, this step's)."""
    line = arch["cv_line"]
    Lr, H = line.shape[0], arch["t"].shape[0]
    cols = jnp.arange(line.shape[1])
    new = jnp.where(arch["count"] > count_before, arch["count"] - 1, -1)
    line = line.at[s % Lr].set(new.astype(line.dtype))
    out = dict(arch, cv_line=line)
    for var, rows in values.items():
        col = out["cv:" + var]
        for j, D, v in rows:
            idx = line[(s - D) % Lr]
            slot = jnp.where(idx >= 0, ints.rem(jnp.maximum(idx, 0), H), H).astype(jnp.int32)
            col = col.at[j, slot, cols].set(v.astype(col.dtype), mode="drop")
        out["cv:" + var] = col
    return out


def archive_step(arch: dict, mult, t_sp, mask, tau_inv, tau_t_inv, serial: bool = False
                 ) -> dict:
    """NEST's ArchivingNode::set_spiketime for the neurons that fired ``mult`` spikes at
    t_sp (ms), once per spike (a parrot's multiplicity counts): those with incoming
    archive-reading synapses (``mask``) update their traces and push an entry; all note the
    spike time. (The loop for further spikes sits in a cond: a ring passed through a loop
    every step would be copied every step.) ``serial``: the entries are written neuron by
    neuron, not scattered (a small network's step loop then compiles into one function)."""
    arch = _archive_push(arch, mult > 0, t_sp, mask, tau_inv, tau_t_inv, serial)

    def more(c):
        arch, rest = c
        return (_archive_push(arch, rest > 0, t_sp, mask, tau_inv, tau_t_inv, serial),
                rest - 1.0)

    def all_of(arch):
        return lax.while_loop(lambda c: jnp.any(c[1] > 0), more, (arch, mult - 1.0))[0]

    return lax.cond(jnp.any(mult > 1), all_of, lambda a: a, arch)


def needed_since(plastic_sets: tuple, syn: list, plastic_args: list, n: int):
    """Per neuron, the earliest time (ms) an archive-reading connection into it may still ask
    about: the least of their last reads less their delays (NEST's archiver keeps what its
    incoming connections have not all read). Rules read forward, so the value at a chunk's
    start holds for all of it."""
    need = jnp.full(n, jnp.inf)
    for ps, s, e in zip(plastic_sets, syn, plastic_args):
        if ps.impl.archive:
            t = s[ps.impl.archive_since] - e["params"]["delay"]
            need = need.at[e["tgt"]].min(jnp.where(e["valid"] != 0, t, jnp.inf), mode="drop")
    return need


def _archive_push(arch: dict, fired, t_sp, mask, tau_inv, tau_t_inv, serial: bool) -> dict:
    """Push an entry for the neurons that fired; a full ring drops its oldest entry, which
    sets ``dropped`` where a connection may still need it (``need``: its next-oldest entry
    is not older than needed_since, eps spared)."""
    push = fired & mask
    dt = arch["last"] - t_sp
    K = jnp.where(push, arch["Kminus_now"] * jnp.exp(dt * tau_inv) + 1.0, arch["Kminus_now"])
    Kt = jnp.where(push, arch["Kminus_triplet_now"] * jnp.exp(dt * tau_t_inv) + 1.0,
                   arch["Kminus_triplet_now"])
    H = arch["t"].shape[0]
    slot = ints.rem(arch["count"], H).astype(jnp.int32)
    cols = jnp.arange(slot.size)
    t_next = arch["t"][ints.rem(slot + 1, H), cols]
    lost = push & (arch["count"] >= H) & (t_next >= arch["need"] - 2 * STDP_EPS)
    # rows that do not push write out of bounds (dropped), so no write reads the ring; and
    # the row index depends on t_next, which orders that read before the writes (else XLA
    # copies the ring each step to keep the old one for it)
    row = jnp.where(push & (t_next == t_next), slot, H)

    def put(ring, value):
        if serial:
            return blocks.serial_set_columns(ring, row, value)
        return ring.at[row, cols].set(value, mode="drop")

    return dict(arch, t=put(arch["t"], t_sp), Kminus=put(arch["Kminus"], K),
                Kminus_triplet=put(arch["Kminus_triplet"], Kt),
                count=arch["count"] + push.astype(arch["count"].dtype),
                last=jnp.where(fired, t_sp, arch["last"]), Kminus_now=K,
                Kminus_triplet_now=Kt, dropped=arch["dropped"] | jnp.any(lost))


# --- delivery ------------------------------------------------------------------------------

FEW = 8  # a wider view re-reads only the lanes that lack an answer while they are at most
# 1/FEW of the batch (_again)


def _lanes(new: dict, n: int) -> dict:
    """A rule's new state with scalars broadcast to its n lanes (so that lanes can be
    scattered into it)."""
    return {k: jnp.broadcast_to(v, (n,)) if jnp.ndim(v) == 0 else v for k, v in new.items()}


def _again(on, W: int, c: tuple, need, few: bool) -> tuple:
    """(new, overflow, wide) after ``on(W, sel)`` again for the lanes ``need`` (their view
    lacked an answer). A view of W entries costs W per lane, and in a batch of thousands of
    lanes a few always need more than the first view (hpc_benchmark's 3,072): while
    they are at most 1/FEW of the batch, only they are gathered and run, and their answers
    gathered back (``few``: the rule reads no per-lane draws or dopamine views, which this
    cannot pick). Gathers only, no scatter: a delivery loop without scatters compiles into
    one function (make_delivery)."""
    E = need.shape[0]
    cap = max(E // FEW, 1)
    n = jnp.sum(need, dtype=jnp.int32)

    def all_lanes(c):
        return on(W)

    def few_lanes(c):
        # needing lanes up to each lane (jnp.cumsum, not prefix.prefix_sum: its dot keeps
        # the delivery loop from compiling into one function, ~2x the CPU time)
        rank = jnp.cumsum(need.astype(jnp.int32))
        sel = jnp.searchsorted(rank, jnp.arange(cap, dtype=jnp.int32), side="right",
                               method="scan_unrolled")
        got = on(W, jnp.minimum(sel, E - 1))
        at = jnp.clip(rank - 1, 0, cap - 1)

        def merge(old, v):
            return jnp.where(need, v[at].astype(old.dtype), old)
        return ({k: merge(c[0][k], got[0][k]) for k in c[0]}, merge(c[1], got[1]),
                merge(c[2], got[2]))

    def some(c):
        return lax.cond(n <= cap, few_lanes, all_lanes, c) if few and cap < E \
            else all_lanes(c)
    return lax.cond(n > 0, some, lambda c: c, c)


def make_delivery(ps: PlasticStatic, L: int, CN: int, itype, stamp_ms, wr_cap: int,
                  insert=None, serial: bool = False):
    """``deliver(buf, syn, arch_in, k_r, m_r, a_mod, A, e, key, wrec, vt) -> (buf, syn,
    overflow, wrec)`` for one plastic set and one rank of spikes (each row at most one spike,
    in step A + k_r[r]); ``vt``: the volume_transmitters' dopamine archives (neuromodulated
    rules). A set into precise receivers (``ps.precise``; CN: their count) has ``buf`` the
    precise phase's carry and ``insert`` its precise.Phase.insert: each lane that got an
    event adds one to the event ring, at the offset of its row's spike (``off_r``).

    A spike of multiplicity m is m events, each through ``on_pre`` in turn (NEST sends them
    one by one). ``arch_in`` is (archive, tau_minus_inv, tau_minus_triplet_inv) or None:
    the rule reads views of the newest VIEW_W[0] entries and, in the iterations where one
    lacks an answer, runs again on wider views, the whole ring last (the cost of a delivery
    follows the postsynaptic spikes since the sender's last one, not the ring's length).
    ``wrec``: the weight recorders' event buffer (step, connection, weight, count), appended
    for the edges whose model has a weight_recorder (``e["wr"]``), when ``wr_cap``. The fired
    rows' segments are numbered as in the static phase; each iteration handles B segments.
    A set of long segments (B = 1) without weight recorders or precise receivers runs its
    iterations in blocks without a scatter, compiled into one function (kernel/blocks.py);
    the others add each iteration's events as it ends. ``flush``: the rows' flush events
    instead (``on_flush``, stamped at A + 1: its slice's start), which send and record
    nothing. ``serial``: every scatter is a loop of single-element updates instead (a small
    network's chunk then compiles into one function; kernel/blocks.py), except for rules
    that read histories: their views and wider re-reads in one function took LLVM ~1 s more
    to compile (two parrots, stdp_synapse: 3.7-4.0 s against 2.7-3.1 s cold) for 1.0-1.15 ->
    0.5-0.9 us per step."""
    seg_len, B, n_seg = ps.seg_len, ps.seg_batch, ps.n_seg
    LCN = L * CN
    rule = ps.impl
    serial = serial and not (rule.archive or rule.voltage_archive)

    def set_at(v, idx, x):
        return blocks.set_at(v, idx, x, serial)

    def record(wrec, act, step, conn, w):
        """Append the acting lanes' events to the weight recorders' buffer."""
        w_step, w_conn, w_w, n = wrec
        pos = n + jnp.cumsum(act.astype(jnp.int32)) - 1
        pos = jnp.where(act & (pos < wr_cap), pos, wr_cap)
        return (set_at(w_step, pos, step.astype(jnp.int64)), set_at(w_conn, pos, conn),
                set_at(w_w, pos, w.astype(w_w.dtype)),
                n + jnp.sum(act, dtype=jnp.int32))

    def deliver(buf, syn, arch_in, k_r, m_r, a_mod, A, e, key, wrec, vt=None, clop=None,
                flush=False, off_r=None):
        on_pre = rule.on_flush if flush else rule.on_pre
        R = m_r.shape[0]
        nseg = e["nseg"]
        fired = (m_r != 0) & (nseg > 0)
        cnt = jnp.where(fired, nseg, 0)
        P = prefix_sum(cnt, n_seg)
        total = P[-1]
        first = P - cnt
        segbase = e["seg_first"] - first.astype(e["seg_first"].dtype)
        base = a_mod + k_r
        base = jnp.where(base >= L, base - L, base).astype(itype) * CN
        marks = set_at(jnp.full(n_seg + B, -1, jnp.int32), jnp.where(fired, first, n_seg + B),
                       jnp.arange(R, dtype=jnp.int32))

        def step(i, c):
            syn, cur, over, wrec = c
            j = i * B + jnp.arange(B, dtype=jnp.int32)
            r = jnp.maximum(lax.cummax(lax.dynamic_slice_in_dim(marks, i * B, B)), cur)
            seg = jnp.where(j < total, segbase[r] + j, n_seg).astype(itype)

            if B == 1:  # one contiguous slice (a gather of lanes costs several times more)
                def take(v):
                    return lax.dynamic_slice_in_dim(v, seg[0] * seg_len, seg_len)

                def put(v, x):
                    return lax.dynamic_update_slice_in_dim(v, x, seg[0] * seg_len, 0)
            else:
                slots = (seg[:, None] * seg_len + jnp.arange(seg_len, dtype=itype)).ravel()

                def take(v):
                    return v[slots]

                def put(v, x):
                    return set_at(v, slots, x)

            rr = jnp.repeat(r, seg_len)
            valid = take(e["valid"]) != 0
            count = take(e["count"]) != 0  # parrots count spikes, whatever the weight
            p = {k: (take(v) if jnp.ndim(v) else v) for k, v in e["params"].items()}
            p.update(ps.fixed)
            s = {k: take(v) for k, v in syn.items()}
            m = jnp.abs(m_r[rr])
            emitted = A + k_r[rr]
            t = stamp_ms(emitted)
            post = None
            if rule.voltage_archive:  # the targets' voltage histories
                tgt = take(e["tgt"])
            elif arch_in is not None and rule.archive:
                arch, tau_inv, tau_t_inv = arch_in
                tgt = take(e["tgt"])

                post = lambda W, tg: PostView(arch, tg, tau_inv[tg], tau_t_inv[tg], W)  # noqa: E731

            def one_event(u, c):
                s, val, over, wrec, got = c
                act = valid & (u < m)
                kw = {}
                if rule.random:  # keyed by emission step, event and connection
                    kw["rand"] = EdgeDraws(key, emitted * 16 + u, take(e["conn"]))
                s_in = dict(s, multiplicity=jnp.ones_like(m))
                if rule.neuromodulated:  # the lanes that take part (the rule loops per lane)
                    kw["dopa"] = DopaView(vt, p["volume_transmitter"])
                    s_in["active"] = act
                if rule.voltage_archive:  # a view per event: it tracks overflow of the lanes
                    s_in["active"] = act
                    if "t_flush" in s:  # eprop_synapse_bsshslm_2020: its senders
                        s_in["source_row"] = rr
                    new, ovf = voltage_archive.read(
                        rule.voltage_archive, clop[0], clop[1], tgt,
                        act & voltage_archive.live(rule, s),
                        lambda view: on_pre(p, s_in, t, view, **kw))
                    over = over | jnp.any(ovf & act)
                elif post is not None:  # the newest entries; where they lack one, more
                    def on(W, sel=None):
                        pick = (lambda x: x) if sel is None else \
                            (lambda x: x[sel] if jnp.ndim(x) else x)  # noqa: E731
                        view = post(W, pick(tgt))
                        new = on_pre({k: pick(v) for k, v in p.items()},
                                     {k: pick(v) for k, v in s_in.items()}, pick(t), view,
                                     **kw)
                        return _lanes(new, view.wide.shape[0]), view.overflow, view.wide
                    new, ovf, wide = on(VIEW_W[0])
                    H = arch_in[0]["t"].shape[0]
                    wider = [w for w in VIEW_W[1:] if w < H] + [0] * (VIEW_W[0] < H)
                    for W in wider:  # 0: the whole ring
                        new, ovf, wide = _again(on, W, (new, ovf, wide), wide & act,
                                                few=not kw)
                    over = over | jnp.any(ovf & act)
                else:
                    new = on_pre(p, s_in, t, None, **kw)
                sent = new["sent"] if "sent" in new else new["weight"]
                delivered = new.get("delivered", True)  # False: no event (failed release)
                val = val + jnp.where(act & delivered, jnp.where(count, 1.0, sent),
                                      0.0).astype(val.dtype)
                if wr_cap and "wr" in e:  # the events sent, with what they carry
                    rec = act & (take(e["wr"]) != 0) & delivered
                    wrec = record(wrec, rec, emitted, take(e["conn"]), sent)
                s = {k: jnp.where(act, new[k], s[k]).astype(s[k].dtype) for k in s}
                if ps.precise:  # the lanes with an event to put in the event ring
                    got = got | (act & delivered)
                return s, val, over, wrec, got

            n_events = jnp.max(jnp.where(valid, m, 0.0)).astype(jnp.int32)
            got = jnp.zeros(B * seg_len, bool) if ps.precise else ()
            val = jnp.zeros(B * seg_len, syn["weight"].dtype)
            s, val, over, wrec, got = lax.fori_loop(0, n_events, one_event,
                                                    (s, val, over, wrec, got))
            syn = {k: put(syn[k], s[k]) for k in syn}
            idx = base[rr] + take(e["off"])
            idx = jnp.where(idx >= LCN, idx - LCN, idx)
            return (syn, r[-1], over, wrec), idx, val, got, rr

        def each(i, c):  # an iteration with its events added to the ring buffer
            buf, c = c
            c, idx, val, got, rr = step(i, c)
            if ps.precise:
                buf = insert(buf, got, idx, off_r[rr], val)
            else:
                buf = blocks.add_at(buf, idx, val.astype(buf.dtype), serial)
            return buf, c

        n_iter = ints.div(total + B - 1, B)
        c0 = (syn, jnp.int32(-1), jnp.bool_(False), wrec)
        if ps.precise or (wr_cap and "wr" in e) or B > 1 or serial:  # adds per iteration
            buf, (syn, _, over, wrec) = lax.fori_loop(0, n_iter, each, (buf, c0))
        else:  # blocks of iterations without a scatter (kernel/blocks.py)
            buf, (syn, _, over, wrec) = blocks.scatter_loop(
                n_iter, lambda i, c: step(i, c)[:3], c0, buf, seg_len, LCN, itype)
        return buf, syn, over, wrec

    return deliver
