"""Secondary (value-carrying) connections and NEST's waveform relaxation, as one phase.

NEST's secondary events carry a number per step instead of a spike: rate neurons send their
rate (DelayedRateConnectionEvent, InstantaneousRateConnectionEvent). A network without such
connections compiles none of this (``Static.cont`` is None; the engine's hooks are
Python-level ``if``s and the phase's carry is an empty tuple). With them:

- **emitters** (models with ``secondary_out``) write one value per step into V (D x R_c,
  R_c emitter rows) during the final update of a slice (NEST's ``new_rates[lag]``);
- **delayed edges** (rate_connection_delayed): at the end of a complete slice starting at A
  (NEST delivers secondary events at the start of the next slice; nothing can read them
  before) each edge adds ``w * f(V[k, src])`` into the input ring at row ``A + k + d``
  (Lc rows x CH channels x N neurons); the target reads row s in step s, summed with
  ``inst[s - A]``, as keyword ``sec`` (CH x n) of its update, and clears it;
- **instantaneous edges** (rate_connection_instantaneous) fill ``inst`` (D x CH x N) for the
  next slice: after the final update with the sender's proxy (its ``secondary_proxy`` state:
  NEST's "proxy for the next min_delay"), and, with waveform relaxation (kernel ``use_wfr``
  and nodes with ``wfr_state``), before the final update by NEST's Jacobi iteration: every
  wfr group runs the slice from its start state (restored after each sweep, same random
  draws: they are a function of the step), its per-step values are delivered as ``inst``,
  until no node's ``wfr_state`` moved by more than ``wfr_tol`` from the last sweep on any
  step, or ``wfr_max_iterations`` sweeps. The slice is then NEST's min_delay (instantaneous
  connections count with ``wfr_comm_interval``);
- **devices** (kind ``rate_source``: step_rate_generator; values computed by the host per
  chunk) have no proxies in NEST: their events go to the targets at once, inside the
  slice, at the device's place in the update order. A value sent in step s over delay d
  lands at ``s + d - D`` (offset d - D from the slice origin); where the target was updated
  before the device (lower node id) and has read that step already in this update call,
  NEST's ring buffer (min_delay + max_delay slots) returns it one ring length later. Reproduced: device edges are delivered after the relaxation sweeps,
  before the final update, to those steps;
- ``f`` is the target's ``secondary_edge_value`` where it has one (NEST's
  ``linear_summation = False``: the input nonlinearity per event, with the target's
  parameters), the identity elsewhere; the channel is the target's ``secondary_channel(w)``.

Gap junctions (gap_junction between hh_psc_alpha_gap / hh_cond_beta_gap_traub neurons) are
kernel/gap.py: their layout and carry live here under the key ``"gap"`` (``ContStatic.gap``),
their functions there; ``ContStatic.rate`` says whether the rate part above exists at all
(a network with gap junctions only compiles none of it).

How the other secondary events plug in (one more event type each, same phase):
- astrocyte SIC (sic_connection): a delayed edge set from astrocyte_lr_1994 emitters into a
  current channel of the target, i.e. another event type with its own ring channels;
- e-prop learning signals (eprop_learning_signal_connection): delayed edges from readout
  emitters, delivered before the spikes of the same slice (NEST delivers secondary events
  first), read by the target's update like rates.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..jaxenv import put
from . import gap as gapmod
from . import ints


@dataclass(frozen=True)
class ContStatic:
    """What the compiled continuous phase depends on."""
    n_src: int           # emitter rows R_c (neurons)
    n_dev: int           # rate_source device rows (host input per step)
    Lr: int              # NEST's ring length, min_delay + max_delay (device timing)
    out_groups: tuple    # (group index, first emitter row, proxy state variable)
    CH: int              # secondary input channels
    Lc: int              # rows of the delayed input ring (a multiple of D)
    n_del: int           # delayed edges from neurons
    n_dev_edges: int     # delayed edges from rate_source devices
    n_inst: int          # instantaneous edges
    del_tf: tuple        # (group index, first edge, end) with an edge nonlinearity
    inst_tf: tuple
    dev_tf: tuple
    wfr: bool            # run waveform relaxation sweeps
    wfr_groups: tuple    # (group index, wfr state variable)
    rate: bool = True    # the rate part exists (False: gap junctions only)
    gap: object = None   # gap.GapStatic (None: no gap junctions)


SECONDARY_KIND = "rate_source"  # devices whose values the host computes per step


def rate_events(events) -> tuple:
    """The rate-type secondary events among a model's ``secondary_in``/``secondary_out``
    (gap junctions are kernel/gap.py's)."""
    return tuple(e for e in events if e != gapmod.GAP)


# --- host side --------------------------------------------------------------------------
def secondary_mask(synapses, cols) -> np.ndarray | None:
    """Connections of secondary synapse models (None when there are none)."""
    lut = np.array([getattr(e.impl, "secondary", "") not in ("", gapmod.GAP)
                    if e is not None else False for e in synapses] or [False])
    if not lut.any():
        return None
    syn = cols["syn"]
    mask = lut[syn]
    return mask if mask.any() else None


def layout(plan, net, synapses, is_sec, dev_gids, use_wfr: bool, max_delay: int) -> dict:
    """Emitter rows, the delayed and instantaneous edge sets (sorted by target row, so that
    the edges into one group are contiguous) and the ring length, for ``plan``."""
    cols = net.conns.cols
    groups, row_of, N = plan.groups, plan.row_of, plan.n_neurons
    emit_of = np.full(row_of.size, -1, np.int64)  # gid -> emitter row
    kind_rows: list = []  # models with a value per kind: (gids, stride, kinds) per group
    out_groups, first, emit_gids = [], 0, []
    for gi, g in enumerate(groups):
        if rate_events(g.impl.secondary_out):
            emit_of[g.gids] = first + np.arange(g.n)
            emit_gids.append(np.asarray(g.gids, np.int64))
            out_groups.append((gi, first, g.impl.secondary_proxy))
            kinds = getattr(g.impl, "secondary_values", ())
            if kinds:
                kind_rows.append((np.asarray(g.gids, np.int64), g.n, kinds))
            first += g.n * max(len(kinds), 1)
    dev_gids = np.asarray(dev_gids, np.int64)
    emit_of[dev_gids] = np.arange(dev_gids.size)
    n_src = first
    from_dev = np.zeros(row_of.size, bool)
    from_dev[dev_gids] = True
    CH = max([g.impl.secondary_channels for g in groups if rate_events(g.impl.secondary_in)],
             default=1)
    idx = np.flatnonzero(is_sec)
    syn = cols["syn"][idx]
    inst_ids = [i for i, e in enumerate(synapses)  # no delay: instantaneous
                if e is not None and getattr(e.impl, "secondary", "")
                and not getattr(e.impl, "has_delay", True)]
    split = {i: e.impl.channel_weights for i, e in enumerate(synapses)
             if e is not None and getattr(e.impl, "channel_weights", ())}
    is_inst = np.isin(syn, inst_ids)
    out = dict(n_src=n_src, n_dev=int(dev_gids.size), dev_gids=dev_gids,
               out_groups=tuple(out_groups), CH=CH, structure=_structure(cols),
               emit_gids=np.concatenate(emit_gids) if emit_gids else np.zeros(0, np.int64))
    dmax = plan.D
    dev_e = from_dev[cols["source"][idx]]
    for key, sel in (("del", idx[~is_inst & ~dev_e]), ("inst", idx[is_inst]),
                     ("dev", idx[dev_e])):
        w = cols["weight"][sel].astype(plan.float_type)
        chan = np.full(sel.size, -1, np.int64)  # -1: the target's secondary_channel(w)
        for sid, names in split.items():  # one edge per factor and channel
            m = cols["syn"][sel] == sid
            if m.any():
                keep = sel[~m]
                parts = [(np.flatnonzero(m), c, net.conns.extra[k][sel[m]])
                         for c, k in enumerate(names)]
                sel = np.concatenate([keep] + [sel[m]] * len(names))
                w = np.concatenate([w[~m]] + [p[2].astype(plan.float_type) for p in parts])
                chan = np.concatenate([chan[~m]] + [np.full(m.sum(), c) for _, c, _ in parts])
        tgt_row = row_of[cols["target"][sel]]
        order = np.argsort(tgt_row, kind="stable")
        sel, tgt_row, w, chan = sel[order], tgt_row[order], w[order], chan[order]
        tf, locs = [], []
        for gi, g in enumerate(groups):
            lo, hi = np.searchsorted(tgt_row, [g.offset, g.offset + g.n])
            fix = chan[lo:hi] < 0
            by_receptor = getattr(g.impl, "secondary_receptor_channel", None)
            if hi > lo and by_receptor is not None and fix.any():  # eprop_readout
                part = chan[lo:hi]
                part[fix] = by_receptor(cols["receptor"][sel[lo:hi]][fix], min_delay=plan.D)
            elif hi > lo and g.impl.secondary_channel is not None and fix.any():
                part = chan[lo:hi]
                part[fix] = g.impl.secondary_channel(cols["weight"][sel[lo:hi]][fix])
        chan = np.maximum(chan, 0)
        d = np.rint(cols["delay"][sel] / plan.h).astype(np.int64)
        src = emit_of[cols["source"][sel]]
        if kind_rows:  # the row of the edge's kind
            src = src + _kind_offset(kind_rows, cols["source"][sel], cols["syn"][sel],
                                     synapses)
        early = cols["target"][sel] < cols["source"][sel]
        tgt_row, chan, src, d, w, early = _merged(tgt_row, chan, src, d, w, early)
        for gi, g in enumerate(groups):
            lo, hi = np.searchsorted(tgt_row, [g.offset, g.offset + g.n])
            if hi > lo and g.impl.secondary_edge_value is not None:
                tf.append((gi, int(lo), int(hi)))
                locs.append((tgt_row[lo:hi] - g.offset).astype(np.int32))
        if key == "del" and d.size:
            dmax = max(dmax, int(d.max()))
        out[key] = dict(src=src.astype(np.int32), tgt=(chan * N + tgt_row).astype(np.int64),
                        w=w, d=d, locs=locs, early=early)
        hold = np.zeros(tgt_row.size, bool)  # targets that take an event's value at once
        for g in groups:                 # (eprop_readout's handle), whatever the delay
            if getattr(g.impl, "secondary_receptor_channel", None) is not None:
                hold |= (tgt_row >= g.offset) & (tgt_row < g.offset + g.n)
        if key == "dev" and hold.any():
            out[key]["hold"] = hold
        out[key + "_tf"] = tuple(tf)
    D = plan.D
    out["Lr"] = int(D + max(max_delay, dmax))
    if out["dev"]["src"].size:  # device values may come back one NEST ring length later
        dmax = dmax + out["Lr"]
    out["Lc"] = D * (-(-dmax // D) + 1)
    wfr_groups = tuple((gi, g.impl.wfr_state) for gi, g in enumerate(groups)
                       if g.impl.wfr_state and not gapmod.takes_gap(g.impl))
    out["wfr"] = bool(use_wfr and wfr_groups and out["inst"]["src"].size)
    out["wfr_groups"] = wfr_groups if out["wfr"] else ()
    return out


def _merged(tgt_row, chan, src, d, w, early) -> tuple:
    """The edges with one weight per (target row, channel, source, delay): w summed. An
    edge delivers w * f(value), f depending on the source's value and the target only, so
    parallel edges act as one with their weights' sum (TripartiteConnect's pools make ~50
    sic_connection edges per astrocyte-neuron pair; their scatter-adds each slice were most
    of astrocyte_brunel's time). Sorted by target row (groups stay contiguous)."""
    if tgt_row.size < 2:
        return tgt_row, chan, src, d, w, early
    order = np.lexsort((d, src, chan, tgt_row))
    keys = (tgt_row[order], chan[order], src[order], d[order])
    new = np.ones(order.size, bool)
    new[1:] = np.any([k[1:] != k[:-1] for k in keys], axis=0)
    if new.all():
        return keys + (w[order], early[order])
    first = np.flatnonzero(new)
    summed = np.add.reduceat(w[order], first)
    return tuple(k[first] for k in keys) + (summed.astype(w.dtype), early[order][first])


def _kind_offset(kind_rows: list, src, syn, synapses) -> np.ndarray:
    """Per edge: the offset of its kind's rows at senders with a value per kind (the sender
    group's size times the kind's index); masks per group and synapse model, not per edge."""
    out = np.zeros(src.size, np.int64)
    for gids, stride, kinds in kind_rows:
        at = np.isin(src, gids)
        for sid in np.unique(syn[at]).tolist():
            kind = getattr(synapses[sid].impl, "secondary", "")
            if kind in kinds:
                out[at & (syn == sid)] = stride * kinds.index(kind)
    return out


def _structure(cols) -> tuple:
    """Which connections exist (not their weights): NEST rebuilds its secondary buffers, and
    drops the events of the last slice, when this changes between Simulate calls."""
    h = hashlib.sha1(np.ascontiguousarray(cols["source"]).tobytes())
    h.update(np.ascontiguousarray(cols["target"]).tobytes())
    h.update(np.ascontiguousarray(cols["syn"]).tobytes())
    return int(cols["source"].size), h.hexdigest()


def static_of(lay: dict | None) -> ContStatic | None:
    if lay is None:
        return None
    return ContStatic(lay["n_src"], lay["n_dev"], lay["Lr"], lay["out_groups"], lay["CH"],
                      lay["Lc"], int(lay["del"]["src"].size), int(lay["dev"]["src"].size),
                      int(lay["inst"]["src"].size), lay["del_tf"], lay["inst_tf"],
                      lay["dev_tf"], lay["wfr"], lay["wfr_groups"], lay.get("rate", True),
                      gapmod.static_of(lay.get("gap")))


def edge_args(lay: dict) -> dict:
    """The edge sets on the device (once per plan)."""
    out = {}
    for key in ("del", "inst", "dev"):
        e = lay[key]
        out[key] = {k: put(e[k]) for k in ("src", "tgt", "w", "d", "early", "hold")
                    if k in e}
        out[key]["locs"] = [put(x) for x in e["locs"]]
    if lay.get("gap") is not None:
        out["gap"] = gapmod.edge_args(lay["gap"])
    return out


def empty_state(lay: dict, D: int, N: int, ft) -> dict:
    """The phase's carry: the delayed input ring, the slice's instantaneous input, the values
    of the slice being run (V), and the last complete slice's values, proxies, start and
    first lag (sent, not delivered yet: NEST delivers them at the next slice's start)."""
    CHN = lay["CH"] * N
    if lay.get("gap") is not None:
        return dict(_rate_state(lay, D, CHN, ft), gap=gapmod.empty_state(lay["gap"], D, ft))
    return _rate_state(lay, D, CHN, ft)


def _rate_state(lay: dict, D: int, CHN: int, ft) -> dict:
    return {"ring": np.zeros((lay["Lc"], CHN), ft), "inst": np.zeros((D, CHN), ft),
            "V": np.zeros((D, lay["n_src"]), ft), "pV": np.zeros((D, lay["n_src"]), ft),
            "pP": np.zeros(lay["n_src"], ft), "pA": np.int64(0), "pk": np.int32(0),
            "pon": np.bool_(False)}


def carry_for(plan, old, step: int) -> dict:
    """The phase's carry for ``plan``: the last run's, rows matched by node, or empty. The
    last slice's pending events are dropped when connections changed in between (NEST
    rebuilds its secondary buffers then)."""
    lay, D, N = plan.cont, plan.D, plan.n_neurons
    new = _rate_state(lay, D, lay["CH"] * N, plan.float_type)
    gap_new = None
    if lay.get("gap") is not None:
        o_plan, o = old if old is not None else (None, {})
        o_gap = o_plan.cont.get("gap") if o_plan is not None else None
        if o_plan is plan:
            return o
        gap_new = gapmod.carry_from(lay["gap"], o_gap, o.get("gap") if o_gap else None, D,
                                    o_plan is not None
                                    and o_plan.cont["structure"] == lay["structure"],
                                    plan.float_type)
    if old is not None:
        o_plan, o = old
        o_lay = o_plan.cont
        if o_plan is plan:
            return o
        o = {k: np.asarray(v) for k, v in o.items() if k != "gap"}
        gids_new = plan.row_gids[:N]
        gids_old = o_plan.row_gids[:o_plan.n_neurons]
        _, i_new, i_old = np.intersect1d(gids_new, gids_old, return_indices=True)
        CH = min(lay["CH"], o_lay["CH"])
        oN = o_plan.n_neurons
        for c in range(CH):
            for s in range(step, step + min(o_lay["Lc"], lay["Lc"])):
                new["ring"][s % lay["Lc"], c * N + i_new] = o["ring"][s % o_lay["Lc"],
                                                                      c * oN + i_old]
        if o_lay["structure"] == lay["structure"] and o_plan.D == D:
            _, e_new, e_old = np.intersect1d(lay["emit_gids"], o_lay["emit_gids"],
                                             return_indices=True)
            new["pV"][:, e_new] = o["pV"][:, e_old]
            new["pP"][e_new] = o["pP"][e_old]
            new.update(pA=o["pA"], pk=o["pk"], pon=o["pon"])
    out = {k: put(v) for k, v in new.items()}
    if gap_new is not None:
        out["gap"] = gap_new
    return out


# --- the compiled phase -------------------------------------------------------------------
class Phase:
    """The continuous phase of one compiled chunk function (``st``: the chunk's Static)."""

    def __init__(self, st):
        self.cs = st.cont
        self.st, self.D, self.N = st, st.D, st.N
        self.CHN = self.cs.CH * st.N
        self.ft = jnp.dtype(st.float_type)
        # emitter rows whose values persist across update calls (astrocyte_lr_1994's
        # sic_values); other emitters send fresh values per call (NEST's new_rates)
        fresh = np.ones(self.cs.n_src, bool)
        for gi, first, _ in self.cs.out_groups:
            if getattr(st.groups[gi].impl, "secondary_keeps", False):
                fresh[first:first + st.groups[gi].n] = False
        self.fresh = None if fresh.all() else fresh

    def init(self, carry) -> dict:
        return carry["cont"]

    # per step ----------------------------------------------------------------------------
    def read(self, cc: dict, s, inst, clear: bool):
        """This step's secondary input (CH, N): ring row s (cleared when ``clear``: the
        final update reads it once; relaxation sweeps read without clearing) + inst."""
        row = ints.rem(s, self.cs.Lc).astype(jnp.int32)
        x = lax.dynamic_index_in_dim(cc["ring"], row, 0, keepdims=False)
        if clear:
            cc = dict(cc, ring=lax.dynamic_update_index_in_dim(
                cc["ring"], jnp.zeros(self.CHN, self.ft), row, 0))
        return (x + inst).reshape(self.cs.CH, self.N), cc

    def emit(self, V, k, values: dict):
        """Put step k's values of the emitting groups ({group index: (n,)}) into V (D, R_c)."""
        row = jnp.zeros(self.cs.n_src, self.ft)
        for gi, first, _ in self.cs.out_groups:
            if gi in values:
                v = jnp.ravel(values[gi])  # a value per kind: the kinds' rows in turn
                row = row.at[first:first + v.shape[0]].set(v.astype(self.ft))
        return V.at[k].set(row)

    # per slice ---------------------------------------------------------------------------
    def part(self, args, A):
        """First and end lag of this Simulate call's part of the slice at A (NEST's from and
        to of one update call; chunks of one call may cut a part again)."""
        run = args["cont"]["run"]
        return (jnp.clip(run[0] - A, 0, self.D).astype(jnp.int32),
                jnp.clip(run[1] - A, 0, self.D).astype(jnp.int32))

    def start_slice(self, cc: dict, args, A, k_lo, groups) -> dict:
        """At a slice's first step: the last slice's events (delayed values into the ring,
        proxies as instantaneous input; NEST sends lags outside that call's part as 0). At
        the start of a call's part: fresh values V (NEST's new_rates)."""
        def deliver(cc):
            ring, inst = cc["ring"], cc["inst"]
            if self.cs.n_del:
                ring = self._delayed(ring, cc["pV"], cc["pA"], args, groups)
            if self.cs.n_inst:
                k = jnp.arange(self.D)
                P = jnp.where((k >= cc["pk"])[:, None], cc["pP"][None], 0.0)
                inst = self.instantaneous(P, args, groups)
            return dict(cc, ring=ring, inst=inst, pon=jnp.bool_(False))
        cc = lax.cond((k_lo == 0) & cc["pon"], deliver, lambda cc: cc, cc)
        lo, _ = self.part(args, A)
        reset = k_lo == lo if self.fresh is None else (k_lo == lo) & self.fresh[None]
        return dict(cc, V=jnp.where(reset, jnp.zeros_like(cc["V"]), cc["V"]))

    def _delayed(self, ring, V, A, args, groups):
        e = args["cont"]["del"]
        vals = self._edge_values(V[:, e["src"]], e, self.cs.del_tf, args["params"], groups)
        k = jnp.arange(self.D, dtype=A.dtype)[:, None]
        idx = ints.rem(A + k + e["d"][None], self.cs.Lc) * self.CHN + e["tgt"][None]
        return ring.reshape(-1).at[idx.ravel()].add(vals.ravel()).reshape(ring.shape)

    def devices(self, cc: dict, args, A, s0, k_lo, k_hi, groups) -> dict:
        """The rate_source devices' values of steps [k_lo, k_hi) into the ring, as NEST's
        devices send them: at once, to step s + d - D (a slot already read this slice:
        one NEST ring length later)."""
        if not self.cs.n_dev_edges:
            return cc
        e = args["cont"]["dev"]
        D = self.D
        k = jnp.arange(D, dtype=A.dtype)
        live = (k >= k_lo) & (k < k_hi)
        inp = args["rg_input"][jnp.clip(A + k - s0, 0, args["rg_input"].shape[0] - 1)]
        raw = inp[:, e["src"]]  # NaN: the device is not active in that step
        act = ~jnp.isnan(raw)
        sent = jnp.any(act & live[:, None], axis=0)  # NEST sends only if active in the slice
        vals = self._edge_values(jnp.where(act, raw, 0.0), e, self.cs.dev_tf, args["params"],
                                 groups)
        vals = jnp.where(live[:, None] & sent[None], vals, 0.0)
        off = k[:, None] + e["d"][None] - D
        _, hi = self.part(args, A)  # an early target has read this call's lags below hi
        t = A + off + jnp.where((off < hi) & e["early"][None], self.cs.Lr, 0)
        if "hold" in e:  # eprop_readout: seen in the sending step, or the next one where
            t = jnp.where(e["hold"][None], A + k[:, None] + e["early"][None], t)  # updated
        idx = (t % self.cs.Lc) * self.CHN + e["tgt"][None]
        ring = cc["ring"]
        return dict(cc, ring=ring.reshape(-1).at[idx.ravel()].add(vals.ravel())
                    .reshape(ring.shape))

    def _edge_values(self, vals, e, tf, params, groups):
        """w * f(value) per edge; vals (..., E) the sources' values."""
        for (gi, lo, hi), loc in zip(tf, e["locs"]):
            p = {k: (v if jnp.ndim(v) == 0 else v[..., loc]) for k, v in params[gi].items()}
            vals = vals.at[..., lo:hi].set(groups[gi].impl.secondary_edge_value(
                p, vals[..., lo:hi]))
        return vals * e["w"]

    def instantaneous(self, V, args, groups):
        """(D, CH*N) input from per-step values V (D, R_c) over the instantaneous edges."""
        e = args["cont"]["inst"]
        vals = self._edge_values(V[:, e["src"]], e, self.cs.inst_tf, args["params"], groups)
        return jnp.zeros((self.D, self.CHN), self.ft).at[:, e["tgt"]].add(vals)

    def end_slice(self, cc: dict, states, args, A, k_hi) -> dict:
        """At the end of a call's part: instantaneous input cleared (NEST resets it after
        every update); at a slice's end, its values and the senders' proxies become the
        pending events."""
        lo, hi = self.part(args, A)
        P = jnp.zeros(self.cs.n_src, self.ft)
        for gi, first, var in self.cs.out_groups:
            if not var:  # no proxy (delayed-only emitters: astrocyte_lr_1994)
                continue
            v = states[gi][var]
            P = P.at[first:first + v.shape[0]].set(v.astype(self.ft))
        end = k_hi == hi
        done = end & (k_hi == self.D)
        return dict(cc, inst=jnp.where(end, jnp.zeros_like(cc["inst"]), cc["inst"]),
                    pV=jnp.where(done, cc["V"], cc["pV"]), pP=jnp.where(done, P, cc["pP"]),
                    pA=jnp.where(done, A, cc["pA"]), pk=jnp.where(done, lo, cc["pk"]),
                    pon=cc["pon"] | done)

    def relax(self, states, cc: dict, args, A, k_lo, run_group, groups) -> dict:
        """NEST's waveform relaxation before the final update of a slice: Jacobi sweeps of
        the wfr groups over steps [k_lo, D) from the slice's start state, each sweep's
        per-step values delivered over the instantaneous edges to the next, until converged
        (all |y - y_last| <= wfr_tol) or wfr_max_iterations sweeps. Returns cc with the
        last sweep's instantaneous input."""
        D = self.D
        wg = self.cs.wfr_groups
        tol = args["cont"]["tol"]

        def sweep(inst):
            def step(k, c):
                sts, V, Y = c
                s = A + k
                x, _ = self.read(cc, s, inst[k], clear=False)
                sts, vals, ys = list(sts), {}, []
                for j, (gi, var) in enumerate(wg):
                    new, val = run_group(gi, sts[j], x, s)
                    sts[j] = new
                    vals[gi] = val
                    ys.append(new[var])
                V = self.emit(V, k, vals)
                return tuple(sts), V, Y.at[k].set(jnp.concatenate(ys).astype(self.ft))
            n_y = sum(groups[gi].n for gi, _ in wg)
            init = (tuple(states[gi] for gi, _ in wg), jnp.zeros((D, self.cs.n_src), self.ft),
                    jnp.zeros((D, n_y), self.ft))
            _, V, Y = lax.fori_loop(k_lo, D, step, init)
            return V, Y

        def body(c):
            inst, last_y, n, _ = c
            V, Y = sweep(inst)
            exceeded = jnp.any(jnp.abs(Y - last_y) > tol)
            return self.instantaneous(V, args, groups), Y, n + 1, ~exceeded

        n_y = sum(groups[gi].n for gi, _ in wg)
        init = (cc["inst"], jnp.zeros((D, n_y), self.ft), jnp.int32(0), jnp.bool_(False))
        lo, _ = self.part(args, A)

        def run(inst):
            return lax.while_loop(lambda c: (~c[3]) & (c[2] < args["cont"]["max_iter"]),
                                  body, (inst,) + init[1:])[0]
        # once per call's part, at its start (a chunk continuing a part keeps its input)
        return dict(cc, inst=lax.cond(k_lo == lo, run, lambda i: i, cc["inst"]))
