"""Gap-junction coupling shared by NEST's ``*_gap`` neurons (hh_psc_alpha_gap,
hh_cond_beta_gap_traub), as their C++ computes it.

The kernel (kernel/gap.py) hands a gap neuron, per step, ``gap``: an array (5, n) whose row 0
is ``sum_j g_ij`` (nS, the weights of the gap events received for this update) and rows 1..4
the weighted interpolation coefficients ``sum_j g_ij c_jk`` (mV x nS) of the partners' V_m
over the step, zero-padded to order 3 (NEST's ``wfr_interpolation_order`` 0, 1 or 3). The
current at time ``tau`` (ms) into the step is::

    I_gap = -sum_j g_ij V + c_0 + c_1 t + c_2 t^2 + c_3 t^3,   t = tau / h

summed left to right as NEST does (padding terms add exact zeros, so one formula serves all
orders). The integrator's time is an extra state component ``tau`` with d tau/dt = 1 (GSL
passes the stage time to the system function; NEST's equations are not autonomous here).

In a waveform-relaxation sweep a neuron sends, per step, the coefficients of its own V_m:
order 0 ``(y_i)``; order 1 ``(y_i, y_{i+1} - y_i)``; order 3 the cubic Hermite form from
``y`` and ``h dV/dt`` at both ends of the step.
"""
from __future__ import annotations

import jax.numpy as jnp

from .odeint import evolve

N_COEFF = 4  # coefficient rows (order 3); lower orders leave the rest zero


def gap_current(V, gap, tau, h):
    """I_gap (pA) at V (mV), ``tau`` ms into the step."""
    t = tau / h
    return (-gap[0] * V + gap[1] + gap[2] * t + gap[3] * t * t + gap[4] * t * t * t)


def with_time(rhs, h):
    """``rhs(y, p, I_gap)`` -> an rhs over ``(tau,) + y`` with ``p["_gap"]`` the step's
    coupling (d tau/dt = 1)."""
    def f(y, p):
        tau, rest = y[0], y[1:]
        dy = rhs(rest, p, gap_current(rest[0], p["_gap"], tau, h))
        return (jnp.ones_like(tau),) + tuple(dy)
    return f


def coefficients(order, y_i, hf_i, y_ip1, hf_ip1):
    """(4, n) coefficients a sweep sends for one step (``order`` a traced 0, 1 or 3)."""
    zero = jnp.zeros_like(y_i)
    lin = y_ip1 - y_i
    c2 = -3 * y_i + 3 * y_ip1 - 2 * hf_i - hf_ip1
    c3 = 2 * y_i - 2 * y_ip1 + hf_i + hf_ip1
    cubic = order == 3
    return jnp.stack([y_i,
                      jnp.where(cubic, hf_i, jnp.where(order == 1, lin, zero)),
                      jnp.where(cubic, c2, zero),
                      jnp.where(cubic, c3, zero)])


def integrate(rhs, rhs_plain, y, p, h, step, gap, sweep: bool, eps_abs: float):
    """One step of a ``*_gap`` model's ODEs (``y[0]`` is V_m) with GSL's rkf45: the plain
    right-hand side without gap junctions (NEST's empty buffers), else ``rhs`` with the step's
    coupling (``p["_gap"]``, set by the caller) over ``(tau,) + y``. Returns (y, solver step,
    h dV/dt at the step's start: a sweep's cubic coefficients need it, else None)."""
    if gap is None:
        y, dt, _ = evolve(rhs_plain, y, p, h, step, eps_abs=eps_abs)
        return y, dt, None
    f = with_time(rhs, h)
    y0 = (jnp.zeros_like(y[0]),) + y
    hf_i = h * f(y0, p)[1] if sweep else None
    y, dt, _ = evolve(lambda yy, pp, aux: f(yy, pp), y0, p, h, step, eps_abs=eps_abs)
    return y[1:], dt, hf_i


def sweep_coefficients(rhs, p, h, new: dict, names, order, V_old, hf_i):
    """The coefficients a relaxation sweep sends for a step that ended in state ``new``."""
    V = new["V_m"]
    yh = (jnp.full_like(V, h),) + tuple(new[k] for k in names)
    return coefficients(order, V_old, hf_i, V, h * with_time(rhs, h)(yh, p)[1])
