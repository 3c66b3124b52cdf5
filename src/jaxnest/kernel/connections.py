"""Connect, GetConnections and connection status (build side, numpy).

The connection rules themselves are in ``jaxnest.connect.rules``; this module resolves the
synapse spec (model, weight, delay, receptor_type as scalars, arrays or random parameters),
checks what NEST checks (delays on the grid, which node kinds may connect) and appends columns.
"""
from __future__ import annotations

import builtins
from typing import NamedTuple

import numpy as np

from .. import errors
from ..connect import rules
from ..devices.base import sent_events
from .kernel import Kernel
from ..synapses.base import NODE_PROPS, resolve_aliases
from .network import ConnTable, check_memory

_SENDS = {"neuron": {"spike"}, "spike_source": {"spike"}, "poisson": {"spike"},
          "current": {"current"}, "sampler": {"sample"}, "spike_recorder": set(),
          "weight_recorder": set(), "volume_transmitter": set(), "rate_source": {"rate"}}
_RECEIVES = {"neuron": {"spike", "current", "sample"}, "spike_recorder": {"spike"},
             "spike_source": set(), "poisson": set(), "current": set(), "sampler": set(),
             "weight_recorder": set(), "volume_transmitter": {"spike"}, "rate_source": set()}


def _kind(kernel: Kernel, gid: int) -> str:
    dev = kernel.network.devices.get(gid)
    return dev.entry.impl.kind if dev is not None else "neuron"


def synapse_names(kernel: Kernel) -> list[str]:
    """The synapse models, sorted by name (NEST's ``synapse_models`` list)."""
    return sorted(n for n, e in kernel.models.items() if e.is_synapse)


def _resolve_syn_spec(kernel: Kernel, syn_spec) -> tuple[str, dict, set]:
    if syn_spec is None:
        syn_spec = {}
    if isinstance(syn_spec, str):
        syn_spec = {"synapse_model": syn_spec}
    if not isinstance(syn_spec, dict):
        raise errors.BadProperty(f"syn_spec must be a dict or a synapse model name, "
                                 f"got {type(syn_spec).__name__}.")
    name = syn_spec.get("synapse_model", "static_synapse")
    entry = kernel.model(name, synapse=True)
    syn_spec = resolve_aliases(entry.impl.aliases, syn_spec)
    values, given = dict(entry.defaults), set()
    for k, v in syn_spec.items():
        if k == "synapse_model":
            continue
        if k not in values:
            kernel.unaccessed("syn_spec, in function connect", k)
            continue
        values[k] = v
        given.add(k)
    return name, values, given


def _column(kernel: Kernel, value, n: int, key: str) -> np.ndarray:
    """One value per new connection from a scalar, an array (in connection order) or a
    random parameter."""
    return np.broadcast_to(_values(kernel, value, n, key), (n,)).copy()


def _values(kernel: Kernel, value, n: int, key: str):
    """As :func:`_column`, but a scalar stays one float (the table fills it in place)."""
    if hasattr(value, "sample"):
        return np.asarray(value.sample(kernel.rng, n), dtype=float)
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return float(arr)
    if arr.size != n:
        raise errors.BadProperty(f"'{key}' array has {arr.size} elements but the rule creates "
                                 f"{n} connections.")
    return arr.ravel().copy()


def connect(kernel: Kernel, pre: np.ndarray, post: np.ndarray, conn_spec, syn_spec) -> range:
    """Create connections; returns the indices of the new ones in the connection table (a
    range: an array of them cost 0.1-0.4 s at 15.6M connections). A list of syn_specs is
    NEST's CollocatedSynapses: each pair the rule draws gets one connection per spec (listed
    spec by spec, as NEST lists them by synapse model)."""
    if isinstance(conn_spec, str):
        conn_spec = {"rule": conn_spec}
    conn_spec = dict(conn_spec if conn_spec is not None else {"rule": "all_to_all"})
    rule = conn_spec.pop("rule", None)  # a dict without 'rule' is PyNEST's KeyError
    specs = [_resolve_syn_spec(kernel, s) for s in
             (syn_spec if isinstance(syn_spec, (list, tuple)) else [syn_spec])]
    _check_symmetric(kernel, rule, conn_spec, pre, post, specs)
    if conn_spec.get("make_symmetric", False):  # NEST checks the reverse connections first
        for name, values, given in specs:
            if getattr(kernel.model(name, synapse=True).impl, "secondary", ""):
                _check_secondary(kernel, name, post, pre, dict(values), given)
    ends = [_check_ends(kernel, name, pre, post, values, given)
            for name, values, given in specs]
    stimulators = [_check_single_synapse(kernel, pre, kernel.model_ids[name])
                   for name, _, _ in specs]
    _check_room(rule, conn_spec, pre.size, post.size)
    src, tgt = rules.connect(rule, conn_spec, pre, post, kernel.rng)
    if conn_spec.get("make_symmetric", False):
        specs = [(name, _symmetric_values(values), given) for name, values, given in specs]
    if any("sampler" in pre_kinds for pre_kinds, _ in ends):
        _check_recordables(kernel, src, tgt)
        _check_sampled_once(kernel, src, tgt)
        _check_sampled_devices(kernel, tgt)
    first = len(kernel.network.conns)
    for (name, values, given), devices, (pre_kinds, sec) in zip(specs, stimulators, ends):
        if src.size:
            for dev in devices:
                dev.first_syn = kernel.model_ids[name]
        _append(kernel, name, values, given, pre_kinds, sec, pre, post, src, tgt)
    return range(first, len(kernel.network.conns))


def _symmetric_values(values: dict) -> dict:
    """A syn_spec's values for make_symmetric's connections (the forward ones, then the
    reverse): arrays serve both; random parameters NEST refuses (it cannot draw the same
    value twice)."""
    if any(hasattr(v, "sample") for v in values.values()):
        raise errors.NotImplemented("Symmetric connections require parameters that can be "
                                    "reset.")
    return {k: np.tile(v, 2) if np.ndim(v) == 1 else v for k, v in values.items()}


def _check_symmetric(kernel: Kernel, rule, conn_spec: dict, pre: np.ndarray,
                     post: np.ndarray, specs: list) -> None:
    """NEST's rule for synapse models that require symmetric connectivity (gap_junction):
    ``make_symmetric``, or all_to_all of a population onto itself with scalar parameters."""
    if not any(getattr(kernel.model(name, synapse=True).impl, "requires_symmetric", False)
               for name, _, _ in specs):
        return
    if bool(conn_spec.get("make_symmetric", False)):
        return
    scalar = all(np.ndim(v) == 0 and not hasattr(v, "sample")
                 for _, values, _ in specs for v in values.values())
    if not (rule == "all_to_all" and np.array_equal(pre, post) and scalar):
        raise errors.BadProperty(
            "Connections with this synapse model can only be created as one-to-one "
            "connections with \"make_symmetric\" set to true or as all-to-all connections "
            "with equal source and target populations and default or scalar parameters.")


