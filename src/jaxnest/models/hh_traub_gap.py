"""``hh_cond_beta_gap_traub``: the Traub and Miles Hodgkin-Huxley neuron of
``hh_cond_exp_traub`` with beta-shaped synaptic conductances, as NEST 3.10 integrates it
(GSL RKF45, ``y_new`` control, eps_abs 1e-3, eps_rel 0, through
:func:`jaxnest.models.odeint.evolve`).

Equations (V in mV, conductances in nS, currents in pA, time in ms)::

    C_m dV/dt = -I_Na - I_K - I_L - g_ex (V - E_ex) - g_in (V - E_in) + I_stim + I_e + I_gap
    I_Na = g_Na m^3 h (V - E_Na),  I_K = g_K n^4 (V - E_K),  I_L = g_L (V - E_L)
    dx/dt = alpha_x(u) - (alpha_x(u) + beta_x(u)) x,   u = V - V_T   (x = m, h, n)
    d(dg)/dt = -dg / tau_decay,   dg/dt = dg - g / tau_rise

(NEST's beta synapse: the derivative term decays with ``tau_decay`` and the conductance with
``tau_rise``.) A spike of weight ``w`` adds ``w * beta_normalization_factor(tau_rise,
tau_decay)`` to ``dg_ex`` (``w > 0``) or ``-w`` times it to ``dg_in`` (``w <= 0``), which
makes the peak conductance ``|w|`` nS.

Per step, as NEST's ``update``: remember ``U_old = V_m``; integrate over ``(0, h]``; add the
step's spike input to ``dg``; then, if refractory, count down, else spike when
``V_m >= V_T + 30`` and ``U_old > V_m`` (the potential passed its maximum) and start a
refractory period of ``t_ref`` (no clamping); keep this step's CurrentEvent input as
``I_stim``.

``I_gap`` is the gap-junction current (models/gap_coupling.py; 0 in a network without
gap junctions). In a waveform-relaxation sweep (``wfr_order`` given) the step adds the spike
input but makes no spike test, keeps ``I_stim`` and returns the V_m interpolation
coefficients it sends, as hh_psc_alpha_gap does.

The gating variables default to their steady state at ``V = E_L`` (rates at ``V`` itself,
not ``V - V_T``, as NEST's constructor does); the synaptic state is recordable but hidden.
"""
from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from .hh import _DIV_TRAUB, _bad, _check_gating, _no_aux, _on_set, _steady_traub, _traub_rates
from .iaf_cond import CondModel
from .iaf_psc import _props, ms_to_steps
from .gap_coupling import integrate, sweep_coefficients

_EPS_ABS = 1e-3  # NEST: gsl_odeiv_control_y_new(1e-3, 0.0)
_DBL_EPS = float(np.finfo(np.float64).eps)


def beta_normalization_factor(tau_rise, tau_decay, xp=np):
    """Jump of ``dg`` per unit weight that makes a beta conductance peak at 1 (NEST's
    ``beta_normalization_factor``): ``(1/tau_rise - 1/tau_decay) / (exp(-t_p/tau_decay) -
    exp(-t_p/tau_rise))`` at the peak time ``t_p``; ``e / tau_decay`` (alpha function) when
    the time constants are equal to within machine epsilon or the peak value underflows."""
    diff = tau_decay - tau_rise
    regular = xp.abs(diff) > _DBL_EPS
    safe = xp.where(regular, diff, 1.0)
    t_peak = tau_decay * tau_rise * xp.log(tau_decay / tau_rise) / safe
    peak = xp.where(regular, xp.exp(-t_peak / tau_decay) - xp.exp(-t_peak / tau_rise), 0.0)
    alpha = xp.abs(peak) < _DBL_EPS
    beta = (1.0 / tau_rise - 1.0 / tau_decay) / xp.where(alpha, 1.0, peak)
    return xp.where(alpha, math.e / tau_decay, beta)


def _check(params):
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    _bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
    _bad(p["t_ref"] < 0, "Refractory time cannot be negative.")
    _bad((p["tau_rise_ex"] <= 0) | (p["tau_decay_ex"] <= 0) | (p["tau_rise_in"] <= 0)
         | (p["tau_decay_in"] <= 0), "All time constants must be strictly positive.")
    _bad((p["g_K"] < 0) | (p["g_Na"] < 0) | (p["g_L"] < 0),
         "All conductances must be non-negative.")
    _check_gating(p)


def _propagators(params, h):
    def build(p, xp):
        zero = 0.0 * p["C_m"]
        out = {
            "PSConInit_E": beta_normalization_factor(p["tau_rise_ex"], p["tau_decay_ex"], xp),
            "PSConInit_I": beta_normalization_factor(p["tau_rise_in"], p["tau_decay_in"], xp),
            "refractory_counts": ms_to_steps(p["t_ref"], h, p) + zero,
        }
        for c in _DIV_TRAUB:  # runtime divisors keep the rate functions' divisions exact
            out[f"c{int(c)}"] = c + zero
        return out

    return _props(params, h, build)


