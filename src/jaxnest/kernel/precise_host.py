"""The host side of precise spike timing (see precise.py): which rows are off-grid and which
neurons read events in time order, the edge set between them, the capacities, and the
runtime's carry (event ring, pending spike list) across chunks, runs and plan changes.
"""
from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from .. import errors
from ..jaxenv import put
from .precise import PreciseStatic, empty_list, empty_ring

CAPS = {"Q": 256, "P": 1024, "K": 4, "E": 1024}
"""Starting capacities, grown on overflow: spike list entries per slice (Q), spike-edge pairs
per delivery (P), ring events per neuron and step (K), device spikes per chunk (E)."""


def wanted(net) -> bool:
    """Whether the network needs the precise phase: a model that emits off-grid spikes or
    reads its input in time order, or a device that sends off-grid spikes now."""
    for store in net.neurons.values():
        impl = store.entry.impl
        if len(store) and (impl.off_grid or impl.precise_input):
            return True
    for dev in net.devices.values():
        f = getattr(dev.entry.impl, "offgrid", None)
        if f is not None and f(dev.status):
            return True
    return False


def layout(net, groups, n_neurons: int, sg_gids: np.ndarray) -> dict | None:
    """Off-grid rows, ring columns of the precise receivers, and their groups (None: the
    network needs no precise phase)."""
    if not wanted(net):
        return None
    R = n_neurons + sg_gids.size
    offgrid = np.zeros(R, bool)
    p_col = np.full(n_neurons, -1, np.int64)
    p_groups, off_groups, n_p = [], [], 0
    for gi, g in enumerate(groups):
        if g.impl.off_grid:
            offgrid[g.offset:g.offset + g.n] = True
            off_groups.append(gi)
        if g.impl.precise_input:
            chans = tuple(c for c in g.impl.precise_input if c < g.C)
            p_groups.append((gi, n_p, chans))
            p_col[g.offset:g.offset + g.n] = n_p + np.arange(g.n)
            n_p += g.n
    for j, gid in enumerate(sg_gids.tolist()):
        if getattr(net.devices[gid].entry.impl, "spike_events", None) is not None:
            offgrid[n_neurons + j] = True
    return {"offgrid": offgrid, "p_col": p_col, "p_groups": tuple(p_groups),
            "off_groups": tuple(off_groups), "n_p": n_p, "n_edges": 0,
            "n_dev": int(offgrid[n_neurons:].sum())}


def split_edges(lay: dict, plan, src_row, tgt, cols, is_spike, plastic_mask,
                channels, delay_offset=None) -> np.ndarray:
    """Take the static spike edges from off-grid rows into the event channels of precise
    receivers out of ``is_spike`` (returned) into ``lay``'s edge set (CSR by source row:
    ``start``, ``cnt`` per row; ``tgt`` ring column, ``d`` delay in steps, ``w`` value per
    unit multiplicity); mark the plastic ones (``lay["plastic"]``, by connection: their
    events go into the event ring too, from plastic sets of their own, plan._plastic_sets).
    ``src_row``: the source row of every connection (-1: none); ``channels``: the plan's
    (groups, row_of, tgt, weight, receptor, float_type) -> (channel, value) of edges;
    ``delay_offset``: off-grid delays' offsets (ms, NaN or 0: none) per
    connection (synapses/cont_delay.py), kept per edge as ``doff``."""
    R = lay["offgrid"].size
    tgt_row = plan.row_of[tgt]
    to_p = np.zeros(tgt.size, bool)
    ok = tgt_row >= 0
    to_p[ok] = lay["p_col"][np.minimum(tgt_row[ok], lay["p_col"].size - 1)] >= 0 \
        if lay["p_col"].size else False
    from_off = np.zeros(src_row.size, bool)
    ok = src_row >= 0
    from_off[ok] = lay["offgrid"][src_row[ok]]
    cand = np.flatnonzero(from_off & to_p & (is_spike | (plastic_mask if plastic_mask
                                                        is not None else False)))
    chan, value = channels(plan.groups, plan.row_of, tgt[cand], cols["weight"][cand],
                           cols["receptor"][cand], plan.float_type)
    reads = np.zeros(cand.size, bool)
    rows_c = tgt_row[cand]
    for gi, _, chans in lay["p_groups"]:
        g = plan.groups[gi]
        reads |= (rows_c >= g.offset) & (rows_c < g.offset + g.n) & np.isin(chan, chans)
    lay["plastic"] = np.zeros(is_spike.size, bool)  # their plastic edges: precise sets
    if plastic_mask is not None:
        lay["plastic"][cand[plastic_mask[cand] & reads]] = True
    sel = reads & is_spike[cand]
    idx, value = cand[sel], value[sel]
    rows = src_row[idx]
    order = np.argsort(rows, kind="stable")
    idx, rows, value = idx[order], rows[order], value[order]
    cnt = np.bincount(rows, minlength=R).astype(np.int32)
    start = np.zeros(R, np.int32)
    np.cumsum(cnt[:-1], out=start[1:])
    lay.update(n_edges=int(idx.size), start=start, cnt=cnt,
               tgt=lay["p_col"][tgt_row[idx]].astype(np.int32),
               d=np.rint(cols["delay"][idx] / plan.h).astype(np.int32),
               w=value.astype(plan.float_type))
    doff = np.zeros(idx.size) if delay_offset is None else np.nan_to_num(delay_offset[idx])
    lay["doff"] = doff.astype(plan.float_type) if doff.any() else None
    mask = np.zeros(is_spike.size, bool)
    mask[idx] = True
    rest = is_spike & ~mask
    off_grid = rest & (np.nan_to_num(delay_offset) > 0) if delay_offset is not None else None
    if off_grid is not None and (off_grid & from_off).any():
        raise errors.NotImplemented(
            "Off-grid delays (cont_delay_synapse) from precise-spiking sources into grid-based "
            "targets (the step an event lands in depends on its offset).")
    if off_grid is not None and (off_grid & to_p).any():
        raise errors.NotImplemented(
            "Off-grid delays (cont_delay_synapse) from grid-based sources into precise-spiking "
            "neurons (their events would need the offset).")
    return rest


