"""Creating nodes and reading/writing their status (build side, numpy).

Values a user passes may be scalars, one value per node (list/array), or random parameters
(anything with ``sample(rng, n)``); they are expanded here to one array per key.
"""
from __future__ import annotations

import copy

import numpy as np

from .. import errors
from ..devices.base import reported_time
from ..devices.recorders import ascii_path
from ..models.base import StatusUpdate
from ..timebase import TICS_KEY
from .kernel import Kernel
from . import eprop_archive, voltage_archive
from .network import pad_rows, widen
from .plan import device_signature
from .plastic import post_trace

# Keys every node reports, beyond its model's parameters and state.
_NEURON_COMMON = {"frozen": False, "local": True, "node_uses_wfr": False, "thread": 0, "vp": 0,
                  "post_trace": 0.0,
                  "thread_local_id": -1, "t_spike": -1.0}
_TIMES = ("origin", "start", "stop")  # device times NEST keeps as Time (+/- inf possible)
_DEVICE_COMMON = {"frozen": False, "local": True, "node_uses_wfr": False, "thread": 0, "vp": 0,
                  "thread_local_id": -1}


def model_node_keys(kernel, entry, model: str) -> dict:
    """The node keys NEST's GetDefaults shows for a neuron model (no node yet: id 0, thread
    and vp -1; t_spike and post_trace where its neurons archive spikes)."""
    d = {**_NEURON_COMMON, "global_id": 0, "thread": -1, "vp": -1, "type_id": model,
         "node_uses_wfr": bool(entry.impl.wfr_state) and bool(kernel.settings.get("use_wfr"))}
    if not entry.impl.archiving:
        del d["t_spike"], d["post_trace"]
    return d


def is_sequence(value) -> bool:
    """A list-like value (PyNEST spreads these over nodes); strings and dicts are not."""
    return isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim > 0)


def _type_name(value) -> str:
    """The C++ type NEST's dictionary names for a Python value in its cast errors."""
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "long"
    if isinstance(value, (float, np.floating)):
        return "double"
    if isinstance(value, str):
        return "std::string"
    if is_sequence(value):
        return "std::vector<double, std::allocator<double> >"
    return type(value).__name__


def _cast_error(key: str, value, to: str) -> errors.TypeMismatch:
    return errors.TypeMismatch(f"Expected datatype: Failed to cast '{key}' from "
                               f"{_type_name(value)} to type {to}.")


def typed_scalar(key: str, value, default):
    """One value of a scalar parameter as NEST's typed dictionary reads it: a double takes
    ints and bools, a bool only bools; anything else is TypeMismatch (None: PyNEST's
    AttributeError)."""
    if value is None:
        raise AttributeError(f"when converting Python Dictionary: value of key ({key}) is not "
                             f"a known type, got {type(value)}")
    if isinstance(default, (bool, np.bool_)):
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        raise _cast_error(key, value, "bool")
    if isinstance(value, (int, float, np.integer, np.floating, np.bool_)) \
            and not np.ndim(value):
        return float(value)
    raise _cast_error(key, value, "double")


def _typed_column(key: str, values, default, n: int) -> np.ndarray:
    """The first ``n`` values of a list given for a scalar parameter, one per node (PyNEST:
    IndexError when it is shorter)."""
    if len(values) < n:
        raise IndexError("list index out of range")
    return np.array([typed_scalar(key, v, default) for v in list(values)[:n]], dtype=float)


def _from_nest(impl, d: dict) -> dict:
    """A status dict as NEST takes it, in the model's flat storage (nested compartment dicts
    of iaf_cond_alpha_mc)."""
    from_nest = getattr(impl, "from_nest", None)
    return from_nest(d) if from_nest is not None else d


