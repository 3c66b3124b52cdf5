"""spike_train_injector (NEST 3.10): a spike_generator that NEST treats as a neuron.

It sends its spike times (relative to origin) to its targets like a spike_generator, with
multiplicities but no weights; NEST reports it as a node of element_type 'neuron' without
the stimulator's label/stimulus_source. With precise_times its spikes carry their offsets
(as spike_generator's: stamp = the end of the step holding the time).
"""
from __future__ import annotations

import numpy as np

from .. import errors
from .base import snap_window
from ..timebase import tics_per_ms
from .chunks import Device, grid_times, tics_of
from .current_generators import check_window
from .generators import precise_stamps, window_steps


def _check(d: dict, h: float) -> None:
    check_window(d, h)
    if d["precise_times"] and (d["allow_offgrid_times"] or d["shift_now_spikes"]):
        raise errors.BadProperty("Option precise_times cannot be set to true when either "
                                 "allow_offgrid_times or shift_now_spikes is set to true.")
    times = np.asarray(d["spike_times"], dtype=float)
    if times.size and np.any(np.diff(times) < 0):
        raise errors.BadProperty("Spike times must be sorted in non-descending order.")
    if times.size and not d["shift_now_spikes"] and np.any(times == 0.0):
        raise errors.BadProperty("Spike time cannot be set to 0.")
    if not d["precise_times"]:
        _stamps(d, h)
    mult = np.asarray(d["spike_multiplicities"], dtype=float)
    if mult.size and np.any(mult != np.rint(mult)):
        raise errors.TypeMismatch("Expected datatype: Failed to cast 'spike_multiplicities' "
                                  "from std::vector<double> to type std::vector<long>")
    if mult.size and mult.size != times.size:
        raise errors.BadProperty("spike_multiplicities must have the same number of elements "
                                 "as spike_times or 0 elements to clear the property.")


def _stamps(d: dict, h: float) -> np.ndarray:
    """Spike stamps in steps: on the grid, or rounded up with allow_offgrid_times; a spike at
    the current time (taken as 0) moves one step later with shift_now_spikes."""
    out = []
    for t in np.asarray(d["spike_times"], dtype=float).tolist():
        s = grid_times([t], h, d["allow_offgrid_times"], "spike_train_injector")
        s = int(s[0]) if s.size else 0
        if d["shift_now_spikes"] and tics_of(d["origin"]) + s * tics_of(h) == 0:
            s += 1
        out.append(s)
    return np.array(out, dtype=np.int64)


def _normalize(d: dict, h: float) -> None:
    snap_window(d, h)
    if not d["precise_times"]:  # precise times are kept as given
        d["spike_times"] = _stamps(d, h) * tics_of(h) / tics_per_ms()
    d["spike_multiplicities"] = np.asarray(d["spike_multiplicities"], dtype=float)


def _events(d: dict, steps: np.ndarray, ctx) -> tuple:
    """The chunk's spikes as (row 0, step index, offset ms, multiplicity): a spike stamped T
    (origin + spike time; off-grid precise times: the end of their step, with their offset)
    is sent in step T - 1 if T is in the window."""
    if d["precise_times"]:
        stamps, off, value = precise_stamps({**d, "spike_weights": ()}, ctx.h, ctx.tics_per_ms)
    else:
        h = ctx.h
        stamps = np.rint((np.asarray(d["spike_times"]) + d["origin"]) / h).astype(np.int64)
        lo, hi = window_steps(d, h)
        mult = np.asarray(d["spike_multiplicities"], dtype=float)
        value = mult if mult.size else np.ones(stamps.size)
        keep = (stamps > lo) & (stamps <= hi)
        stamps, value = stamps[keep], value[keep]
        off = np.zeros(stamps.size)
    s = stamps - 1
    sel = (s >= steps[0]) & (s <= steps[-1])
    return (np.zeros(int(sel.sum()), np.int64), s[sel] - steps[0], off[sel], value[sel])


def _spikes(d: dict, steps: np.ndarray, ctx) -> np.ndarray:
    """Multiplicities per step of the chunk (grid targets only)."""
    _, k, _, value = _events(d, steps, ctx)
    out = np.zeros((steps.size, 1))
    np.add.at(out[:, 0], k, value)
    return out


MODELS = {"spike_train_injector": Device(
    "spike_train_injector", {"origin": 0.0, "start": 0.0, "stop": float("inf"),
                             "spike_times": np.array([]), "spike_multiplicities": np.array([]),
                             "precise_times": False, "allow_offgrid_times": False,
                             "shift_now_spikes": False},
    "stimulator", "spike_source", _check, normalize=_normalize, spikes=_spikes,
    spike_events=_events, offgrid=lambda d: bool(d["precise_times"]),
    report=lambda d, s, n, h: {"element_type": "neuron"})}
