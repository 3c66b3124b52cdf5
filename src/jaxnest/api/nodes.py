"""Create, GetNodes, PrintNodes."""
from __future__ import annotations

import numpy as np

from .. import units
from ..jaxenv import scoped
from ..kernel import nodes as knodes
from . import _state, _units
from .node_collection import NodeCollection


@scoped
def Create(model: str, n: int = 1, params=None, positions=None) -> NodeCollection:
    """Create ``n`` nodes of ``model``; ``params`` is a dict (values scalar, one per node, or
    random parameters; numbers in NEST's units or brainunit quantities) or a list of one dict
    per node; ``positions`` (``nest.spatial.grid`` or ``free``) makes them a spatial layer."""
    if isinstance(n, dict):  # PyNEST accepts Create(model, {params})
        if not (params is None and positions is None):
            raise ValueError("A parameter dictionary can be passed as second argument only of "
                             "Create() is called with two arguments.")
        n, params = 1, n
    if int(n) != n:  # PyNEST: a float with an integer value is a count
        raise TypeError("n must have an integer value")
    n = int(n)
    if n == 0:
        from .. import errors
        raise errors.BadParameterValue("Create: number of nodes must be positive.")
    k = _state.kernel()
    if params is not None and units.quantity_types():
        params = units.params_to_nest(params, _units.model_key(model))
    if positions is not None:
        from .spatial import create_layer
        with k.timed("construction_create"):
            return create_layer(model, n, params, positions)
    with k.timed("construction_create"):
        ids = knodes.create(k, model, n, params)
    return NodeCollection(ids)


@scoped
def GetNodes(properties: dict | None = None, local_only: bool = False) -> NodeCollection:
    """All nodes, or those whose status matches every (key, value) in ``properties``."""
    k = _state.kernel()
    ids = np.arange(1, k.network.size + 1)
    if properties:
        keep = []
        for g in ids.tolist():
            st = knodes.get_status(k, g, tuple(properties))
            if all(st.get(key) == v for key, v in properties.items()):
                keep.append(g)
        ids = np.array(keep, dtype=np.int64)
    return NodeCollection(ids)


def PrintNodes() -> None:
    """Print the node id ranges per model, as NEST does (`` 1 ..  4 iaf_psc_alpha``)."""
    models = _state.kernel().network.node_model[1:]
    if not models:
        return
    w = len(str(len(models)))
    first = 0
    for i in range(1, len(models) + 1):
        if i == len(models) or models[i] != models[first]:
            last = f" .. {i:>{w}}" if i - first > 1 else " " * (w + 4)
            print(f"{first + 1:>{w}}{last} {models[first]}")
            first = i


def GetLocalNodeCollection(nc):
    """The nodes of ``nc`` local to this process: all of them (jaxnest has one process)."""
    if not isinstance(nc, NodeCollection):
        raise TypeError("GetLocalNodeCollection requires a NodeCollection in order to run")
    return nc
