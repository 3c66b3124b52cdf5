"""Category D: compare seed-dependent results by their statistics over several seeds.

Random streams differ from NEST's by design, so a random network is compared by what does not
depend on the stream: spike counts, firing rates, CV of inter-spike intervals, number of active
senders, means and spreads of sampled traces, connection counts. A statistic passes when the
two backends' means over seeds agree within ``rtol`` (relative) or within ``z`` standard errors,
the error estimated from the seed-to-seed spread (three or more seeds) or, with fewer seeds,
also from each run's own noise (Poisson for counts, block means for traces), so that a few
seeds of a small network do not fail on noise.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .tolerances import CATEGORIES

if TYPE_CHECKING:
    from .compare import Check, Pair

_BLOCKS = 20


def spike_stats(ev: dict, n_senders: int, duration_ms: float) -> dict[str, tuple[float, float]]:
    """{statistic: (value, standard error of this one run)} of a spike recorder's events."""
    s = np.asarray(ev.get("senders", []), np.int64)
    t = np.asarray(ev.get("times", []), float)
    n = float(len(t))
    dur_s = max(duration_ms, 1e-9) / 1000.0
    out = {"spike count": (n, max(np.sqrt(n), 1.0)),
           "rate (Hz)": (n / (max(n_senders, 1) * dur_s),
                         max(np.sqrt(n), 1.0) / (max(n_senders, 1) * dur_s))}
    active = len(np.unique(s))
    p = active / max(n_senders, 1)
    out["active senders"] = (float(active), max(np.sqrt(active * (1.0 - p)), 1.0))
    cvs, n_isi = [], 0
    order = np.lexsort((t, s))
    s, t = s[order], t[order]
    for chunk in np.split(t, np.flatnonzero(np.diff(s)) + 1) if len(t) else []:
        if len(chunk) >= 3:
            isi = np.diff(chunk)
            if isi.mean() > 0:
                cvs.append(isi.std() / isi.mean())
                n_isi += len(isi)
    if cvs:
        cv = float(np.mean(cvs))
        out["CV of ISI"] = (cv, max(cv / np.sqrt(2.0 * max(n_isi, 1)), 0.01))
    return out


def trace_stats(ev: dict, key: str) -> dict[str, tuple[float, float]]:
    """{statistic: (value, standard error)} of one recordable: mean and std over all samples,
    errors from the spread of ``_BLOCKS`` consecutive time blocks."""
    order = np.argsort(np.asarray(ev.get("times", []), float), kind="stable")
    x = np.asarray(ev[key], float)[order]
    x = x[np.isfinite(x)]
    if not len(x):
        return {}
    blocks = [b for b in np.array_split(x, min(_BLOCKS, len(x))) if len(b)]
    means = np.array([b.mean() for b in blocks])
    stds = np.array([b.std() for b in blocks])
    k = max(len(blocks), 2)
    return {f"{key} mean": (float(x.mean()), float(means.std(ddof=1) / np.sqrt(k)) if len(blocks) > 1 else 0.0),
            f"{key} std": (float(x.std()), float(stds.std(ddof=1) / np.sqrt(k)) if len(blocks) > 1 else 0.0)}


