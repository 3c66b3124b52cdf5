"""Creating nodes and reading/writing their status (build side, numpy).

Values a user passes may be scalars, one value per node (list/array), or random parameters
(anything with ``sample(rng, n)``); they are expanded here to one array per key.
"""
from __future__ import annotations

import copy

import numpy as np

from .. import errors
from .kernel import Kernel
from ..models.base import ARCHIVING
from .network import pad_rows, widen

# Keys every node reports, beyond its model's parameters and state.
_NEURON_COMMON = {"frozen": False, "local": True, "node_uses_wfr": False, "thread": 0, "vp": 0,
                  "post_trace": 0.0,
                  "thread_local_id": -1, "t_spike": -1.0}
_DEVICE_COMMON = {"frozen": False, "local": True, "node_uses_wfr": False, "thread": 0, "vp": 0,
                  "thread_local_id": -1}


def _per_node(value, n: int, kernel: Kernel, key: str) -> np.ndarray:
    """One float per node from a scalar, a length-n sequence or a random parameter."""
    if hasattr(value, "sample"):
        return np.asarray(value.sample(kernel.rng, n), dtype=float)
    arr = np.asarray(value, dtype=float) if not isinstance(value, str) else None
    if arr is None or arr.ndim > 1 or (arr.ndim == 1 and arr.size != n):
        raise errors.BadProperty(f"Value of {key!r} must be a number, one number per node or a "
                                 f"random parameter; got {value!r}.")
    return np.broadcast_to(arr, (n,)).copy()


def create(kernel: Kernel, model: str, n: int, params) -> np.ndarray:
    """Create ``n`` nodes of ``model``; returns their global ids."""
    entry = kernel.model(model, synapse=False)
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise errors.BadProperty("Create: number of nodes must be an integer > 0.")
    n = int(n)
    off_grid = bool(getattr(entry.impl, "off_grid", False))  # NEST's is_off_grid
    dicts = params if isinstance(params, (list, tuple)) else None
    if dicts is not None and len(dicts) != n:
        raise errors.BadProperty("Create: list of parameter dicts must have one dict per node.")
    if entry.element_type == "neuron":
        vector = entry.impl.vector_params
        values = {k: [_vector(v, k)] * n if k in vector else np.full(n, float(v))
                  for k, v in entry.defaults.items()}
        if dicts is not None:
            for i, d in enumerate(dicts):
                for k, v in d.items():
                    _known(entry, k)
                    values[k][i] = _vector(v, k) if k in vector else float(v)
        elif params:
            for k, v in params.items():
                _known(entry, k)
                # a list for a vector parameter is one value for all nodes (as PyNEST)
                values[k] = [_vector(v, k)] * n if k in vector else _per_node(v, n, kernel, k)
        _check_neurons(entry, {k: pad_rows(v) if k in vector else v for k, v in values.items()},
                       model, kernel.network.size + 1)
        gids = kernel.network.add_neurons(entry, n, values)
        if off_grid:  # models that emit precise spike times switch on off-grid spiking
            kernel.settings["off_grid_spiking"] = True
        return gids
    statuses = [copy.deepcopy(entry.defaults) for _ in range(n)]
    for i, st in enumerate(statuses):
        given = dicts[i] if dicts is not None else (params or {})
        _set_device(kernel, entry, st, {k: _pick(kernel, v, i, n, entry.defaults.get(k))
                                        for k, v in given.items()})
    gids = kernel.network.add_devices(entry, statuses)
    if off_grid:
        kernel.settings["off_grid_spiking"] = True
    return gids


def _vector(value, key: str) -> np.ndarray:
    """A vector parameter's value (one float per receptor port)."""
    try:
        return np.atleast_1d(np.asarray(value, dtype=float)).ravel()
    except (TypeError, ValueError):
        raise errors.TypeMismatch(f"Expected a list of numbers for {key!r}, got {value!r}.") \
            from None