def _check_ends(kernel: Kernel, name: str, pre: np.ndarray, post: np.ndarray, values: dict,
                given: set) -> tuple[set, bool]:
    """Which nodes may connect through synapse model ``name``: (the kinds among ``pre``,
    whether it carries secondary events, kernel/continuous.py, with their own checks)."""
    check_ends = getattr(kernel.model(name, synapse=True).impl, "check_ends", None)
    if check_ends is not None:  # the model's own rules on both ends (e-prop synapses)
        check_ends(kernel, pre, post, values)
    _check_plastic_from_devices(kernel, name, pre)  # NEST: before the targets' checks
    _check_voltage_archive(kernel, name, post)
    if getattr(kernel.model(name, synapse=True).impl, "secondary", ""):
        return _check_secondary(kernel, name, pre, post, values, given), True
    _check_spike_senders(kernel, pre)
    return _check_kinds(kernel, pre, post), False


def _append(kernel: Kernel, name: str, values: dict, given: set, pre_kinds: set, sec: bool,
            pre: np.ndarray, post: np.ndarray, src: np.ndarray, tgt: np.ndarray) -> None:
    """One synapse spec's connections of the pairs (src, tgt), checked as NEST checks them."""
    n = src.size
    weight = _values(kernel, values["weight"], n, "weight")
    steps, offset = _delay_steps(kernel, name, _values(kernel, values["delay"], n, "delay"),
                                 rounded="delay" in given)
    receptor = np.asarray(_values(kernel, values["receptor_type"], n, "receptor_type"),
                          dtype=np.int32)
    _check_signals(kernel, src, tgt)
    if not sec:  # secondary connections: receptor 0 checked by _check_secondary
        _check_receptors(kernel, pre_kinds, tgt, weight, receptor)
        _check_links(kernel, pre_kinds, src, tgt, receptor)
    _check_synapse_targets(kernel, name, tgt, receptor)
    _check_device_sources(kernel, name, pre, post)
    receptor = _connection_ports(kernel, name, tgt, receptor)
    extra = _plastic_columns(kernel, name, values, n, weight, given)
    if offset is not None:
        extra["delay_offset"] = offset
    _check_volume_transmitter(kernel, name, n)
    kernel.network.conns.append(dict(source=src, target=tgt, weight=weight,
                                     delay=steps * kernel.ms_per_step,
                                     syn=kernel.model_ids[name], receptor=receptor), extra)
    kernel._thread_local_ids = (kernel.network.size, None)  # NEST sets them at Connect too


def _connection_ports(kernel: Kernel, name: str, tgt: np.ndarray,
                      receptor: np.ndarray) -> np.ndarray:
    """The receptor ports (rports) of new connections: on a model's ``connection_ports``
    receptor each connection gets the target's next port (NeuronModel.connection_ports),
    numbered after the ports its earlier connections got."""
    for store in kernel.network.neurons.values():
        impl = store.entry.impl
        first = impl.connection_ports
        if not first or not len(store) or not np.any(receptor == first):
            continue
        sel = np.flatnonzero((receptor == first) & np.isin(tgt, store.gids))
        if not sel.size:
            continue
        if np.any(tgt[sel] <= kernel.prepared_size):  # NEST: its buffers exist
            raise impl.late_port()
        if kernel.model(name, synapse=True).impl.plastic:
            raise errors.NotImplemented(
                f"{impl.name}: plastic synapses to receptor {first} (a port per connection, "
                "whose weight NEST requires constant) are not supported by jaxnest")
        conns = kernel.network.conns
        ports = np.zeros(kernel.network.size + 1, np.int64)  # ports each target has
        np.add.at(ports, conns.take("target", conns.ports_into(store.gids, first)), 1)
        t = tgt[sel]
        order = np.argsort(t, kind="stable")  # connection order within each target
        rank = np.empty(t.size, np.int64)
        starts = np.r_[0, np.flatnonzero(np.diff(t[order])) + 1]
        rank[order] = np.arange(t.size) - np.repeat(starts, np.diff(np.r_[starts, t.size]))
        receptor = np.broadcast_to(receptor, tgt.shape).copy()
        receptor[sel] = first + ports[t] + rank
    return receptor


def _delay_steps(kernel: Kernel, name: str, delay, rounded: bool = False) -> tuple:
    """Delays (ms) as whole steps and, for models with off-grid delays, their offsets (ms;
    synapses/cont_delay.py; None for other models), with NEST's BadDelay below one step.
    ``rounded``: to the grid for every model (NEST's Connect rounds a syn_spec's delay; only
    the model's default and a connection's set keep it off the grid)."""
    off_grid = getattr(kernel.model(name, synapse=True).impl, "off_grid_delay", False)
    if off_grid and not rounded:
        steps, offset, lower = kernel.off_grid_delay(delay)
    else:
        steps = lower = kernel.delay_steps(delay)
        offset = np.zeros(np.shape(steps)) if off_grid else None
    if np.size(lower) and np.min(lower) < 1:
        raise errors.BadDelay(f"Delay must be greater than or equal to resolution "
                              f"({kernel.resolution} ms).")
    return steps, offset


class End(NamedTuple):
    """One end of a connection as models' ``check_link`` hooks see it: the NEST model name
    (a CopyModel name for copies, which NEST treats as other models) and the NeuronModel
    (None for a device)."""
    model: str
    impl: object = None


def _check_links(kernel: Kernel, pre_kinds: set, src: np.ndarray, tgt: np.ndarray,
                 receptor: np.ndarray) -> None:
    """NEST's connection rules that depend on both ends (models' ``check_link``), for spike
    connections into neurons, at Connect as NEST checks them: one call per (sender model,
    target model) pair with the receptors used."""
    stores = list(kernel.network.neurons.values())
    if pre_kinds & {"current", "sampler"} or not any(st.entry.impl.check_link is not None
                                                      for st in stores):
        return
    net = kernel.network
    code = np.zeros(net.size + 1, np.int64)  # gid -> 1 + store index; 0: a device
    for i, st in enumerate(stores):
        code[st.gids] = i + 1
    into = code[tgt] > 0
    s_code, t_code = code[src[into]], code[tgt[into]]
    dev_names = sorted({net.devices[g].entry.name for g in np.unique(src[into][s_code == 0])
                        .tolist()})
    if dev_names:  # device senders by model: codes -1, -2, ...
        s_code[s_code == 0] = [-1 - dev_names.index(net.devices[g].entry.name)
                               for g in src[into][s_code == 0].tolist()]
    rec = np.broadcast_to(receptor, tgt.shape)[into]
    for s, t in np.unique(np.stack([s_code, t_code], axis=1), axis=0).tolist():
        target = End(stores[t - 1].entry.name, stores[t - 1].entry.impl)
        sender = End(stores[s - 1].entry.name, stores[s - 1].entry.impl) if s > 0 \
            else End(dev_names[-1 - s])
        r = np.unique(rec[(s_code == s) & (t_code == t)])
        for hook in (getattr(sender.impl, "check_link", None), target.impl.check_link):
            if hook is not None:  # NEST's send_test_event, then handles_test_event
                hook(sender, target, r)


