"""Spike generators driven by a time-varying rate: sinusoidal_poisson_generator,
sinusoidal_gamma_generator, inhomogeneous_poisson_generator (NEST 3.10).

Rates in spikes/s (Hz), frequencies in Hz, phases in degrees; NEST keeps them per ms and in
radians and reports them converted back (so GetStatus shows NEST's rounding). A spike emitted
in step s is stamped (s + 1) h. sinusoidal_poisson_generator is a NEST CURRENT_GENERATOR and
so sends in the steps lo < s + 2 <= hi; the others in lo < s <= hi ((lo, hi] = origin +
(start, stop] in steps). With individual_spike_trains (the default) every target, a
spike_recorder too, gets its own train.
"""
from __future__ import annotations

import math

import numpy as np

from .. import errors
from ..streams import HostDraws
from .base import STIMULATOR_COMMON, snap_window
from ..timebase import tics_per_ms
from .chunks import (Device, grid_times, poisson, resume, resume_many, row_keys, schedule,
                     tics_of)
from .current_generators import check_window
from .generators import current_active, window_steps

_W = 2.0 * math.pi / 1000.0  # Hz -> rad/ms


def spike_active(d: dict, steps: np.ndarray, h: float) -> np.ndarray:
    """NEST's spike generators send in the steps lo < s <= hi."""
    lo, hi = window_steps(d, h)
    return (steps > lo) & (steps <= hi)


def _individual(d: dict) -> bool:
    return bool(d["individual_spike_trains"])


def _roundtrip_sine(d: dict, h: float) -> None:
    """Store rate, amplitude, frequency and phase as NEST reports them (it keeps 1/ms and
    rad and converts back)."""
    snap_window(d, h)
    d["rate"] = d["rate"] / 1000.0 * 1000.0
    d["amplitude"] = d["amplitude"] / 1000.0 * 1000.0
    d["frequency"] = d["frequency"] * _W / _W
    d["phase"] = 180.0 / math.pi * (d["phase"] * math.pi / 180.0)


def _sine(d: dict):
    """(rate, amplitude) per ms, omega (rad/ms), phase (rad)."""
    return d["rate"] / 1000.0, d["amplitude"] / 1000.0, d["frequency"] * _W, \
        d["phase"] * math.pi / 180.0


# --- sinusoidal_poisson_generator ------------------------------------------------------------
def _sp_rate(d: dict, steps: np.ndarray, h: float) -> np.ndarray:
    """Rate (1/ms) in step s: rate + amplitude sin(omega (s + 1) h + phase), at least 0."""
    r, a, om, phi = _sine(d)
    return np.maximum(r + a * np.sin(om * (steps + 1) * h + phi), 0.0)


def _sp_spikes(d: dict, steps: np.ndarray, ctx) -> np.ndarray:
    return _sp_spikes_many(d, steps, [ctx])[0]


def _sp_spikes_many(d: dict, steps: np.ndarray, ctxs: list) -> list[np.ndarray]:
    """Poisson counts of the rate in each step, for the rows of devices sharing ``d``."""
    for c in ctxs:
        c.state["ran"] = True
    h, sizes = ctxs[0].h, [c.conns.size for c in ctxs]
    lam = _sp_rate(d, steps, h) * h
    lam = np.where(current_active(d, steps, h), lam, 0.0)[:, None]
    draws = ctxs[0].draws if len(ctxs) == 1 else \
        HostDraws.side_by_side([c.draws for c in ctxs], sizes)
    out = poisson(lam, draws.uniform(steps, row_keys(np.concatenate([c.conns for c in ctxs]))))
    return np.split(out.astype(float), np.cumsum(sizes)[:-1], axis=1)


def _sp_report(d: dict, state: dict, now: int, h: float) -> dict:
    _, a, om, phi = _sine(d)
    y = (a * math.cos(om * now * h + phi), a * math.sin(om * now * h + phi)) \
        if state.get("ran") else (0.0, 0.0)
    return {"y_0": y[0], "y_1": y[1], "recordables": ["rate"]}


def _sp_sample(d: dict, steps: np.ndarray, h: float, state=None) -> dict:
    return {"rate": _sp_rate(d, steps, h) * 1000.0}


# --- sinusoidal_gamma_generator --------------------------------------------------------------
def _check_sg(d: dict, h: float) -> None:
    check_window(d, h)
    if d["order"] < 1.0:
        raise errors.BadProperty("The gamma order must be at least 1.")
    if not 0.0 <= d["amplitude"] <= d["rate"]:
        raise errors.BadProperty("Rate parameters must fulfill 0 <= amplitude <= rate.")