def static_of(lay: dict | None, caps: dict) -> PreciseStatic | None:
    if lay is None:
        return None
    return PreciseStatic(lay["n_p"], lay["p_groups"], lay["off_groups"], caps["Q"], caps["P"],
                         caps["K"], lay["n_edges"], lay["n_dev"],
                         lay.get("doff") is not None)


def device_args(plan) -> dict:
    """The edge set and the recorder index of every row (-1: not recorded)."""
    lay = plan.precise
    rec = np.full(lay["offgrid"].size, -1, np.int32)
    rec[plan.rec_rows] = np.arange(plan.rec_rows.size, dtype=np.int32)
    out = {"precise_rec": put(rec), "precise_offgrid": put(lay["offgrid"])}
    if lay["n_edges"]:
        pad = lambda a: np.concatenate([a, np.zeros(1, a.dtype)])  # noqa: E731 - index 0 ok
        out["precise"] = {"start": put(lay["start"]), "cnt": put(lay["cnt"]),
                          "tgt": put(pad(lay["tgt"])), "d": put(pad(lay["d"])),
                          "w": put(pad(lay["w"]))}
        if lay.get("doff") is not None:
            out["precise"]["doff"] = put(pad(lay["doff"]))
    return out


# --- device spikes -------------------------------------------------------------------------

def device_events(parts: list, float_type: str, caps: dict) -> dict:
    """The chunk's device spikes (list of (step index, row, offset, value) arrays) sorted by
    step, padded to ``caps['E']`` (grown to a power of two when they do not fit; it never
    shrinks, so that the chunk function keeps its shapes); padding: a step no chunk reaches."""
    step, row, off, m = (np.concatenate([p[i] for p in parts]) if parts else np.zeros(0)
                         for i in range(4))
    order = np.argsort(step, kind="stable")
    if step.size > caps["E"]:
        caps["E"] = 2 ** math.ceil(math.log2(step.size))
    n = caps["E"]
    out = {"step": np.full(n, 2**30, np.int32), "row": np.zeros(n, np.int32),
           "off": np.zeros(n, float_type), "m": np.zeros(n, float_type)}
    for key, v in (("step", step), ("row", row), ("off", off), ("m", m)):
        out[key][:step.size] = v[order]
    return {k: put(v) for k, v in out.items()}


def abstract_device_events(caps: dict, float_type: str) -> dict:
    """Shapes of :func:`device_events` (compiling ahead of the first chunk's inputs)."""
    import jax
    n = caps["E"]
    return {"step": jax.ShapeDtypeStruct((n,), jnp.int32),
            "row": jax.ShapeDtypeStruct((n,), jnp.int32),
            "off": jax.ShapeDtypeStruct((n,), float_type),
            "m": jax.ShapeDtypeStruct((n,), float_type)}