_SIGNALS = {"spike": 1, "binary": 2, "all": 3}
_SENDS_ALL = ("spike_generator", "noise_generator")  # besides the samplers (multimeters)
_RECEIVES_BINARY = ("spin_detector", "correlospinmatrix_detector")


def _signal(kernel: Kernel, gids: np.ndarray, sending: bool) -> np.ndarray:
    """NEST's signal type of each node (bits: 1 spike, 2 binary)."""
    net = kernel.network
    out = np.full(gids.size, _SIGNALS["spike"], np.int8)
    for st in net.neurons.values():
        if st.entry.impl.signal != "spike":
            out[np.isin(gids, st.gids)] = _SIGNALS[st.entry.impl.signal]
    for g in np.unique(gids[net.device_mask()[gids]]).tolist():
        impl = net.devices[g].entry.impl
        if sending and (impl.name in _SENDS_ALL or impl.kind == "sampler") or not sending and \
                impl.kind in ("spike_recorder", "weight_recorder") \
                and impl.name not in _RECEIVES_BINARY:
            out[gids == g] = _SIGNALS["all"]
        elif not sending and impl.name in _RECEIVES_BINARY:
            out[gids == g] = _SIGNALS["binary"]
    return out


def _receives_binary(device) -> bool:
    return device.entry.impl.name in _RECEIVES_BINARY


def _takes_spike_receptors(device) -> bool:
    return device.entry.impl.kind in ("spike_recorder", "volume_transmitter")


def _not_volume_transmitter(device) -> bool:
    return device.entry.impl.kind != "volume_transmitter"


def _is_sampler(device) -> bool:
    return device.entry.impl.kind == "sampler"


def _is_current_source(device) -> bool:
    return device.entry.impl.kind == "current"


def _check_signals(kernel: Kernel, src: np.ndarray, tgt: np.ndarray) -> None:
    """NEST's rule that the sender's signal type meets the target's (binary neurons and their
    detectors talk only to each other, parrots, spike_generator, noise_generator and
    recorders). Only networks with a binary node can fail it: the others skip the check."""
    net = kernel.network
    if not (any(st.entry.impl.signal == "binary" for st in net.neurons.values())
            or net.device_ids(_receives_binary).size):
        return
    if np.any((_signal(kernel, src, True) & _signal(kernel, tgt, False)) == 0):
        raise errors.IllegalConnection(
            "Creation of connection is not possible because:\nSource and target neuron are "
            "not compatible (e.g., spiking vs binary neuron).")


def _models_of(kernel: Kernel, gids: np.ndarray) -> list:
    """(name, impl) of each model among ``gids`` (neuron stores and devices)."""
    net = kernel.network
    out = [(st.entry.name, st.entry.impl) for st in net.neurons.values()
           if len(st) and np.isin(gids, st.gids).any()]
    devs = np.unique(gids[net.device_mask()[gids]])
    out += [(net.devices[g].entry.name, net.devices[g].entry.impl) for g in devs.tolist()]
    return out


def _check_spike_senders(kernel: Kernel, pre: np.ndarray) -> None:
    """NEST refuses spike connections from nodes that send only secondary events (rate
    neurons)."""
    if all(getattr(st.entry.impl, "sends_spikes", True)
           for st in kernel.network.neurons.values()):
        return
    for _, impl in _models_of(kernel, pre):
        if not getattr(impl, "sends_spikes", True):
            raise errors.IllegalConnection(
                "Creation of connection is not possible because:\nSource node does not send "
                "output.\n  Note that recorders must be connected as Connect(neuron, recorder).")


def _check_secondary(kernel: Kernel, name: str, pre, post, values: dict, given: set) -> set:
    """NEST's check_connection for secondary-event synapse models (rate connections): the
    sources must send the event, the targets handle it on receptor 0; a model without delay
    takes none, and counts toward min_delay with wfr_comm_interval."""
    impl = kernel.model(name, synapse=True).impl
    net = kernel.network
    for gids in (pre, post):
        if gids.size and (gids.min() < 1 or gids.max() > net.size):
            raise errors.UnknownNode("Connect: node does not exist.")
    why = "Creation of connection is not possible because:\n"
    for _, m in _models_of(kernel, pre):
        if impl.secondary not in getattr(m, "secondary_out", ()):
            raise errors.IllegalConnection(
                f"{why}The source node does not support {impl.event_name} output.")
    for mname, m in _models_of(kernel, post):
        if impl.secondary not in getattr(m, "secondary_in", ()):
            raise errors.IllegalConnection(
                f"{why}The target node or synapse model does not support {impl.event_name} "
                "input.")
        r = np.asarray(values["receptor_type"])
        by_receptor = getattr(m, "secondary_receptor_channel", None)
        if by_receptor is not None:  # targets taking rates on receptors (eprop_readout)
            by_receptor(r, [n for n, _ in _models_of(kernel, pre)])
        elif np.any(r != 0):
            raise errors.UnknownReceptorType(
                f"Receptor type {int(np.ravel(r)[r.ravel() != 0][0])} is not available in "
                f"{mname}.")
    if impl.no_weight and "weight" in given:
        raise errors.BadProperty(impl.no_weight)
    if not impl.has_delay:
        if "delay" in given:
            raise errors.BadProperty(impl.no_delay)
        values["delay"] = kernel.settings["wfr_comm_interval"]
    return {_kind(kernel, int(g)) for g in _kind_samples(net, pre)}


def _check_synapse_targets(kernel: Kernel, name: str, tgt: np.ndarray, receptor) -> None:
    """What synapse models refuse: HPC variants other receptors than 0, archive-reading
    (STDP) models device targets."""
    if name.endswith("_hpc") and np.any(_spike_rports(kernel, tgt, receptor)):
        raise errors.IllegalConnection(
            "Creation of connection is not possible because:\nOnly rport==0 allowed for HPC "
            "synapses. Use normal synapse models instead. See Kunkel et al, Front Neuroinform "
            "8:78 (2014), Sec 3.3.2.")
    impl = kernel.model(name, synapse=True).impl
    if (impl.archive or impl.voltage_archive) and tgt.size:
        devices = kernel.network.devices
        net = kernel.network
        no_archive = impl.archive and any(  # neurons without NEST's ArchivingNode
            len(st) and not st.entry.impl.archiving and np.isin(tgt, st.gids).any()
            for st in net.neurons.values())
        if no_archive or any(g in devices for g in np.unique(tgt).tolist()):
            raise errors.IllegalConnection("Creation of connection is not possible because:\n"
                                           "The target node does not support STDP synapses.")


def _check_voltage_archive(kernel: Kernel, name: str, post: np.ndarray) -> None:
    """Rules that read voltage histories (clopath_synapse) need targets that keep them
    (NEST: NotImplemented, before any other check; recorders, which have no proxies, get
    the other checks)."""
    kind = kernel.model(name, synapse=True).impl.voltage_archive
    if not kind or not post.size:
        return
    from .voltage_archive import is_archiver
    net = kernel.network
    for g in np.unique(post).tolist():
        if _kind(kernel, g) in ("spike_recorder", "weight_recorder"):
            continue
        if not is_archiver(kernel.model(net.model_of(g)).impl, kind):  # (NEST's urbanczik
            space = "  " if kind == "urbanczik" else " "  # message has a double space)
            raise errors.NotImplemented("This synapse model is not supported by the neuron "
                                        f"model of at least one{space}connection.")


