"""siegert_neuron: the mean-field rate of a population of leaky integrate-and-fire neurons
(Siegert formula with the colored-noise threshold shift of Fourcaud & Brunel 2002), driven by
diffusion_connection input (drift mu and variance sigma^2 of the membrane potential, mV and
mV^2, summed from the senders' rates times the connections' drift/diffusion factors).

    tau dr/dt = -r + mean + Phi(mu, sigma^2)      (r in 1/s, Phi in Hz, times in ms)

Exponential Euler per step; the value sent is the rate before the step (NEST's
``update_``). Phi is zero when theta - mu > 6 sigma; otherwise NEST's three cases by the
signs of the scaled threshold y_th and reset y_r, with the integral of erfcx over [a, b]
(a >= 0) and Dawson's function. NEST integrates with GSL's QAGS (relative tolerance 1.49e-8)
and gsl_sf_dawson; here both are Gauss-Legendre quadratures accurate to ~1e-14 (erfcx by
exp(s^2) erfc(s) below 12 and its continued fraction above), so traces agree with NEST to
QAGS's accuracy.
"""
from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np
from jax.scipy.special import erfc
from numpy.polynomial.legendre import leggauss

from .. import errors
from .rate_common import RateModel

ALPHA = 2.0652531522312172   # |zeta(1/2)| sqrt(2), NEST's threshold shift constant
_X, _W = (np.asarray(a) for a in leggauss(16))
PANELS = 6  # as 48 panels within 1.7e-14 relative (mu -60..40 mV, sigma 0.05..80 mV): 9x faster


def _erfcx(s):
    """exp(s^2) erfc(s) for s >= 0: the product below 12 (within 2e-15 of scipy's erfcx
    there), the continued fraction 1/(s + (1/2)/(s + 1/(s + ...))) above, converged to the
    last bit by 12 terms from s = 8 on. (The fraction from 4 on needed 32 terms, evaluated
    at every point: the model's whole update took 2.3x as long.)"""
    small = jnp.exp(jnp.square(jnp.minimum(s, 12.0))) * erfc(jnp.minimum(s, 12.0))
    t = jnp.maximum(s, 12.0)
    cf = t
    for k in range(12, 0, -1):
        cf = t + (k / 2.0) / cf
    return jnp.where(s < 12.0, small, 1.0 / (math.sqrt(math.pi) * cf))


def _panels(a, b, f):
    """Composite 16-point Gauss-Legendre of f over [a, b] (shape (n,)), PANELS panels uniform
    in log(1 + s) (erfcx decays like 1/s)."""
    ua, ub = jnp.log1p(a), jnp.log1p(b)
    edges = ua[None] + (ub - ua)[None] * (jnp.arange(PANELS + 1)[:, None] / PANELS)
    lo, hi = edges[:-1], edges[1:]                       # (P, n)
    u = 0.5 * (lo + hi)[None] + 0.5 * (hi - lo)[None] * _X[:, None, None]  # (16, P, n)
    s = jnp.expm1(u)
    val = f(s) * (1.0 + s)                               # ds = (1 + s) du
    return jnp.sum(_W[:, None, None] * val * 0.5 * (hi - lo)[None], axis=(0, 1))


def _dawson(x):
    """Dawson's integral F(x) = int_0^x exp(t^2 - x^2) dt for x >= 0 (the integrand is
    negligible below sqrt(x^2 - 40))."""
    lo = jnp.sqrt(jnp.maximum(x * x - 40.0, 0.0))
    P = PANELS
    edges = lo[None] + (x - lo)[None] * (jnp.arange(P + 1)[:, None] / P)
    a, b = edges[:-1], edges[1:]
    t = 0.5 * (a + b)[None] + 0.5 * (b - a)[None] * _X[:, None, None]
    val = jnp.exp((t - x[None, None]) * (t + x[None, None]))
    return jnp.sum(_W[:, None, None] * val * 0.5 * (b - a)[None], axis=(0, 1))


