"""NEST's growth curves of synaptic elements (growth_curve.cpp), vectorized over elements.

Each curve advances the element count ``z`` from the neuron's last calcium event ``t_minus``
(Ca = ``Ca_minus`` there) to ``t`` (ms), the calcium decaying with ``tau_Ca`` in between:
linear in closed form, gaussian and sigmoid by NEST's forward Euler in steps of the
resolution (the calcium restarted from the exact value at each event). Counts never go below
zero (NEST clamps at every update).
"""
from __future__ import annotations

import math

import numpy as np

LINEAR, GAUSSIAN, SIGMOID = 0, 1, 2
NAMES = ("linear", "gaussian", "sigmoid")
CODE = {n: i for i, n in enumerate(NAMES)}
# the parameters each curve shows and takes, with NEST's defaults
PARAMS = {LINEAR: {"eps": 0.7}, GAUSSIAN: {"eps": 0.7, "eta": 0.1},
          SIGMOID: {"eps": 0.7, "psi": 0.1}}
_EULER_CHUNK = 4_000_000  # Euler terms evaluated at once (memory bound, ~100 MB)


def euler_steps(t: np.ndarray, t_minus: np.ndarray, h: float) -> np.ndarray:
    """NEST's Euler loop count: ``for (lag = t_minus; lag < t - h/2; lag += h)``."""
    return np.maximum(np.ceil((t - 0.5 * h - t_minus) / h - 1e-9), 0).astype(np.int64)


def _rates(code: int, ca: np.ndarray, eps, eta, psi) -> np.ndarray:
    """dz/dt / growth_rate of a gaussian or sigmoid curve at calcium ``ca``."""
    if code == GAUSSIAN:
        inv_zeta = 2.0 * math.sqrt(math.log(2.0)) / (eta - eps)
        xi = (eta + eps) * 0.5
        return 2.0 * np.exp(-((ca - xi) * inv_zeta) ** 2) - 1.0
    with np.errstate(over="ignore"):
        return 2.0 / (1.0 + np.exp((ca - eps) / psi)) - 1.0


def _slopes(code: int, ca: np.ndarray, eps, eta, psi) -> np.ndarray:
    """d(rate)/dCa of a gaussian or sigmoid curve."""
    if code == GAUSSIAN:
        inv_zeta = 2.0 * math.sqrt(math.log(2.0)) / (eta - eps)
        u = (ca - (eta + eps) * 0.5) * inv_zeta
        return -4.0 * u * inv_zeta * np.exp(-u * u)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp((ca - eps) / psi)
        d = -2.0 * e / ((1.0 + e) ** 2 * psi)
    return np.where(np.isfinite(d), d, 0.0)


_GL_X, _GL_W = np.polynomial.legendre.leggauss(16)


def _euler_maclaurin(code, n, ca0, lq, eps, eta, psi, width) -> np.ndarray:
    """sum_{k=1..n} f(Ca_0 q^k) for long segments of slowly decaying calcium (|ln q| small):
    the integral over k (Gauss-Legendre, panels narrow against the curve's width and the
    decay) plus Euler-Maclaurin's end corrections; the next term is of order
    (Ca ln q)^3 f'''/720."""
    span = np.abs(ca0 * -np.expm1(n * lq))
    panels = 1 + np.ceil(n * np.abs(lq) * 8 + 8 * span / width).astype(np.int64)
    rep = np.repeat(np.arange(n.size), panels)
    first = np.cumsum(panels) - panels
    j = np.arange(rep.size) - first[rep]
    size = n[rep] / panels[rep]
    x = (j[:, None] + 0.5 + 0.5 * _GL_X[None, :]) * size[:, None]
    w = 0.5 * _GL_W[None, :] * size[:, None]
    ca = ca0[rep][:, None] * np.exp(x * lq[rep][:, None])
    f = _rates(code, ca, eps[rep][:, None], eta[rep][:, None], psi[rep][:, None])
    integral = np.add.reduceat((w * f).sum(axis=1), first)
    ca_n = ca0 * np.exp(n * lq)
    ends = 0.5 * (_rates(code, ca_n, eps, eta, psi) - _rates(code, ca0, eps, eta, psi))
    slope = (_slopes(code, ca_n, eps, eta, psi) * ca_n
             - _slopes(code, ca0, eps, eta, psi) * ca0) * lq / 12.0
    return integral + ends + slope


