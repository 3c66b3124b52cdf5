"""The one interface every neuron model implements.

A model is a spec (NEST name, parameter defaults in NEST units, state variables, recordables,
input channels) plus pure JAX functions over arrays of one model's neurons. The kernel knows
models only through this interface: it groups nodes by model, keeps their parameters and state
as ``dict[str, array]`` and calls :meth:`NeuronModel.update` once per time step.

Conventions (NEST's, so traces match step for step):

- ``update`` advances one step of resolution ``h`` (ms), from t to t + h.
- ``x`` has shape ``(n_channels, n)``: the summed synaptic weights of all spike events whose
  arrival step is this step (weight x multiplicity), already split into channels by
  :meth:`channel` (e.g. excitatory / inhibitory). ``i_stim`` has shape ``(n,)``: the summed
  current (pA) of CurrentEvents (dc_generator, ...) arriving this step. Models use these inputs
  exactly where NEST's C++ ``update`` reads its ring buffers for this lag.
- ``update`` returns the new state and the spike multiplicity emitted in this step (0. or 1.
  for ordinary neurons, the number of spikes for a parrot). A spike emitted in step s is
  stamped at time (s + 1) * h, as NEST stamps it.
- Parameters and public state are stored in absolute NEST units (V_m in mV, not relative to
  E_L); models convert internally.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, ClassVar, Mapping

import numpy as np

from .. import errors

Arrays = dict  # dict[str, jax.Array or np.ndarray], one entry per parameter or state variable

ARCHIVING_PARAMS = {"ignore_and_spike": False, "ignore_and_spike_interval": 100.0,
                    "ignore_and_spike_offset": 1.0, "tau_minus": 20.0,
                    "tau_minus_triplet": 110.0}
"""Parameters every NEST neuron has through its ArchivingNode base (its spike history for STDP,
``tau_minus``/``tau_minus_triplet`` in ms, and NEST's IgnoreAndSpikeMechanism): accepted,
checked and reported for every neuron model with ``archiving=True``; only models that read
them (iaf_psc_delta: ignore_and_spike) change their behaviour."""


@dataclass
class StatusUpdate:
    """What a Create or SetStatus did to some neurons of one model, for the model's
    :attr:`NeuronModel.on_status` hook (NEST's side effects of ``set_status`` on internal state).

    Arrays hold all neurons of the model (host numpy, one row per neuron); ``idx`` selects the
    neurons that were set, ``given[j]`` is what neuron ``idx[j]`` was given (set-only keys
    included). ``state`` and ``hidden`` are the model's own copies: change them in place."""

    idx: np.ndarray
    given: list
    old_params: Arrays
    params: Arrays
    state: Arrays
    hidden: Arrays
    h: float
    """The resolution (ms); fixed once nodes exist."""
    created: bool = False
    """True when the neurons were just created (``old_params`` are then their defaults)."""



@dataclass(frozen=True)
class NeuronModel:
    """Spec of one NEST neuron model plus its pure update functions."""

    name: str
    params: Mapping[str, float]
    """NEST parameter name -> default value (NEST units)."""
    state: Mapping[str, float]
    """Public state variables (GetStatus/SetStatus, recordables) -> initial value."""
    recordables: tuple[str, ...]
    propagators: Callable[[Arrays, float], Arrays]
    """(params, h) -> per-simulation constants (propagator matrices, refractory counts)."""
    update: Callable[[Arrays, Arrays, Arrays, object, object, float], tuple[Arrays, object]]
    """(params, props, state, x, i_stim, h) -> (new_state, spike_multiplicity)."""
    hidden: Mapping[str, float] = field(default_factory=dict)
    """Internal state, not visible to users (refractory counter, solver step size, ...)."""
    n_channels: int = 2
    """Number of spike input channels in the ring buffer (default: 0 excitatory, 1 inhibitory)."""
    receptor_types: Mapping[str, int] = field(default_factory=dict)
    """NEST receptor_types dict for multi-receptor models; empty: only receptor 0."""
    check: Callable[[Arrays], None] | None = None
    """Validate a full parameter set (numpy arrays); raise errors.BadProperty naming the problem."""
    on_set: Callable[[Arrays, Arrays, Arrays, set], Arrays] | None = None
    """(old_params, new_params, state, keys_given) -> state: keep NEST's coupling of state to
    parameters on SetStatus (rarely needed when everything is stored absolute)."""
    input_is_multiplicity: bool = False
    """True: x holds spike counts, the connection weight is ignored (parrot_neuron)."""
    scalar_params: ClassVar[bool] = False
    """True: ``update`` takes a parameter or propagator that is the same for all neurons as a
    scalar (arithmetic broadcasts it); False: the kernel broadcasts it to (n,) first. An
    adaptive solver's loop took each such broadcast as an operand, an array made every step
    (18 thunks a step for aeif_cond_exp)."""
    element_type: str = "neuron"
    current_receptors: Mapping[int, int] = field(default_factory=lambda: {0: 0})
    """receptor_type of CurrentEvents (dc_generator, ...) -> current input channel. With more
    than one channel ``i_stim`` has shape ``(n_current_channels, n)``, else ``(n,)``. Empty:
    the model takes no current input (NEST's IllegalConnection at Connect)."""
    random: bool = False
    """True: ``update`` takes a keyword ``rand`` (a :class:`jaxnest.streams.Draws` of this
    step) for the model's random numbers."""
    vector_params: Mapping[str, float] = field(default_factory=dict)
    """List-valued parameters (one value per receptor port, e.g. ``tau_syn``) -> the value the
    kernel pads them with for ports a neuron does not have. Their defaults in ``params`` are
    tuples; the host stores them as (n, width) arrays padded with NaN, ``update`` and
    ``propagators`` get (channels, n) arrays. Their length is the neuron's receptor count."""
    expand_given: Callable[[Callable[[str], object], dict], dict] | None = None
    """(current, given) -> the dict to apply: NEST's ``set_status`` deriving keys that were
    not given from those that were (NESTML's vector parameters sized by a parameter: a new
    ``N`` resizes them). ``current(key)`` is the node's (or the model's default) value before
    the call, as GetStatus shows it. Used by Create, SetStatus and SetDefaults."""
    vector_hidden: tuple[str, ...] = ()
    """Hidden state with one row per receptor port: (channels, n) inside the kernel."""
    port_params: tuple[str, ...] | None = None
    """The vector parameters that have one value per receptor port (None: all of them; the
    first defines the port count). Other vector parameters (e.g. glif's after-spike current
    lists) reach the kernel at their own (padded) width."""
    off_grid: bool = False
    """NEST's ``is_off_grid``: the model emits precise spike times. ``update`` then returns
    ``(new_state, spikes, offsets)``: ``offsets`` (ms, in [0, h)) place each spike before its
    stamp (spike time = stamp - offset); ``spikes``/``offsets`` have shape (n,), or (K, n) for
    a model that sends several events per step (parrot_neuron_ps). Creating one sets the
    kernel's ``off_grid_spiking``."""
    precise_input: tuple[int, ...] = ()
    """Input channels whose events the model reads one by one in time order (NEST's
    SliceRingBuffer; empty: none). ``x`` is then a :class:`jaxnest.kernel.precise.PreciseInput`
    (offsets, weights and validity of this step's events, shape (K, n), earliest first; on-grid
    input arrives at offset 0) and ``update`` takes keyword ``step`` (the absolute step)."""
    payload_out: bool = False
    """The model sends a value in its spikes' offset field (NEST's iaf_tum_2000, iaf_bw_2001:
    ``is_off_grid`` but not a time). ``update`` then returns ``(new_state, spikes, payload)``
    (payload: (n,), read where a spike is sent); spike recorders show stamp - payload as NEST
    does, the spike archive (STDP) takes the stamp. Creating one sets ``off_grid_spiking``."""
    payload_in: tuple[int, ...] = ()
    """Receptor types on which an event's value is weight x multiplicity x payload (the
    sender's offset field; 0 from senders without one, which the kernel then drops)."""
    takes_step: bool = False
    """True: ``update`` takes keyword ``step``, the absolute step it advances (NEST's
    ``origin + lag``; spike times in tics, ``t_spike``)."""
    check_link: Callable[[object, object, np.ndarray], None] | None = None
    """(sender, target, receptors) -> None: NEST's connection rules that depend on both ends
    (``send_test_event`` of a sender with this hook, ``handles_test_event`` of a target with
    it); ``sender``/``target`` are :class:`jaxnest.kernel.connections.End` (model name,
    NeuronModel or None for a device), ``receptors`` the receptor types used. Raise
    errors.IllegalConnection. (Checked by Connect, as in NEST.)"""
    signal: str = "spike"
    """NEST's signal type, which Connect matches between the ends: "spike", "binary" (binary
    neurons' transitions) or "all" (parrot_neuron relays either)."""
    rport_offset: tuple[int, int] = (0, 0)
    """NEST's rport of a spike (first) or current (second) connection is its receptor_type
    minus this (ht_neuron, the _mc models: spike receptors from 1 are ports from 0); the
    rport is what GetConnections shows as ``receptor``."""
    archiving: bool = True
    """Whether the model has NEST's ArchivingNode parameters (:data:`ARCHIVING_PARAMS`, added
    to ``params``); False for the few NEST neurons without them (gif_pop_psc_exp, ...)."""
    readonly: tuple[str, ...] = ()
    """Public state that GetStatus shows but Create, SetStatus and SetDefaults reject as NEST
    does (UnaccessedDictionaryEntry), e.g. mat2's derived threshold ``V_th``."""
    set_only: Mapping[str, object] = field(default_factory=dict)
    """Keys SetStatus, Create and SetDefaults accept but the status never shows (NEST's
    ``equilibrate`` of ht_neuron) -> their type's default. They reach ``on_status`` only."""
    on_status: Callable[[StatusUpdate], None] | None = None
    """Called after Create and SetStatus with the new values: changes hidden or public state
    in place where NEST's set_status does (restart a countdown, equilibrate gating
    variables). Unlike ``on_set`` it sees hidden state, set-only keys and which neurons."""
    pre_run: Callable[[Arrays, float], None] | None = None
    """(params, h) -> None: NEST's checks in ``pre_run_hook``, run by the kernel before every
    Simulate on the neurons' parameters (numpy, with the time base ``TICS_KEY``); raise
    errors.BadProperty as NEST does at Simulate."""

    secondary_out: tuple[str, ...] = ()
    """Secondary (value-carrying) events the model sends (kernel/continuous.py), e.g.
    ``("rate_delayed", "rate_instantaneous")``: ``update`` then returns ``(new_state, spikes,
    value)``, ``value`` (n,) the number this step's events carry (NEST's coefficient array
    entry for this lag)."""
    secondary_values: tuple[str, ...] = ()
    """Models that send a different value per kind of secondary event (NEST's separate
    events, e.g. eprop_readout_bsshslm_2020's error signal to learning-signal connections
    and its unnormalized signal to rate connections): the kinds, in the order of the rows
    of ``value`` (kinds, n); empty: one value for all."""
    secondary_in: tuple[str, ...] = ()
    """Secondary events the model receives: ``update`` then takes keyword ``sec``, the summed
    weighted values arriving this step, shape (secondary_channels, n)."""
    secondary_channels: int = 1
    """Input channels of secondary events (rate neurons: 0 excitatory, 1 inhibitory)."""
    secondary_channel: Callable[[np.ndarray], np.ndarray] | None = None
    """weights -> secondary input channel of each incoming edge (host side; None: 0)."""
    secondary_edge_value: Callable | None = None
    """(params at the edges' targets, values) -> what each edge delivers per unit weight
    (NEST's ``linear_summation = False``: the target's input nonlinearity per event); None:
    the value itself."""
    secondary_proxy: str = ""
    """State variable sent for the next slice on instantaneous connections after the final
    update of a slice (NEST's proxy; ``rate`` or ``noisy_rate``)."""
    wfr_state: str = ""
    """State variable compared with ``wfr_tol`` between waveform-relaxation sweeps; non-empty:
    the node uses waveform relaxation when the kernel's ``use_wfr`` is set (node_uses_wfr)."""
    sends_spikes: bool = True
    """False for nodes that only send secondary events (NEST: "Source node does not send
    output" for spike connections from them)."""
    connection_ports: int = 0
    """A receptor type whose every connection gets a port of its own (NEST's
    iaf_bw_2001_exact NMDA): Connect numbers them from this type on per target neuron, in
    connection order, and only while the neuron has not been simulated. Port r is input
    channel r - 1 and carries the spike count, not the weight; ``update`` gets the ports'
    connection weights as parameter ``port_weight`` (channels, n; 0 where no port). 0: none."""
    unstable: Callable[[Arrays], object] | None = None
    """(state after a step) -> bool per neuron: NEST's NumericalInstability check (the
    kernel ends the run where that min_delay slice starts and raises it); None: none."""

    def __post_init__(self) -> None:
        if self.archiving and self.element_type == "neuron":
            object.__setattr__(self, "params", {**ARCHIVING_PARAMS, **self.params})

    @property
    def t_spike_by_kernel(self) -> bool:
        """Whether the kernel keeps the neuron's last spike time (NEST's ``t_spike``, ms; -1
        before the first) beside the model's state: every archiving neuron that sends
        spikes (on the grid or off it) and has no ``t_spike`` of its own (most precise
        models and the payload models compute theirs)."""
        return self.archiving and self.element_type == "neuron" and self.sends_spikes \
            and not self.payload_out and "t_spike" not in self.state \
            and "t_spike" not in self.hidden

    @property
    def store_hidden(self) -> Mapping[str, float]:
        """The hidden state the kernel stores per neuron: the model's, and ``t_spike`` where
        the kernel keeps it (the model's ``update`` neither reads nor returns it): the stamp,
        and the offset apart for off-grid models (kernel/engine.py, _last_spike)."""
        if not self.t_spike_by_kernel:
            return self.hidden
        return {**self.hidden, "t_spike": -1.0,
                **({"t_spike_offset": 0.0} if self.off_grid else {})}

    def validate(self, params: Arrays) -> None:
        """The model's ``check``, then the checks of the ArchivingNode parameters (NEST's
        order: the model's own parameters first)."""
        if self.check is not None:
            self.check(params)
        if self.archiving and "ignore_and_spike_offset" in params:
            if np.any((np.asarray(params["tau_minus"], dtype=float) <= 0.0)
                      | (np.asarray(params["tau_minus_triplet"], dtype=float) <= 0.0)):
                raise errors.BadProperty("All time constants must be strictly positive.")
            for key in ("ignore_and_spike_offset", "ignore_and_spike_interval"):
                if np.any(np.asarray(params[key], dtype=float) <= 0.0):
                    raise errors.BadProperty(f"{key} > 0 required.")

    @property
    def sign_channels(self) -> bool:
        """Whether :meth:`channel` picks excitatory/inhibitory by the sign of the weight (then
        an event whose multiplicity is negative goes to the other channel, as in NEST)."""
        return not self.receptor_types and not self.input_is_multiplicity and not self.ports()

    def receptor_counts(self, params: Arrays) -> np.ndarray | None:
        """Receptor ports of each neuron (host side; None: a fixed set of receptors). Models
        with ``vector_params`` have as many ports as their first vector parameter has values."""
        ports = self.ports()
        if not ports:
            return None
        first = params[ports[0]]
        return (~np.isnan(first)).sum(axis=1) if first.ndim == 2 else np.zeros(0, int)

    def ports(self) -> tuple[str, ...]:
        """Names of the per-port vector parameters."""
        return tuple(self.vector_params) if self.port_params is None else self.port_params

    def channel_count(self, params: Arrays) -> int:
        """Spike input channels of a group of this model's neurons (host side)."""
        counts = self.receptor_counts(params)
        if counts is None:
            return self.n_channels
        return max(int(counts.max(initial=0)), 1)

    def hidden_widths(self, params: Arrays, h: float) -> dict[str, int]:
        """Rows of the ``vector_hidden`` states that are not one per receptor port (e.g.
        adaptation elements, a population's history) for a group (host side; default: all
        have the group's channel count)."""
        return {}

    def recordables_for(self, n_receptors: int | None) -> tuple[str, ...]:
        """Recordables of a neuron with this many receptor ports (multisynapse models list one
        per port, e.g. ``I_syn_1``); default: the model's fixed list."""
        return self.recordables

    def check_ports_change(self, connected: np.ndarray) -> None:
        """SetStatus changes the receptor ports of neurons; ``connected``: which of them
        receive spike connections (NEST then refuses)."""
        if connected.any():
            raise errors.BadProperty("The neuron has connections, therefore the number of ports "
                                     "cannot be reduced.")

    def status_extras(self, params: Mapping, connected: bool) -> dict:
        """Read-only keys NEST shows beside the parameters (e.g. ``n_synapses``) for one
        neuron's parameters; ``connected``: whether it has incoming connections."""
        return {}

    def default_recordables(self, defaults: Mapping) -> tuple[str, ...]:
        """Recordables a neuron created with these defaults has."""
        if not self.ports():
            return self.recordables
        return self.recordables_for(len(np.atleast_1d(defaults[self.ports()[0]])))

    def sample_source(self, name: str) -> tuple[str, int | None]:
        """(state variable, row) a recordable reads: ``X_j`` of a vector state X is row j-1."""
        head, _, tail = name.rpartition("_")
        if head in self.vector_hidden and tail.isdigit():
            return head, int(tail) - 1
        return name, None

    def late_port(self) -> errors.NESTError:
        """The error for a new connection port (``connection_ports``) of a neuron that has
        been simulated."""
        return errors.IllegalConnection(f"Connections to receptor {self.connection_ports} of "
                                        f"{self.name} can only be made before the first "
                                        "call to nest.Simulate()")

    def refuse_receptors(self, receptor, bad) -> None:
        """NEST's UnknownReceptorType naming the first receptor type where ``bad``."""
        if np.any(bad):
            first = int(np.asarray(receptor)[np.asarray(bad)].ravel()[0])
            raise errors.UnknownReceptorType(
                f"Receptor type {first} is not available in {self.name}.")

    def current_channel(self, receptor: np.ndarray) -> np.ndarray:
        """Current input channel of CurrentEvents on these receptor types (host side)."""
        receptor = np.asarray(receptor)
        if not self.current_receptors:
            raise errors.IllegalConnection(
                "Creation of connection is not possible because:\n"
                "The target node or synapse model does not support current input.")
        bad = ~np.isin(receptor, list(self.current_receptors))
        if bad.any():
            raise errors.UnknownReceptorType(
                f"Receptor type {int(receptor[bad][0])} is not available in {self.name}.")
        lut = np.zeros(max(self.current_receptors) + 1, dtype=np.int64)
        for r, c in self.current_receptors.items():
            lut[r] = c
        return lut[receptor]

    def channel(self, weight: np.ndarray, receptor: np.ndarray) -> np.ndarray:
        """Input channel for each incoming edge (host side, numpy).

        Default: NEST's sign convention, weight >= 0 -> channel 0 (excitatory), < 0 -> 1.
        Multi-receptor models override through ``receptor_types`` (receptor r -> channel r-1).
        """
        if self.receptor_types:
            return np.asarray(receptor, dtype=np.int32) - 1
        return np.where(np.asarray(weight) >= 0.0, 0, 1).astype(np.int32)
