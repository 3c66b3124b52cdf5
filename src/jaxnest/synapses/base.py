"""The interface every synapse model implements.

A synapse model is a spec (NEST name, defaults, which values are per-connection state and
which are shared by all connections of a model) plus, for plastic models, one pure function
``on_pre`` that the kernel calls when a presynaptic spike is delivered, for the delivered
connections together (arrays over edges):

    on_pre(p, s, t, post) -> s'

- ``p``: parameters (each an array over the edges or a scalar), ``delay`` (ms) included;
- ``s``: per-connection state, ``weight`` and the model's ``state``/``hidden`` values;
- ``t``: the spike's time stamp (ms), as NEST's ``e.get_stamp().get_ms()``;
- ``post``: a :class:`PostView` of the targets' spike archives (rules with ``archive``);
- ``rand`` (rules with ``random``): :class:`EdgeDraws`, counter-based uniforms per edge;
- ``dopa`` (rules with ``neuromodulated``): :class:`DopaView`, the dopamine spikes their
  volume_transmitter collected since its last delivery;
- ``s`` also holds ``multiplicity`` (the spike's, per edge; read only);
- returns the new state; the event carries ``s'["weight"]`` times the multiplicity (what NEST's
  ``send`` puts on the event after updating the weight), or ``s'["sent"]`` when the rule
  returns it (the whole value sent; not stored); ``s'["delivered"]`` False where no event is
  sent (a failed release: parrots then do not count it, weight recorders do not see it).

Neuromodulated rules also have ``on_trigger(p, s, t_trig, post, dopa) -> s'``, which the kernel
calls for all connections of a volume_transmitter every ``deliver_interval`` min_delay slices
(NEST's trigger_update_weight), at the end of the slice, t_trig its end (ms).

Static models have no ``on_pre``; the kernel delivers them on its fast path.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import jax.numpy as jnp
from jax import lax

from ..kernel import ints

STDP_EPS = 1.0e-6
"""NEST's ConnectionManager stdp_eps: spike-time comparisons in archives allow this (ms)."""

COMMON = {"weight": 1.0, "delay": 1.0, "receptor_type": 0, "weight_recorder": 0}
"""What every synapse model has; ``weight_recorder`` (a node id, 0: none) is shared by all
connections of a model (SetDefaults/CopyModel)."""

NODE_PROPS = ("weight_recorder", "volume_transmitter")
"""Shared synapse properties that name a node (stored as its id, 0: none; shown as a
NodeCollection)."""


UNROLL = 8  # history entries a rule walks in straight-line code; longer views loop


def walk(n: int, step, carry):
    """``carry = step(j, carry)`` for the view's entries j = 0 .. n - 1, oldest first, as
    NEST walks its history. A short view (the first one a delivery reads) is unrolled; a long
    one (the second view, the whole ring) is a loop: unrolled, the ring's H copies of the
    rule made compiling a chunk grow with H (one stdp_synapse: 9 s at H = 32, 24 s at 128,
    and the ring doubles when a neuron's history outgrows it)."""
    if n <= UNROLL:
        for j in range(n):
            carry = step(j, carry)
        return carry
    return lax.fori_loop(0, n, step, carry)