def _delta_lambda(d: dict, ta, tb):
    """Integral of the rate (times the order) from ta to tb (ms), NEST's closed form."""
    r, a, om, phi = _sine(d)
    k = d["order"]
    out = k * r * (tb - ta)
    if abs(a) > 0 and abs(om) > 0:
        out = out - k * a / om * (np.cos(om * tb + phi) - np.cos(om * ta + phi))
    return np.where(np.asarray(ta) == np.asarray(tb), 0.0, out)


def _hazard(d: dict, lam: np.ndarray, t: np.ndarray, h: float) -> np.ndarray:
    """Spike probability of a step: h k rate(t) Lambda^(k-1) e^-Lambda / Gamma(k, Lambda)
    (NaN, i.e. never, where both underflow, as in NEST)."""
    from scipy.special import gamma, gammaincc
    r, a, om, phi = _sine(d)
    k = d["order"]
    rate = r + a * np.sin(om * t + phi)
    with np.errstate(all="ignore"):
        return h * k * rate * lam ** (k - 1) * np.exp(-lam) / (gammaincc(k, lam) * gamma(k))


_BY_SPIKE_ROWS = 64  # trains up to which the scan goes spike by spike (else candidate rank)
_WINDOW = 32         # candidates tested per row and pass in the spike-by-spike scan


def _by_candidate(status, pos, u, t, h, t0, L0, out) -> None:
    """The gamma process's candidates in order, all rows at once: one pass per candidate
    rank (cheap when there are many rows)."""
    for i in range(pos.shape[1]):
        j = pos[:, i]
        rows = np.flatnonzero(j >= 0)
        j = j[rows]
        lam = L0[rows] + _delta_lambda(status, t0[rows], t[j])
        hit = u[j, rows] < _hazard(status, lam, t[j], h)
        out[j[hit], rows[hit]] = 1.0
        t0[rows[hit]], L0[rows[hit]] = t[j[hit]], 0.0


def _by_spike(status, pos, u, t, h, t0, L0, out) -> None:
    """The same, spike by spike: each pass tests the next ``_WINDOW`` candidates of every row
    against the row's last spike; the first hit is the row's next spike (the candidates
    before it test exactly as in order), a window without a hit is passed over whole. A few
    rows with many candidates need far fewer passes than candidates."""
    n, m = pos.shape
    n_c = (pos >= 0).sum(axis=1)
    rows = np.arange(n)[:, None]
    nxt = np.zeros(n, np.int64)  # the first candidate not yet tested, per row
    while True:
        idx = nxt[:, None] + np.arange(_WINDOW)[None, :]
        live = idx < n_c[:, None]
        if not live.any():
            return
        j = np.where(live, pos[rows, np.minimum(idx, m - 1)], 0)
        lam = L0[:, None] + _delta_lambda(status, t0[:, None], t[j])
        hit = live & (u[j, rows] < _hazard(status, lam, t[j], h))
        found = hit.any(axis=1)
        first = hit.argmax(axis=1)
        r = np.flatnonzero(found)
        js = j[r, first[r]]
        out[js, r] = 1.0
        t0[r], L0[r] = t[js], 0.0
        nxt = np.where(found, nxt + first + 1, nxt + _WINDOW)


def _sg_init(status, conns, s0, ctx):
    n = conns.size
    return {"rows": {"t0": np.full(n, s0 * ctx.h), "L0": np.zeros(n)}}


def _sg_retune(h):
    """Parameters changed between runs: each row's Lambda since its last spike so far, from
    the old parameters, carried into the new ones (NEST's Lambda_t0_)."""
    def retune(old, new, proc, s0, conns):
        t = s0 * h
        rows = proc["rows"]
        return {"rows": {"t0": np.full(rows["t0"].shape, t),
                         "L0": rows["L0"] + _delta_lambda(old, rows["t0"], t)}}
    return retune


def _sg_advance(status, proc, steps, conns, ctx):
    """A gamma process of the sinusoidal rate per row: the hazard depends on the rate
    integral Lambda since the row's last spike (NEST's t0_ms_ and Lambda_t0_)."""
    h, n = ctx.h, conns.size
    out = np.zeros((steps.size, n))
    t0, L0 = proc["rows"]["t0"].copy(), proc["rows"]["L0"].copy()
    t = (steps + 1) * h
    r, a, om, phi = _sine(status)
    rate = r + a * np.sin(om * t + phi)
    # the hazard never exceeds h k rate(t): only steps below that bound are candidates
    u = ctx.draws.uniform(steps, row_keys(conns))
    bound = np.where(spike_active(status, steps, h) & (rate > 0),
                     h * status["order"] * rate * (1.0 + 1e-9), 0.0)
    cand = (u < bound[:, None]).T                      # (rows, steps)
    n_c = cand.sum(axis=1)
    if not n_c.any():
        return out, proc
    pos = np.full((n, int(n_c.max())), -1, np.int64)  # candidate steps of each row
    row, col = np.nonzero(cand)
    pos[row, np.arange(row.size) - np.repeat(np.cumsum(n_c) - n_c, n_c)] = col
    scan = _by_spike if n <= _BY_SPIKE_ROWS else _by_candidate
    scan(status, pos, u, t, h, t0, L0, out)
    return out, {"rows": {"t0": t0, "L0": L0}}


