"""Leaky integrate-and-fire neurons with conductance-based synapses (``iaf_cond_alpha``,
``iaf_cond_exp``), integrated with adaptive RKF45 as NEST 3.10 does through GSL.

Membrane equation (both models), with ``V`` the membrane potential seen by the currents::

    C_m dV_m/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_stim + I_e

While refractory ``V = V_reset`` and ``dV_m/dt = 0``; otherwise ``V = min(V_m, V_th)`` (the
currents never see a potential above threshold). ``I_stim`` is the CurrentEvent input read at
the end of the *previous* step (NEST's ``B_.I_stim_``), constant over the step.

Synaptic conductances (nS), per step of weight ``w`` arriving (excitatory ``w > 0``; inhibitory
``w < 0`` counts as ``-w`` for ``g_in``):

- ``iaf_cond_alpha``: ``d(dg)/dt = -dg / tau``, ``dg/dt = dg - g / tau``; a spike adds
  ``w * e / tau`` to ``dg`` (peak conductance ``w`` at ``t = tau``);
- ``iaf_cond_exp``: ``dg/dt = -g / tau``; a spike adds ``w`` to ``g``.

Per step (from t to t + h), as in NEST's ``update()``:

1. integrate the ODE over ``(0, h]`` with :func:`jaxnest.models.odeint.integrate` (RKF45,
   ``y_new`` control, eps_abs 1e-3, step size carried across steps in ``integration_step``);
   the refractory flag seen by the right-hand side is the counter *before* this step's
   count-down;
2. refractory: count down, clamp ``V_m = V_reset``; else if ``V_m >= V_th``: spike, reset to
   ``V_reset``, start the refractory period of ``Time(t_ref).get_steps()`` steps;
3. add this step's spike input to the conductances (``iaf_cond_exp`` does this before 2., which
   gives the same result since 2. does not read the conductances);
4. keep this step's CurrentEvent input as ``I_stim`` for the next step.

Hidden state: ``refr_count`` (remaining refractory steps), ``I_stim`` (pA),
``integration_step`` (ms; 0 = not yet initialised, i.e. ``h``), and for ``iaf_cond_alpha`` the
recordable ``t_ref_remaining`` (``h * refr_count``, ms).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import jax.numpy as jnp
import numpy as np

from .. import errors
from .base import NeuronModel
from .iaf_psc import _props, ms_to_steps
from .odeint import integrate

_COND_PARAMS = {
    "C_m": 250.0,
    "E_L": -70.0,
    "E_ex": 0.0,
    "E_in": -85.0,
    "g_L": 16.6667,
    "I_e": 0.0,
    "V_reset": -60.0,
    "V_th": -55.0,
    "t_ref": 2.0,
    "tau_syn_ex": 0.2,
    "tau_syn_in": 2.0,
}

_EPS_ABS = 1e-3  # NEST: gsl_odeiv_control_y_new(1e-3, 0.0)


@dataclass(frozen=True)
class CondModel(NeuronModel):
    """NeuronModel with NEST's receptor check: spikes and currents on receptor 0 only; its
    update takes uniform parameters as scalars (the adaptive solver's models)."""

    scalar_params: ClassVar[bool] = True

    def channel(self, weight: np.ndarray, receptor: np.ndarray) -> np.ndarray:
        receptor = np.asarray(receptor)
        bad = receptor != 0
        if np.any(bad):
            raise errors.UnknownReceptorType(
                f"Receptor type {int(receptor[bad][0])} is not available in {self.name}.")
        return super().channel(weight, receptor)


def _bad(cond, msg):
    if np.any(np.asarray(cond)):
        raise errors.BadProperty(msg)


def _check(params):
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    _bad(p["V_reset"] >= p["V_th"], "Reset potential must be smaller than threshold.")
    _bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
    _bad(p["t_ref"] < 0, "Refractory time cannot be negative.")
    _bad((p["tau_syn_ex"] <= 0) | (p["tau_syn_in"] <= 0),
         "All time constants must be strictly positive.")


def _membrane_rhs(p, V_m, g_ex, g_in, exp_order):
    """dV_m/dt with NEST's clamping and its order of summation (alpha and exp differ)."""
    refractory = p["_refractory"]
    V = jnp.where(refractory, p["V_reset"], jnp.minimum(V_m, p["V_th"]))
    I_syn_exc = g_ex * (V - p["E_ex"])
    I_syn_inh = g_in * (V - p["E_in"])
    I_leak = p["g_L"] * (V - p["E_L"])
    if exp_order:
        dV = (-I_leak + p["_I_stim"] + p["I_e"] - I_syn_exc - I_syn_inh) / p["C_m"]
    else:
        dV = (-I_leak - I_syn_exc - I_syn_inh + p["_I_stim"] + p["I_e"]) / p["C_m"]
    return jnp.where(refractory, 0.0, dV)


def _rhs_params(params, state):
    p = dict(params)
    p["_refractory"] = state["refr_count"] > 0
    p["_I_stim"] = state["I_stim"]
    return p


def _spike_and_refractory(params, props, V_m, r):
    """NEST's refractory count-down / threshold test after the integration."""
    refractory = r > 0
    spike = ~refractory & (V_m >= params["V_th"])
    V_m = jnp.where(refractory | spike, params["V_reset"], V_m)
    r = jnp.where(refractory, r - 1.0, jnp.where(spike, props["refractory_counts"], r))
    return V_m, r, spike


# --------------------------------------------------------------------------------------------
# iaf_cond_alpha
# --------------------------------------------------------------------------------------------


def _alpha_propagators(params, h):
    def build(p, xp):
        return {
            "PSConInit_E": 1.0 * math.e / p["tau_syn_ex"],
            "PSConInit_I": 1.0 * math.e / p["tau_syn_in"],
            "refractory_counts": ms_to_steps(p["t_ref"], h, p) + 0.0 * p["C_m"],
        }

    return _props(params, h, build)


def _alpha_rhs(y, p):
    V_m, dg_ex, g_ex, dg_in, g_in = y
    return (
        _membrane_rhs(p, V_m, g_ex, g_in, exp_order=False),
        -dg_ex / p["tau_syn_ex"],
        dg_ex - (g_ex / p["tau_syn_ex"]),
        -dg_in / p["tau_syn_in"],
        dg_in - (g_in / p["tau_syn_in"]),
    )


def _alpha_update(params, props, state, x, i_stim, h):
    y = tuple(jnp.asarray(state[k], dtype=jnp.float64)
              for k in ("V_m", "dg_ex", "g_ex", "dg_in", "g_in"))
    p = _rhs_params(params, state)
    (V_m, dg_ex, g_ex, dg_in, g_in), dt = integrate(
        _alpha_rhs, y, p, h, state["integration_step"], eps_abs=_EPS_ABS)

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


iaf_cond_alpha = CondModel(
    name="iaf_cond_alpha",
    params=dict(_COND_PARAMS),
    state={"V_m": -70.0, "g_ex": 0.0, "g_in": 0.0, "dg_ex": 0.0, "dg_in": 0.0},
    recordables=("V_m", "g_ex", "g_in", "t_ref_remaining"),
    propagators=_alpha_propagators,
    update=_alpha_update,
    hidden={"refr_count": 0.0, "I_stim": 0.0, "integration_step": 0.0, "t_ref_remaining": 0.0},
    n_channels=2,
    check=_check,
)


# --------------------------------------------------------------------------------------------
# iaf_cond_exp
# --------------------------------------------------------------------------------------------


def _exp_propagators(params, h):
    def build(p, xp):
        return {"refractory_counts": ms_to_steps(p["t_ref"], h, p) + 0.0 * p["C_m"]}

    return _props(params, h, build)


def _exp_rhs(y, p):
    V_m, g_ex, g_in = y
    return (
        _membrane_rhs(p, V_m, g_ex, g_in, exp_order=True),
        -g_ex / p["tau_syn_ex"],
        -g_in / p["tau_syn_in"],
    )


def _exp_update(params, props, state, x, i_stim, h):
    y = tuple(jnp.asarray(state[k], dtype=jnp.float64) for k in ("V_m", "g_ex", "g_in"))
    p = _rhs_params(params, state)
    (V_m, g_ex, g_in), dt = integrate(
        _exp_rhs, y, p, h, state["integration_step"], eps_abs=_EPS_ABS)

    g_ex = g_ex + x[0]
    g_in = g_in + (-x[1])

    V_m, r, spike = _spike_and_refractory(params, props, V_m, state["refr_count"])

    new = {
        "V_m": V_m,
        "g_ex": g_ex,
        "g_in": g_in,
        "refr_count": r,
        "I_stim": jnp.asarray(i_stim, dtype=V_m.dtype) + jnp.zeros_like(V_m),
        "integration_step": dt,
    }
    return new, spike.astype(V_m.dtype)


iaf_cond_exp = CondModel(
    name="iaf_cond_exp",
    params=dict(_COND_PARAMS),
    state={"V_m": -70.0, "g_ex": 0.0, "g_in": 0.0},
    recordables=("V_m", "g_ex", "g_in"),
    propagators=_exp_propagators,
    update=_exp_update,
    hidden={"refr_count": 0.0, "I_stim": 0.0, "integration_step": 0.0},
    n_channels=2,
    check=_check,
)


MODELS = {m.name: m for m in (iaf_cond_alpha, iaf_cond_exp)}
