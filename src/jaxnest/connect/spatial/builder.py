"""Spatial Connect (NEST's ConnectLayers): masks, distance-dependent probabilities, weights and
delays between two layers.

The conn_spec is mapped as PyNEST maps it: ``pairwise_bernoulli`` iterates the targets and,
for each, the sources inside the *converse* mask around it, with displacements in the target
layer (``use_on_source=True``: the mask itself, displacements in the source layer);
``fixed_indegree`` draws, per target, ``indegree`` sources among those inside the mask,
proportional to ``p`` if given; ``fixed_outdegree`` draws, per source, ``outdegree`` targets
inside the mask around the source, proportional to ``p``; ``pairwise_poisson`` makes a
Poisson(``pairwise_avg_num_conns``) number of connections per candidate pair. Without
multapses the draws are weighted sampling without replacement (NEST redraws repeats, which
is the same distribution); autapses are never drawn when excluded. Weights and delays may be
(spatial) parameters, evaluated per connection.

Connections come back block by block (memory holds one block of candidates), each block
grouped by source, targets ascending within a source: for a network that fits in one block
this is the order of NEST's GetConnections. Random streams differ from NEST's; the candidate sets of
deterministic masks are NEST's exactly (see :mod:`.candidates`).
"""
from __future__ import annotations

import numbers

import numpy as np

from jaxnest import errors
from jaxnest.connect.parameters import Parameter
from jaxnest.connect.rules import _cast_error
from jaxnest.connect.spatial import masks as M
from jaxnest.connect.spatial.mask_specs import mask_from_dict
from jaxnest.connect.spatial.candidates import Tree, blocks, positions_at
from jaxnest.connect.spatial.layers import cround

_CONN_KEYS = ("mask", "allow_multapses", "allow_autapses", "rule", "indegree", "outdegree", "p",
              "pairwise_avg_num_conns", "use_on_source", "allow_oversized_mask")
_SYN_KEYS = ("weight", "delay", "synapse_model", "synapse_label", "receptor_type")


def projections(conn_spec: dict, syn_spec: dict | None) -> dict:
    """PyNEST's _process_spatial_projections: one dict for ConnectLayers (ValueError for keys
    or rules it does not allow)."""
    for key in conn_spec:
        if key not in _CONN_KEYS:
            raise ValueError(f"'{key}' is not allowed in conn_spec when connecting with mask or "
                             "kernel")
    proj = dict(conn_spec)
    if "p" in conn_spec:
        proj["kernel"] = proj.pop("p")
    elif "pairwise_avg_num_conns" in conn_spec:
        proj["kernel"] = proj.pop("pairwise_avg_num_conns")
    for key in syn_spec or {}:
        if key not in _SYN_KEYS:
            raise ValueError(f"'{key}' is not allowed in syn_spec when connecting with mask or "
                             "kernel")
    proj.update(syn_spec or {})
    rule = conn_spec["rule"]
    if rule in ("fixed_indegree", "fixed_outdegree", "pairwise_poisson") and "use_on_source" in \
            conn_spec:
        raise ValueError("'use_on_source' can only be set when using pairwise_bernoulli")
    if rule == "fixed_indegree":
        proj["connection_type"] = "indegree"
        proj["number_of_connections"] = proj.pop("indegree")
    elif rule == "fixed_outdegree":
        proj["connection_type"] = "outdegree"
        proj["number_of_connections"] = proj.pop("outdegree")
    elif rule == "pairwise_bernoulli":
        on_source = bool(proj.pop("use_on_source", False))
        proj["connection_type"] = "bernoulli_source" if on_source else "bernoulli_target"
    elif rule == "pairwise_poisson":
        proj["connection_type"] = "poisson"
    else:
        raise ValueError("When using kernel or mask, the only possible connection rules are "
                         "'pairwise_bernoulli', 'fixed_indegree', or 'fixed_outdegree'")
    proj.pop("rule")
    return proj