def siegert(p, mu, sigma_square):
    """NEST's siegert(mu, sigma^2) in Hz."""
    sigma = jnp.sqrt(sigma_square)
    shift = ALPHA / 2.0 * jnp.sqrt(p["tau_syn"] / p["tau_m"])
    y_th = (p["theta"] - mu) / sigma + shift
    y_r = (p["V_reset"] - mu) / sigma + shift
    y_th = jnp.where(jnp.isfinite(y_th), y_th, 0.0)
    y_r = jnp.where(jnp.isfinite(y_r), y_r, -1.0)
    sp = math.sqrt(math.pi)
    e = jnp.exp(-y_th * y_th)
    # case 1: y_r > 0; case 2: y_th < 0; case 3: otherwise (integration bounds by case)
    c1, c2 = y_r > 0.0, y_th < 0.0
    a = jnp.where(c1, y_r, jnp.where(c2, -y_th, y_th))
    b = jnp.where(c1, y_th, -y_r)
    lo, hi = jnp.minimum(a, b), jnp.maximum(a, b)
    res = jnp.sign(b - a) * _panels(jnp.maximum(lo, 0.0), jnp.maximum(hi, 0.0), _erfcx)
    d_th = _dawson(jnp.abs(y_th))
    d_r = _dawson(jnp.abs(y_r))
    i1 = 2.0 * d_th - 2.0 * jnp.exp(y_r * y_r - y_th * y_th) * d_r - e * res
    i3 = 2.0 * d_th + e * res
    r1 = 1e3 * e / (e * p["t_ref"] + p["tau_m"] * sp * i1)
    r2 = 1e3 * 1.0 / (p["t_ref"] + p["tau_m"] * sp * res)
    r3 = 1e3 * e / (e * p["t_ref"] + p["tau_m"] * sp * i3)
    rate = jnp.where(c1, r1, jnp.where(c2, r2, r3))
    return jnp.where(p["theta"] - mu > 6.0 * sigma, 0.0, rate)


def _propagators(p, h):
    return {"P1": jnp.exp(-h / p["tau"]), "P2": -jnp.expm1(-h / p["tau"])}


def _update(p, pr, st, x, i_stim, h, sec=None):
    r0 = st["rate"]
    drive = siegert(p, sec[0], sec[1])
    rate = pr["P1"] * r0 + pr["P2"] * (p["mean"] + drive)
    return {"rate": rate}, jnp.zeros_like(r0), r0


def _check(p) -> None:
    f = {k: np.asarray(p[k], float) for k in ("V_reset", "theta", "t_ref", "tau", "tau_m",
                                                "tau_syn")}
    if np.any(f["V_reset"] >= f["theta"]):
        raise errors.BadProperty("Reset potential must be smaller than threshold.")
    if np.any(f["t_ref"] < 0):
        raise errors.BadProperty("Refractory time must not be negative.")
    if np.any(f["tau"] <= 0):
        raise errors.BadProperty("time constant must be > 0.")
    if np.any(f["tau_m"] <= 0):
        raise errors.BadProperty("Membrane time constant must be > 0.")
    if np.any(f["tau_syn"] < 0):
        raise errors.BadProperty("Membrane time constant must not be negative.")


siegert_neuron = RateModel(
    name="siegert_neuron",
    params={"mean": 0.0, "theta": 15.0, "V_reset": 0.0, "tau": 1.0, "tau_m": 5.0,
            "tau_syn": 0.0, "t_ref": 2.0},
    state={"rate": 0.0}, recordables=("rate",), propagators=_propagators, update=_update,
    n_channels=1, current_receptors={}, check=_check,
    secondary_out=("diffusion",), secondary_in=("diffusion",), secondary_channels=2,
    secondary_proxy="rate", wfr_state="rate", sends_spikes=False)

MODELS = {siegert_neuron.name: siegert_neuron}