def source_devices(kernel: Kernel, pre: np.ndarray) -> list:
    """The devices among ``pre`` (spike_train_injector is a neuron in NEST)."""
    net = kernel.network
    if not net.devices:
        return []
    return [net.devices[g] for g in np.unique(pre[net.device_mask()[pre]]).tolist()
            if net.devices[g].entry.impl.name != "spike_train_injector"]  # a neuron in NEST


def _check_plastic_from_devices(kernel: Kernel, name: str, pre: np.ndarray) -> None:
    """NEST refuses plastic synapses from devices (their test target takes no device
    events: IllegalConnection), whatever the targets."""
    devs = source_devices(kernel, pre)
    if devs and kernel.model(name, synapse=True).impl.plastic:
        raise errors.IllegalConnection("Creation of connection is not possible because:\n"
                                       f"The target node or synapse model does not support "
                                       f"{sent_events(devs[0].entry.impl)}.")


def _check_device_sources(kernel: Kernel, name: str, pre: np.ndarray, post: np.ndarray) -> None:
    """What else NEST refuses from devices (IllegalConnection): connections into a
    volume_transmitter and, from samplers (which use receptors other than 0), HPC
    synapses."""
    devs = source_devices(kernel, pre)
    if not devs:
        return
    net = kernel.network
    why = None
    if any(g in net.devices and net.devices[g].entry.impl.kind == "volume_transmitter"
           for g in np.unique(post).tolist()):
        why = "We do not allow connection of a device to a global receiver at the moment."
    elif name.endswith("_hpc") and any(d.entry.impl.kind == "sampler" for d in devs):
        why = "Only rport==0 allowed for HPC synapses. Use normal synapse models instead."
    if why is not None:
        raise errors.IllegalConnection(f"Creation of connection is not possible because:\n{why}")


def _check_volume_transmitter(kernel: Kernel, name: str, n: int) -> None:
    """NEST's check_connection of neuromodulated synapses: their model names a
    volume_transmitter (SetDefaults/CopyModel) before connections are made."""
    entry = kernel.model(name, synapse=True)
    if entry.impl.neuromodulated and n and not entry.defaults.get("volume_transmitter"):
        raise errors.BadProperty("No volume transmitter has been assigned to the dopamine "
                                 "synapse.")


def _plastic_columns(kernel: Kernel, name: str, values: dict, n: int, weight,
                     given: set) -> dict:
    """Per-connection parameters and state of a plastic synapse model (its shared ones stay
    in the model's defaults), checked as the model checks them when the syn_spec sets any of
    the model's own parameters (NEST then calls the connection's set_status)."""
    entry = kernel.model(name, synapse=True)
    impl = entry.impl
    if impl.check_spec is not None:
        impl.check_spec(given, int(kernel.settings["local_num_threads"]))
    shared = sorted(given & (set(impl.common) | {"weight_recorder"}))
    if shared:
        raise errors.NotImplemented(f'Synapse parameter "{shared[0]}" can only be set via '
                                    "SetDefaults() or CopyModel().")
    if not impl.per_connection():
        return {}
    extra = {k: _values(kernel, values[k], n, k) if k in values else float(impl.hidden[k])
             for k in impl.per_connection()}
    if impl.check is not None and given - {"weight", "delay"}:
        impl.check({**{k: entry.defaults[k] for k in impl.common}, **extra, "weight": weight})
    return extra


# bytes per new connection while a rule draws it (ids, row/column indices), besides its row
# in the connection table
RULE_BYTES = 28


def _check_room(rule, conn_spec: dict, n_pre: int, n_post: int) -> None:
    """Refuse, before drawing, a Connect whose connections cannot fit in memory (counted
    where the rule fixes their number, or expects it: pairwise_bernoulli with a scalar p)."""
    def num(key) -> float:
        v = conn_spec.get(key)
        ok = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        return max(float(v), 0.0) if ok else 0.0

    count = {"all_to_all": n_pre * n_post, "one_to_one": n_pre,
             "fixed_indegree": n_post * num("indegree"),
             "fixed_outdegree": n_pre * num("outdegree"),
             "fixed_total_number": num("N"),
             "pairwise_bernoulli": n_pre * n_post * num("p")
             }.get(rule, 0) if isinstance(rule, str) else 0
    if count > 2**20:
        check_memory(int(count) * (ConnTable.ROW_BYTES + RULE_BYTES),
                     f"{int(count):,} connections")


def _check_kinds(kernel: Kernel, pre: np.ndarray, post: np.ndarray) -> set:
    """Reject pairs of node kinds NEST cannot connect (e.g. a neuron into a dc_generator);
    returns the kinds among ``pre``."""
    net = kernel.network
    for gids in (pre, post):
        if gids.size and (gids.min() < 1 or gids.max() > net.size):
            raise errors.UnknownNode("Connect: node does not exist.")
    pre_kinds = {_kind(kernel, int(g)) for g in _kind_samples(net, pre)}
    post_receives = {}
    for g in _kind_samples(net, post).tolist():  # devices with recordables can be sampled
        dev = net.devices.get(g)
        sampled = {"sample"} if getattr(getattr(dev, "entry", None), "impl", None) is not None \
            and getattr(dev.entry.impl, "sample", None) is not None else set()
        if getattr(getattr(dev, "entry", None), "impl", None) is not None \
                and getattr(dev.entry.impl, "receives_spikes", False):
            sampled = sampled | {"spike"}  # a stimulator fed by spikes (spike_dilutor)
        b = _kind(kernel, g)
        post_receives[b] = post_receives.get(b, set()) | _RECEIVES[b] | sampled
    for a in pre_kinds:
        for b, receives in post_receives.items():
            if not _SENDS[a] & receives:
                raise errors.IllegalConnection(
                    f"Creation of connection is not possible because:\n"
                    f"{_name_of_kind(kernel, pre, a)} cannot send events that "
                    f"{_name_of_kind(kernel, post, b)} can receive.")
    return pre_kinds


def _check_single_synapse(kernel: Kernel, pre: np.ndarray, syn: int) -> list:
    """NEST's stimulation devices send through one synapse model only (IllegalConnection for
    a second one); returns the stimulation devices among ``pre``."""
    net = kernel.network
    if not net.devices:
        return []
    gids = pre[net.device_mask()[pre]]
    out = [net.devices[g] for g in np.unique(gids).tolist()
           if net.devices[g].entry.element_type == "stimulator"
           and net.devices[g].entry.impl.name != "spike_train_injector"]  # a neuron in NEST
    if any(d.first_syn is not None and d.first_syn != syn for d in out):
        raise errors.IllegalConnection(
            "Creation of connection is not possible because:\n"
            "All outgoing connections from a device must use the same synapse type.")
    return out


