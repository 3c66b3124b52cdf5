"""Off-grid (precise) spike times in the compiled loop: NEST's precise spiking as its own phase.

A network without precise models or devices compiles none of this (``Static.precise`` is
None: the engine's hooks are Python-level ``if``s). With them (see precise_host.py for the
host side):

- **off-grid rows** (rows of ``off_grid`` neuron models; rows of spike devices with a
  ``spike_events`` hook: spike_generator, poisson_generator_ps) put every spike they send in
  the slice's *spike list* (step within the slice, row, offset in ms, multiplicity), beside
  their summed multiplicity in S, which grid targets, plastic synapses and the archive read
  as before. Models append theirs in the step loop, devices' come from the host per chunk.
- **precise receivers** (models with ``precise_input``) read their input one event at a time
  in time order from an *event ring*: L steps x K events x n_p neurons (offset, weight) and a
  count per step and neuron, NEST's SliceRingBuffer. Edges from off-grid rows into them are
  an edge set of their own (CSR by source row, off the static spike edges); delivering a
  slice's spike list at the start of the next slice inserts one event per (spike, edge) at
  emission step + delay. Plastic edges between them are plastic sets of their own (plastic.py,
  ``PlasticStatic.precise``), delivered from the spike list after it, their events inserted
  the same way (:meth:`Phase.insert`). All their other input (grid sources, poisson
  generators, plastic synapses from grid sources) comes through the ordinary ring buffer and
  is read as events at offset 0: the end of the step, where NEST's on-grid events lie.
- **recording**: spike recorders read off-grid rows from the spike list, with offsets (the
  event buffer gets an offsets column), and every other row from S as before.
- capacities (the spike list per slice ``Q``, spike-edge pairs per delivery ``P``, ring
  events per neuron and step ``K``) are static; the chunk reports what it needed and the
  runtime reruns a chunk that overflowed with larger ones, as it does for its event buffer.
- small networks (``Static.serial``) write the spike list, the ring and the recorded events
  element by element and insert a delivery's events one after the other: no scatter and no
  sort, so XLA:CPU compiles the slice loop into one function (kernel/blocks.py). A slice
  whose spike list is empty inserts and records nothing (skipped).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

import jax.numpy as jnp
import numpy as np
from jax import lax

from . import blocks, ints, plastic


SMALL_SORT = 16
"""Events per step and neuron up to which they are ordered by compare-exchanges
(:func:`_transposition_sort`), not by XLA's sort: a sort keeps XLA:CPU from compiling the
step loop into one function, and each of its ~100 operations then ran on its own (one
iaf_psc_alpha_ps: ~200 us per step)."""


def _transposition_sort(key, *values):
    """Stable sort along axis 0 by ``key`` (ascending) of a few rows: odd-even
    transposition, n rounds of compare-exchanges between neighbours, each swapping only a
    strictly greater key forward, so equal keys keep their order (as lax.sort's is_stable)."""
    cols = [list(key)] + [list(v) for v in values]
    n = len(cols[0])
    for r in range(n):
        for i in range(r % 2, n - 1, 2):
            swap = cols[0][i] > cols[0][i + 1]
            for c in cols:
                a, b = c[i], c[i + 1]
                c[i], c[i + 1] = jnp.where(swap, b, a), jnp.where(swap, a, b)
    return tuple(jnp.stack(c) for c in cols)


class PreciseInput(NamedTuple):
    """One step's input events of a group of precise receivers, earliest first (offset
    descending; NEST's offsets count back from the step's end). Shape (K, n) each."""
    offset: object   # ms before the end of the step
    weight: object   # weight x multiplicity (a parrot's: the multiplicity)
    valid: object    # bool: a real event (the rest is padding, after the real ones)


@dataclass(frozen=True)
class PreciseStatic:
    """What the compiled precise phase depends on."""
    n_p: int            # precise receivers (event ring columns)
    p_groups: tuple     # (group index, first ring column, channels read as events)
    off_groups: tuple   # groups whose models emit off-grid spikes
    Q: int              # spike list entries per slice
    P: int              # spike x edge pairs per delivery
    K: int              # ring events per neuron and step
    n_edges: int        # edges from off-grid rows into precise receivers
    n_dev: int          # device rows that send off-grid spikes (host lists per chunk)
    edge_offsets: bool = False  # edges with off-grid delays (cont_delay_synapse): ``doff``


def empty_list(Q: int, ft) -> dict:
    """A slice's spike list with nothing in it (numpy: a constant in a trace, a host value
    outside one)."""
    return {"k": np.zeros(Q, np.int32), "row": np.zeros(Q, np.int32),
            "off": np.zeros(Q, ft), "m": np.zeros(Q, ft), "n": np.int32(0)}


def empty_ring(L: int, K: int, n_p: int, ft) -> dict:
    return {"off": np.zeros((L, K, n_p), ft), "w": np.zeros((L, K, n_p), ft),
            "cnt": np.zeros((L, n_p), np.int32)}


class Phase:
    """The precise phase of one compiled chunk function (``st``: the chunk's Static)."""

    def __init__(self, st, ev_cap: int, serial: bool = False):
        self.ps = st.precise
        self.st, self.ev_cap, self.L, self.D = st, ev_cap, st.L, st.D
        self.serial = serial  # small network: no scatter (kernel/blocks.py)
        self.ft = jnp.dtype(st.float_type)
        self.groups = {gi: (p0, chans) for gi, p0, chans in self.ps.p_groups}

    # --- the chunk's carry -------------------------------------------------------------
    def init(self, carry) -> dict:
        """The precise part of the slice loop's carry: ring (kept across chunks), the
        current slice's spike list and what the chunk needed (the event offsets are in the
        recording buffers)."""
        ps = self.ps
        return {"ring": carry["precise"], "list": empty_list(ps.Q, self.ft),
                "need": jnp.zeros(3, jnp.int32)}

    @staticmethod
    def _need(pc, i: int, value):
        need = pc["need"]
        at = jnp.arange(need.shape[0]) == i  # (no scatter: see blocks.py)
        return dict(pc, need=jnp.where(at, jnp.maximum(need, jnp.asarray(value, jnp.int32)),
                                       need))

    # --- the step loop -----------------------------------------------------------------
    def read_step(self, pc, s):
        """This step's ring events (K x n_p, unsorted) and the ring with the step's slot
        emptied (its events are read exactly once)."""
        ring = pc["ring"]
        slot = ints.rem(s, self.L).astype(jnp.int32)
        cnt = ring["cnt"][slot]
        valid = jnp.arange(self.ps.K, dtype=jnp.int32)[:, None] < cnt[None, :]
        table = (ring["off"][slot], ring["w"][slot], valid)
        empty = lax.dynamic_update_index_in_dim(ring["cnt"], jnp.zeros_like(cnt), slot, 0)
        ring = dict(ring, cnt=empty)
        return dict(pc, ring=ring), table

    def group_input(self, table, gi: int, x, n: int) -> PreciseInput:
        """A group's events in time order: its ring events, then its on-grid input as
        events at offset 0 (one per channel it reads as events and nonzero sum)."""
        p0, chans = self.groups[gi]
        off, w, valid = (a[:, p0:p0 + n] for a in table)
        if chans:
            g = jnp.stack([x[c] for c in chans]).astype(self.ft)
            off = jnp.concatenate([off, jnp.zeros_like(g)])
            w = jnp.concatenate([w, g])
            valid = jnp.concatenate([valid, g != 0])
        key = jnp.where(valid, -off, jnp.inf)
        if key.shape[0] <= SMALL_SORT:
            _, off, w, valid = _transposition_sort(key, off, w, valid)
            return PreciseInput(off, w, valid)
        _, off, w, valid = lax.sort((key, off, w, valid.astype(jnp.int32)), dimension=0,
                                    num_keys=1, is_stable=True)
        return PreciseInput(off, w, valid != 0)

    def append(self, pc, k, emitted):
        """Append a step's off-grid spikes: ``emitted`` lists (first row, spikes, offsets)
        per off-grid group, (n,) or (E, n) arrays."""
        rows, m, off = [], [], []
        for first, spk, o in emitted:
            spk = jnp.atleast_2d(spk)
            o = jnp.broadcast_to(jnp.atleast_2d(o), spk.shape)
            n = spk.shape[1]
            rows.append(jnp.broadcast_to(first + jnp.arange(n, dtype=jnp.int32), spk.shape)
                        .ravel())
            m.append(spk.ravel().astype(self.ft))
            off.append(o.ravel().astype(self.ft))
        rows, m, off = jnp.concatenate(rows), jnp.concatenate(m), jnp.concatenate(off)
        return self._push(pc, jnp.full(rows.shape, k, jnp.int32), rows, off, m, m != 0)

    def _push(self, pc, k, row, off, m, f):
        lst, Q = pc["list"], self.ps.Q
        pos = lst["n"] + jnp.cumsum(f.astype(jnp.int32)) - 1
        pos = jnp.where(f & (pos < Q), pos, Q)
        lst = {"k": blocks.set_at(lst["k"], pos, k, self.serial),
               "row": blocks.set_at(lst["row"], pos, row, self.serial),
               "off": blocks.set_at(lst["off"], pos, off, self.serial),
               "m": blocks.set_at(lst["m"], pos, m, self.serial),
               "n": lst["n"] + jnp.sum(f, dtype=jnp.int32)}
        return self._need(dict(pc, list=lst), 0, lst["n"])

    def archive(self, arch, row, emitted, t_stamp, args):
        """The postsynaptic spike archives (STDP) of a step: grid rows' spikes at the stamp,
        then each off-grid event at stamp - offset, in the order sent (NEST's
        set_spiketime(stamp, offset))."""
        a = args["archive"]
        push = lambda arch, m, t: plastic.archive_step(  # noqa: E731
            arch, m, t, a["mask"], a["tau_minus_inv"], a["tau_minus_triplet_inv"])
        N = row.shape[0]
        arch = push(arch, jnp.where(args["precise_offgrid"][:N], 0.0, jnp.abs(row)), t_stamp)
        for first, spk, off in emitted:
            spk = jnp.atleast_2d(spk)
            off = jnp.broadcast_to(jnp.atleast_2d(off), spk.shape)
            n = spk.shape[1]
            for e in range(spk.shape[0]):
                m = lax.dynamic_update_slice(jnp.zeros(N, spk.dtype), spk[e], (first,))
                t = jnp.full(N, t_stamp)
                t = lax.dynamic_update_slice(t, t[first:first + n] - off[e].astype(t.dtype),
                                             (first,))
                arch = push(arch, m, t)
        return arch

    # --- the slice ---------------------------------------------------------------------
    def start_slice(self, pc, pend, args, A, s0, k_lo, k_hi):
        """The slice's spike list: continued (a slice a chunk ended inside) or empty, plus
        the devices' spikes (host-computed, sorted by step) of the steps this chunk runs."""
        lst = jax_tree_where(pend["cont"], pend["P"], empty_list(self.ps.Q, self.ft))
        pc = dict(pc, list=lst)
        if not self.ps.n_dev:
            return pc
        d = args["precise_dev"]
        lo = jnp.searchsorted(d["step"], (A - s0 + k_lo).astype(jnp.int32))
        hi = jnp.searchsorted(d["step"], (A - s0 + k_hi).astype(jnp.int32))

        def one(i, pc):
            k = (d["step"][i] - (A - s0)).astype(jnp.int32)
            return self._push(pc, k[None], d["row"][i][None], d["off"][i][None],
                              d["m"][i][None], jnp.ones(1, bool))

        return lax.fori_loop(lo, hi, one, pc)

    def deliver(self, pc, lst, A, args):
        """Insert the events of a slice's spike list (the slice starting at step A) into
        the ring: one per (spike, edge into a precise receiver), at emission + delay."""
        if not self.ps.n_edges:
            return pc
        e, Q, P, L, n_p = args["precise"], self.ps.Q, self.ps.P, self.L, self.ps.n_p
        live = jnp.arange(Q) < jnp.minimum(lst["n"], Q)
        deg = jnp.where(live, e["cnt"][lst["row"]], 0)
        cum = jnp.cumsum(deg)
        total = cum[-1]
        j = jnp.arange(P, dtype=cum.dtype)
        ev = jnp.minimum(jnp.searchsorted(cum, j, side="right"), Q - 1)
        ok = j < total
        edge = jnp.where(ok, e["start"][lst["row"][ev]] + j - (cum[ev] - deg[ev]), 0)
        d, off = e["d"][edge], lst["off"][ev]
        if self.ps.edge_offsets:  # NEST's cont_delay_synapse: an offset of h or more is a
            off = off + e["doff"][edge]  # step earlier
            late = off >= self.st.h
            d, off = jnp.where(late, d - 1, d), jnp.where(late, off - self.st.h, off)
        slot = ((A + lst["k"][ev] + d) % L).astype(jnp.int32)
        w = e["w"][edge] * lst["m"][ev]
        pc = self.insert(pc, ok, slot * n_p + e["tgt"][edge], off, w)
        return self._need(pc, 1, total)

    def insert(self, pc, ok, key, off, w):
        """Events into the ring (``ok``: real ones; ``key``: slot x n_p + ring column), each
        after those already in its slot, in the order given."""
        if self.serial:
            return self._insert_serial(pc, ok, key, off, w)
        L, n_p, K = self.L, self.ps.n_p, self.ps.K
        # rank of each event among those for the same (slot, target), in the order given
        key = jnp.where(ok, key, L * n_p)
        order = jnp.argsort(key, stable=True)
        ks = key[order]
        rank = jnp.arange(ks.size) - jnp.searchsorted(ks, ks, side="left")
        cnt = pc["ring"]["cnt"].reshape(-1)
        pos = cnt[jnp.minimum(ks, L * n_p - 1)] + rank
        oks = ok[order]
        put = jnp.where(oks & (pos < K), pos, K)
        sl, tg = ints.div(ks, n_p).astype(jnp.int32), ints.rem(ks, n_p).astype(jnp.int32)
        ring = pc["ring"]
        ft = ring["w"].dtype
        ring = {"off": ring["off"].at[sl, put, tg].set(off[order].astype(ft), mode="drop"),
                "w": ring["w"].at[sl, put, tg].set(w[order].astype(ft), mode="drop"),
                "cnt": cnt.at[ks].add(oks.astype(jnp.int32), mode="drop").reshape(L, n_p)}
        return self._need(dict(pc, ring=ring), 2, jnp.max(jnp.where(oks, pos + 1, 0)))

    def _insert_serial(self, pc, ok, key, off, w):
        """:meth:`insert` one event after the other, with no sort or scatter (a small
        network's slice loop then compiles into one function, kernel/blocks.py): each
        takes its (slot, target)'s next place, as the ranks do there."""
        n_p, K = self.ps.n_p, self.ps.K
        ring = pc["ring"]
        ft = ring["w"].dtype

        def one(j, c):
            r_off, r_w, cnt, need = c
            k = jnp.where(ok[j], key[j], 0).astype(jnp.int32)
            sl, tg = k // n_p, k % n_p
            pos = lax.dynamic_index_in_dim(lax.dynamic_index_in_dim(cnt, sl, 0, False), tg,
                                           0, False)
            put = ok[j] & (pos < K)
            at = (sl, jnp.where(put, pos, 0), tg)

            def setv(r, v):
                cur = lax.dynamic_slice(r, at, (1, 1, 1))
                return lax.dynamic_update_slice(r, jnp.where(put, v.astype(ft), cur)
                                                .reshape(1, 1, 1), at)
            cnt = lax.dynamic_update_slice(cnt, (pos + ok[j]).reshape(1, 1), (sl, tg))
            return (setv(r_off, off[j]), setv(r_w, w[j]), cnt,
                    jnp.maximum(need, jnp.where(ok[j], pos + 1, 0)))

        last = jnp.max(jnp.where(ok, jnp.arange(1, ok.shape[0] + 1, dtype=jnp.int32), 0))
        r_off, r_w, cnt, need = lax.fori_loop(
            0, last, one, (ring["off"], ring["w"], ring["cnt"], jnp.int32(0)))
        return self._need(dict(pc, ring={"off": r_off, "w": r_w, "cnt": cnt}), 2, need)

    def record(self, rec, pc, A, s0, k_lo, k_hi, args):
        """Append the recorded off-grid rows' spikes of the steps run to the event buffers
        (with their offsets); an empty spike list appends nothing."""
        lst = pc["list"]
        return lax.cond(lst["n"] > 0, lambda r: self._record(r, lst, A, s0, k_lo, k_hi, args),
                        lambda r: r, rec), pc

    def _record(self, rec, lst, A, s0, k_lo, k_hi, args):
        ev_step, ev_row, ev_mult, n_ev, ev_off = rec
        idx = args["precise_rec"][lst["row"]]
        n = jnp.minimum(lst["n"], self.ps.Q)  # (live entries first)
        f = (jnp.arange(self.ps.Q) < n) & (idx >= 0) & (lst["k"] >= k_lo) & (lst["k"] < k_hi)
        pos = n_ev + jnp.cumsum(f.astype(jnp.int32)) - 1
        pos = jnp.where(f & (pos < self.ev_cap), pos, ev_step.shape[0])  # out of range: dropped
        put = functools.partial(blocks.set_at, serial=self.serial, n=n)
        return (put(ev_step, pos, (A - s0).astype(jnp.int32) + lst["k"]),
                put(ev_row, pos, idx),
                put(ev_mult, pos, lst["m"].astype(ev_mult.dtype)),
                n_ev + jnp.sum(f, dtype=jnp.int32),
                put(ev_off, pos, lst["off"]))


def jax_tree_where(c, a: dict, b: dict) -> dict:
    return {k: jnp.where(c, a[k], b[k]) for k in a}