def _rhs(y, p, I_gap=None):
    V_m, m, hh, n, dg_ex, g_ex, dg_in, g_in = y
    I_Na = p["g_Na"] * m * m * m * hh * (V_m - p["E_Na"])
    I_K = p["g_K"] * n * n * n * n * (V_m - p["E_K"])
    I_L = p["g_L"] * (V_m - p["E_L"])
    I_syn_exc = g_ex * (V_m - p["E_ex"])
    I_syn_inh = g_in * (V_m - p["E_in"])
    if I_gap is None:
        dV = (-I_Na - I_K - I_L - I_syn_exc - I_syn_inh + p["_I_stim"] + p["I_e"]) / p["C_m"]
    else:  # NEST's order of summation with the gap current
        dV = (-I_Na - I_K - I_L - I_syn_exc - I_syn_inh + p["_I_stim"] + I_gap
              + p["I_e"]) / p["C_m"]
    c = tuple(p[f"_c{int(k)}"] for k in _DIV_TRAUB)
    alpha_n, beta_n, alpha_m, beta_m, alpha_h, beta_h = _traub_rates(V_m - p["V_T"], c, jnp.exp)
    return (
        dV,
        alpha_m - (alpha_m + beta_m) * m,
        alpha_h - (alpha_h + beta_h) * hh,
        alpha_n - (alpha_n + beta_n) * n,
        -dg_ex / p["tau_decay_ex"],
        dg_ex - (g_ex / p["tau_rise_ex"]),
        -dg_in / p["tau_decay_in"],
        dg_in - (g_in / p["tau_rise_in"]),
    )


_Y = ("V_m", "Act_m", "Inact_h", "Act_n", "dg_ex", "g_ex", "dg_in", "g_in")


def _update(params, props, state, x, i_stim, h, gap=None, wfr_order=None):
    y = tuple(jnp.asarray(state[k], dtype=jnp.float64) for k in _Y)
    U_old = y[0]
    p = dict(params, _I_stim=state["I_stim"])
    for k in _DIV_TRAUB:
        p[f"_c{int(k)}"] = props[f"c{int(k)}"]
    if gap is not None:
        p["_gap"] = gap
    y, dt, hf_i = integrate(_rhs, _no_aux(_rhs), y, p, h, state["integration_step"], gap,
                            wfr_order is not None, _EPS_ABS)
    new = dict(zip(_Y, y))
    new["dg_ex"] = new["dg_ex"] + x[0] * props["PSConInit_E"]
    new["dg_in"] = new["dg_in"] + (-x[1]) * props["PSConInit_I"]
    new_V = new["V_m"]
    if wfr_order is not None:  # a relaxation sweep: the coefficients sent, no spike test
        new["refr_count"], new["I_stim"] = state["refr_count"], state["I_stim"]
        new["integration_step"] = dt
        return new, jnp.zeros_like(new_V), sweep_coefficients(_rhs, p, h, new, _Y, wfr_order,
                                                              U_old, hf_i)
    r = state["refr_count"]
    refractory = r > 0
    spike = ~refractory & (new_V >= params["V_T"] + 30.0) & (U_old > new_V)
    new["refr_count"] = jnp.where(refractory, r - 1.0,
                                  jnp.where(spike, props["refractory_counts"], r))
    new["I_stim"] = jnp.asarray(i_stim, dtype=new_V.dtype) + jnp.zeros_like(new_V)
    new["integration_step"] = dt
    return new, spike.astype(new_V.dtype)


_PARAMS = {"C_m": 200.0, "E_K": -90.0, "E_L": -60.0, "E_Na": 50.0, "E_ex": 0.0, "E_in": -80.0,
           "I_e": 0.0, "V_T": -50.0, "g_K": 6000.0, "g_L": 10.0, "g_Na": 20000.0, "t_ref": 2.0,
           "tau_decay_ex": 5.0, "tau_decay_in": 10.0, "tau_rise_ex": 0.5, "tau_rise_in": 0.5}

hh_cond_beta_gap_traub = CondModel(
    name="hh_cond_beta_gap_traub",
    params=_PARAMS,
    state={"V_m": _PARAMS["E_L"], **_steady_traub(_PARAMS["E_L"])},
    recordables=("Act_m", "Act_n", "Inact_h", "V_m", "g_ex", "g_in"),
    propagators=_propagators,
    update=_update,
    hidden={"dg_ex": 0.0, "g_ex": 0.0, "dg_in": 0.0, "g_in": 0.0, "refr_count": 0.0,
            "I_stim": 0.0, "integration_step": 0.0},
    n_channels=2,
    check=_check,
    on_set=_on_set,
    secondary_out=("gap_junction",),
    secondary_in=("gap_junction",),
    wfr_state="V_m",
)

MODELS = {hh_cond_beta_gap_traub.name: hh_cond_beta_gap_traub}
