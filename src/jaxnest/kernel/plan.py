"""Turn the build-side network into the flat arrays the compiled kernel runs on.

Layout (rows): neurons grouped by model name, each group a contiguous block of rows, then the
spike generators. Every spike source (neuron or spike_generator) has a row; only neurons have
input. Connections become four edge sets:

- spike edges, grouped by source row (CSR), each row padded to whole segments of ``seg_len``
  edges (padding: weight 0, an offset that lands out of range): delivery touches only the
  rows of the sources that fired, one contiguous segment per step of its loop (work ~ spikes x
  out-degree). Each edge carries its weight and one precomputed int
  ``off = delay * C * N + channel * N + target row``: an event emitted in step s lands at flat
  ring-buffer index ``(s mod L) * C * N + off`` (minus ``L * C * N`` once when past the end),
  with no division in the kernel;
- poisson edges (one independent draw per edge and step, as NEST's poisson_generator sends),
  sorted by target; when they hit a contiguous block of distinct targets with one delay (e.g. a
  generator connected to a population) the kernel adds their draws as dense rows;
- current edges (dc_generator);
- recording links, which become row lists (spike recorders) and (group, variable, index)
  gathers (samplers).

The slice length D is the smallest delay (in steps) of any edge that carries events: a spike
emitted inside a slice cannot arrive inside it, so the slice needs no delivery until its end.
The ring buffer holds L steps, a multiple of D (slices aligned to multiples of D, as NEST aligns
them, own one block of D rows each), plus one spare block (see the engine).

What the compiled code depends on (shapes, static choices) is :class:`Static`, a small hashable
object: it is the compile-cache key, and compiled functions close over it only, never over the
(large) arrays of a :class:`Plan`.
"""
from __future__ import annotations

import dataclasses
import functools
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from .. import errors
from .network import Network, available_memory, check_memory
from .neuromod import VTStatic
from .plastic import PIECE as plastic_piece
from .plastic import edge_set as plastic_edge_set
from .plastic import static_of as plastic_static_of
from . import continuous
from . import gap as gapmod
from . import payload as payload_host
from . import precise_host
from . import shards
from . import voltage_archive

SEG_MAX = 4096      # longest delivery segment (edges)
SEG_OVERHEAD = (100, 100, 1)  # cost of one delivery-loop iteration, in edge lanes, with one
                          # long segment / a batch of short ones (measured: ~0.4 us per
                          # iteration vs ~4 ns per edge on a 2-core EPYC); cost of a lane
PLASTIC_SEG_OVERHEAD = (100, 1000, 1)  # the same for plastic sets: a batch of short segments
                          # runs ~140 operations each iteration (the rule, its archive views,
                          # the scatters of the state), long ones run in blocks compiled into
                          # one function (kernel/blocks.py; 2,000 parrots at 2 Hz, 200
                          # stdp_synapse each: 2.36 s per simulated second in segments of
                          # 256, 2.61 s in batches of 32)
WINDOW_SEG_OVERHEAD = PLASTIC_SEG_OVERHEAD[:2] + (256,)  # plastic sets whose rule walks a
                          # history window per lane (voltage_archive.WALKING): every lane,
                          # padding too, reads up to a window (256 entries and more), so rows of
                          # one edge take segments of one (urbanczik_synapse_example's parrots
                          # took 64-edge segments, 63 lanes of each walking 2,048 entries for
                          # nothing: 0.6 ms a step)
SHORT_SEGS = tuple(2 ** i for i in range(6))  # segment lengths delivered in batches
BATCH_LANES = 2048  # short segments (< 64 edges) are delivered this many lanes at a time
MIN_LANES = 1024    # smallest edge-set shape (lanes): small networks keep one
SEG_KEEP = 1.25     # a changed network keeps its segment length while it costs at most this
                    # much more than the best (the compiled chunk is reused)
DEFAULT_SLICE = 10  # steps per slice when nothing constrains it
INDEX_LIMIT = 2**31  # ring-buffer and edge-array indices beyond this use int64 (tests lower it)
SERIAL_ROWS = 256   # networks of fewer rows add into their buffers element by element, their
                    # slice loop compiled into one function (kernel/blocks.py; from 256 rows
                    # prefix sums are blocked products, which keep it apart anyway)
CHANNEL_CHUNK = 1 << 20  # edges per call of a model's channel()
SORT_BYTES = 8      # per spike edge while the edges are sorted (masks; the pieces' temporaries
                    # are cache-sized), besides the padded arrays
FILL_PIECE = 1 << 18   # connections per piece when sorting edges into their rows
FILL_TABLE = 1 << 22   # bound on pieces x rows (the pieces' count tables)
FILL_THREADS = 2       # threads sorting pieces


@dataclass
class Group:
    name: str
    impl: object
    offset: int
    n: int
    gids: np.ndarray
    C: int = 2      # spike input channels (the model's, or its neurons' receptor count)
    CC: int = 1     # current input channels


@dataclass(frozen=True)
class GroupStatic:
    model: str                                  # the implementation's NEST name
    offset: int
    n: int
    C: int                                      # spike input channels of this group
    CC: int                                     # current input channels of this group
    impl: object = field(compare=False, hash=False, repr=False)
    scalar_params: bool = False                 # the update takes uniform values as scalars


@dataclass(frozen=True)
class Static:
    """Everything a compiled chunk function depends on besides argument values."""
    h: float
    D: int
    L: int
    C: int
    N: int
    R: int
    groups: tuple                               # GroupStatic per group
    n_sg: int                                   # device spike rows (host-computed input)
    CC: int = 1                                 # current input channels
    float_type: str = "float64"                 # state, weights and buffers
    # spike edges
    n_spike: int = 0                            # edge lanes (bucketed; 0: no spike edges)
    n_seg: int = 0
    seg_len: int = 1
    seg_batch: int = 1
    idx64: bool = False                         # ring-buffer indices need int64
    # poisson edges
    n_poisson: int = 0
    n_pg: int = 0
    poisson_dense: bool = False                 # contiguous distinct targets, one delay
    signed: bool = False                        # some row emits negative multiplicities
    decode: bool = False                        # spike edges into binary neurons ("dec")
    # current edges
    n_current: int = 0
    n_cg: int = 0                               # current rows (host-computed input)
    # plastic synapses and the spike archive
    plastic: tuple = ()                         # PlasticStatic per plastic edge set
    arch_H: int = 0                             # archive ring length (0: no archive)
    arch_cv: tuple = ()                         # (variable, delays in steps) kept per spike
    clop: tuple | None = None                   # voltage archives (H, LTD, u_bar, kinds)
    pend_D: int = 0                             # rows of the carried last-slice spikes (>= D)
    wr_cap: int = 0                             # weight recorders' event buffer (0: none)
    vt: VTStatic | None = None                  # volume_transmitters (neuromodulated rules)
    tics_per_step: int = 100                    # spike stamps in ms as NEST: tics * ms_per_tic
    ms_per_tic: float = 0.001
    # recording
    n_rec: int = 0
    samples: tuple = ()                         # (group index, var, count)
    sample_period: int = 0
    precise: object = None                      # PreciseStatic (None: no precise spikes)
    payload: object = None                      # PayloadStatic (None: no spike payloads)
    cont: object = None                         # ContStatic (None: no secondary events)
    frozen_L: int = 0                           # slots of frozen neurons' held input (0: none)
    serial: bool = False                        # small: adds element by element (blocks.py)
    shards: int = 1                             # devices the plastic sets are split over

    def __hash__(self) -> int:
        """Computed once: each run looks its Static up several times (~3 us a hash)."""
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash(tuple(getattr(self, f.name) for f in dataclasses.fields(self)))
            object.__setattr__(self, "_hash", h)
        return h


