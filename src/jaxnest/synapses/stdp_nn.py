"""Nearest-neighbour STDP: stdp_nn_symm_synapse, stdp_nn_pre_centered_synapse,
stdp_nn_restr_synapse.

The update is stdp_synapse's (Guetig et al. 2003 normalised power law, ``Wmax`` as bound), but
each spike pairs only with its nearest neighbours (Morrison et al. 2008, fig. 7), read from the
target's spike archive at t - d (d the delay, all dendritic):

- symm: every postsynaptic spike since the previous presynaptic spike facilitates with
  exp(-dt/tau_plus) of its distance to that spike; the presynaptic spike depresses with the
  nearest-neighbour K- (the last postsynaptic spike's exp(-dt/tau_minus));
- pre_centered: only the first postsynaptic spike since the previous presynaptic spike
  facilitates, with K+ (which then resets to 0); every presynaptic spike depresses with the
  nearest-neighbour K-; K+ decays to t and steps by one;
- restr: only pairs with no other spike between them: facilitate with the first postsynaptic
  spike's exp(-dt/tau_plus) and depress with the nearest-neighbour K-, both only if a
  postsynaptic spike came since the previous presynaptic spike.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import errors
from .base import COMMON, SynapseModel, walk
from .stdp import depress, facilitate

RULE = {"tau_plus": 20.0, "lambda": 0.01, "alpha": 1.0, "mu_plus": 1.0, "mu_minus": 1.0,
        "Wmax": 100.0}


def _first(post, t1, t2):
    """(any, t_first): whether the archive holds spikes in (t1, t2] (NEST's get_history,
    with its eps) and the oldest of them (ms)."""
    times, mask = post.history(t1, t2)
    first = jnp.argmax(mask, axis=0)
    return mask.any(axis=0), jnp.take_along_axis(times, first[None, :], 0)[0]


def _nearest_Kminus(post, t):
    """NEST's nearest-neighbour K- at t (get_K_values' second value)."""
    return post.K_values(t, empty_is_current=True)[1]


def on_pre_symm(p, s, t, post):
    d, t_last, w = p["delay"], s["t_lastspike"], s["weight"]
    times, mask = post.history(t_last - d, t - d)

    def pair(j, w):
        minus_dt = t_last - (times[j] + d)
        return jnp.where(mask[j], facilitate(w, jnp.exp(minus_dt / p["tau_plus"]), p), w)
    w = depress(walk(times.shape[0], pair, w), _nearest_Kminus(post, t - d), p)
    return dict(s, weight=w, t_lastspike=jnp.broadcast_to(t, w.shape))


def on_pre_pre_centered(p, s, t, post):
    d, t_last, w, kplus = p["delay"], s["t_lastspike"], s["weight"], s["Kplus"]
    found, t_first = _first(post, t_last - d, t - d)
    minus_dt = t_last - (t_first + d)
    w = jnp.where(found, facilitate(w, kplus * jnp.exp(minus_dt / p["tau_plus"]), p), w)
    kplus = jnp.where(found, 0.0, kplus)
    w = depress(w, _nearest_Kminus(post, t - d), p)
    kplus = kplus * jnp.exp((t_last - t) / p["tau_plus"]) + 1.0
    return dict(s, weight=w, Kplus=kplus, t_lastspike=jnp.broadcast_to(t, w.shape))


def on_pre_restr(p, s, t, post):
    d, t_last, w = p["delay"], s["t_lastspike"], s["weight"]
    found, t_first = _first(post, t_last - d, t - d)
    minus_dt = t_last - (t_first + d)
    w = jnp.where(found, facilitate(w, jnp.exp(minus_dt / p["tau_plus"]), p), w)
    w = jnp.where(found, depress(w, _nearest_Kminus(post, t - d), p), w)
    return dict(s, weight=w, t_lastspike=jnp.broadcast_to(t, w.shape))


def _sign(x):
    """NEST's (x >= 0) - (x < 0): -0 counts as positive, NaN as neither."""
    x = np.asarray(x, float)
    return (x >= 0).astype(int) - (x < 0).astype(int)


def check_symm(v: dict) -> None:
    if np.any(np.signbit(np.asarray(v["weight"], float))
              != np.signbit(np.asarray(v["Wmax"], float))):
        raise errors.BadProperty("Weight and Wmax must have same sign.")


def check_restr(v: dict) -> None:
    if np.any(_sign(v["weight"]) != _sign(v["Wmax"])):
        raise errors.BadProperty("Weight and Wmax must have same sign.")


def check_pre_centered(v: dict) -> None:
    check_restr(v)
    if np.any(np.asarray(v["Kplus"], float) < 0):
        raise errors.BadProperty("Kplus must be non-negative.")


MODELS = {m.name: m for m in (
    SynapseModel("stdp_nn_symm_synapse", {**COMMON, **RULE}, hidden={"t_lastspike": 0.0},
                 archive=True, on_pre=on_pre_symm,
                 check=check_symm, exponents=("mu_plus", "mu_minus")),
    SynapseModel("stdp_nn_pre_centered_synapse", {**COMMON, **RULE, "Kplus": 0.0},
                 state=("Kplus",), hidden={"t_lastspike": 0.0}, archive=True,
                 on_pre=on_pre_pre_centered,
                 check=check_pre_centered, exponents=("mu_plus", "mu_minus")),
    SynapseModel("stdp_nn_restr_synapse", {**COMMON, **RULE}, hidden={"t_lastspike": 0.0},
                 archive=True, on_pre=on_pre_restr,
                 check=check_restr, exponents=("mu_plus", "mu_minus")),
)}
