"""Recorders of binary neurons: spin_detector and correlospinmatrix_detector (NEST 3.10).

Binary neurons (models/binary.py) send an up transition as a spike of multiplicity 2 and a
down transition as multiplicity 1; so do spike_generator and parrot_neuron senders (two spike
times in one step: an up transition). The kernel hands a recorder a spike of multiplicity m as
m copies (same sender, step, receptor) in NEST's order (min_delay slice, sender, step).

spin_detector (a local receiver: NEST hands it each sent event whole, as the sender updates)
decodes per event: multiplicity 2 writes state 1; a single spike waits; a second single spike
of the same sender and stamp turns the waiting one into state 1, any other event writes the
waiting one with state 0 and, if itself a single spike, is lost (NEST's decoder keeps one
waiting event: of several down transitions in a slice every second one is dropped); the
detector's update writes the waiting event at the end of every min_delay slice. Events count
if their stamp is in (origin + start, origin + stop].

correlospinmatrix_detector receives the copies one by one (NEST unrolls multiplicities for
receivers with proxies) and decodes on its receptor channels: a second copy on the channel of
the previous one at the same stamp is an up transition, a single one is a tentative down
transition, confirmed by the next event. At a confirmed down transition of channel i its on
pulse [t_on, t_off) is correlated with the stored pulses (itself included) into
count_covariance[i][j][tau_max/delta_tau - Delta] (overlap in steps at lag Delta delta_tau).

Not reproduced: the detector's place in NEST's update order (senders created after a
spin_detector are flushed one slice later there; the same events, except for the drops when
their slice holds several single spikes); several spike times of a spike_generator in one step
reach a spin_detector here as one event of that multiplicity (NEST: single events).
"""
from __future__ import annotations

import math

import numpy as np

from .. import errors
from .base import RECORDER_COMMON, reported_time, snap_window
from .chunks import Device, is_step, long_param, tics_of
from .current_generators import check_window
from .recorders import in_window


def _min_delay(events: dict) -> int:
    """NEST's min_delay (steps), which the detectors' slices follow. The runtime does not
    hand it to receive hooks yet: read it from the kernel until it does."""
    if "min_delay_steps" in events:
        return int(events["min_delay_steps"])
    from ..api import _state  # noqa: PLC0415 - fallback, see the docstring
    return int(_state.kernel().min_delay_steps())


def _merged(events: dict):
    """(senders, steps, times, multiplicities) of the events, copies merged."""
    se, st, rp = (np.asarray(events[k], dtype=np.int64) for k in ("senders", "steps",
                                                                   "receptors"))
    times = np.asarray(events["times"], dtype=float)
    if not se.size:
        return se, st, times, se
    new = np.r_[True, (se[1:] != se[:-1]) | (st[1:] != st[:-1]) | (rp[1:] != rp[:-1])]
    first = np.flatnonzero(new)
    return se[first], st[first], times[first], np.diff(np.r_[first, se.size])


# --- spin_detector ----------------------------------------------------------------------------
def _sd_check(d: dict, h: float) -> None:
    check_window(d, h)
    if d["record_to"] not in ("memory", "ascii", "screen"):
        raise errors.BadProperty(f"Recording backend '{d['record_to']}' is unknown or not "
                                 "supported by jaxnest (memory, ascii, screen).")
    if d["record_to"] != "memory":
        raise errors.NotImplemented(f"spin_detector with record_to '{d['record_to']}' "
                                    "(jaxnest records it in memory only).")
    if d["n_events"] != 0:
        raise errors.BadProperty("Property n_events can only be set to 0 (which clears all "
                                 "stored events).")


def _sd_normalize(d: dict, h: float) -> None:
    snap_window(d, h)


def _sd_on_set(d: dict, state: dict, given: dict) -> None:
    if "n_events" in given:
        state["log"] = []


