"""Recording devices: spike_recorder, voltmeter, multimeter.

The kernel hands every recorder the raw samples of a run chunk; this module turns them into
NEST's ``events`` dict, applying each recorder's window (origin+start, origin+stop] and its
interval/offset grid, and writes ``record_to='ascii'`` files.
"""
from __future__ import annotations

import os

import numpy as np

from .. import errors
from .base import RECORDER_COMMON, DeviceModel


def _check_recorder(d: dict, h: float) -> None:
    if d["stop"] < d["start"]:
        raise errors.BadProperty("stop >= start required.")
    if d["record_to"] not in ("memory", "ascii", "screen"):
        raise errors.BadProperty(f"Recording backend '{d['record_to']}' is unknown or not "
                                 "supported by jaxnest (memory, ascii, screen).")


def _check_sampler(d: dict, h: float) -> None:
    _check_recorder(d, h)
    if d["interval"] <= 0:
        raise errors.BadProperty("The sampling interval must be > 0.")


SAMPLER = {**RECORDER_COMMON, "interval": 1.0, "offset": 0.0}

MODELS = {m.name: m for m in (
    DeviceModel("spike_recorder", dict(RECORDER_COMMON), "recorder", "spike_recorder",
                _check_recorder, readonly=("events",)),
    DeviceModel("voltmeter", {**SAMPLER, "record_from": ["V_m"]}, "recorder", "sampler",
                _check_sampler),
    DeviceModel("multimeter", {**SAMPLER, "record_from": []}, "recorder", "sampler",
                _check_sampler),
)}


def in_window(times: np.ndarray, d: dict) -> np.ndarray:
    """NEST records events with origin+start < t <= origin+stop."""
    return (times > d["origin"] + d["start"]) & (times <= d["origin"] + d["stop"])


def sample_mask(steps: np.ndarray, d: dict, h: float, ms_of_steps) -> np.ndarray:
    """Which sample steps fall on this sampler's interval/offset grid and window."""
    interval = int(round(d["interval"] / h))
    offset = int(round(d["offset"] / h))
    on_grid = ((steps - offset) % interval == 0) & (steps >= offset)
    return on_grid & in_window(ms_of_steps(steps), d)


class EventLog:
    """Growing event columns of one recorder (NEST's memory backend)."""

    def __init__(self) -> None:
        self.columns: dict[str, list[np.ndarray]] = {}
        self.n = 0

    def append(self, cols: dict[str, np.ndarray]) -> None:
        n = len(next(iter(cols.values()))) if cols else 0
        if n == 0:
            return
        for k, v in cols.items():
            self.columns.setdefault(k, []).append(np.asarray(v))
        self.n += n

    def events(self, keys: list[str]) -> dict[str, np.ndarray]:
        out = {}
        for k in ["senders", "times", *keys]:
            parts = self.columns.get(k)
            if parts:
                out[k] = np.concatenate(parts)
            else:
                out[k] = np.array([], dtype=np.int64 if k == "senders" else float)
        return out

    def clear(self) -> None:
        self.columns.clear()
        self.n = 0


def ascii_path(d: dict, model: str, gid: int, data_path: str, data_prefix: str) -> str:
    """NEST's file name: <data_path>/<data_prefix><label or model>-<gid>-<vp>.dat."""
    label = d["label"] or model
    return os.path.join(data_path or ".", f"{data_prefix}{label}-{gid}-0.dat")


def open_ascii(path: str, keys: list[str], time_in_steps: bool) -> None:
    """Start a recorder's file as NEST does at every Prepare: truncate and write the header."""
    header = "sender\ttime_step\toffset" if time_in_steps else "sender\ttime_ms"
    with open(path, "w") as f:
        f.write("# NEST version: 3.10.0\n# RecordingBackendASCII version: 2\n")
        f.write(header + "".join(f"\t{k}" for k in keys) + "\n")


def write_ascii(path: str, cols: dict[str, np.ndarray], keys: list[str],
                time_in_steps: bool) -> None:
    """Append events in NEST's ascii format (tab-separated, 3 decimals)."""
    senders = cols.get("senders", np.array([]))
    times = cols.get("times", np.array([]))
    with open(path, "a") as f:
        for i in range(len(senders)):
            if time_in_steps:
                row = f"{int(senders[i])}\t{int(times[i])}\t0"
            else:
                row = f"{int(senders[i])}\t{times[i]:.3f}"
            f.write(row + "".join(f"\t{cols[k][i]:.3f}" for k in keys) + "\n")