@dataclass(frozen=True)
class SynapseModel:
    """A NEST synapse model: name and defaults (weight in pA/nS as the target expects, delay
    ms) and, for plastic models, its per-connection state and update on presynaptic spikes."""

    name: str
    params: Mapping[str, object] = field(default_factory=dict)
    """Everything GetDefaults shows (weight, delay, receptor_type, rule parameters, state)."""
    state: tuple[str, ...] = ()
    """Per-connection values the rule changes (besides ``weight``), e.g. ``Kplus``."""
    hidden: Mapping[str, float] = field(default_factory=dict)
    """Per-connection state NEST does not show (e.g. ``t_lastspike``) -> initial value."""
    common: tuple[str, ...] = ()
    """Parameters shared by all connections of a model (``*_hom`` models): set with
    SetDefaults/CopyModel only."""
    archive: bool = False
    """The rule reads its targets' postsynaptic spike archives (STDP)."""
    archive_since: str = "t_lastspike"
    """Its hidden state holding the time (ms) of its last read: it reads from then on, less
    the delay (the archive keeps what some connection may still read)."""
    on_pre: Callable | None = None
    random: bool = False
    """``on_pre`` takes a keyword ``rand`` (:class:`EdgeDraws` of this spike)."""
    check: Callable[[dict], None] | None = None
    """Validate per-connection values (numpy arrays); raise errors.BadProperty."""
    neuromodulated: bool = False
    """The rule reads the dopamine spikes of the volume_transmitter its model names (common
    property ``volume_transmitter``): ``on_pre`` takes a keyword ``dopa``."""
    on_trigger: Callable | None = None
    """Neuromodulated rules: the update at the volume_transmitter's delivery times."""
    on_flush: Callable | None = None
    """Rules that act on their senders' flush events (eprop_synapse_bsshslm_2020):
    ``on_flush(p, s, t, post) -> s'`` for the events due before the slice starting at t
    (ms), delivered then (kernel/eprop_archive.flush_due)."""
    on_step: Callable | None = None
    """Rules that advance every connection's state each step, whatever its sender does
    (eprop_synapse: the gradient walk of the entries complete so far, so that a spike
    finds its window walked): ``on_step(p, s, te, post) -> s'`` for all connections at the
    start of each slice (te: the entry, in steps, that became complete), before the slice's
    spikes are delivered. Compiled only where min_delay is one step."""
    stepped: Callable[[dict], bool] | None = None
    """(a model's defaults) -> whether ``on_step`` walks all its connections, so that a
    delivery walks at most a step: its edge sets then take as many lanes per delivery
    iteration as static ones (else ``voltage_archive.WALKING``'s few)."""
    check_spec: Callable[[set, int], None] | None = None
    """(keys a Connect's syn_spec gives, local_num_threads) -> None: NEST's
    check_synapse_params (raise errors.NotImplemented)."""
    voltage_archive: str = ""
    """The rule reads its targets' voltage histories instead of their spike archives:
    ``"clopath"`` or ``"urbanczik"`` (kernel/voltage_archive.py; ``post`` is a ClopathView
    or UrbanczikView; targets must be such archivers). ``s`` then also holds ``active`` (the
    lanes that take part)."""
    history_weights: tuple[str, ...] = ()
    """Voltage-history rules: per-connection traces that scale every history entry the rule
    reads. While they are all zero (a connection that has not fired) its window adds
    nothing, so the kernel neither reads it nor keeps its entries."""
    sets_post_trace: bool = False
    """The rule reads its target's K- trace at each spike (NEST's get_K_value), which sets
    the target's ``post_trace`` (kernel/plastic.post_trace)."""
    unsupported: str = ""
    """Why connections of this model cannot be simulated yet (Connect, GetStatus and set
    work; Simulate raises errors.NotImplemented naming the model and this reason)."""
    off_grid_delay: bool = False
    """Delays need not lie on the grid (cont_delay_synapse): a connection keeps its delay
    rounded up to whole steps and, in the hidden column ``delay_offset``, the ms by which
    that overshoots; precise targets get each event that much earlier (NEST's offsets)."""
    reset_on_set: tuple[str, ...] = ()
    """Hidden values set back to their initial value whenever a connection's status is set
    (urbanczik_synapse: its initial weight is the weight at the last set_status)."""
    aliases: Mapping[str, str] = field(default_factory=dict)
    """Other names of ``weight`` and ``delay`` (NESTML synapses: their weight and delay
    variables, e.g. ``w``): shown beside them, accepted for them (see resolve_aliases)."""
    exponents: tuple[str, ...] = ()
    """Parameters the rule uses as exponents (``stdp.power``). Where one is equal over a
    plastic edge set and exactly 0 or 1, the set's compiled delivery takes it as that
    number, so the rule skips the pow (it costs several exps per lane and event)."""
    target_params: tuple[str, ...] = ()
    """Parameters of the target neurons the rule reads (NESTML synapses: the parameters
    NESTML copies into the paired neuron as ``<name>__for_<synapse>``): each delivery gets
    the target's value as the per-connection parameter ``__target_<name>`` (NaN where the
    target has no such parameter)."""
    post_values: tuple[tuple[str, str], ...] = ()
    """State variables of the targets the rule reads (NESTML synapses' continuous
    postsynaptic ports), as (variable, when) pairs: the archive keeps each one's value for
    every archived spike, ``when`` = "spike" at the spike (the target's ``__spike_<var>``,
    its value where it emitted the spike, if it keeps one) or "delayed" at the spike time
    plus the connection's delay (PostView.at_spikes); ``PostView.now`` gives the current
    value. Needs ``archive``."""

    @property
    def plastic(self) -> bool:
        return self.on_pre is not None

    def per_connection(self) -> tuple[str, ...]:
        """Values stored per connection besides weight/delay/receptor (params and state)."""
        skip = set(COMMON) | set(self.common)
        return tuple(k for k in self.params if k not in skip) + tuple(self.hidden)


