"""Connect, GetConnections, Disconnect."""
from __future__ import annotations

import numpy as np

from .. import errors, units
from ..jaxenv import scoped
from ..kernel import connections as kconn
from ..kernel import sp_manager
from . import _state, _units
from .node_collection import NodeCollection
from .synapse_collection import SynapseCollection


class CollocatedSynapses:
    """Several synapse specs for one Connect: every pair the rule draws gets one connection
    of each (NEST's CollocatedSynapses)."""

    def __init__(self, *syn_specs):
        self.syn_specs = syn_specs

    def __len__(self) -> int:
        return len(self.syn_specs)


def _specs(syn_spec) -> list:
    """The syn_specs of a Connect: one, or a CollocatedSynapses' list."""
    return list(syn_spec.syn_specs) if isinstance(syn_spec, CollocatedSynapses) else [syn_spec]


def _ids(nodes, what: str) -> np.ndarray:
    if isinstance(nodes, NodeCollection):
        _state.check_current(nodes, "sources and targets must be valid NodeCollections.")
        return np.asarray(nodes.tolist(), dtype=np.int64)
    raise TypeError(f"{what} must be a NodeCollection")


def _process_input_nodes(pre, post, conn_spec):
    """PyNEST's rule: node-id arrays (or lists) with unique ids become NodeCollections;
    with one_to_one, or non-unique ids, they are connected pairwise (connect_arrays)."""
    rule = conn_spec.get("rule", "all_to_all") if isinstance(conn_spec, dict) else conn_spec
    one_to_one = rule == "one_to_one"
    pre_nc = post_nc = True
    if not isinstance(pre, NodeCollection):
        if not one_to_one and len(set(pre)) == len(pre):
            pre = NodeCollection(pre)
        else:
            pre_nc = False
    if not isinstance(post, NodeCollection):
        if not one_to_one and len(set(post)) == len(post):
            post = NodeCollection(post)
        else:
            post_nc = False
    if pre_nc and post_nc:
        return False, pre, post
    if len(pre) != len(post):
        raise ValueError("If 'pre' or 'post' contain non-unique IDs, then they must have the "
                         "same length.")
    pre = np.asarray(pre.tolist() if isinstance(pre, NodeCollection) else pre)
    post = np.asarray(post.tolist() if isinstance(post, NodeCollection) else post)
    for arr, what in ((pre, "pre"), (post, "post")):
        if not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"'{what}' node IDs must be integers.")
    if not (pre.ndim == 1 and post.ndim == 1):
        raise ValueError("Sources and targets must be 1-dimensional arrays")
    if not one_to_one:
        raise ValueError("When connecting two arrays with non-unique IDs, `conn_spec` must be "
                         "'one_to_one'.")
    return True, pre.astype(np.int64), post.astype(np.int64)


def _connect_arrays(pre: np.ndarray, post: np.ndarray, syn_spec) -> None:
    """NEST's connect_arrays: connection i from pre[i] to post[i], with per-connection
    values from 1-d arrays in syn_spec."""
    n = pre.size
    if syn_spec is None:
        syn_spec = {}
    if isinstance(syn_spec, str):
        syn_spec = {"synapse_model": syn_spec}
    spec = {}
    for key, value in dict(syn_spec).items():
        if isinstance(value, (list, tuple)):
            value = np.asarray(value)
        if isinstance(value, (np.ndarray, np.generic)) and value.ndim == 1 and value.size != n:
            raise ValueError(f"'{key}' has to be an array of dimension {n}.")
        spec[key] = value
    if "weights" in spec:
        raise ValueError("To specify weights, use 'weight' in syn_spec.")
    if "delays" in spec:
        raise ValueError("To specify delays, use 'delay' in syn_spec.")
    for key, what in (("weight", "weights"), ("delay", "delays")):
        if key in spec and np.ndim(spec[key]) != 1:
            raise TypeError(f"{what} must be a 1-dimensional NumPy array")
    if not isinstance(spec.setdefault("synapse_model", "static_synapse"), str):
        raise TypeError("'synapse_model' must be specified by a 'str'.")
    for key, value in spec.items():
        if key in ("weight", "delay", "synapse_model"):
            continue
        value = np.broadcast_to(np.asarray(value, dtype=float), (n,))
        if key == "receptor_type" and np.any(value != np.floor(value)):
            raise errors.BadParameter("Expected integer value for receptor_type, but got "
                                      "double.")
        spec[key] = value
    k = _state.kernel()
    size = k.network.size
    bad = np.flatnonzero((pre < 1) | (pre > size) | (post < 1) | (post > size))
    stop = int(bad[0]) if bad.size else n  # NEST connects the pairs before a missing node
    part = slice(0, stop)
    if stop:
        cut = {key: (v[part] if isinstance(v, np.ndarray) and v.ndim == 1 else v)
               for key, v in spec.items()}
        # NEST lists the connections of one call by source (creation order within a source)
        order = np.argsort(pre[part], kind="stable")
        cut = {key: (v[order] if isinstance(v, np.ndarray) and v.ndim == 1 else v)
               for key, v in cut.items()}
        _connect(k, pre[part][order], post[part][order], {"rule": "one_to_one"}, cut)
    if bad.size:
        i = int(bad[0])
        missing = pre[i] if not 1 <= pre[i] <= size else post[i]
        raise errors.UnknownNode(f"Node with id {missing} does not exist.")


