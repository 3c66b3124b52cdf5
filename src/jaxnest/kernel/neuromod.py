"""Volume transmitters in the kernel: dopamine spike archives and their deliveries.

Compiled only where a neuromodulated synapse model (stdp_dopamine_synapse) has connections.
Then, as NEST's volume_transmitter:

- the spikes sent to each volume_transmitter (by the dopamine neurons) arrive ``delay`` steps
  after their emission in a ring of arrival counts (``ring``: L rows by step modulo L, one
  column per volume_transmitter), filled when the kernel delivers a slice's spikes;
- in its slice, each step's arrivals join the volume_transmitter's archive as one entry (time
  (s + 1) h, summed multiplicity), after its last delivery time ``head``;
- at the end of a slice whose end step is a multiple of deliver_interval x min_delay (the
  slice length is min_delay then, so that the deliveries fall between the same spikes as in
  NEST), every neuromodulated synapse of that volume_transmitter is brought up to that time
  (the rule's ``on_trigger``) and its archive restarts there.

An archive holds K entries; a volume_transmitter that would need more sets ``over`` and the
runtime reruns the chunk with a longer archive.
"""
from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..synapses.base import DopaView, PostView

VT_K = 64  # archive entries to start with (grown on overflow)


@dataclass(frozen=True)
class VTStatic:
    """What the compiled volume_transmitter phase depends on."""
    n_vt: int
    K: int          # archive entries
    n_edges: int    # edges into volume_transmitters


def new_state(K: int, n_vt: int, L: int) -> dict:
    """Empty archives (head 0: NEST's pseudo spike at 0 ms) and arrival rings (numpy)."""
    return {"ring": np.zeros((L, n_vt)), "t": np.zeros((K, n_vt)), "m": np.zeros((K, n_vt)),
            "count": np.zeros(n_vt, np.int32), "head": np.zeros(n_vt),
            "over": np.bool_(False)}


def deliver(vt: dict, S, A, e: dict, L: int) -> dict:
    """The arrivals of a slice's spikes S (row k: emitted in step A + k) along the edges into
    volume_transmitters (source row ``src``, column ``vt``, delay ``d`` in steps)."""
    m = jnp.abs(S[:, e["src"]])
    k = jnp.arange(S.shape[0], dtype=jnp.int64)[:, None]
    row = ((A + k + e["d"][None, :]) % L).astype(jnp.int32)
    col = jnp.broadcast_to(e["vt"][None, :], row.shape)
    return dict(vt, ring=vt["ring"].at[row, col].add(m.astype(vt["ring"].dtype)))


def collect(vt: dict, A, k_lo, k_hi, D: int, L: int, stamp_ms) -> dict:
    """Steps A + k (k_lo <= k < k_hi) of a slice: their arrivals become archive entries, their
    ring rows are cleared."""
    r0 = (A % L).astype(jnp.int32)
    rows = lax.dynamic_slice_in_dim(vt["ring"], r0, D, 0)
    k = jnp.arange(D)
    live = ((k >= k_lo) & (k < k_hi))[:, None]
    m = jnp.where(live, rows, 0.0)
    got = m > 0
    K = vt["t"].shape[0]
    pos = vt["count"][None, :] + jnp.cumsum(got, axis=0, dtype=jnp.int32) - 1
    over = vt["over"] | jnp.any(got & (pos >= K))
    pos = jnp.where(got, pos, K)
    col = jnp.broadcast_to(jnp.arange(m.shape[1], dtype=jnp.int32)[None, :], pos.shape)
    t = jnp.broadcast_to(stamp_ms(A + k)[:, None], pos.shape)
    return dict(vt, t=vt["t"].at[pos, col].set(t.astype(vt["t"].dtype), mode="drop"),
                m=vt["m"].at[pos, col].set(m, mode="drop"),
                count=vt["count"] + jnp.sum(got, axis=0, dtype=jnp.int32),
                ring=lax.dynamic_update_slice_in_dim(vt["ring"], jnp.where(live, 0.0, rows)
                                                     .astype(rows.dtype), r0, 0),
                over=over)


