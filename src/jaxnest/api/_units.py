"""Quantities at the API boundary: which model a value belongs to, and what a weight's targets
expect (jaxnest/units.py holds the table and the conversions). Every function returns its
input unchanged when no unit library is loaded, so PyNEST scripts pay one dict lookup."""
from __future__ import annotations

import numpy as np

from .. import errors, units
from . import _state


def model_key(model) -> str | None:
    """The implementation's name of a (possibly copied) model: the key of units.BY_MODEL."""
    try:
        return _state.kernel().model(model).impl.name
    except Exception:  # noqa: BLE001 - unknown names raise NEST's error where they are used
        return model if isinstance(model, str) else None


def _models(ids) -> list[str]:
    """The distinct implementation names of nodes ``ids``."""
    net = _state.kernel().network
    ids = np.asarray(ids, dtype=np.int64).ravel()
    ids = ids[(ids > 0) & (ids <= net.size)]
    names = set(np.asarray(net.node_model, dtype=object)[ids].tolist())
    return sorted({model_key(n) for n in names})


def _kind(ids) -> tuple[str, list[str]]:
    """'current' when every node is a current generator, 'spike' when none is (neurons and
    spike generators), else 'mixed'; and the models."""
    k = _state.kernel()
    models = _models(ids)
    cur = [getattr(k.models[m].impl, "kind", None) == "current" if m in k.models else False
           for m in models]
    return ("current" if all(cur) else "spike" if not any(cur) else "mixed"), models


def weight_unit(sources, targets) -> tuple[str | None, str]:
    """The unit a weight from ``sources`` to ``targets`` (node ids) must have, when known:
    a factor ("1") for current generators, else the targets' input unit (pA, nS, mV) when
    all targets agree; and the phrase an error names it by."""
    if sources is None or targets is None or not len(sources) or not len(targets):
        return None, ""
    src_kind, _ = _kind(sources)
    tgt = _models(targets)
    if src_kind == "current":
        return "1", " (a factor of the generator's current)"
    if src_kind == "mixed":
        return None, ""
    ins = {units.input_unit(m) for m in tgt}
    if len(ins) == 1 and None not in ins:
        return ins.pop(), f" for connections to {', '.join(tgt)}"
    return None, ""


def node_params(ids, params):
    """SetStatus values (a dict, or a list of dicts one per node) in NEST's units, by the
    model of the nodes (of each node for a list)."""
    if not units.quantity_types() or params is None:
        return params
    net = _state.kernel().network
    if isinstance(params, (list, tuple)):
        return [units.params_to_nest(d, model_key(net.node_model[int(g)]) if 0 < g <= net.size
                                     else None) for d, g in zip(params, ids)]
    if not isinstance(params, dict):
        return params
    models = _models(ids) if len(ids) else [None]
    out = {}
    for key, value in params.items():
        values = [units.to_nest(key, value, m) for m in models]
        if any(not _same(v, values[0]) for v in values[1:]):
            raise errors.BadProperty(f"{key}: the models {', '.join(models)} read it in "
                                     "different units; set it on each model's nodes separately.")
        out[key] = values[0]
    return out


def _same(a, b) -> bool:
    if a is b:
        return True
    try:
        return bool(np.all(np.asarray(a) == np.asarray(b)))
    except Exception:  # noqa: BLE001
        return a is b


def syn_params(spec, synapse_model=None, sources=None, targets=None):
    """A syn_spec dict (or SynapseCollection.set values) in NEST's units: weights by the
    weight rule, the rest by the synapse model's names."""
    if not units.quantity_types() or not isinstance(spec, dict):
        return spec
    wunit = ctx = None
    out = {}
    for key, value in spec.items():
        if units.unit_of(key) == units.WEIGHT and _has_quantity(value):
            if wunit is None:
                wunit, ctx = weight_unit(sources, targets)
                wunit = wunit or False
            out[key] = units.to_nest(key, value, None, wunit or None, ctx)
        else:
            out[key] = units.to_nest(key, value, model_key(synapse_model)
                                     if isinstance(synapse_model, str) else None)
    return out


def _has_quantity(value) -> bool:
    qt = units.quantity_types()
    return isinstance(value, qt) or getattr(value, "_jaxnest_unit", None) is not None or (
        isinstance(value, (list, tuple)) and any(isinstance(x, qt) for x in value))


def node_ids(nodes):
    """Node ids of a NodeCollection or an id array (None when neither)."""
    if hasattr(nodes, "_ids"):
        return nodes._ids
    try:
        arr = np.asarray(nodes)
    except Exception:  # noqa: BLE001
        return None
    return arr.astype(np.int64).ravel() if arr.dtype.kind in "iu" else None


# --- reading back ---------------------------------------------------------------------------
def statuses_as_quantities(ids, statuses: list[dict]) -> list[dict]:
    net = _state.kernel().network
    return [units.status_as_quantities(s, model_key(net.node_model[int(g)]))
            for s, g in zip(statuses, ids)]


def connections_as_quantities(table: dict, sources, targets, synapse_models) -> dict:
    """A SynapseCollection's {key: list per connection} with quantities."""
    wunit = None
    if any(units.unit_of(k) == units.WEIGHT for k in table):
        wunit, _ = weight_unit(sources, targets)
    model = synapse_models[0] if len(set(synapse_models)) == 1 else None
    return {k: units.as_quantity(k, v, model_key(model) if model else None, wunit)
            for k, v in table.items()}
