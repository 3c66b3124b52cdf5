"""Connect, GetConnections and connection status (build side, numpy).

The connection rules themselves are in ``jaxnest.connect.rules``; this module resolves the
synapse spec (model, weight, delay, receptor_type as scalars, arrays or random parameters),
checks what NEST checks (delays on the grid, which node kinds may connect) and appends columns.
"""
from __future__ import annotations

import numpy as np

from .. import errors
from ..connect import rules
from .kernel import Kernel
from .network import ConnTable, check_memory

_SENDS = {"neuron": {"spike"}, "spike_source": {"spike"}, "poisson": {"spike"},
          "current": {"current"}, "sampler": {"sample"}, "spike_recorder": set()}
_RECEIVES = {"neuron": {"spike", "current", "sample"}, "spike_recorder": {"spike"},
             "spike_source": set(), "poisson": set(), "current": set(), "sampler": set()}


def _kind(kernel: Kernel, gid: int) -> str:
    dev = kernel.network.devices.get(gid)
    return dev.entry.impl.kind if dev is not None else "neuron"


def synapse_names(kernel: Kernel) -> list[str]:
    return sorted(n for n, e in kernel.models.items() if e.is_synapse)


def _resolve_syn_spec(kernel: Kernel, syn_spec) -> tuple[str, dict]:
    if syn_spec is None:
        syn_spec = {}
    if isinstance(syn_spec, str):
        syn_spec = {"synapse_model": syn_spec}
    if not isinstance(syn_spec, dict):
        raise errors.BadProperty(f"syn_spec must be a dict or a synapse model name, "
                                 f"got {type(syn_spec).__name__}.")
    name = syn_spec.get("synapse_model", "static_synapse")
    entry = kernel.model(name, synapse=True)
    values = dict(entry.defaults)
    for k, v in syn_spec.items():
        if k == "synapse_model":
            continue
        if k not in values:
            raise errors.UnaccessedDictionaryEntry(
                f"Unaccessed elements in syn_spec, in function connect:  {k}")
        values[k] = v
    return name, values


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
    range: an array of them cost 0.1-0.4 s at 15.6M connections)."""
    if isinstance(conn_spec, str):
        conn_spec = {"rule": conn_spec}
    conn_spec = dict(conn_spec if conn_spec is not None else {"rule": "all_to_all"})
    rule = conn_spec.pop("rule", None)  # a dict without 'rule' is PyNEST's KeyError
    name, values = _resolve_syn_spec(kernel, syn_spec)
    _check_kinds(kernel, pre, post)
    _check_room(rule, conn_spec, pre.size, post.size)
    src, tgt = rules.connect(rule, conn_spec, pre, post, kernel.rng)
    n = src.size
    weight = _values(kernel, values["weight"], n, "weight")
    steps = kernel.delay_steps(_values(kernel, values["delay"], n, "delay"))
    if n and np.min(steps) < 1:
        raise errors.BadDelay(f"Delay must be greater than or equal to resolution "
                              f"({kernel.resolution} ms).")
    receptor = np.asarray(_values(kernel, values["receptor_type"], n, "receptor_type"),
                          dtype=np.int32)
    _check_receptors(kernel, tgt, weight, receptor)
    table = kernel.network.conns
    first = len(table)
    table.append(dict(source=src, target=tgt, weight=weight, delay=steps * kernel.ms_per_step,
                      syn=synapse_names(kernel).index(name), receptor=receptor))
    return range(first, first + n)


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


def _check_kinds(kernel: Kernel, pre: np.ndarray, post: np.ndarray) -> None:
    """Reject pairs of node kinds NEST cannot connect (e.g. a neuron into a dc_generator)."""
    net = kernel.network
    for gids in (pre, post):
        if gids.size and (gids.min() < 1 or gids.max() > net.size):
            raise errors.UnknownNode("Connect: node does not exist.")
    pre_kinds = {_kind(kernel, int(g)) for g in _kind_samples(net, pre)}
    post_kinds = {_kind(kernel, int(g)) for g in _kind_samples(net, post)}
    for a in pre_kinds:
        for b in post_kinds:
            if not _SENDS[a] & _RECEIVES[b]:
                raise errors.IllegalConnection(
                    f"Creation of connection is not possible because:\n"
                    f"{_name_of_kind(kernel, pre, a)} cannot send events that "
                    f"{_name_of_kind(kernel, post, b)} can receive.")


def _kind_samples(net, gids: np.ndarray) -> np.ndarray:
    """Devices among gids (each once), plus one neuron if there is one (all neurons share a
    kind); vectorised: a spatial Connect passes one id per connection."""
    is_dev = np.isin(gids, np.fromiter(net.devices, dtype=np.int64, count=len(net.devices)))
    return np.concatenate([np.unique(gids[is_dev]), gids[~is_dev][:1]]).astype(np.int64)


def _name_of_kind(kernel: Kernel, gids: np.ndarray, kind: str) -> str:
    for g in gids.tolist():
        if _kind(kernel, g) == kind:
            return kernel.network.model_of(g)
    return kind


def _check_receptors(kernel: Kernel, tgt: np.ndarray, weight, receptor) -> None:
    """Let each target model reject receptor types it lacks, at Connect time (as NEST)."""
    if not receptor.any():  # receptor 0 exists in every model
        return
    net = kernel.network
    store_of = np.zeros(net.size + 1, dtype=np.int32)  # gid -> 1 + index of its store
    stores = list(net.neurons.values())
    for i, store in enumerate(stores):
        store_of[store.gids] = i + 1
    code = store_of[tgt]
    weight = np.broadcast_to(weight, tgt.shape)
    receptor = np.broadcast_to(receptor, tgt.shape)
    for i, store in enumerate(stores):
        sel = code == i + 1
        if sel.any():
            store.entry.impl.channel(weight[sel], receptor[sel])


# --- queries -------------------------------------------------------------------------------
def find(kernel: Kernel, source=None, target=None, synapse_model=None) -> np.ndarray:
    """Indices of the connections matching the filters, in NEST's order: by synapse model,
    then creation order (sorted by source once the network has been simulated)."""
    cols = kernel.network.conns.cols
    sel = np.ones(len(cols["source"]), dtype=bool)
    if source is not None:
        sel &= np.isin(cols["source"], source)
    if target is not None:
        sel &= np.isin(cols["target"], target)
    if synapse_model is not None:
        kernel.model(synapse_model, synapse=True)
        sel &= cols["syn"] == synapse_names(kernel).index(synapse_model)
    idx = np.flatnonzero(sel)
    keys = (cols["source"][idx], cols["syn"][idx]) if kernel.simulated else (cols["syn"][idx],)
    return idx[np.lexsort(keys)]


def get(kernel: Kernel, idx: np.ndarray, key: str) -> np.ndarray | list:
    cols = kernel.network.conns.cols
    names = synapse_names(kernel)
    if key in ("source", "target", "weight", "delay"):
        return cols[key][idx]
    if key == "receptor":
        return cols["receptor"][idx]
    if key == "synapse_model":
        return [names[s] for s in cols["syn"][idx]]
    if key == "synapse_id":
        return cols["syn"][idx].astype(np.int64)
    if key in ("target_thread",):
        return np.zeros(idx.size, dtype=np.int64)
    if key == "port":
        return _ports(cols, idx)
    if key == "sizeof":
        return np.full(idx.size, 32, dtype=np.int64)
    raise errors.KeyError(f"Connection has no property {key!r}.")


CONN_KEYS = ("delay", "port", "receptor", "sizeof", "source", "synapse_id", "synapse_model",
             "target", "target_thread", "weight")


def _ports(cols, idx: np.ndarray) -> np.ndarray:
    """NEST's port: the connection's position among its source's connections of its model."""
    src, syn = cols["source"], cols["syn"]
    order = np.lexsort((np.arange(src.size), src, syn))
    key = src[order] * 1000 + syn[order]
    start = np.r_[0, np.flatnonzero(key[1:] != key[:-1]) + 1]
    pos = np.arange(src.size) - np.repeat(start, np.diff(np.r_[start, src.size]))
    port = np.empty(src.size, dtype=np.int64)
    port[order] = pos
    return port[idx]


def set_values(kernel: Kernel, idx: np.ndarray, key: str, value) -> None:
    table = kernel.network.conns
    cols = table.cols
    if key == "weight":
        cols["weight"][idx] = _column(kernel, value, idx.size, key)
    elif key == "delay":
        steps = kernel.delay_steps(_column(kernel, value, idx.size, key))
        if idx.size and steps.min() < 1:
            raise errors.BadDelay("Delay must be greater than or equal to resolution.")
        cols["delay"][idx] = steps * kernel.ms_per_step
    elif key in CONN_KEYS:
        raise errors.BadProperty(f"Connection property {key} cannot be set.")
    else:
        raise errors.UnaccessedDictionaryEntry(
            f"Unaccessed elements in params, in function set_status:  {key}")
    table.version += 1