def _pick(kernel: Kernel, value, i: int, n: int, default):
    """Value for device i from a dict of per-node lists, when the list is per node."""
    if hasattr(value, "sample"):
        return float(value.sample(kernel.rng, 1)[0])
    scalar_param = default is None or np.isscalar(default) or isinstance(default, str)
    if scalar_param and isinstance(value, (list, tuple, np.ndarray)) and len(value) == n:
        return value[i]
    return value


def _known(entry, key: str) -> None:
    if key not in entry.defaults:
        raise errors.UnaccessedDictionaryEntry(
            f"Unaccessed elements in params, in function NodeManager::set_status:  {key}")


def _check_archiving(values: dict) -> None:
    """NEST's ArchivingNode: the STDP trace time constants must be positive."""
    if any(k in values and np.any(np.asarray(values[k]) <= 0.0) for k in ARCHIVING):
        raise errors.BadProperty("All time constants must be strictly positive.")


def _check_neurons(entry, values: dict, model: str, first_gid: int) -> None:
    check = entry.impl.check
    try:
        if check is not None:
            check(values)
        _check_archiving(values)
    except errors.BadProperty as e:
        raise errors.BadProperty(f"Setting status of a '{model}' with node ID {first_gid}: "
                                 f"{e}") from None


def _set_device(kernel: Kernel, entry, status: dict, given: dict) -> None:
    new = dict(status)
    for k, v in given.items():
        if k == "n_events" and k not in entry.defaults and \
                getattr(entry.impl, "receive", None) is None:  # recorders' event log
            if v != 0:
                raise errors.BadProperty("Property n_events can only be set to 0 "
                                         "(which clears all stored events).")
            continue
        if k not in entry.defaults:
            raise errors.UnaccessedDictionaryEntry(
                f"Unaccessed elements in params, in function NodeManager::set_status:  {k}")
        if k in entry.impl.readonly:
            raise errors.BadProperty(f"Property {k} is read-only.")
        default = entry.defaults[k]
        if isinstance(default, np.ndarray):
            v = np.asarray(v, dtype=float).ravel()
        elif isinstance(default, bool):
            v = bool(v)
        elif isinstance(default, float):
            v = float(v)
        elif isinstance(default, list):
            v = [v] if isinstance(v, str) else list(v)
        new[k] = v
    if entry.impl.check is not None:
        entry.impl.check(new, kernel.resolution)
    if entry.impl.normalize is not None:
        entry.impl.normalize(new, kernel.resolution)
    status.clear()
    status.update(new)


# --- status ------------------------------------------------------------------------------
def get_status(kernel: Kernel, gid: int) -> dict:
    net = kernel.network
    if not 1 <= gid <= net.size:
        raise errors.UnknownNode(f"Node with id {gid} does not exist.")
    name = net.model_of(gid)
    entry = kernel.models[name]
    base = {"global_id": gid, "model": name, "element_type": entry.element_type,
            "model_id": list(kernel.models).index(name)}
    if gid in net.devices:
        dev = net.devices[gid]
        d = {**_DEVICE_COMMON, **copy.deepcopy(dev.status), **base}
        report = getattr(entry.impl, "report", None)
        if report is not None:  # read-only keys a device computes (y_0, histogram, ...)
            d.update(report(dev.status, dev.state, kernel.step, kernel.resolution))
        if entry.impl.kind in ("spike_recorder", "sampler", "weight_recorder") and \
                getattr(entry.impl, "receive", None) is None:
            keys = list(dev.status.get("record_from", [])) + list(entry.impl.event_keys)
            d["events"] = dev.log.events(keys, bool(dev.status.get("time_in_steps")))
            d["n_events"] = dev.log.n
            if dev.status["record_to"] == "ascii":
                d["filenames"] = [dev.ascii_path] if dev.ascii_path else []
        return d
    store = net.neurons[name]
    i = net.node_local[gid]
    d = {**_NEURON_COMMON, **base}
    # NEST places neuron g on virtual process g % total_num_virtual_procs (one thread per vp)
    d["vp"] = d["thread"] = gid % int(kernel.settings["total_num_virtual_procs"])
    defaults = {**entry.impl.params, **entry.impl.state}
    for table in (store.params, store.state):  # arrays hold floats; report NEST's types
        d.update({k: _reported(defaults[k], v[i]) for k, v in table.items()})
    counts = entry.impl.receptor_counts(store.params)
    d["recordables"] = list(entry.impl.recordables_for(
        None if counts is None else int(counts[i])))
    if counts is not None:
        d.update(entry.impl.status_extras(d, bool(spike_connected(kernel, np.array([gid]))[0])))
    return d


