"""The PyNEST spatial functions: layers, positions, masks and spatial connection queries.

Thin: numerics live in :mod:`jaxnest.connect.spatial`; this module checks PyNEST's argument
rules and turns NodeCollections into layers and node ids.
"""
from __future__ import annotations

import os

import numpy as np

from .. import errors
from ..connect.parameters import Parameter
from ..connect.spatial import builder, layers
from ..connect.spatial.mask_specs import create_mask, mask_from_dict
from ..connect.spatial.masks import Mask
from ..connect.spatial.parameters import DimensionParameter
from ..kernel import nodes as knodes
from . import _state
from .node_collection import NodeCollection

__all__ = ["CreateMask", "Displacement", "Distance", "DumpLayerConnections", "DumpLayerNodes",
           "FindCenterElement", "FindNearestElement", "GetPosition", "GetTargetNodes",
           "GetSourceNodes", "GetTargetPositions", "GetSourcePositions", "SelectNodesByMask"]


def layer_of(nc: NodeCollection) -> layers.Layer:
    """The layer of a spatial NodeCollection (NEST's LayerExpected otherwise)."""
    _state.check_current(nc)
    if nc._layer is None:
        raise errors.LayerExpected("LayerExpected")
    return nc._layer


def _ids(nc: NodeCollection) -> np.ndarray:
    return np.asarray(nc._ids, dtype=np.int64)


# --- Create(model, positions=...) ----------------------------------------------------------------
def create_layer(model: str, n: int, params, positions) -> NodeCollection:
    """Nodes with positions; as NEST, the nodes exist even if the geometry is then refused."""
    from .. import spatial
    if not isinstance(positions, (spatial.free, spatial.grid)):
        raise TypeError("`positions` must be either a nest.spatial.free or a nest.spatial.grid "
                        "object")
    k = _state.kernel()
    if isinstance(positions, spatial.grid):
        if n > 1:
            raise ValueError("Cannot specify number of nodes with grid positions")
        shape = np.asarray(positions.shape).ravel()
        if shape.size not in (2, 3):
            raise errors.BadProperty("Shape must be of length 2 or 3.")
        if np.any(shape <= 0):
            raise errors.BadProperty("All shape entries must be positive.")
        ids = knodes.create(k, model, int(np.prod(shape)), None)
        pos, lower_left, extent = layers.grid_geometry(
            shape, _vector(positions.extent, shape.size), _vector(positions.center, shape.size))
    else:
        pos = _free_positions(positions.pos, n, k.rng)
        ids = knodes.create(k, model, pos.shape[0], None)
        lower_left, extent = layers.free_geometry(
            pos, _vector(positions.extent, pos.shape[1]))
        shape = None
    if not isinstance(positions.edge_wrap, (bool, np.bool_)):
        from ..connect.rules import _cast_error
        raise _cast_error("edge_wrap", positions.edge_wrap, "bool")
    layer = layers.Layer(ids[0], pos, lower_left, extent, bool(positions.edge_wrap), shape)
    layers.register(k.network, layer)
    nc = NodeCollection._from_ids(ids, layer=layer)
    if params:
        nc.set(params)
    return nc


def _vector(value, dim):
    if value is None:
        return None
    from ..connect.spatial.masks import position
    return position(value, dim)


def _free_positions(pos, n: int, rng) -> np.ndarray:
    if isinstance(pos, DimensionParameter):
        return pos.positions(rng, n)
    rows = [np.asarray(p, dtype=np.float64).ravel() for p in pos]
    if not rows:
        raise errors.BadProperty("Empty positions array.")
    dim = rows[0].size
    if dim not in (2, 3):
        raise errors.BadProperty("Positions must have 2 or 3 coordinates.")
    if any(r.size != dim for r in rows):
        raise errors.BadProperty(f"Expected a {dim}-dimensional position.")
    return np.stack(rows)


