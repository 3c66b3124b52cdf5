"""Current generators: ac_generator, step_current_generator, noise_generator (NEST 3.10).

All three are NEST CURRENT_GENERATORs: they send in the steps s with lo < s + 2 <= hi, where
(lo, hi] is origin + (start, stop] in steps (``current_active``); the target reads the
current ``delay`` steps later. Amplitudes in pA, frequencies in Hz, phases in degrees.
"""
from __future__ import annotations

import math

import numpy as np

from .. import errors
from .base import STIMULATOR_COMMON, check_window_grid, snap_window
from ..timebase import tics_per_ms
from .chunks import Device, grid_times, is_step, resume, row_keys, schedule, tics_of
from .generators import current_active


def check_window(d: dict, h: float) -> None:
    check_window_grid(d, h)
    if d["stop"] < d["start"]:
        raise errors.BadProperty("stop >= start required.")


def _omega_phi(d: dict) -> tuple[float, float]:
    """Angular frequency (rad/ms) and phase (rad), as NEST converts them."""
    return 2.0 * math.pi * d["frequency"] / 1000.0, d["phase"] * 2.0 * math.pi / 360.0


# --- ac_generator ----------------------------------------------------------------------------
def _ac_current(d: dict, steps: np.ndarray, ctx) -> np.ndarray:
    """NEST rotates (y_0, y_1) one step before sending: the current sent in step s is
    amplitude * sin(omega (s + 1) h + phase) + offset."""
    ctx.state["ran"] = True
    om, phi = _omega_phi(d)
    i = d["amplitude"] * np.sin(om * (steps + 1) * ctx.h + phi) + d["offset"]
    return np.where(current_active(d, steps, ctx.h), i, 0.0)[:, None]


def _ac_sample(d: dict, steps: np.ndarray, h: float, state=None) -> dict:
    """Recordable I: the current of the step (0 outside the window), as NEST logs it."""
    om, phi = _omega_phi(d)
    i = d["amplitude"] * np.sin(om * (steps + 1) * h + phi) + d["offset"]
    return {"I": np.where(current_active(d, steps, h), i, 0.0)}


def _ac_report(d: dict, state: dict, now: int, h: float) -> dict:
    """y_0, y_1: the oscillator at the current time (0 before any run, as NEST)."""
    om, phi = _omega_phi(d)
    y = (d["amplitude"] * math.cos(om * now * h + phi),
         d["amplitude"] * math.sin(om * now * h + phi)) if state.get("ran") else (0.0, 0.0)
    return {"y_0": y[0], "y_1": y[1], "recordables": ["I"]}


# --- step_current_generator ------------------------------------------------------------------
AMPLITUDES_TOGETHER = (("amplitude_times", "amplitude_values"),
                       "Amplitude times and values must be reset together.")
"""step_current_generator and step_rate_generator: a SetStatus gives both or neither."""
OFFGRID_WITH_TIMES = (("allow_offgrid_times",), "amplitude_times",
                      "allow_offgrid_times can only be changed before amplitude_times have been "
                      "set, or together with amplitude_times and amplitude_values.", False)


def step_check(model: str):
    """The status check of a step generator (step_current_generator, step_rate_generator):
    NEST's messages name the model."""
    def check(d: dict, h: float) -> None:
        check_window(d, h)
        times, values = d["amplitude_times"], d["amplitude_values"]
        if len(times) != len(values):
            raise errors.BadProperty("Amplitude times and values have to be the same size.")
        if len(times) and np.min(times) <= 0.0:
            raise errors.BadProperty("Amplitude can only be changed at strictly positive times "
                                     "(t > 0).")
        grid_times(times, h, d["allow_offgrid_times"], model,
                   strict_msg=f"{model}: amplitude times must be at strictly increasing time "
                              "steps.")
    return check


def _normalize_step_current(d: dict, h: float) -> None:
    """NEST keeps the change times as grid times (off-grid ones rounded up)."""
    snap_window(d, h)
    s = grid_times(d["amplitude_times"], h, d["allow_offgrid_times"], "")
    d["amplitude_times"] = s * tics_of(h) / tics_per_ms() if s.size else np.array([])


def schedule_steps(times_ms: np.ndarray, h: float) -> np.ndarray:
    return np.rint(np.asarray(times_ms, dtype=float) / h).astype(np.int64)


def _step_current(d: dict, steps: np.ndarray, ctx) -> np.ndarray:
    def init(status, conns, s0, ctx):
        return {"rows": {}, "amp": 0.0}

    def advance(status, proc, steps, conns, ctx):
        amp = schedule(schedule_steps(status["amplitude_times"], ctx.h),
                       status["amplitude_values"], steps, proc["amp"])
        out = np.where(current_active(status, steps, ctx.h), amp, 0.0)[:, None]
        return out, {**proc, "amp": float(amp[-1])}

    return resume(d, steps, ctx, init, advance)


def _step_sample(d: dict, steps: np.ndarray, h: float, state=None) -> dict:
    """Recordable I: the current sent in the step (0 outside the window), as NEST logs it; the
    amplitude of change time T holds from step T - 1 on."""
    ts = schedule_steps(d["amplitude_times"], h) - 1
    idx = np.searchsorted(ts, steps, side="right") - 1
    vals = np.asarray(d["amplitude_values"], dtype=float)
    amp = np.where(idx >= 0, vals[np.maximum(idx, 0)] if vals.size else 0.0, 0.0)
    return {"I": np.where(current_active(d, steps, h), amp, 0.0)}


