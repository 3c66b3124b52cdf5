"""Synthetic RunResults for the comparison tests (no NEST, no jaxnest runs)."""
from __future__ import annotations

import numpy as np

from jaxnest.parity.runner import Recorder, RunResult, Snapshot

H = 0.1


def trace_events(offset: float = 0.0, n_senders: int = 2, n: int = 200, noise=None) -> dict:
    t = np.tile(np.arange(1, n + 1) * 1.0, n_senders)
    s = np.repeat(np.arange(1, n_senders + 1), n)
    v = -70.0 + 10.0 * np.sin(t / 20.0) + s + offset
    if noise is not None:
        v = v + noise
    return {"senders": s, "times": t, "V_m": v}


def poisson_spikes(rate_hz: float, n_senders: int, t_ms: float, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    senders, times = [], []
    for g in range(1, n_senders + 1):
        k = rng.poisson(rate_hz * t_ms / 1000.0)
        ts = np.sort(np.round(rng.uniform(0, t_ms, k) / H) * H)
        senders.append(np.full(k, g))
        times.append(ts)
    return {"senders": np.concatenate(senders), "times": np.concatenate(times)}


def run(backend: str, recorders: dict[int, tuple[str, dict, dict]], seed: int = 0,
        n_conn: int = 10, t_stop: float = 1000.0, models=None) -> RunResult:
    """recorders: {gid: (model, status, events)}."""
    recs = {gid: Recorder(gid, m, dict(st), ev) for gid, (m, st, ev) in recorders.items()}
    kernel = {"num_connections": n_conn, "network_size": 10, "biological_time": t_stop,
              "resolution": H}
    snap = Snapshot("k0", kernel, recs, models or {1: "iaf_psc_alpha", 2: "iaf_psc_alpha"})
    return RunResult(backend, seed, ok=True, wall_s=1.0, simulate_s=0.5, snapshots=[snap])


VM = ("voltmeter", {"record_from": ["V_m"], "interval": 1.0})
SR = ("spike_recorder", {"start": 0.0, "stop": None, "origin": 0.0})


def vm(ev):
    return (VM[0], VM[1], ev)


def sr(ev):
    return (SR[0], SR[1], ev)


def missing_model() -> str | None:
    """A NEST node model jaxnest does not implement (today's answer, whatever it is); None
    once jaxnest has them all."""
    from jaxnest.models.nest_names import NODE_MODELS
    from jaxnest.models.registry import builtin_models
    have = builtin_models()
    return next((m for m in sorted(NODE_MODELS, reverse=True) if m not in have), None)