# --- Connect with masks or spatial parameters ------------------------------------------------
def connect_layers(pre: NodeCollection, post: NodeCollection, conn_spec: dict, syn_spec,
                   connect) -> None:
    """PyNEST's ConnectLayers path of Connect; ``connect(k, src, tgt, conn, syn)`` appends one
    block of connections (untimed: the whole call is timed here)."""
    if pre._layer is None or post._layer is None:
        raise TypeError("Presynaptic NodeCollection must have spatial information")
    k = _state.kernel()
    from .connect import CollocatedSynapses, without_proxies
    specs = []  # one per collocated synapse spec; the first one's rule draws the pairs
    for s in (syn_spec.syn_specs if isinstance(syn_spec, CollocatedSynapses) else [syn_spec]):
        syn = {"synapse_model": s} if isinstance(s, str) else dict(s or {})
        proj = builder.projections(conn_spec, syn)
        entry = k.model(proj.get("synapse_model", "static_synapse"), synapse=True)
        specs.append(builder.Spec(proj, entry.defaults))
    if not specs:
        return
    spec = specs[0]
    post_ids = _ids(post)
    if spec.type != "bernoulli_source" and without_proxies(k, post_ids):
        rule = {"bernoulli_target": "pairwise_bernoulli", "indegree": "fixed_indegree",
                "outdegree": "fixed_outdegree"}.get(spec.type, "pairwise_poisson")
        raise errors.IllegalConnection(f"Spatial Connect with {rule} to devices is not possible.")
    with k.timed("construction_connect"):
        for src, tgt, values in builder.connect(spec, pre._layer, _ids(pre), post._layer,
                                                post_ids, k.rng):
            for sp in specs:
                syn = {"synapse_model": sp.synapse_model}
                syn.update((key, values(getattr(sp, key))) for key in sp.given)
                if sp.receptor_type:
                    syn["receptor_type"] = sp.receptor_type
                if sp.synapse_label is not None:
                    syn["synapse_label"] = sp.synapse_label
                connect(k, src, tgt, {"rule": "one_to_one"}, syn)


# --- masks -----------------------------------------------------------------------------------
def CreateMask(masktype, specs, anchor=None) -> Mask:
    """A mask of type ``masktype`` ('circular', 'rectangular', 'doughnut', 'elliptical',
    'spherical', 'box', 'ellipsoidal', 'grid'); ``anchor`` shifts it."""
    if anchor is None:
        return create_mask(masktype, specs)
    return mask_from_dict({masktype: specs, "anchor": anchor})


def SelectNodesByMask(layer, anchor, mask_obj) -> NodeCollection:
    """The nodes of ``layer`` inside ``mask_obj`` placed at ``anchor``."""
    if not isinstance(layer, NodeCollection):
        raise TypeError("layer must be a NodeCollection.")
    la = layer_of(layer)
    a = np.asarray(anchor, dtype=np.float64).ravel()
    if a.size not in (2, 3):
        raise errors.BadProperty("Center must be 2- or 3-dimensional.")
    if a.size != la.dim:
        raise errors.TypeMismatch(f"Expected datatype: {a.size}D layer, provided datatype: "
                                  "other type")
    from ..connect.spatial.candidates import Tree, blocks
    ids = _ids(layer)
    mask = builder.checked_mask(mask_obj, la, False)
    tree = Tree(la.positions_of(ids), la.lower_left, la.extent, la.periodic)
    hits = [cols for _, _, _, cols in blocks(tree, a[None, :], mask)]
    sel = np.unique(ids[np.concatenate(hits)]) if hits else np.empty(0, np.int64)
    return NodeCollection(sel)


# --- positions and distances -----------------------------------------------------------------
def GetPosition(nodes):
    """Positions of spatial nodes: ``[x, y(, z)]`` for one node, else a list of them."""
    if not isinstance(nodes, NodeCollection):
        raise TypeError("nodes must be a NodeCollection with spatial extent")
    pos = layer_of(nodes).positions_of(_ids(nodes)).tolist()
    return pos[0] if len(pos) == 1 else pos


def _points(from_arg):
    if isinstance(from_arg, np.ndarray):
        from_arg = (from_arg,)
    return from_arg


def _pairs(from_arg, to_arg):
    """(from positions, to positions, layer whose periodicity applies), broadcast."""
    if not isinstance(to_arg, NodeCollection):
        raise TypeError("to_arg must be a NodeCollection")
    from_arg = _points(from_arg)
    if len(from_arg) > 1 and len(to_arg) > 1 and not len(from_arg) == len(to_arg):
        raise ValueError("to_arg and from_arg must have same size unless one have size 1.")
    to_layer = layer_of(to_arg)
    to_pos = to_layer.positions_of(_ids(to_arg))
    if isinstance(from_arg, NodeCollection):
        from_layer = layer_of(from_arg)
        from_pos = from_layer.positions_of(_ids(from_arg))
        # NEST: the displacement of from_arg's nodes as seen from to_arg's positions
        return to_pos, from_pos, from_layer
    pts = np.asarray([np.asarray(p, dtype=np.float64).ravel() for p in from_arg])
    return pts, to_pos, to_layer


