"""Dopamine-modulated STDP: stdp_dopamine_synapse (Potjans et al. 2010, after Izhikevich 2007).

As NEST's ``stdp_dopamine_synapse``: spike pairings change an eligibility trace c (+A_plus K+
at each postsynaptic spike, K+ the presynaptic trace, decay tau_plus; -A_minus K- at each
presynaptic spike, K- the target's trace); the weight follows dw/dt = c (n - b), where n is the
dopamine trace (+1/tau_n per dopamine spike of the model's volume_transmitter, decay tau_n)
and c decays with tau_c; the weight is clipped to [Wmin, Wmax] after each piece.

The synapse integrates piecewise, exactly as NEST does, from its last update through the
events in time order: the volume_transmitter's dopamine spikes, the postsynaptic spikes
(shifted by the delay, all of it dendritic) and the end time, which is either a presynaptic
spike (then depression, the event carries the new weight, K+ steps) or the
volume_transmitter's delivery (NEST's trigger_update_weight: n and K+ decay to it). All rule
parameters and ``volume_transmitter`` are shared by the connections of a model.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import errors
from .base import COMMON, STDP_EPS, SynapseModel

RULE = {"A_plus": 1.0, "A_minus": 1.5, "tau_plus": 20.0, "tau_c": 1000.0, "tau_n": 200.0,
        "b": 0.0, "Wmin": 0.0, "Wmax": 200.0}


def update_weight(w, c0, n0, minus_dt, p):
    """The weight after ``-minus_dt`` ms of dw/dt = c (n - b), c and n given at its start."""
    taus = (p["tau_c"] + p["tau_n"]) / (p["tau_c"] * p["tau_n"])
    w = w - c0 * (n0 / taus * jnp.expm1(taus * minus_dt)
                  - p["b"] * p["tau_c"] * jnp.expm1(minus_dt / p["tau_c"]))
    w = jnp.where(w < p["Wmin"], p["Wmin"], w)
    return jnp.where(w > p["Wmax"], p["Wmax"], w)


def advance(p, s, t_end, post, dopa):
    """Propagate (weight, c, n) from ``t_last_update`` to ``t_end`` through the dopamine and
    postsynaptic spikes in between, one event per edge and loop iteration.

    Per edge: n is known at ``tau`` (its last dopamine spike, or the volume_transmitter's last
    delivery), c at ``t0`` (the last postsynaptic event), the weight at ``t_w``; a dopamine
    spike at or before a postsynaptic event (eps) comes first. Returns (w, c, n, tau)."""
    s = {k: jnp.asarray(v, jnp.float64) if k != "active" else v for k, v in s.items()}
    d, t_last = p["delay"], s["t_last_update"]  # (in double, as NEST, whatever the kernel's)
    times, mask = post.history(t_last - d, t_end - d)
    H = times.shape[0]
    n_post = jnp.sum(mask, axis=0, dtype=jnp.int32)
    first = jnp.argmax(mask, axis=0).astype(jnp.int32)
    tau = jnp.maximum(s["t_n"], dopa.head)
    t_end = jnp.broadcast_to(t_end, t_last.shape)
    zero = jnp.zeros(t_last.shape, jnp.int32)
    init = (s["weight"], s["c"], s["n"], tau, t_last, t_last, zero, dopa.first_after(tau),
            ~s.get("active", jnp.ones(t_last.shape, bool)))

    def body(c):
        w, cc, n, tau, t0, t_w, ip, jd, done = c
        has_post = ip < n_post
        j = jnp.clip(first + ip, 0, H - 1)[None, :]
        u = jnp.where(has_post, jnp.take_along_axis(times, j, 0)[0] + d, t_end)
        td, md, has_d = dopa.entry(jd)
        use_d = has_d & (u - td > -STDP_EPS)
        tx = jnp.where(use_d, td, u)
        w_new = update_weight(w, cc * jnp.exp((t0 - t_w) / p["tau_c"]),
                              n * jnp.exp((tau - t_w) / p["tau_n"]), t_w - tx, p)
        n_d = n * jnp.exp((tau - td) / p["tau_n"]) + md / p["tau_n"]
        c_u = cc * jnp.exp((t0 - u) / p["tau_c"])
        kplus = s["Kplus"] * jnp.exp((t_last - u) / p["tau_plus"])
        c_u = jnp.where(has_post, c_u + p["A_plus"] * kplus, c_u)
        live = ~done
        at_d, at_u = live & use_d, live & ~use_d
        return (jnp.where(live, w_new, w), jnp.where(at_u, c_u, cc), jnp.where(at_d, n_d, n),
                jnp.where(at_d, td, tau), jnp.where(at_u, u, t0), jnp.where(live, tx, t_w),
                ip + (at_u & has_post), jd + at_d, done | (at_u & ~has_post))

    w, cc, n, tau, *_ = lax.while_loop(lambda c: ~jnp.all(c[-1]), body, init)
    return w, cc, n, tau


def on_pre(p, s, t, post, dopa):
    """NEST's send: advance to the spike, depress, K+ decays to it and steps by one."""
    kminus = post.K_value(t - p["delay"])
    w, c, n, tau = advance(p, s, t, post, dopa)
    c = c - p["A_minus"] * kminus
    t = jnp.broadcast_to(t, w.shape)
    kplus = s["Kplus"] * jnp.exp((s["t_last_update"] - t) / p["tau_plus"]) + 1.0
    return dict(s, weight=w, c=c, n=n, t_n=tau, Kplus=kplus, t_last_update=t)


def on_trigger(p, s, t_trig, post, dopa):
    """NEST's trigger_update_weight: advance to t_trig, n and K+ decay to it."""
    w, c, n, tau = advance(p, s, t_trig, post, dopa)
    t = jnp.broadcast_to(t_trig, w.shape)
    n = n * jnp.exp((tau - t) / p["tau_n"])
    kplus = s["Kplus"] * jnp.exp((s["t_last_update"] - t) / p["tau_plus"])
    return dict(s, weight=w, c=c, n=n, t_n=t, Kplus=kplus, t_last_update=t)


def check(v: dict) -> None:
    """NEST checks K+ only (no sign of weight or bounds, no time constants)."""
    if np.any(np.asarray(v["Kplus"], float) < 0):
        raise errors.BadProperty("Kplus must be non-negative.")


def check_spec(given: set, threads: int) -> None:
    """NEST's check_synapse_params: c and n per connection only with one thread."""
    for key in ("c", "n"):
        if threads > 1 and key in given:
            raise errors.NotImplemented(
                "For multi-threading Connect doesn't support the setting of parameter "
                f"{key} in stdp_dopamine_synapse. Use SetDefaults() or CopyModel().")


MODELS = {m.name: m for m in (
    SynapseModel("stdp_dopamine_synapse",
                 {**COMMON, **RULE, "volume_transmitter": 0, "Kplus": 0.0, "c": 0.0, "n": 0.0},
                 state=("Kplus", "c", "n"), hidden={"t_last_update": 0.0, "t_n": 0.0},
                 common=tuple(RULE) + ("volume_transmitter",), archive=True,
                 archive_since="t_last_update", on_pre=on_pre,
                 neuromodulated=True, on_trigger=on_trigger, check=check,
                 check_spec=check_spec),
)}