def _check_common_properties(k, syn_spec) -> None:
    """A homogeneous-weight synapse (static_synapse_hom_w and its copies) takes its weight
    from its defaults only, as in NEST."""
    if not isinstance(syn_spec, dict) or "weight" not in syn_spec:
        return
    name = syn_spec.get("synapse_model", "static_synapse")
    entry = k.models.get(name) if isinstance(name, str) else None
    if entry is not None and entry.is_synapse and "weight" in entry.impl.common:
        raise errors.NotImplemented('Synapse parameter "weight" can only be set via '
                                    'SetDefaults() or CopyModel().')


def _connect(k, pre: np.ndarray, post: np.ndarray, conn_spec, syn_spec) -> None:
    """Connect through the kernel, with NEST's delay checks before and after."""
    with k.timed("construction_connect"):
        _connect_timed(k, pre, post, conn_spec, syn_spec)


def _connect_timed(k, pre: np.ndarray, post: np.ndarray, conn_spec, syn_spec) -> None:
    specs = _specs(syn_spec)
    delays = []
    for spec in specs:
        _check_common_properties(k, spec)
        delays.append(_spec_delay(k, spec))
        if delays[-1] is not None:
            k.check_delays(k.delay_steps(delays[-1]))
    idx = kconn.connect(k, pre, post, conn_spec,
                        specs if isinstance(syn_spec, CollocatedSynapses) else syn_spec)
    if len(idx):
        k.note_connections(slice(int(idx[0]), int(idx[-1]) + 1),
                           checked=all(d is not None for d in delays))


def _spec_delay(k, syn_spec):
    """The delay (ms, scalar or array) a syn_spec gives its connections, if it is known
    before the rule runs (not a random parameter)."""
    if isinstance(syn_spec, dict) and "delay" in syn_spec:
        value = syn_spec["delay"]
    else:
        name = syn_spec if isinstance(syn_spec, str) else (
            syn_spec.get("synapse_model", "static_synapse") if isinstance(syn_spec, dict)
            else "static_synapse")
        if not isinstance(name, str) or name not in k.models:
            return None
        value = k.models[name].defaults.get("delay")
    if value is None or hasattr(value, "sample"):
        return None
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None


def _process_syn_spec(syn_spec, conn_spec, n_pre: int, n_post: int, pre=None, post=None):
    """PyNEST's checks of parameter arrays in a syn_spec dict, with 2-d arrays given in
    connection order: all_to_all's (n_post x n_pre) array becomes source-major, the order in
    which jaxnest's rule lists the connections; fixed_indegree's (n_post x indegree) and
    fixed_outdegree's (n_pre x outdegree) rows are already in it. (A CollocatedSynapses is
    passed on unchecked, as PyNEST does.)"""
    if not isinstance(syn_spec, dict):
        return syn_spec
    spec = dict(conn_spec) if isinstance(conn_spec, dict) else {
        "rule": "all_to_all" if conn_spec is None else conn_spec}
    rule = spec.get("rule")
    out = dict(syn_spec)
    for key, value in syn_spec.items():
        if isinstance(value, (list, tuple)):
            value = np.asarray(value)
        if not isinstance(value, (np.ndarray, np.generic)) or value.ndim == 0:
            continue
        if value.ndim == 1:
            if rule == "one_to_one":
                if value.shape[0] != n_pre:
                    raise ValueError(f"'{key}' has to be an array of dimension {n_pre}, a "
                                     "scalar or a dictionary.")
            elif rule == "fixed_total_number":
                if "N" in spec and value.shape[0] != spec["N"]:
                    raise ValueError(f"'{key}' has to be an array of dimension {spec['N']}, a "
                                     "scalar or a dictionary")
            else:
                raise TypeError(f"'{key}' has the wrong type. One-dimensional parameter arrays "
                                "can only be used in conjunction with rule 'one_to_one' or "
                                "'fixed_total_number'.")
            out[key] = value
        elif value.ndim == 2:
            shapes = {"all_to_all": ((n_post, n_pre), "n_target x n_sources"),
                      "fixed_indegree": ((n_post, spec.get("indegree")), "n_target x indegree"),
                      "fixed_outdegree": ((n_pre, spec.get("outdegree")),
                                          "n_sources x outdegree")}
            if rule not in shapes:
                raise TypeError(f"'{key}' has the wrong type. Two-dimensional parameter arrays "
                                "can only be used in conjunction with rules 'all_to_all', "
                                "'fixed_indegree' or fixed_outdegree'.")
            shape, what = shapes[rule]
            if value.shape != shape:
                raise ValueError(f"'{key}' has to be an array of dimension {shape[0]}x"
                                 f"{shape[1]} ({what}), a scalar or a dictionary.")
            if rule == "all_to_all":
                value = value.T
                if not spec.get("allow_autapses", True) and pre is not None:
                    # NEST skips the entry of each autapse it does not create
                    value = value[pre[:, None] != post[None, :]]
            out[key] = value.ravel()
    return out


