"""Spike-correlation recorders: correlation_detector, correlomatrix_detector (NEST 3.10).

They keep no event log: they bin the time differences of the spike pairs they receive, in
NEST's delivery order (by min_delay slice, then sender, then time), as NEST's handle() does:
correlation_detector pairs each spike on receptor 0 or 1 with the stored spikes of the other
receptor (dropping those older than tau_max + delta_tau/2 relative to the new one, which can
lose pairs when several senders share a receptor, as in NEST) into 1 + 2 tau_max/delta_tau
bins; correlomatrix_detector pairs it with all stored spikes of all N_channels receptors (the
spike itself included) into the N x N x (1 + tau_max/delta_tau) covariance. A spike counts if
its stamp is in (origin + start, origin + stop] and in [Tstart, Tstop]. The kernel hands the
spikes over without connection weights: every weight is taken as 1, and a spike of
multiplicity m arrives as m copies (same sender, step and receptor), merged back here.
"""
from __future__ import annotations

import math

import numpy as np

from .. import errors
from .base import snap_window
from .chunks import Device, is_step, long_param, tics_of
from .current_generators import check_window

_TIMES = ("delta_tau", "tau_max", "Tstart", "Tstop")


def _steps(ms: float, h: float) -> int:
    return tics_of(ms) // tics_of(h)


def _check_times(d: dict, h: float, model: str) -> None:
    check_window(d, h)
    dt = d["delta_tau"]
    if not is_step(dt, h) and not (dt == 0.5 and is_step(5 * h, h)):
        t, s = tics_of(dt), tics_of(h)
        raise errors.StepMultipleRequired(
            f"The time property delta_tau = {dt:g} ms (= {t} tics = {round(t / s)} steps) of "
            f"model {model} must be a multiple of the resolution {h:g} ms (= {s} tics = 1 "
            "step).")
    dt = dt if is_step(dt, h) else 5 * h  # NEST's default is 5 h
    if tics_of(d["tau_max"]) % tics_of(dt):
        raise errors.TimeMultipleRequired(
            f"In model {model}, the time property tau_max = {d['tau_max']:g} ms must be "
            f"multiple of time property delta_tau = {dt:g} ms.")


def _normalize(d: dict, h: float) -> None:
    snap_window(d, h)
    if not is_step(d["delta_tau"], h):
        d["delta_tau"] = 5 * tics_of(h) / 1000.0
    for k in _TIMES:
        if math.isfinite(d[k]):
            d[k] = tics_of(d[k]) / 1000.0


def _counting(d: dict, stamp: int, h: float) -> bool:
    """NEST: Tstart <= stamp <= Tstop (as Times)."""
    t = stamp * tics_of(h)
    return tics_of(d["Tstart"]) <= t and (not math.isfinite(d["Tstop"])
                                          or t <= tics_of(d["Tstop"]))


def _window(d: dict, h: float) -> tuple[float, float]:
    lo = round((d["origin"] + d["start"]) / h)
    hi = d["origin"] + d["stop"]
    return lo, (round(hi / h) if math.isfinite(hi) else math.inf)


def _merged(events: dict):
    """Events with their multiplicity: consecutive copies (same sender, step, receptor)
    are one spike, as the kernel hands a spike of multiplicity m over m times."""
    se, st, rp = (np.asarray(events[k], dtype=np.int64) for k in ("senders", "steps",
                                                                   "receptors"))
    if not se.size:
        return se, st, rp, se
    new = np.r_[True, (se[1:] != se[:-1]) | (st[1:] != st[:-1]) | (rp[1:] != rp[:-1])]
    first = np.flatnonzero(new)
    mult = np.diff(np.r_[first, se.size])
    return se[first], st[first] + 1, rp[first], mult  # stamps in steps


# --- correlation_detector --------------------------------------------------------------------
def _cd_bins(d: dict, h: float) -> int:
    return 1 + 2 * _steps(d["tau_max"], h) // _steps(d["delta_tau"], h)