def create(kernel: Kernel, model: str, n: int, params) -> np.ndarray:
    """Create ``n`` nodes of ``model``; returns their global ids. As PyNEST's Create (nodes
    with defaults, then ``set(params)``), but a Create that fails leaves no nodes."""
    entry = kernel.model(model, synapse=False)
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise errors.BadProperty("Create: number of nodes must be an integer > 0.")
    n = int(n)
    off_grid = bool(getattr(entry.impl, "off_grid", False)  # NEST's is_off_grid
                    or getattr(entry.impl, "payload_out", False))
    dicts = params if isinstance(params, (list, tuple)) else None
    if dicts is not None:
        dicts, frozen = zip(*[_take_frozen(d) for d in dicts]) if dicts else ((), ())
        dicts = params = list(dicts)
    else:
        params, frozen = _take_frozen(params)
        frozen = [frozen] * n
    if any(frozen):
        _check_freezable(entry, kernel.network.size + 1)
    if dicts is not None and len(dicts) != n:
        raise TypeError("list of params must have one dictionary per node")
    if params is not None and not (isinstance(params, dict) or
                                   (dicts is not None and all(isinstance(d, dict)
                                                              for d in dicts))):
        raise TypeError("params must be either a dict of parameters or a list or tuple of "
                        "dicts")
    if entry.element_type == "neuron":
        from . import structural  # Ca, synaptic elements: kept apart from the model's state
        sp_given = [{}] * n
        if structural.is_sp_node(entry.impl) and dicts is not None:
            split = [structural.split_params(d) for d in dicts]
            dicts, sp_given = [m for m, _ in split], [p for _, p in split]
        elif structural.is_sp_node(entry.impl):
            params, sp_one = structural.split_params(params or {})
            sp_given = [sp_one] * n
        gids = _create_neurons(kernel, entry, model, n, params, dicts)
        if any(sp_given) or getattr(kernel, "_sp", None) is not None:  # model's SP defaults
            structural.set_nodes(kernel, gids, sp_given)
        if off_grid:  # models that emit precise spike times switch on off-grid spiking
            kernel.settings["off_grid_spiking"] = True
        _freeze(kernel, gids, frozen)
        return gids
    statuses = [copy.deepcopy(entry.defaults) for _ in range(n)]
    for i, st in enumerate(statuses):
        given = dicts[i] if dicts is not None else (params or {})
        _set_device(kernel, entry, st, {k: _pick(kernel, v, i, n, entry.defaults.get(k), k)
                                        for k, v in given.items()}, kernel.network.size + i + 1)
    gids = kernel.network.add_devices(entry, statuses)
    if off_grid:
        kernel.settings["off_grid_spiking"] = True
    return gids


def _create_neurons(kernel: Kernel, entry, model: str, n: int, params, dicts) -> np.ndarray:
    impl = entry.impl
    vector = impl.vector_params
    values = {k: [_vector(v, k)] * n if k in vector else np.full(n, float(v))
              for k, v in entry.defaults.items()}
    given = None
    if dicts is not None:
        given = [_expand_given(impl, entry.defaults.get, _from_nest(impl, d)) for d in dicts]
        for i, d in enumerate(given):
            for k, v in d.items():
                if _settable(kernel, entry, k) == "param":
                    values[k][i] = _vector(v, k) if k in vector else \
                        typed_scalar(k, v, entry.defaults[k])
    elif params:
        params = _from_nest(impl, params)
        # PyNEST's set: a list for a scalar parameter spreads every list over the nodes
        spread = any(is_sequence(v) and k in entry.defaults and k not in vector
                     for k, v in params.items())
        if not spread:
            params = _expand_given(impl, entry.defaults.get, params)
        for k, v in params.items():
            if _settable(kernel, entry, k) != "param":
                continue
            if hasattr(v, "sample"):
                values[k] = np.asarray(v.sample(kernel.rng, n), dtype=float)
            elif k in vector:
                values[k] = [_vector(v[i], k) for i in range(n)] if spread and \
                    is_sequence(v) else [_vector(v, k)] * n
            elif is_sequence(v):
                values[k] = _typed_column(k, v, entry.defaults[k], n)
            else:
                values[k] = np.full(n, typed_scalar(k, v, entry.defaults[k]))
        if impl.set_only or impl.on_status is not None:
            given = [params] * n
    _check_neurons(entry, {k: pad_rows(v) if k in vector else v for k, v in values.items()},
                   model, kernel.network.size + 1)
    values[TICS_KEY] = kernel.tics_per_ms
    gids = kernel.network.add_neurons(entry, n, values)
    if impl.on_status is not None:  # as NEST: nodes made with the defaults, then set
        store = kernel.network.neurons[entry.name]
        idx = kernel.network.node_local[gids]
        old = {k: v.copy() for k, v in store.params.items()}
        for k, v in entry.defaults.items():
            if k in old and k not in vector:
                old[k][idx] = float(v)
        _on_status(kernel, store, idx, given or [{}] * n, old, store.params, created=True)
    return gids


