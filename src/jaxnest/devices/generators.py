"""Stimulation devices: dc_generator, poisson_generator, spike_generator.

A stimulator is active for the steps whose spike stamp t = (s + 1) h lies in
(origin + start, origin + stop], as NEST's StimulationDevice (checked against NEST 3.10).

spike_generator's times (NEST's Parameters_::set): a time is converted to tics (rounded to the
nearest tic); off the grid it is an error unless ``allow_offgrid_times`` (then the end of its
step) or ``precise_times`` (then it is kept: the spike is sent at the end of its step with the
offset back to the time, an off-grid spike; the window applies to that stamp).
"""
from __future__ import annotations

import numpy as np

from .. import errors
from ..timebase import TICS_PER_MS, tics_per_ms
from .base import (STIMULATOR_COMMON, DeviceModel, check_window_grid, offgrid_offset,
                   snap_window, stamp_tics)
from .chunks import Device


def _check_window(d: dict, h: float) -> None:
    check_window_grid(d, h)
    if d["stop"] < d["start"]:
        raise errors.BadProperty("stop >= start required.")


def _check_poisson(d: dict, h: float) -> None:
    _check_window(d, h)
    if d["rate"] < 0:
        raise errors.BadProperty("The rate cannot be negative.")


def _check_spike_generator(d: dict, h: float) -> None:
    _check_window(d, h)
    _check_grid(d, h)
    times = np.asarray(d["spike_times"], dtype=float)
    if times.size and np.any(np.diff(times) < 0):
        raise errors.BadProperty("Spike times must be sorted in non-descending order.")
    for key in ("spike_weights", "spike_multiplicities"):
        n = len(d[key])
        if n and n != times.size:
            sep = "," if key == "spike_weights" else ""  # NEST's two messages differ so
            raise errors.BadProperty(f"{key} must have the same number of elements as "
                                     f"spike_times{sep} or 0 elements to clear the property.")


