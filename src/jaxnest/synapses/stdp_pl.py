"""Power-law STDP with shared parameters (Morrison et al. 2007): stdp_pl_synapse_hom.

As stdp_synapse's all-to-all pairing, but facilitation dw = lambda w^mu K+ (no upper bound)
and depression dw = -lambda alpha w K- (clipped at 0), with tau_plus, lambda, alpha and mu
shared by all connections of a model (set with SetDefaults/CopyModel); NEST multiplies by a
precomputed 1/tau_plus where stdp_synapse divides.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import errors
from .base import COMMON, SynapseModel, walk
from .stdp import power

RULE = {"tau_plus": 20.0, "lambda": 0.1, "alpha": 1.0, "mu": 0.4}


def on_pre(p, s, t, post):
    d, t_last, kplus, w = p["delay"], s["t_lastspike"], s["Kplus"], s["weight"]
    tau_inv = 1.0 / p["tau_plus"]
    times, mask = post.history(t_last - d, t - d)

    def pair(j, w):
        k = kplus * jnp.exp((t_last - (times[j] + d)) * tau_inv)
        return jnp.where(mask[j], w + p["lambda"] * power(w, p["mu"]) * k, w)
    w = walk(times.shape[0], pair, w)
    new_w = w - p["lambda"] * p["alpha"] * w * post.K_value(t - d)
    w = jnp.where(new_w > 0.0, new_w, 0.0)
    kplus = kplus * jnp.exp((t_last - t) * tau_inv) + 1.0
    return dict(s, weight=w, Kplus=kplus, t_lastspike=jnp.broadcast_to(t, w.shape))


def check(v: dict) -> None:
    """The shared parameters' check (NEST checks nothing per connection)."""
    if np.any(~(np.asarray(v["tau_plus"], float) > 0)):
        raise errors.BadProperty("tau_plus > 0. required.")


MODELS = {m.name: m for m in (
    SynapseModel("stdp_pl_synapse_hom", {**COMMON, **RULE, "Kplus": 0.0}, state=("Kplus",),
                 sets_post_trace=True,
                 hidden={"t_lastspike": 0.0}, common=tuple(RULE), archive=True,
                 on_pre=on_pre, check=check, exponents=("mu",)),
)}
