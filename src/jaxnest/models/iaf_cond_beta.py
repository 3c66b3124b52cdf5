"""``iaf_cond_beta``: leaky integrate-and-fire neuron with beta-shaped synaptic conductances,
integrated with adaptive RKF45 as NEST 3.10 does through GSL.

Membrane equation as ``iaf_cond_alpha`` (see :mod:`jaxnest.models.iaf_cond`): while
refractory the currents see ``V_reset`` and ``dV_m/dt = 0``, otherwise ``min(V_m, V_th)``.
Each conductance (nS) is the difference of two exponentials, written as two linear ODEs::

    d(dg)/dt = -dg / tau_decay,    dg/dt = dg - g / tau_rise

A spike of weight ``w`` adds ``w * F(tau_rise, tau_decay)`` to ``dg`` (1/ms), with NEST's
normalisation ``F`` (libnestutil/beta_normalization_factor.h) that makes the peak of ``g``
equal ``w``: ``(1/tau_rise - 1/tau_decay) / (exp(-t_p/tau_decay) - exp(-t_p/tau_rise))`` at
the peak time ``t_p = tau_d tau_r ln(tau_d/tau_r) / (tau_d - tau_r)``, or ``e / tau_decay``
(the alpha function) when the two time constants agree to machine epsilon or the peak value
vanishes. Excitatory weights (``w > 0``) feed ``g_ex``; the others feed ``g_in`` with ``-w``.

Per step, as NEST's ``update()``: integrate over ``(0, h]``; refractory count-down and clamp,
or threshold test, reset and start of the refractory period; add this step's spike input to
``dg``; keep this step's CurrentEvent input as ``I_stim`` for the next step.

Hidden state: ``refr_count`` (steps), ``I_stim`` (pA), ``integration_step`` (ms; 0 = ``h``)
and the recordable ``t_ref_remaining`` (``h * refr_count``, ms).
"""
from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from .iaf_cond import CondModel, _bad, _membrane_rhs, _rhs_params, _spike_and_refractory
from .iaf_psc import _props, ms_to_steps
from .odeint import integrate

_EPS = float(np.finfo(np.float64).eps)
_EPS_ABS = 1e-3  # NEST: gsl_odeiv_control_y_new(1e-3, 0.0)

_PARAMS = {
    "C_m": 250.0,
    "E_L": -70.0,
    "E_ex": 0.0,
    "E_in": -85.0,
    "g_L": 16.6667,
    "I_e": 0.0,
    "V_reset": -60.0,
    "V_th": -55.0,
    "t_ref": 2.0,
    "tau_decay_ex": 0.2,
    "tau_decay_in": 2.0,
    "tau_rise_ex": 0.2,
    "tau_rise_in": 2.0,
}


def beta_normalization_factor(tau_rise, tau_decay, xp=jnp):
    """Increment of ``dg`` (1/ms) per unit weight so that ``g`` peaks at the weight."""
    diff = tau_decay - tau_rise
    distinct = xp.abs(diff) > _EPS
    safe_diff = xp.where(distinct, diff, 1.0)
    t_peak = tau_decay * tau_rise * xp.log(tau_decay / tau_rise) / safe_diff
    peak = xp.where(distinct, xp.exp(-t_peak / tau_decay) - xp.exp(-t_peak / tau_rise), 0.0)
    alpha = xp.abs(peak) < _EPS
    safe_peak = xp.where(alpha, 1.0, peak)
    return xp.where(alpha, math.e / tau_decay, (1.0 / tau_rise - 1.0 / tau_decay) / safe_peak)


def _check(params):
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    _bad(p["V_reset"] >= p["V_th"], "Reset potential must be smaller than threshold.")
    _bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
    _bad(p["t_ref"] < 0, "Refractory time cannot be negative.")
    _bad((p["tau_rise_ex"] <= 0) | (p["tau_decay_ex"] <= 0) | (p["tau_rise_in"] <= 0)
         | (p["tau_decay_in"] <= 0), "All time constants must be strictly positive.")


def _propagators(params, h):
    def build(p, xp):
        return {
            "PSConInit_E": beta_normalization_factor(p["tau_rise_ex"], p["tau_decay_ex"], xp),
            "PSConInit_I": beta_normalization_factor(p["tau_rise_in"], p["tau_decay_in"], xp),
            "refractory_counts": ms_to_steps(p["t_ref"], h, p) + 0.0 * p["C_m"],
        }

    return _props(params, h, build)


def _rhs(y, p):
    V_m, dg_ex, g_ex, dg_in, g_in = y
    return (
        _membrane_rhs(p, V_m, g_ex, g_in, exp_order=False),
        -dg_ex / p["tau_decay_ex"],
        dg_ex - (g_ex / p["tau_rise_ex"]),
        -dg_in / p["tau_decay_in"],
        dg_in - (g_in / p["tau_rise_in"]),
    )


def _update(params, props, state, x, i_stim, h):
    y = tuple(jnp.asarray(state[k], dtype=jnp.float64)
              for k in ("V_m", "dg_ex", "g_ex", "dg_in", "g_in"))
    (V_m, dg_ex, g_ex, dg_in, g_in), dt = integrate(
        _rhs, y, _rhs_params(params, state), h, state["integration_step"], eps_abs=_EPS_ABS)

    V_m, r, spike = _spike_and_refractory(params, props, V_m, state["refr_count"])

    dg_ex = dg_ex + x[0] * props["PSConInit_E"]
    dg_in = dg_in + (-x[1]) * props["PSConInit_I"]

    new = {
        "V_m": V_m,
        "g_ex": g_ex,
        "g_in": g_in,
        "dg_ex": dg_ex,
        "dg_in": dg_in,
        "refr_count": r,
        "I_stim": jnp.asarray(i_stim, dtype=V_m.dtype) + jnp.zeros_like(V_m),
        "integration_step": dt,
        "t_ref_remaining": h * r,
    }
    return new, spike.astype(V_m.dtype)


iaf_cond_beta = CondModel(
    name="iaf_cond_beta",
    params=dict(_PARAMS),
    state={"V_m": -70.0, "g_ex": 0.0, "g_in": 0.0, "dg_ex": 0.0, "dg_in": 0.0},
    recordables=("V_m", "g_ex", "g_in", "t_ref_remaining"),
    propagators=_propagators,
    update=_update,
    hidden={"refr_count": 0.0, "I_stim": 0.0, "integration_step": 0.0, "t_ref_remaining": 0.0},
    n_channels=2,
    check=_check,
)

MODELS = {iaf_cond_beta.name: iaf_cond_beta}