def Displacement(from_arg, to_arg):
    """Displacement vectors between nodes (or positions) and nodes, periodic where the
    layer is."""
    a, b, layer = _pairs(from_arg, to_arg)
    n = max(len(a), len(b))
    return layer.displacement(np.broadcast_to(a, (n, a.shape[1])),
                              np.broadcast_to(b, (n, b.shape[1]))).tolist()


def Distance(from_arg, to_arg):
    """Distances between nodes (or positions) and nodes, periodic where the layer is."""
    a, b, layer = _pairs(from_arg, to_arg)
    n = max(len(a), len(b))
    d = layer.displacement(np.broadcast_to(a, (n, a.shape[1])),
                           np.broadcast_to(b, (n, b.shape[1])))
    return layers.length(d).tolist()


def connection_distances(sources: np.ndarray, targets: np.ndarray) -> list:
    """SynapseCollection.distance: source to target in the target's layer (nan if either is
    not spatial)."""
    net = _state.kernel().network
    out = []
    for s, t in zip(sources.tolist(), targets.tolist()):
        ls, lt = layers.layer_of_id(net, s), layers.layer_of_id(net, t)
        if ls is None or lt is None:
            out.append(float("nan"))
            continue
        d = lt.displacement(ls.positions_of([s]), lt.positions_of([t]))
        out.append(float(layers.length(d)[0]))
    return out


def FindNearestElement(layer, locations, find_all: bool = False):
    """The node(s) of ``layer`` nearest to each location."""
    if not isinstance(layer, NodeCollection):
        raise TypeError("layer must be a NodeCollection")
    if not len(layer) > 0:
        raise ValueError("layer cannot be empty")
    if not hasattr(locations, "__iter__"):
        raise TypeError("locations must be coordinate array or list of coordinate arrays")
    if not hasattr(locations[0], "__iter__"):
        locations = (locations,)
    result = []
    for loc in locations:
        d = np.asarray(Distance(np.array(loc), layer))
        if not find_all:
            result.append(layer[int(np.argmin(d))])
            continue
        best, nodes = d[0], [0]
        for i in range(1, len(layer)):
            if d[i] < best:
                best, nodes = d[i], [i]
            elif np.abs(d[i] - best) <= 1e-14 * best:
                nodes.append(i)
        result.append([layer[i] for i in nodes])
    return result[0] if len(result) == 1 else result


def FindCenterElement(layer):
    """The node of ``layer`` nearest to its center."""
    if not isinstance(layer, NodeCollection):
        raise TypeError("layer must be a NodeCollection")
    nearest = FindNearestElement(layer, layer.spatial["center"])[0]
    index = layer.index(nearest.get("global_id"))
    return layer[index:index + 1]


# --- connection queries ----------------------------------------------------------------------
def _conns(sources, targets, syn_model):
    from .connect import GetConnections
    c = GetConnections(sources, targets, synapse_model=syn_model)
    return np.asarray(c.get("source")).ravel(), np.asarray(c.get("target")).ravel()


def GetTargetNodes(sources, tgt_layer, syn_model=None):
    """Per source node, the nodes of ``tgt_layer`` it connects to."""
    if not isinstance(sources, NodeCollection):
        raise TypeError("sources must be a NodeCollection.")
    if not isinstance(tgt_layer, NodeCollection):
        raise TypeError("tgt_layer must be a NodeCollection")
    s, t = _conns(sources, tgt_layer, syn_model) if len(sources) else ([], [])
    return tuple(NodeCollection(np.unique(np.asarray(t)[np.asarray(s) == g]))
                 for g in sources.tolist())


def GetSourceNodes(src_layer, targets, syn_model=None):
    """Per target node, the nodes of ``src_layer`` connecting to it."""
    if not isinstance(src_layer, NodeCollection):
        raise TypeError("src_layer must be a NodeCollection")
    if not isinstance(targets, NodeCollection):
        raise TypeError("targets must be a NodeCollection.")
    s, t = _conns(src_layer, targets, syn_model) if len(targets) else ([], [])
    return tuple(NodeCollection(np.unique(np.asarray(s)[np.asarray(t) == g]))
                 for g in targets.tolist())