def _as_param(key, value):
    """NEST's create_parameter of a dict entry: a number or a Parameter."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
        return float(value)
    name = {str: "std::string"}.get(type(value), type(value).__name__)
    raise errors.BadProperty(f"Parameter must be parametertype, constant or dictionary, got "
                             f"{name}")


class Spec:
    """The validated projection (NEST's ConnectionCreator)."""

    def __init__(self, proj: dict, syn_defaults: dict) -> None:
        self.type = proj["connection_type"]

        def flag(key, default):
            v = proj.get(key, default)
            if not isinstance(v, bool | np.bool_):
                raise _cast_error(key, v, "bool")
            return bool(v)
        self.autapses = flag("allow_autapses", True)
        self.multapses = flag("allow_multapses", True)
        self.oversized = flag("allow_oversized_mask", False)
        self.number = None
        if "number_of_connections" in proj:
            v = proj["number_of_connections"]
            if not isinstance(v, Parameter):
                if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Integral):
                    raise _cast_error("number_of_connections", v, "long")
                if v < 0:
                    raise errors.BadProperty("Number of connections cannot be less than zero.")
                v = float(v)
            self.number = v
        if isinstance(proj.get("mask"), M.Mask):  # NEST 3.10's PyNEST cannot pass one on
            raise AttributeError("when converting Python Dictionary: value of key (mask) is not "
                                 "a known type, got <class 'nestkernel_api.MaskObject'>")
        self.mask = mask_from_dict(proj["mask"]) if "mask" in proj else None
        self.kernel = _as_param("kernel", proj["kernel"]) if "kernel" in proj else None
        self.synapse_label = proj.get("synapse_label")
        # given by the user (else the synapse model's defaults apply, set by the kernel)
        self.given = [k for k in ("weight", "delay") if k in proj]
        self.weight = _as_param("weight", proj.get("weight", syn_defaults.get("weight", 1.0)))
        self.delay = _as_param("delay", proj.get("delay", syn_defaults.get("delay", 1.0)))
        self.synapse_model = proj.get("synapse_model", "static_synapse")
        self.receptor_type = proj.get("receptor_type", 0)


def checked_mask(mask, layer, oversized: bool):
    """NEST's MaskedLayer::check_mask_: a grid mask becomes a box of ``layer``'s spacing; masks
    wider than a periodic layer need ``allow_oversized_mask``."""
    if mask is None:
        return None
    if isinstance(mask, M.GridMask):
        if not layer.is_grid:
            raise errors.BadProperty("Grid masks can only be used with grid layers.")
        if layer.dim != 2:
            raise errors.BadProperty("Mask is incompatible with layer.")
        width = mask.lower_right - mask.upper_left
        if not oversized and np.any(layer.periodic & (width > layer.shape)):
            raise errors.BadProperty("Mask size must not exceed layer size; set "
                                     "allow_oversized_mask to override.")
        return mask.as_box(layer.extent, layer.shape.astype(np.float64))
    if mask.dim != layer.dim:
        raise errors.BadProperty("Mask is incompatible with layer.")
    if not oversized:
        lo, hi = mask.bbox()
        if np.any(layer.periodic & (hi - lo > layer.extent)):
            raise errors.BadProperty("Mask size must not exceed layer size; set "
                                     "allow_oversized_mask to override.")
    return mask


def _values(param, rng, spos, tpos, layer):
    if not isinstance(param, Parameter):
        return param
    return np.asarray(param.sample(rng, spos.shape[0], source_pos=spos, target_pos=tpos,
                                   layer=layer), dtype=np.float64)


def _block_out(src, tgt, positions, layer, rng):
    """One block's pairs, grouped by source (targets ascending within a source, as NEST lists
    a small network's connections), and a function giving a (spatial) parameter's value per
    pair (a constant stays a scalar): each synapse spec's weight and delay of the pairs.
    ``positions(order)`` gives the pairs' source and target positions in that order; they are
    gathered once, for the first parameter that is not a constant."""
    order = _by_source(src, tgt)
    at = []

    def values(param):
        if not isinstance(param, Parameter):
            return param
        if not at:
            at.extend(positions(order))
        return _values(param, rng, *at, layer)
    return src[order], tgt[order], values


def _by_source(src, tgt) -> np.ndarray:
    """``np.lexsort((tgt, src))``; where the targets already ascend (a block's rows), a
    stable sort by source alone, in 16-bit radix passes."""
    if tgt.size > 1 and np.any(tgt[1:] < tgt[:-1]):
        return np.lexsort((tgt, src))
    key = src - src.min() if src.size else src
    span = int(key.max()) if key.size else 0
    if span >= 1 << 32:
        return np.argsort(key, kind="stable")
    order = np.argsort((key & 0xFFFF).astype(np.uint16), kind="stable")  # numpy: radix sort
    if span >= 1 << 16:
        high = (key >> 16).astype(np.uint16)[order]
        order = order[np.argsort(high, kind="stable")]
    return order


