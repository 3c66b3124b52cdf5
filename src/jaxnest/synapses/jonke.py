"""Reward-free STDP with weight-dependent exponential factors (Jonke et al. 2017):
jonke_synapse.

All-to-all pairing as stdp_synapse: each postsynaptic spike since the previous presynaptic
spike facilitates by lambda (exp(mu_plus w) K+ - beta), capped at Wmax; the presynaptic spike
depresses by lambda (-alpha exp(mu_minus w) K-(t - d) - beta), floored at 0; lambda = 0
freezes the weight. Every rule parameter is shared by the model's connections.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import errors
from .base import COMMON, SynapseModel
from .stdp import all_to_all

RULE = {"alpha": 1.0, "beta": 0.0, "lambda": 0.01, "mu_plus": 0.0, "mu_minus": 0.0,
        "tau_plus": 20.0, "Wmax": 100.0}


def facilitate(w, kplus, p):
    new_w = w + p["lambda"] * (jnp.exp(p["mu_plus"] * w) * kplus - p["beta"])
    return jnp.where(p["lambda"] == 0.0, w, jnp.where(new_w < p["Wmax"], new_w, p["Wmax"]))


def depress(w, kminus, p):
    new_w = w + p["lambda"] * (-p["alpha"] * jnp.exp(p["mu_minus"] * w) * kminus - p["beta"])
    return jnp.where(p["lambda"] == 0.0, w, jnp.where(new_w > 0.0, new_w, 0.0))


on_pre = all_to_all(facilitate, depress)


def check(v: dict) -> None:
    if np.any(np.asarray(v["Kplus"], float) < 0):
        raise errors.BadProperty("Kplus must be non-negative.")


MODELS = {m.name: m for m in (
    SynapseModel("jonke_synapse", {**COMMON, **RULE, "Kplus": 0.0}, state=("Kplus",),
                 sets_post_trace=True,
                 hidden={"t_lastspike": 0.0}, common=tuple(RULE), archive=True,
                 on_pre=on_pre, check=check),
)}
