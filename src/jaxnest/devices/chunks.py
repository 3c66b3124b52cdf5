"""Shared machinery of the stochastic and stateful stimulation devices (no models here).

- :func:`resume`: run a device's process over a chunk of steps, resuming from the process
  state at the chunk's first step. The runtime asks for whole chunks but may simulate fewer
  steps of the last one (the next Simulate call then asks again from where it stopped), so
  the state is kept at both ends of the last chunk and replayed from its start when needed:
  draws are pure functions of absolute steps, so a replay is exact and results do not
  depend on how a run is cut into chunks or Simulate calls.
- NEST's time conversions (``Time::ms``, ``Time::ms_stamp``, ``get_steps``) in tics.
- Random variates from counter-based uniforms (inverse CDFs, vectorized).
"""
from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .. import errors, streams
from .base import DeviceModel, tics_per_ms


# --- NEST's time grid ------------------------------------------------------------------------
def tics_of(ms: float) -> int:
    """``Time::ms(t)``: tics, rounding half up (truncating toward zero, as the C++ cast)."""
    return int(ms * tics_per_ms() + 0.5)


def is_grid(ms: float, h: float) -> bool:
    """NEST's ``Time::is_grid_time`` of a time given in ms."""
    return tics_of(ms) % tics_of(h) == 0


def is_step(ms: float, h: float) -> bool:
    """NEST's ``Time::is_step``: a positive multiple of the resolution."""
    return tics_of(ms) > 0 and is_grid(ms, h)


def stamp_steps(ms: float, h: float) -> int:
    """``Time::ms_stamp(t)`` in steps: the grid point at or after ``t``."""
    tps = tics_of(h)
    n = int(ms * tics_per_ms())
    n -= n % tps
    if n / tps * h < ms:
        n += tps
    return n // tps