# --- noise_generator -------------------------------------------------------------------------
def _check_noise(d: dict, h: float) -> None:
    check_window(d, h)
    if d["std"] < 0 or d["std_mod"] < 0:
        raise errors.BadProperty("The standard deviation cannot be negative.")
    if d["std_mod"] > d["std"]:
        raise errors.BadProperty("The modulation apmlitude must be smaller or equal to the "
                                 "baseline amplitude.")
    if not is_step(d["dt"], h):
        t, s = tics_of(d["dt"]), tics_of(h)
        raise errors.StepMultipleRequired(
            f"The time property dt = {d['dt']:g} ms (= {t} tics = {round(t / s)} steps) of "
            f"model noise_generator must be a multiple of the resolution {h:g} ms "
            f"(= {s} tics = 1 step).")


def _normalize_noise(d: dict, h: float) -> None:
    snap_window(d, h)
    d["dt"] = tics_of(d["dt"]) / tics_per_ms()


def _noise_current(d: dict, steps: np.ndarray, ctx) -> np.ndarray:
    """One amplitude per target, redrawn every dt while active: NEST draws at the first
    active step at or after ``next_step`` and sets ``next_step`` dt later; all amplitudes
    are redrawn at once (and the grid restarts) when the number of targets changed. The
    draw is mean + sqrt(std^2 + y_1 std_mod^2) N(0, 1), y_1 the modulation oscillator,
    advanced once per active step from the first active step."""
    ctx.state["ran"] = True

    def init(status, conns, s0, ctx):
        return {"rows": {}, "conns": np.zeros(0, np.int64), "amps": np.zeros(0),
                "next": 0, "first": None}

    def advance(status, proc, steps, conns, ctx):
        h = ctx.h
        proc = dict(proc)
        if not np.array_equal(proc["conns"], conns):
            proc.update(conns=conns.copy(), amps=np.zeros(conns.size), next=0)
        out = np.zeros((steps.size, conns.size))
        act = np.flatnonzero(current_active(status, steps, h))
        if not act.size or not conns.size:
            return out, proc
        s_act = steps[act]
        if proc["first"] is None:
            proc["first"] = int(s_act[0])
        dts = max(tics_of(status["dt"]) // tics_of(h), 1)
        d0 = max(int(s_act[0]), int(proc["next"]))
        draws = np.arange(d0, int(s_act[-1]) + 1, dts, dtype=np.int64)
        amps = proc["amps"][None, :]
        if draws.size:
            om, phi = _omega_phi(status)
            y1 = np.sin(om * h * (draws + 1 - proc["first"]) + phi)[:, None]
            sd = np.sqrt(status["std"] ** 2 + y1 * status["std_mod"] ** 2)
            new = status["mean"] + sd * ctx.draws.normal(draws, row_keys(conns))
            k = np.searchsorted(draws, s_act, side="right") - 1
            amps = np.where((k >= 0)[:, None], new[np.maximum(k, 0)], proc["amps"][None, :])
            proc.update(amps=new[-1].copy(), next=int(draws[-1]) + dts)
        out[act] = amps
        return out, proc

    out = resume(d, steps, ctx, init, advance)
    ctx.state["I_avg"] = (steps.copy(), out.mean(axis=1) if out.shape[1] else
                          np.zeros(steps.size))
    return out


def _noise_sample(d: dict, steps: np.ndarray, h: float, state=None) -> dict:
    """Recordable I: the mean of the step's amplitudes over the targets (0 while inactive or
    without targets), as NEST logs it; from the chunk's currents (:func:`_noise_current`)."""
    out = np.zeros(steps.size)
    at, mean = (state or {}).get("I_avg", (np.zeros(0, np.int64), None))
    if at.size:  # the chunk's steps, contiguous
        k = steps - at[0]
        ok = (k >= 0) & (k < at.size)
        out[ok] = mean[k[ok]]
    return {"I": out}


def _noise_report(d: dict, state: dict, now: int, h: float) -> dict:
    """y_0, y_1: the unit modulation oscillator at the current time (0 before any run)."""
    om, phi = _omega_phi(d)
    y = (math.cos(om * now * h + phi), math.sin(om * now * h + phi)) \
        if state.get("ran") else (0.0, 0.0)
    return {"y_0": y[0], "y_1": y[1], "recordables": ["I"]}


def _always(d: dict) -> bool:
    return True


MODELS = {m.name: m for m in (
    Device("ac_generator", {**STIMULATOR_COMMON, "amplitude": 0.0, "offset": 0.0,
                            "phase": 0.0, "frequency": 0.0},
           "stimulator", "current", check_window, normalize=snap_window,
           current=_ac_current, report=_ac_report, sample=_ac_sample),
    Device("step_current_generator", {**STIMULATOR_COMMON, "amplitude_times": np.array([]),
                                      "amplitude_values": np.array([]),
                                      "allow_offgrid_times": False},
           "stimulator", "current", step_check("step_current_generator"),
           normalize=_normalize_step_current,
           together=AMPLITUDES_TOGETHER,
           with_times=OFFGRID_WITH_TIMES, current=_step_current, report=lambda d, s, n, h: {"recordables": ["I"]},
           sample=_step_sample),
    Device("noise_generator", {**STIMULATOR_COMMON, "mean": 0.0, "std": 0.0, "std_mod": 0.0,
                               "frequency": 0.0, "phase": 0.0, "dt": 1.0},
           "stimulator", "current", _check_noise, normalize=_normalize_noise,
           current=_noise_current, individual=_always, report=_noise_report,
           sample=_noise_sample),
)}