def _kind_samples(net, gids: np.ndarray) -> np.ndarray:
    """Devices among gids (each once), plus one neuron if there is one (all neurons share a
    kind); vectorised: a spatial Connect passes one id per connection."""
    is_dev = net.device_mask()[gids]
    return np.concatenate([np.unique(gids[is_dev]), gids[~is_dev][:1]]).astype(np.int64)


def _name_of_kind(kernel: Kernel, gids: np.ndarray, kind: str) -> str:
    for g in gids.tolist():
        if _kind(kernel, g) == kind:
            return kernel.network.model_of(g)
    return kind


def _check_receptors(kernel: Kernel, pre_kinds: set, tgt: np.ndarray, weight,
                     receptor) -> None:
    """Let each target model reject receptor types it lacks, at Connect time (as NEST):
    spike receptors for spikes, current receptors for CurrentEvents."""
    net = kernel.network
    if "sampler" in pre_kinds:  # multimeters: checked by _check_recordables
        return
    _check_target_ports(kernel, tgt, receptor, "current" in pre_kinds)
    if "current" in pre_kinds:
        for store in net.neurons.values():
            sel = np.isin(tgt, store.gids)
            if sel.any():
                store.entry.impl.current_channel(np.broadcast_to(receptor, tgt.shape)[sel])
        return
    _check_device_receptors(kernel, tgt, receptor)
    store_of = np.zeros(net.size + 1, dtype=np.int32)  # gid -> 1 + index of its store
    stores = list(net.neurons.values())
    if not receptor.any():  # receptor 0 everywhere (the usual case): one probe per model
        refusing = [st for st in stores if not _accepts_zero(st.entry.impl)]
        for store in refusing:  # rare: look for such targets only then
            if np.isin(tgt, store.gids).any():
                store.entry.impl.channel(np.zeros(1), np.zeros(1, np.int32))
        return
    for i, store in enumerate(stores):
        store_of[store.gids] = i + 1
    code = store_of[tgt]
    weight = np.broadcast_to(weight, tgt.shape)
    receptor = np.broadcast_to(receptor, tgt.shape)
    for i, store in enumerate(stores):
        sel = code == i + 1
        if sel.any():
            impl = store.entry.impl
            impl.channel(weight[sel], receptor[sel])
            counts = impl.receptor_counts(store.params)
            if counts is not None:  # ports 1..n_receptors of each target
                bad = receptor[sel] > counts[net.node_local[tgt[sel]]]
                if bad.any():
                    raise errors.IncompatibleReceptorType(
                        f"Receptor type {int(receptor[sel][bad][0])} in {impl.name} does not "
                        "accept SpikeEvent.")


def _check_target_ports(kernel: Kernel, tgt: np.ndarray, receptor, current: bool) -> None:
    """Models whose ports differ per neuron (a ``check_targets(params, local, receptors,
    current)`` method, e.g. cm_default) check each of their targets (NEST's UnknownPort)."""
    net = kernel.network
    for store in net.neurons.values():
        check = getattr(store.entry.impl, "check_targets", None)
        if check is None or not len(store):
            continue
        sel = np.isin(tgt, store.gids)
        if sel.any():
            check(store.current()[0], net.node_local[tgt[sel]],
                  np.broadcast_to(receptor, tgt.shape)[sel], current)


def _check_device_receptors(kernel: Kernel, tgt: np.ndarray, receptor) -> None:
    """Spike-recording devices accept receptor 0, or the types their model lists."""
    devices = kernel.network.devices
    hit = kernel.network.device_mask(_takes_spike_receptors)[tgt]
    if not hit.any():
        return
    receptor = np.broadcast_to(receptor, tgt.shape)
    for g in np.unique(tgt[hit]).tolist():
        dev = devices[g]
        accepted = dev.entry.impl.receptors(dev.status) if dev.entry.impl.receptors else (0,)
        bad = ~np.isin(receptor[tgt == g], list(accepted))
        if bad.any():
            raise errors.UnknownReceptorType(
                f"Receptor type {int(receptor[tgt == g][bad][0])} is not available in "
                f"{dev.entry.name}.")


def _accepts_zero(impl) -> bool:
    try:
        impl.channel(np.zeros(1), np.zeros(1, np.int32))
        return True
    except errors.NESTError:
        return False


def _check_sampled_once(kernel: Kernel, src: np.ndarray, tgt: np.ndarray) -> None:
    """NEST connects a multimeter to a node once (its data requests have no port to tell
    two connections apart)."""
    net = kernel.network
    samplers = [g for g in np.unique(src).tolist() if _kind(kernel, g) == "sampler"]
    sel = np.isin(src, samplers)
    pairs = src[sel].astype(np.int64) << 32 | tgt[sel]
    old_src = net.conns.column("source")
    mine = np.isin(old_src, samplers)
    old = old_src[mine].astype(np.int64) << 32 | net.conns.column("target")[mine]
    if np.unique(pairs).size < pairs.size or np.isin(pairs, old).any():
        raise errors.IllegalConnection("Creation of connection is not possible because:\n"
                                       "Each multimeter can only be connected once to a given "
                                       "node.")


def _check_sampled_devices(kernel: Kernel, tgt: np.ndarray) -> None:
    """NEST's noise_generator logs its mean current on one thread only."""
    devices = kernel.network.devices
    if int(kernel.settings["local_num_threads"]) > 1 and any(
            g in devices and devices[g].entry.impl.name == "noise_generator"
            for g in np.unique(tgt).tolist()):
        raise errors.KernelException("Recording from a noise_generator is only possible in "
                                     "single-threaded mode.")


def _check_recordables(kernel: Kernel, src: np.ndarray, tgt: np.ndarray) -> None:
    """A multimeter connects only to nodes that have every quantity it records (NEST checks
    at Connect)."""
    net = kernel.network
    wanted = set()
    for gid in np.unique(src).tolist():
        dev = net.devices.get(gid)
        if dev is not None and dev.entry.impl.kind == "sampler":
            wanted.update(dev.status.get("record_from", []))
    tgt = np.unique(tgt)
    for store in net.neurons.values():
        local = net.node_local[tgt[np.isin(tgt, store.gids)]]
        if not local.size:
            continue
        impl = store.entry.impl
        counts = impl.receptor_counts(store.params)
        own = getattr(impl, "recordables_of", None)  # per-neuron lists (cm_default)
        for c in ([None] if counts is None else np.unique(counts[local]).tolist()) \
                if own is None else np.unique(local).tolist():
            names = impl.recordables_for(c) if own is None else own(store.current()[0], c)
            missing = sorted(wanted - set(names))
            if missing:
                raise errors.IllegalConnection(
                    "Creation of connection is not possible because:\n"
                    f"Cannot connect with unknown recordable {missing[0]}")


