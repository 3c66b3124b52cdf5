"""Spec shared by stimulation and recording devices.

Devices are few and carry list-valued parameters (spike_times, record_from), so the kernel keeps
their status as one dict per device rather than as arrays. ``kind`` tells the kernel how a
device takes part in a simulation:

- ``spike_source``: emits spikes through ordinary spike edges (spike_generator),
- ``poisson``: one independent Poisson draw per edge and step (poisson_generator),
- ``current``: sends a current to its targets every step (dc_generator),
- ``spike_recorder`` / ``sampler``: records spikes of its sources / samples state of its targets.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

STIMULATOR_COMMON = {"origin": 0.0, "start": 0.0, "stop": float("inf"), "label": "",
                     "stimulus_source": ""}
RECORDER_COMMON = {"origin": 0.0, "start": 0.0, "stop": float("inf"), "label": "",
                   "record_to": "memory", "time_in_steps": False}


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
    normalize: Callable[[dict, float], None] | None = None
    """(status, resolution) -> None: bring a validated status to NEST's stored form in place
    (e.g. off-grid spike times rounded up to the grid)."""
