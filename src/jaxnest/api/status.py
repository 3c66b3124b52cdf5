"""GetStatus, SetStatus, GetDefaults, SetDefaults, CopyModel and model lists."""
from __future__ import annotations

import copy

import numpy as np

from .. import errors
from .. import units as unit_table
from ..jaxenv import scoped
from ..synapses.base import NODE_PROPS
from . import _state, _units
from .node_collection import NodeCollection
from .connect import GetConnections
from .synapse_collection import SynapseCollection


@scoped
def GetStatus(nodes, keys=None, output: str = "", units: bool = False):
    """Deprecated PyNEST form: a tuple with one status (or value) per node or connection,
    built from ``get`` as PyNEST 3.10 builds it (NEST 3.9's format); ``units=True`` as in
    ``get``."""
    if isinstance(nodes, SynapseCollection):
        items = [nodes[i] for i in range(len(nodes))]
        if keys is None:
            result = tuple(c.get(units=units) for c in items)
        else:
            result = tuple(c.get(keys, units=units) for c in items)
        return to_json(result) if output == "json" else result
    if not isinstance(nodes, NodeCollection):
        raise TypeError("The first input (nodes) must be NodeCollection or SynapseCollection.")
    if len(nodes) == 0:
        return "[]" if output == "json" else tuple()
    if keys:
        result = nodes.get(keys, units=units)
        if isinstance(keys, str):
            if len(nodes) == 1:
                result = (result,)
        elif len(nodes) == 1:
            result = (tuple(result.values()),)
        else:
            result = tuple(zip(*result.values()))
    else:
        result = nodes.get(units=units)
        if len(nodes) == 1:
            result = (result,)
        else:
            result = tuple({k: v[j] for k, v in result.items()} for j in range(len(nodes)))
    return to_json(result) if output == "json" else result


def serialize_data(data):
    """PyNEST's serialize_data: plain Python values that json can encode."""
    import numpy as np
    if isinstance(data, (np.ndarray, NodeCollection)):
        return serialize_data(data.tolist())
    if isinstance(data, SynapseCollection):
        return serialize_data(data.get())
    if isinstance(data, np.generic):
        return data.item()
    if isinstance(data, (list, tuple)):
        return [serialize_data(d) for d in data]
    if isinstance(data, dict):
        return {serialize_data(k): serialize_data(v) for k, v in data.items()}
    return data


def to_json(data, **kwargs) -> str:
    """PyNEST's to_json: ``json.dumps`` of the serialized data."""
    import json
    return json.dumps(serialize_data(data), **kwargs)


@scoped
def SetStatus(nodes, params, val=None) -> None:
    """Deprecated PyNEST form: SetStatus(nodes, dict | list of dicts) or (nodes, key, value)."""
    if isinstance(params, str):
        params = {params: val}
    if isinstance(params, (list, tuple)) and len(params) == 1 and len(nodes) > 1:
        params = params[0]
    nodes.set(params)


def _model(model: str):
    """The model entry; GetDefaults and SetDefaults name an unknown one NEST's way."""
    try:
        return _state.kernel().model(model)
    except (errors.UnknownModelName, errors.UnknownSynapseType):
        raise errors.UnknownComponent(f"{model} is not a known component.") from None


@scoped
def GetDefaults(model: str, keys=None, output: str = "", units: bool = False):
    """A model's defaults (all, one key, or a tuple for several); ``units=True`` gives
    dimensioned values as brainunit quantities in NEST's units."""
    from ..kernel.nodes import _TIMES, _backend_keys, device_reported, model_node_keys, \
        neuron_view, reported_time
    k = _state.kernel()
    entry = _model(model)
    d = {k: v for k, v in copy.deepcopy(entry.defaults).items()
         if not k.startswith("__")}  # the kernel's (e-prop models' __eprop_* settings)
    if entry.is_synapse:  # NEST's synapse defaults: synapse_model/synapse_modelid
        d.update(synapse_model=model, element_type=entry.element_type,
                 synapse_modelid=k.model_ids[model],
                 num_connections=len(GetConnections(synapse_model=model)),
                 has_delay=getattr(entry.impl, "has_delay", True),
                 requires_symmetric=getattr(entry.impl, "requires_symmetric", False),
                 sizeof=32)
        d.update({key: NodeCollection([d[key]] if d[key] else [])  # node ids as NEST shows them
                  for key in NODE_PROPS if key in d})
        d.update({alias: d[key] for alias, key in entry.impl.aliases.items() if key in d})
    else:
        d.update(model=model, element_type=entry.element_type, model_id=k.model_ids[model])
    if not entry.is_synapse and entry.element_type == "neuron":
        from ..kernel.structural import is_sp_node, model_defaults  # Ca, synaptic elements
        if is_sp_node(entry.impl):
            d.update(model_defaults(k, model))
        d = {**model_node_keys(k, entry, model), **d}
        d["recordables"] = list(entry.impl.default_recordables(entry.defaults))
        d.update({key: np.array(d[key], dtype=float) for key in entry.impl.vector_params})
        d = neuron_view(entry.impl, d)
    elif not entry.is_synapse:
        d.update(device_reported(k, entry.impl, d, {}, None))
        d.update({key: reported_time(d[key]) for key in _TIMES
                  if isinstance(d.get(key), float)})
        _backend_keys(d)
    if units:
        d = unit_table.status_as_quantities(d, _units.model_key(model))
    if keys is None:
        result = d
    elif not isinstance(keys, str) and not hasattr(keys, "__iter__"):
        raise KeyError(keys)
    elif isinstance(keys, str):
        if keys not in d:
            raise errors.KeyError(f"'{keys}' is not a default of {model}.")
        result = d[keys]
    else:
        result = [d[key] for key in keys]  # NEST: a list
    return to_json(result) if output == "json" else result


@scoped
def SetDefaults(model: str, params, val=None) -> None:
    if val is None:
        if not isinstance(params, dict):
            raise TypeError("params must be dictionary unless val is given.")
        if not params:
            return
    elif isinstance(params, str):
        params = {params: val}
    else:
        raise TypeError("If val is given, params must be string giving the parameter name.")
    defaults = _model(model).defaults
    params = unit_table.params_to_nest(params, _units.model_key(model))

    def sequence(v):
        return isinstance(v, (list, tuple)) or (hasattr(v, "__len__") and hasattr(v, "dtype"))

    for k, v in params.items():  # PyNEST: lists only for list-valued parameters
        if hasattr(v, "sample") or (sequence(v) and k in defaults and not sequence(defaults[k])
                                    and not isinstance(defaults[k], str)):
            raise ValueError("SetDefaults() accepts only explicit, single parameter values.")
    _state.kernel().set_defaults(model, dict(params))


@scoped
def CopyModel(existing: str, new: str, params: dict | None = None) -> None:
    params = unit_table.params_to_nest(params, _units.model_key(existing))
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