def resolve_aliases(aliases: Mapping[str, str], params: dict) -> dict:
    """``params`` with alias keys under the names they stand for; an alias given together
    with its name raises BadProperty, as NEST-NESTML's set_status."""
    if not any(a in params for a in aliases):
        return params
    from .. import errors
    out = dict(params)
    for alias, key in aliases.items():
        if alias in out:
            if key in out:
                raise errors.BadProperty(f"To prevent inconsistencies, please set either "
                                         f"'{key}' or '{alias}' variable; not both at the "
                                         f"same time.")
            out[key] = out.pop(alias)
    return out


class PostView:
    """The targets' postsynaptic spike archives as a rule sees them (inside the kernel).

    The archive keeps each neuron's last ``H`` spikes (time, K-, K- triplet) in a ring; the
    view gathers the newest ``W`` of them (all H when W is 0 or >= H) for the delivered edges'
    targets, oldest first. It mirrors NEST's ArchivingNode: ``history(t1, t2)`` are the entries
    with t1 + eps <= t < t2 + eps (get_history), ``K_values(t)`` the traces of the latest entry
    strictly before t - eps (get_K_values). A rule walks the view's W rows, not the ring's H:
    a presynaptic spike reads the few postsynaptic spikes since its last one, while the ring
    must reach back to the rarest sender's last spike. Where an answer lies older than the
    view, ``wide`` is set (the kernel asks again with the whole ring) or, when the view is the
    whole ring and entries were dropped, ``overflow`` (the chunk reruns with a longer ring)."""

    def __init__(self, arch: dict, tgt, tau_minus_inv, tau_triplet_inv, W: int = 0):
        H = arch["t"].shape[0]
        V = min(W, H) if W else H
        count = arch["count"][tgt]                              # spikes archived so far
        j = jnp.arange(V)[:, None]
        slot = ints.rem(count[None, :] + (H - V) + j, H)         # the newest V, oldest first
        self.valid = j >= (V - jnp.minimum(count, V))[None, :]  # (V, E)
        self.t = arch["t"][slot, tgt[None, :]]
        self._arch, self._slot, self._tgt = arch, slot, tgt
        self.full = count > V                                   # older entries exist
        self._ring = V == H                                     # (and may have been dropped)
        self.tau_minus_inv = tau_minus_inv
        self.tau_triplet_inv = tau_triplet_inv
        self.now_Kminus = arch["Kminus_now"][tgt]
        self.now_Kminus_triplet = arch["Kminus_triplet_now"][tgt]
        self.overflow = jnp.zeros(tgt.shape, bool)
        self.wide = jnp.zeros(tgt.shape, bool)

    @property
    def Kminus(self):
        """K- after each entry of the view, oldest first (gathered when a rule asks)."""
        return self._arch["Kminus"][self._slot, self._tgt[None, :]]

    @property
    def Kminus_triplet(self):
        return self._arch["Kminus_triplet"][self._slot, self._tgt[None, :]]

    def history(self, t1, t2):
        """(times, mask) of the entries in [t1 + eps, t2 + eps), each (W, E), oldest first."""
        mask = self.valid & (self.t >= t1 + STDP_EPS) & (self.t < t2 + STDP_EPS)
        self._need(t1 + STDP_EPS)
        return self.t, mask

    def K_values(self, t, empty_is_current: bool = False):
        """(K-, nearest-neighbour K-, K- triplet) at t from the latest entry before t - eps.
        ``empty_is_current``: with no spike archived, NEST's get_K_values returns the
        neuron's current traces (get_K_value returns 0)."""
        before = self.valid & (t - self.t > STDP_EPS)
        H = self.t.shape[0]
        last = jnp.max(jnp.where(before, jnp.arange(H)[:, None], -1), axis=0)
        found = last >= 0
        idx = jnp.maximum(last, 0)[None, :]
        t_e = jnp.take_along_axis(self.t, idx, 0)[0]
        ring = jnp.take_along_axis(self._slot, idx, 0)[0]  # that entry's slot: one gather
        k = self._arch["Kminus"][ring, self._tgt]
        kt = self._arch["Kminus_triplet"][ring, self._tgt]
        decay = jnp.exp((t_e - t) * self.tau_minus_inv)
        K = jnp.where(found, k * decay, 0.0)
        nn = jnp.where(found, decay, 0.0)
        Kt = jnp.where(found, kt * jnp.exp((t_e - t) * self.tau_triplet_inv), 0.0)
        if empty_is_current:
            empty = ~self.valid.any(axis=0)
            K = jnp.where(empty, self.now_Kminus, K)
            nn = jnp.where(empty, self.now_Kminus, nn)
            Kt = jnp.where(empty, self.now_Kminus_triplet, Kt)
        self._need(t - STDP_EPS)
        return K, nn, Kt

    def K_value(self, t):
        return self.K_values(t)[0]

    def at_spikes(self, var: str, delay):
        """(W, E): ``var`` of each view entry's neuron as the archive kept it for that spike
        (SynapseModel.post_values): at the spike (``delay`` 0) or ``delay`` ms after it."""
        col, Ds = self._arch["cv:" + var], self._arch["cvD:" + var]
        dix = jnp.argmin(jnp.abs(Ds[:, None] - jnp.asarray(delay)), axis=0)  # (E,)
        return col[dix[None, :], self._slot, self._tgt[None, :]]

    def now(self, var: str):
        """(E,): the targets' current ``var`` (the state the delivery finds them in)."""
        return self._arch["now:" + var][self._tgt]

    def _need(self, t_lim):
        """The answer needs the entries from ``t_lim`` on (for K values: the latest before
        it): a view with older entries beyond it, whose oldest row is not older, may lack
        one (in the ring: ``wide``; dropped from it: ``overflow``)."""
        miss = self.full & (self.t[0] >= t_lim)
        if self._ring:
            self.overflow = self.overflow | miss
        else:
            self.wide = self.wide | miss