def _cd_state(d: dict, state: dict, h: float) -> dict:
    if "hist" not in state:
        n = _cd_bins(d, h)
        state.update(hist=np.zeros(n), corr=np.zeros(n), count=np.zeros(n, np.int64),
                     n_events=[0, 0], incoming=([], []))
    return state


def _cd_check(d: dict, h: float) -> None:
    _check_times(d, h, "correlation_detector")
    if list(d["n_events"]) != [0, 0]:
        raise errors.BadProperty("/n_events can only be set to [0 0].")


def _cd_on_set(d: dict, state: dict, given: dict) -> None:
    if any(k in given for k in (*_TIMES, "n_events")):
        state.clear()
        state["sized"] = True  # NEST resets (sizes) the histograms now


def _unsized(state: dict, now: int) -> bool:
    """NEST sizes the results at the first Simulate or at a SetStatus that resets them."""
    return "hist" not in state and "cov" not in state and not now and not state.get("sized")


def _cd_receive(d: dict, state: dict, events: dict, h: float) -> None:
    se, stamps, ports, mult = _merged(events)
    if ports.size and ports.max() > 1:
        raise errors.UnknownReceptorType(f"Receptor type {int(ports.max())} is not available "
                                         "in correlation_detector.")
    st = _cd_state(d, state, h)
    lo, hi = _window(d, h)
    dtau = _steps(d["delta_tau"], h)
    tau_edge = _steps(d["tau_max"], h) + 0.5 * dtau
    for s, port, m in zip(stamps.tolist(), ports.tolist(), mult.tolist()):
        if not lo < s <= hi:
            continue
        other = st["incoming"][1 - port]
        k = 0
        while k < len(other) and (s - other[k][0]) - 0.5 * (1 - port) >= tau_edge:
            k += 1
        del other[:k]
        if _counting(d, s, h):
            st["n_events"][port] += 1
            if other:
                tj = np.array([o[0] for o in other])
                wj = np.array([o[1] for o in other], dtype=float)
                b = np.floor((tau_edge + (2 * port - 1) * (s - tj)) / dtau).astype(np.int64)
                np.add.at(st["hist"], b, m * wj)  # integer weights: exact, no compensation
                np.add.at(st["count"], b, m)
        own = st["incoming"][port]
        at = len(own)
        while at and own[at - 1][0] > s:
            at -= 1
        own.insert(at, (s, float(m)))


def _cd_report(d: dict, state: dict, now: int, h: float) -> dict:
    if _unsized(state, now):
        return {"n_events": np.zeros(2, np.int64), "histogram": np.zeros(0),
                "histogram_correction": np.zeros(0), "count_histogram": np.zeros(0)}
    st = _cd_state(d, state, h)
    return {"n_events": np.array(st["n_events"]), "histogram": st["hist"].copy(),
            "histogram_correction": st["corr"].copy(),
            "count_histogram": st["count"].copy()}


# --- correlomatrix_detector ------------------------------------------------------------------
def _cm_check(d: dict, h: float) -> None:
    if long_param(d, "N_channels") < 1:
        raise errors.BadProperty("/N_channels can only be larger than zero.")
    _check_times(d, h, "correlomatrix_detector")
    dt = d["delta_tau"] if is_step(d["delta_tau"], h) else 5 * h
    if _steps(dt, h) % 2 != 1:
        raise errors.BadProperty("/delta_tau must be odd multiple of resolution.")


def _cm_state(d: dict, state: dict, h: float) -> dict:
    if "cov" not in state:
        n, bins = int(d["N_channels"]), 1 + _steps(d["tau_max"], h) // _steps(d["delta_tau"], h)
        state.update(cov=np.zeros((n, n, bins)), count=np.zeros((n, n, bins), np.int64),
                     n_events=np.zeros(n, np.int64), t=[], w=[], ch=[])
    return state