# --- Disconnect ----------------------------------------------------------------------------
def disconnect(kernel: Kernel, pre: np.ndarray, post: np.ndarray, rule: str, model) -> None:
    """One connection of ``model`` per (pre, post) pair of the rule (the first made, for
    multapses); InexistentConnection, and nothing removed, when a pair has none."""
    if rule == "one_to_one":
        if pre.size != post.size:
            raise errors.DimensionMismatch("Source and target population must be of the same "
                                           "size.")
        s, t = pre, post
    elif rule == "all_to_all":
        s, t = np.repeat(pre, post.size), np.tile(post, pre.size)
    else:
        raise IndexError("map::at")  # NEST's answer to other rules
    if model is None:
        raise errors.BadProperty("syn_spec must name the synapse_model.")
    kernel.model(model, synapse=True)
    cols = kernel.network.conns.cols
    cand = np.flatnonzero(cols["syn"] == kernel.model_ids[model])
    width = kernel.network.size + 1
    keys = cols["source"][cand] * width + cols["target"][cand]
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    want = np.sort(s * width + t, kind="stable")
    rank = np.arange(want.size) - np.searchsorted(want, want, "left")  # n-th copy of a pair
    pos = np.searchsorted(sorted_keys, want, "left") + rank
    ok = pos < sorted_keys.size
    ok[ok] = sorted_keys[pos[ok]] == want[ok]
    if not ok.all():
        raise errors.InexistentConnection("Deletion of connection is not possible because it "
                                          "does not exist.")
    delete(kernel, cand[order[pos]])


def delete(kernel: Kernel, idx: np.ndarray) -> None:
    kernel.network.conns.delete(idx)


# --- queries -------------------------------------------------------------------------------
# NEST keeps three kinds of connections apart (ConnectionManager::connection_required):
# between neurons (sorted by source at GetConnections and Simulate, when
# sort_connections_by_source), from a neuron to a device (one connector per source neuron) and
# from a device (one connector per device); GetConnections lists them per synapse model in that
# order, and a connection's ``port`` is its index in its connector.
_REGULAR, _TO_DEVICE, _FROM_DEVICE = 0, 1, 2


def _kinds(kernel: Kernel, src: np.ndarray, tgt: np.ndarray) -> np.ndarray:
    """Which of NEST's three kinds each connection is (a volume_transmitter is connected to
    as a neuron is)."""
    dev = kernel.network.device_mask(_not_volume_transmitter)
    return np.where(dev[src], _FROM_DEVICE, np.where(dev[tgt], _TO_DEVICE, _REGULAR))


