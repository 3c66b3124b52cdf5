"""``poisson_generator_ps``: Poisson spike trains with dead time in continuous time (NEST 3.10).

Every target (a spike_recorder too) gets a train of its own, a renewal process whose
intervals are ``dead_time + (1000/rate - dead_time) E`` ms (E standard exponential), sent as
off-grid spikes (stamp and offset). As NEST's:

- a train starts (at the first step where the generator is active: the run's start or
  origin + start, whichever is later) in equilibrium: its first spike lies a backward
  recurrence time later (uniform in [0, dead_time) with probability dead_time rate / 1000,
  else dead_time + an exponential interval);
- spikes are sent while their stamp is at most origin + stop (the next one is kept);
- a spike time is kept as (stamp, offset) and the next one computed from the offset (a new
  stamp only when it lies past the current one), so the times do not depend on the
  resolution;
- at the start of a Simulate call all trains start afresh if any kept spike lies before
  origin + start (a start moved later).

Random numbers: the host's counter-based stream of the device, one per (connection, draw):
trains are reproducible for a given rng_seed (NEST's own generator cannot be reproduced).
"""
from __future__ import annotations

import math

import numpy as np

from .. import errors
from .base import STIMULATOR_COMMON, DeviceModel, snap_window, stamp_tics
from .chunks import resume
from .current_generators import check_window

_INIT = 2**31       # draw counters of a train's (re)starts; its intervals count from 0
_BATCH = 256        # intervals drawn at a time


def _check(d: dict, h: float) -> None:
    check_window(d, h)
    if d["dead_time"] < 0:
        raise errors.BadProperty("The dead time cannot be negative.")
    if d["rate"] < 0:
        raise errors.BadProperty("The rate cannot be negative.")
    if d["rate"] > 0 and 1000.0 / d["rate"] < d["dead_time"]:
        raise errors.BadProperty("The inverse rate cannot be smaller than the dead time.")


class _Time:
    """NEST's Time arithmetic for one kernel time base (tics per ms, tics per step)."""

    def __init__(self, h: float, tics_per_ms: float):
        self.tpm = tics_per_ms
        self.tps = int(round(h * tics_per_ms))

    def stamp(self, ms: float) -> int:
        """Time::ms_stamp in steps."""
        return int(stamp_tics(ms, self.tpm, self.tps)) // self.tps

    def ms(self, steps: int) -> float:
        return steps * self.tps * (1.0 / self.tpm)

    def steps(self, ms: float) -> float:
        """A device time (origin, start, stop) in steps; +inf stays."""
        return math.floor(ms * self.tpm + 0.5) / self.tps if math.isfinite(ms) else math.inf


def _init(d: dict, conns: np.ndarray, s0: int, ctx) -> dict:
    """Trains not started yet (NEST's next spike at -inf), one per row (connection)."""
    n = len(conns)
    return {"rows": {"stamp": np.full(n, np.nan), "offset": np.zeros(n),
                     "n": np.zeros(n, np.int64), "starts": np.zeros(n, np.int64)}}


def _retune(old: dict, d: dict, proc: dict, s0: int, conns) -> dict:
    """NEST's pre_run_hook: every train starts afresh when one's next spike lies before
    origin + start (start was moved later)."""
    rows = proc["rows"]
    tb = _Time(0.1, 1000.0) if "tb" not in proc else proc["tb"]
    start = tb.steps(d["origin"]) + tb.steps(d["start"])
    if np.any(rows["stamp"] < start):
        rows = dict(rows, stamp=np.full(rows["stamp"].size, np.nan))
    return {**proc, "rows": rows}


def _advance(d: dict, proc: dict, steps: np.ndarray, conns, ctx) -> tuple:
    """The trains' spikes in the steps given, as (row, step index, offset, value 1), and the
    trains after them."""
    tb = _Time(ctx.h, ctx.tics_per_ms)
    rows = {k: v.copy() for k, v in proc["rows"].items()}
    new = {**proc, "rows": rows, "tb": tb}
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    if d["rate"] <= 0 or not len(conns) or not steps.size:
        return empty, new
    lo = max(int(steps[0]), tb.steps(d["origin"]) + tb.steps(d["start"]))
    hi = min(int(steps[-1]) + 1, tb.steps(d["origin"]) + tb.steps(d["stop"]))
    if not lo < hi:
        return empty, new
    inv_rate = 1000.0 / d["rate"] - d["dead_time"]
    out_r, out_s, out_o = [], [], []
    for r, conn in enumerate(np.asarray(conns).tolist()):
        s, o = _train(rows, r, d, inv_rate, int(math.ceil(lo)), hi, tb, ctx.draws, conn)
        out_r.append(np.full(len(s), r, np.int64))
        out_s.append(np.asarray(s, np.int64) - 1 - int(steps[0]))
        out_o.append(np.asarray(o, float))
    r, s, o = (np.concatenate(x) for x in (out_r, out_s, out_o))
    return (r, s, o, np.ones(r.size)), new


def _train(rows: dict, r: int, d: dict, inv_rate: float, lo: int, hi: float, tb: _Time,
           draws, conn: int):
    """Advance train ``r`` (in place) through the stamps up to ``hi`` (steps); its spikes'
    (stamps, offsets). ``lo``: the step where a train that has not started starts."""
    if np.isnan(rows["stamp"][r]):
        c = [_INIT + int(rows["starts"][r])]
        u = [draws.uniform(c, [conn], j)[0, 0] for j in range(3)]
        rows["starts"][r] += 1
        if d["dead_time"] > 0 and u[0] < d["dead_time"] * d["rate"] / 1000.0:
            first = u[1] * d["dead_time"]
        else:
            first = inv_rate * -math.log(u[2]) + d["dead_time"]
        s = tb.stamp(first)
        rows["stamp"][r], rows["offset"][r] = s + lo, tb.ms(s) - first
    stamp, offset, n = int(rows["stamp"][r]), float(rows["offset"][r]), int(rows["n"][r])
    stamps, offsets, exps = [], [], []
    while stamp <= hi:
        stamps.append(stamp)
        offsets.append(offset)
        if not exps:  # the next intervals' exponentials, drawn a batch at a time
            u = draws.uniform(np.arange(n, n + _BATCH), np.array([conn]))[:, 0]
            exps = list(-np.log(u))[::-1]
        n += 1
        new = -offset + inv_rate * exps.pop() + d["dead_time"]
        if new < 0:  # still in the same step
            offset = -new
        else:
            s = tb.stamp(new)
            stamp += s
            offset = tb.ms(s) - new
    rows["stamp"][r], rows["offset"][r], rows["n"][r] = stamp, offset, n
    return stamps, offsets


def _events(d: dict, steps: np.ndarray, ctx) -> tuple:
    return resume(d, steps, ctx, _init, _advance, _retune)


def _spikes(d: dict, steps: np.ndarray, ctx) -> np.ndarray:
    """The trains summed per step (what grid targets read)."""
    r, s, _, v = _events(d, steps, ctx)
    out = np.zeros((steps.size, len(ctx.conns)))
    np.add.at(out, (s, r), v)
    return out


MODELS = {"poisson_generator_ps": DeviceModel(
    "poisson_generator_ps", {**STIMULATOR_COMMON, "rate": 0.0, "dead_time": 0.0},
    "stimulator", "spike_source", _check, normalize=snap_window, spikes=_spikes,
    individual=lambda d: True, spike_events=_events, offgrid=lambda d: True, off_grid=True)}
