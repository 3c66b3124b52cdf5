"""Short-term plasticity: tsodyks_synapse, tsodyks_synapse_hom, tsodyks2_synapse,
quantal_stp_synapse, ht_synapse.

The weight stays; what an event carries changes with the synapse's resources, updated when a
presynaptic spike is delivered at stamp t (h = t - t_last, ms):

- tsodyks (Tsodyks et al. 2000): recovered x, active y, facilitation u propagated exactly over
  h, then u += U (1 - u) and a fraction u x of x becomes active; the event carries u x w.
  The _hom variant shares U, tau_psc, tau_rec, tau_fac and the weight (NEST propagates it
  with exp where tsodyks_synapse uses expm1);
- tsodyks2 (Tsodyks & Markram 1997, Fuhrmann et al. 2002): x and u relax over h (not before
  the first spike); the event carries x u w;
- quantal_stp (Fuhrmann et al. 2002): n release sites, a of them ready; each depleted site
  recovers with probability 1 - exp(-h / tau_rec), each ready site releases with probability
  u; the event (none if nothing is released) carries the released count times w;
- ht (Hill & Tononi 2005): P recovers towards 1 over h; the event carries P w, then P is
  depleted by the fraction delta_P.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import errors
from .base import COMMON, SynapseModel

N_SITES_MAX = 32
"""quantal_stp: release sites a connection may have (its draws are numbered per spike)."""


def _t_last(t, w):
    return jnp.broadcast_to(t, jnp.shape(w))


def _tsodyks(p, s, t, weight, expm1: bool):
    h = t - s["t_lastspike"]
    Puu = jnp.where(p["tau_fac"] == 0.0, 0.0,
                    jnp.exp(-h / jnp.where(p["tau_fac"] == 0.0, 1.0, p["tau_fac"])))
    Pyy = jnp.exp(-h / p["tau_psc"])
    x, y, u = s["x"], s["y"], s["u"]
    z = 1.0 - x - y
    if expm1:
        Pzz = jnp.expm1(-h / p["tau_rec"])
        Pxy = (Pzz * p["tau_rec"] - (Pyy - 1.0) * p["tau_psc"]) / (p["tau_psc"] - p["tau_rec"])
        x = x + Pxy * y - Pzz * z
    else:
        Pzz = jnp.exp(-h / p["tau_rec"])
        Pxy = ((Pzz - 1.0) * p["tau_rec"] - (Pyy - 1.0) * p["tau_psc"]) / (p["tau_psc"]
                                                                            - p["tau_rec"])
        x = x + Pxy * y + (1.0 - Pzz) * z
    u = u * Puu
    y = y * Pyy
    u = u + p["U"] * (1.0 - u)
    dy = u * x
    return dict(s, x=x - dy, y=y + dy, u=u, t_lastspike=_t_last(t, x),
                sent=dy * weight * s["multiplicity"])


def on_pre_tsodyks(p, s, t, post):
    return _tsodyks(p, s, t, s["weight"], expm1=True)


def on_pre_tsodyks_hom(p, s, t, post):
    return _tsodyks(p, s, t, p["weight"], expm1=False)


def on_pre_tsodyks2(p, s, t, post):
    h = t - s["t_lastspike"]
    started = s["t_lastspike"] >= 0.0
    x_decay = jnp.exp(-h / p["tau_rec"])
    u_decay = jnp.where(p["tau_fac"] == 0.0, 0.0,
                        jnp.exp(-h / jnp.where(p["tau_fac"] == 0.0, 1.0, p["tau_fac"])))
    x = jnp.where(started, 1.0 + (s["x"] - s["x"] * s["u"] - 1.0) * x_decay, s["x"])
    u = jnp.where(started, p["U"] + s["u"] * (1.0 - p["U"]) * u_decay, s["u"])
    return dict(s, x=x, u=u, t_lastspike=_t_last(t, x),
                sent=x * u * s["weight"] * s["multiplicity"])


def on_pre_quantal(p, s, t, post, rand):
    h = t - s["t_lastspike"]
    started = s["t_lastspike"] >= 0.0
    p_decay = jnp.exp(-h / p["tau_rec"])
    tiny = p["tau_fac"] < 1.0e-10
    u_decay = jnp.where(tiny, 0.0, jnp.exp(-h / jnp.where(tiny, 1.0, p["tau_fac"])))
    u = jnp.where(started, p["U"] + s["u"] * (1.0 - p["U"]) * u_decay, s["u"])
    a = s["a"]
    depleted = p["n"] - a
    recovered = sum(((j < depleted) & (rand.uniform(j) < 1.0 - p_decay)).astype(a.dtype)
                    for j in range(N_SITES_MAX))
    a = jnp.where(started, a + recovered, a)
    released = sum(((i < a) & (rand.uniform(N_SITES_MAX + i) < u)).astype(a.dtype)
                   for i in range(N_SITES_MAX))
    return dict(s, u=u, a=a - released, t_lastspike=_t_last(t, u),
                sent=released * s["weight"] * s["multiplicity"], delivered=released > 0)


def on_pre_ht(p, s, t, post):
    h = t - s["t_lastspike"]
    P = 1.0 - (1.0 - s["P"]) * jnp.exp(-h / p["tau_P"])
    return dict(s, P=P * (1.0 - p["delta_P"]), t_lastspike=_t_last(t, P),
                sent=s["weight"] * P * s["multiplicity"])


# --- checks (NEST's, in NEST's order; arrays over connections) -----------------------------

def _a(v, k):
    return np.asarray(v[k], float)


def _check_xy(v):
    if np.any(_a(v, "x") + _a(v, "y") > 1.0):
        raise errors.BadProperty("x + y must be <= 1.0.")


def _check_rates(v, q: str, taus=("tau_psc", "tau_rec")):
    """U in [0, 1], the time constants > 0, tau_fac >= 0 (``q``: NEST's quote marks)."""
    if np.any((_a(v, "U") > 1.0) | (_a(v, "U") < 0.0)):
        raise errors.BadProperty(f"{q}U{q} must be in [0,1].")
    for k in taus:
        if np.any(_a(v, k) <= 0.0):
            raise errors.BadProperty(f"{q}{k}{q} must be > 0.")
    if np.any(_a(v, "tau_fac") < 0.0):
        raise errors.BadProperty(f"{q}tau_fac{q} must be >= 0.")


def _check_u(v):
    if np.any((_a(v, "u") > 1.0) | (_a(v, "u") < 0.0)):
        raise errors.BadProperty("'u' must be in [0,1].")


def check_tsodyks(v: dict) -> None:
    _check_xy(v)
    _check_rates(v, "'")
    _check_u(v)


def check_tsodyks_hom(v: dict) -> None:
    _check_rates(v, "")  # the shared parameters (SetDefaults), then the connection's
    _check_xy(v)


def check_tsodyks2(v: dict) -> None:
    if np.any((_a(v, "U") > 1.0) | (_a(v, "U") < 0.0)):
        raise errors.BadProperty("'U' must be in [0,1].")
    _check_u(v)
    if np.any(_a(v, "tau_rec") <= 0.0):
        raise errors.BadProperty("'tau_rec' must be > 0.")
    if np.any(_a(v, "tau_fac") < 0.0):
        raise errors.BadProperty("'tau_fac' must be >= 0.")


def check_quantal(v: dict) -> None:
    for k in ("n", "a"):
        x = _a(v, k)
        if np.any(x != np.round(x)):
            raise RuntimeError(f"The dictionary value with key {k} does not hold a numeric "
                               "integer type.")
    check_tsodyks2(v)
    if np.any(np.maximum(_a(v, "n"), _a(v, "a")) > N_SITES_MAX):
        raise errors.NotImplemented(f"quantal_stp_synapse with more than {N_SITES_MAX} "
                                    "release sites (n, a) is not supported by jaxnest.")


def check_ht(v: dict) -> None:
    if np.any(~(_a(v, "tau_P") > 0.0)):
        raise errors.BadProperty("tau_P > 0 required.")
    if np.any((_a(v, "delta_P") < 0.0) | (_a(v, "delta_P") > 1.0)):
        raise errors.BadProperty("0 <= delta_P <= 1 required.")
    if np.any((_a(v, "P") < 0.0) | (_a(v, "P") > 1.0)):
        raise errors.BadProperty("0 <= P <= 1 required.")


TSODYKS = {"U": 0.5, "tau_psc": 3.0, "tau_rec": 800.0, "tau_fac": 0.0}
STATE = {"x": 1.0, "y": 0.0, "u": 0.0}
STP2 = {"U": 0.5, "u": 0.5, "tau_rec": 800.0, "tau_fac": 0.0}

MODELS = {m.name: m for m in (
    SynapseModel("tsodyks_synapse", {**COMMON, **TSODYKS, **STATE}, state=tuple(STATE),
                 hidden={"t_lastspike": 0.0}, on_pre=on_pre_tsodyks,
                 check=check_tsodyks),
    SynapseModel("tsodyks_synapse_hom", {**COMMON, **TSODYKS, **STATE}, state=tuple(STATE),
                 hidden={"t_lastspike": 0.0}, common=("weight",) + tuple(TSODYKS),
                 on_pre=on_pre_tsodyks_hom, check=check_tsodyks_hom),
    SynapseModel("tsodyks2_synapse", {**COMMON, **STP2, "x": 1.0}, state=("u", "x"),
                 hidden={"t_lastspike": -1.0}, on_pre=on_pre_tsodyks2,
                 check=check_tsodyks2),
    SynapseModel("quantal_stp_synapse", {**COMMON, **STP2, "n": 1, "a": 1}, state=("u", "a"),
                 hidden={"t_lastspike": -1.0}, random=True, check=check_quantal,
                 on_pre=on_pre_quantal),
    SynapseModel("ht_synapse", {**COMMON, "tau_P": 500.0, "delta_P": 0.125, "P": 1.0},
                 state=("P",), hidden={"t_lastspike": 0.0}, on_pre=on_pre_ht,
                 check=check_ht),
)}