def _expand_given(impl, current, given: dict) -> dict:
    """What a node takes from ``given``, with the keys the model derives from it (its
    ``expand_given``: NESTML's vectors resized by a new size parameter)."""
    expand = getattr(impl, "expand_given", None)
    return given if expand is None else expand(current, given)


def _settable(kernel: Kernel, entry, key: str) -> str:
    """How a neuron takes ``key`` in Create/SetStatus: 'param' (a parameter or public state)
    or 'set_only' (passed to on_status only); NEST's UnaccessedDictionaryEntry for anything
    else (read-only state, unknown keys, the kernel's own ``__`` keys), or with
    dict_miss_is_error False a warning and 'ignored'."""
    impl = entry.impl
    if key in impl.set_only:
        return "set_only"
    if key in entry.defaults and key not in impl.readonly and not key.startswith("__"):
        return "param"
    _unaccessed(kernel, key)
    return "ignored"


def _take_frozen(d):
    """``d`` without ``frozen``, and the value given (None: none). Frozen is a node's flag,
    not a model parameter: the network keeps the frozen nodes (Network.frozen)."""
    if not isinstance(d, dict) or "frozen" not in d:
        return d, None
    return ({k: v for k, v in d.items() if k != "frozen"},
            typed_scalar("frozen", d["frozen"], False))


def _freezable(impl) -> bool:
    """Neurons jaxnest freezes as NEST does: spiking on the grid, with spike and current
    input only (their input waits in the ring buffers, engine._held_input)."""
    return impl.signal == "spike" and not (
        impl.off_grid or impl.precise_input or impl.payload_out or impl.payload_in
        or impl.secondary_in or impl.secondary_out or impl.wfr_state
        or voltage_archive.is_archiver(impl, "clopath")
        or voltage_archive.is_archiver(impl, "urbanczik")
        or eprop_archive.is_archiver(impl) or eprop_archive.is_bsshslm(impl))


def _check_freezable(entry, gid: int) -> None:
    if entry.element_type == "neuron" and _freezable(entry.impl):
        return
    if getattr(entry.impl, "kind", None) == "sampler":
        raise errors.BadProperty(f"Setting status of a '{entry.name}' with node ID {gid}: "
                                 "multimeter cannot be frozen.")
    raise errors.NotImplemented(
        f"frozen: jaxnest freezes spiking neurons on the grid only, not {entry.name} (node "
        f"{gid}): a frozen {entry.name} would be updated as if it were not.")


def _freeze(kernel: Kernel, gids, frozen) -> None:
    """Freeze (True) or thaw (False) nodes; None leaves a node as it is."""
    net = kernel.network
    for gid, f in zip(np.asarray(gids).tolist(), frozen):
        if f:
            net.frozen.add(gid)
        elif f is not None:
            net.frozen.discard(gid)
    if net.frozen and not net.frozen_ever:
        net.frozen_ever = True
        kernel.runtime.plan_key = None  # the plan gains the held input


def _unaccessed(kernel: Kernel, key: str) -> None:
    kernel.unaccessed("params, in function NodeManager::set_status", key)


