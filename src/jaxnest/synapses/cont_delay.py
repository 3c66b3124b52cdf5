"""cont_delay_synapse: a static synapse whose delay may lie between grid points.

NEST splits a delay d into whole steps and an offset: with d / h = n + f (0 < f < 1) the
connection delivers after n + 1 steps, and an event's offset (ms before the end of its step)
grows by h (1 - f), so that it arrives at exactly t_spike + d; an offset reaching h moves the
event one step earlier. Grid-based targets see only the step; precise targets the time. The
delay checks take both n and n + 1 (n >= 1 step: 0.7 ms at h = 1 ms is a BadDelay) and the
kernel's min_delay counts n. On-grid delays behave as static_synapse's.
"""
from __future__ import annotations

from .base import COMMON, SynapseModel

MODELS = {m.name: m for m in (
    SynapseModel("cont_delay_synapse", dict(COMMON), hidden={"delay_offset": 0.0},
                 off_grid_delay=True),
)}