def without_proxies(k, ids: np.ndarray) -> bool:
    """Whether the first of ``ids`` is a recorder: NEST's nodes without proxies, which only
    all_to_all and one_to_one (and spatial pairwise_bernoulli on source) may target."""
    dev = k.network.devices.get(int(ids[0]))
    return dev is not None and dev.entry.impl.kind in ("spike_recorder", "sampler")


def _connect_layers_needed(conn_spec, syn_spec) -> bool:
    """PyNEST's rule for the spatial (ConnectLayers) path: a mask, a spatial parameter, or a
    probability with a rule other than pairwise_bernoulli."""
    from ..connect.parameters import Parameter
    if isinstance(conn_spec, dict):
        if any(isinstance(v, Parameter) and v.is_spatial() for v in conn_spec.values()):
            return True
        rule = str(conn_spec.get("rule"))
        if "mask" in conn_spec or "use_on_source" in conn_spec or (
                "p" in conn_spec and "pairwise_bernoulli" not in rule) or (
                "pairwise_avg_num_conns" in conn_spec and "pairwise_poisson" not in rule):
            return True
    return any(isinstance(v, Parameter) and v.is_spatial()
               for spec in _specs(syn_spec) if isinstance(spec, dict) for v in spec.values())


@scoped
def Connect(pre, post, conn_spec=None, syn_spec=None, return_synapsecollection: bool = False):
    """Connect ``pre`` to ``post`` with a NEST rule (conn_spec) and synapse (syn_spec);
    syn_spec values may be brainunit quantities (weights: see jaxnest/units.py)."""
    if units.quantity_types():
        specs = [_units.syn_params(s, s.get("synapse_model", "static_synapse"),
                                   _units.node_ids(pre), _units.node_ids(post))
                 if isinstance(s, dict) else s for s in _specs(syn_spec)]
        syn_spec = CollocatedSynapses(*specs) if isinstance(syn_spec, CollocatedSynapses) \
            else specs[0]
    arrays, pre, post = _process_input_nodes(pre, post, conn_spec)
    if arrays:
        if return_synapsecollection:
            raise ValueError("SynapseCollection cannot be returned when connecting two arrays "
                             "of node IDs")
        _connect_arrays(pre, post, syn_spec)
        return None
    pre_ids, post_ids = _ids(pre, "pre"), _ids(post, "post")
    syn = _process_syn_spec(syn_spec, conn_spec, len(pre), len(post), pre_ids, post_ids)
    conn = {"rule": conn_spec} if isinstance(conn_spec, str) else (
        {"rule": "all_to_all"} if conn_spec is None else conn_spec)
    syn, elements = sp_manager.split_syn_spec(syn)  # structural plasticity's element names
    if elements is not None:
        k = _state.kernel()
        sp_manager.check_rule(conn.get("rule") if isinstance(conn, dict) else None)
        first = len(k.network.conns)
        _connect(k, pre_ids, post_ids, conn_spec, syn)
        sp_manager.connected(k, range(first, len(k.network.conns)), elements)
    elif _connect_layers_needed(conn, syn):
        from .spatial import connect_layers
        connect_layers(pre, post, conn, syn, _connect_timed)
    else:
        rule = conn.get("rule") if isinstance(conn, dict) else None
        if rule not in (None, "all_to_all", "one_to_one") and post_ids.size and \
                without_proxies(_state.kernel(), post_ids):
            raise errors.IllegalConnection(
                "Creation of connection is not possible because:\nCannot use this rule to "
                "connect to nodes without proxies (usually devices).")
        _connect(_state.kernel(), pre_ids, post_ids, conn_spec, syn)
    if return_synapsecollection:  # NEST returns every connection from pre to post
        return GetConnections(pre, post)
    return None


