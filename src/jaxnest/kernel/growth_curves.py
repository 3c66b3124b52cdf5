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


def _euler(code: int, n: np.ndarray, ca0: np.ndarray, tau: np.ndarray, g: np.ndarray,
           eps: np.ndarray, eta: np.ndarray, psi: np.ndarray, h: float) -> np.ndarray:
    """Sum of NEST's Euler increments h*g*f(Ca_k), k = 1..n, Ca_k = Ca_0 (1 - h/tau)^k."""
    out = np.zeros(n.size)
    moving = (ca0 != 0.0) & (n > 0)
    still = ~moving & (n > 0)  # no calcium: a constant rate
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