def connect(spec: Spec, src_layer, src_ids, tgt_layer, tgt_ids, rng):
    """Run one projection between node ids of two layers (ids ascending, each in its layer):
    yields ``(sources, targets, values)`` per block of rows (``values(param)``: a parameter per
    pair), so that memory holds one block of candidates at a time."""
    if src_layer.dim != tgt_layer.dim:
        raise errors.BadProperty("Target layer must have same number of dimensions as source "
                                 "layer.")
    spos, tpos = src_layer.positions_of(src_ids), tgt_layer.positions_of(tgt_ids)
    if spec.type == "outdegree":
        yield from _degree(spec, tgt_layer, tgt_ids, tpos, src_layer, src_ids, spos, rng, True)
        return
    if spec.type == "indegree":
        yield from _degree(spec, src_layer, src_ids, spos, tgt_layer, tgt_ids, tpos, rng, False)
        return
    on_target = spec.type == "bernoulli_target"
    if spec.mask is None:
        tree = Tree(spos, src_layer.lower_left, src_layer.extent, np.zeros(spos.shape[1], bool))
        mask = None
    elif on_target:
        ext = np.where(tgt_layer.periodic, tgt_layer.extent, src_layer.extent)
        tree = Tree(spos, src_layer.lower_left, ext, tgt_layer.periodic)
        mask = M.ConverseMask(checked_mask(spec.mask, tgt_layer, spec.oversized))
    else:
        tree = Tree(spos, src_layer.lower_left, src_layer.extent, src_layer.periodic)
        mask = checked_mask(spec.mask, src_layer, spec.oversized)
    layer = tgt_layer if on_target else src_layer
    tcols = np.ascontiguousarray(tpos.T)
    for _, _, rows, cols in blocks(tree, tpos, mask):
        s_id, t_id = src_ids[cols], tgt_ids[rows]
        if not spec.autapses:
            keep = s_id != t_id
            rows, cols, s_id, t_id = rows[keep], cols[keep], s_id[keep], t_id[keep]
        if spec.kernel is None:
            if spec.type == "poisson":
                raise errors.BadProperty("pairwise_poisson needs pairwise_avg_num_conns.")
            take = np.arange(s_id.size)
        else:
            value = spec.kernel  # p, or the mean number of connections (pairwise_poisson)
            if isinstance(value, Parameter):
                value = _values(value, rng, positions_at(tree.columns, cols),
                                positions_at(tcols, rows), layer)
            if spec.type == "poisson":
                lam = np.broadcast_to(value, s_id.shape)
                count = rng.poisson(np.maximum(np.nan_to_num(lam), 0.0))
                take = np.repeat(np.arange(s_id.size), count)
            else:
                take = np.flatnonzero(rng.random(s_id.size) < value)
        if take.size:
            s_at, t_at = cols[take], rows[take]
            yield _block_out(s_id[take], t_id[take], lambda o, s_at=s_at, t_at=t_at: (
                positions_at(tree.columns, s_at[o]), positions_at(tcols, t_at[o])), layer, rng)