def _sg_spikes(d: dict, steps: np.ndarray, ctx) -> np.ndarray:
    return resume(d, steps, ctx, _sg_init, _sg_advance, _sg_retune(ctx.h))


def _sg_spikes_many(d: dict, steps: np.ndarray, ctxs: list) -> list[np.ndarray]:
    return resume_many(d, steps, ctxs, _sg_init, _sg_advance, _sg_retune(ctxs[0].h))


def _sg_sample(d: dict, steps: np.ndarray, h: float, state=None) -> dict:
    r, a, om, phi = _sine(d)
    return {"rate": (r + a * np.sin(om * (steps + 1) * h + phi)) * 1000.0}


# --- inhomogeneous_poisson_generator ---------------------------------------------------------
def _check_ip(d: dict, h: float) -> None:
    check_window(d, h)
    times = d["rate_times"]
    if len(times) != len(d["rate_values"]):
        raise errors.BadProperty("Rate times and values have to be the same size.")
    if len(times) and np.min(times) <= 0.0:  # NEST: not after the current time
        raise errors.BadProperty("Time points must lie strictly in the future.")
    grid_times(times, h, d["allow_offgrid_times"], "inhomogeneous_poisson_generator",
               strict_msg="Rate times must be strictly increasing.")


def _normalize_ip(d: dict, h: float) -> None:
    snap_window(d, h)
    s = grid_times(d["rate_times"], h, d["allow_offgrid_times"], "")
    d["rate_times"] = s * tics_of(h) / tics_per_ms() if s.size else np.array([])


def _ip_spikes(d: dict, steps: np.ndarray, ctx) -> np.ndarray:
    """Poisson counts at the rate of the latest rate time (which applies from its step - 1
    on; times already passed when set are skipped, NEST's rate then carries over)."""

    def init(status, conns, s0, ctx):
        return {"rows": {}, "rate": 0.0}

    def advance(status, proc, steps, conns, ctx):
        h = ctx.h
        times = np.rint(np.asarray(status["rate_times"], dtype=float) / h).astype(np.int64)
        rate = schedule(times, np.asarray(status["rate_values"]) / 1000.0, steps,
                        proc["rate"])
        lam = np.where(spike_active(status, steps, h) & (rate > 0), rate * h, 0.0)
        out = poisson(lam[:, None], ctx.draws.uniform(steps, row_keys(conns)))
        return out.astype(float), {**proc, "rate": float(rate[-1])}

    return resume(d, steps, ctx, init, advance)


_SINE = {**STIMULATOR_COMMON, "rate": 0.0, "amplitude": 0.0, "frequency": 0.0, "phase": 0.0,
         "individual_spike_trains": True}
_RO = ("individual_spike_trains",)  # NEST: only through SetDefaults or CopyModel

MODELS = {m.name: m for m in (
    Device("sinusoidal_poisson_generator", dict(_SINE), "stimulator", "spike_source",
           check_window, readonly=_RO, normalize=_roundtrip_sine, spikes=_sp_spikes,
           spikes_many=_sp_spikes_many, individual=_individual, report=_sp_report,
           sample=_sp_sample),
    Device("sinusoidal_gamma_generator", {**_SINE, "order": 1.0}, "stimulator",
           "spike_source", _check_sg, readonly=_RO, normalize=_roundtrip_sine,
           spikes=_sg_spikes, spikes_many=_sg_spikes_many, individual=_individual,
           report=lambda d, s, n, h: {"recordables": ["rate"]}, sample=_sg_sample),
    Device("inhomogeneous_poisson_generator", {**STIMULATOR_COMMON, "rate_times": np.array([]),
                                               "rate_values": np.array([]),
                                               "allow_offgrid_times": False},
           "stimulator", "spike_source", _check_ip, normalize=_normalize_ip,
           together=(("rate_times", "rate_values"), "Rate times and values must be reset "
                     "together."),
           with_times=(("allow_offgrid_times",), "rate_times", "Option can only be set "
                       "together with rate times or if no rate times have been set.", True),
           spikes=_ip_spikes, individual=lambda d: True),
)}