def _regular_key(kernel: Kernel, src: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Order of connections between neurons within a synapse model (after the creation
    order): by source when NEST sorts them (NEST's sort is not stable beyond 16 connections;
    jaxnest keeps the creation order within a source)."""
    by_source = kernel.settings.get("sort_connections_by_source", True)
    return np.where(kind == _REGULAR, src if by_source else 0, 0)


def find(kernel: Kernel, source=None, target=None, synapse_model=None,
         synapse_label=None) -> np.ndarray:
    """Indices of the connections matching the filters, in NEST's order (one thread): per
    synapse model, the connections between neurons, then those of devices, each group ordered
    as NEST's ConnectionManager iterates it for the filters given. A ``synapse_label`` other
    than -1 (NEST's unlabelled) keeps the connections of ``_lbl`` models with that label."""
    cols = kernel.network.conns.cols
    sel = np.ones(len(cols["source"]), dtype=bool)
    if source is not None:
        sel &= np.isin(cols["source"], source)
    if target is not None:
        sel &= np.isin(cols["target"], target)
    if synapse_model is not None:
        kernel.model(synapse_model, synapse=True)
        sel &= cols["syn"] == kernel.model_ids[synapse_model]
    if synapse_label is not None and synapse_label != -1:
        labels = kernel.network.conns.extra.get("synapse_label")
        sel &= labels[:sel.size] == synapse_label if labels is not None else False
    idx = np.flatnonzero(sel)
    src, tgt, syn = cols["source"][idx], cols["target"][idx], cols["syn"][idx]
    kind = _kinds(kernel, src, tgt)
    reg = kind == _REGULAR
    a_key = _regular_key(kernel, src, kind)
    if target is not None:  # NEST looks up device->device connections only without targets
        keep = ~((kind == _FROM_DEVICE) & kernel.network.device_mask()[tgt])
        idx, src, tgt, syn, kind, reg, a_key = (x[keep] for x in
                                                (idx, src, tgt, syn, kind, reg, a_key))
    zero = np.zeros(idx.size, dtype=np.int64)
    big = kernel.network.size + 1
    if target is None:
        # no source filter: neurons -> devices by source, then devices -> anything by device;
        # sources given: per source (ascending), its connections to devices or from it
        part = kind if source is None else np.where(reg, 0, 1)
        key = (syn.astype(np.int64) * 3 + part) * big + np.where(reg, a_key, src)
        return idx[np.argsort(key, kind="stable")]  # idx ascending: creation order kept
    if source is None:
        # per target neuron: from devices (by device); per target device: from neurons
        part = np.where(reg, 0, np.where(kind == _FROM_DEVICE, 1, 2))
        keys = (idx, np.where(reg, zero, src), np.where(reg, a_key, tgt), part, syn)
    else:
        # per source: to target neurons (from a device), then to target devices
        keys = (idx, np.where(reg, zero, tgt), np.where(reg, 0, kind == _TO_DEVICE),
                np.where(reg, a_key, src), np.where(reg, 0, 1), syn)
    return idx[np.lexsort(keys)]


def _hom_weight(kernel: Kernel, idx: np.ndarray) -> np.ndarray:
    """Which of these connections have a common weight (static_synapse_hom_w and its
    copies), which NEST does not show per connection."""
    hom = [i for i, e in enumerate(kernel.synapse_entries())
           if e is not None and "weight" in e.impl.common]  # a few model ids: no sort
    return np.isin(kernel.network.conns.take("syn", idx), hom)


def get(kernel: Kernel, idx: np.ndarray, key: str) -> np.ndarray | list:
    cols = kernel.network.conns.cols
    if key == "delay":
        return _delays(kernel, cols, idx)
    if key == "weight" and (hom := _hom_weight(kernel, idx)).any():
        if hom.all():  # PyNEST's dict lookup fails (a builtin KeyError)
            raise builtins.KeyError("weight")
        return [None if h else w for h, w in zip(hom.tolist(), cols["weight"][idx].tolist())]
    if key in ("source", "target", "weight"):
        return cols[key][idx]
    if key == "receptor":
        return _rports(kernel, cols, idx)
    if key == "synapse_model":
        return [kernel.synapse_name(s) for s in cols["syn"][idx]]
    if key == "synapse_id":  # the model's id; stdp_facetshw's connections show their own
        own = kernel.network.conns.extra.get("synapse_id")
        model = cols["syn"][idx].astype(np.int64)
        return model if own is None else np.where(np.isnan(own[idx]), model,
                                                  np.nan_to_num(own[idx])).astype(np.int64)
    if key == "target_thread":
        return _target_threads(kernel, cols, idx)
    if key == "port":
        return _ports(kernel, cols, idx)
    if key == "sizeof":
        return np.full(idx.size, 32, dtype=np.int64)
    extra = kernel.network.conns.extra
    if key in extra:
        return extra[key][idx]
    if key in (aliases := model_aliases(kernel, idx)):
        return get(kernel, idx, aliases[key])
    if key == "optimizer" and (state := _optimizer_state(kernel, idx)) is not None:
        return state
    _unsupported_key(kernel, idx, key)
    raise errors.KeyError(f"Connection has no property {key!r}.")


def _target_threads(kernel: Kernel, cols: dict, idx: np.ndarray) -> np.ndarray:
    """NEST's target_thread: the thread of the target (a node's is its id modulo the virtual
    processes); devices have a copy on every thread, and a neuron reaches the copy on its
    own thread. (NEST also makes a connection into a volume_transmitter once per thread:
    jaxnest makes it once.)"""
    src, tgt = cols["source"][idx], cols["target"][idx]
    device = kernel.network.device_mask()
    node = np.where(device[tgt] & ~device[src], src, tgt)
    return node.astype(np.int64) % int(kernel.settings["total_num_virtual_procs"])


def _adam_mask(kernel: Kernel, idx: np.ndarray) -> np.ndarray | None:
    """Per connection: whether its e-prop optimizer is adam (the only one with per-connection
    state NEST shows); None where a connection is not e-prop (the key is not the optimizer's)."""
    entries = kernel.synapse_entries()
    syn = kernel.network.conns.take("syn", idx)
    uniq = np.unique(syn)
    if not all("opt_m" in entries[s].impl.hidden for s in uniq.tolist()):
        return None
    adam = [entries[s].defaults.get("optimizer", {}).get("optimizer") == "adam"
            for s in uniq.tolist()]
    return np.asarray(adam, bool)[np.searchsorted(uniq, syn)]


def _optimizer_state(kernel: Kernel, idx: np.ndarray):
    """The e-prop connections' own optimizer state as NEST shows it (adam: ``m``, ``v``;
    gradient descent: nothing), one dict per connection; None for other models."""
    if (adam := _adam_mask(kernel, idx)) is None:
        return None
    extra = kernel.network.conns.extra
    out = np.empty(idx.size, dtype=object)
    for i, (c, a) in enumerate(zip(idx.tolist(), adam.tolist())):
        out[i] = {"m": float(extra["opt_m"][c]), "v": float(extra["opt_v"][c])} if a else {}
    return out


def _set_optimizer_state(kernel: Kernel, idx: np.ndarray, value) -> bool:
    """Set the e-prop connections' own optimizer state from ``value`` (a dict, or one per
    connection), as NEST's WeightOptimizer set_status: adam takes ``m`` and ``v``, other
    keys (and gradient descent) are left alone; False where a connection is not e-prop."""
    dicts = [value] * idx.size if isinstance(value, dict) else list(np.ravel(value))
    adam = _adam_mask(kernel, idx)
    if adam is None or len(dicts) != idx.size or not all(isinstance(d, dict) for d in dicts):
        return False
    table = kernel.network.conns
    for name in ("m", "v"):
        column = table.extra["opt_" + name][idx].copy()
        for i, d in enumerate(dicts):
            if adam[i] and name in d:
                column[i] = float(d[name])
        table.assign("opt_" + name, idx, column)
    return True


def _unsupported_key(kernel: Kernel, idx: np.ndarray, key: str) -> None:
    """Per-connection properties NEST has that jaxnest lacks yet (a synapse model's
    ``unsupported_keys``, e.g. eprop_synapse's per-connection optimizer state)."""
    entries = kernel.synapse_entries()
    for s in np.unique(kernel.network.conns.take("syn", idx)).tolist():
        impl = entries[s].impl if entries[s] is not None else None
        if key in getattr(impl, "unsupported_keys", ()):
            raise errors.NotImplemented(f"The connection property {key!r} of "
                                        f"{entries[s].name} is not implemented in jaxnest.")


def _spike_rports(kernel: Kernel, tgt: np.ndarray, receptor) -> np.ndarray:
    """NEST's rport of new spike connections: receptor_type less the target's offset."""
    rec = np.broadcast_to(receptor, tgt.shape).astype(np.int64)
    for st in kernel.network.neurons.values():
        if st.entry.impl.rport_offset[0]:
            rec = np.where(np.isin(tgt, st.gids), rec - st.entry.impl.rport_offset[0], rec)
    return rec


def _rports(kernel: Kernel, cols, idx: np.ndarray) -> np.ndarray:
    """NEST's rport of each connection: its receptor_type less the target model's offset
    (``rport_offset``: spike and current connections differ); a multimeter's connection has
    the number of its logger in the target (1 for the first multimeter connected to it, 2 for
    the second, ...)."""
    rec = cols["receptor"][idx]
    net = kernel.network
    is_sampler = net.device_mask(_is_sampler)
    shifted = [st for st in net.neurons.values() if st.entry.impl.rport_offset != (0, 0)]
    if not net.device_ids(_is_sampler).size and not shifted:
        return rec
    rec, src, tgt = rec.copy(), cols["source"][idx], cols["target"][idx]
    sampler = is_sampler[src]
    current = net.device_mask(_is_current_source)[src]
    for st in shifted:
        sel = np.isin(tgt, st.gids) & ~sampler
        spike_off, current_off = st.entry.impl.rport_offset
        rec[sel] -= np.where(current[sel], current_off, spike_off).astype(rec.dtype)
    if sampler.any():  # each target numbers its loggers in the order they were connected
        s_idx = np.flatnonzero(is_sampler[cols["source"]])
        order = np.lexsort((s_idx, cols["target"][s_idx]))
        t_sorted = cols["target"][s_idx][order]
        first = np.r_[0, np.flatnonzero(np.diff(t_sorted)) + 1]
        rank = np.arange(t_sorted.size) - np.repeat(first, np.diff(np.r_[first, t_sorted.size]))
        port = np.zeros(cols["source"].size, rec.dtype)
        port[s_idx[order]] = rank + 1
        rec[sampler] = port[idx[sampler]]
    return rec


def keys_of(kernel: Kernel, idx: np.ndarray) -> tuple[str, ...]:
    """What GetStatus of these connections shows: the common keys and their models' own."""
    entries = kernel.synapse_entries()
    own = []
    for s in np.unique(kernel.network.conns.take("syn", idx)).tolist():
        impl = entries[s].impl
        own += [k for k in impl.params if k not in own and k not in impl.common
                and k not in ("receptor_type",) + NODE_PROPS]
    hidden = {"weight"} if idx.size and _hom_weight(kernel, idx).all() else set()
    return tuple(sorted((set(CONN_KEYS) | set(own) | set(model_aliases(kernel, idx)))
                        - hidden))


def model_aliases(kernel: Kernel, idx: np.ndarray) -> dict:
    """The other names of weight and delay that these connections' models have."""
    entries = kernel.synapse_entries()
    if not any(e is not None and e.impl.aliases for e in entries):
        return {}  # (no model has any: no look at the connections)
    out = {}
    for s in np.unique(kernel.network.conns.take("syn", idx)).tolist():
        out.update(entries[s].impl.aliases)
    return out


CONN_KEYS = ("delay", "port", "receptor", "sizeof", "source", "synapse_id", "synapse_model",
             "target", "target_thread", "weight")


def _ports(kernel: Kernel, cols, idx: np.ndarray) -> np.ndarray:
    """NEST's port: the connection's index in its connector (per synapse model: all
    connections between neurons, sorted; those of one source neuron to devices; those of one
    device)."""
    src, syn = cols["source"], cols["syn"]
    kind = _kinds(kernel, src, cols["target"])
    owner = np.where(kind == _REGULAR, 0, src)  # the connector: (model, kind, owner)
    group = (syn.astype(np.int64) * 3 + kind) * (kernel.network.size + 1) + owner
    order = np.argsort(group + _regular_key(kernel, src, kind), kind="stable")
    o_group = group[order]
    new = np.r_[True, o_group[1:] != o_group[:-1]] if src.size else np.zeros(0, bool)
    start = np.flatnonzero(new)
    pos = np.arange(src.size) - np.repeat(start, np.diff(np.r_[start, src.size]))
    port = np.empty(src.size, dtype=np.int64)
    port[order] = pos
    return port[idx]


def _set_plastic(kernel: Kernel, idx: np.ndarray, key: str, column: np.ndarray) -> None:
    """Set a per-connection value of plastic synapses, checked by each model."""
    _check_set(kernel, idx, key, column)
    kernel.network.conns.assign(key, idx, column)


def _check_set(kernel: Kernel, idx: np.ndarray, key: str, column: np.ndarray) -> None:
    """Each synapse model's check of its connections with ``key`` set to ``column`` (NEST's
    set_status of each connection: a weight too, e.g. of the sign Wmax forbids)."""
    table = kernel.network.conns
    entries = kernel.synapse_entries()
    syn = table.cols["syn"][idx]
    for s in np.unique(syn).tolist():
        impl = entries[s].impl
        sel = idx[syn == s]
        if key != "weight" and key not in impl.per_connection():  # common (hom) ones too
            kernel.unaccessed("params, in function connection.set()", key)
            continue
        if impl.check is not None:
            vals = {k: table.extra[k][sel] for k in impl.per_connection()}
            vals.update({k: entries[s].defaults[k] for k in impl.common},
                        weight=table.cols["weight"][sel])
            vals[key] = column[syn == s]
            _check_each(kernel, impl, entries[s].name, sel, vals)


def _check_each(kernel: Kernel, impl, name: str, idx: np.ndarray, vals: dict) -> None:
    """The model's check; on failure NEST names the first connection that fails."""
    try:
        impl.check(vals)
    except errors.BadProperty as e:
        for i in range(idx.size):
            try:
                impl.check({k: v[i:i + 1] if np.ndim(v) else v for k, v in vals.items()})
            except errors.BadProperty:
                c = int(idx[i])
                cols = kernel.network.conns.cols
                port = int(_ports(kernel, cols, idx[i:i + 1])[0])
                raise errors.BadProperty(
                    f"Setting status of '{name}' connecting from node ID {cols['source'][c]} "
                    f"to node ID {cols['target'][c]} via port {port}: {e}") from None
        raise


def set_values(kernel: Kernel, idx: np.ndarray, key: str, value) -> None:
    table = kernel.network.conns
    cols = table.cols
    hom = _hom_weight(kernel, idx) if key == "weight" else None
    if key == "weight" and hom.size and hom.all():
        raise errors.UnaccessedDictionaryEntry(
            "Unaccessed elements in params, in function connection.set():  weight")
    if key == "weight":  # (beside others, a common weight is left alone, as in NEST)
        _refuse_secondary(kernel, idx, "no_weight")
        column = _column(kernel, value, idx.size, key)[~hom]
        idx = idx[~hom]
        _check_set(kernel, idx, key, column)
        table.assign("weight", idx, column)
    elif key == "delay":
        _refuse_secondary(kernel, idx, "no_delay")
        column = _column(kernel, value, idx.size, key)
        syn = cols["syn"][idx]
        for s in np.unique(syn).tolist():  # per model: off-grid delays keep their offsets
            sel = syn == s
            steps, offset = _delay_steps(kernel, kernel.synapse_name(s), column[sel])
            table.assign("delay", idx[sel], steps * kernel.ms_per_step)
            if offset is not None:
                table.assign("delay_offset", idx[sel], offset)
    elif key in CONN_KEYS:
        raise errors.BadProperty(f"Connection property {key} cannot be set.")
    elif key in table.extra:
        _set_plastic(kernel, idx, key, _column(kernel, value, idx.size, key))
    elif key == "optimizer" and _set_optimizer_state(kernel, idx, value):
        pass
    else:
        _unsupported_key(kernel, idx, key)
        kernel.unaccessed("params, in function set_status", key)
        return
    _reset_on_set(kernel, idx)
    table.version += 1


def _delays(kernel: Kernel, cols: dict, idx: np.ndarray) -> np.ndarray:
    """Delays as NEST shows them: as given for off-grid delays (synapses/cont_delay.py),
    the model's default for models without delay (instantaneous rate connections)."""
    d = cols["delay"][idx]
    offset = kernel.network.conns.extra.get("delay_offset")
    if offset is not None:
        d = d - np.where(np.isnan(offset[idx]), 0.0, offset[idx])
    ids = _no_delay_ids(kernel)
    fixed = np.isin(cols["syn"][idx], ids) if ids.size else np.zeros(d.shape, bool)
    if fixed.any():
        entries = kernel.synapse_entries()
        d = d.copy()
        d[fixed] = [float(entries[s].defaults["delay"]) for s in cols["syn"][idx][fixed]]
    return d


def _no_delay_ids(kernel: Kernel) -> np.ndarray:
    """Synapse ids of models whose connections have no delay (rate_connection_instantaneous)."""
    return np.array([i for i, e in enumerate(kernel.synapse_entries())
                     if e is not None and not getattr(e.impl, "has_delay", True)], np.int64)


def _refuse_secondary(kernel: Kernel, idx: np.ndarray, what: str) -> None:
    """NEST's BadProperty for setting the delay (weight) of connections of models without
    one (rate_connection_instantaneous, diffusion_connection)."""
    entries = kernel.synapse_entries()
    cols = kernel.network.conns.cols
    ids = np.array([i for i, e in enumerate(entries)
                    if e is not None and getattr(e.impl, what, "")], np.int64)
    if not idx.size or not ids.size:
        return
    hit = np.isin(cols["syn"][idx], ids)
    if hit.any():
        i = int(idx[hit][0])
        model = kernel.synapse_name(cols["syn"][i])
        raise errors.BadProperty(
            f"Setting status of '{model}' connecting from node ID {int(cols['source'][i])} to "
            f"node ID {int(cols['target'][i])} via port 0: "
            f"{getattr(entries[int(cols['syn'][i])].impl, what)}")


def _reset_on_set(kernel: Kernel, idx: np.ndarray) -> None:
    """Hidden values a model resets whenever a connection's status is set."""
    table = kernel.network.conns
    entries = kernel.synapse_entries()
    syn = table.cols["syn"][idx]
    for s in np.unique(syn).tolist():
        impl = entries[s].impl
        for k in getattr(impl, "reset_on_set", ()):
            table.assign(k, idx[syn == s], impl.hidden[k])
