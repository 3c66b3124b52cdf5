"""Spike-timing dependent plasticity with all-to-all pairing: stdp_synapse, stdp_synapse_hom.

As NEST's ``stdp_synapse`` (Guetig et al. 2003 power-law update on normalised weights): when
a presynaptic spike is delivered at stamp t, the weight is facilitated once for each
postsynaptic spike since the previous presynaptic spike (the target's archive entries in
(t_last - d, t - d], d the delay, all of it dendritic), with the presynaptic trace K+ decayed
to each of them; then depressed with the postsynaptic trace K- at t - d; the event carries the
new weight; finally K+ decays to t and steps by one. ``stdp_synapse_hom`` shares all rule
parameters among the connections of a model.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import errors
from .base import COMMON, SynapseModel, walk

RULE = {"tau_plus": 20.0, "lambda": 0.01, "alpha": 1.0, "mu_plus": 1.0, "mu_minus": 1.0,
        "Wmax": 100.0}


def power(x, y):
    """x ** y as C's pow for the exponents these rules use most (0, 1: exact); a shared
    exponent (a Python number at trace time) picks its branch while tracing."""
    if isinstance(y, (int, float)):
        return x if y == 1.0 else (jnp.ones_like(x) if y == 0.0 else x ** y)
    return jnp.where(y == 1.0, x, jnp.where(y == 0.0, 1.0, x ** y))


def facilitate(w, kplus, p):
    norm_w = (w / p["Wmax"]) + (p["lambda"] * power(1.0 - (w / p["Wmax"]), p["mu_plus"]) * kplus)
    return jnp.where(norm_w < 1.0, norm_w * p["Wmax"], p["Wmax"])


def depress(w, kminus, p):
    norm_w = (w / p["Wmax"]) - (p["alpha"] * p["lambda"] * power(w / p["Wmax"], p["mu_minus"])
                                * kminus)
    return jnp.where(norm_w > 0.0, norm_w * p["Wmax"], 0.0)


def all_to_all(facilitate, depress):
    """NEST's all-to-all pairing on a presynaptic spike at t, for a rule's facilitation and
    depression steps: each postsynaptic spike since the previous presynaptic one facilitates
    by the K+ trace it saw, then this spike depresses by K- at t - d and K+ jumps by 1."""
    def on_pre(p, s, t, post):
        d, t_last, kplus, w = p["delay"], s["t_lastspike"], s["Kplus"], s["weight"]
        times, mask = post.history(t_last - d, t - d)

        def pair(j, w):
            minus_dt = t_last - (times[j] + d)
            return jnp.where(mask[j], facilitate(w, kplus * jnp.exp(minus_dt / p["tau_plus"]),
                                                 p), w)
        w = depress(walk(times.shape[0], pair, w), post.K_value(t - d), p)
        kplus = kplus * jnp.exp((t_last - t) / p["tau_plus"]) + 1.0
        return dict(s, weight=w, Kplus=kplus, t_lastspike=jnp.broadcast_to(t, w.shape))
    return on_pre


on_pre = all_to_all(facilitate, depress)


def check(v: dict) -> None:
    """NEST: weight and Wmax of one sign; K+ >= 0."""
    w, wmax = np.asarray(v["weight"], float), np.asarray(v["Wmax"], float)
    if np.any((w >= 0) != (wmax >= 0)):
        raise errors.BadProperty("Weight and Wmax must have same sign.")
    if np.any(np.asarray(v["Kplus"], float) < 0):
        raise errors.BadProperty("Kplus must be non-negative.")


MODELS = {m.name: m for m in (
    SynapseModel("stdp_synapse", {**COMMON, **RULE, "Kplus": 0.0}, state=("Kplus",),
                 sets_post_trace=True,
                 hidden={"t_lastspike": 0.0}, archive=True, on_pre=on_pre, check=check,
                 exponents=("mu_plus", "mu_minus")),
    SynapseModel("stdp_synapse_hom", {**COMMON, **RULE, "Kplus": 0.0}, state=("Kplus",),
                 sets_post_trace=True,
                 hidden={"t_lastspike": 0.0}, common=tuple(RULE), archive=True,
                 on_pre=on_pre,  # NEST checks neither sign nor K+ for the hom variant
                 exponents=("mu_plus", "mu_minus")),
)}
