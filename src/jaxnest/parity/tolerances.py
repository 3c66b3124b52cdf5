"""The tolerance categories of DESIGN.md, in one table used by tests and the harness.

A adaptive-solver trace · B exact-propagator trace · C conductance/coupled trace ·
D distributional (PRNG-divergent) · E spike times / event counts.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    name: str
    what: str
    atol: float        # absolute tolerance on traces (mV, pA, nS) or on spike times (ms)
    rtol: float = 0.0  # relative tolerance (distributional: relative difference of statistics)


CATEGORIES = {
    "A": Category("A", "adaptive-solver trace (NEST integrates with GSL RKF45)", atol=1e-3),
    "B": Category("B", "exact-propagator trace", atol=1e-6),
    "C": Category("C", "conductance / coupled trace", atol=1e-3, rtol=1e-6),
    "D": Category("D", "distributional: rates, counts, CV over seeds", atol=0.0, rtol=0.05),
    "E": Category("E", "spike times and event counts", atol=1e-9),
}

# Category of each model's traces.
MODEL_CATEGORY = {
    "iaf_psc_alpha": "B", "iaf_psc_exp": "B", "iaf_psc_delta": "B", "parrot_neuron": "E",
    "iaf_cond_alpha": "A", "iaf_cond_exp": "A",
}
