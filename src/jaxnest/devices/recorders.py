"""Recording devices: spike_recorder, voltmeter, multimeter, weight_recorder.

The kernel hands every recorder the raw samples of a run chunk; this module turns them into
NEST's ``events`` dict, applying each recorder's window (origin+start, origin+stop] and its
interval/offset grid, and writes ``record_to='ascii'`` files and ``'screen'`` lines as NEST's
backends do (checked against NEST 3.10): a header ``sender, time_ms`` or, with
``time_in_steps``, ``sender, time_step, time_offset``, then the recorded quantities; every float
in fixed notation with the recorder's ``precision`` (default 3) digits.
"""
from __future__ import annotations

import os

import numpy as np

from .. import errors
from .base import (RECORDER_COMMON, DeviceModel, check_window_grid, snap_window,
                   tics, tics_per_ms)


def _check_recorder(d: dict, h: float) -> None:
    check_window_grid(d, h)
    if d["stop"] < d["start"]:
        raise errors.BadProperty("stop >= start required.")
    if d["record_to"] not in ("memory", "ascii", "screen"):
        raise errors.BadProperty(f"Recording backend '{d['record_to']}' is unknown or not "
                                 "supported by jaxnest (memory, ascii, screen).")
    p = d["precision"]
    if isinstance(p, bool) or not float(p).is_integer():
        raise errors.TypeMismatch("Expected datatype: Failed to cast 'precision' from double "
                                  "to type long")
    if not isinstance(d["file_extension"], str):
        raise errors.TypeMismatch("Expected datatype: Failed to cast 'file_extension' to "
                                  "type string")


def _normalize_recorder(d: dict, h: float) -> None:
    """Backend properties belong to the backend: NEST forgets them (back to their defaults)
    when a recorder moves to a backend without them (memory has neither, screen has no file)."""
    snap_window(d, h)
    d["precision"] = int(d["precision"])
    if d["record_to"] == "memory":
        d["precision"] = BACKEND_DEFAULTS["precision"]
    if d["record_to"] != "ascii":
        d["file_extension"] = BACKEND_DEFAULTS["file_extension"]


def _check_sampler(d: dict, h: float) -> None:
    _check_recorder(d, h)
    interval, step = tics(d["interval"]), tics(h)
    if interval < step:
        raise errors.BadProperty("The sampling interval must be at least as long as the "
                                 "simulation resolution.")
    if interval % step:
        raise errors.BadProperty("The sampling interval must be a multiple of the simulation "
                                 "resolution.")
    if d["offset"] < 0 or (d["offset"] != 0 and tics(d["offset"]) < step):
        raise errors.BadProperty("The offset for the sampling interval must be at least as "
                                 "long as the simulation resolution.")


