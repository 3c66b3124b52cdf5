"""Spike payloads: a value a spike carries in NEST's offset field (host side; the compiled
part is in engine.py).

NEST's iaf_tum_2000 and iaf_bw_2001 (``payload_out`` models) put a number into the offset
field of the spikes they send (the synaptic efficacy of their built-in Tsodyks-Markram
synapse; the NMDA gating increment) and their receivers multiply the weight by it on some
receptor types (``payload_in``). The kernel keeps, beside the slice's spike array S (D x R
multiplicities), an array O of the same shape with each payload row's value where it spiked.
Edges from payload rows into payload receptors are an edge set of their own, laid out as the
static spike edges and delivered from O by the same segment loop; edges from any other source
into a payload receptor carry 0 (NEST's offset of an on-grid spike) and are dropped. Spike
recorders get the payload as the offset (NEST records stamp - offset). A network without
payload senders builds none of this (``Static.payload`` is None): its compiled step is as
before.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import errors


@dataclass(frozen=True)
class PayloadStatic:
    """What the compiled payload delivery depends on (the edge set's segment layout)."""
    n_edges: int            # edge lanes (bucketed, see plan.segment_capacity)
    n_seg: int = 0
    seg_len: int = 1
    seg_batch: int = 1


def static_of(lay: dict | None) -> PayloadStatic | None:
    if lay is None:
        return None
    return PayloadStatic(lay.get("n_cap", 0), lay.get("n_seg", 0), lay.get("seg_len", 1),
                         lay.get("seg_batch", 1))


def split_edges(plan, src_row, tgt, cols, is_spike, is_plastic, channels, precise,
                spike_layout, spike_fill, idx64: bool) -> np.ndarray:
    """Take the edges into payload receptors out of the static spike edges (returned):
    those from payload rows become ``plan.payload``'s edge set, the others carry nothing and
    are dropped. ``plan.payload`` stays None when no neuron sends payloads."""
    groups = plan.groups
    pay_groups = [g for g in groups if g.impl.payload_out]
    into = [g for g in groups if g.impl.payload_in]
    if not pay_groups and not into:
        return is_spike
    R = plan.n_rows
    pay_row = np.zeros(R, bool)
    for g in pay_groups:
        pay_row[g.offset:g.offset + g.n] = True
    tgt_row = plan.row_of[tgt]
    carrying = is_spike | (is_plastic if is_plastic is not None else False)
    port = np.zeros(tgt.size, bool)
    for g in into:
        in_g = (tgt_row >= g.offset) & (tgt_row < g.offset + g.n)
        port |= in_g & np.isin(cols["receptor"], g.impl.payload_in)
    port &= carrying
    from_pay = np.zeros(tgt.size, bool)
    ok = src_row >= 0
    from_pay[ok] = pay_row[src_row[ok]]
    if is_plastic is not None and (is_plastic & port).any():
        raise errors.NotImplemented("Plastic synapses into receptors that read the spike's "
                                    "payload (iaf_tum_2000 receptor 1, iaf_bw_2001 NMDA).")
    if precise is not None:
        off_row = np.zeros(src_row.size, bool)
        off_row[ok] = precise["offgrid"][src_row[ok]]
        if (off_row & port).any():
            raise errors.NotImplemented("Precise-spiking sources into receptors that read "
                                        "the spike's payload (its offset).")
        if precise["n_p"] and (from_pay & carrying & (tgt_row >= 0)).any():
            p_col = precise["p_col"]
            into_p = np.zeros(tgt.size, bool)
            ok_t = (tgt_row >= 0) & (tgt_row < p_col.size)
            into_p[ok_t] = p_col[tgt_row[ok_t]] >= 0
            if (from_pay & carrying & into_p).any():
                raise errors.NotImplemented("Spikes with a payload (iaf_tum_2000, "
                                            "iaf_bw_2001) into precise-spiking neurons.")
    moved = np.flatnonzero(port & from_pay & is_spike)
    plan.payload = None
    if pay_groups:
        N, C, L = plan.n_neurons, plan.C, plan.L
        CN = C * N
        lay = spike_layout(src_row[moved].astype(np.int32), R, idx64)
        if lay["n_edges"]:
            it = np.int64 if lay["idx64"] else np.int32
            chan, value = channels(groups, plan.row_of, tgt[moved], cols["weight"][moved],
                                   cols["receptor"][moved], plan.float_type)
            off = (np.rint(cols["delay"][moved] / plan.h).astype(it) * CN
                   + chan.astype(it) * N + tgt_row[moved].astype(it))
            spike_fill(lay, src_row[moved], dict(off=off, w=value), 3 * L * CN)
        lay["rows"] = pay_row
        plan.payload = lay
    return is_spike & ~port