def _cm_on_set(d: dict, state: dict, given: dict) -> None:
    if any(k in given for k in (*_TIMES, "N_channels")):
        state.clear()
        state["sized"] = True


def _cm_receive(d: dict, state: dict, events: dict, h: float) -> None:
    se, stamps, ports, mult = _merged(events)
    n = int(d["N_channels"])
    if ports.size and ports.max() > n - 1:
        raise errors.UnknownReceptorType(f"Receptor type {int(ports.max())} is not available "
                                         "in correlomatrix_detector.")
    st = _cm_state(d, state, h)
    lo, hi = _window(d, h)
    dtau = _steps(d["delta_tau"], h)
    tau_edge = _steps(d["tau_max"], h) + 0.5 * dtau
    # NEST keeps spikes min_delay steps longer than tau_edge, so that spikes delivered out of
    # order within a slice still pair; any longer margin gives the same bins
    margin = max(1000, int(stamps.max() - stamps.min()) + 1 if stamps.size else 1)
    cov, count, size = st["cov"], st["count"], st["cov"].shape[2]
    for s, port, m in zip(stamps.tolist(), ports.tolist(), mult.tolist()):
        if not lo < s <= hi:
            continue
        at = len(st["t"])
        while at and st["t"][at - 1] > s:
            at -= 1
        for key, v in (("t", s), ("w", float(m)), ("ch", port)):
            st[key].insert(at, v)
        k = 0
        while k < len(st["t"]) and s - st["t"][k] >= tau_edge + margin:
            k += 1
        for key in ("t", "w", "ch"):
            del st[key][:k]
        if not _counting(d, s, h):
            continue
        st["n_events"][port] += 1
        tj, wj, other = (np.array(st[key]) for key in ("t", "w", "ch"))
        dt = s - tj
        si = np.where(dt < 0, other, port)
        oi = np.where(dt < 0, port, other)
        ad = np.abs(dt)
        b = np.where(si <= oi, -np.floor((0.5 * dtau - ad) / dtau),
                     np.floor((0.5 * dtau + ad) / dtau)).astype(np.int64)
        ok = (b >= 0) & (b < size)
        si, oi, b, wj = si[ok], oi[ok], b[ok], wj[ok]
        twice = (b == 0) & ((dt[ok] != 0) | (other[ok] != port))
        np.add.at(cov, (si, oi, b), m * wj)
        np.add.at(count, (si, oi, b), m)
        np.add.at(cov, (oi[twice], si[twice], b[twice]), m * wj[twice])
        np.add.at(count, (oi[twice], si[twice], b[twice]), m)


def _cm_report(d: dict, state: dict, now: int, h: float) -> dict:
    if _unsized(state, now):
        return {"n_events": np.zeros(int(d["N_channels"]), np.int64),
                "covariance": np.zeros((1, 1, 0)), "count_covariance": np.zeros((1, 1, 0))}
    st = _cm_state(d, state, h)
    return {"n_events": st["n_events"].copy(), "covariance": st["cov"].copy(),
            "count_covariance": st["count"].copy()}


_COMMON = {"origin": 0.0, "start": 0.0, "stop": float("inf"), "delta_tau": 0.5,
           "tau_max": 5.0, "Tstart": 0.0, "Tstop": float("inf")}

MODELS = {m.name: m for m in (
    Device("correlation_detector", {**_COMMON, "n_events": [0, 0]}, "recorder",
           "spike_recorder", _cd_check, normalize=_normalize, receive=_cd_receive,
           report=_cd_report, on_set=_cd_on_set, receptors=lambda d: (0, 1)),
    Device("correlomatrix_detector", {**_COMMON, "N_channels": 1}, "recorder",
           "spike_recorder", _cm_check, normalize=_normalize, receive=_cm_receive,
           report=_cm_report, on_set=_cm_on_set,
           receptors=lambda d: range(int(d["N_channels"]))),
)}