def spike_connected(kernel: Kernel, gids: np.ndarray) -> np.ndarray:
    """Which of these neurons receive connections that carry spikes (NEST's
    ``has_connections`` of multisynapse models)."""
    cols = kernel.network.conns.cols
    into = np.isin(cols["target"], gids)
    src = np.unique(cols["source"][into])
    devices = kernel.network.devices
    spiking = np.array([g not in devices or devices[g].entry.impl.kind in
                        ("spike_source", "poisson") for g in src.tolist()], dtype=bool)
    sel = into & np.isin(cols["source"], src[spiking])
    return np.isin(gids, cols["target"][sel])


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
    by_model: dict[str, list[int]] = {}
    for j, gid in enumerate(gids.tolist()):
        if not 1 <= gid <= net.size:
            raise errors.UnknownNode(f"Node with id {gid} does not exist.")
        if gid in net.devices:
            dev = net.devices[gid]
            _set_device(kernel, dev.entry, dev.status, params[j])
            on_set = getattr(dev.entry.impl, "on_set", None)
            if on_set is not None:  # a device whose state depends on which keys were set
                on_set(dev.status, dev.state, params[j])
            if params[j].get("n_events", None) == 0:
                dev.log.clear()
            kernel.runtime.plan_key = None  # recorder/generator wiring may change
        else:
            by_model.setdefault(net.model_of(gid), []).append(j)
    for name, js in by_model.items():
        _set_neurons(kernel, name, gids[js], [params[j] for j in js])


def _set_neurons(kernel: Kernel, name: str, gids: np.ndarray, params: list[dict]) -> None:
    net = kernel.network
    store = net.neurons[name]
    entry = store.entry
    idx = net.node_local[gids]
    new_p = {k: v.copy() for k, v in store.params.items()}
    new_s = {k: v.copy() for k, v in store.state.items()}
    for i, d in zip(idx, params):
        for k, v in d.items():
            table = new_p if k in new_p else new_s if k in new_s else None
            if table is None:
                if k == "frozen":  # NEST rejects every other read-only key
                    continue
                raise errors.UnaccessedDictionaryEntry(
                    f"Unaccessed elements in params, in function "
                    f"NodeManager::set_status:  {k}")
            if k in store.vector:
                v = _vector(v, k)
                table[k] = widen(table[k], v.size)
                table[k][i] = np.nan
                table[k][i, :v.size] = v
            else:
                table[k][i] = float(v)
    try:
        old_counts = entry.impl.receptor_counts(store.params)
        if old_counts is not None:
            changed = entry.impl.receptor_counts(new_p)[idx] != old_counts[idx]
            if changed.any():
                entry.impl.check_ports_change(spike_connected(kernel, gids[changed]))
        if entry.impl.check is not None:
            entry.impl.check({k: v[idx] for k, v in new_p.items()})
        _check_archiving({k: new_p[k][idx] for k in ARCHIVING if k in new_p})
        if entry.impl.on_set is not None:
            keys = set().union(*[d.keys() for d in params])
            new_s = entry.impl.on_set(store.params, new_p, new_s, keys)
    except errors.BadProperty as e:
        raise errors.BadProperty(f"Setting status of a '{name}' with node ID "
                                 f"{int(gids[0])}: {e}") from None
    store.params, store.state = new_p, new_s