def _vector(value, key: str) -> np.ndarray:
    """A vector parameter's value (a list of numbers; NEST refuses a single number)."""
    if not is_sequence(value):
        raise _cast_error(key, value, "std::vector<double>") if not hasattr(value, "sample") \
            else errors.BadProperty(f"{key!r} takes a list, not a random parameter.")
    try:
        return np.atleast_1d(np.asarray(value, dtype=float)).ravel()
    except (TypeError, ValueError):
        raise errors.TypeMismatch(f"Expected a list of numbers for {key!r}, got {value!r}.") \
            from None


def _pick(kernel: Kernel, value, i: int, n: int, default, key: str):
    """Value for device i from a dict of per-node lists, when the list is per node (PyNEST:
    a list given for a scalar parameter holds one value per node)."""
    if hasattr(value, "sample"):
        return float(value.sample(kernel.rng, 1)[0])
    scalar_param = default is not None and (np.isscalar(default) or isinstance(default, str))
    if scalar_param and is_sequence(value):
        if len(value) < n:
            raise IndexError("list index out of range")
        return value[i]
    return value


def _check_neurons(entry, values: dict, model: str, first_gid: int) -> None:
    try:
        entry.impl.validate(values)
    except errors.BadProperty as e:
        raise errors.BadProperty(f"Setting status of a '{model}' with node ID {first_gid}: "
                                 f"{e}") from None


def _set_device(kernel: Kernel, entry, status: dict, given: dict, gid: int) -> None:
    """SetStatus of one device; its BadProperty names the device as NEST's does."""
    try:
        _check_recording_set(kernel, entry, given, gid)
        _set_device_status(kernel, entry, status, given)
    except errors.BadProperty as e:
        raise errors.BadProperty(f"Setting status of a '{entry.name}' with node ID {gid}: "
                                 f"{e}") from None


def _check_recording_set(kernel: Kernel, entry, given: dict, gid: int) -> None:
    """NEST's recorders fix their time unit once the kernel has simulated, and a multimeter
    its sampling once it is connected (whatever the value given)."""
    if "time_in_steps" in given and kernel.simulated:
        raise errors.BadProperty("Property time_in_steps cannot be set after Simulate has "
                                 "been called.")
    if entry.impl.kind == "sampler" and given.keys() & {"interval", "offset", "record_from"} \
            and np.any(kernel.network.conns.column("source") == gid):
        raise errors.BadProperty("The recording interval, the interval offset and the list of "
                                 "properties to record cannot be changed after the multimeter "
                                 "has been connected to nodes.")


def _set_device_status(kernel: Kernel, entry, status: dict, given: dict) -> None:
    if entry.impl.together:
        keys, message = entry.impl.together
        if 0 < sum(k in given for k in keys) < len(keys):
            raise errors.BadProperty(message)
    if entry.impl.with_times:
        options, times, message, changed_only = entry.impl.with_times
        if times not in given and len(status[times]) and any(
                k in given and (not changed_only or given[k] != status[k]) for k in options):
            raise errors.BadProperty(message)
    new = dict(status)
    for k, v in given.items():
        if k == "n_events" and k not in entry.defaults and \
                getattr(entry.impl, "receive", None) is None:  # recorders' event log
            if v != 0:
                raise errors.BadProperty("Property n_events can only be set to 0 "
                                         "(which clears all stored events).")
            continue
        if k not in entry.defaults:
            _unaccessed(kernel, k)
            continue
        if k in entry.impl.readonly:
            raise errors.BadProperty(f"Property {k} is read-only.")
        default = entry.defaults[k]
        if isinstance(default, np.ndarray):
            v = np.asarray(v, dtype=float).ravel()
        elif isinstance(default, (bool, float)):
            v = typed_scalar(k, v, default)
        elif isinstance(default, list):
            v = [v] if isinstance(v, str) else list(v)
        new[k] = v
    if entry.impl.check is not None:
        entry.impl.check(new, kernel.resolution)
    if entry.impl.normalize is not None:
        entry.impl.normalize(new, kernel.resolution)
    if getattr(entry.impl, "at_set", None) is not None:
        entry.impl.at_set(new, kernel.resolution, kernel.step)
    status.clear()
    status.update(new)


