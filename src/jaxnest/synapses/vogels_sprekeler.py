"""Inhibitory STDP (Vogels et al. 2011): vogels_sprekeler_synapse.

Symmetric all-to-all rule: every postsynaptic spike since the previous presynaptic spike
facilitates by eta K+ (decayed to it, time constant ``tau``); the presynaptic spike facilitates
by eta K-(t - d) (the target's trace, with its tau_minus) and depresses by alpha eta. Weights
keep Wmax's sign and |w| <= |Wmax|. K+ then decays to t and steps by one.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import errors
from .base import COMMON, SynapseModel, walk

RULE = {"tau": 20.0, "alpha": 0.12, "eta": 0.001, "Wmax": 1.0}


def facilitate(w, kplus, p):
    new_w = jnp.abs(w) + p["eta"] * kplus
    return jnp.copysign(jnp.where(new_w < jnp.abs(p["Wmax"]), new_w, p["Wmax"]), p["Wmax"])


def depress(w, p):
    new_w = jnp.abs(w) - p["alpha"] * p["eta"]
    return jnp.copysign(jnp.where(new_w > 0.0, new_w, 0.0), p["Wmax"])


def on_pre(p, s, t, post):
    d, t_last, kplus, w = p["delay"], s["t_lastspike"], s["Kplus"], s["weight"]
    times, mask = post.history(t_last - d, t - d)

    def pair(j, w):
        minus_dt = t_last - (times[j] + d)
        return jnp.where(mask[j], facilitate(w, kplus * jnp.exp(minus_dt / p["tau"]), p), w)
    w = depress(facilitate(walk(times.shape[0], pair, w), post.K_value(t - d), p), p)
    kplus = kplus * jnp.exp((t_last - t) / p["tau"]) + 1.0
    return dict(s, weight=w, Kplus=kplus, t_lastspike=jnp.broadcast_to(t, w.shape))


def check(v: dict) -> None:
    w = np.asarray(v["weight"], float)
    if np.any((w != 0) & (np.signbit(w) != np.signbit(np.asarray(v["Wmax"], float)))):
        raise errors.BadProperty("Weight and Wmax must have same sign.")
    if np.any(~(np.asarray(v["Kplus"], float) >= 0)):
        raise errors.BadProperty("State Kplus must be positive.")


MODELS = {m.name: m for m in (
    SynapseModel("vogels_sprekeler_synapse", {**COMMON, "weight": 0.5, **RULE, "Kplus": 0.0},
                 sets_post_trace=True,
                 state=("Kplus",), hidden={"t_lastspike": 0.0}, archive=True,
                 on_pre=on_pre, check=check),
)}
