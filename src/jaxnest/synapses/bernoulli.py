"""Stochastic transmission: bernoulli_synapse.

Each presynaptic spike is transmitted with probability p_transmit (one uniform draw per spike
and connection, as NEST: u < p, so p = 0 transmits nothing and p = 1 everything).
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import errors
from .base import COMMON, SynapseModel


def on_pre(p, s, t, post, rand):
    ok = rand.uniform(0) < p["p_transmit"]
    return dict(s, sent=jnp.where(ok, s["weight"], 0.0), delivered=ok)


def check(v: dict) -> None:
    p = np.asarray(v["p_transmit"], float)
    if np.any((p < 0) | (p > 1)):
        raise errors.BadProperty("Spike transmission probability must be in [0, 1].")


MODELS = {m.name: m for m in (
    SynapseModel("bernoulli_synapse", {**COMMON, "p_transmit": 1.0},
                 on_pre=on_pre, random=True, check=check),
)}