@scoped
def TripartiteConnect(pre, post, third, conn_spec, third_factor_conn_spec, syn_specs=None):
    """NEST's tripartite connectivity (connect/tripartite.py): primary connections pre -> post,
    and third-factor connections pre -> third ("third_in") -> post ("third_out")."""
    from ..connect import tripartite
    for nodes, what in ((pre, "Presynaptic"), (post, "Postsynaptic"), (third, "Third-factor")):
        if not isinstance(nodes, NodeCollection):
            raise TypeError(f"{what} nodes must be a NodeCollection")
    specs = tripartite.normalize_syn_specs(syn_specs, CollocatedSynapses)
    tripartite.connect(_state.kernel(), _ids(pre, "pre"), _ids(post, "post"),
                       _ids(third, "third"), conn_spec, third_factor_conn_spec, specs, _connect,
                       CollocatedSynapses)


@scoped
def GetConnections(source=None, target=None, synapse_model=None, synapse_label=None):
    """Connections from ``source`` to ``target`` (NodeCollections) of ``synapse_model`` with
    ``synapse_label`` (of the ``_lbl`` models; -1, unlabelled, selects all, as in NEST)."""
    if synapse_label is not None:
        if isinstance(synapse_label, bool) or not isinstance(synapse_label, (int, np.integer)):
            kind = "std::string" if isinstance(synapse_label, str) else "double"
            raise errors.TypeMismatch(f"Expected datatype: Failed to cast 'synapse_label' from "
                                      f"{kind} to type long")
    if synapse_model is not None and not isinstance(synapse_model, str):
        kind = ("std::vector<std::string>" if isinstance(synapse_model, (list, tuple))
                else "long" if isinstance(synapse_model, (int, np.integer)) else "double"
                if isinstance(synapse_model, (float, np.floating)) else
                type(synapse_model).__name__)
        raise errors.TypeMismatch(f"Expected datatype: Failed to cast 'synapse_model' from "
                                  f"{kind} to type std::string")
    src = None if source is None else _ids(source, "source")
    tgt = None if target is None else _ids(target, "target")
    return SynapseCollection(kconn.find(_state.kernel(), src, tgt, synapse_model,
                                        synapse_label))


@scoped
def Disconnect(*args, conn_spec=None, syn_spec=None) -> None:
    """Remove the connections of a SynapseCollection, or one connection of the given synapse
    model (static_synapse by default) per (pre, post) pair of the rule (one_to_one by
    default, or all_to_all)."""
    if len(args) == 1:
        if not isinstance(args[0], SynapseCollection):
            raise TypeError("Arguments must be either a SynapseCollection or two NodeCollections")
        if conn_spec is not None or syn_spec is not None:
            raise ValueError("When disconnecting with a SynapseCollection, conn_spec and "
                             "syn_spec cannot be specified")
        args[0].disconnect()
        return
    if len(args) != 2 or not all(isinstance(a, NodeCollection) for a in args):
        raise TypeError("Arguments must be either a SynapseCollection or two NodeCollections")
    conn_spec = "one_to_one" if conn_spec is None else conn_spec
    syn_spec = "static_synapse" if syn_spec is None else syn_spec
    rule = conn_spec if isinstance(conn_spec, str) else conn_spec.get("rule")
    model = syn_spec if isinstance(syn_spec, str) else syn_spec.get("synapse_model")
    pre, post = _ids(args[0], "pre"), _ids(args[1], "post")
    kconn.disconnect(_state.kernel(), pre, post, rule, model)
    if rule == "all_to_all":
        pre, post = np.repeat(pre, post.size), np.tile(post, pre.size)
    # structural plasticity: the elements named in syn_spec, or by a structural synapse
    elements = sp_manager.split_syn_spec(syn_spec)[1] if isinstance(syn_spec, dict) else None
    sp_manager.disconnected(_state.kernel(), pre, post, model, elements)