def _sd_receive(d: dict, state: dict, events: dict, h: float) -> None:
    se, st, times, mult = _merged(events)
    md = _min_delay(events)
    log = state.setdefault("log", [])
    active = in_window(times, d)
    pending = None  # (sender, step, time, state)
    slice_of = st // md
    for k in range(se.size):
        if pending is not None and slice_of[k] != pending[4]:
            log.append(pending[:4])  # the detector's update at the end of the slice
            pending = None
        if not active[k]:
            continue
        s, step, t, m = int(se[k]), int(st[k]), float(times[k]), int(mult[k])
        if pending is not None and m == 1 and s == pending[0] and step == pending[1]:
            pending = pending[:3] + (1, pending[4])
        if pending is not None:
            log.append(pending[:4])
        if m == 2:
            log.append((s, step, t, 1))
            pending = None
        elif pending is None:
            pending = (s, step, t, 0, int(slice_of[k]))
        else:
            pending = None
    if pending is not None:
        log.append(pending[:4])


def _sd_report(d: dict, state: dict, now: int, h: float) -> dict:
    log = state.get("log", [])
    steps = bool(d["time_in_steps"])
    ev = {}
    if log:
        arr = np.array([(s, step, st) for s, step, _, st in log], dtype=np.int64)
        ev["senders"] = arr[:, 0]
        if steps:
            ev["times"], ev["offsets"] = arr[:, 1] + 1, np.zeros(len(log))
        else:
            ev["times"] = np.array([t for _, _, t, _ in log])
        ev["state"] = arr[:, 2]
    else:
        empty = np.array([], dtype=float)
        ev = {"senders": empty, "times": empty.copy()}
        if steps:
            ev["offsets"] = empty.copy()
        if now > 0:  # NEST adds the value column when the detector is first prepared
            ev["state"] = empty.copy()
    return {"events": dict(sorted(ev.items())), "n_events": len(log)}


# --- correlospinmatrix_detector ---------------------------------------------------------------
_CSD_TIMES = ("delta_tau", "tau_max", "Tstart", "Tstop")


def _csd_delta_tau(d: dict, h: float) -> float:
    """The default delta_tau (0.1 ms) becomes the resolution where it is not a step of it,
    as NEST recalibrates its prototype."""
    dt = d["delta_tau"]
    return h if dt == 0.1 and not is_step(dt, h) else dt


def _csd_check(d: dict, h: float) -> None:
    if long_param(d, "N_channels") < 1:
        raise errors.BadProperty("/N_channels can only be larger than zero.")
    for k in _CSD_TIMES:
        if d[k] < 0:
            raise errors.BadProperty(f"/{k} must not be negative.")
    check_window(d, h)
    dt = _csd_delta_tau(d, h)
    if not is_step(dt, h):
        t, s = tics_of(dt), tics_of(h)
        raise errors.StepMultipleRequired(
            f"The time property delta_tau = {dt:g} ms (= {t} tics = {round(t / s)} steps) of "
            f"model correlospinmatrix_detector must be a multiple of the resolution {h:g} ms "
            f"(= {s} tics = 1 step).")
    if tics_of(d["tau_max"]) % tics_of(dt):
        tm = d["tau_max"]
        raise errors.TimeMultipleRequired(
            f"In model correlospinmatrix_detector, the time property tau_max = {tm:g} ms "
            f"(= {tics_of(tm)} tics = {round(tics_of(tm) / tics_of(h))} steps) must be "
            f"multiple of time property delta_tau = {dt:g} ms (= {tics_of(dt)} tics = "
            f"{round(tics_of(dt) / tics_of(h))} step{'s' if tics_of(dt) != tics_of(h) else ''}).")


def _csd_normalize(d: dict, h: float) -> None:
    snap_window(d, h)
    d["delta_tau"] = _csd_delta_tau(d, h)
    for k in _CSD_TIMES:
        if math.isfinite(d[k]):
            d[k] = tics_of(d[k]) / 1000.0


def _csd_on_set(d: dict, state: dict, given: dict) -> None:
    if any(k in given for k in (*_CSD_TIMES, "N_channels")):
        state.clear()
        state["sized"] = True  # NEST resets (sizes) the count now


