"""Turn the build-side network into the flat arrays the compiled kernel runs on.

Layout (rows): neurons grouped by model name, each group a contiguous block of rows, then the
spike generators. Every spike source (neuron or spike_generator) has a row; only neurons have
input. Connections become four edge sets:

- spike edges, sorted by source row and cut into segments of at most ``seg_len`` edges, so that
  delivery touches only the rows of the sources that fired (work ~ spikes x out-degree);
- poisson edges (one independent draw per edge and step, as NEST's poisson_generator sends);
- current edges (dc_generator);
- recording links, which become row lists (spike recorders) and (group, variable, index)
  gathers (samplers).

The slice length D is the smallest delay (in steps) of any edge that carries events: a spike
emitted inside a slice cannot arrive inside it, so the slice needs no delivery until its end.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import errors
from .network import Network

SEG_LEN = 128      # edges per delivery segment
DEFAULT_SLICE = 10  # steps per slice when nothing constrains it


@dataclass
class Group:
    name: str
    impl: object
    offset: int
    n: int
    gids: np.ndarray


@dataclass
class Plan:
    h: float
    D: int
    L: int
    C: int
    groups: list[Group]
    n_neurons: int
    sg_gids: np.ndarray
    row_of: np.ndarray              # gid -> row (-1: no row)
    spike: dict = field(default_factory=dict)
    poisson: dict = field(default_factory=dict)
    current: dict = field(default_factory=dict)
    pg_gids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cg_gids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    rec_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    samples: list = field(default_factory=list)   # [(group index, var, local idx array)]
    sample_gids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    sample_vars: list = field(default_factory=list)  # var name per sampled column
    sample_period: int = 0
    recorders: dict = field(default_factory=dict)  # gid -> sources/targets (np arrays)

    @property
    def n_rows(self) -> int:
        return self.n_neurons + self.sg_gids.size

    def signature(self) -> tuple:
        """What a compiled chunk function depends on (shapes and static choices, no values)."""
        return (self.D, self.L, self.C, tuple((g.name, g.n) for g in self.groups),
                self.sg_gids.size, self.spike["n_edges"], self.spike["n_seg"],
                self.spike["seg_len"], self.poisson["n_edges"], self.pg_gids.size,
                self.current["n_edges"], self.cg_gids.size, self.rec_rows.size,
                tuple((g, v, len(i)) for g, v, i in self.samples), self.sample_period)


def build_plan(net: Network, h: float) -> Plan:
    """Layout, edge sets and recorder wiring for the current network (all numpy)."""
    groups, offset = [], 0
    row_of = np.full(net.size + 1, -1, dtype=np.int64)
    for name, store in net.neurons.items():
        if len(store):
            groups.append(Group(name, store.entry.impl, offset, len(store), store.gids))
            row_of[store.gids] = offset + np.arange(len(store))
            offset += len(store)
    n_neurons = offset
    by_kind: dict[str, list[int]] = {}
    for gid, dev in net.devices.items():
        by_kind.setdefault(dev.entry.impl.kind, []).append(gid)
    sg_gids = np.array(sorted(by_kind.get("spike_source", [])), dtype=np.int64)
    row_of[sg_gids] = n_neurons + np.arange(sg_gids.size)
    C = max([g.impl.n_channels for g in groups], default=1)

    cols = net.conns.cols
    src, tgt = cols["source"], cols["target"]
    kind = _node_kinds(net)
    src_kind, tgt_kind = kind[src], kind[tgt]
    delay_steps = np.rint(cols["delay"] / h).astype(np.int64)

    is_spike = (tgt_kind == _NEURON) & ((src_kind == _NEURON) | (src_kind == _SG))
    is_poisson = (tgt_kind == _NEURON) & (src_kind == _PG)
    is_current = (tgt_kind == _NEURON) & (src_kind == _CG)
    carrying = is_spike | is_poisson | is_current
    D = int(delay_steps[carrying].min()) if carrying.any() else DEFAULT_SLICE
    dmax = int(delay_steps[carrying].max()) if carrying.any() else D
    plan = Plan(h=h, D=D, L=dmax + D, C=C, groups=groups, n_neurons=n_neurons,
                sg_gids=sg_gids, row_of=row_of)

    chan, weight = _channels(groups, row_of, tgt, cols["weight"], cols["receptor"], carrying)
    flat_tgt = chan * n_neurons + row_of[tgt]
    plan.spike = _spike_edges(row_of[src[is_spike]], flat_tgt[is_spike],
                              weight[is_spike], delay_steps[is_spike])
    plan.pg_gids = np.array(sorted(by_kind.get("poisson", [])), dtype=np.int64)
    plan.poisson = _gen_edges(plan.pg_gids, src[is_poisson], flat_tgt[is_poisson],
                              weight[is_poisson], delay_steps[is_poisson])
    plan.cg_gids = np.array(sorted(by_kind.get("current", [])), dtype=np.int64)
    plan.current = _gen_edges(plan.cg_gids, src[is_current], row_of[tgt[is_current]],
                              cols["weight"][is_current], delay_steps[is_current])
    _wire_recorders(plan, net, src, tgt, src_kind, tgt_kind)
    return plan


_NEURON, _SG, _PG, _CG, _SR, _SAMPLER = range(6)
_KIND_CODE = {"spike_source": _SG, "poisson": _PG, "current": _CG,
              "spike_recorder": _SR, "sampler": _SAMPLER}


def _node_kinds(net: Network) -> np.ndarray:
    kind = np.full(net.size + 1, _NEURON, dtype=np.int8)
    for gid, dev in net.devices.items():
        kind[gid] = _KIND_CODE[dev.entry.impl.kind]
    return kind


def _channels(groups, row_of, tgt, weight, receptor, carrying):
    """Ring-buffer channel of every edge, as its target model splits input, and the value an
    event carries per unit multiplicity (1 where the target counts spikes, e.g. parrots)."""
    chan = np.zeros(tgt.size, dtype=np.int64)
    value = weight.copy()
    rows = row_of[tgt]
    for g in groups:
        sel = carrying & (rows >= g.offset) & (rows < g.offset + g.n)
        if sel.any():
            chan[sel] = g.impl.channel(weight[sel], receptor[sel])
            if g.impl.input_is_multiplicity:
                value[sel] = 1.0
    return chan, value


def _spike_edges(src_row, flat_tgt, w, d) -> dict:
    """Spike edges sorted by source row, cut into segments of at most SEG_LEN edges."""
    order = np.argsort(src_row, kind="stable")
    src_row, flat_tgt, w, d = src_row[order], flat_tgt[order], w[order], d[order]
    n = src_row.size
    if n == 0:
        return dict(n_edges=0, n_seg=0, seg_len=1, order=order)
    starts = np.flatnonzero(np.r_[True, src_row[1:] != src_row[:-1]])
    lengths = np.diff(np.r_[starts, n])
    seg_len = int(min(SEG_LEN, lengths.max()))
    n_pieces = -(-lengths // seg_len)
    piece = np.arange(n_pieces.sum()) - np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)
    seg_start = np.repeat(starts, n_pieces) + piece * seg_len
    seg_end = np.minimum(seg_start + seg_len, np.repeat(starts + lengths, n_pieces))
    return dict(n_edges=n, n_seg=int(seg_start.size), seg_len=seg_len, order=order,
                seg_row=src_row[seg_start], seg_start=seg_start,
                seg_count=seg_end - seg_start, tgt=flat_tgt, w=w, d=d)


def _gen_edges(gen_gids, src, tgt, w, d) -> dict:
    """Edges from generators that send to every target each step (poisson, current)."""
    gen = np.searchsorted(gen_gids, src)
    return dict(n_edges=int(src.size), gen=gen, tgt=tgt, w=w, d=d)


def _wire_recorders(plan: Plan, net, src, tgt, src_kind, tgt_kind) -> None:
    """Spike recorders get their source rows; samplers their (group, var, index) gathers."""
    rec_rows, samples, sample_gids, sample_vars, periods = set(), [], [], [], []
    for gid, dev in sorted(net.devices.items()):
        kind = dev.entry.impl.kind
        if kind == "spike_recorder":
            sources = np.unique(src[tgt == gid])
            bad = sources[plan.row_of[sources] < 0]
            if bad.size:
                raise errors.IllegalConnection(
                    f"spike_recorder cannot record from {net.model_of(int(bad[0]))} "
                    f"(node {int(bad[0])}) in jaxnest.")
            plan.recorders[gid] = sources
            rec_rows.update(plan.row_of[sources].tolist())
        elif kind == "sampler":
            targets = np.unique(tgt[src == gid])
            plan.recorders[gid] = targets
            if targets.size:
                periods += [_steps(dev.status["interval"], plan.h),
                            _steps(dev.status["offset"], plan.h)]
    plan.rec_rows = np.array(sorted(rec_rows), dtype=np.int64)
    # one gather per (group, variable) over the union of everything any sampler reads
    wanted: dict[tuple[int, str], set] = {}
    for gid, targets in plan.recorders.items():
        dev = net.devices[gid]
        if dev.entry.impl.kind != "sampler":
            continue
        for t in targets.tolist():
            gi = _group_of(plan, int(t))
            impl = plan.groups[gi].impl
            for var in dev.status["record_from"]:
                if var not in impl.recordables:
                    raise errors.IllegalConnection(
                        f"Creation of connection is not possible because:\n"
                        f"Cannot connect with unknown recordable {var}")
                wanted.setdefault((gi, var), set()).add(t)
    for (gi, var), gids in sorted(wanted.items()):
        g = plan.groups[gi]
        gids = np.array(sorted(gids), dtype=np.int64)
        samples.append((gi, var, plan.row_of[gids] - g.offset))
        sample_gids.append(gids)
        sample_vars += [var] * gids.size
    plan.samples = samples
    plan.sample_gids = np.concatenate(sample_gids) if sample_gids else np.zeros(0, np.int64)
    plan.sample_vars = sample_vars
    nonzero = [p for p in periods if p > 0]
    plan.sample_period = math.gcd(*nonzero) if samples and nonzero else (1 if samples else 0)


def _group_of(plan: Plan, gid: int) -> int:
    row = plan.row_of[gid]
    for i, g in enumerate(plan.groups):
        if g.offset <= row < g.offset + g.n:
            return i
    raise errors.IllegalConnection(f"Node {gid} has no state to sample.")


def _steps(ms: float, h: float) -> int:
    return int(round(ms / h))