def make_trigger(ps):
    """``trigger(syn, e, arch_in, vt, fire, t_trig) -> (syn, overflow)``: the rule's
    ``on_trigger`` on every connection of one plastic set whose volume_transmitter delivers
    (``fire``, per volume_transmitter) at t_trig (ms)."""
    rule = ps.impl

    def trigger(syn, e, arch_in, vt, fire, t_trig):
        p = e["params"]
        idx = jnp.asarray(p["volume_transmitter"]).astype(jnp.int32)
        act = (e["valid"] != 0) & fire[idx]
        arch, tau_inv, tau_t_inv = arch_in
        tgt = e["tgt"]
        post = PostView(arch, tgt, tau_inv[tgt], tau_t_inv[tgt])
        new = rule.on_trigger(p, dict(syn, active=act), t_trig, post, DopaView(vt, idx))
        syn = {k: jnp.where(act, new[k], v).astype(v.dtype) for k, v in syn.items()}
        return syn, jnp.any(post.overflow & act)

    return trigger


def end_of_slice(vt: dict, syn: list, over, A, k_lo, k_hi, D: int, L: int, stamp_ms,
                 triggers: list, plastic_args: list, arch_in, period):
    """A slice's steps into the archives, then the deliveries due at its end (``triggers``:
    (set index, trigger) of the neuromodulated sets)."""
    vt = collect(vt, A, k_lo, k_hi, D, L, stamp_ms)
    fire = (k_hi == D) & ((A + D) % period == 0)
    t_trig = stamp_ms(A + D - 1)

    def run(c):
        vt, syn, over = c
        syn = list(syn)
        for i, trig in triggers:
            syn[i], o = trig(syn[i], plastic_args[i], arch_in, vt, fire, t_trig)
            over = over | o
        vt = dict(vt, count=jnp.where(fire, 0, vt["count"]),
                  head=jnp.where(fire, t_trig, vt["head"]).astype(vt["head"].dtype))
        return vt, syn, over

    return lax.cond(jnp.any(fire), run, lambda c: c, (vt, list(syn), over))


# --- host side -----------------------------------------------------------------------------

def to_device(host: dict, gids, K: int, L: int, step: int, float_type) -> dict:
    """The plan's volume_transmitters' state for a run starting at ``step``, from the host
    copies by gid ({"pending": {step: count}, "t", "m", "head"})."""
    out = new_state(K, len(gids), L)
    for j, g in enumerate(gids):
        h = host.get(int(g))
        if h is None:
            continue
        n = len(h["t"])
        out["t"][:n, j], out["m"][:n, j], out["count"][j] = h["t"], h["m"], n
        out["head"][j] = h["head"]
        for s, m in h["pending"].items():
            out["ring"][s % L, j] += m
    out = {k: jnp.asarray(v) for k, v in out.items()}
    return {k: (v.astype(float_type) if k == "ring" else v) for k, v in out.items()}


def regrow(vt: dict, K: int) -> dict:
    """The same archives with room for K entries."""
    pad = K - vt["t"].shape[0]
    return dict(vt, t=jnp.pad(vt["t"], ((0, pad), (0, 0))),
                m=jnp.pad(vt["m"], ((0, pad), (0, 0))), over=jnp.bool_(False))


def to_host(vt: dict, gids, L: int, step: int) -> dict:
    """Host copies by gid after a run that ended before ``step``: archives, and the pending
    arrivals (ring rows not read yet are the steps step .. step + L - 1)."""
    v = {k: np.asarray(x) for k, x in vt.items()}
    out = {}
    for j, g in enumerate(gids):
        n = int(v["count"][j])
        rows = np.flatnonzero(v["ring"][:, j])
        steps = step + (rows - step) % L
        out[int(g)] = {"t": v["t"][:n, j].copy(), "m": v["m"][:n, j].copy(),
                       "head": float(v["head"][j]),
                       "pending": dict(zip(steps.tolist(), v["ring"][rows, j].tolist()))}
    return out