def _degree(spec, pool_layer, pool_ids, pool_pos, row_layer, row_ids, row_pos, rng, out: bool):
    """fixed_indegree (rows = targets, pool = sources) and fixed_outdegree (rows = sources,
    pool = targets)."""
    if spec.mask is None:
        tree = Tree(pool_pos, pool_layer.lower_left, pool_layer.extent,
                    np.zeros(pool_pos.shape[1], bool))
        mask = None
    else:
        tree = Tree(pool_pos, pool_layer.lower_left, pool_layer.extent, pool_layer.periodic)
        mask = checked_mask(spec.mask, pool_layer, spec.oversized)
    k = _degrees(spec, rng, row_pos, pool_layer, spatial=not out and mask is not None)
    kernel_layer = row_layer if out else pool_layer   # the source layer in both rules
    syn_layer = pool_layer                            # target layer (out) / source layer (in)
    what = ("Global source ID {}: Not enough targets found" if out else
            "Global target ID {}: Not enough sources found" + (" inside mask" if mask else ""))
    for r0, r1, rows, cols in blocks(tree, row_pos, mask):
        n_cand = np.bincount(rows - r0, minlength=r1 - r0)
        pid, rid = pool_ids[cols], row_ids[rows]
        self_hit = pid == rid
        empty = (n_cand == 0) | (~spec.multapses & (n_cand < k[r0:r1]))
        if not out and not spec.autapses:
            only_self = np.bincount(rows - r0, weights=self_hit, minlength=r1 - r0)
            empty |= (n_cand == 1) & (only_self == 1)
        if empty.any():
            raise errors.KernelException(what.format(int(row_ids[r0 + np.flatnonzero(empty)[0]])))
        pp = tree.positions[cols]
        rp = row_pos[rows]
        sp, tp = (rp, pp) if out else (pp, rp)
        w = np.ones(cols.size) if spec.kernel is None else np.broadcast_to(
            _values(spec.kernel, rng, sp, tp, kernel_layer), cols.shape).astype(float)
        w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
        if not spec.autapses:
            w[self_hit] = 0.0
        pick = _draw(rows - r0, w, k[r0:r1], spec.multapses, rng)
        if pick is None:
            bad = _short_rows(rows - r0, w, k[r0:r1], spec.multapses)
            raise errors.KernelException(what.format(int(row_ids[r0 + bad])))
        if pick.size:
            s_id, t_id = (rid[pick], pid[pick]) if out else (pid[pick], rid[pick])
            sp, tp = sp[pick], tp[pick]
            yield _block_out(s_id, t_id, lambda o, sp=sp, tp=tp: (sp[o], tp[o]), syn_layer, rng)


def _degrees(spec, rng, row_pos, layer, spatial: bool) -> np.ndarray:
    """Number of connections per row, rounded as C's round() (fixed_indegree with a mask
    evaluates it with the target's position, as NEST)."""
    n = row_pos.shape[0]
    if not isinstance(spec.number, Parameter):
        return np.full(n, int(spec.number), dtype=np.int64)
    if spatial:
        v = spec.number.sample(rng, n, source_pos=np.zeros_like(row_pos), target_pos=row_pos,
                               layer=layer)
    else:
        v = spec.number.sample(rng, n)
    v = cround(np.asarray(v, dtype=np.float64))
    return np.maximum(np.where(np.isfinite(v), v, 0), 0).astype(np.int64)


def _short_rows(rel, w, k, multapses) -> int:
    """The first row whose positive weights cannot supply its draws."""
    pos = np.bincount(rel, weights=w > 0, minlength=k.size)
    bad = (k > 0) & ((pos == 0) | (~multapses & (pos < k)))
    return int(np.flatnonzero(bad)[0])


def _draw(rel, w, k, multapses, rng):
    """Indices of the candidates drawn: per row ``k[row]`` draws proportional to ``w`` (with
    replacement, or weighted sampling without replacement). None if a row cannot be served."""
    R = k.size
    total = np.bincount(rel, weights=w, minlength=R)
    npos = np.bincount(rel, weights=w > 0, minlength=R)
    if np.any((k > 0) & ((total <= 0) | (~multapses & (npos < k)))):
        return None
    if multapses:
        cum = np.cumsum(w)
        first = np.searchsorted(rel, np.arange(R), side="left")
        last = np.searchsorted(rel, np.arange(R), side="right") - 1
        base = np.where(first > 0, cum[np.maximum(first - 1, 0)], 0.0)
        row = np.repeat(np.arange(R), k)
        u = base[row] + rng.random(row.size) * total[row]
        idx = np.searchsorted(cum, u, side="right")
        idx = np.clip(idx, first[row], last[row])
        while True:  # round-off may land on a zero-weight neighbour
            bad = w[idx] <= 0
            if not bad.any():
                break
            u = base[row[bad]] + rng.random(int(bad.sum())) * total[row[bad]]
            idx[bad] = np.clip(np.searchsorted(cum, u, side="right"), first[row[bad]],
                               last[row[bad]])
        return idx
    with np.errstate(divide="ignore"):
        key = np.where(w > 0, rng.standard_exponential(w.size) / w, np.inf)
    order = np.lexsort((key, rel))
    srel = rel[order]
    first = np.searchsorted(srel, np.arange(R), side="left")
    rank = np.arange(srel.size) - first[srel]
    return np.sort(order[rank < k[srel]])
