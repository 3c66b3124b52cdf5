"""spike_dilutor (NEST 3.10): repeats the spikes it receives, each target keeping each of them
with probability p_copy.

NEST's dilutor counts the multiplicities of the spikes arriving in a step (after their delay;
weights play no part) and sends one event of that multiplicity n in the same step, stamped at
its end; each of its connections then delivers Binomial(n, p_copy) spikes (one uniform per
spike and connection), nothing when none survives. It is active for a whole min_delay slice
when origin + start < T <= origin + stop for the slice's first step T (StimulationDevice of
type SPIKE_GENERATOR with the slice origin); with more than one thread NEST refuses to
simulate. An inactive slice leaves its arrivals in NEST's ring buffer (min_delay + max_delay
steps long, indexed by the step modulo its length), so they are sent when the buffer comes
round to them in an active slice: spikes that arrive before start are sent late, not lost.

Here the dilutor is a spike source with one row per connection (like mip_generator) whose
multiplicities the host computes: the mother spikes are the spike trains of the
spike_generators connected to it (their multiplicities, shifted by each connection's delay),
read from the network when a chunk is prepared. Mother spikes from neurons or other devices
are not known to the host before the chunk runs: the dilutor refuses them (NotImplemented);
the kernel would need a neuron-like row for the dilutor whose outgoing edges thin each event
binomially (a bernoulli_synapse with p_copy on static edges).
"""
from __future__ import annotations

import numpy as np

from .. import errors
from .base import STIMULATOR_COMMON, snap_window
from .chunks import Device, binomial, resume, row_keys, uniforms
from .current_generators import check_window
from .generators import precise_stamps, spike_steps, window_steps


def _check(d: dict, h: float) -> None:
    check_window(d, h)
    if not 0.0 <= d["p_copy"] <= 1.0:
        raise errors.BadProperty("Copy probability must be in [0, 1].")


def _mother_sources(gid: int):
    """(status, delay in steps) of every spike_generator connected to dilutor ``gid``, and
    NEST's ring-buffer length (min_delay + max_delay, steps), from the current kernel's
    network (devices get no network view: read it here)."""
    from ..api import _state  # noqa: PLC0415 - the dilutor's inputs live in the network
    kernel = _state.kernel()
    if int(kernel.settings["local_num_threads"]) > 1:
        raise errors.KernelException("The network contains a spike_dilutor which cannot be "
                                     "used with multiple threads.")
    net = kernel.network
    cols = net.conns.cols
    into = np.flatnonzero(np.asarray(cols["target"]) == gid)
    out = []
    for c in into.tolist():
        src = int(cols["source"][c])
        dev = net.devices.get(src)
        if dev is None or dev.entry.impl.name != "spike_generator":
            raise errors.NotImplemented(
                f"spike_dilutor fed by {net.model_of(src)} (jaxnest repeats spike_generator "
                "input only: other mother spikes are not known before the chunk runs).")
        out.append((dev.status, int(round(float(cols["delay"][c]) / kernel.resolution))))
    return out, sum(kernel.delay_range())


def _arrivals(gid: int, steps: np.ndarray, h: float):
    """Mother spikes arriving at the dilutor in each step (summed multiplicities), and the
    ring-buffer length."""
    n = np.zeros(steps.size)
    sources, ring = _mother_sources(gid)
    for status, delay in sources:
        plain = dict(status, spike_weights=np.array([]))  # weights do not count
        if status["precise_times"]:
            stamps, _, value = precise_stamps(plain, h)
            emit = stamps - 1
        else:
            emit, value = spike_steps(plain, h)
        arrive = emit + delay
        sel = (arrive >= steps[0]) & (arrive <= steps[-1])
        np.add.at(n, arrive[sel] - steps[0], value[sel])
    return n, ring


def _sent(d: dict, proc: dict, steps: np.ndarray, ctx) -> tuple[np.ndarray, dict]:
    """Spikes the dilutor sends in each step: arrivals (and values left in the ring buffer)
    are read in the first active step that comes round to their slot (every ``ring`` steps);
    ``proc['held']``: (step, count) left over for later chunks."""
    md = int(getattr(ctx, "min_delay_steps", 1))
    lo, hi = window_steps(d, ctx.h)
    arrivals, ring = _arrivals(ctx.gid, steps, ctx.h)
    s0, s1 = int(steps[0]), int(steps[-1])
    todo = [(int(s), float(v)) for s, v in proc["held"]]
    todo += [(s0 + int(k), float(arrivals[k])) for k in np.flatnonzero(arrivals).tolist()]
    out, held = np.zeros(steps.size), []
    for s, v in todo:
        while s <= s1:
            t = s - s % md  # the slice origin decides for the whole slice
            if lo < t <= hi:
                out[s - s0] += v
                break
            if t > hi:  # never read again (NEST keeps it in the buffer)
                break
            s += ring
        else:
            held.append((s, v))
    return out, {**proc, "held": held}


def _spikes(d: dict, steps: np.ndarray, ctx) -> np.ndarray:
    def init(status, conns, s0, ctx):
        return {"rows": {}, "held": []}

    def advance(status, proc, st, conns, ctx):
        mother, proc = _sent(status, proc, st, ctx)
        u = uniforms(ctx, st[:, None], row_keys(conns)[None, :], 0)
        return binomial(mother.astype(np.int64)[:, None], status["p_copy"], u).astype(float), \
            proc

    return resume(d, steps, ctx, init, advance)


MODELS = {"spike_dilutor": Device(
    "spike_dilutor", {**STIMULATOR_COMMON, "p_copy": 1.0}, "stimulator", "spike_source",
    _check, normalize=snap_window, spikes=_spikes, individual=lambda d: True,
    receives_spikes=True)}
