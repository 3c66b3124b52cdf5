"""``iaf_cond_exp_sfa_rr``: conductance-based leaky integrate-and-fire neuron with
spike-frequency adaptation and a relative refractory mechanism (Dayan & Abbott 2001), integrated
with adaptive RKF45 as NEST 3.10 does through GSL.

With ``V`` the potential the currents see (``V_reset`` while refractory, else
``min(V_m, V_th)``)::

    C_m dV_m/dt = -g_L (V - E_L) + I_stim + I_e - g_ex (V - E_ex) - g_in (V - E_in)
                  - g_sfa (V - E_sfa) - g_rr (V - E_rr)          (0 while refractory)
    dg_x/dt = -g_x / tau_x      for x in ex (tau_syn_ex), in (tau_syn_in), sfa, rr

(the sum in NEST's order). Conductances in nS; a spike of weight ``w > 0`` adds ``w`` to
``g_ex``, other weights add ``-w`` to ``g_in``. Every output spike adds ``q_sfa`` to ``g_sfa``
and ``q_rr`` to ``g_rr``.

Per step, as NEST's ``update()``: integrate over ``(0, h]`` (RKF45, ``y_new`` control with
eps_abs 1e-3, the step size carried across steps); add this step's spike input to
``g_ex``/``g_in``; refractory count-down and clamp to ``V_reset``, or threshold test: spike,
reset, refractory period of ``Time(t_ref).get_steps()`` steps, ``g_sfa += q_sfa``,
``g_rr += q_rr``; keep this step's CurrentEvent input as ``I_stim`` for the next step.

Hidden state: ``refr_count`` (steps), ``I_stim`` (pA), ``integration_step`` (ms; 0 = ``h``).
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .iaf_cond import CondModel, _bad, _rhs_params, _spike_and_refractory
from .iaf_psc import _props, ms_to_steps
from .odeint import integrate

_EPS_ABS = 1e-3  # NEST: gsl_odeiv_control_y_new(1e-3, 0.0)

_PARAMS = {
    "C_m": 289.5,
    "E_L": -70.0,
    "E_ex": 0.0,
    "E_in": -75.0,
    "E_rr": -70.0,
    "E_sfa": -70.0,
    "g_L": 28.95,
    "I_e": 0.0,
    "q_rr": 3214.0,
    "q_sfa": 14.48,
    "V_reset": -70.0,
    "V_th": -57.0,
    "t_ref": 0.5,
    "tau_rr": 1.97,
    "tau_sfa": 110.0,
    "tau_syn_ex": 1.5,
    "tau_syn_in": 10.0,
}

_Y = ("V_m", "g_ex", "g_in", "g_sfa", "g_rr")


def _check(params):
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    _bad(p["V_reset"] >= p["V_th"], "Reset potential must be smaller than threshold.")
    _bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
    _bad(p["t_ref"] < 0, "Refractory time cannot be negative.")
    _bad((p["tau_syn_ex"] <= 0) | (p["tau_syn_in"] <= 0) | (p["tau_sfa"] <= 0)
         | (p["tau_rr"] <= 0), "All time constants must be strictly positive.")


def _propagators(params, h):
    def build(p, xp):
        return {"refractory_counts": ms_to_steps(p["t_ref"], h, p) + 0.0 * p["C_m"]}

    return _props(params, h, build)


def _rhs(y, p):
    V_m, g_ex, g_in, g_sfa, g_rr = y
    refractory = p["_refractory"]
    V = jnp.where(refractory, p["V_reset"], jnp.minimum(V_m, p["V_th"]))
    I_syn_exc = g_ex * (V - p["E_ex"])
    I_syn_inh = g_in * (V - p["E_in"])
    I_L = p["g_L"] * (V - p["E_L"])
    I_sfa = g_sfa * (V - p["E_sfa"])
    I_rr = g_rr * (V - p["E_rr"])
    dV = (-I_L + p["_I_stim"] + p["I_e"] - I_syn_exc - I_syn_inh - I_sfa - I_rr) / p["C_m"]
    return (
        jnp.where(refractory, 0.0, dV),
        -g_ex / p["tau_syn_ex"],
        -g_in / p["tau_syn_in"],
        -g_sfa / p["tau_sfa"],
        -g_rr / p["tau_rr"],
    )


def _update(params, props, state, x, i_stim, h):
    y = tuple(jnp.asarray(state[k], dtype=jnp.float64) for k in _Y)
    (V_m, g_ex, g_in, g_sfa, g_rr), dt = integrate(
        _rhs, y, _rhs_params(params, state), h, state["integration_step"], eps_abs=_EPS_ABS)

    g_ex = g_ex + x[0]
    g_in = g_in + (-x[1])

    V_m, r, spike = _spike_and_refractory(params, props, V_m, state["refr_count"])
    g_sfa = jnp.where(spike, g_sfa + params["q_sfa"], g_sfa)
    g_rr = jnp.where(spike, g_rr + params["q_rr"], g_rr)

    new = {
        "V_m": V_m,
        "g_ex": g_ex,
        "g_in": g_in,
        "g_sfa": g_sfa,
        "g_rr": g_rr,
        "refr_count": r,
        "I_stim": jnp.asarray(i_stim, dtype=V_m.dtype) + jnp.zeros_like(V_m),
        "integration_step": dt,
    }
    return new, spike.astype(V_m.dtype)


iaf_cond_exp_sfa_rr = CondModel(
    name="iaf_cond_exp_sfa_rr",
    params=dict(_PARAMS),
    state={"V_m": -70.0, "g_ex": 0.0, "g_in": 0.0, "g_rr": 0.0, "g_sfa": 0.0},
    recordables=("V_m", "g_ex", "g_in", "g_rr", "g_sfa"),
    propagators=_propagators,
    update=_update,
    hidden={"refr_count": 0.0, "I_stim": 0.0, "integration_step": 0.0},
    n_channels=2,
    check=_check,
)

MODELS = {iaf_cond_exp_sfa_rr.name: iaf_cond_exp_sfa_rr}