def _normalize_sampler(d: dict, h: float) -> None:
    """NEST stores the interval in whole tics and the offset rounded up to the grid."""
    _normalize_recorder(d, h)
    step = tics(h)
    d["interval"] = tics(d["interval"]) / tics_per_ms()
    d["offset"] = -(-tics(d["offset"]) // step) * step / tics_per_ms()


BACKEND_DEFAULTS = {"precision": 3, "file_extension": "dat"}
"""Properties of NEST's ascii (both) and screen (precision) backends: digits after the point
of every float written, and the data files' extension."""
RECORDER = {**RECORDER_COMMON, **BACKEND_DEFAULTS}
SAMPLER = {**RECORDER, "interval": 1.0, "offset": 0.0}

def _node_ids(value) -> list[int]:
    """Node ids from a NodeCollection, a list of them, or ids."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    out = []
    for v in (value if isinstance(value, (list, tuple)) else [value]):
        out += _node_ids(v) if hasattr(v, "tolist") or isinstance(v, (list, tuple)) else [int(v)]
    return out


def _normalize_weight_recorder(d: dict, h: float) -> None:
    _normalize_recorder(d, h)
    d["senders"], d["targets"] = _node_ids(d["senders"]), _node_ids(d["targets"])


MODELS = {m.name: m for m in (
    DeviceModel("spike_recorder", dict(RECORDER), "recorder", "spike_recorder",
                _check_recorder, readonly=("events",), normalize=_normalize_recorder),
    DeviceModel("voltmeter", {**SAMPLER, "record_from": ["V_m"]}, "recorder", "sampler",
                _check_sampler, normalize=_normalize_sampler),
    DeviceModel("multimeter", {**SAMPLER, "record_from": []}, "recorder", "sampler",
                _check_sampler, normalize=_normalize_sampler),
    # events of the synapses whose model names it (SetDefaults/CopyModel "weight_recorder");
    # senders/targets: only events from/to these nodes (all when empty)
    DeviceModel("weight_recorder", {**RECORDER, "senders": [], "targets": []}, "recorder",
                "weight_recorder", _check_recorder, readonly=("events",),
                normalize=_normalize_weight_recorder,
                event_keys=("targets", "weights", "receptors", "ports")),
)}


def in_window(times: np.ndarray, d: dict) -> np.ndarray:
    """NEST records events with origin+start < t <= origin+stop."""
    return (times > d["origin"] + d["start"]) & (times <= d["origin"] + d["stop"])


def on_sample_grid(steps: np.ndarray, d: dict, h: float) -> np.ndarray:
    """Which sample steps fall on this sampler's interval/offset grid (fixed once it is
    connected; its window is NEST's when the samples are handed over: runtime)."""
    interval = int(round(d["interval"] / h))
    offset = int(round(d["offset"] / h))
    return ((steps - offset) % interval == 0) & (steps >= offset)


def sample_mask(steps: np.ndarray, d: dict, h: float, ms_of_steps) -> np.ndarray:
    """Which sample steps fall on this sampler's interval/offset grid and window."""
    return on_sample_grid(steps, d, h) & in_window(ms_of_steps(steps), d)


class EventLog:
    """Growing event columns of one recorder (NEST's memory backend).

    Times handed over as integers are steps (``time_in_steps``); NEST then adds the column
    ``offsets`` (ms from the step's end to the event; always 0 for on-grid events).
    """

    def __init__(self) -> None:
        self.columns: dict[str, list[np.ndarray]] = {}
        self.n = 0

    def append(self, cols: dict[str, np.ndarray]) -> None:
        n = len(next(iter(cols.values()))) if cols else 0
        if n == 0:
            return
        cols = dict(cols)
        if "offsets" not in cols and np.issubdtype(np.asarray(cols["times"]).dtype, np.integer):
            cols["offsets"] = np.zeros(n)
        for k, v in cols.items():
            self.columns.setdefault(k, []).append(np.asarray(v))
        self.n += n

    def events(self, keys: list[str], time_in_steps: bool | None = None) -> dict[str, np.ndarray]:
        """NEST's ``events``: senders, times (and offsets with ``time_in_steps``), then the
        recorded quantities. ``time_in_steps=None``: offsets when recorded in steps."""
        if time_in_steps is None:
            time_in_steps = "offsets" in self.columns
        out = {}
        for k in ["senders", "times", *(["offsets"] if time_in_steps else []), *keys]:
            parts = self.columns.get(k)
            if parts:
                out[k] = np.concatenate(parts)
            else:
                out[k] = np.array([], dtype=np.int64 if k == "senders" else float)
        return out

    def clear(self) -> None:
        self.columns.clear()
        self.n = 0


# --- ascii and screen backends -------------------------------------------------------------
def ascii_path(d: dict, model: str, gid: int, data_path: str, data_prefix: str) -> str:
    """NEST's file name: [<data_path>/]<data_prefix><label or model>-<gid>-<vp>.<extension>."""
    label = d["label"] or model
    name = f"{data_prefix}{label}-{gid}-0.{d.get('file_extension', 'dat')}"
    return os.path.join(data_path, name) if data_path else name


def header(keys: list[str], time_in_steps: bool) -> str:
    """The column row of NEST's ascii files."""
    cols = ["sender", *(("time_step", "time_offset") if time_in_steps else ("time_ms",)), *keys]
    return "\t".join(cols) + "\n"


def open_ascii(path: str, keys: list[str], time_in_steps: bool) -> None:
    """Start a recorder's file as NEST does at every Prepare: truncate and write the header."""
    with open(path, "w") as f:
        f.write("# NEST version: 3.10.0\n# RecordingBackendASCII version: 2\n")
        f.write(header(keys, time_in_steps))


ROWS_PER_FORMAT = 65536  # events formatted by one % (a string of the block's rows at a time)


def format_rows(cols: dict[str, np.ndarray], keys: list[str], time_in_steps: bool,
                precision: int = 3) -> str:
    """Events as NEST's ascii and screen backends write them: tab-separated, one line per
    event, sender, time in ms (or step and offset), then the values, every float in fixed
    notation with ``precision`` digits (C++ ``std::fixed``; a negative precision means 6)."""
    f = f"%.{int(precision) if precision >= 0 else 6}f"
    senders = np.asarray(cols.get("senders", np.array([], dtype=np.int64)))
    times = np.asarray(cols.get("times", np.array([])))
    columns = [senders.astype(np.int64).tolist()]
    if time_in_steps:
        offsets = cols.get("offsets")
        offsets = np.zeros(len(senders)) if offsets is None else np.asarray(offsets)
        columns += [times.astype(np.int64).tolist(), offsets.astype(float).tolist()]
        row = "%d\t%d\t" + f
    else:
        columns.append(times.astype(float).tolist())
        row = "%d\t" + f
    columns += [np.asarray(cols[k]).astype(float).tolist() for k in keys]
    row += f"\t{f}" * len(keys) + "\n"
    out, k = [], len(columns)
    for i in range(0, len(columns[0]), ROWS_PER_FORMAT):  # one C-level % per block of rows
        n = min(ROWS_PER_FORMAT, len(columns[0]) - i)
        flat = [None] * (n * k)
        for j, c in enumerate(columns):  # the block's values row by row
            flat[j::k] = c[i:i + n]
        out.append((row * n) % tuple(flat))
    return "".join(out)


def write_ascii(path: str, cols: dict[str, np.ndarray], keys: list[str],
                time_in_steps: bool, precision: int) -> None:
    """Append events in NEST's ascii format (see :func:`format_rows`)."""
    with open(path, "a") as f:
        f.write(format_rows(cols, keys, time_in_steps, precision))
