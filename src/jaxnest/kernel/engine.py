"""The compiled simulation loop: one iteration per min_delay slice.

A chunk runs ``n_steps`` steps (a traced value, so any Simulate length reuses one compilation)
as slices aligned to multiples of D, as NEST aligns its min_delay slices (the first and last
slice of a chunk may be partial). Per slice:

1. the neuron updates run in a fori_loop with no delivery, each step reading its row of the
   ring buffer (C channels x N neurons, plus the current input); each step keeps, per row,
   the step and multiplicity of its first spike in the slice (and the full D x R spike array,
   used only when some row spikes more than once in the slice: parrots, spike generators,
   t_ref < min_delay);
2. the slice's block of the ring buffer is cleared in place. The buffer holds L + D rows: L for
   the steps and a spare block, which a slice cut short by the chunk's end clears instead of
   its own (the rows it read are never read again; the next chunk finishes the block and
   clears it), so that the clearing never depends on the buffer's contents;
3. the first spikes are delivered along their sources' rows of the (padded, source-grouped)
   edge arrays: the fired rows' segments are numbered by a cumulative sum of their segment
   counts (no compaction over edges or segments, no search), and each loop iteration reads
   one segment as a contiguous slice (or, for rows of a few edges, a batch of segments) and
   scatter-adds into the ring buffer at ``(emission step mod L) * C * N + off``. Later spikes
   of the same slice (rare) are delivered rank by rank in the same while loop;
4. Poisson generators draw one count per edge and step from a counter-based hash RNG compared
   against a CDF table (no while-loop sampler), added as dense rows when the edges hit a
   contiguous block of targets with one delay, else scattered; current generators add their
   current;
5. recorded spikes are appended to the chunk's event buffer (per rank, compacted over the
   recorded rows); sampled state goes to a sample buffer.

A spike emitted in step s is read by its target in step s + delay, as in NEST.

Optional phases are compiled only for networks that need them: precise (off-grid) spike
times (precise.py), spike payloads (payload.py: a value per spike in an array O beside S,
delivered through its own edge set by the same segment loop, recorded as the offset) and
secondary events (continuous.py: values per step over delayed and instantaneous
connections, waveform relaxation before a slice's final update).

Everything the loop reads that can change between Simulate calls (parameters, weights, rates,
spike-generator input) is an argument, never a closed-over constant: values change without a
new trace, and large edge arrays do not become XLA constants. The function closes over a
:class:`~jaxnest.kernel.plan.Static` only.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax
import numpy as np

from . import blocks, continuous, eprop_archive, neuromod, plastic, precise, rng, shards
from . import voltage_archive
from . import gap as gapmod
from . import ints
from .packed import Packed, as_dict
from .plan import Static
from .prefix import prefix_sum

TRACES = [0]  # how many times a chunk function has been traced (compile-reuse tests read it)
REC_LANES = 64  # recorded spikes appended per block (record_rank)
NARROW_LANES = 64  # a delivery of short segments whose fired segments fit this many lanes
                   # takes one iteration this wide instead of the set's batch (2,048 lanes:
                   # a few parrots firing in a step paid for all of them); not in networks
                   # compiled whole (Static.serial), where the condition cost more (+35 %)


def _full(values: dict, n: int) -> dict:
    """Parameters/propagators as models see them: every 0-d value broadcast to (n,). (The
    broadcast is fused into the update's loops: uniform values cost no memory traffic.)"""
    return {k: jnp.broadcast_to(v, (n,)) if jnp.ndim(v) == 0 else v for k, v in values.items()}


def _cast_floats(ft):
    """Floating point leaves to the kernel's float type (propagators are computed in float64
    from the parameters); integer leaves as they are."""
    def cast(x):
        x = jnp.asarray(x)
        return x.astype(ft) if jnp.issubdtype(x.dtype, jnp.floating) else x
    return cast


def _sampled(state: dict, impl, var: str):
    """The (n,) values of a recordable (a row of a vector state for ``X_j``)."""
    name, row = impl.sample_source(var)
    return state[name] if row is None else state[name][row]


def _held_input(held: dict, q, x, i, frozen, currents: bool):
    """A step's spike and current input with what waits in slot ``q`` added; the input of
    frozen neurons goes back into the slot.

    NEST's ring buffers have min_delay + max_delay slots (a step's slot: step mod that), and
    only a neuron's update reads and clears a slot: input a frozen neuron receives waits
    until its first update with that slot after it is thawed (not the first update)."""
    x = x + lax.dynamic_index_in_dim(held["x"], q, 0, keepdims=False)
    held = dict(held, x=lax.dynamic_update_index_in_dim(held["x"], jnp.where(frozen, x, 0),
                                                        q, 0))
    if currents:
        i = i + lax.dynamic_index_in_dim(held["i"], q, 0, keepdims=False)
        held = dict(held, i=lax.dynamic_update_index_in_dim(held["i"], jnp.where(frozen, i, 0),
                                                            q, 0))
    return x, i, held


def _last_spike(stt, spk, off, stamp, off_grid: bool) -> dict:
    """NEST's ``t_spike`` after a step: the stamp of a spike sent in it and, off the grid,
    its offset apart (of several events, the latest: the smallest offset), subtracted on the
    host as for the recorders (compiled, XLA:CPU contracts the stamp's product and the
    subtraction into an FMA, an ulp off the recorded time)."""
    if not off_grid:
        return {"t_spike": jnp.where(spk != 0, stamp, stt["t_spike"])}
    sent = jnp.atleast_2d(spk) != 0
    offset = jnp.min(jnp.where(sent, jnp.atleast_2d(off[0]), jnp.inf), axis=0)
    sent = jnp.any(sent, axis=0)
    return {"t_spike": jnp.where(sent, stamp, stt["t_spike"]),
            "t_spike_offset": jnp.where(sent, offset, stt["t_spike_offset"])}


def make_chunk_fn(st: Static, slices_cap: int, ev_cap: int, batch_axis: str | None = None,
                  donate: bool = False):
    """A jitted ``chunk(carry, args, n_steps) -> (carry, out)`` for this structure.

    ``donate``: the chunk takes the carry's buffers for the new carry (the caller must not
    use the carry again), so that no carried value is copied into the compiled loop.

    ``batch_axis``: the name of a ``jax.vmap`` axis the chunk runs under (kernel/batched.py):
    loops whose trip count depends on spikes then run the members' largest count, the extra
    trips delivering nothing, so that vmap keeps them loops over the members together instead
    of selecting the whole ring buffer per member on every trip. None (ordinary runs): the
    code below is traced exactly as without it."""

    def together(x):
        """One value for all members of a batch: the largest (a trip count, a flag)."""
        return x if batch_axis is None else lax.pmax(x, batch_axis)
    D, L, C, N, R, CC = st.D, st.L, st.C, st.N, st.R, st.CC
    K = st.shards  # devices the plastic sets are split over (kernel/shards.py)
    CN = C * N
    CCN = CC * N
    LCN = L * CN
    NB = L // D
    steps_cap = slices_cap * D
    n_rec = st.n_rec
    period = st.sample_period
    n_sample_rows = steps_cap // period + 1 if period else 0
    n_sample_cols = sum(c for _, _, c in st.samples)
    groups = st.groups
    itype = jnp.int64 if st.idx64 else jnp.int32
    ft = jnp.dtype(st.float_type)  # state, weights, buffers (the kernel's float_precision)
    r_idx = np.arange(R, dtype=np.int32)
    # small: no scatter in the slice loop (not under vmap, where an update at a per-member
    # index becomes a scatter again)
    serial = st.serial and batch_axis is None

    def stamp_ms(step):
        """The time stamp (ms) of a spike emitted in ``step``, as NEST computes it from tics."""
        return ((step + 1) * st.tics_per_step).astype(jnp.float64) * st.ms_per_tic

    pre = precise.Phase(st, ev_cap, serial) if st.precise is not None else None  # off-grid
    plastic_deliveries = [
        plastic.make_delivery(ps, L, st.precise.n_p, jnp.int32, stamp_ms, st.wr_cap,
                              pre.insert) if ps.precise else
        plastic.make_delivery(ps, L, CN, itype, stamp_ms, st.wr_cap, serial=serial)
        for ps in st.plastic]
    into_precise = [i for i, ps in enumerate(st.plastic) if ps.precise]  # from the spike list
    flush_sets = [i for i, ps in enumerate(st.plastic)
                  if ps.impl.on_flush is not None and not ps.precise]
    step_sets = [i for i, ps in enumerate(st.plastic)  # rules advanced every step (on_step)
                 if ps.impl.on_step is not None and not ps.precise] if D == 1 else []
    vt_triggers = [(i, neuromod.make_trigger(ps)) for i, ps in enumerate(st.plastic)
                   if ps.impl.neuromodulated] if st.vt else []
    vhist = [i for i, ps in enumerate(st.plastic)  # edge sets reading voltage histories
             if ps.impl.voltage_archive in voltage_archive.WINDOWED]

    def vsets(syn, args):
        """(t_lastspike, delay, live, target, valid) of the voltage-history edge sets."""
        return [(syn[i][st.plastic[i].impl.archive_since], args["plastic"][i]["params"]["delay"],
                 voltage_archive.live(st.plastic[i].impl, syn[i]), args["plastic"][i]["tgt"],
                 args["plastic"][i]["valid"]) for i in vhist]
    pay = st.payload  # spike payloads (kernel/payload.py): O beside S, their own edge set
    with_off = pre is not None or pay is not None  # recorded events carry offsets
    cont = continuous.Phase(st) if st.cont is not None and st.cont.rate else None  # rates
    gap = gapmod.Phase(st) if st.cont is not None and st.cont.gap is not None else None

    def rate_in(impl):
        return continuous.rate_events(impl.secondary_in)

    def run_group(gi, stt, p, pr, x, i_stim, s, args, sec=None, table=None, gap_in=None,
                  wfr_order=None):
        """One step of group gi: ``update``'s (new state, spikes, *extra)."""
        g = groups[gi]
        kw = ({"rand": rng.Draws(args["keys"]["neurons"], s, g.offset, g.n, R)}
              if g.impl.random else {})
        if g.impl.precise_input:  # events in time order, on-grid input at offset 0
            x, kw["step"] = pre.group_input(table, gi, x, g.n), s
        if g.impl.takes_step:
            kw["step"] = s
        if sec is not None and rate_in(g.impl):
            kw["sec"] = sec[: g.impl.secondary_channels, g.offset:g.offset + g.n]
        if gap_in is not None:  # gap junctions (kernel/gap.py): this step's coupling
            kw["gap"] = gap_in
            if wfr_order is not None:
                kw["wfr_order"] = wfr_order
        return g.impl.update(p, pr, stt, x, i_stim if g.CC > 1 else i_stim[0], st.h, **kw)

    def relax_group(args):
        """A wfr sweep's step of one group: no spike or current input (rate models)."""
        def one(gi, stt, sec, s):
            g = groups[gi]
            p, pr = _full(args["params"][gi], g.n), _full(args["props"][gi], g.n)
            new, _, val = run_group(gi, stt, p, pr, jnp.zeros((g.C, g.n), ft),
                                    jnp.zeros((g.CC, g.n), ft), s, args, sec)
            return {k: new[k].astype(v.dtype) if k in new else v  # (t_spike: the kernel's)
                    for k, v in stt.items()}, val
        return one

    # --- gap junctions (kernel/gap.py) -------------------------------------------------
    def _part(args, A):
        """First and end lag of this Simulate call's part of the slice at A."""
        run = args["cont"]["run"]
        return (jnp.clip(run[0] - A, 0, D).astype(jnp.int32),
                jnp.clip(run[1] - A, 0, D).astype(jnp.int32))

    def gap_start(states, cc, args, A, k_lo, buf, row0):
        """The last slice's gap events; with waveform relaxation, NEST's sweeps (spike input
        read from the ring, current input held in the state)."""
        gc = gap.start_slice(cc["gap"], args, k_lo)
        if not st.cont.gap.wfr:
            return states, dict(cc, gap=gc)

        def step_fn(gi, stt, gin, k):
            g = groups[gi]
            p, pr = _full(args["params"][gi], g.n), _full(args["props"][gi], g.n)
            x = lax.dynamic_slice_in_dim(buf, (row0 + k) * CN, CN).reshape(C, N)
            new, _, coef = run_group(gi, stt, p, pr, x[: g.C, g.offset:g.offset + g.n],
                                     jnp.zeros((g.CC, g.n), ft)[0] if g.CC == 1
                                     else jnp.zeros((g.CC, g.n), ft), A + k, args,
                                     gap_in=gin, wfr_order=st.cont.gap.order)
            return new, coef
        lo, _ = _part(args, A)
        states, gc = gap.relax(states, gc, args, k_lo, lo, step_fn)
        return states, dict(cc, gap=gc)

    # --- neuron updates -----------------------------------------------------------------
    def update_step(k, sc, args, buf, cbuf, row0, A, s0):
        states, S, samples, n_samp, arch, pc, O, cc, fz, bad = sc
        s = A + k
        table = sec = None
        if pre is not None:  # this step's events of the precise receivers
            pc, table = pre.read_step(pc, s)
        if cont is not None:  # this step's secondary input (rates), read once
            sec, cc = cont.read(cc, s, cc["inst"][k], clear=True)
            sec_out = {}
        emitted = []
        x_all = lax.dynamic_slice_in_dim(buf, (row0 + k) * CN, CN).reshape(C, N)
        if st.n_current:
            i_all = lax.dynamic_slice_in_dim(cbuf, (row0 + k) * CCN, CCN).reshape(CC, N)
        else:  # no current input anywhere: cbuf stays zero
            i_all = jnp.zeros((CC, N), ft)
        if st.frozen_L:
            x_all, i_all, fz = _held_input(fz, ints.rem(s, st.frozen_L), x_all, i_all,
                                           args["frozen"], st.n_current)
        new_states, spikes, pays = [], [], []
        clop = arch["clop"] if st.clop else None  # voltage histories (voltage_archive.py)
        ep_entries = []  # this step's e-prop entries, written after every group's read
        for gi, (g, stt, p, pr) in enumerate(zip(groups, states, args["params"],
                                                 args["props"])):
            if not g.scalar_params:  # (models/base.py: NeuronModel.scalar_params)
                p, pr = _full(p, g.n), _full(pr, g.n)
            x = x_all[: g.C, g.offset:g.offset + g.n]
            i_stim = i_all[: g.CC, g.offset:g.offset + g.n]
            gin = gap.group_input(cc["gap"], k, gi) if gap is not None else None
            new, spk, *off = run_group(gi, stt, p, pr, x, i_stim, s, args, sec, table, gin)
            if st.frozen_L:  # a frozen neuron keeps its state and sends nothing
                frozen = args["frozen"][g.offset:g.offset + g.n]
                new = {k: jnp.where(frozen, stt[k], v) for k, v in new.items()}
                spk = jnp.where(frozen, 0, spk)
            if g.impl.unstable is not None:  # NEST's NumericalInstability: the first
                hit = jnp.any(g.impl.unstable(new)) & (bad[0] < 0)  # step, the group
                bad = jnp.where(hit, jnp.stack([s, jnp.asarray(gi, s.dtype)]).astype(
                    bad.dtype), bad)
            if g.impl.t_spike_by_kernel:
                new = dict(new, **_last_spike(stt, spk, off, stamp_ms(s), g.impl.off_grid))
            if cont is not None and continuous.rate_events(g.impl.secondary_out):
                sec_out[gi] = off[0]
            if g.impl.payload_out:  # the value its spikes carry (kernel/payload.py)
                pays.append((g.offset, g.n, jnp.where(spk != 0, off[0], 0.0)))
            if clop is not None and "clopath" in st.clop[3] \
                    and voltage_archive.is_archiver(g.impl, "clopath"):
                clop = voltage_archive.write_clopath(clop, g.offset, g.n, new, p,
                                                     args["clop"]["mask"], stamp_ms(s), st.h)
            if clop is not None and "urbanczik" in st.clop[3] \
                    and voltage_archive.is_archiver(g.impl, "urbanczik"):
                clop = voltage_archive.write_urbanczik(clop, g.offset, g.n, new, spk, p,
                                                       args["clop"]["mask"], stamp_ms(s), st.h)
            if clop is not None and "eprop" in st.clop[3] and (
                    eprop_archive.is_archiver(g.impl) or eprop_archive.is_bsshslm(g.impl)):
                ent, new = eprop_archive.entry(clop, g.offset, g.n, new, p, pr,
                                               args["clop"]["mask"], s, st.h,
                                               eprop_archive.is_readout(g.impl), sec,
                                               eprop_archive.is_bsshslm(g.impl))
                ep_entries.append(ent)
            if g.impl.off_grid:  # spikes with offsets; grid targets read their sum
                emitted.append((g.offset, spk, off[0]))
                spk = jnp.sum(jnp.atleast_2d(spk), axis=0)
            new_states.append({k: v.astype(stt[k].dtype) for k, v in new.items()})
            spikes.append(jnp.asarray(spk, ft))
        row = jnp.concatenate(spikes + [args["sg_input"][s - s0]])
        S = S.at[k].set(row)
        if cont is not None:
            cc = dict(cc, V=cont.emit(cc["V"], k, sec_out))
        if pay is not None:
            orow = jnp.zeros(R, ft)
            for first, n, v in pays:
                orow = orow.at[first:first + n].set(v.astype(ft))
            O = O.at[k].set(orow)
        if emitted and pre is not None:
            pc = pre.append(pc, k, emitted)
        count0 = arch["count"] if st.arch_cv else None
        if st.arch_H and emitted and pre is not None:  # off-grid: each at stamp - offset
            arch = pre.archive(arch, row[:N], emitted, stamp_ms(s), args)
        elif st.arch_H:  # postsynaptic spike archives (STDP)
            a = args["archive"]
            arch = plastic.archive_step(arch, jnp.abs(row[:N]), stamp_ms(s), a["mask"],
                                        a["tau_minus_inv"], a["tau_minus_triplet_inv"],
                                        serial)
        if st.arch_cv:  # the targets' variables some rules read at archived spikes
            values = {}
            for var, Ds in st.arch_cv:
                now = row_values(new_states, var)
                at_spike = row_values(new_states, var, True) if 0 in Ds else None
                values[var] = [(j, D, at_spike if D == 0 else now) for j, D in enumerate(Ds)]
            arch = plastic.record_values(arch, count0, s, values)
        if clop is not None:
            arch = dict(arch, clop=eprop_archive.commit(clop, ep_entries))
        if period:
            vals = jnp.concatenate([_sampled(new_states[gi], groups[gi].impl, var)[idx]
                                    for (gi, var, _), idx in zip(st.samples, args["sample_idx"])])
            take = ints.rem(s + 1, period) == 0
            samples = samples.at[n_samp].set(jnp.where(take, vals, samples[n_samp]))
            n_samp = n_samp + take.astype(jnp.int32)
        return new_states, S, samples, n_samp, arch, pc, O, cc, fz, bad

    # --- spike delivery -----------------------------------------------------------------
    def deliver_rank(buf, k_r, m_r, a_mod, e, lay=None):
        """One spike per row at most: row r emitted m_r[r] spikes in step A + k_r[r].

        The fired rows' segments are numbered 0 .. total-1 in row order (a cumulative sum
        of their segment counts); a row's first number is marked in ``marks`` and a running
        maximum over the marks tells each number its row. Each loop iteration delivers B
        segments (B = 1: one contiguous slice of the padded edge arrays). ``lay``: another
        edge set's (n_seg, seg_len, batch, signed) (default: the static spike edges', where
        edges flagged ``dec`` carry (2 m - 3) w: NEST's binary neurons reading spikes)."""
        n_seg, seg_len, B, signed = lay or (st.n_seg, st.seg_len, st.seg_batch, st.signed)
        decode = lay is None and st.decode  # binary targets decode spikes: (2 m - 3) w
        nseg = e["nseg"]
        fired = (m_r != 0) & (nseg > 0)
        cnt = jnp.where(fired, nseg, 0)
        P = prefix_sum(cnt, n_seg)
        total = P[-1]
        first = P - cnt
        segbase = e["seg_first"] - first.astype(e["seg_first"].dtype)
        base = a_mod + k_r
        base = jnp.where(base >= L, base - L, base).astype(itype) * CN
        marks = blocks.set_at(jnp.full(n_seg + B, -1, jnp.int32),
                              jnp.where(fired, first, n_seg + B), jnp.asarray(r_idx), serial)

        def scatter(buf, idx, val):
            idx = jnp.where(idx >= LCN, idx - LCN, idx)  # out of range (padding): dropped
            return blocks.add_at(buf, idx, val, serial)

        if B == 1:
            def step(i, c):
                buf, cur = c
                r = jnp.maximum(marks[i], cur)
                seg = (segbase[r] + i).astype(itype)
                off = lax.dynamic_slice_in_dim(e["off"], seg * seg_len, seg_len)
                w = lax.dynamic_slice_in_dim(e["w"], seg * seg_len, seg_len)
                if batch_axis is not None:  # a member's extra trips deliver nothing
                    w = jnp.where(i < total, w, 0.0)
                if signed:
                    flip = lax.dynamic_slice_in_dim(e["flip"], seg * seg_len, seg_len)
                    off = off + jnp.where(m_r[r] < 0, flip, 0)
                m = m_r[r]
                if decode:
                    m = jnp.where(lax.dynamic_slice_in_dim(e["dec"], seg * seg_len, seg_len),
                                  2.0 * m - 3.0, m)
                return scatter(buf, base[r] + off, w * m), r
        else:
            off2 = e["off"].reshape(n_seg + 1, seg_len)
            w2 = e["w"].reshape(n_seg + 1, seg_len)

            def batch_of(Bw):
                def step(i, c):
                    buf, cur = c
                    j = i * Bw + jnp.arange(Bw, dtype=jnp.int32)
                    r = jnp.maximum(lax.cummax(lax.dynamic_slice_in_dim(marks, i * Bw, Bw)),
                                    cur)
                    seg = jnp.where(j < total, segbase[r] + j, n_seg)  # n_seg: all padding
                    idx = base[r][:, None] + off2[seg]
                    if signed:
                        flip2 = e["flip"].reshape(n_seg + 1, seg_len)
                        idx = idx + jnp.where(m_r[r][:, None] < 0, flip2[seg], 0)
                    m = m_r[r][:, None]
                    if decode:
                        m = jnp.where(e["dec"].reshape(n_seg + 1, seg_len)[seg],
                                      2.0 * m - 3.0, m)
                    return scatter(buf, idx, w2[seg] * m), r[-1]
                return step

            step = batch_of(B)

        def deliver(buf):
            n_iter = together(ints.div(total + B - 1, B))
            return lax.fori_loop(0, n_iter, step, (buf, jnp.int32(-1)))[0]

        Bn = max(NARROW_LANES // seg_len, 1)
        if Bn < B and batch_axis is None and not serial:  # few fired: one narrow iteration
            narrow = batch_of(Bn)
            return lax.cond(total <= Bn, lambda buf: narrow(0, (buf, jnp.int32(-1)))[0],
                            deliver, buf)
        return deliver(buf)

    def record_rank(rec, k_r, m_r, A, s0, args, O=None):
        """Append the recorded rows' spikes of one rank to the chunk's event buffers (with
        their payloads from O as offsets, where the network has payloads).

        The i-th spike's row is found by a binary search over the running count of the
        recorded rows that fired, REC_LANES spikes at a time, written as contiguous blocks:
        the cost follows the spikes, not the recorded rows (scattering every recorded row,
        most of them to a dropped slot, cost ~350 us per step with 19,000 rows recorded)."""
        rows = args["rec_rows"]
        mr = m_r[rows]
        count = prefix_sum((mr != 0).astype(jnp.int32), n_rec)
        total = count[-1]
        lanes = jnp.arange(REC_LANES, dtype=jnp.int32)

        def block(b, rec):
            ev_step, ev_row, ev_mult, n_ev = rec[:4]
            j = b * REC_LANES + lanes
            i = jnp.minimum(jnp.searchsorted(count, j, side="right", method="scan_unrolled"),
                            n_rec - 1)
            r = rows[i]
            at = (jnp.minimum(n_ev + b * REC_LANES, ev_cap),)  # at most ev_cap: no clamping
            out = (lax.dynamic_update_slice(ev_step, (A - s0).astype(jnp.int32) + k_r[r], at),
                   lax.dynamic_update_slice(ev_row, i, at),
                   lax.dynamic_update_slice(ev_mult, mr[i], at), n_ev)
            if O is not None:
                out += (lax.dynamic_update_slice(rec[4], O[k_r[r], r], at),)
            return out + rec[len(out):]
        n_blocks = together(ints.div(total + REC_LANES - 1, REC_LANES))
        rec = lax.fori_loop(0, n_blocks, block, rec)
        return (rec[0], rec[1], rec[2], rec[3] + total) + rec[4:]

    def over_ranks(S, body, carry):
        """``body(carry, k_r, m_r)`` for each rank of a slice's spikes S (D x R): rank 0 is
        each row's first spike (step k_r, multiplicity m_r; m_r = 0: none), rank 1 the
        second, ... Rows fire more than once in a slice only when they are parrots, spike
        generators or have t_ref < min_delay: then the ranks are read off S one by one.
        A slice of one step (min_delay = resolution) has one rank: no loop then (its trips,
        conditions and argmax cost more than the step's update in small networks)."""
        if S.shape[0] == 1:
            return body(carry, jnp.zeros(S.shape[1], jnp.int32), S[0])
        fired = S != 0
        k = jnp.argmax(fired, axis=0).astype(jnp.int32)
        m = S[k, r_idx]
        multi = jnp.any(jnp.sum(fired, axis=0, dtype=jnp.int32) > 1)

        def next_rank(c):
            """After rank (k, m): clear it from rem, extract the next one."""
            k, m, rem = c
            rem = jnp.where((jnp.arange(rem.shape[0])[:, None] == k) & (m != 0), 0.0, rem)
            k = jnp.argmax(rem != 0, axis=0).astype(jnp.int32)
            return k, rem[k, r_idx], rem

        def step(c):
            carry, k, m, rem, _ = c
            carry = body(carry, k, m)
            k, m, rem = lax.cond(multi, next_rank, lambda c: c, (k, m, rem))
            more = multi & jnp.any(m != 0)
            if batch_axis is not None:  # a member without more ranks idles (no spikes)
                m = jnp.where(more, m, jnp.zeros_like(m))
            return carry, k, m, rem, together(more)

        return lax.while_loop(lambda c: c[4], step, (carry, k, m, S, jnp.bool_(True)))[0]

    def row_values(states, var, at_spike=False):
        """(N,): each neuron row's ``var`` (0 where its model has none); ``at_spike``: its
        value where it emitted this step's spike (``__spike_<var>``), where it keeps one."""
        out = jnp.zeros(N, jnp.float64)
        for g, stt in zip(groups, states):
            name = "__spike_" + var if at_spike and "__spike_" + var in stt else var
            if name in stt:
                out = out.at[g.offset:g.offset + g.n].set(jnp.asarray(stt[name], jnp.float64))
        return out

    def with_values(arch, states):
        """The archives as rules reading post_values see them: the targets' variables now,
        and the delays (ms) of the value columns."""
        extra = {}
        for var, Ds in st.arch_cv:
            extra["now:" + var] = row_values(states, var)
            extra["cvD:" + var] = jnp.asarray(np.asarray(Ds, np.float64) * st.h)
        return dict(arch, **extra)

    def deliver(buf, pl, pbuf, S, A, args, arch, O=None, states=None):
        """Deliver a slice's spikes (S, the slice starting at step A) through the static and
        the plastic edges, as NEST does at the start of the next slice; their payloads (O)
        through the payload edges. ``states``: the neurons' (rules that read their targets'
        variables see them as they are now). ``pbuf``: on several devices, the ring the
        plastic edges add into (kernel/shards.py); () on one."""
        if pay is not None and pay.n_edges:
            lay = (pay.n_seg, pay.seg_len, pay.seg_batch, False)
            a_mod = ints.rem(A, L).astype(jnp.int32)
            buf = over_ranks(O, lambda buf, k_r, m_r: deliver_rank(
                buf, k_r, m_r, a_mod, args["payload"], lay), buf)
        if not (st.n_spike or st.plastic):
            return buf, pl, pbuf
        a_mod = ints.rem(A, L).astype(jnp.int32)
        arch_in, clop = rule_inputs(arch, states, args)

        def one_rank(c, k_r, m_r):
            buf, pl, pbuf = c
            if st.n_spike:
                buf = deliver_rank(buf, k_r, m_r, a_mod, args["spike"])
            if st.plastic:
                syn, over, wrec, vt = pl
                syn = list(syn)
                into = pbuf if K > 1 else buf
                for i, deliver_set in enumerate(plastic_deliveries):
                    if i in into_precise:  # from the spike list (deliver_into_precise)
                        continue
                    into, syn[i], o, wrec = deliver_set(into, syn[i], arch_in, k_r, m_r,
                                                        a_mod, A, args["plastic"][i],
                                                        args["keys"]["synapses"],
                                                        wrec, vt, clop)
                    over = over | o
                buf, pbuf = (buf, into) if K > 1 else (into, pbuf)
                pl = (syn, over, wrec, vt)
            return buf, pl, pbuf

        if st.vt:  # the dopamine neurons' spikes arrive at their volume_transmitters
            syn, over, wrec, vt = pl
            pl = (syn, over, wrec, neuromod.deliver(vt, S, A, args["vt"], L))
        return over_ranks(S, one_rank, (buf, pl, pbuf))

    def rule_inputs(arch, states, args):
        """What plastic rules read besides their edges: (archive, tau_minus_inv,
        tau_minus_triplet_inv) or None, and the voltage histories or None."""
        if st.arch_cv:
            arch = with_values(arch, states)
        arch_in = ((arch, args["archive"]["tau_minus_inv"],
                    args["archive"]["tau_minus_triplet_inv"]) if st.arch_H else None)
        return arch_in, (arch["clop"], clop_consts(args)) if st.clop else None

    def clop_consts(args):
        """The voltage histories' target constants, whether on_step runs and the resolution
        (e-prop; the resolution as a number, so that what only depends on it and on
        parameters equal over an edge set is computed while tracing, not per lane)."""
        consts = dict(args["clop"]["consts"], ep_res=st.h)
        return dict(consts, ep_stepped=jnp.float64(1.0)) if step_sets else consts

    def step_rules(pl, arch, args, A):
        """The rules' on_step (min_delay one step) at the start of slice A: entry A - 2 of
        the e-prop histories is complete (its learning signal written, the slice's spikes
        not yet delivered)."""
        syn, over, wrec, vt = pl
        syn = list(syn)
        clop = arch["clop"]
        for i in step_sets:
            e = args["plastic"][i]
            view = voltage_archive.VIEWS[st.plastic[i].impl.voltage_archive](
                clop, e["tgt"], e["valid"] != 0, clop_consts(args))
            syn[i] = st.plastic[i].impl.on_step(e["params"], syn[i],
                                                (A - 2).astype(jnp.float64), view)
            over = over | jnp.any(view.overflow)
        return syn, over, wrec, vt

    def deliver_into_precise(pc, pl, lst, A, args, arch, states):
        """A slice's spike list (the slice starting at step A) through the plastic sets into
        precise receivers: rank by rank (a row's spikes in the order sent, each rank at most
        one per row), each event into the event ring at its spike's offset."""
        Q = lst["row"].shape[0]
        live = jnp.arange(Q) < jnp.minimum(lst["n"], Q)
        row = jnp.where(live, lst["row"], R)
        order = jnp.argsort(row, stable=True)
        rs = row[order]
        rank = jnp.zeros(Q, jnp.int32).at[order].set(
            (jnp.arange(Q) - jnp.searchsorted(rs, rs, side="left")).astype(jnp.int32))
        a_mod = ints.rem(A, L).astype(jnp.int32)
        arch_in, clop = rule_inputs(arch, states, args)

        def one_rank(r, c):
            pc, (syn, over, wrec, vt) = c
            at = jnp.where(live & (rank == r), row, R)
            k_r = jnp.zeros(R, jnp.int32).at[at].set(lst["k"], mode="drop")
            m_r = jnp.zeros(R, ft).at[at].set(lst["m"].astype(ft), mode="drop")
            off_r = jnp.zeros(R, ft).at[at].set(lst["off"].astype(ft), mode="drop")
            syn = list(syn)
            for i in into_precise:
                pc, syn[i], o, wrec = plastic_deliveries[i](
                    pc, syn[i], arch_in, k_r, m_r, a_mod, A, args["plastic"][i],
                    args["keys"]["synapses"], wrec, vt, clop, off_r=off_r)
                over = over | o
            return pc, (syn, over, wrec, vt)

        n_ranks = jnp.max(jnp.where(live, rank + 1, 0))
        return lax.fori_loop(0, n_ranks, one_rank, (pc, pl))

    def deliver_flushes(buf, pl, pend, A, args, arch):
        """The senders' flush events due before slice A to the connections that act on them,
        at their time as NEST sends them (acted on at the sender's next spike, they kept a
        silent sender's targets' histories until then). ``pend``: the previous slice's
        spikes, delivered at A (the senders' newest spikes)."""
        S = jnp.where(pend["on"] & ~pend["cont"], pend["S"][:D], 0)
        clop = eprop_archive.sent(arch["clop"], S, pend["A"])
        due = eprop_archive.flush_due(clop, A)
        m_r = jnp.zeros(R, S.dtype).at[:due.size].set(due.astype(S.dtype))

        def send(c):
            buf, (syn, over, wrec, vt) = c
            syn = list(syn)
            for i in flush_sets:
                buf, syn[i], o, wrec = plastic_deliveries[i](
                    buf, syn[i], None, jnp.zeros(R, jnp.int32), m_r, ints.rem(A - 1, L).astype(
                        jnp.int32), A - 1, args["plastic"][i], args["keys"]["synapses"], wrec,
                    vt, (clop, clop_consts(args)), flush=True)
                over = over | o
            return buf, (syn, over, wrec, vt)

        buf, pl = lax.cond(together(jnp.any(due)), send, lambda c: c, (buf, pl))
        return buf, pl, dict(arch, clop=clop)

    def spike_count(S):
        """The neurons' spikes in a slice's steps S (NEST's local_spike_counter: a spike of
        multiplicity m is m spikes; devices' not counted). Multiplicities are whole numbers,
        negative only for binary neurons' down transitions (one event each, as recorded)."""
        return jnp.sum(jnp.abs(S[:, :N]) if st.signed else S[:, :N])

    def record(rec, S, A, s0, args, O=None):
        """Recorders get a slice's spikes at once (NEST's devices do), from the steps run."""
        if not n_rec:
            return rec
        return over_ranks(S, lambda rec, k_r, m_r: record_rank(rec, k_r, m_r, A, s0, args, O),
                          rec)

    # --- generators ---------------------------------------------------------------------
    def poisson_counts(args, keys, hkey, gen):
        """Counts (steps, edges): one uniform per (step, edge) against the CDF table, in its
        integer form (see runtime.poisson_thresholds): c0 + #{j : bits > thr_j}."""
        b = rng.bits_from_keys(args["keys"]["poisson"], keys[:, None], hkey[None, :])
        thr, c0 = args["pg_thr"], args["pg_c0"]
        if st.n_pg == 1:
            count = c0[0] + sum((b > thr[0, j]).astype(jnp.int32) for j in range(thr.shape[1]))
        else:
            t, c = thr[gen], c0[gen]
            count = c[None] + sum((b > t[None, :, j]).astype(jnp.int32)
                                  for j in range(thr.shape[1]))
        return count

    def deliver_generators(buf, cbuf, A, s0, live, args):
        k = jnp.arange(D)
        steps = A + k
        a_mod = ints.rem(A, L).astype(jnp.int32)
        if st.n_poisson:
            e = args["poisson"]
            gen = e["gen"]
            keys = rng.step_key(args["keys"]["poisson"], steps)
            t = steps[:, None]  # NEST: a poisson_generator draws in steps lo < s <= hi
            if st.n_pg == 1:
                lo, hi = args["pg_lo"][0], args["pg_hi"][0]
                active = live & (steps > lo) & (steps <= hi)
                # per-step values: computed once, not inside the per-draw loop
                keys, active = lax.optimization_barrier((keys, active))
                active = active[:, None]
            else:
                keys = lax.optimization_barrier(keys)
                active = live[:, None] & (t > args["pg_lo"][gen][None]) \
                    & (t <= args["pg_hi"][gen][None])
            count = poisson_counts(args, keys, e["hkey"], gen)
            val = jnp.where(active, count * e["w"][None], 0.0)
            if st.poisson_dense:
                slot = a_mod + k.astype(jnp.int32) + e["d0"]
                slot = jnp.where(slot >= L, slot - L, slot)
                # a window of the flat buffer per step (a 2-D view of it would make XLA copy
                # the whole buffer each slice: it cannot update a reshaped operand in place)
                idx = (slot.astype(itype) * CN + e["lo"])[:, None]
                if serial:
                    buf = blocks.serial_window_add(buf, idx[:, 0], val)
                else:
                    dnums = lax.ScatterDimensionNumbers(
                        update_window_dims=(1,), inserted_window_dims=(),
                        scatter_dims_to_operand_dims=(0,))
                    buf = lax.scatter_add(buf, idx, val, dnums,
                                          indices_are_sorted=False, unique_indices=False)
            else:
                slot = ints.rem(steps[:, None] + e["d"][None], L)
                buf = blocks.add_at(buf, slot * CN + e["tgt"][None], val, serial)
        if st.n_current:  # currents the host computed per step and row (window applied)
            e = args["current"]
            amp = args["cg_input"][jnp.clip(steps - s0, 0, steps_cap - 1)]
            val = jnp.where(live[:, None], amp[:, e["row"]] * e["w"][None], 0.0)
            slot = ints.rem(steps[:, None] + e["d"][None], L)
            cbuf = blocks.add_at(cbuf, slot * CCN + e["tgt"][None], val, serial)
        return buf, cbuf

    # --- the chunk ----------------------------------------------------------------------
    def fold(buf, pbuf, at, n):
        """buf[at:at + n] plus the devices' pbuf there summed; that part of pbuf cleared."""
        part = shards.total(lax.dynamic_slice_in_dim(pbuf, at, n))
        buf = lax.dynamic_update_slice_in_dim(buf, lax.dynamic_slice_in_dim(buf, at, n) + part,
                                              at, 0)
        return buf, lax.dynamic_update_slice_in_dim(pbuf, jnp.zeros(n, pbuf.dtype), at, 0)

    def chunk(carry, args, n_steps):
        TRACES[0] += 1
        s0 = carry["step"]
        args = dict(args, params=[as_dict(p) for p in args["params"]])  # (Packed: Runtime.run)
        props = []
        for g, p in zip(groups, args["params"]):
            try:  # uniform parameters arrive as scalars: their propagators are scalars too
                pr = g.impl.propagators(p, st.h)
            except Exception:  # a model that needs per-neuron arrays
                pr = g.impl.propagators(_full(p, g.n), st.h)
            props.append(jax.tree.map(_cast_floats(ft), pr))
        args = dict(args, props=props)
        if st.n_poisson:  # each edge's part of its draws' counters (see streams)
            args["poisson"] = dict(args["poisson"], hkey=rng.index_key(
                args["keys"]["poisson"], args["poisson"]["hidx"]))
        # room for a block written at ev_cap (see record_rank); without recorded rows one
        # entry: XLA:CPU runs a chunk whose buffers all hold <= 512 bytes thunk after thunk
        # on the calling thread, without its dataflow executor (hh_phaseplane's one step)
        ev_len = ev_cap + REC_LANES if n_rec else 1
        rec0 = (jnp.zeros(ev_len, jnp.int32), jnp.zeros(ev_len, jnp.int32),
                jnp.zeros(ev_len, ft), jnp.int32(0)) + ((jnp.zeros(ev_len, ft),) if with_off
                                                        else ())
        samples0 = jnp.zeros((n_sample_rows + 1, n_sample_cols), ft)
        A0 = s0 - ints.rem(s0, D)
        n_slices = ints.div(ints.rem(s0, D) + n_steps + D - 1, D)
        kk = jnp.arange(D)

        def one_slice(j, c):
            states, buf, cbuf, rec, samples, n_samp, pl, arch, pend, pc, cc, n_spk, fz, bad, \
                pbuf = c
            pO = pend["O"] if pay is not None else None
            A = A0 + j * D
            k_lo = jnp.maximum(s0 - A, 0)
            k_hi = jnp.minimum(s0 + n_steps - A, D)
            live = (kk >= k_lo) & (kk < k_hi)
            row0 = ints.rem(ints.div(A, D), NB) * D  # ring-buffer row of the slice's first step
            # the previous slice's spikes (held over from the last run for the first slice,
            # so that connections and weights changed in between apply, as in NEST); a
            # slice a run ended inside continues with the spikes it had (pend["cont"])
            eprop_on = st.clop is not None and "eprop" in st.clop[3]  # e-prop histories
            eprop_ls = cont is not None and eprop_on
            if eprop_ls:  # NEST delivers learning signals before spikes: into the e-prop
                cc = cont.start_slice(cc, args, A, k_lo, groups)  # history, entry A - 2
                ring = lax.dynamic_index_in_dim(cc["ring"], (A % st.cont.Lc).astype(jnp.int32),
                                                0, keepdims=False)
                arch = dict(arch, clop=eprop_archive.write_learning_signal(arch["clop"],
                                                                           ring[:N], A))
            if step_sets:
                pl = step_rules(pl, arch, args, A)
            buf, pl, pbuf = lax.cond(pend["on"] & ~pend["cont"],
                                     lambda c: deliver(*c, pend["S"], pend["A"], args, arch, pO,
                                                       states),
                                     lambda c: c, (buf, pl, pbuf))
            if K > 1:  # the rows this slice reads: the devices' plastic parts summed into buf
                buf, pbuf = fold(buf, pbuf, row0 * CN, D * CN)
            S = jnp.where(pend["cont"], pend["S"][:D], jnp.zeros((D, R), ft))
            O = jnp.where(pend["cont"], pO[:D], jnp.zeros((D, R), ft)) if pay is not None \
                else ()
            if pre is not None:  # the last slice's off-grid spikes into the event ring
                def into_ring(c):
                    pc, pl = c
                    pc = pre.deliver(pc, pend["P"], pend["A"], args)
                    if into_precise:
                        pc, pl = deliver_into_precise(pc, pl, pend["P"], pend["A"], args,
                                                      arch, states)
                    return pc, pl
                pc, pl = lax.cond(pend["on"] & ~pend["cont"] & (pend["P"]["n"] > 0), into_ring,
                                  lambda c: c, (pc, pl))  # (an empty list inserts nothing)
                pc = pre.start_slice(pc, pend, args, A, s0, k_lo, k_hi)
            if cont is not None:  # secondary events: NEST's waveform relaxation first
                if not eprop_ls:
                    cc = cont.start_slice(cc, args, A, k_lo, groups)
                if st.cont.wfr:
                    cc = cont.relax(states, cc, args, A, k_lo, relax_group(args), groups)
                cc = cont.devices(cc, args, A, s0, k_lo, k_hi, groups)
            if gap is not None:  # gap junctions: the last slice's events, relaxation
                states, cc = gap_start(states, cc, args, A, k_lo, buf, row0)
            if flush_sets:
                buf, pl, arch = deliver_flushes(buf, pl, pend, A, args, arch)
            if eprop_on:  # the entries the e-prop connections may still read
                sets = [(*eprop_archive.reads_from(pl[0][i]), args["plastic"][i]["tgt"],
                         args["plastic"][i]["valid"]) for i, ps in enumerate(st.plastic)
                        if ps.impl.voltage_archive == "eprop"]
                arch = dict(arch, clop=eprop_archive.needed_from(arch["clop"], sets, A))
            states, S, samples, n_samp, arch, pc, O, cc, fz, bad = lax.fori_loop(
                k_lo, k_hi, lambda k, sc: update_step(k, sc, args, buf, cbuf, row0, A, s0),
                (states, S, samples, n_samp, arch, pc, O, cc, fz, bad))
            if eprop_on:  # one of them overwritten: longer rings, same chunk
                ep = arch["clop"]
                pl = (pl[0], pl[1] | jnp.any(ep["ep_over"] != 0), pl[2], pl[3])
                arch = dict(arch, clop=dict(ep, ep_over=jnp.zeros_like(ep["ep_over"])))
            if cont is not None:  # a complete slice's values to their targets
                cc = cont.end_slice(cc, states, args, A, k_hi)
            if gap is not None:
                lo, hi = _part(args, A)
                cc = dict(cc, gap=gap.end_part(cc["gap"], states, lo, hi, k_hi))
            if st.vt:  # volume_transmitters: this slice's dopamine spikes, their deliveries
                syn, over, wrec, vt = pl
                a = args["archive"]
                vt, syn, over = neuromod.end_of_slice(
                    vt, syn, over, A, k_lo, k_hi, D, L, stamp_ms, vt_triggers, args["plastic"],
                    (arch, a["tau_minus_inv"], a["tau_minus_triplet_inv"]), args["vt"]["period"])
                pl = (syn, over, wrec, vt)
            S_rec = jnp.where(live[:, None], S, 0.0)
            n_spk = n_spk + spike_count(S_rec)
            if pre is not None and n_rec:  # off-grid rows: from the spike list, with offsets
                rec, pc = pre.record(rec, pc, A, s0, k_lo, k_hi, args)
                S_rec = jnp.where(args["precise_offgrid"][None, :], 0.0, S_rec)
            rec = record(rec, S_rec, A, s0, args, O if pay is not None else None)
            # clear the block once the slice has read all of it; a slice cut short by the
            # chunk's end clears the spare block at row L instead. (row_z depends on the
            # loop's result, so the clearing is ordered after the reads and done in place. It
            # must be a value the loop changes: with one it passes through unchanged, XLA
            # hoists the clearing above the loop and copies the whole buffer twice a slice.)
            row_z = together(jnp.where((k_hi == D) & ((S[0, 0] == S[0, 0]) if R else True),
                                       row0, L))
            buf = lax.dynamic_update_slice_in_dim(buf, jnp.zeros(D * CN, ft), row_z * CN, 0)
            if st.n_current:
                cbuf = lax.dynamic_update_slice_in_dim(cbuf, jnp.zeros(D * CCN, ft), row_z * CCN,
                                                       0)
            buf, cbuf = deliver_generators(buf, cbuf, A, s0, live, args)
            S_pend = S if st.pend_D == D else jnp.zeros((st.pend_D, R), ft).at[:D].set(S)
            pend = {"S": S_pend, "A": A, "on": jnp.bool_(True), "cont": k_hi < D}
            if pay is not None:
                pend["O"] = O if st.pend_D == D else jnp.zeros((st.pend_D, R), ft).at[:D].set(O)
            if pre is not None:
                pend["P"] = pc["list"]
            if K > 1:  # an overflow on any device ends the chunk on all
                pl = (pl[0], shards.any_of(pl[1])) + tuple(pl[2:])
            return (states, buf, cbuf, rec, samples, n_samp, pl, arch, pend, pc, cc, n_spk, fz,
                    bad, pbuf)

        wrec0 = (jnp.zeros(st.wr_cap, jnp.int64), jnp.zeros(st.wr_cap, jnp.int32),
                 jnp.zeros(st.wr_cap, ft), jnp.int32(0))
        pl0 = (list(carry["syn"]), jnp.bool_(False), wrec0,
               carry["vt"] if st.vt else {}) if st.plastic else ()
        pc0 = pre.init(carry) if pre is not None else ()
        cc0 = carry["cont"] if st.cont is not None else ()
        arch0 = carry.get("arch", {})
        if st.arch_H:  # a ring may drop only what no connection will read (see plastic.py)
            need = plastic.needed_since(st.plastic, carry["syn"], args["plastic"], N)
            arch0 = dict(arch0, dropped=jnp.bool_(False),
                         need=shards.least(need) if K > 1 else need)
        pbuf0 = jnp.zeros_like(carry["buf"]) if K > 1 else ()
        packed = any(isinstance(s, Packed) for s in carry["states"])
        init = ([s.unpack() if isinstance(s, Packed) else s for s in carry["states"]],
                carry["buf"], carry["cbuf"], rec0, samples0, jnp.int32(0),
                pl0, arch0, carry["pend"], pc0, cc0, jnp.zeros((), ft), carry.get("frozen", ()),
                jnp.full(2, -1, jnp.int64), pbuf0)
        if st.plastic:  # an overflow ends the chunk: the runtime reruns it anyway (the
            # runtime sizes every buffer from what the slices run so far filled)
            def more(c):
                over = c[1][6][1] | (c[1][7]["dropped"] if st.arch_H else False)
                over = over | (c[1][3][3] > ev_cap)  # (events, weight records: too many)
                if st.wr_cap:
                    over = over | (c[1][6][2][3] > st.wr_cap)
                return (c[0] < n_slices) & ~together(over)
            ran, res = lax.while_loop(more, lambda c: (c[0] + 1, one_slice(c[0], c[1])),
                                      (jnp.asarray(0, jnp.asarray(n_slices).dtype), init))
        else:
            res = lax.fori_loop(0, n_slices, one_slice, init)
        states, buf, cbuf, rec, samples, n_samp, pl, arch, pend, pc, cc, n_spk, fz, bad, \
            pbuf = res
        if K > 1:  # what the devices delivered for later slices, into the ring buffer
            buf = fold(buf, pbuf, 0, L * CN)[0]
        out = dict(ev_step=rec[0], ev_row=rec[1], ev_mult=rec[2], n_ev=rec[3],
                   samples=samples, n_samples=n_samp, n_spikes=n_spk, unstable=bad)
        if packed:  # as they came: packed (runtime) or as dicts (batched runs, tangents)
            states = [p.like(s) if isinstance(p, Packed) else s
                      for p, s in zip(carry["states"], states)]
        new = dict(states=states, buf=buf, cbuf=cbuf, step=s0 + n_steps, pend=pend)
        if with_off:
            out["ev_off"] = rec[4]
        if pre is not None:
            out["precise_need"], new["precise"] = pc["need"], pc["ring"]
        if st.plastic:
            new["syn"], out["overflow"], out["wrec"], vt = pl
            if vhist:  # an entry clopath/urbanczik connections may still read went: longer
                # rings, same chunk. Checked at the chunk's end, not per slice (a gather from
                # the whole ring each step): a connection that read since has flagged the
                # window it lacked (HistoryView.first), one that did not still wants it and
                # the ring's oldest entry only got newer (the last slice's spikes, not
                # delivered yet, are not older than its start)
                out["overflow"] = out["overflow"] | voltage_archive.lost(
                    arch["clop"], vsets(new["syn"], args), stamp_ms(A0 + (n_slices - 1) * D - 1))
            if st.arch_H:
                arch = dict(arch)
                del arch["need"]
                out["overflow"] = out["overflow"] | arch.pop("dropped")
                # how full the rings ran: the most entries one took, over the slices run
                out["arch_pushed"] = jnp.max(arch["count"] - carry["arch"]["count"])
            out["slices_run"], out["slices"] = ran, n_slices  # (an overflow ends it early)
            if st.vt:
                new["vt"] = dict(vt, over=jnp.bool_(False))
                out["vt_over"] = vt["over"]
        if st.arch_H or st.clop:
            new["arch"] = arch
        if st.cont is not None:
            new["cont"] = cc
        if st.frozen_L:
            new["frozen"] = fz
        out["counts"] = _counts(out, st.wr_cap)
        return new, out

    return jax.jit(shards.sharded(chunk, K) if K > 1 else chunk,
                   donate_argnums=(0,) if donate else ()), steps_cap


COUNTS = ("n_ev", "n_samples", "n_spikes", "overflow", "n_wr", "vt_over", "precise_Q",
          "precise_P", "precise_K", "unstable_step", "unstable_group", "arch_pushed",
          "slices_run", "slices")
"""What the runtime reads after every chunk, in ``out["counts"]``: one vector, one transfer
(each scalar fetched alone cost ~40 us, most of a small network's Simulate)."""


def _counts(out: dict, wr_cap: int):
    need = out.get("precise_need", jnp.zeros(3, jnp.int32))
    parts = [out["n_ev"], out["n_samples"], jnp.round(out["n_spikes"]),
             out.get("overflow", False), out["wrec"][3] if wr_cap else 0,
             out.get("vt_over", False), need[0], need[1], need[2], out["unstable"][0],
             out["unstable"][1], out.get("arch_pushed", 0), out.get("slices_run", 0),
             out.get("slices", 0)]
    return jnp.stack([jnp.asarray(x).astype(jnp.int64) for x in parts])