# --- status ------------------------------------------------------------------------------
def get_status(kernel: Kernel, gid: int, keys: tuple[str, ...] = ()) -> dict:
    """A node's status as NEST shows it; with ``keys``, a dict with at least those keys
    (just them when they are a neuron's parameters or state: a script reading V_m after
    each short Simulate does not pay for the whole status)."""
    net = kernel.network
    if not 1 <= gid <= net.size:
        raise errors.UnknownNode(f"Node with id {gid} does not exist.")
    name = net.model_of(gid)
    entry = kernel.models[name]
    base = {"global_id": gid, "model": name, "element_type": entry.element_type,
            "model_id": kernel.model_ids[name]}
    if keys and all(k in base for k in keys):  # GetNodes({"element_type": ...}) per node
        return base
    if keys and gid not in net.devices and getattr(entry.impl, "to_nest", None) is None:
        defaults = {**entry.impl.params, **entry.impl.state}
        if all(k in defaults and not k.startswith("__") for k in keys):
            params, state, _ = net.neurons[name].current()
            i = net.node_local[gid]
            return {k: _reported(defaults[k], (state[k] if k in state else params[k])[i])
                    for k in keys}
    if gid in net.devices:
        dev = net.devices[gid]
        d = {**_DEVICE_COMMON, **copy.deepcopy(dev.status), **base}
        for key in _TIMES:  # NEST shows an infinite time as the largest double
            if isinstance(d.get(key), float):
                d[key] = reported_time(d[key])
        _backend_keys(d)
        d["thread_local_id"] = kernel.thread_local_id(gid)
        d.update(device_reported(kernel, entry.impl, dev.status, dev.state, dev.log))
        if dev.status.get("record_to") == "ascii":  # NEST's name from the settings now
            d["filenames"] = [ascii_path(dev.status, dev.entry.name, gid, kernel.data_path,
                                         kernel.data_prefix)]
        return d
    store = net.neurons[name]
    i = net.node_local[gid]
    d = {**_NEURON_COMMON, **base, "frozen": gid in net.frozen}
    # wfr models created while use_wfr is set (it cannot change once nodes exist)
    d["node_uses_wfr"] = bool(entry.impl.wfr_state) and bool(kernel.settings.get("use_wfr"))
    # NEST places neuron g on virtual process g % total_num_virtual_procs (one thread per vp)
    d["vp"] = d["thread"] = gid % int(kernel.settings["total_num_virtual_procs"])
    d["thread_local_id"] = kernel.thread_local_id(gid)
    defaults = {**entry.impl.params, **entry.impl.state}
    params, state, hidden = store.current()  # a read: the runtime keeps its device copies
    for table in (params, state):  # arrays hold floats; report NEST's types
        d.update({k: _reported(defaults[k], v[i]) for k, v in table.items()
                  if not k.startswith("__")})
    if entry.impl.t_spike_by_kernel:
        d["t_spike"] = float(hidden["t_spike"][i] - hidden["t_spike_offset"][i]
                             if "t_spike_offset" in hidden else hidden["t_spike"][i])
    elif not entry.impl.archiving:  # NEST's plain Node: no spike history
        del d["t_spike"], d["post_trace"]
    if "post_trace" in d:
        d["post_trace"] = post_trace(kernel, gid)
    from .structural import is_sp_node, node_status  # Ca, synaptic elements (NEST's SP node)
    if is_sp_node(entry.impl):
        d.update(node_status(kernel, gid))
    counts = entry.impl.receptor_counts(params)
    d["recordables"] = list(entry.impl.recordables_for(
        None if counts is None else int(counts[i])))
    if counts is not None:
        d.update(entry.impl.status_extras(d, bool(spike_connected(kernel, np.array([gid]))[0])))
    return neuron_view(entry.impl, d)


