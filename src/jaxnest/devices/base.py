"""Spec shared by stimulation and recording devices.

Devices are few and carry list-valued parameters (spike_times, record_from), so the kernel keeps
their status as one dict per device rather than as arrays. ``kind`` tells the kernel how a
device takes part in a simulation:

- ``spike_source``: emits spikes through ordinary spike edges (spike_generator),
- ``poisson``: one independent Poisson draw per edge and step (poisson_generator),
- ``current``: sends a current to its targets every step (dc_generator),
- ``spike_recorder`` / ``sampler``: records spikes of its sources / samples state of its targets,
- ``rate_source``: sends a value per step over rate connections (step_rate_generator).
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from .. import errors
from ..timebase import TICS_PER_MS, tics_per_ms

STIMULATOR_COMMON = {"origin": 0.0, "start": 0.0, "stop": float("inf"), "label": "",
                     "stimulus_source": ""}
RECORDER_COMMON = {"origin": 0.0, "start": 0.0, "stop": float("inf"), "label": "",
                   "record_to": "memory", "time_in_steps": False}


@dataclass
class DeviceContext:
    """What a device's input hook reads besides its status (the runtime builds it per chunk).

    ``conns`` has one entry per row of the device: the connection the row feeds (-1: a row
    shared by all its targets). ``state`` persists across chunks and Simulate calls (the
    device's own, e.g. the phase of a gamma process); chunks are computed in order, once."""

    h: float
    gid: int
    conns: np.ndarray
    draws: object   # streams.HostDraws of this device
    state: dict
    min_delay_steps: int = 1   # NEST's min_delay (some devices act per min_delay slice)
    run_start: int = 0         # the step at which the current Simulate call started
    tics_per_ms: float = TICS_PER_MS  # the kernel's time base (off-grid spike stamps)


@dataclass(frozen=True)
class DeviceModel:
    """A NEST device: its name, defaults (NEST units), element type and role in the kernel."""

    name: str
    params: Mapping[str, object]
    element_type: str  # 'stimulator' or 'recorder', as NEST reports it
    kind: str
    check: Callable[[dict, float], None] | None = None
    """(status, resolution) -> None: validate one device's full status dict; raise
    errors.BadProperty naming the problem."""
    readonly: tuple[str, ...] = ()
    together: tuple = ()
    """(keys, message): keys a SetStatus gives all or none of (NEST resets a generator's
    times and values as a pair; one alone raises BadProperty ``message``)."""
    with_times: tuple = ()
    """(options, times, message, changed_only): options a SetStatus gives only together with
    ``times`` or while no ``times`` are set (NEST's generators: the times were checked
    against them; ``changed_only``: only a new value counts); else BadProperty ``message``."""
    normalize: Callable[[dict, float], None] | None = None
    """(status, resolution) -> None: bring a validated status to NEST's stored form in place
    (e.g. off-grid spike times rounded up to the grid)."""
    at_set: Callable[[dict, float, int], None] | None = None
    """(status, resolution, current step) -> None: after ``normalize``, values that depend on
    when they are set (spike_generator's shift_now_spikes)."""
    spikes: Callable[[dict, np.ndarray, DeviceContext], np.ndarray] | None = None
    """kind 'spike_source': (status, steps, ctx) -> (len(steps), rows) multiplicities emitted
    in each step (a spike emitted in step s is stamped (s + 1) h), window applied."""
    current: Callable[[dict, np.ndarray, DeviceContext], np.ndarray] | None = None
    """kind 'current': (status, steps, ctx) -> (len(steps), rows) current (pA) sent in each
    step, window applied; the target reads it ``delay`` steps later."""
    individual: Callable[[dict], bool] | None = None
    """status -> whether each connection gets its own train/current (one row per connection)
    rather than one shared by all targets."""
    receptors: Callable[[dict], object] | None = None
    """status -> receptor types a recording device accepts spikes on (None: 0 only)."""
    event_keys: tuple[str, ...] = ()
    """Recorders: event columns besides senders and times (weight_recorder: targets, ...)."""
    signed: Callable[[dict], bool] | None = None
    """status -> whether the device may emit negative multiplicities (spike_weights < 0):
    targets that pick ex/in channels by sign then decide per event, as NEST."""
    spike_events: Callable[[dict, np.ndarray, DeviceContext], tuple] | None = None
    """kind 'spike_source' with off-grid spikes: (status, steps, ctx) -> (row, step index,
    offset ms, value) of every spike event of the chunk's steps, offsets in [0, h) before the
    stamp (the kernel sums them per step for grid targets instead of calling ``spikes``)."""
    offgrid: Callable[[dict], bool] | None = None
    """status -> whether the device sends off-grid spikes now (precise spike timing)."""
    off_grid: bool = False
    """NEST's is_off_grid: creating one sets the kernel's off_grid_spiking."""
    rates: Callable[[dict, np.ndarray, DeviceContext], np.ndarray] | None = None
    """kind 'rate_source': (status, steps, ctx) -> (len(steps), 1) values the device sends in
    each step over secondary (rate) connections (kernel/continuous.py); NaN in the steps
    where the device is not active."""
    secondary_out: tuple[str, ...] = ()
    """Secondary events the device sends (a 'rate_source' device: ``("rate_delayed",)``)."""


_SENT = {"current": "current input", "sampler": "data logging requests"}


def sent_events(impl) -> str:
    """What a device sends, as NEST's IllegalConnection messages name it ("The target node
    or synapse model does not support ...")."""
    if impl.name == "noise_generator":  # a different current to each target
        return "DS current input"
    return _SENT.get(impl.kind, "spike input")


def tics(ms: float) -> int:
    """A time in tics, as NEST's ``Time::ms`` rounds it (in the kernel's time base)."""
    return int(math.floor(ms * tics_per_ms() + 0.5))


LIM_MAX_TICS = (2**63 - 1) // 8
"""NEST's ``Time::LIM_MAX`` in tics: times at or beyond it are +/- infinity."""

DBL_MAX = sys.float_info.max
"""What NEST reports for an infinite time (``Time::get_ms`` of +inf)."""


def on_grid_ms(ms: float, h: float) -> float | None:
    """``ms`` as NEST stores a device time (whole tics), or None when it is not a multiple of
    the resolution ``h``. Times beyond NEST's range are stored as +/- infinity."""
    if not math.isfinite(ms) or abs(ms) >= LIM_MAX_TICS / tics_per_ms():  # NEST: +/- infinity
        return math.copysign(math.inf, ms)
    t, step = tics(ms), tics(h)
    if t < 0 or t % step:
        return None
    return t / tics_per_ms()


def reported_time(ms: float) -> float:
    """A stored device time as NEST's GetStatus shows it: infinity as the largest double."""
    return math.copysign(DBL_MAX, ms) if math.isinf(ms) else ms


def check_window_grid(d: dict, h: float) -> None:
    """NEST's devices take origin, start and stop only on the time grid."""
    for key in ("origin", "start", "stop"):
        if on_grid_ms(d[key], h) is None:
            raise errors.BadProperty(f"{key} must be a multiple of the simulation resolution.")


def snap_window(d: dict, h: float) -> None:
    """Store origin, start and stop as whole tics, as NEST does (0.2500000001 -> 0.25)."""
    for key in ("origin", "start", "stop"):
        d[key] = on_grid_ms(d[key], h)


def stamp_tics(ms, tics_per_ms: float, tics_per_step: int) -> np.ndarray:
    """NEST's ``Time::ms_stamp``: the first grid point at or after ``ms`` (in tics): the time
    truncated to tics and to the grid, one step more when that lies before ``ms``."""
    ms = np.asarray(ms, dtype=np.float64)
    n = np.trunc(ms * tics_per_ms).astype(np.int64)
    n -= n % tics_per_step
    on = n * (1.0 / tics_per_step) * (tics_per_step / tics_per_ms)
    return np.where(on < ms, n + tics_per_step, n)


def offgrid_offset(stamp_ms, ms) -> np.ndarray:
    """The offset (ms) of a spike at ``ms`` before its stamp, as NEST's spike_generator
    computes it: a difference below the rounding noise of the two times is 0."""
    stamp_ms, ms = np.asarray(stamp_ms, np.float64), np.asarray(ms, np.float64)
    off = stamp_ms - ms
    tiny = (np.abs(off) < np.finfo(float).eps * np.abs(stamp_ms + ms) * 2.0) \
        | (np.abs(off) < np.finfo(float).tiny)
    return np.where(tiny, 0.0, off)