@dataclass
class Plan:
    h: float
    D: int
    L: int
    C: int
    CC: int
    groups: list[Group]
    n_neurons: int
    sg_gids: np.ndarray             # device gid of each device spike row (after the neurons)
    row_of: np.ndarray              # gid -> row (-1: no row, or one row per connection)
    sg_conn: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    """Connection of each device spike row (-1: a shared row, one train for all targets)."""
    cg_conn: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    """Connection of each current row (-1: shared); ``cg_gids`` is the device of each."""
    signed: bool = False            # some device row emits negative multiplicities
    plastic: list = field(default_factory=list)  # host layouts of the plastic edge sets
    arch_mask: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    """Neurons (rows) that archive their spikes for archive-reading synapses (STDP)."""
    arch_H: int = 0                 # archive ring length (set by the runtime)
    arch_cv: dict = field(default_factory=dict)
    """Target variables the archives keep per spike: name -> delays (steps, 0: at the
    spike), see SynapseModel.post_values."""
    clop_mask: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    """Where clopath_synapse connections exist: the rows with incoming STDP-type connections
    (NEST's n_incoming > 0; Clopath archivers among them write LTP/LTD histories)."""
    clop_kinds: tuple = ()          # the voltage archives in use ("clopath", "urbanczik")
    clop_shape: tuple = ()          # their ring lengths (set by the runtime)
    pend_D: int = 0                 # rows of the spikes carried from the last run (runtime)
    wr_cap: int = 0                 # weight recorders' event buffer per chunk (runtime)
    vt_gids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    """The volume_transmitters, where a neuromodulated synapse model has connections."""
    vt_edges: dict = field(default_factory=dict)
    """Edges into them: source row ``src``, volume_transmitter ``vt``, delay ``d`` (steps)."""
    vt_K: int = 0                   # dopamine archive entries (set by the runtime)
    frozen_L: int = 0
    """Slots of the input frozen neurons hold, NEST's min_delay + max_delay in steps (set by
    the runtime once a neuron was frozen; 0: never, and no cost)."""
    tics_per_step: int = 100
    ms_per_tic: float = 0.001
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
    device_samples: dict = field(default_factory=dict)  # sampler gid -> devices it samples
    spike_links: tuple = ()         # (row, spike recorder, receptor) of every link, by row
    pg_records: list = field(default_factory=list)  # (recorder gid, poisson_generator gid)
    float_type: str = "float64"     # kernel's float_precision: state, weights, buffers
    timings: dict = field(default_factory=dict)    # seconds spent in the parts of build_plan
    pending: object = None          # build_plan(defer=True): call to fill the spike edges
    precise: dict | None = None     # precise spike times (precise_host.layout; None: none)
    precise_caps: dict = field(default_factory=lambda: dict(precise_host.CAPS))
    payload: dict | None = None     # spike payloads' edge set (kernel/payload.py; None: none)
    cont: dict | None = None        # secondary events (kernel/continuous.py; None: none)
    shards: int = 1                 # devices the plastic sets are split over (shards.py)
    _static: tuple = field(default=(None, None), init=False, repr=False, compare=False)

    @property
    def row_gids(self) -> np.ndarray:
        """The node (neuron or device) of each row."""
        return np.concatenate([g.gids for g in self.groups] + [self.sg_gids]).astype(np.int64)

    @property
    def n_rows(self) -> int:
        return self.n_neurons + self.sg_gids.size

    def static(self) -> Static:
        """The Static of this plan, made again only when what the runtime sets between runs
        (capacities, the pending spikes' length) changed: the rest is fixed at build."""
        varying = (self.arch_H, self.wr_cap, self.vt_K, self.pend_D, self.frozen_L,
                   tuple(self.clop_shape), tuple(self.precise_caps.items()))
        if self._static[0] != varying:
            self._static = (varying, self._make_static())
        return self._static[1]

    def _make_static(self) -> Static:
        sp, pe, ce = self.spike, self.poisson, self.current
        return Static(
            h=self.h, D=self.D, L=self.L, C=self.C, N=self.n_neurons, R=self.n_rows,
            groups=tuple(GroupStatic(g.impl.name, g.offset, g.n, g.C, g.CC, g.impl,
                                     bool(getattr(g.impl, "scalar_params", False)))
                         for g in self.groups),
            n_sg=int(self.sg_gids.size), CC=self.CC, float_type=self.float_type,
            signed=self.signed, decode=bool(sp.get("decode", False)),
            n_spike=sp.get("n_cap", 0), n_seg=sp.get("n_seg", 0), seg_len=sp.get("seg_len", 1),
            seg_batch=sp.get("seg_batch", 1),
            idx64=sp.get("idx64", False) or any(x["idx64"] for x in self.plastic)
            or bool(self.payload and self.payload["idx64"]),
            n_poisson=pe["n_edges"], n_pg=int(self.pg_gids.size),
            poisson_dense=pe.get("dense", False),
            n_current=ce["n_edges"], n_cg=int(self.cg_gids.size),
            plastic=tuple(plastic_static_of(x) for x in self.plastic),
            arch_H=self.arch_H if self.arch_mask.any() else 0,
            arch_cv=tuple(sorted(self.arch_cv.items())),
            clop=tuple(self.clop_shape) + (self.clop_kinds,) if self.clop_mask.size else None,
            pend_D=max(self.pend_D, self.D),
            wr_cap=self.wr_cap if any("wr" in x for x in self.plastic) else 0,
            vt=VTStatic(int(self.vt_gids.size), self.vt_K, int(self.vt_edges["src"].size))
            if self.vt_gids.size else None,
            tics_per_step=self.tics_per_step, ms_per_tic=self.ms_per_tic,
            n_rec=int(self.rec_rows.size),
            samples=tuple((g, v, len(i)) for g, v, i in self.samples),
            sample_period=self.sample_period,
            precise=precise_host.static_of(self.precise, self.precise_caps),
            payload=payload_host.static_of(self.payload),
            cont=continuous.static_of(self.cont), frozen_L=self.frozen_L,
            serial=self.n_rows < SERIAL_ROWS, shards=self.shards)

    def signature(self) -> Static:
        """What a compiled chunk function depends on (shapes and static choices, no values)."""
        return self.static()