class EdgeDraws:
    """Random numbers for the edges a spike is delivered on: ``uniform(j)`` is the j-th draw
    (j < 64) of each edge for this spike, a pure function of (rng_seed, emission step and
    event, connection), so results do not depend on how the run is cut. ``key``: the
    SYNAPSES stream's."""

    def __init__(self, key, step, conn):
        from ..streams import step_key
        self._key = key
        self._step = step_key(key, step)
        self._conn = conn

    def uniform(self, j: int):
        from ..streams import bits_from_keys, index_key, to_uniform
        idx = self._conn.astype(jnp.uint64) * jnp.uint64(64) + jnp.uint64(j)
        return to_uniform(bits_from_keys(self._key, self._step, index_key(self._key, idx)))


class DopaView:
    """The dopamine spikes of each edge's volume_transmitter, as a rule sees them.

    A volume_transmitter keeps the spikes that arrived since its last delivery (times in ms,
    ascending, one entry per step with their summed multiplicity) after a ``head`` time (its
    last delivery, NEST's pseudo spike; 0 before the first). ``vt``: the volume_transmitter of
    each edge (an index into the archive's columns)."""

    def __init__(self, arch: dict, vt):
        self._t, self._m = arch["t"], arch["m"]
        self.vt = jnp.asarray(vt).astype(jnp.int32)
        self.count = arch["count"][self.vt]
        self.head = arch["head"][self.vt]

    def entry(self, j):
        """(time, multiplicity, exists) of each edge's j-th entry (j an array over edges)."""
        ok = j < self.count
        jj = jnp.clip(j, 0, self._t.shape[0] - 1)
        return self._t[jj, self.vt], self._m[jj, self.vt], ok

    def first_after(self, x):
        """Index of each edge's first entry later than x (binary search)."""
        shape = jnp.broadcast_shapes(jnp.shape(self.count), jnp.shape(x))
        lo = jnp.zeros(shape, jnp.int32)
        hi = jnp.broadcast_to(self.count, shape).astype(jnp.int32)
        for _ in range(max(int(self._t.shape[0]).bit_length(), 1)):
            mid = ints.div(lo + hi, 2)
            t_mid = self._t[jnp.clip(mid, 0, self._t.shape[0] - 1), self.vt]
            go = (mid < hi) & (t_mid <= x)
            lo = jnp.where(go, mid + 1, lo)
            hi = jnp.where(go | (mid >= hi), hi, mid)
        return lo