def device_reported(kernel: Kernel, impl, status: dict, state: dict, log) -> dict:
    """The read-only keys a device computes (y_0, histogram, ...) and a recorder's events
    (in the memory backend only, as NEST) and their count; ``log`` None: a model's defaults
    (an empty state; NEST shows empty float senders and times there, whatever the model
    records)."""
    d = {}
    report = getattr(impl, "report", None)
    if report is not None:
        d.update(report(status, state, kernel.step, kernel.resolution))
    if impl.kind in ("spike_recorder", "sampler", "weight_recorder") and \
            getattr(impl, "receive", None) is None:
        if status["record_to"] == "memory":
            d["events"] = _events(impl, status, log) if log is not None else \
                {"senders": np.zeros(0), "times": np.zeros(0)}
        d["n_events"] = log.n if log is not None else 0
    return d


def recorded_events(kernel: Kernel, gid: int) -> dict:
    """A recording device's events as its memory backend shows them (whatever it records
    to: batched runs read them per member)."""
    dev = kernel.network.devices[gid]
    return _events(dev.entry.impl, dev.status, dev.log)


def _events(impl, status: dict, log) -> dict:
    keys = list(status.get("record_from", [])) + list(impl.event_keys)
    return log.events(keys, bool(status.get("time_in_steps")))


def _backend_keys(d: dict) -> None:
    """A recorder shows its backend's properties only: ascii has ``precision`` and
    ``file_extension``, screen ``precision``, memory neither."""
    to = d.get("record_to")
    if to is not None:
        if to != "ascii":
            d.pop("file_extension", None)
        if to not in ("ascii", "screen"):
            d.pop("precision", None)


def neuron_view(impl, d: dict) -> dict:
    """A neuron's flat status (or defaults) as NEST shows it: with its ``receptor_types``,
    compartment keys nested (iaf_cond_alpha_mc)."""
    if impl.receptor_types:
        d["receptor_types"] = dict(impl.receptor_types)
    to_nest = getattr(impl, "to_nest", None)
    return to_nest(d) if to_nest is not None else d


def spike_connected(kernel: Kernel, gids: np.ndarray) -> np.ndarray:
    """Which of these neurons receive connections that carry spikes (NEST's
    ``has_connections`` of multisynapse models). The targets are found once per structure
    of the network (a status read per neuron scanned all connections: GetNodes at NEST's
    brunel_exp_multisynapse scale, 12,500 neurons by 15.6M connections, did not finish)."""
    conns = kernel.network.conns
    cached = kernel._spike_targets
    if cached is None or cached[0] is not conns or cached[1] != conns.version:
        source = conns.column("source")
        src = np.unique(source)
        devices = kernel.network.devices
        spiking = np.array([g not in devices or devices[g].entry.impl.kind in
                            ("spike_source", "poisson") for g in src.tolist()], dtype=bool)
        targets = np.unique(conns.column("target")[np.isin(source, src[spiking])])
        cached = kernel._spike_targets = (conns, conns.version, targets)
    return np.isin(gids, cached[2])


def _reported(default, value):
    """A stored value as NEST reports it: bools and integers as such (the type of the
    model's default), vectors without their padding."""
    if np.ndim(value) == 1:
        return value[~np.isnan(value)].copy()
    if isinstance(default, (bool, int)):
        return type(default)(value)
    return float(value)


