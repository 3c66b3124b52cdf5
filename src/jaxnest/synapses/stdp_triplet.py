"""Triplet STDP (Pfister & Gerstner 2006, all-to-all): stdp_triplet_synapse.

When a presynaptic spike is delivered at stamp t (delay d, all dendritic): each postsynaptic
spike since the previous presynaptic spike (archive entries in (t_last - d, t - d]) facilitates
by K+ (decayed to it) x (Aplus + Aplus_triplet x the postsynaptic triplet trace just before
it: the entry's K- triplet minus its own step of one); then the presynaptic triplet trace
decays to t and the spike depresses by K-(t - d) x (Aminus + Aminus_triplet x that trace);
both traces then step by one. Weights keep Wmax's sign and |w| <= |Wmax|.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import errors
from .base import COMMON, SynapseModel, walk

RULE = {"tau_plus": 16.8, "tau_plus_triplet": 101.0, "Aplus": 5e-10, "Aminus": 7e-3,
        "Aplus_triplet": 6.2e-3, "Aminus_triplet": 2.3e-4, "Wmax": 100.0}


def facilitate(w, kplus, ky, p):
    new_w = jnp.abs(w) + kplus * (p["Aplus"] + p["Aplus_triplet"] * ky)
    return jnp.copysign(jnp.where(new_w < jnp.abs(p["Wmax"]), new_w, p["Wmax"]), p["Wmax"])


def depress(w, kminus, kplus_triplet, p):
    new_w = jnp.abs(w) - kminus * (p["Aminus"] + p["Aminus_triplet"] * kplus_triplet)
    return jnp.copysign(jnp.where(new_w > 0.0, new_w, 0.0), p["Wmax"])


def on_pre(p, s, t, post):
    d, t_last, w = p["delay"], s["t_lastspike"], s["weight"]
    kplus, kpt = s["Kplus"], s["Kplus_triplet"]
    times, mask = post.history(t_last - d, t - d)
    kmt = post.Kminus_triplet

    def pair(j, w):
        minus_dt = t_last - (times[j] + d)
        return jnp.where(mask[j], facilitate(w, kplus * jnp.exp(minus_dt / p["tau_plus"]),
                                             kmt[j] - 1.0, p), w)
    w = walk(times.shape[0], pair, w)
    kpt = kpt * jnp.exp((t_last - t) / p["tau_plus_triplet"])
    w = depress(w, post.K_value(t - d), kpt, p)
    kpt = kpt + 1.0
    kplus = kplus * jnp.exp((t_last - t) / p["tau_plus"]) + 1.0
    return dict(s, weight=w, Kplus=kplus, Kplus_triplet=kpt,
                t_lastspike=jnp.broadcast_to(t, w.shape))


def _sign(x):
    x = np.asarray(x, float)
    return (x >= 0).astype(int) - (x < 0).astype(int)


def check(v: dict) -> None:
    """NEST's checks, in its order (a NaN K+ fails, a NaN K+ triplet passes)."""
    if np.any(_sign(v["weight"]) != _sign(v["Wmax"])):
        raise errors.BadProperty("Weight and Wmax must have same sign.")
    if np.any(~(np.asarray(v["Kplus"], float) >= 0)):
        raise errors.BadProperty("State Kplus must be positive.")
    if np.any(np.asarray(v["Kplus_triplet"], float) < 0):
        raise errors.BadProperty("State Kplus_triplet must be positive.")


MODELS = {m.name: m for m in (
    SynapseModel("stdp_triplet_synapse", {**COMMON, **RULE, "Kplus": 0.0, "Kplus_triplet": 0.0},
                 sets_post_trace=True,
                 state=("Kplus", "Kplus_triplet"), hidden={"t_lastspike": 0.0}, archive=True,
                 on_pre=on_pre, check=check),
)}