def steps_of(ms: float, h: float) -> int:
    """``Time(Time::ms(t)).get_steps()``: tics rounded, then up to whole steps."""
    return math.ceil(tics_of(ms) / tics_of(h)) if ms >= 0 else -(-tics_of(ms) // tics_of(h))


def grid_times(times, h: float, allow_offgrid: bool, who: str, first_after: float = 0.0,
               strict_msg: str | None = None) -> np.ndarray:
    """Validate change times of a piecewise-constant schedule (step_current_generator,
    inhomogeneous_poisson_generator) and return them in steps: strictly positive (after
    ``first_after``), on the grid unless ``allow_offgrid`` (then rounded up), strictly
    increasing after rounding."""
    out = []
    for t in np.asarray(times, dtype=float).tolist():
        if not is_grid(t, h):
            if not allow_offgrid:
                raise errors.BadProperty(f"{who}: Time point {t:g} is not representable in "
                                         "current resolution.")
            s = stamp_steps(t, h)
        else:
            s = tics_of(t) // tics_of(h)
        if out and s <= out[-1]:
            raise errors.BadProperty(strict_msg or f"{who}: times must be strictly increasing.")
        out.append(s)
    return np.array(out, dtype=np.int64)


def schedule(times_steps: np.ndarray, values: np.ndarray, steps: np.ndarray,
             carried: float) -> np.ndarray:
    """Value of a piecewise-constant schedule in each step of a chunk, NEST's way: the value
    of change time T applies from step T - 1 on; change times already passed when a chunk
    starts are skipped (the carried value stays), as NEST's idx_ skips them."""
    s0 = int(steps[0])
    keep = times_steps >= s0 + 1
    ts, vs = times_steps[keep] - 1, np.asarray(values, dtype=float)[keep]
    idx = np.searchsorted(ts, steps, side="right") - 1
    return np.where(idx >= 0, vs[np.maximum(idx, 0)] if vs.size else carried, carried)


# --- resumable processes ---------------------------------------------------------------------
def row_keys(conns: np.ndarray) -> np.ndarray:
    """Stable random-stream index of each row: 0 for a shared row, connection + 1 else."""
    return np.where(conns < 0, 0, conns + 1).astype(np.int64)


def _same(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for k, v in a.items():
        w = b[k]
        if isinstance(v, np.ndarray) or isinstance(w, np.ndarray):
            if not np.array_equal(np.asarray(v), np.asarray(w)):
                return False
        elif v != w:
            return False
    return True


def _align(proc: dict, old: np.ndarray, new: np.ndarray, fresh) -> dict:
    """Per-row arrays (``proc['rows']``) reordered to the rows ``new`` (connections); rows
    not seen before get the values of ``fresh()`` (a fresh state of all ``new`` rows)."""
    if np.array_equal(old, new):
        return proc
    pos = {int(c): i for i, c in enumerate(old.tolist())}
    idx = np.array([pos.get(int(c), -1) for c in new.tolist()], dtype=np.int64)
    init = fresh()
    rows = {}
    for k, v in init.items():
        o = proc["rows"].get(k)
        if o is None or not len(old) or o.shape[1:] != v.shape[1:]:
            rows[k] = v
        else:
            rows[k] = np.where((idx >= 0).reshape((-1,) + (1,) * (v.ndim - 1)),
                               o[np.maximum(idx, 0)], v)
    return {**proc, "rows": rows}


def resume(status: dict, steps: np.ndarray, ctx, init, advance, retune=None) -> np.ndarray:
    """Run ``advance(status, proc, steps, conns, ctx) -> (out, proc)`` over the chunk from
    the process state at ``steps[0]``.

    ``init(status, conns, s0, ctx) -> proc`` builds a fresh state (``{'rows': {...}, ...}``,
    arrays with one entry per row first); it is also used for rows (connections) that appear
    between Simulate calls. ``retune(old_status, status, proc, s0, conns) -> proc`` (optional)
    adapts the state when parameters changed between runs. ``advance`` must not modify
    ``proc`` in place."""
    proc = _restore(status, steps, ctx, init, advance, retune)
    out, new = advance(status, proc, steps, ctx.conns, ctx)
    ctx.state["end"] = (int(steps[-1]) + 1, ctx.conns.copy(), new)
    return out


def resume_many(status: dict, steps: np.ndarray, ctxs: list, init, advance,
                retune=None) -> list[np.ndarray]:
    """:func:`resume` for devices that share ``status``, in one ``advance`` call over the
    rows of all: for processes whose rows are independent (per-row state, draws indexed by
    row) and whose state outside ``rows`` follows from the status and the step. A thousand
    one-target generators then cost one vectorized pass, not a thousand small ones; each
    device keeps its own state, so results are those of one call per device."""
    kept = copy.deepcopy(status)  # one checkpoint copy for all: it is only read
    procs = [_restore(status, steps, c, init, advance, retune, kept) for c in ctxs]
    sizes = [c.conns.size for c in ctxs]
    conns = np.concatenate([c.conns for c in ctxs])
    rows = {k: np.concatenate([p["rows"][k] for p in procs]) for k in procs[0]["rows"]}
    ctx = dataclasses.replace(ctxs[0], conns=conns, state={},
                              draws=streams.HostDraws.side_by_side([c.draws for c in ctxs],
                                                                   sizes))
    out, new = advance(status, {**procs[0], "rows": rows}, steps, conns, ctx)
    ends = np.cumsum(sizes)
    for c, a, b in zip(ctxs, ends - sizes, ends):
        part = {**new, "rows": {k: v[a:b] for k, v in new["rows"].items()}}
        c.state["end"] = (int(steps[-1]) + 1, c.conns.copy(), part)
    return [out[:, a:b] for a, b in zip(ends - sizes, ends)]


def _restore(status: dict, steps: np.ndarray, ctx, init, advance, retune,
             kept: dict | None = None) -> dict:
    """The process state of ``ctx``'s device at ``steps[0]``, its rows aligned to
    ``ctx.conns`` (kept as the chunk's checkpoint with ``kept``, a copy of the status: a
    chunk run again resumes from it)."""
    st = ctx.state
    s0 = int(steps[0])
    end, ck = st.get("end"), st.get("ckpt")
    if end is not None and end[0] == s0:
        conns, proc, old = end[1], end[2], ck[1]
    elif ck is not None and ck[0] <= s0 < end[0]:
        conns, proc, old = ck[2], ck[3], ck[1]
        if s0 > ck[0]:
            _, proc = advance(old, proc, np.arange(ck[0], s0, dtype=np.int64), conns, ctx)
    else:
        conns, proc, old = np.zeros(0, np.int64), None, None
    st["resumed"] = proc  # init() of rows added now may read it (resumed_clock)
    if proc is None:
        proc = init(status, ctx.conns, s0, ctx)
    else:
        if retune is not None and not _same(old, status):
            proc = retune(old, status, proc, s0, conns)
        proc = _align(proc, conns, ctx.conns,
                      lambda: init(status, ctx.conns, s0, ctx)["rows"])
    st["ckpt"] = (s0, copy.deepcopy(status) if kept is None else kept, ctx.conns.copy(), proc)
    return proc


def status_key(status: dict) -> tuple:
    """A hashable form of a device's status: devices with equal keys share their status."""
    def item(v):
        if isinstance(v, np.ndarray):
            return (v.dtype.str, v.shape, v.tobytes())
        return v if isinstance(v, (str, bool, int, float, type(None))) else repr(v)
    return tuple((k, item(v)) for k, v in sorted(status.items()))


def resumed_clock(ctx) -> int:
    """The active-clock reading of the state a chunk resumes from (0 at the start)."""
    return int((ctx.state.get("resumed") or {}).get("clock", 0))


# --- random variates from uniforms ----------------------------------------------------------
def uniforms(ctx, steps, index, j: int = 0) -> np.ndarray:
    """Uniforms in (0, 1) keyed by (device, step, index, j): shape broadcast(steps, index).
    ``index`` may be any non-negative integer array (32-bit wrapped)."""
    steps = np.asarray(steps, dtype=np.int64)
    index = (np.asarray(index, dtype=np.int64) * 16 + j)
    return streams.uniform(ctx.draws.key, steps, index)


def poisson(lam, u) -> np.ndarray:
    """Poisson(lam) deviates by inverting the CDF at the uniforms ``u`` (same shape);
    lam >= 500 uses the normal approximation (relative error of the CDF < 1e-3)."""
    lam = np.broadcast_to(np.asarray(lam, dtype=float), np.shape(u))
    out = np.zeros(np.shape(u), dtype=np.int64)
    big = lam >= 500.0
    if big.any():
        z = math.sqrt(2.0) * _erfinv(2.0 * u[big] - 1.0)
        out[big] = np.maximum(np.floor(lam[big] + np.sqrt(lam[big]) * z + 0.5), 0)
    sel = ~big & (lam > 0)
    if sel.any():
        lo, uu = lam[sel], u[sel]
        p = np.exp(-lo)
        c, k = p.copy(), np.zeros(lo.shape, np.int64)
        todo = uu > c
        n = 0
        limit = int(np.max(lo) + 20.0 * math.sqrt(np.max(lo)) + 40)
        while todo.any() and n < limit:
            n += 1
            p = p * lo / n
            c = c + p
            k += todo
            todo &= uu > c
        out[sel] = k
    return out


def binomial(n, p: float, u) -> np.ndarray:
    """Binomial(n, p) deviates by inverting the CDF at the uniforms ``u`` (n small)."""
    n = np.broadcast_to(np.asarray(n, dtype=np.int64), np.shape(u))
    if p >= 1.0:
        return n.copy()
    if p <= 0.0:
        return np.zeros(n.shape, np.int64)
    q = 1.0 - p
    pmf = q ** n.astype(float)
    c, k = pmf.copy(), np.zeros(n.shape, np.int64)
    todo = (u > c) & (n > 0)
    i = 0
    while todo.any() and i < int(n.max()):
        pmf = pmf * (n - i) / (i + 1) * (p / q)
        i += 1
        c = c + pmf
        k += todo
        todo &= (u > c) & (k < n)
    return k


def geometric(p, u) -> np.ndarray:
    """Number of Bernoulli(p) trials up to and including the first success (>= 1)."""
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore"):
        g = np.ceil(np.log(u) / np.log1p(-np.minimum(p, 1.0)))
    g = np.where(p >= 1.0, 1.0, np.where(p <= 0.0, 2.0**62, g))
    return np.maximum(np.nan_to_num(g, nan=1.0, posinf=2.0**62), 1.0).astype(np.int64)


def _erfinv(x):
    from scipy.special import erfinv
    return erfinv(x)


# --- the device spec with the optional hooks these devices use ------------------------------
@dataclass(frozen=True)
class Device(DeviceModel):
    """A :class:`DeviceModel` with the optional hooks the kernel looks up by name:
    ``report(status, state, now_step, h) -> dict`` adds read-only keys to GetStatus (NEST's
    state variables and results; they are not settable, as in NEST);
    ``on_set(status, state, given)`` runs after a SetStatus with the keys given;
    ``receive(status, state, events, h)`` consumes the spikes of a recording device;
    ``sample(status, steps, h, state) -> {recordable: values}``: what a multimeter connected
    to the device records for the value of step s (stamped (s + 1) h), read after each chunk
    (``state``: as the chunk's ``spikes``/``current`` left it);
    ``receives_spikes``: a stimulator that takes spikes (spike_dilutor: its mother spikes);
    ``spikes_many(status, steps, ctxs) -> [out per ctx]``: ``spikes`` of several devices that
    share one status, computed together (the runtime groups them; :func:`resume_many`)."""

    report: Callable | None = None
    spikes_many: Callable | None = None
    on_set: Callable | None = None
    receive: Callable | None = None
    sample: Callable | None = None
    receives_spikes: bool = False


def long_param(d: dict, key: str) -> int:
    """NEST's integer parameters refuse floats (TypeMismatch), as its dictionary casts."""
    v = d[key]
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise errors.TypeMismatch(f"Expected datatype: Failed to cast '{key}' from "
                                  f"{'double' if isinstance(v, float) else type(v).__name__} "
                                  "to type long")
    return int(v)
