"""GetStatus, SetStatus, GetDefaults, SetDefaults, CopyModel and model lists."""
from __future__ import annotations

import copy

from .. import errors
from . import _state
from .node_collection import NodeCollection
from .connect import GetConnections
from .synapse_collection import SynapseCollection


def GetStatus(nodes, keys=None, output: str = ""):
    """Deprecated PyNEST form: a tuple with one status (or value) per node or connection."""
    if isinstance(nodes, SynapseCollection):
        items = [nodes[i] for i in range(len(nodes))]
        if keys is None:
            return tuple(c.get() for c in items)
        return tuple(c.get(keys) for c in items)
    if not isinstance(nodes, NodeCollection):
        raise TypeError("The first input (nodes) must be NodeCollection or SynapseCollection.")
    result = []
    for nc in nodes:
        if keys is None:
            result.append(nc.get())
        elif isinstance(keys, str):
            result.append(nc.get(keys))
        else:
            d = nc.get(list(keys))
            result.append(tuple(d[k] for k in keys))
    return tuple(result)


def SetStatus(nodes, params, val=None) -> None:
    """Deprecated PyNEST form: SetStatus(nodes, dict | list of dicts) or (nodes, key, value)."""
    if isinstance(params, str):
        params = {params: val}
    if isinstance(params, (list, tuple)) and len(params) == 1 and len(nodes) > 1:
        params = params[0]
    nodes.set(params)


def GetDefaults(model: str, keys=None, output: str = ""):
    entry = _state.kernel().model(model)
    d = copy.deepcopy(entry.defaults)
    if entry.is_synapse:  # NEST's synapse defaults: synapse_model/synapse_modelid
        from ..kernel.connections import synapse_names
        d.update(synapse_model=model, element_type=entry.element_type,
                 synapse_modelid=synapse_names(_state.kernel()).index(model),
                 num_connections=len(GetConnections(synapse_model=model)), has_delay=True,
                 requires_symmetric=False, sizeof=32, weight_recorder=NodeCollection())
    else:
        d.update(model=model, element_type=entry.element_type,
                 model_id=list(_state.kernel().models).index(model))
    if not entry.is_synapse and entry.element_type == "neuron":
        d["recordables"] = list(entry.impl.recordables)
    if keys is None:
        return d
    if isinstance(keys, str):
        if keys not in d:
            raise errors.KeyError(f"'{keys}' is not a default of {model}.")
        return d[keys]
    return tuple(d[k] for k in keys)


def SetDefaults(model: str, params, val=None) -> None:
    if isinstance(params, str):
        params = {params: val}
    _state.kernel().set_defaults(model, dict(params))


def CopyModel(existing: str, new: str, params: dict | None = None) -> None:
    _state.kernel().copy_model(existing, new, params)


def _names(kind: str) -> tuple[str, ...]:
    models = _state.kernel().models
    if kind == "synapses":
        return tuple(sorted(n for n, e in models.items() if e.is_synapse))
    return tuple(sorted(n for n, e in models.items() if not e.is_synapse))


def Models(mtype: str = "all", sel: str | None = None) -> tuple[str, ...]:
    if mtype not in ("all", "nodes", "synapses"):
        raise ValueError("mtype has to be one of 'all', 'nodes', or 'synapses'")
    names = _names("nodes") + _names("synapses") if mtype == "all" else _names(mtype)
    if sel is not None:
        names = tuple(n for n in names if sel in n)
    return tuple(sorted(names))
