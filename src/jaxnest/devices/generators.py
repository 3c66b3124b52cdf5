"""Stimulation devices: dc_generator, poisson_generator, spike_generator.

A stimulator is active for the steps whose spike stamp t = (s + 1) h lies in
(origin + start, origin + stop], as NEST's StimulationDevice (checked against NEST 3.10).
"""
from __future__ import annotations

import numpy as np

from .. import errors
from .base import STIMULATOR_COMMON, DeviceModel, check_window_grid, snap_window


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
        raise errors.BadProperty("spike_generator: times must be sorted in non-descending order.")
    for key in ("spike_weights", "spike_multiplicities"):
        n = len(d[key])
        if n and n != times.size:
            raise errors.BadProperty(f"{key} must have the same number of elements as "
                                     "spike_times or 0 elements to clear the property.")


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


def _check_grid(d: dict, h: float) -> None:
    """NEST requires spike times on the grid unless allow_offgrid_times or precise_times."""
    times = np.asarray(d["spike_times"], dtype=float)
    if d["precise_times"]:
        raise errors.NotImplemented("spike_generator: precise_times=True is not supported "
                                    "by jaxnest (no precise-spike-time models yet).")
    if times.size and not d["allow_offgrid_times"]:
        steps = times / h
        off = np.abs(steps - np.rint(steps)) > 1e-9 * np.maximum(1.0, np.abs(steps))
        if off.any():
            bad = times[off][0]
            raise errors.BadProperty(
                f"spike_generator: Time point {bad} is not representable in current resolution.")


def _round_up_offgrid(d: dict, h: float) -> None:
    """NEST stores off-grid spike times (allow_offgrid_times) rounded up to the grid."""
    snap_window(d, h)
    if d["allow_offgrid_times"] and len(d["spike_times"]):
        steps = np.asarray(d["spike_times"], dtype=float) / h
        near = np.abs(steps - np.rint(steps)) <= 1e-9 * np.maximum(1.0, np.abs(steps))
        d["spike_times"] = np.where(near, np.rint(steps), np.ceil(steps)) * h


MODELS = {m.name: m for m in (
    DeviceModel("dc_generator", {**STIMULATOR_COMMON, "amplitude": 0.0}, "stimulator",
                "current", _check_window, normalize=snap_window, current=_dc_current),
    DeviceModel("poisson_generator", {**STIMULATOR_COMMON, "rate": 0.0}, "stimulator",
                "poisson", _check_poisson, normalize=snap_window),
    DeviceModel("spike_generator", {**STIMULATOR_COMMON, "spike_times": np.array([]),
                                    "spike_weights": np.array([]),
                                    "spike_multiplicities": np.array([]),
                                    "precise_times": False, "allow_offgrid_times": False,
                                    "shift_now_spikes": False},
                "stimulator", "spike_source", _check_spike_generator,
                normalize=_round_up_offgrid, spikes=_spike_generator_spikes,
                signed=_has_negative_weights),
)}
