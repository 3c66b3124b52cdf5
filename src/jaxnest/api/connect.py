"""Connect, GetConnections, Disconnect."""
from __future__ import annotations

import numpy as np

from .. import errors
from ..kernel import connections as kconn
from . import _state
from .node_collection import NodeCollection
from .synapse_collection import SynapseCollection


def _ids(nodes, what: str) -> np.ndarray:
    if isinstance(nodes, NodeCollection):
        _state.check_current(nodes)
        return np.asarray(nodes.tolist(), dtype=np.int64)
    raise TypeError(f"{what} must be a NodeCollection")


def Connect(pre, post, conn_spec=None, syn_spec=None, return_synapsecollection: bool = False):
    """Connect ``pre`` to ``post`` with a NEST rule (conn_spec) and synapse (syn_spec)."""
    kconn.connect(_state.kernel(), _ids(pre, "pre"), _ids(post, "post"), conn_spec, syn_spec)
    if return_synapsecollection:  # NEST returns every connection from pre to post
        model = syn_spec.get("synapse_model") if isinstance(syn_spec, dict) else syn_spec
        return GetConnections(pre, post, synapse_model=model)
    return None


def GetConnections(source=None, target=None, synapse_model=None, synapse_label=None):
    """Connections from ``source`` to ``target`` (NodeCollections) of ``synapse_model``."""
    if synapse_label is not None:
        raise errors.NotImplemented("GetConnections(synapse_label=...) is not supported by "
                                    "jaxnest yet.")
    src = None if source is None else _ids(source, "source")
    tgt = None if target is None else _ids(target, "target")
    return SynapseCollection(kconn.find(_state.kernel(), src, tgt, synapse_model))


def Disconnect(*args, **kwargs):
    raise errors.NotImplemented("Disconnect is not supported by jaxnest yet.")