def dense(events, n_steps: int, n_cols: int) -> np.ndarray:
    """A device's events (col, step index, offset, value) summed per step and row: the
    multiplicities grid targets read."""
    out = np.zeros((n_steps, n_cols))
    col, step, _, value = events
    np.add.at(out, (np.asarray(step, np.int64), np.asarray(col, np.int64)), value)
    return out


# --- carry across chunks, runs and plans ------------------------------------------------

def grow(caps: dict, need) -> bool:
    """Larger capacities where the chunk needed more (in place); whether any grew."""
    grew = False
    for key, n in zip(("Q", "P", "K"), np.asarray(need).tolist()):
        if n > caps[key]:
            caps[key] = 2 ** math.ceil(math.log2(n * 1.25))
            grew = True
    return grew


def fit_ring(ring: dict, K: int) -> dict:
    """The ring with room for K events per neuron and step (events kept)."""
    k = ring["off"].shape[1]
    if k == K:
        return ring
    pad = [(0, 0), (0, max(K - k, 0)), (0, 0)]
    return {"off": jnp.pad(ring["off"][:, :K], pad), "w": jnp.pad(ring["w"][:, :K], pad),
            "cnt": ring["cnt"]}


def fit_list(lst: dict, Q: int) -> dict:
    q = lst["k"].shape[0]
    if q == Q:
        return lst
    return {k: (v if k == "n" else jnp.pad(v[:Q], (0, max(Q - q, 0)))) for k, v in lst.items()}


def ring_for(plan, old, step: int) -> dict:
    """The event ring for ``plan``: the previous one (``old`` = (plan, ring)) when it belongs
    to it, else its pending events moved to the new plan's columns and slots."""
    lay, K = plan.precise, plan.precise_caps["K"]
    L, ft = plan.L, plan.float_type
    if old is not None and old[0] is plan:
        return fit_ring(old[1], K)
    ring = empty_ring(L, K, lay["n_p"], ft)  # fresh numpy arrays, filled below
    if old is not None and old[0].precise is not None and old[0].precise["n_p"]:
        o_plan, o = old[0], {k: np.asarray(v) for k, v in old[1].items()}
        o_gids = _col_gids(o_plan)
        n_cols = _col_gids(plan)
        pos = {g: i for i, g in enumerate(n_cols.tolist())}
        pairs = [(i, pos[g]) for i, g in enumerate(o_gids.tolist()) if g in pos]
        if pairs:
            oc, nc = (np.array(x) for x in zip(*pairs))
            k = min(K, o["off"].shape[1])
            for s in range(step, step + o_plan.L):
                a, b = s % o_plan.L, s % L
                ring["off"][b, :k, nc] = o["off"][a][:k][:, oc].T  # (columns, k)
                ring["w"][b, :k, nc] = o["w"][a][:k][:, oc].T
                ring["cnt"][b, nc] = o["cnt"][a, oc]
    return {k: put(v) for k, v in ring.items()}


def _col_gids(plan) -> np.ndarray:
    gids = np.concatenate([g.gids for g in plan.groups]) if plan.groups else np.zeros(0, int)
    col = plan.precise["p_col"]
    out = np.zeros(plan.precise["n_p"], np.int64)
    out[col[col >= 0]] = gids[:col.size][col >= 0]
    return out


def pending_list(plan, old, pend: dict, match_rows) -> dict:
    """The spike list carried from the last slice run (delivered or continued in the next
    run), in ``plan``'s rows; empty when there is none."""
    Q, ft = plan.precise_caps["Q"], plan.float_type
    if old is not None and "P" in old[1]:
        o_plan, lst = old[0], old[1]["P"]
        if o_plan is plan:
            return fit_list(lst, Q)
        lst = {k: np.asarray(v) for k, v in lst.items()}
        n = min(int(lst["n"]), lst["k"].size)
        new_rows, old_rows = match_rows(plan, o_plan)
        remap = np.full(o_plan.n_rows, -1, np.int64)
        remap[old_rows] = new_rows
        rows = remap[lst["row"][:n]]
        keep = rows >= 0
        out = empty_list(Q, ft)
        m = int(keep.sum())
        out["k"][:m], out["row"][:m] = lst["k"][:n][keep], rows[keep]
        out["off"][:m], out["m"][:m] = lst["off"][:n][keep], lst["m"][:n][keep]
        out["n"] = np.int32(m)
        return {k: put(v) for k, v in out.items()}
    return empty_list(Q, ft)