def compare_stat(where: str, quantity: str, ref: list[float], got: list[float],
                 ref_se: list[float], got_se: list[float], floor: float = 0.0,
                 scale: float | None = None, models: str = "") -> "Check":
    """D verdict for one statistic measured once per seed under each backend.

    Passes when |mean(got) - mean(ref)| <= max(rtol * scale, z * se, floor); ``scale`` is
    |mean(ref)| unless given (traces use their spread: a mean voltage is not judged relative to
    its distance from 0 mV). The deviation reported is relative to the scale.
    """
    from .compare import Check
    c = CATEGORIES["D"]
    if not ref or not got:
        return Check(where, quantity, "D", float("inf"), c.rtol, False, models,
                     "no value under " + ("jaxnest" if ref else "NEST"))
    ref, got = np.asarray(ref, float), np.asarray(got, float)
    mr, mg = ref.mean(), got.mean()

    def var_of_mean(x, se):
        # Three or more seeds: their spread is the measure. Fewer: each run's own noise
        # estimate (Poisson, block means) as well, which errs on the lenient side.
        spread = x.var(ddof=1) if len(x) > 1 else 0.0
        if len(x) >= 3:
            return spread / len(x)
        own = float(np.mean(np.square(se))) if len(se) else 0.0
        return max(spread, own) / len(x)

    se = np.sqrt(var_of_mean(ref, ref_se) + var_of_mean(got, got_se))
    scale = abs(mr) if scale is None else abs(scale)
    diff = abs(mg - mr)
    allowed = max(c.rtol * scale, c.z * se, floor)
    rel = diff / scale if scale > 0 else (0.0 if diff == 0 else float("inf"))
    note = f"NEST {_fmt(mr)} ± {_fmt(se)}, jaxnest {_fmt(mg)} over {len(ref)}/{len(got)} seeds"
    return Check(where, quantity, "D", float(rel), float(allowed / scale) if scale > 0 else 0.0,
                 bool(diff <= allowed), models, note)


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def compare_recorder_distributions(pair: "Pair", where: str, models: str) -> list["Check"]:
    """D checks for a seed-dependent recorder (all seeds of both backends)."""
    checks = []
    if pair.kind == "spikes":
        senders = set()
        for rec in pair.nest + pair.jaxnest:
            senders.update(np.unique(np.asarray(rec.events.get("senders", []))).tolist())
        n = len(senders)
        duration = _duration(pair)
        sn = [spike_stats(r.events, n, duration) for r in pair.nest]
        sg = [spike_stats(r.events, n, duration) for r in pair.jaxnest]
        floors = {"spike count": 2.0, "rate (Hz)": 2.0 / (max(n, 1) * duration / 1000.0),
                  "active senders": 1.0, "CV of ISI": 0.02}
        for q in ("spike count", "rate (Hz)", "active senders", "CV of ISI"):
            a = [s[q] for s in sn if q in s]
            b = [s[q] for s in sg if q in s]
            if not a and not b or q == "CV of ISI" and (not a or not b):
                continue  # CV needs 3 spikes of a sender on both sides; counts cover the rest
            checks.append(compare_stat(where, q, [v for v, _ in a], [v for v, _ in b],
                                       [e for _, e in a], [e for _, e in b], floors[q],
                                       models=models))
        return checks
    keys = [k for k in pair.nest[0].events if k not in ("senders", "times", "offsets")
            and k in pair.jaxnest[0].events]  # one-sided quantities are reported by compare
    for key in keys:
        sn = [trace_stats(r.events, key) for r in pair.nest if key in r.events]
        sg = [trace_stats(r.events, key) for r in pair.jaxnest if key in r.events]
        spread = float(np.mean([s[f"{key} std"][0] for s in sn if s])) if any(sn) else 0.0
        for q in (f"{key} mean", f"{key} std"):
            a = [s[q] for s in sn if q in s]
            b = [s[q] for s in sg if q in s]
            checks.append(compare_stat(where, q, [v for v, _ in a], [v for v, _ in b],
                                       [e for _, e in a], [e for _, e in b], floor=1e-9,
                                       scale=spread if spread > 0 else None, models=models))
    if not keys:  # an event recorder without values: compare the event counts
        a = [float(len(r.events.get("times", []))) for r in pair.nest]
        b = [float(len(r.events.get("times", []))) for r in pair.jaxnest]
        checks.append(compare_stat(where, "event count", a, b, np.sqrt(a).tolist(),
                                   np.sqrt(b).tolist(), 2.0, models=models))
    return checks


def _duration(pair: "Pair") -> float:
    """Recording window (ms) of a spike recorder: its start/stop clipped to the run."""
    st = pair.nest[0].status
    start = float(st.get("start") or 0.0) + float(st.get("origin") or 0.0)
    stop = st.get("stop")
    stop = pair.t_stop if stop is None or float(stop) > pair.t_stop else float(stop) + float(
        st.get("origin") or 0.0)
    return max(stop - start, 1e-9)
