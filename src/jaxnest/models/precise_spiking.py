"""What NEST's precise-spiking integrate-and-fire models share (iaf_psc_*_ps).

Such a neuron reads its input events one at a time in time order (see kernel/precise.py) and
integrates exactly from one event to the next ("ministeps"); a threshold crossing inside a
ministep is located by the Illinois regula falsi on the exact trajectory from the ministep's
start, and the spike is sent with its offset before the end of the step. The return from
refractoriness is a pseudo-event at the offset of the spike that started it, placed before
the step's events at or after that time (NEST's SliceRingBuffer). All of it runs vectorised
over a group of neurons: every neuron steps through the same K slots, with masks.

Offsets count back from the end of the step, as NEST's: an event at offset o lies at h - o
after the start of the step.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import jax.numpy as jnp
import numpy as np
from jax import lax

EPS = float(np.finfo(float).eps)
RF_MAX_ITER = 500        # NEST's regula_falsi: iterations, and |distance| that ends them
RF_TOLERANCE = 1e-14


def regula_falsi(distance, dt, active):
    """NEST's regula_falsi (Illinois variant) for every ``active`` neuron: the time t in
    [0, dt] (ms after the ministep's start) where ``distance(t)`` (V(t) - threshold,
    vectorised) crosses zero; ``dt`` elsewhere."""
    a = jnp.zeros_like(dt)
    b = dt
    fa, fb = distance(a), distance(b)
    init = (a, b, fa, fb, jnp.zeros(dt.shape, jnp.int32), b, ~active, jnp.int32(0))

    def cond(c):
        return jnp.any(~c[6]) & (c[7] < RF_MAX_ITER)

    def body(c):
        a, b, fa, fb, last, root, done, it = c
        r = (a * fb - b * fa) / (fb - fa)
        r = jnp.where(done, root, r)
        fr = distance(r)
        conv = jnp.abs(fr) < RF_TOLERANCE
        side_a = fa * fr > 0.0
        side_b = ~side_a & (fb * fr > 0.0)
        go = ~done & ~conv
        ua, ub = go & side_a, go & side_b
        a, fa = jnp.where(ua, r, a), jnp.where(ua, fr, fa)
        fb = jnp.where(ua & (last == 1), fb / 2.0, fb)
        b, fb = jnp.where(ub, r, b), jnp.where(ub, fr, fb)
        fa = jnp.where(ub & (last == -1), fa / 2.0, fa)
        last = jnp.where(ua, 1, jnp.where(ub, -1, last))
        root = jnp.where(~done, r, root)
        done = done | conv | (go & ~side_a & ~side_b)  # NEST throws there (no convergence)
        return a, b, fa, fb, last, root, done, it + 1

    return lax.while_loop(cond, body, init)[5]


def with_release(x, release, rel_off):
    """The step's events with the pseudo-event of the return from refractoriness inserted
    (where ``release``) before the events at or after its time: (offset, weight, valid,
    is_release), shape (K + 1, n), earliest first."""
    K = x.offset.shape[0]
    ahead = jnp.sum(x.valid & (x.offset > rel_off), axis=0)   # events before the release
    j = jnp.arange(K + 1)[:, None]
    shift = release & (j > ahead)                               # slot j takes event j - 1
    src = jnp.clip(jnp.where(shift, j - 1, j), 0, K - 1)
    take = lambda a: jnp.take_along_axis(a, jnp.broadcast_to(src, (K + 1,) + a.shape[1:]), 0)
    at = release & (j == ahead)
    in_range = jnp.where(shift, True, j < K)
    off = jnp.where(at, rel_off, take(x.offset))
    w = jnp.where(at, 0.0, take(x.weight))
    valid = jnp.where(at, True, take(x.valid) & in_range)
    return off, w, valid, at


@dataclass(frozen=True)
class Dynamics:
    """One precise model's subthreshold dynamics on a dict of relative state ``y`` (``V``
    relative to E_L, ``I0`` the step's current input, the synaptic currents); ``p`` holds the
    parameters relative to E_L, ``pr`` the propagators of a full step."""
    full_step: Callable      # (y, p, pr, refractory) -> y after a step without events
    propagate: Callable      # (y, dt, p, refractory) -> y after dt ms
    crossing: Callable       # (y, yb, dt, p) -> (crossed, interval to search) after dt
    distance: Callable       # (t, yb, p) -> V(t) - V_th from state yb
    receive: Callable        # (y, w, p) -> y with an input event of weight w


def ps_step(dyn: Dynamics, p, pr, y, refr, last_step, last_off, x, h, step, refr_steps):
    """One step of a precise iaf model (NEST's update for one lag). ``refr``: refractory;
    ``last_step``/``last_off``: stamp (steps) and offset of the last spike. Returns
    (y, refr, last_step, last_off, spiked, offset).

    A crossing resets the neuron at once; its time is found after the step (it changes
    nothing within the step: the neuron stays refractory for at least the rest of it), by
    one regula falsi from the state at the start of its ministep."""
    U_th, U_reset = p["U_th"], p["U_reset"]
    stamp = (step + 1).astype(y["V"].dtype)
    # superthreshold at the start (initial state or SetStatus): spike at once
    inst = y["V"] >= U_th
    y = dict(y, V=jnp.where(inst, U_reset, y["V"]))
    refr = refr | inst
    last_step = jnp.where(inst, stamp, last_step)
    last_off = jnp.where(inst, h * (1.0 - EPS), last_off)
    release = refr & (stamp - last_step == refr_steps)
    off_s, w_s, valid_s, is_rel = with_release(x, release, last_off)
    events = jnp.any(valid_s, axis=0)

    def emit(y, refr, found, cr, t0, dt, yb):
        """A crossing where ``cr`` in (t0, t0 + dt] ms after the step's start, from yb."""
        f_cr, f_t0, f_dt, f_yb = found
        found = (f_cr | cr, jnp.where(cr, t0, f_t0), jnp.where(cr, dt, f_dt),
                 {k: jnp.where(cr, yb[k], f_yb[k]) for k in yb})
        return dict(y, V=jnp.where(cr, U_reset, y["V"])), refr | cr, found

    none = (jnp.zeros(refr.shape, bool), jnp.zeros_like(y["V"]), jnp.zeros_like(y["V"]), y)
    # no events: one full step with the precomputed propagators
    yA = dyn.full_step(y, p, pr, refr)
    crA, dtA = dyn.crossing(yA, y, jnp.full_like(y["V"], h), p)
    A = emit(yA, refr, none, crA & ~events, 0.0, dtA, y)

    # events: ministeps from event to event
    def slot(j, c):
        y, refr, found, yb, last = c
        valid = valid_s[j] & events
        eo = off_s[j]
        ms = last - eo
        go = valid & (ms > 0.0)
        yP = dyn.propagate(y, jnp.where(go, ms, 0.0), p, refr)
        y = {k: jnp.where(go, yP[k], y[k]) for k in y}
        cr, dt = dyn.crossing(y, yb, ms, p)
        y, refr, found = emit(y, refr, found, cr & go, h - last, dt, yb)
        refr = jnp.where(valid & is_rel[j], False, refr)
        yR = dyn.receive(y, w_s[j], p)
        take = valid & ~is_rel[j]
        y = {k: jnp.where(take, yR[k], y[k]) for k in y}
        yb = {k: jnp.where(valid, y[k], yb[k]) for k in y}
        return y, refr, found, yb, jnp.where(valid, eo, last)

    y, refrB, found, yb, last = lax.fori_loop(0, off_s.shape[0], slot,
                                              (y, refr, none, y, jnp.full_like(y["V"], h)))
    go = events & (last > 0.0)
    yP = dyn.propagate(y, jnp.where(go, last, 0.0), p, refrB)
    y = {k: jnp.where(go, yP[k], y[k]) for k in y}
    cr, dt = dyn.crossing(y, yb, last, p)
    B = emit(y, refrB, found, cr & go, h - last, dt, yb)
    y, refr, (cr, t0, dt, yb) = jax_where(events, B, A)
    root = lax.cond(jnp.any(cr), lambda: regula_falsi(lambda t: dyn.distance(t, yb, p), dt, cr),
                    lambda: dt)
    off = h - (t0 + root)
    spiked = inst | cr
    offset = jnp.where(cr, off, jnp.where(inst, h * (1.0 - EPS), 0.0))
    return (y, refr, jnp.where(cr, stamp, last_step), jnp.where(cr, off, last_off), spiked,
            offset)


def jax_where(c, a, b):
    """``where(c, a, b)`` through tuples and dicts of arrays."""
    if isinstance(a, dict):
        return {k: jnp.where(c, a[k], b[k]) for k in a}
    if isinstance(a, tuple):
        return tuple(jax_where(c, u, v) for u, v in zip(a, b))
    return jnp.where(c, a, b)
