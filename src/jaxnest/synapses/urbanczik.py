"""Dendritic prediction learning after Urbanczik and Senn (2014): urbanczik_synapse.

As NEST's ``urbanczik_synapse`` (onto pp_cond_exp_mc_urbanczik's dendrite): when a
presynaptic spike is delivered at stamp t, each entry (t_e, dPI) of the target's dendritic
error history in (t_last - d, t - d] (d the delay, all dendritic) adds

    PI = (x_L exp(-(t_e + d - t_last) / tau_L) - x_s exp(-(t_e + d - t_last) / tau_s)) dPI

to the integral I and exp(-(t - t_e - d) / tau_Delta) PI to the low-passed increment; the
low-passed integral J decays by exp(-(t - t_last) / tau_Delta) and takes the increment; the
weight becomes

    w0 + (I - J) 15 C_m tau_s eta / (g_L (tau_L - tau_s)),  clipped to [Wmin, Wmax]

with the dendrite's C_m, g_L, tau_L = C_m / g_L and tau_s its tau_syn_ex (tau_syn_in for a
weight <= 0 before the update); w0 is the weight at the connection's last SetStatus (or
Connect). Then the traces x_L, x_s decay to t (tau_L, tau_s) and step by 1. The event
carries the new weight.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import errors
from .base import COMMON, SynapseModel

RULE = {"tau_Delta": 100.0, "eta": 0.07, "Wmin": 0.0, "Wmax": 100.0}
HIDDEN = {"init_weight": np.nan, "PI_integral": 0.0, "PI_exp_integral": 0.0,
          "tau_L_trace": 0.0, "tau_s_trace": 0.0, "t_lastspike": -1.0}


def on_pre(p, s, t, post):
    d, t_last = p["delay"], s["t_lastspike"]
    w = jnp.asarray(s["weight"], jnp.float64)
    w0 = jnp.where(jnp.isnan(s["init_weight"]), w, s["init_weight"])
    tau_L = post.tau_L
    tau_s = jnp.where(w > 0.0, post.tau_syn_ex, post.tau_syn_in)
    x_L, x_s = s["tau_L_trace"], s["tau_s_trace"]
    # each term as NEST computes it; the sums over the window in one reduction (NEST adds
    # them one by one: the rounding differs by ulps)
    t_e, dPI, mask = post.window(t_last - d, t - d)
    t_up = t_e + d
    minus_delta_t_up = t_last - t_up
    minus_t_down = t_up - t
    PI = (x_L * jnp.exp(minus_delta_t_up / tau_L)
          - x_s * jnp.exp(minus_delta_t_up / tau_s)) * dPI
    PI = jnp.where(mask, PI, 0.0)
    integral = s["PI_integral"] + jnp.sum(PI, axis=0)
    d_exp = jnp.sum(jnp.exp(minus_t_down / p["tau_Delta"]) * PI, axis=0)
    exp_integral = jnp.exp((t_last - t) / p["tau_Delta"]) * s["PI_exp_integral"] + d_exp
    w = integral - exp_integral
    w = w0 + w * 15.0 * post.C_m * tau_s * p["eta"] / (post.g_L * (tau_L - tau_s))
    w = jnp.where(w > p["Wmax"], p["Wmax"], jnp.where(w < p["Wmin"], p["Wmin"], w))
    return dict(s, weight=w, init_weight=w0, PI_integral=integral,
                PI_exp_integral=exp_integral,
                tau_L_trace=x_L * jnp.exp((t_last - t) / tau_L) + 1.0,
                tau_s_trace=x_s * jnp.exp((t_last - t) / tau_s) + 1.0,
                t_lastspike=jnp.broadcast_to(t, w.shape))


def check(v: dict) -> None:
    """NEST: weight of Wmax's sign, by sign bit (message naming Wmin, as NEST's), then as
    ``(Wmax > 0)`` (0 counts as negative)."""
    w, wmax = np.asarray(v["weight"], float), np.asarray(v["Wmax"], float)
    if np.any(np.signbit(w) != np.signbit(wmax)):
        raise errors.BadProperty("Weight and Wmin must have same sign.")
    if np.any(np.where(w >= 0, 1, -1) != np.where(wmax > 0, 1, -1)):
        raise errors.BadProperty("Weight and Wmax must have same sign.")


MODELS = {m.name: m for m in (
    SynapseModel("urbanczik_synapse", {**COMMON, **RULE}, hidden=HIDDEN, on_pre=on_pre,
                 check=check, voltage_archive="urbanczik", reset_on_set=("init_weight",),
                 history_weights=("tau_L_trace", "tau_s_trace")),
)}