def GetTargetPositions(sources, tgt_layer, syn_model=None):
    """Per source node, the positions of its targets in ``tgt_layer`` (connection order)."""
    if not isinstance(sources, NodeCollection):
        raise TypeError("sources must be a NodeCollection.")
    la = layer_of(tgt_layer)
    s, t = _conns(sources, tgt_layer, syn_model)
    return [[la.positions_of([x])[0].tolist() for x in t[s == g]] for g in sources.tolist()]


def GetSourcePositions(src_layer, targets, syn_model=None):
    """Per target node, the positions of its sources in ``src_layer`` (connection order)."""
    if not isinstance(targets, NodeCollection):
        raise TypeError("targets must be a NodeCollection.")
    la = layer_of(src_layer)
    s, t = _conns(src_layer, targets, syn_model)
    return [[la.positions_of([x])[0].tolist() for x in s[t == g]] for g in targets.tolist()]


# --- dumps -----------------------------------------------------------------------------------
def _fmt(values) -> str:
    return " ".join(format(float(v), "g") for v in values)


def DumpLayerNodes(layer, outname) -> None:
    """Write ``node_id x y [z]`` per node of ``layer`` to ``outname``."""
    if not isinstance(layer, NodeCollection):
        raise TypeError("layer must be a NodeCollection")
    la = layer_of(layer)
    with open(os.fspath(outname), "w") as f:
        for g, p in zip(_ids(layer).tolist(), la.positions_of(_ids(layer))):
            f.write(f"{g} {_fmt(p)}\n")


def DumpLayerConnections(source_layer, target_layer, synapse_model, outname) -> None:
    """Write ``source target weight delay dx dy [dz]`` per connection from ``source_layer``
    to ``target_layer`` of ``synapse_model`` (displacement in the target layer)."""
    if not isinstance(source_layer, NodeCollection):
        raise TypeError("source_layer must be a NodeCollection")
    if not isinstance(target_layer, NodeCollection):
        raise TypeError("target_layer must be a NodeCollection")
    ls, lt = layer_of(source_layer), layer_of(target_layer)
    from .connect import GetConnections
    c = GetConnections(source_layer, target_layer, synapse_model=synapse_model)
    rows = c.get(["source", "target", "weight", "delay"]) if len(c) else None
    with open(os.fspath(outname), "w") as f:
        if rows is None:
            return
        cols = [np.atleast_1d(rows[k]) for k in ("source", "target", "weight", "delay")]
        order = np.argsort(cols[0], kind="stable")  # NEST lists connections by source
        cols = [c[order] for c in cols]
        disp = lt.displacement(ls.positions_of(cols[0]), lt.positions_of(cols[1]))
        for s, t, w, d, dd in zip(*cols, disp):
            f.write(f"{int(s)} {int(t)} {_fmt([w, d])} {_fmt(dd)}\n")


# --- Parameter.apply -------------------------------------------------------------------------
def apply_parameter(param: Parameter, spatial_nc, positions=None):
    """``param.apply(nc)``: one value per node; ``param.apply(node, positions)``: the value
    from ``node`` to each position (displacements in the node's layer)."""
    k = _state.kernel()
    if positions is None:
        la = layer_of(spatial_nc)
        pos = la.positions_of(_ids(spatial_nc))
        return tuple(param.sample(k.rng, len(pos), node_pos=pos).tolist())
    if len(spatial_nc) != 1:
        raise ValueError("The NodeCollection must contain a single node ID only")
    if not isinstance(positions, (list, tuple)):
        raise TypeError("Positions must be a list or tuple of positions")
    for pos in positions:
        if not isinstance(pos, (list, tuple, np.ndarray)):
            raise TypeError("Each position must be a list or tuple")
        if len(pos) != len(positions[0]):
            raise ValueError("All positions must have the same number of dimensions")
    la = layer_of(spatial_nc)
    src = la.positions_of(_ids(spatial_nc))
    tgt = np.asarray(positions, dtype=np.float64).reshape(len(positions), -1)
    if tgt.shape[1] != la.dim:
        raise errors.BadProperty(f"Parameter apply: Target position has {tgt.shape[1]} "
                                 f"dimensions, but source position has {la.dim} dimensions.")
    src = np.broadcast_to(src, tgt.shape)
    return tuple(np.broadcast_to(param.sample(k.rng, len(tgt), source_pos=src, target_pos=tgt,
                                              layer=la), (len(tgt),)).tolist())
