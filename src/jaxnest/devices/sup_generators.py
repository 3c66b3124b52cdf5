"""Superposition and correlated spike generators: gamma_sup_generator, ppd_sup_generator,
mip_generator, pulsepacket_generator (NEST 3.10).

gamma_sup and ppd_sup give every target the superposition of ``n_proc`` independent
component processes. NEST keeps only the occupation numbers of the components' states and
moves them with binomial draws each active step (Poisson approximated for large counts);
here each component is followed by itself, which is the same process: in gamma_sup a
component leaves each of ``gamma_shape`` stages with probability p = rate * shape * h per
step (a spike when it leaves the last); in ppd_sup an active component spikes with the step
hazard and is then dead for floor(dead_time / h) steps. Components only move in the steps
where the generator updates them (window open and rate > 0): they run on an "active clock".
"""
from __future__ import annotations

import math

import numpy as np

from .. import errors
from ..timebase import tics_per_ms
from .base import STIMULATOR_COMMON, snap_window
from .chunks import (Device, binomial, geometric, long_param, poisson, resume,
                     resumed_clock, row_keys, steps_of, tics_of, uniforms)
from .current_generators import check_window
from .generators import window_steps
from .rate_generators import spike_active


def _clock_steps(status, steps, h):
    return np.flatnonzero(spike_active(status, steps, h) & (status["rate"] > 0))


def _components(ctx, conns, n_proc):
    """Stream index of every component of every row, shape (rows, n_proc)."""
    return row_keys(conns)[:, None] * n_proc + np.arange(n_proc)[None, :]


def _batch(p: float, span: int) -> int:
    """Events to draw at once for a component: the expected number in ``span`` clock ticks
    and a margin (more batches follow when a component needs them)."""
    return int(min(max(p * span * 1.3 + 8, 8), 4096))


# --- gamma_sup_generator ---------------------------------------------------------------------
def _check_gamma_sup(d: dict, h: float) -> None:
    check_window(d, h)
    if long_param(d, "gamma_shape") < 1:
        raise errors.BadProperty("The shape must be larger or equal 1")
    if d["rate"] < 0.0:
        raise errors.BadProperty("The rate must be larger than 0.")
    if long_param(d, "n_proc") < 1:
        raise errors.BadProperty("The number of component processes cannot be smaller than "
                                 "one")