def _steps(ms: float, h: float) -> int:
    return tics_of(ms) // tics_of(h)


def _csd_state(d: dict, state: dict, h: float) -> dict:
    if "count" not in state:
        n = int(d["N_channels"])
        bins = 1 + 2 * _steps(d["tau_max"], h) // _steps(d["delta_tau"], h)
        state.update(count=np.zeros((n, n, bins), np.int64), last_i=0, t_last=None,
                     tentative=False, on=[False] * n, last_change=[0] * n,
                     held=np.zeros((4, 0), np.int64))  # pulses: on, off, channel, threshold
    return state


def _csd_down(st, reach: int, pulses: list) -> None:
    """A confirmed down transition of channel last_i: its pulse (from its last change to the
    previous event's stamp), with the threshold NEST prunes its stored pulses by before
    storing this one (those ending at or before it are dropped): ``reach`` (tau_max +
    delta_tau + min_delay, steps) before the earliest start of a pulse still on."""
    i = st["last_i"]
    t_on, t_off = st["last_change"][i], st["t_last"]
    t_min_on = min([t_on] + [st["last_change"][n] for n in range(len(st["on"]))
                             if st["on"][n] and st["last_change"][n] < t_on])
    pulses.append((t_on, t_off, i, t_min_on - reach))
    st["last_change"][i] = t_off


def _csd_pairs(P: np.ndarray, first: int) -> tuple[np.ndarray, np.ndarray]:
    """(new, held) pulse index pairs: each pulse from ``first`` on with itself and with every
    earlier pulse NEST still holds when it stores it. NEST keeps its pulses sorted by end and
    drops from the front, so pulse q is held when pulse e is stored iff q ends after every
    threshold of the pulses q+1..e."""
    off, thr = P[1], P[3]
    reach = np.maximum.accumulate(off)  # no pulse up to q ends after reach[q]
    e = np.arange(first, P.shape[1])
    news, helds = [e], [e]
    top = np.full(e.size, np.iinfo(np.int64).min)  # the largest threshold of q+1..e
    r = 1
    while e.size:
        q = e - r
        top = np.maximum(top, thr[q + 1])
        live = q >= 0
        live[live] = reach[q[live]] > top[live]  # else none of 0..q is held
        e, q, top = e[live], q[live], top[live]
        held = off[q] > top
        news.append(e[held])
        helds.append(q[held])
        r += 1
    return np.concatenate(news), np.concatenate(helds)