def spike_steps(d: dict, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Emission steps and multiplicities of a spike_generator's spikes (NEST's grid rules).

    A spike at time t is stamped t and emitted in step round(t/h) - 1; only spikes inside the
    active window (origin+start, origin+stop] are sent. With spike_weights the value sent is the
    weight (the connection weight multiplies it, as in NEST); multiplicities multiply.
    """
    times = np.asarray(d["spike_times"], dtype=float) + d["origin"]
    stamps = np.rint(times / h).astype(np.int64)  # on the grid (normalize rounded them)
    keep = (times > d["origin"] + d["start"]) & (times <= d["origin"] + d["stop"])
    value = np.ones(times.size)
    if len(d["spike_multiplicities"]):
        value = value * np.asarray(d["spike_multiplicities"], dtype=float)
    if len(d["spike_weights"]):
        value = value * np.asarray(d["spike_weights"], dtype=float)
    return stamps[keep] - 1, value[keep]


def precise_stamps(d: dict, h: float, tics_per_ms: float = TICS_PER_MS):
    """precise_times: (stamp steps, offsets ms, values) of the spikes in the window (on the
    stamps, as NEST's is_active)."""
    times = np.asarray(d["spike_times"], dtype=float)
    tps = int(round(h * tics_per_ms))
    st = stamp_tics(times, tics_per_ms, tps)
    off = offgrid_offset(st * (1.0 / tics_per_ms), times)
    origin = int(np.floor(d["origin"] * tics_per_ms + 0.5))
    stamps = (st + origin) // tps
    lo, hi = window_steps(d, h)
    keep = (stamps > lo) & (stamps <= hi)
    value = np.ones(times.size)
    if len(d["spike_multiplicities"]):
        value = value * np.asarray(d["spike_multiplicities"], dtype=float)
    if len(d["spike_weights"]):
        value = value * np.asarray(d["spike_weights"], dtype=float)
    return stamps[keep], off[keep], value[keep]


def _spike_generator_events(d: dict, steps: np.ndarray, ctx) -> tuple:
    """Every spike of the chunk's steps as (row 0, step index, offset, value): one event per
    spike time, as NEST sends them (with its offset when precise_times)."""
    if d["precise_times"]:
        stamps, off, value = precise_stamps(d, ctx.h, ctx.tics_per_ms)
        s = stamps - 1
    else:
        s, value = spike_steps(d, ctx.h)
        off = np.zeros(s.size)
    sel = (s >= steps[0]) & (s <= steps[-1])
    return (np.zeros(int(sel.sum()), np.int64), s[sel] - steps[0], off[sel], value[sel])


def _spike_generator_spikes(d: dict, steps: np.ndarray, ctx) -> np.ndarray:
    """Multiplicities of one shared row for the chunk's steps (sorted, consecutive)."""
    out = np.zeros((steps.size, 1))
    s, value = spike_steps(d, ctx.h)
    sel = (s >= steps[0]) & (s <= steps[-1])
    np.add.at(out[:, 0], s[sel] - steps[0], value[sel])
    if _has_negative_weights(d):
        neg = np.zeros(steps.size, bool)
        neg[s[sel][value[sel] < 0] - steps[0]] = True
        pos = np.zeros(steps.size, bool)
        pos[s[sel][value[sel] > 0] - steps[0]] = True
        if (neg & pos).any():
            raise errors.NotImplemented(
                "spike_generator: spikes of opposite spike_weights signs in one time step (NEST "
                "sends them to the excitatory and inhibitory channels separately; jaxnest sums "
                "a step's spikes into one event).")
    return out


def _has_negative_weights(d: dict) -> bool:
    return bool(len(d["spike_weights"]) and np.min(d["spike_weights"]) < 0)


def window_steps(d: dict, h: float) -> tuple[float, float]:
    """(origin + start, origin + stop) in steps; an infinite stop stays infinite."""
    lo = round((d["origin"] + d["start"]) / h)
    stop = d["origin"] + d["stop"]
    return lo, (round(stop / h) if np.isfinite(stop) else np.inf)


def current_active(d: dict, steps: np.ndarray, h: float) -> np.ndarray:
    """NEST's current generators send in the steps s with lo < s + 2 <= hi (StimulationDevice
    shifts them by two steps: checked against NEST 3.10)."""
    lo, hi = window_steps(d, h)
    t = steps + 2
    return (t > lo) & (t <= hi)


def _dc_current(d: dict, steps: np.ndarray, ctx) -> np.ndarray:
    return np.where(current_active(d, steps, ctx.h), d["amplitude"], 0.0)[:, None]


def _dc_sample(d: dict, steps: np.ndarray, h: float, state=None) -> dict:
    """Recordable I: the amplitude in the active steps, 0 elsewhere (NEST's S_.I_)."""
    return {"I": np.where(current_active(d, steps, h), d["amplitude"], 0.0)}


def _check_grid(d: dict, h: float) -> None:
    """NEST requires spike times on the grid (to the nearest tic) unless allow_offgrid_times
    or precise_times, which exclude each other and shift_now_spikes."""
    times = np.asarray(d["spike_times"], dtype=float)
    if d["precise_times"] and (d["allow_offgrid_times"] or d["shift_now_spikes"]):
        raise errors.BadProperty("Option precise_times cannot be set to true when either "
                                 "allow_offgrid_times or shift_now_spikes is set to true.")
    if np.any(times == 0.0) and not d["shift_now_spikes"]:
        raise errors.BadProperty("spike time cannot be set to 0.")
    if times.size and not (d["allow_offgrid_times"] or d["precise_times"]):
        off = _tics(times) % _tics(h) != 0
        if off.any():
            bad = times[off][0]
            raise errors.BadProperty(
                f"spike_generator: Time point {bad} is not representable in current resolution.")


def _tics(ms):
    """NEST's Time::ms: to the nearest tic (of the kernel's time base)."""
    return np.floor(np.asarray(ms, dtype=float) * tics_per_ms() + 0.5).astype(np.int64)


def _round_up_offgrid(d: dict, h: float) -> None:
    """NEST stores grid spike times in whole tics, and off-grid ones (allow_offgrid_times)
    rounded up to the end of their step; precise times are kept as given."""
    snap_window(d, h)
    if len(d["spike_times"]) and not d["precise_times"]:
        times = np.asarray(d["spike_times"], dtype=float)
        t, step = _tics(times), _tics(h)
        tpm = tics_per_ms()
        up = stamp_tics(times, tpm, int(step))
        d["spike_times"] = np.where(t % step == 0, t, up) / tpm


def _shift_now(d: dict, h: float, now: int) -> None:
    """shift_now_spikes: a grid spike at the current time (origin + spike time = now) moves
    one step later, as NEST stores it when the times are set."""
    if d["shift_now_spikes"] and not d["precise_times"] and len(d["spike_times"]):
        tpm, step = tics_per_ms(), _tics(h)
        t = _tics(d["spike_times"])
        d["spike_times"] = np.where(_tics(d["origin"]) + t == now * step, t + step, t) / tpm


MODELS = {m.name: m for m in (
    Device("dc_generator", {**STIMULATOR_COMMON, "amplitude": 0.0}, "stimulator",
           "current", _check_window, normalize=snap_window, current=_dc_current,
           report=lambda d, s, n, h: {"recordables": ["I"]}, sample=_dc_sample),
    DeviceModel("poisson_generator", {**STIMULATOR_COMMON, "rate": 0.0}, "stimulator",
                "poisson", _check_poisson, normalize=snap_window),
    DeviceModel("spike_generator", {**STIMULATOR_COMMON, "spike_times": np.array([]),
                                    "spike_weights": np.array([]),
                                    "spike_multiplicities": np.array([]),
                                    "precise_times": False, "allow_offgrid_times": False,
                                    "shift_now_spikes": False},
                "stimulator", "spike_source", _check_spike_generator,
                with_times=(("precise_times", "allow_offgrid_times", "shift_now_spikes"),
                            "spike_times", "Options can only be set together with spike times "
                            "or if no spike times have been set.", False),
                normalize=_round_up_offgrid, at_set=_shift_now, spikes=_spike_generator_spikes,
                signed=_has_negative_weights, spike_events=_spike_generator_events,
                offgrid=lambda d: bool(d["precise_times"])),
)}