def _euler(code: int, n: np.ndarray, ca0: np.ndarray, tau: np.ndarray, g: np.ndarray,
           eps: np.ndarray, eta: np.ndarray, psi: np.ndarray, h: float) -> np.ndarray:
    """Sum of NEST's Euler increments h*g*f(Ca_k), k = 1..n, Ca_k = Ca_0 (1 - h/tau)^k:
    term by term, or for long segments of slow calcium (h/tau < 1e-3) in quadrature form
    (agrees with the terms to ~1e-12 relative, tests/unit/test_structural_plasticity.py)."""
    out = np.zeros(n.size)
    moving = (ca0 != 0.0) & (n > 0)
    still = ~moving & (n > 0)  # no calcium: a constant rate
    width = (np.abs(eta - eps) / (2.0 * math.sqrt(math.log(2.0))) if code == GAUSSIAN
             else np.abs(psi)) + 0.0 * n
    lq = np.log1p(-h / tau)
    smooth = moving & (h / tau < 1e-3) & (n > 512) & (width > 0)
    if smooth.any():
        i = np.flatnonzero(smooth)
        out[i] = h * g[i] * _euler_maclaurin(code, n[i], ca0[i], lq[i], eps[i], eta[i],
                                             psi[i], width[i])
        moving &= ~smooth
    if still.any():
        i = np.flatnonzero(still)
        out[i] = n[i] * (h * g[i] * _rates(code, np.zeros(i.size), eps[i], eta[i], psi[i]))
    idx = np.flatnonzero(moving)
    start = 0
    while start < idx.size:  # blocks of elements with at most _EULER_CHUNK terms together
        csum = np.cumsum(n[idx[start:]])
        stop = start + max(1, int(np.searchsorted(csum, _EULER_CHUNK, "right")))
        block = idx[start:stop]
        nb = n[block]
        rep = np.repeat(np.arange(block.size), nb)
        first = np.cumsum(nb) - nb
        k = np.arange(rep.size) - first[rep] + 1
        q = 1.0 - h / tau[block]
        ca = ca0[block][rep] * q[rep] ** k
        f = h * g[block][rep] * _rates(code, ca, eps[block][rep], eta[block][rep],
                                       psi[block][rep])
        out[block] = np.add.reduceat(f, first) if f.size else 0.0
        start = stop
    return out


def advance(code: np.ndarray, t: np.ndarray, t_minus: np.ndarray, ca_minus: np.ndarray,
            z: np.ndarray, tau: np.ndarray, g: np.ndarray, eps: np.ndarray, eta: np.ndarray,
            psi: np.ndarray, h: float) -> np.ndarray:
    """The new counts z(t) of elements with curves ``code`` (NEST's GrowthCurve::update)."""
    out = z.copy()
    lin = code == LINEAR
    if lin.any():
        ca = ca_minus[lin] * np.exp((t_minus[lin] - t[lin]) / tau[lin])
        out[lin] = (g[lin] * tau[lin] * (ca - ca_minus[lin]) / eps[lin]
                    + g[lin] * (t[lin] - t_minus[lin]) + z[lin])
    for c in (GAUSSIAN, SIGMOID):
        sel = np.flatnonzero(code == c)
        if sel.size:
            n = euler_steps(t[sel], t_minus[sel], h)
            out[sel] = z[sel] + _euler(c, n, ca_minus[sel], tau[sel], g[sel], eps[sel],
                                       eta[sel], psi[sel], h)
    return np.maximum(out, 0.0)