def _gamma_sup_spikes(d: dict, steps: np.ndarray, ctx) -> np.ndarray:
    def p_of(status):
        return status["rate"] * status["gamma_shape"] * ctx.h / 1000.0

    def init(status, conns, s0, ctx):
        # NEST: n_proc // shape components in every stage, the rest in the last one
        k, n = int(status["gamma_shape"]), int(status["n_proc"])
        counts = np.full(k, n // k)
        counts[-1] += n - (n // k) * k
        stage = np.repeat(np.arange(k), counts)[None, :].repeat(conns.size, 0)
        c = resumed_clock(ctx)
        g = geometric(p_of(status), uniforms(ctx, c, _components(ctx, conns, n), 0))
        return {"rows": {"stage": stage, "nxt": c - 1 + g, "m": np.zeros(stage.shape, np.int64)},
                "clock": c}

    def retune(old, new, proc, s0, conns):  # stages are memoryless: redraw the waits
        c, rows = proc["clock"], proc["rows"]
        g = geometric(p_of(new), uniforms(ctx, c, _components(ctx, conns, rows["nxt"].shape[1]),
                                          1))
        return {**proc, "rows": {**rows, "nxt": c - 1 + g}}

    def advance(status, proc, steps, conns, ctx):
        """Stage transitions of every component up to the chunk's last active step, in
        batches: wait i after a component's transition number m is keyed by m + i."""
        act = _clock_steps(status, steps, ctx.h)
        k, p = int(status["gamma_shape"]), p_of(status)
        c0, c_end = proc["clock"], proc["clock"] + act.size
        rows = {key: v.copy() for key, v in proc["rows"].items()}
        stage, nxt, m = rows["stage"], rows["nxt"], rows["m"]
        idx = _components(ctx, conns, nxt.shape[1] if conns.size else 0)
        out = np.zeros((steps.size, conns.size))
        while True:
            sub = np.nonzero(nxt < c_end)
            if not sub[0].size:
                break
            K = _batch(p, c_end - int(nxt[sub].min()))
            g = geometric(p, uniforms(ctx, m[sub][:, None] + np.arange(K), idx[sub][:, None],
                                      2))
            t = nxt[sub][:, None] + np.concatenate(
                [np.zeros((g.shape[0], 1), np.int64), np.cumsum(g[:, :-1], axis=1)], axis=1)
            done = (t < c_end).sum(axis=1)  # transitions in this chunk (t increases)
            spike = ((stage[sub][:, None] + np.arange(1, K + 1)) % k == 0) & (t < c_end)
            r, c = np.nonzero(spike)
            np.add.at(out, (act[t[r, c] - c0], sub[0][r]), 1.0)
            last = np.arange(done.size), done - 1
            nxt[sub] = t[last] + g[last]
            stage[sub] = (stage[sub] + done) % k
            m[sub] += done
        return out, {**proc, "rows": rows, "clock": c_end}

    return resume(d, steps, ctx, init, advance, retune)


# --- ppd_sup_generator -----------------------------------------------------------------------
def _check_ppd(d: dict, h: float) -> None:
    check_window(d, h)
    if d["dead_time"] < 0:
        raise errors.BadProperty("The dead time cannot be negative.")
    if d["rate"] != 0 and 1000.0 / d["rate"] <= d["dead_time"] or d["rate"] < 0:
        raise errors.BadProperty("The inverse rate has to be larger than the dead time.")
    if long_param(d, "n_proc") < 1:
        raise errors.BadProperty("The number of component processes cannot be smaller than "
                                 "one")
    if not 0.0 <= d["relative_amplitude"] <= 1.0:
        raise errors.BadProperty("The relative amplitude of the rate modulation must be in "
                                 "[0,1].")


def _ppd_spikes(d: dict, steps: np.ndarray, ctx) -> np.ndarray:
    """Candidates at the largest step hazard, thinned to the modulated hazard of their step
    (hazard_step (1 + a sin(omega s h)), s the step NEST updates in)."""
    h = ctx.h

    def hazard(status):
        hs = 1.0 / (1000.0 / status["rate"] - status["dead_time"]) * h if status["rate"] else 0.0
        mod = status["relative_amplitude"] > 0 and status["frequency"] != 0
        return hs, hs * (1.0 + status["relative_amplitude"]) if mod else hs, mod

    def init(status, conns, s0, ctx):
        n, dead = int(status["n_proc"]), int(status["dead_time"] / h)
        c = resumed_clock(ctx)
        ini = int(status["rate"] / 1000.0 * n * h)
        # NEST: ini components in each of the dead-time bins (active again after i + 1 steps)
        elig = np.zeros(n, np.int64)
        if dead:
            elig[:ini * dead] = np.repeat(np.arange(1, dead + 1), ini)
        elig = c + np.broadcast_to(elig, (conns.size, n))
        g = geometric(hazard(status)[1], uniforms(ctx, c, _components(ctx, conns, n), 0))
        return {"rows": {"elig": elig.copy(), "nxt": elig - 1 + g,
                         "m": np.zeros(elig.shape, np.int64)}, "clock": c}

    def retune(old, new, proc, s0, conns):
        c, rows = proc["clock"], proc["rows"]
        start = np.maximum(rows["elig"], c)
        g = geometric(hazard(new)[1], uniforms(ctx, c, _components(ctx, conns,
                                                                   start.shape[1]), 1))
        return {**proc, "rows": {**rows, "nxt": start - 1 + g}}

    def advance(status, proc, steps, conns, ctx):
        """Candidates of every component up to the chunk's last active step, in batches
        (wait i after candidate number m keyed by m + i); an accepted one starts the dead
        time, so the next candidate comes dead + wait later."""
        act = _clock_steps(status, steps, h)
        hs, p_max, mod = hazard(status)
        dead = int(status["dead_time"] / h)
        om = 2.0 * math.pi * status["frequency"] / 1000.0
        c0, c_end = proc["clock"], proc["clock"] + act.size
        rows = {key: v.copy() for key, v in proc["rows"].items()}
        elig, nxt, m = rows["elig"], rows["nxt"], rows["m"]
        idx = _components(ctx, conns, nxt.shape[1] if conns.size else 0)
        out = np.zeros((steps.size, conns.size))
        while True:
            sub = np.nonzero(nxt < c_end)
            if not sub[0].size:
                break
            K = _batch(p_max, c_end - int(nxt[sub].min()))
            keys = m[sub][:, None] + np.arange(K)
            g = geometric(p_max, uniforms(ctx, keys, idx[sub][:, None], 2))
            if not mod:
                acc = np.ones(g.shape, bool)
                t = nxt[sub][:, None] + np.concatenate(
                    [np.zeros((g.shape[0], 1), np.int64), np.cumsum(dead + g[:, :-1], axis=1)],
                    axis=1)
            else:  # thinning: accept with the hazard of the candidate's step
                u = uniforms(ctx, keys, idx[sub][:, None], 3)
                t, acc = np.empty(g.shape, np.int64), np.empty(g.shape, bool)
                cur = nxt[sub].copy()
                for i in range(K):
                    t[:, i] = cur
                    s_ms = steps[act[np.clip(cur - c0, 0, act.size - 1)]] * h
                    acc[:, i] = u[:, i] < hs * (1 + status["relative_amplitude"]
                                                * np.sin(om * s_ms)) / p_max
                    cur = cur + np.where(acc[:, i], dead, 0) + g[:, i]
                    if (cur >= c_end).all():
                        t[:, i + 1:], acc[:, i + 1:] = c_end, False
                        break
            inside = t < c_end
            done = inside.sum(axis=1)
            r, c = np.nonzero(acc & inside)
            np.add.at(out, (act[t[r, c] - c0], sub[0][r]), 1.0)
            last = np.arange(done.size), done - 1
            nxt[sub] = t[last] + np.where(acc[last], dead, 0) + g[last]
            fired = (acc & inside).any(axis=1)
            lastacc = np.where(acc & inside, t, -1).max(axis=1)
            elig[sub] = np.where(fired, lastacc + dead + 1, elig[sub])
            m[sub] += done
        return out, {**proc, "rows": rows, "clock": c_end}

    return resume(d, steps, ctx, init, advance, retune)


# --- mip_generator ---------------------------------------------------------------------------
def _check_mip(d: dict, h: float) -> None:
    check_window(d, h)
    if d["rate"] < 0:
        raise errors.BadProperty("Rate must be non-negative.")
    if not 0.0 <= d["p_copy"] <= 1.0:
        raise errors.BadProperty("Copy probability must be in [0, 1].")


def _mip_spikes(d: dict, steps: np.ndarray, ctx) -> np.ndarray:
    """A Poisson mother train shared by all targets (NEST draws it from the synchronized
    stream), each target keeping each mother spike with probability p_copy. NEST checks the
    window once per min_delay slice, at the slice's first step (lo < T <= hi)."""
    md = int(getattr(ctx, "min_delay_steps", 1))
    lo, hi = window_steps(d, ctx.h)
    t = steps // md * md
    on = (t > lo) & (t <= hi) & (d["rate"] > 0)
    mother = poisson(np.where(on, ctx.h * d["rate"] * 1e-3, 0.0),
                     uniforms(ctx, steps, 0, 0))
    u = uniforms(ctx, steps[:, None], row_keys(ctx.conns)[None, :], 1)
    return binomial(mother[:, None], d["p_copy"], u).astype(float)


# --- pulsepacket_generator -------------------------------------------------------------------
def _check_pulsepacket(d: dict, h: float) -> None:
    check_window(d, h)
    if long_param(d, "activity") < 0:
        raise errors.BadProperty("The activity cannot be negative.")
    if d["sdev"] < 0:
        raise errors.BadProperty("The standard deviation cannot be negative.")


def _normalize_pulsepacket(d: dict, h: float) -> None:
    snap_window(d, h)
    d["pulse_times"] = np.sort(np.asarray(d["pulse_times"], dtype=float))


def _pulsepacket_spikes(d: dict, steps: np.ndarray, ctx) -> np.ndarray:
    """NEST's slice logic: in an active slice T (a CURRENT_GENERATOR: lo < T + 2 <= hi) it
    draws the packets whose centre is at most 10 sdev (1 ms if sdev = 0) after T, keeps
    their spikes at or after T (a spike at x ms falls in step ceil(x / h)), and sends the
    spikes of the slice; a slice is min_delay steps (aligned to multiples of it)."""
    h, st = ctx.h, ctx.state
    md = int(getattr(ctx, "min_delay_steps", 1))
    key = (d["pulse_times"].tolist(), d["activity"], d["sdev"])
    if st.get("key") != key:  # new packets (NEST clears the pending spikes)
        st.update(key=key, epoch=int(steps[0]), gen=st.get("gen", -1) + 1)
    tol = d["sdev"] * 10.0 if d["sdev"] > 0 else 1.0
    lo, hi = window_steps(d, h)
    out = np.zeros((steps.size, 1))
    a = int(d["activity"])
    if not a or not len(d["pulse_times"]):
        return out
    # the first active slice from the epoch on; slices of the chunk that are active
    first = -(-max(st["epoch"], lo - 1) // md) * md
    if first + 2 > hi:
        return out
    tps = tics_of(h)
    for k, c in enumerate(d["pulse_times"].tolist()):
        # the first slice start T with (tics(c) - T tps) / tics_per_ms <= tol
        nat = math.ceil((tics_of(c) - tol * tics_per_ms()) / tps)
        t_gen = max(-(-nat // md) * md, first)
        if t_gen + 2 > hi or t_gen > steps[-1] or steps_of(c + tol, h) + md < steps[0]:
            continue
        x = d["sdev"] * ctx.draws.normal(np.array([st["gen"] * 2**20 + k]),
                                         np.arange(a))[0] + c
        s = np.array([steps_of(v, h) for v in x.tolist()], dtype=np.int64)
        s = s[(s >= t_gen) & (s >= steps[0]) & (s <= steps[-1])]
        slice_t = s // md * md
        s = s[(slice_t + 2 > lo) & (slice_t + 2 <= hi)]
        np.add.at(out[:, 0], s - steps[0], 1.0)
    return out


MODELS = {m.name: m for m in (
    Device("gamma_sup_generator", {**STIMULATOR_COMMON, "rate": 0.0, "gamma_shape": 1,
                                   "n_proc": 1},
           "stimulator", "spike_source", _check_gamma_sup, normalize=snap_window,
           spikes=_gamma_sup_spikes, individual=lambda d: True),
    Device("ppd_sup_generator", {**STIMULATOR_COMMON, "rate": 0.0, "dead_time": 0.0,
                                 "n_proc": 1, "frequency": 0.0, "relative_amplitude": 0.0},
           "stimulator", "spike_source", _check_ppd, normalize=snap_window,
           spikes=_ppd_spikes, individual=lambda d: True),
    Device("mip_generator", {**STIMULATOR_COMMON, "rate": 0.0, "p_copy": 1.0},
           "stimulator", "spike_source", _check_mip, normalize=snap_window,
           spikes=_mip_spikes, individual=lambda d: True),
    Device("pulsepacket_generator", {**STIMULATOR_COMMON, "pulse_times": np.array([]),
                                     "activity": 0, "sdev": 0.0},
           "stimulator", "spike_source", _check_pulsepacket,
           normalize=_normalize_pulsepacket, spikes=_pulsepacket_spikes),
)}
