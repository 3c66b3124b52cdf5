"""step_rate_generator: a piecewise-constant rate sent to rate neurons over
rate_connection_delayed (NEST's DELAYED_RATE_CONNECTION_GENERATOR).

It sends, in each step s with lo < s + 2 <= hi (NEST shifts this device type by two steps,
as its current generators), the amplitude whose change time T satisfies T - 1 <= s (NEST
changes it one step ahead); 0 outside the window. The kernel's continuous phase
(kernel/continuous.py) takes these values as a ``rate_source`` row (NaN in the steps where it
is not active); a multimeter records ``rate``, the value of the step (0 when inactive).
"""
from __future__ import annotations

import numpy as np

from .base import STIMULATOR_COMMON
from .chunks import Device, resume, schedule
from .current_generators import (AMPLITUDES_TOGETHER, OFFGRID_WITH_TIMES,
                                 _normalize_step_current, schedule_steps, step_check)
from .generators import current_active


def _rates(d: dict, steps: np.ndarray, ctx) -> np.ndarray:
    def init(status, conns, s0, ctx):
        return {"rows": {}, "amp": 0.0}

    def advance(status, proc, steps, conns, ctx):
        amp = schedule(schedule_steps(status["amplitude_times"], ctx.h),
                       status["amplitude_values"], steps, proc["amp"])
        # NaN where inactive: NEST sends no event for a slice without an active step (a
        # target applying its nonlinearity per event then adds nothing, not phi(0))
        out = np.where(current_active(status, steps, ctx.h), amp, np.nan)[:, None]
        return out, {**proc, "amp": float(amp[-1])}

    return resume(d, steps, ctx, init, advance)


def _sample(d: dict, steps: np.ndarray, h: float, state=None) -> dict:
    steps = np.asarray(steps, np.int64)
    if not steps.size:
        return {"rate": np.zeros(0)}
    every = np.arange(0, int(steps.max()) + 1, dtype=np.int64)
    amp = schedule(schedule_steps(d["amplitude_times"], h), d["amplitude_values"], every, 0.0)
    rate = np.where(current_active(d, every, h), amp, 0.0)
    return {"rate": rate[steps]}


MODELS = {m.name: m for m in (
    Device("step_rate_generator", {**STIMULATOR_COMMON, "amplitude_times": np.array([]),
                                   "amplitude_values": np.array([]),
                                   "allow_offgrid_times": False},
           "stimulator", "rate_source", step_check("step_rate_generator"),
           normalize=_normalize_step_current, together=AMPLITUDES_TOGETHER,
           with_times=OFFGRID_WITH_TIMES, rates=_rates, sample=_sample,
           secondary_out=("rate_delayed",),
           report=lambda d, s, n, h: {"recordables": ["rate"]}),
)}