def set_status(kernel: Kernel, gids: np.ndarray, params: list[dict]) -> None:
    """Apply one dict per node (already expanded by the API layer)."""
    net = kernel.network
    params, frozen = zip(*[_take_frozen(d) for d in params]) if params else ((), ())
    by_model: dict[str, list[int]] = {}
    for j, gid in enumerate(gids.tolist()):
        if not 1 <= gid <= net.size:
            raise errors.UnknownNode(f"Node with id {gid} does not exist.")
        if frozen[j]:
            _check_freezable(kernel.models[net.model_of(gid)], gid)
        if gid in net.devices:
            dev = net.devices[gid]
            before = device_signature(dev)
            _set_device(kernel, dev.entry, dev.status, params[j], gid)
            on_set = getattr(dev.entry.impl, "on_set", None)
            if on_set is not None:  # a device whose state depends on which keys were set
                on_set(dev.status, dev.state, params[j])
            if params[j].get("n_events", None) == 0:
                dev.log.clear()
            if device_signature(dev) != before:  # recorder/generator wiring changed
                kernel.runtime.plan_key = None
        else:
            by_model.setdefault(net.model_of(gid), []).append(j)
    from . import structural  # Ca, synaptic elements: kept apart from the model's state
    for name, js in by_model.items():
        split = [structural.split_params(params[j]) if structural.is_sp_node(
            kernel.models[name].impl) else (params[j], {}) for j in js]
        _set_neurons(kernel, name, gids[js], [m for m, _ in split])
        if any(p for _, p in split):
            structural.set_nodes(kernel, gids[js], [p for _, p in split])
    _freeze(kernel, gids, frozen)


def _set_neurons(kernel: Kernel, name: str, gids: np.ndarray, params: list[dict]) -> None:
    net = kernel.network
    store = net.neurons[name]
    entry = store.entry
    idx = net.node_local[gids]
    cur_p, cur_s, _ = store.current()
    params = [_from_nest(entry.impl, d) for d in params]
    if getattr(entry.impl, "expand_given", None) is not None:
        defaults = {**entry.impl.params, **entry.impl.state}
        params = [_expand_given(entry.impl, lambda k, i=i: _reported(
            defaults[k], (cur_p[k] if k in cur_p else cur_s[k])[i]), d)
            for i, d in zip(idx, params)]
    # only state given (hh_phaseplane sets V_m and gating variables before each of its 6,000
    # runs): the parameters stay as they are, checked when they were set
    params_given = any(k in cur_p for d in params for k in d)
    new_p = {k: v.copy() for k, v in cur_p.items()} if params_given else cur_p
    new_s = {k: v.copy() for k, v in cur_s.items()}
    for i, d in zip(idx, params):
        for k, v in d.items():
            if _settable(kernel, entry, k) != "param":
                continue
            table = new_p if k in new_p else new_s
            if k in store.vector:
                v = _vector(v, k)
                table[k] = widen(table[k], v.size)
                table[k][i] = np.nan
                table[k][i, :v.size] = v
            else:
                table[k][i] = typed_scalar(k, v, entry.defaults[k])
    try:
        old_counts = entry.impl.receptor_counts(cur_p) if params_given else None
        if old_counts is not None:
            changed = entry.impl.receptor_counts(new_p)[idx] != old_counts[idx]
            if changed.any():
                entry.impl.check_ports_change(spike_connected(kernel, gids[changed]))
        if params_given:
            entry.impl.validate({k: v[idx] for k, v in new_p.items()})
        if entry.impl.on_set is not None:
            keys = set().union(*[d.keys() for d in params])
            new_s = entry.impl.on_set(cur_p, new_p, new_s, keys)
    except errors.BadProperty as e:
        raise errors.BadProperty(f"Setting status of a '{name}' with node ID "
                                 f"{int(gids[0])}: {e}") from None
    if params_given:  # only then: the runtime keeps the device copy of unchanged parameters
        store.params = new_p
    store.state = new_s
    _on_status(kernel, store, idx, params, cur_p, new_p)


def _on_status(kernel: Kernel, store, idx: np.ndarray, given: list, old_params: dict,
               params: dict, created: bool = False) -> None:
    """Let the model change state and hidden state as NEST's set_status does."""
    impl = store.entry.impl
    if impl.on_status is None:
        return
    state = {k: v.copy() for k, v in store.state.items()}
    hidden = {k: v.copy() for k, v in store.hidden.items()}
    impl.on_status(StatusUpdate(idx=np.asarray(idx), given=list(given), old_params=old_params,
                                params=params, state=state, hidden=hidden,
                                h=kernel.resolution, created=created))
    store.state, store.hidden = state, hidden