def _csd_correlate(count: np.ndarray, P: np.ndarray, new: np.ndarray, held: np.ndarray,
                   tau_max: int, dt: int) -> None:
    """Add each pair's overlaps to the counts as NEST does: pulse A = [a0, a1) of channel i
    (the one stored) against B = [b0, b1) of channel j shifted by Delta * delta_tau, into
    count[i][j][k - Delta] and count[j][i][k + Delta] (k = tau_max / delta_tau; for j = i
    Delta <= 0 only, and the lag-0 overlap once). The overlap at shift s is a trapezoid,
    R(s - (b0 - a1)) - R(s - (b0 - a0)) - R(s - (b1 - a1)) + R(s - (b1 - a0)) with
    R(x) = max(x, 0): each ramp is linear in the bin over a range of bins, added through
    markers and two cumulative sums, so a pair costs the same whatever its lags."""
    a0, a1, i = P[0, new], P[1, new], P[2, new]
    b0, b1, j = P[0, held], P[1, held], P[2, held]
    keep = (a1 > a0) & (b1 > b0)  # an empty pulse overlaps nothing
    a0, a1, i, b0, b1, j = (x[keep] for x in (a0, a1, i, b0, b1, j))
    n, _, bins = count.shape
    k = tau_max // dt
    same = i == j
    idx, w1, w0 = [], [], []
    for row, sign, top in ((i * n + j, -1, np.where(same, 0, k)),
                           (j * n + i, 1, np.where(same, -1, k))):
        for c, x in ((1, b0 - a1), (-1, b0 - a0), (-1, b1 - a1), (1, b1 - a0)):
            lo = np.maximum(x // dt + 1, -k)  # first Delta where the ramp is positive
            ok = lo <= top
            lo_, hi_, x_, r_ = lo[ok], top[ok], x[ok], row[ok]
            first, last = (k + lo_, k + hi_) if sign > 0 else (k - hi_, k - lo_)
            slope, const = c * dt * sign, -c * (dt * sign * k + x_)
            base = r_ * (bins + 1)
            idx += [base + first, base + last + 1]
            w1 += [np.full(first.size, slope), np.full(first.size, -slope)]
            w0 += [const, -const]
    idx = np.concatenate(idx)
    size = n * n * (bins + 1)
    slope = np.bincount(idx, np.concatenate(w1).astype(float), size).reshape(n * n, -1)
    const = np.bincount(idx, np.concatenate(w0).astype(float), size).reshape(n * n, -1)
    pos = np.arange(bins + 1)
    add = pos * np.cumsum(slope, axis=1) + np.cumsum(const, axis=1)
    count += np.rint(add[:, :bins]).astype(np.int64).reshape(count.shape)


def _csd_receive(d: dict, state: dict, events: dict, h: float) -> None:
    ports = np.asarray(events["receptors"], dtype=np.int64)
    n = int(d["N_channels"])
    if ports.size and ports.max() > n - 1:
        raise errors.UnknownReceptorType(f"Receptor type {int(ports.max())} is not available "
                                         "in correlospinmatrix_detector.")
    st = _csd_state(d, state, h)
    md = _min_delay(events)
    lo = round((d["origin"] + d["start"]) / h)
    hi = d["origin"] + d["stop"]
    hi = round(hi / h) if math.isfinite(hi) else math.inf
    stamps = np.asarray(events["steps"], dtype=np.int64) + 1
    tau_max, dt = _steps(d["tau_max"], h), _steps(d["delta_tau"], h)
    reach = tau_max + dt + md  # how far before a pulse's start NEST prunes (steps)
    pulses = []
    for s, i in zip(stamps.tolist(), ports.tolist()):  # every copy is a single spike
        if not lo < s <= hi:
            continue
        down = False
        if i == st["last_i"] and s == st["t_last"]:
            st["on"][i] = True
            st["last_change"][i] = s
            st["tentative"] = False
        else:
            down = st["tentative"]
            st["tentative"] = True
        if down:
            _csd_down(st, reach, pulses)
        st["last_i"], st["t_last"] = i, s
    if pulses:
        P = np.concatenate([st["held"], np.array(pulses, np.int64).T], axis=1)
        new, held = _csd_pairs(P, st["held"].shape[1])
        _csd_correlate(st["count"], P, new, held, tau_max, dt)
        # pulses that end at or before the last threshold are dropped for good
        gone = np.searchsorted(np.maximum.accumulate(P[1]), P[3, -1], side="right")
        st["held"] = P[:, min(gone, P.shape[1] - 1):]


def _csd_report(d: dict, state: dict, now: int, h: float) -> dict:
    out = {"Tstop": reported_time(d["Tstop"])}
    if "count" not in state and not now and not state.get("sized"):
        return {**out, "count_covariance": np.zeros((1, 1, 0))}
    return {**out, "count_covariance": _csd_state(d, state, h)["count"].copy()}


MODELS = {m.name: m for m in (
    Device("spin_detector", {**RECORDER_COMMON, "n_events": 0}, "recorder", "spike_recorder",
           _sd_check, normalize=_sd_normalize, receive=_sd_receive, report=_sd_report,
           on_set=_sd_on_set),
    Device("correlospinmatrix_detector",
           {"origin": 0.0, "start": 0.0, "stop": float("inf"), "delta_tau": 0.1,
            "tau_max": 1.0, "Tstart": 0.0, "Tstop": float("inf"), "N_channels": 1},
           "recorder", "spike_recorder", _csd_check, normalize=_csd_normalize,
           receive=_csd_receive, report=_csd_report, on_set=_csd_on_set,
           receptors=lambda d: range(int(d["N_channels"]))),
)}