def build_plan(net: Network, h: float, reuse: Plan | None = None,
               defer: bool = False, float_type: str = "float64", synapses: list = (),
               time_base: tuple[int, float] = (100, 0.001), min_delay: int = 1,
               use_wfr: bool = False, max_delay: int = 1, wfr_order: int = 3,
               prev: Plan | None = None, devices: int = 1) -> Plan:
    """Layout, edge sets and recorder wiring for the current network (all numpy).

    ``reuse``: a plan of the same nodes and connections (only device settings changed), whose
    edge sets are taken over instead of being sorted again (unless those settings changed
    the spike edges: event signs, rows of their own).
    ``defer``: leave the expensive part (sorting the spike edges into their padded rows) to
    ``plan.pending()``; everything the compiled code depends on (``plan.static()``, array
    shapes) is known before, so the runtime compiles while the edges are sorted.
    ``float_type``: dtype of the weights (the kernel's float_precision).
    ``synapses``: the synapse model entry of each synapse id; ``time_base``: (tics per step,
    ms per tic), for spike stamps in ms as NEST computes them; ``min_delay``: NEST's (steps),
    the slice length where volume_transmitters deliver (on its grid), and of every slice
    when secondary events (rates) are in use; ``use_wfr``: the kernel's (waveform
    relaxation for instantaneous secondary connections); ``max_delay``: NEST's (steps);
    ``wfr_order``: the kernel's wfr_interpolation_order (gap junctions, kernel/gap.py);
    ``prev``: the last plan, whose edge-set shapes are kept where they still fit
    (:func:`_spike_layout`); ``devices``: how many the plastic sets may be split over
    (kernel/shards.py).
    """
    import time
    t0 = time.perf_counter()
    groups, offset = [], 0
    row_of = np.full(net.size + 1, -1, dtype=np.int64)
    for name, store in net.neurons.items():
        if len(store):
            impl = store.entry.impl
            groups.append(Group(name, impl, offset, len(store), store.gids,
                                _group_channels(impl, store, net.conns),
                                max(len(impl.current_receptors), 1)))
            row_of[store.gids] = offset + np.arange(len(store))
            offset += len(store)
    n_neurons = offset
    by_kind: dict[str, list[int]] = {}
    for gid, dev in sorted(net.devices.items()):
        by_kind.setdefault(dev.entry.impl.kind, []).append(gid)
    C = max([g.C for g in groups], default=1)
    CC = max([g.CC for g in groups], default=1)
    pg_gids = np.array(by_kind.get("poisson", []), dtype=np.int64)

    conns = net.conns
    cols = conns.cols  # (read lazily: a column of runs is expanded only where read whole)
    src, tgt = conns.column("source"), conns.column("target")  # int32, as stored
    kind = _node_kinds(net)
    sg_gids, sg_conn, sg_row_of_conn = _device_rows(net, by_kind.get("spike_source", []), src,
                                                    row_of, n_neurons)
    cg_gids, cg_conn, cg_row_of_conn = _device_rows(net, by_kind.get("current", []), src,
                                                    None, 0)
    signed = any(getattr(net.devices[int(g)].entry.impl, "signed", None) is not None
                 and net.devices[int(g)].entry.impl.signed(net.devices[int(g)].status)
                 for g in np.unique(sg_gids)) \
        or any(getattr(g.impl, "signed_output", False) for g in groups)  # binary neurons
    if any(g.impl.signal == "binary" for g in groups):
        _check_decodable(net, groups, row_of, src, tgt, np.unique(sg_gids), h)
    common = dict(h=h, C=C, CC=CC, groups=groups, n_neurons=n_neurons, sg_gids=sg_gids,
                  sg_conn=sg_conn, cg_gids=cg_gids, cg_conn=cg_conn, row_of=row_of,
                  pg_gids=pg_gids, signed=signed, tics_per_step=time_base[0],
                  ms_per_tic=time_base[1])
    pieces = _pieces(src.size, n_neurons + sg_gids.size)  # for classifying and sorting
    if reuse is not None and reuse.signed == signed and np.array_equal(
            reuse.sg_gids, sg_gids) and np.array_equal(reuse.sg_conn, sg_conn):
        # (a device setting that signs the events or gives connections rows of their own
        # changes the spike edges: built anew below)
        plan = Plan(D=reuse.D, L=reuse.L, spike=reuse.spike, poisson=reuse.poisson,
                    current=reuse.current, float_type=reuse.float_type,
                    plastic=reuse.plastic, arch_mask=reuse.arch_mask, arch_cv=reuse.arch_cv,
                    clop_mask=reuse.clop_mask,
                    clop_kinds=reuse.clop_kinds,
                    vt_gids=reuse.vt_gids,
                    vt_edges=reuse.vt_edges, precise=reuse.precise, payload=reuse.payload,
                    cont=reuse.cont, shards=reuse.shards, **common)
        links = _classify(kind, src, tgt, pieces)[1]
        _wire_recorders(plan, net, src, tgt, kind, links["recording"], sg_row_of_conn,
                        conns.take("receptor", links["recording"]))
        plan.timings = dict(total=time.perf_counter() - t0, reused_edges=1.0)
        return plan

    is_spike, links = _classify(kind, src, tgt, pieces)
    # masks by synapse model: only the models with connections (a mask costs a pass over them)
    in_use = [e if i in net.conns.syn_ids else None for i, e in enumerate(synapses)]
    is_plastic = _plastic_mask(in_use, cols, is_spike, net)
    is_dopa = None
    if is_plastic is not None and _neuromodulated(synapses, cols["syn"], is_plastic):
        is_dopa = np.zeros(src.size, bool)
        is_dopa[links["vt"]] = True
    if is_plastic is not None:  # static spike edges: the fast path; plastic ones: their sets
        is_spike = is_spike & ~is_plastic
    is_sec = continuous.secondary_mask(in_use, cols)
    rate_devs = by_kind.get(continuous.SECONDARY_KIND, [])
    with_rate = is_sec is not None or bool(rate_devs) or any(
        continuous.rate_events(g.impl.secondary_out)
        or continuous.rate_events(g.impl.secondary_in) for g in groups)
    if is_sec is not None:  # value-carrying connections: the continuous phase's edges
        is_spike = is_spike & ~is_sec
    is_gap = gapmod.gap_mask(in_use, cols)
    if is_gap is not None:  # gap junctions: the continuous phase's gap part (kernel/gap.py)
        is_spike = is_spike & ~is_gap
    with_cont = with_rate or is_gap is not None
    precise = precise_host.layout(net, groups, n_neurons, sg_gids)
    carrying = is_spike if is_plastic is None else is_spike | is_plastic
    other = np.concatenate([links["poisson"], links["current"]]
                           + ([links["vt"]] if is_dopa is not None else []))
    other = other[~is_sec[other]] if is_sec is not None else other
    other = other[~is_gap[other]] if is_gap is not None else other
    if carrying.any() or other.size:
        dmin_ms, dmax_ms = _delay_range(conns, carrying, other, pieces)
        D = int(np.rint(dmin_ms / h))
        dmax = int(np.rint(dmax_ms / h))
    else:
        D, dmax = DEFAULT_SLICE, DEFAULT_SLICE
    if is_dopa is not None:  # deliveries on NEST's grid, between the same spikes as in NEST
        D = max(min(D, int(min_delay)), 1)
    if with_cont:  # secondary events: NEST's min_delay slices exactly (wfr, proxies)
        D = max(int(min_delay), 1)
        dmax = max(dmax, D)
    # ring buffer: all pending arrivals (at most dmax steps ahead of a slice's end) plus the
    # slice being read, in whole slices
    L = D * (-(-dmax // D) + 1)
    plan = Plan(D=D, L=L, float_type=float_type, precise=precise, **common)
    row32 = row_of.astype(np.int32 if plan.n_rows < 2**31 else np.int64)

    def conn_rows(a=0, b=None):
        """Source row of connections a..b (-1: none)."""
        if sg_row_of_conn is not None:  # devices with a train per connection: by connection
            return sg_row_of_conn[a:b]
        return np.take(row32, src[a:b])
    if with_cont:
        plan.cont = continuous.layout(plan, net, synapses,
                                      is_sec if is_sec is not None
                                      else np.zeros(src.size, bool), rate_devs, use_wfr,
                                      max_delay)
        if is_gap is not None:
            plan.cont["rate"] = with_rate
            plan.cont["gap"] = gapmod.layout(plan, net, is_gap, use_wfr, wfr_order,
                                             plan.cont["wfr"])
    if precise is not None:  # edges from off-grid rows into precise receivers: their own set
        is_spike = precise_host.split_edges(
            precise, plan, conn_rows(), tgt, cols, is_spike, is_plastic, _channels,
            net.conns.extra.get("delay_offset"))
    if any(g.impl.payload_out or g.impl.payload_in for g in groups):
        is_spike = payload_host.split_edges(
            plan, conn_rows(), tgt, cols, is_spike, is_plastic, _channels, precise,
            _spike_layout, _spike_fill, 4 * L * C * n_neurons >= INDEX_LIMIT)
    t1 = time.perf_counter()

    N = n_neurons
    CN = C * N
    idx64 = 4 * L * CN >= INDEX_LIMIT
    all_spike = bool(is_spike.all())

    def spike_rows(a, b):
        """Source rows of the static spike edges among connections a..b."""
        rows = conn_rows(a, b)
        return rows if all_spike else rows[is_spike[a:b]]

    def spike_columns(a, b, rows):
        """Ring offsets ``delay * C * N + channel * N + target row``, values (and sign flips,
        decoding flags) of the static spike edges among connections a..b."""
        m = slice(None) if all_spike else is_spike[a:b]
        e_tgt = tgt[a:b][m]
        chan, value = _channels(groups, row_of, e_tgt, conns.column("weight", a, b)[m],
                                conns.column("receptor", a, b)[m], float_type)
        out = dict(w=value)
        if plan.spike["decode"]:  # into the channel the binary target reads at face value
            out["dec"] = _decoded(groups, row_of, rows, e_tgt, n_neurons)
            chan[out["dec"]] = _DECODED_CHANNEL
        if plan.signed:  # NEST picks ex/in by the sign of each event: flip where m < 0
            out["flip"] = _sign_flips(groups, row_of, e_tgt, chan, N).astype(it)
        if dmin_ms == dmax_ms:  # one delay for all (Brunel): no rounding per edge
            off = np.full(e_tgt.size, int(np.rint(dmin_ms / h)) * CN, dtype=it)
        else:
            off = np.rint(conns.column("delay", a, b)[m] / h).astype(it)
            off *= CN
        chan = chan.astype(it)
        chan *= N
        off += chan
        off += np.take(row32, e_tgt).astype(it)
        out["off"] = off
        return out

    def finish():
        """Spike edges sorted into the padded rows of their sources."""
        t0 = time.perf_counter()
        dtypes = dict(off=it, w=np.dtype(float_type))
        if plan.spike["decode"]:
            dtypes["dec"] = np.dtype(bool)
        if plan.signed:
            dtypes["flip"] = it
        _fill_pieces(plan.spike, pieces, spike_rows, spike_columns, dtypes, 3 * L * CN,
                     counts)
        plan.pending = None
        plan.timings.update(spike_sort=time.perf_counter() - t0)
    counts = _piece_counts(pieces, spike_rows, plan.n_rows)
    t2 = time.perf_counter()
    plan.spike = _layout_of_counts(counts.sum(axis=0), idx64,
                                  _layout_of(prev.spike) if prev is not None else None)
    it = np.int64 if plan.spike["idx64"] else np.int32
    plan.spike["decode"] = any(g.impl.signal == "binary" for g in groups) and bool(
        _decoded(groups, row_of, spike_rows(0, None), tgt[is_spike], n_neurons).any())
    if is_plastic is not None and any(g.impl.signal == "binary" for g in groups):
        p_row = conn_rows()[is_plastic]
        if _decoded(groups, row_of, p_row, tgt[is_plastic], n_neurons).any():
            raise errors.NotImplemented(
                "plastic synapses from spike_generator or parrot_neuron into binary neurons "
                "(the decoding of their spikes is on the static edges only).")
    if plan.spike["n_edges"]:
        check_memory(_spike_bytes(plan.spike, float_type),
                     f"the spike edges of {plan.spike['n_edges']:,} connections")
    t3 = time.perf_counter()
    # generator edges (usually few: one per generator and target)
    is_poisson, is_current = links["poisson"], links["current"]  # (connection indices)
    p_src, p_tgt = src[is_poisson], tgt[is_poisson]
    p_w, p_rec = conns.take("weight", is_poisson), conns.take("receptor", is_poisson)
    p_chan, p_value = _channels(groups, row_of, p_tgt, p_w, p_rec, float_type)
    p_d = np.rint(conns.take("delay", is_poisson) / h).astype(np.int64)
    plan.poisson = _poisson_edges(pg_gids, p_src, p_chan * n_neurons + row_of[p_tgt],
                                  p_value, p_d)
    c_tgt = tgt[is_current]
    c_chan = _current_channels(groups, row_of, c_tgt, conns.take("receptor", is_current))
    plan.current = dict(n_edges=int(c_tgt.size),
                        row=cg_row_of_conn[is_current] if c_tgt.size else np.zeros(0, np.int64),
                        tgt=(c_chan * n_neurons + row_of[c_tgt]).astype(np.int64),
                        w=conns.take("weight", is_current).astype(float_type),
                        d=np.rint(conns.take("delay", is_current) / h).astype(np.int64))
    if is_dopa is not None:
        _volume_transmitters(plan, cols, by_kind.get("volume_transmitter", []), is_dopa,
                             sg_row_of_conn)
    if is_plastic is not None:
        _plastic_sets(plan, net, in_use, is_plastic, sg_row_of_conn, idx64,
                      {_set_key(x): x for x in prev.plastic} if prev is not None else {},
                      devices)
    t4 = time.perf_counter()
    _wire_recorders(plan, net, src, tgt, kind, links["recording"], sg_row_of_conn,
                    conns.take("receptor", links["recording"]))
    t5 = time.perf_counter()
    plan.timings = dict(classify=t1 - t0, sources=t2 - t1, spike_layout=t3 - t2,
                        generator_edges=t4 - t3, recorders=t5 - t4)
    if plan.spike["n_edges"]:
        plan.pending = finish
        if not defer:
            finish()
    plan.timings["total"] = time.perf_counter() - t0
    return plan


def _on_plastic_path(entry) -> bool:
    """Connections of this model go through the plastic phase: a plastic rule, or a
    weight_recorder to tell about every event."""
    return entry is not None and (entry.impl.plastic
                                  or bool(entry.defaults.get("weight_recorder", 0)))


def _plastic_mask(synapses, cols, is_spike: np.ndarray, net=None):
    """Spike edges through the plastic phase (None when there are none)."""
    lut = np.array([_on_plastic_path(e) for e in synapses] or [False], dtype=bool)
    if not lut.any():
        return None
    syn = cols["syn"]
    mask = is_spike & lut[syn]
    for i, e in enumerate(synapses):
        if e is not None and e.impl.unsupported and np.any(mask & (syn == i)):
            why = e.impl.unsupported  # or a model's own test of these connections
            when = getattr(e.impl, "unsupported_when", None)
            why = when(net, np.flatnonzero(mask & (syn == i)), e.defaults, synapses) \
                if when is not None and net is not None else why
            if why:
                raise errors.NotImplemented(f"{e.name} cannot be simulated by jaxnest yet: "
                                            f"{why}.")
    return mask if mask.any() else None


def _neuromodulated(synapses, syn: np.ndarray, is_plastic: np.ndarray) -> bool:
    """Whether a neuromodulated synapse model (stdp_dopamine_synapse) has connections."""
    ids = [i for i, e in enumerate(synapses) if e is not None and e.impl.neuromodulated]
    return bool(ids) and bool(np.any(is_plastic & np.isin(syn, ids)))


def _volume_transmitters(plan: Plan, cols: dict, gids: list, is_dopa, row_of_conn) -> None:
    """The volume_transmitters and the edges into them (from neurons and spike sources)."""
    plan.vt_gids = np.array(gids, dtype=np.int64)
    conn = np.flatnonzero(is_dopa)
    src = cols["source"][conn]
    src_row = row_of_conn[conn] if row_of_conn is not None else plan.row_of[src]
    plan.vt_edges = dict(src=src_row.astype(np.int32),
                         vt=np.searchsorted(plan.vt_gids, cols["target"][conn]).astype(np.int32),
                         d=np.rint(cols["delay"][conn] / plan.h).astype(np.int64))


def _plastic_sets(plan: Plan, net, synapses, is_plastic, row_of_conn, idx64,
                  prev: dict, devices: int = 1) -> None:
    """One edge set per plastic implementation in use (``synapses``: the models, None where
    a model has no connections); the archive mask of their targets. ``prev``: the last
    plan's sets by model (their shapes are kept where they fit). The connections are read
    from the table a piece at a time (plastic.edge_set). ``devices``: more than one where
    the sets may be split over devices (kernel/shards.py): the sets then get their parts."""
    conns, extra = net.conns, net.conns.extra
    N, C, L = plan.n_neurons, plan.C, plan.L
    by_impl: dict[str, list[int]] = {}
    for i, e in enumerate(synapses):
        if _on_plastic_path(e):
            by_impl.setdefault(e.impl.name, []).append(i)
    plan.arch_mask = np.zeros(N, bool)
    plan.arch_cv = {}
    stdp_targets, kinds = np.zeros(N, bool), set()
    syn = conns.column("syn")
    it = np.int64 if idx64 else np.int32
    into_precise = plan.precise["plastic"] if plan.precise is not None else None
    n_plastic = int(is_plastic.sum())
    parts = devices if devices > 1 and into_precise is None and plan.n_rows >= SERIAL_ROWS and \
        shards.MIN_EDGES <= n_plastic and all(
            shards.can_split(synapses[i]) for ids in by_impl.values() for i in ids) and \
        shards.affordable(n_plastic, devices, available_memory()) else 1

    def defaults_of_syn(k):
        given = [e.defaults.get(k) if e is not None else None for e in synapses]
        width = max((np.size(g) for g in given if isinstance(g, (np.ndarray, list))),
                    default=0)
        if width:  # a vector-valued shared parameter (stdp_facetshw's tables): a row each
            return np.array([np.asarray(g, float) if isinstance(g, (np.ndarray, list))
                             and np.size(g) == width else np.full(width, np.nan)
                             for g in given])
        v = np.array([float(g) if g is not None and not isinstance(g, dict) else np.nan
                      for g in given])  # dicts (e-prop's optimizer): host only
        if k == "volume_transmitter":  # a node id -> its column in the kernel's arrays
            v = np.clip(np.searchsorted(plan.vt_gids, np.nan_to_num(v)), 0,
                        max(plan.vt_gids.size - 1, 0)).astype(float)
        return v

    for ids in by_impl.values():
        impl = synapses[ids[0]].impl
        if not impl.plastic:  # a static model with a weight_recorder: same weight each event
            impl = dataclasses.replace(impl, on_pre=lambda p, s, t, post: s)
        of_impl = np.zeros(len(synapses), bool)
        of_impl[ids] = True
        conn = np.flatnonzero(is_plastic & of_impl[syn])
        if not conn.size:
            continue
        conn = conn.astype(np.int32) if len(conns) < 2**31 else conn
        src_row, targets, Ds = _plastic_ends(plan, conns, conn, row_of_conn,
                                             bool(impl.post_values))
        walking = impl.voltage_archive in voltage_archive.WALKING
        lanes = voltage_archive.WALKING[impl.voltage_archive] if walking else BATCH_LANES
        overhead = WINDOW_SEG_OVERHEAD if walking else PLASTIC_SEG_OVERHEAD
        stepped = impl.stepped is not None and plan.D == 1 and all(
            impl.stepped(synapses[i].defaults) for i in ids)
        if stepped:
            lanes = BATCH_LANES  # walked step by step (on_step): a delivery walks <= 1 step
        # events from off-grid rows into precise receivers: a set of their own, whose lanes
        # add into the event ring (with the spike's offset) instead of the ring buffer
        sets = [(conn, src_row, None)] if into_precise is None else [
            (conn[m], src_row[m], p) for m, p in ((~into_precise[conn], None),
                                                  (into_precise[conn], plan.precise["p_col"]))]
        for c, rows, p_col in sets:
            if not c.size:
                continue
            pad = 3 * L * (C * N if p_col is None else plan.precise["n_p"])
            last = _layout_of(prev.get((impl.name, p_col is not None)))
            layout = plastic_edge_set(impl, c, rows, conns.take,
                                      _plastic_columns(plan, conns, it, p_col), extra,
                                      defaults_of_syn, plan.float_type, plan.n_rows, idx64,
                                      pad, functools.partial(_spike_layout, prev=last,
                                                             batch_lanes=lanes,
                                                             overhead=overhead,
                                                             stepped=stepped, parts=parts),
                                      _spike_fill_by)
            layout["precise"] = p_col is not None
            plan.plastic.append(layout)
        if impl.archive:
            plan.arch_mask |= targets
        for var, when in impl.post_values:
            _check_post_value(plan, targets, var, impl.name)
            plan.arch_cv[var] = tuple(sorted(set(plan.arch_cv.get(var, ()))
                                             | ({0} if when == "spike" else Ds)))
        if impl.archive or impl.voltage_archive:
            stdp_targets |= targets
        if impl.voltage_archive:
            kinds.add(impl.voltage_archive)
    if kinds:
        plan.clop_mask, plan.clop_kinds = stdp_targets, tuple(sorted(kinds))
    if parts > 1:
        for x in plan.plastic:
            first, nseg = shards.split_rows(x["seg_first"], x["nseg"], parts)
            x["parts"] = (first, nseg, shards.part_valid(x["valid"], first, nseg,
                                                          x["seg_len"]))
        plan.shards = parts


def _plastic_ends(plan: Plan, conns, conn, row_of_conn, delays: bool) -> tuple:
    """The plastic connections' source rows (int32), the mask of their target rows and
    (``delays``) the set of their delays in steps, a piece at a time."""
    src_row = np.empty(conn.size, np.int32)
    targets, Ds = np.zeros(plan.n_neurons, bool), set()
    for a in range(0, conn.size, plastic_piece):
        c = conn[a:a + plastic_piece]
        src_row[a:a + c.size] = (row_of_conn[c] if row_of_conn is not None
                                 else plan.row_of[conns.take("source", c)])
        targets[plan.row_of[conns.take("target", c)]] = True
        if delays:
            Ds |= set(np.unique(np.rint(conns.take("delay", c) / plan.h)).astype(int).tolist())
    return src_row, targets, Ds


def _set_key(layout: dict) -> tuple:
    """A plastic set's identity across plans: its model, and whether it feeds the event ring."""
    return layout["model"], layout.get("precise", False)


def _plastic_columns(plan: Plan, conns, it, p_col=None):
    """``columns(c)`` for plastic.edge_set: the connections c's ring offsets (index type
    ``it``), target rows, parrot counts, weights, delays and synapse ids. ``p_col``: the
    event ring column of each neuron row, for a set into precise receivers, whose offsets are
    ``delay * n_p + column`` into the event ring (precise.Phase.insert)."""
    N, CN = plan.n_neurons, plan.C * plan.n_neurons

    def columns(c):
        tgt = conns.take("target", c)
        tgt_row = plan.row_of[tgt]
        w, d = conns.take("weight", c), conns.take("delay", c)
        chan, _ = _channels(plan.groups, plan.row_of, tgt, w, conns.take("receptor", c),
                            plan.float_type)
        count = np.zeros(c.size, np.int8)  # parrots: the event's multiplicity counts
        for g in plan.groups:
            if g.impl.input_is_multiplicity:
                count[(tgt_row >= g.offset) & (tgt_row < g.offset + g.n)] = 1
        if p_col is not None:
            off = (np.rint(d / plan.h).astype(it) * plan.precise["n_p"]
                   + p_col[tgt_row]).astype(it)
        else:
            off = np.rint(d / plan.h).astype(it) * CN + chan.astype(it) * N \
                + tgt_row.astype(it)
        return dict(off=off, tgt=tgt_row, count=count, weight=w, delay=d,
                    syn=conns.take("syn", c))
    return columns


def _check_post_value(plan: Plan, targets, var: str, model: str) -> None:
    """A rule that reads its targets' ``var`` (SynapseModel.post_values) needs targets that
    have it (NEST-NESTML only connects such a synapse to its paired neuron)."""
    for g in plan.groups:
        if g.impl.archiving and var not in g.impl.state and var not in g.impl.hidden and \
                targets[g.offset:g.offset + g.n].any():
            raise errors.IllegalConnection(
                f"{model} reads the state variable '{var}' of its target, which {g.impl.name} "
                "does not have (connect it to the neuron it was generated with).")


_NEURON, _SG, _PG, _CG, _SR, _SAMPLER = range(6)
_VT = _SAMPLER + 2
_KIND_CODE = {"spike_source": _SG, "poisson": _PG, "current": _CG,
              "spike_recorder": _SR, "sampler": _SAMPLER, "weight_recorder": _SAMPLER + 1,
              "volume_transmitter": _VT, continuous.SECONDARY_KIND: _VT + 1}


def _node_kinds(net: Network) -> np.ndarray:
    kind = np.full(net.size + 1, _NEURON, dtype=np.int8)
    for gid, dev in net.devices.items():
        kind[gid] = _KIND_CODE[dev.entry.impl.kind]
    return kind


def _delay_range(conns, carrying: np.ndarray, other: np.ndarray, pieces) -> tuple:
    """Smallest and largest delay (ms) of the carrying connections and of ``other``; a piece
    at a time (a delay column of runs is not expanded whole)."""
    d = conns.take("delay", other)
    lo, hi = float(d.min(initial=np.inf)), float(d.max(initial=-np.inf))
    one = conns.uniform("delay")
    if one is not None:
        return (min(lo, float(one)), max(hi, float(one))) if carrying.any() else (lo, hi)
    for a, b in pieces:
        d = conns.column("delay", a, b)
        lo = min(lo, float(np.min(d, where=carrying[a:b], initial=np.inf)))
        hi = max(hi, float(np.max(d, where=carrying[a:b], initial=-np.inf)))
    return lo, hi


def _classify(kind, src, tgt, pieces) -> tuple[np.ndarray, dict]:
    """The spike edges' mask (neurons and spike sources into neurons) and the indices of the
    other connections that matter: from poisson and current generators into neurons, spikes
    into volume_transmitters, links of recording devices. A piece of connections at a time,
    on threads: per-connection temporaries of the size of all connections (a GB each at
    250M) cost more in first touches of memory than the work."""
    is_spike = np.empty(src.size, bool)
    found: list = [None] * len(pieces)

    def one(i):
        a, b = pieces[i]
        sk, tk = np.take(kind, src[a:b]), np.take(kind, tgt[a:b])
        into = tk == _NEURON
        spiking = (sk == _NEURON) | (sk == _SG)
        is_spike[a:b] = into & spiking
        found[i] = [np.flatnonzero(m) + a for m in (
            into & (sk == _PG), into & (sk == _CG), (tk == _VT) & spiking,
            (tk == _SR) | (sk == _SAMPLER))]
    _each(one, len(pieces))
    names = ("poisson", "current", "vt", "recording")
    return is_spike, {k: np.concatenate([f[j] for f in found] or [np.zeros(0, np.int64)])
                      for j, k in enumerate(names)}


def _channels(groups, row_of, tgt, weight, receptor, float_type):
    """Ring-buffer channel of every edge (all target neurons), as its target model splits
    input, and the value an event carries per unit multiplicity (1 where the target counts
    spikes, e.g. parrots and per-connection ports), in ``float_type``."""
    chan = np.zeros(tgt.size, dtype=np.int32)
    value = np.zeros(tgt.size, dtype=float_type)
    if len(groups) == 1:
        for a in range(0, tgt.size, CHANNEL_CHUNK):  # bounds the model's temporaries
            b = a + CHANNEL_CHUNK
            chan[a:b], value[a:b] = _model_channels(groups[0].impl, weight[a:b],
                                                    receptor[a:b])
        return chan, value
    rows = row_of[tgt]
    for g in groups:
        sel = (rows >= g.offset) & (rows < g.offset + g.n)
        if sel.any():
            chan[sel], value[sel] = _model_channels(g.impl, weight[sel], receptor[sel])
    return chan, value


def _model_channels(impl, weight: np.ndarray, receptor: np.ndarray) -> tuple:
    """(channel, value per unit multiplicity) of edges into one model's neurons: a
    per-connection port (NeuronModel.connection_ports) r is channel r - 1 and counts spikes."""
    value = np.array(weight, dtype=np.float64)
    if impl.input_is_multiplicity:
        value[:] = 1.0
    first = impl.connection_ports
    if not first:
        return impl.channel(weight, receptor), value
    port = receptor >= first
    chan = (receptor - 1).astype(np.int32)
    if not port.all():
        chan[~port] = impl.channel(weight[~port], receptor[~port])
    value[port] = 1.0
    return chan, value


def _group_channels(impl, store, conns) -> int:
    """Spike input channels of a group: the model's, and one per port its neurons got on a
    per-connection receptor (NeuronModel.connection_ports: port r is channel r - 1)."""
    C = impl.channel_count(store.current()[0])
    if impl.connection_ports and len(conns):
        ports = conns.take("receptor", conns.ports_into(store.gids, impl.connection_ports))
        C = max(C, int(ports.max(initial=0)))
    return C


def stable_order(keys: np.ndarray, n_keys: int) -> np.ndarray:
    """``np.argsort(keys, kind='stable')`` for integer keys in [0, n_keys), by 16-bit radix
    passes (numpy sorts 16-bit keys by radix sort, in linear time)."""
    if n_keys <= 1 << 16:
        return np.argsort(keys.astype(np.uint16), kind="stable")
    k = keys.astype(np.uint64)
    order = np.argsort((k & 0xFFFF).astype(np.uint16), kind="stable")
    shift = 16
    while (n_keys - 1) >> shift:
        part = ((k[order] >> shift) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(part, kind="stable")]
        shift += 16
    return order


def _spike_layout(src_row, R, idx64, prev: dict | None = None,
                  batch_lanes: int = BATCH_LANES, overhead: tuple = SEG_OVERHEAD,
                  stepped: bool = False, parts: int = 1) -> dict:
    """Shape of the spike edge set: each source row padded to whole segments of seg_len edges;
    per row its first segment and segment count (the arrays come from :func:`_spike_fill`).
    ``stepped``: a set whose rule runs on every lane each step (SynapseModel.on_step), where
    padding lanes cost every step: segments and buckets chosen for the fewest lanes.
    ``parts``: the rows are delivered in that many parts (kernel/shards.py): segments are
    chosen for a part of each row, so that a long row splits evenly.

    The shapes are rounded up to buckets (:func:`segment_capacity`; all-padding segments at
    the end, never visited) and the segment length kept from ``prev`` (the same set's layout
    in the last plan) while it stays nearly as good: a network whose connections change a
    little (structural plasticity, a Connect between runs) keeps its compiled chunk.

    Ring offsets must leave ``(s mod L) * C * N + off`` in the index type for every off, the
    padding offset (3 L C N) included: ``idx64`` says when int32 is not enough."""
    return _layout_of_counts(np.bincount(src_row, minlength=R) if src_row.size else None,
                            idx64, prev, batch_lanes, overhead, stepped, parts)


def _layout_of_counts(counts: np.ndarray | None, idx64, prev: dict | None = None,
                     batch_lanes: int = BATCH_LANES, overhead: tuple = SEG_OVERHEAD,
                     stepped: bool = False, parts: int = 1) -> dict:
    """:func:`_spike_layout` from the out-degree of each row (None: no edges)."""
    n = int(counts.sum()) if counts is not None else 0
    if n == 0:
        return dict(n_edges=0, n_cap=0, seg_len=1, seg_batch=1, idx64=False)
    R = counts.size
    prefer = prev and (prev["seg_len"], prev["seg_batch"])
    part = -(-counts // parts)
    seg_len, batch = stepped_segments(part, prefer, batch_lanes) if stepped else \
        choose_segments(part, prefer, batch_lanes, overhead)
    nseg = -(-counts // seg_len)
    n_seg = int(nseg.sum())
    batch = min(batch, 1 << (n_seg - 1).bit_length())  # a batch of lanes the set cannot fill
    # is padding each iteration reads (a plastic rule runs on every lane: one stdp_synapse in
    # batches of 2,048 ran 17 ms per step)
    cap = segment_capacity(n_seg, seg_len, fine=stepped)
    if prev and prev["seg_len"] == seg_len and n_seg <= prev["n_seg"] <= 2 * cap:
        cap = prev["n_seg"]  # fewer edges than before: the old shape still fits
    seg_first = np.zeros(R, dtype=np.int64)
    np.cumsum(nseg[:-1], out=seg_first[1:])
    size = (cap + 1) * seg_len            # at least one all-padding segment at the end
    idx64 = bool(idx64 or size >= INDEX_LIMIT)
    return dict(n_edges=n, n_cap=size - seg_len, n_seg=cap, seg_len=seg_len, seg_batch=batch,
                idx64=idx64, size=size,
                seg_first=seg_first.astype(np.int32 if not idx64 else np.int64),
                nseg=nseg.astype(np.int32), off=None, w=None)


def _layout_of(layout: dict | None) -> dict | None:
    """A last plan's edge-set layout, when it has a shape to keep."""
    return layout if layout and layout.get("n_edges") else None


def segment_capacity(n_seg: int, seg_len: int, fine: bool = False) -> int:
    """Segments to allocate for ``n_seg``: lanes rounded up to a power of two (at least
    MIN_LANES) up to 2^20 lanes (at most 12 MB of padding), above that (from MIN_LANES on
    where ``fine``: every lane costs every step) to a multiple of an eighth of the power of
    two below (at most 12.5 % more), above 2^24 lanes of a 32nd (3 %); compiled chunks are
    reused within a bucket."""
    lanes = n_seg * seg_len
    if lanes <= (MIN_LANES if fine else 1 << 20):
        cap = max(1 << max(lanes - 1, 0).bit_length(), MIN_LANES)
    else:
        step = 1 << (lanes.bit_length() - (4 if lanes <= 1 << 24 else 6))
        cap = -(-lanes // step) * step
    return max(-(-cap // seg_len), n_seg)


def _spike_bytes(layout: dict, float_type: str) -> int:
    """Memory that sorting the spike edges takes at its peak: temporaries per edge (target,
    weight, channel, offset, sort order, slot) and the padded offset and weight arrays. (Their
    device copies come after the temporaries are freed.)"""
    slot = (8 if layout["idx64"] else 4) + np.dtype(float_type).itemsize
    return SORT_BYTES * layout["n_edges"] + slot * layout["size"]


def _spike_fill(layout: dict, src_row, edges: dict, pad_off) -> None:
    """Sort the edges (``edges``: ring offsets ``off``, weights ``w``, ... in connection order)
    into their source rows' padded segments (:func:`_fill_pieces`)."""
    _spike_fill_by(layout, src_row, lambda a, b: {k: v[a:b] for k, v in edges.items()},
                   {k: v.dtype for k, v in edges.items()}, pad_off)


def _spike_fill_by(layout: dict, src_row, columns_of, dtypes: dict, pad_off) -> None:
    """:func:`_spike_fill` with the columns of edges a..b made when asked
    (``columns_of(a, b)``; ``dtypes``: their types)."""
    pieces = _pieces(layout["n_edges"], layout["seg_first"].size)
    _fill_pieces(layout, pieces, lambda a, b: src_row[a:b],
                 lambda a, b, rows: columns_of(a, b), dtypes, pad_off)


def _pieces(n: int, R: int) -> list[tuple[int, int]]:
    """Connection ranges sorted one at a time: cache-sized, and few enough that their count
    table (pieces x rows) stays small."""
    size = max(FILL_PIECE, -(-n * R // FILL_TABLE))
    return [(a, min(a + size, n)) for a in range(0, n, size)]


def _each(fn, n: int) -> None:
    """``fn(i)`` for i < n, on FILL_THREADS threads (numpy releases the GIL in its sorts,
    gathers and scatters); the first error is raised here."""
    if n == 1 or FILL_THREADS == 1:
        for i in range(n):
            fn(i)
        return
    with ThreadPoolExecutor(FILL_THREADS) as pool:
        list(pool.map(fn, range(n)))


def _padded(size: int, value, dtype) -> np.ndarray:
    """``np.full(size, value, dtype)``, 64-byte aligned: JAX's CPU device_put then shares its
    memory instead of copying it (3 GB less at Brunel order 10000). Filled by pieces on
    threads: first touches of fresh memory cost more than the filling (~3 s per GB here)."""
    dtype = np.dtype(dtype)
    raw = np.empty(size * dtype.itemsize + 64, np.uint8)
    start = -raw.ctypes.data % 64
    out = raw[start:start + size * dtype.itemsize].view(dtype.base).reshape(
        (size,) + dtype.shape)  # (a subarray dtype: a row of that shape per element)
    step = FILL_PIECE * 16

    def fill(i):
        out[i * step:(i + 1) * step] = value
    _each(fill, -(-size // step))
    return out


def _piece_counts(pieces, rows_of, R: int) -> np.ndarray:
    """Edges per (piece, source row): ``rows_of(a, b)`` gives the source rows of the edges of
    connections a..b."""
    counts = np.empty((len(pieces), R), np.int64)

    def count(i):
        counts[i] = np.bincount(rows_of(*pieces[i]), minlength=R)
    _each(count, len(pieces))
    return counts


def _fill_pieces(layout: dict, pieces, rows_of, columns_of, dtypes: dict, pad_off,
                 counts: np.ndarray | None = None) -> None:
    """Sort edges into their source rows' padded segments, one piece of connections at a time
    (a counting sort: each piece sorted stably, its rows' edges placed after those of the
    earlier pieces, so a row keeps its edges in connection order). Sorting 15.6M edges at
    once took 2.7 s (random gathers over the whole set); by pieces of 2^18, 0.84 s, and 0.60 s
    on two threads (microbenchmark, quiet machine).

    ``rows_of(a, b)``: source rows of the edges of connections a..b; ``columns_of(a, b,
    rows)``: their columns (``off`` and the others named in ``dtypes``); ``counts``: edges per
    (piece, row) when known. Padding lanes get weight 0 and ``pad_off`` (still out of range
    after the kernel's wrap-around subtraction, so they are dropped)."""
    seg_len = layout["seg_len"]
    R = layout["seg_first"].size
    if counts is None:
        counts = _piece_counts(pieces, rows_of, R)
    # slot of a row's first edge from each piece: its first slot, after earlier pieces' edges
    first = np.cumsum(counts, axis=0)
    first -= counts
    first += layout["seg_first"].astype(np.int64) * seg_len
    for k, dt in dtypes.items():
        layout[k] = _padded(layout["size"], pad_off if k == "off" else 0, dt)

    def fill(i):
        a, b = pieces[i]
        rows = rows_of(a, b)
        order = stable_order(rows, R)
        sorted_rows = rows[order]
        c = counts[i]
        start = np.cumsum(c)
        start -= c  # in the sorted piece
        pos = (first[i] - start)[sorted_rows]
        pos += np.arange(pos.size)
        for k, v in columns_of(a, b, rows).items():
            layout[k][pos] = v[order]
    _each(fill, len(pieces))


def choose_segments(counts: np.ndarray, prefer: tuple[int, int] | None = None,
                    batch_lanes: int = BATCH_LANES,
                    overhead: tuple = SEG_OVERHEAD) -> tuple[int, int]:
    """Segment length and segments per delivery-loop iteration for these out-degrees.

    A loop iteration costs about ``overhead`` edge lanes plus its lanes; rows are padded to
    whole segments. Long segments (multiples of 64 edges, one per iteration, read as contiguous
    slices) suit large out-degrees (rows of 1,250 edges: one segment of 1,280); rows of a few
    edges get short power-of-two segments, ``batch_lanes`` lanes per iteration. ``prefer`` (the
    last plan's choice) is kept while it costs at most SEG_KEEP times the best (or
    MIN_LANES lanes more)."""
    deg = counts[counts > 0]
    if deg.size == 0:
        return 1, 1
    vals, mult = np.unique(deg, return_counts=True)
    best = None
    for s in SHORT_SEGS + tuple(range(64, SEG_MAX + 1, 64)):
        cost, batch = _segment_cost(vals, mult, s, batch_lanes, overhead)
        if best is None or cost < best[0]:
            best = (cost, s, batch)
    keep = max(SEG_KEEP * best[0], best[0] + MIN_LANES)  # small sets: any choice is cheap
    if prefer is not None and \
            _segment_cost(vals, mult, prefer[0], batch_lanes, overhead)[0] <= keep:
        return prefer
    return best[1], best[2]


def stepped_segments(counts: np.ndarray, prefer: tuple[int, int] | None = None,
                     batch_lanes: int = BATCH_LANES) -> tuple[int, int]:
    """Segment length and batch for a set walked every step (all its lanes each step, a
    delivery cheap): the short power-of-two segment that pads the rows least (the longest
    of equals); ``prefer`` kept while it pads at most SEG_KEEP times as much."""
    deg = counts[counts > 0]

    def lanes(s):
        return int((-(-deg // s) * s).sum())
    best = min(SHORT_SEGS, key=lambda s: (lanes(s), -s))
    if prefer is not None and prefer[0] in SHORT_SEGS and \
            lanes(prefer[0]) <= SEG_KEEP * lanes(best):
        return prefer
    return best, max(batch_lanes // best, 1)


def _segment_cost(vals: np.ndarray, mult: np.ndarray, s: int,
                  batch_lanes: int = BATCH_LANES,
                  overhead: tuple = SEG_OVERHEAD) -> tuple[float, int]:
    """(cost in edge lanes, batch) of delivering rows of out-degree ``vals`` (``mult`` of
    each) in segments of ``s`` edges; ``overhead``: an iteration's cost (long, batched) and
    a lane's."""
    per_long, per_batch, lane = overhead
    nseg = (-(-vals // s) * mult).sum()
    if s >= 64:
        return nseg * (per_long + s * lane), 1
    # batched: lanes cost 1.5x (gathers) plus ~4 per segment (its row's data); the loop's
    # overhead is shared by the batch
    batch = max(batch_lanes // s, 1)
    return nseg * (s * 1.5 * lane + 4) + per_batch * nseg / batch, batch


def _poisson_edges(gen_gids, src, flat_tgt, w, d) -> dict:
    """Poisson edges sorted by (flat) target; ``hidx`` keeps each edge's position in
    connection order, which is its random-stream counter."""
    n = int(src.size)
    gen = np.searchsorted(gen_gids, src).astype(np.int32)
    order = np.argsort(flat_tgt, kind="stable")
    t = flat_tgt[order]
    dense = bool(n and np.all(d == d[0]) and t[-1] - t[0] == n - 1
                 and np.all(np.diff(t) == 1))
    return dict(n_edges=n, gen=gen[order], tgt=t.astype(np.int64), w=w[order],
                d=d[order].astype(np.int64), hidx=order.astype(np.uint32), dense=dense,
                lo=int(t[0]) if n else 0, d0=int(d[0]) if n else 0)


def _device_rows(net, gids: list, src: np.ndarray, row_of, first: int):
    """Rows of devices whose input the host computes per chunk (spike or current sources).

    A device shares one row among all its targets unless its model says each connection gets
    a train of its own (``individual(status)``, e.g. sinusoidal_poisson_generator with
    individual_spike_trains): then every connection from it is a row. Returns the device gid
    and connection (-1: shared) of each row, and, when some row is per connection (or for
    current devices, always), the row of every connection from these devices (-1 elsewhere);
    ``row_of`` (if given) gets the shared rows, numbered from ``first``."""
    if not gids:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), None
    shared = [g for g in gids if not _individual(net.devices[g])]
    own = [g for g in gids if _individual(net.devices[g])]
    conns = np.flatnonzero(np.isin(src, own)) if own else np.zeros(0, np.int64)
    dev = np.concatenate([np.array(shared, np.int64), src[conns]]).astype(np.int64)
    conn = np.concatenate([np.full(len(shared), -1, np.int64), conns])
    if row_of is not None:
        row_of[np.array(shared, np.int64)] = first + np.arange(len(shared))
        if not own:
            return dev, conn, None
        row_of_conn = row_of[src].copy()
    else:
        row_of_conn = np.full(src.size, -1, np.int64)
        if shared:
            lookup = np.full(net.size + 1, -1, np.int64)
            lookup[np.array(shared, np.int64)] = first + np.arange(len(shared))
            row_of_conn = lookup[src]
    row_of_conn[conns] = first + len(shared) + np.arange(conns.size)
    return dev, conn, row_of_conn


def device_signature(dev) -> tuple:
    """All of a device's status the plan reads (here and in precise_host.wanted): a
    SetStatus that leaves it unchanged keeps the plan (a generator's amplitude or rate,
    a recorder's start and stop are read at each run)."""
    impl, s = dev.entry.impl, dev.status
    sig = tuple(bool(f(s)) for f in (getattr(impl, k, None)
                                     for k in ("signed", "individual", "offgrid"))
                if f is not None)
    if impl.kind == "sampler":
        sig += (s["interval"], s["offset"], tuple(s["record_from"]))
    if impl.kind == "spike_source":  # _check_decodable
        sig += tuple(np.asarray(s.get(k, ()), float).tobytes()
                     for k in ("spike_times", "spike_multiplicities", "spike_weights"))
    return sig


def _individual(dev) -> bool:
    f = getattr(dev.entry.impl, "individual", None)
    return bool(f(dev.status)) if f is not None else False


def _sign_flips(groups, row_of, tgt, chan, N: int) -> np.ndarray:
    """Per edge, the ring-offset change that moves an event to the other sign channel (ex <->
    in) where its target chooses channels by sign (0 elsewhere)."""
    flip = np.zeros(tgt.size, dtype=np.int64)
    rows = row_of[tgt]
    for g in groups:
        if g.impl.sign_channels:
            sel = (rows >= g.offset) & (rows < g.offset + g.n)
            flip[sel] = np.where(chan[sel] == 0, N, -N)
    return flip


_DECODED_CHANNEL = 1
"""A binary neuron's input channel that adds events at face value (channel 0 holds up
transitions of binary senders, 2 w each)."""


def _decoded(groups, row_of, src_row, tgt, n_neurons: int) -> np.ndarray:
    """Per spike edge: does its target decode spikes as binary transitions (a binary neuron
    fed by a spike_generator or parrot_neuron)? NEST reads n unit spikes of one sender in a
    step as (2 n - 3) w: one spike a down transition (-w), two an up transition (+w)."""
    out = np.zeros(tgt.size, bool)
    rows = row_of[tgt]
    binary_src = np.zeros(n_neurons, bool)
    for g in groups:
        if g.impl.signal == "binary":
            out |= (rows >= g.offset) & (rows < g.offset + g.n)
            binary_src[g.offset:g.offset + g.n] = True
    from_neuron = src_row < n_neurons
    out[from_neuron] &= ~binary_src[src_row[from_neuron]]
    return out


def _check_decodable(net, groups, row_of, src, tgt, sg_gids, h: float) -> None:
    """Spike generators into binary neurons: NEST decodes each event by its multiplicity m and
    place in the step (first event: -w for m = 1, +w for m = 2; a later one +2 w for m = 1, +w
    for m = 2; m >= 3 adds nothing); jaxnest reads a step's sum n as (2 n - 3) w, the same
    where every m is 1 and an m = 2 spike has its step alone."""
    into = np.zeros(net.size + 1, bool)
    for g in groups:
        if g.impl.signal == "binary":
            into[g.gids] = True
    for gid in sg_gids.tolist():
        d = net.devices[int(gid)].status
        m = np.asarray(d.get("spike_multiplicities", ()), float)
        steps = np.rint(np.asarray(d.get("spike_times", ()), float) / h)
        u, count = np.unique(steps, return_counts=True)
        pairs = m.size and (np.any((m != 1) & (m != 2))
                            or np.any(np.isin(steps[m == 2], u[count > 1])))
        if (len(d.get("spike_weights", ())) or pairs) and into[tgt[src == gid]].any():
            raise errors.NotImplemented(
                f"{net.devices[int(gid)].entry.name} into a binary neuron with spike_weights, "
                "a spike_multiplicity above 2 or one of 2 sharing its step with another spike "
                "(NEST decodes each event by its multiplicity; jaxnest sums a step's spikes).")


def _current_channels(groups, row_of, tgt, receptor) -> np.ndarray:
    """Current input channel of every current edge, as its target model maps receptors."""
    chan = np.zeros(tgt.size, dtype=np.int64)
    rows = row_of[tgt]
    for g in groups:
        sel = (rows >= g.offset) & (rows < g.offset + g.n)
        if sel.any():
            chan[sel] = g.impl.current_channel(receptor[sel])
    return chan


def _wire_recorders(plan: Plan, net, src, tgt, kind, dev_link, row_of_conn=None,
                    receptor=None) -> None:
    """Spike recorders get their source rows; samplers their (group, var, index) gathers.

    ``plan.spike_links`` lists (source row, recorder, receptor) for every link into a
    spike-recording device, sorted by row: one entry per connection, so a node connected twice
    is recorded twice (as NEST), and a device with a train per connection is recorded from the
    row of the connection to the recorder. The runtime routes a chunk's events with one binary
    search each."""
    samples, sample_gids, sample_vars, periods = [], [], [], []
    l_src = src[dev_link].astype(np.int64)  # the links that touch a recorder
    l_tgt = tgt[dev_link].astype(np.int64)
    to_sr = kind[l_tgt] == _SR
    rows = (row_of_conn[dev_link] if row_of_conn is not None else plan.row_of[l_src])[to_sr]
    r_src, r_rec = l_src[to_sr], l_tgt[to_sr]
    r_port = (receptor[to_sr] if receptor is not None
              else np.zeros(r_src.size, np.int64)).astype(np.int64)
    from_pg = np.isin(r_src, plan.pg_gids)
    order = np.lexsort((r_src[from_pg], r_rec[from_pg]))
    plan.pg_records += list(zip(r_rec[from_pg][order].tolist(), r_src[from_pg][order].tolist()))
    rows, r_rec, r_src, r_port = rows[~from_pg], r_rec[~from_pg], r_src[~from_pg], r_port[~from_pg]
    if (rows < 0).any():
        bad = int(r_src[rows < 0][0])
        raise errors.IllegalConnection(f"spike_recorder cannot record from {net.model_of(bad)} "
                                       f"(node {bad}) in jaxnest.")
    order = np.lexsort((r_rec, rows))
    plan.spike_links = (rows[order], r_rec[order], r_port[order])
    for gid, dev in sorted(net.devices.items()):
        kind = dev.entry.impl.kind
        if kind == "spike_recorder":
            plan.recorders[gid] = np.sort(r_src[r_rec == gid])
        elif kind == "sampler":
            targets = np.unique(l_tgt[l_src == gid])
            sampled_devices = np.isin(targets, list(net.devices))
            if sampled_devices.any():  # devices' recordables: computed by the host
                plan.device_samples[gid] = targets[sampled_devices]
                targets = targets[~sampled_devices]
            plan.recorders[gid] = targets
            if targets.size:
                periods += [_steps(dev.status["interval"], plan.h),
                            _steps(dev.status["offset"], plan.h)]
    plan.rec_rows = np.unique(rows)
    if net.all_spikes:
        plan.rec_rows = np.unique(np.r_[plan.rec_rows, np.arange(plan.n_neurons)])
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
                if var not in _recordables(net, impl, int(t)):
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


def _recordables(net, impl, gid: int) -> tuple:
    # (current(): reading ``params`` counts as a change, which would send the group's state
    # and parameters to the device again)
    counts = impl.receptor_counts(net.neurons[net.model_of(gid)].current()[0])
    return impl.recordables_for(None if counts is None else int(counts[net.node_local[gid]]))


def _group_of(plan: Plan, gid: int) -> int:
    row = plan.row_of[gid]
    for i, g in enumerate(plan.groups):
        if g.offset <= row < g.offset + g.n:
            return i
    raise errors.IllegalConnection(f"Node {gid} has no state to sample.")


def _steps(ms: float, h: float) -> int:
    return int(round(ms / h))
