"""Voltage-based STDP after Clopath et al. (2010): clopath_synapse.

As NEST's ``clopath_synapse``: when a presynaptic spike is delivered at stamp t, the weight
is facilitated by dw x_bar for each LTP entry of the target (NEST's get_LTP_history over
(t_last - d, t - d], d the delay, all dendritic; dw = A_LTP (u - theta_plus)(u_bar_plus -
theta_minus) h from the neuron), x_bar the presynaptic trace decayed to the entry, capped at
Wmax after each; then depressed by the target's LTD value at t - d (0 if none), floored at
Wmin; the event carries the new weight; the trace then decays to t (tau_x, ms) and steps by
1 / tau_x. The neuron side (the histories) is kernel/voltage_archive.py; the targets must be
Clopath archivers (aeif_psc_delta_clopath, hh_psc_alpha_clopath).
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import errors
from .base import COMMON, SynapseModel

RULE = {"tau_x": 15.0, "Wmin": 0.0, "Wmax": 100.0}


def on_pre(p, s, t, post):
    d, t_last, x_bar = p["delay"], s["t_lastspike"], s["x_bar"]
    k0 = post.first(t_last - d)
    k1 = post.first(t - d)

    def facilitate(c, t_e, dw):
        minus_dt = t_last - (t_e + d)
        w = c[0] + dw * (x_bar * jnp.exp(minus_dt / p["tau_x"]))
        return (jnp.where(w < p["Wmax"], w, p["Wmax"]),)

    w, = post.walk(k0, k1, facilitate, (jnp.asarray(s["weight"], jnp.float64),))
    w = w - post.ltd_value(t - d)
    w = jnp.where(w > p["Wmin"], w, p["Wmin"])
    x_bar = x_bar * jnp.exp((t_last - t) / p["tau_x"]) + 1.0 / p["tau_x"]
    return dict(s, weight=w, x_bar=x_bar, t_lastspike=jnp.broadcast_to(t, w.shape))


def check(v: dict) -> None:
    """NEST: weight of Wmin's sign (0 counts as positive) and of Wmax's (0 as negative)."""
    w = np.asarray(v["weight"], float)
    sign_w = np.where(w >= 0, 1, -1)
    if np.any(sign_w != np.where(np.asarray(v["Wmin"], float) >= 0, 1, -1)):
        raise errors.BadProperty("Weight and Wmin must have same sign.")
    if np.any(sign_w != np.where(np.asarray(v["Wmax"], float) > 0, 1, -1)):
        raise errors.BadProperty("Weight and Wmax must have same sign.")


MODELS = {m.name: m for m in (
    SynapseModel("clopath_synapse", {**COMMON, **RULE, "x_bar": 0.0}, state=("x_bar",),
                 hidden={"t_lastspike": 0.0}, on_pre=on_pre, check=check,
                 voltage_archive="clopath"),
)}
