"""Hodgkin-Huxley neurons (``hh_psc_alpha``, ``hh_cond_exp_traub``), integrated as NEST 3.10
does with GSL's adaptive RKF45 (``y_new`` control, eps_abs 1e-3, eps_rel 0), through
:func:`jaxnest.models.odeint.evolve`, which treats trial steps whose stages overflow (large
steps across a spike upstroke) as GSL does.

``hh_psc_alpha`` (squid axon channels, alpha-shaped synaptic currents)::

    C_m dV/dt = -(I_Na + I_K + I_L) + I_stim + I_e + I_syn_ex + I_syn_in
    I_Na = g_Na m^3 h (V - E_Na),  I_K = g_K n^4 (V - E_K),  I_L = g_L (V - E_L)
    dx/dt = alpha_x(V) (1 - x) - beta_x(V) x      (x = m, h, n)
    d(dI)/dt = -dI / tau,  dI/dt = dI - I / tau  (spikes add w e / tau to dI; inhibitory
    weights keep their sign, so I_syn_in <= 0)

``hh_cond_exp_traub`` (Traub and Miles, exponential conductances)::

    C_m dV/dt = -I_Na - I_K - I_L - g_ex (V - E_ex) - g_in (V - E_in) + I_stim + I_e
    dx/dt = alpha_x(u) - (alpha_x(u) + beta_x(u)) x,  u = V - V_T
    dg/dt = -g / tau  (spikes add |w| to g)

Per step, as NEST's ``update``: remember ``U_old = V_m``; integrate over ``(0, h]``; add the
step's spike input; then, if refractory, count down, else spike when ``V_m >= 0`` (traub:
``V_m >= V_T + 30``) and ``U_old > V_m`` (the potential passed its maximum) and start a
refractory period of ``t_ref`` (no clamping: the membrane keeps integrating; refractoriness
only prevents further spikes); keep this step's CurrentEvent input as ``I_stim``.

The synaptic state is recordable but, as in NEST, not part of the status dictionary (hidden
here). The gating variables default to their steady state at the default ``V_m`` (NEST does
not recompute them when ``V_m`` or ``E_L`` is set).

XLA turns a division by a literal constant into a multiplication by its rounded reciprocal;
the rate functions' divisors (10, 80, ...) are therefore kept as per-neuron arrays in the
propagators, which keeps the divisions exact as in NEST's C++.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from .. import errors
from .iaf_cond import CondModel
from .iaf_psc import _props, ms_to_steps
from .odeint import evolve

_EPS_ABS = 1e-3  # NEST: gsl_odeiv_control_y_new(1e-3, 0.0)


def _bad(cond, msg):
    if np.any(np.asarray(cond)):
        raise errors.BadProperty(msg)


def _check_gating(s):
    keys = ("Act_m", "Inact_h", "Act_n")
    if all(k in s for k in keys):
        _bad(np.any([np.asarray(s[k], dtype=np.float64) < 0 for k in keys], axis=0),
             "All (in)activation variables must be non-negative.")


def _no_aux(rhs):
    return lambda y, p, aux: rhs(y, p)


def _on_set(old_params, new_params, state, keys):
    _check_gating(state)
    return state


# --------------------------------------------------------------------------------------------
# hh_psc_alpha
# --------------------------------------------------------------------------------------------

_DIV_PSC = (10.0, 80.0, 18.0, 20.0)


def _psc_rates(V, c, exp=math.exp):
    """alpha/beta of n, m, h at V (``c``: the divisors 10, 80, 18, 20)."""
    c10, c80, c18, c20 = c
    alpha_n = (0.01 * (V + 55.0)) / (1.0 - exp(-(V + 55.0) / c10))
    beta_n = 0.125 * exp(-(V + 65.0) / c80)
    alpha_m = (0.1 * (V + 40.0)) / (1.0 - exp(-(V + 40.0) / c10))
    beta_m = 4.0 * exp(-(V + 65.0) / c18)
    alpha_h = 0.07 * exp(-(V + 65.0) / c20)
    beta_h = 1.0 / (1.0 + exp(-(V + 35.0) / c10))
    return alpha_n, beta_n, alpha_m, beta_m, alpha_h, beta_h


def _steady_psc(V):
    an, bn, am, bm, ah, bh = _psc_rates(V, _DIV_PSC)
    return {"Act_m": am / (am + bm), "Act_n": an / (an + bn), "Inact_h": ah / (ah + bh)}


def _psc_check(params):
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    _bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
    _bad(p["t_ref"] < 0, "Refractory time cannot be negative.")
    _bad((p["tau_syn_ex"] <= 0) | (p["tau_syn_in"] <= 0),
         "All time constants must be strictly positive.")
    _bad((p["g_K"] < 0) | (p["g_Na"] < 0) | (p["g_L"] < 0),
         "All conductances must be non-negative.")
    _check_gating(p)


def alpha_psc_propagators(divisors):
    """The propagators of an hh model with alpha-shaped PSCs (hh_psc_alpha, its clopath and
    gap variants): the PSC jumps e / tau_syn, the refractory steps, and the rate functions'
    divisors ``(key, value)`` as runtime values (they keep the rate functions' divisions
    exact divisions)."""
    def propagators(params, h):
        def build(p, xp):
            zero = 0.0 * p["C_m"]
            out = {"PSCurrInit_E": 1.0 * math.e / p["tau_syn_ex"],
                   "PSCurrInit_I": 1.0 * math.e / p["tau_syn_in"],
                   "refractory_counts": ms_to_steps(p["t_ref"], h, p) + zero}
            out.update({k: v + zero for k, v in divisors})
            return out

        return _props(params, h, build)
    return propagators


_psc_propagators = alpha_psc_propagators(tuple((f"c{int(c)}", c) for c in _DIV_PSC))


def _psc_rhs(y, p):
    V, m, hh, n, dI_ex, I_ex, dI_in, I_in = y
    c = tuple(p[f"_c{int(k)}"] for k in _DIV_PSC)
    alpha_n, beta_n, alpha_m, beta_m, alpha_h, beta_h = _psc_rates(V, c, jnp.exp)
    I_Na = p["g_Na"] * m * m * m * hh * (V - p["E_Na"])
    I_K = p["g_K"] * n * n * n * n * (V - p["E_K"])
    I_L = p["g_L"] * (V - p["E_L"])
    dV = (-(I_Na + I_K + I_L) + p["_I_stim"] + p["I_e"] + I_ex + I_in) / p["C_m"]
    te, ti = p["tau_syn_ex"], p["tau_syn_in"]
    return (
        dV,
        alpha_m * (1 - m) - beta_m * m,
        alpha_h * (1 - hh) - beta_h * hh,
        alpha_n * (1 - n) - beta_n * n,
        -dI_ex / te,
        dI_ex - (I_ex / te),
        -dI_in / ti,
        dI_in - (I_in / ti),
    )


_PSC_Y = ("V_m", "Act_m", "Inact_h", "Act_n", "dI_syn_ex", "I_syn_ex", "dI_syn_in", "I_syn_in")


def _psc_update(params, props, state, x, i_stim, h):
    y = tuple(jnp.asarray(state[k], dtype=jnp.float64) for k in _PSC_Y)
    U_old = y[0]
    p = dict(params, _I_stim=state["I_stim"])
    for k in _DIV_PSC:
        p[f"_c{int(k)}"] = props[f"c{int(k)}"]
    y, dt, _ = evolve(_no_aux(_psc_rhs), y, p, h, state["integration_step"], eps_abs=_EPS_ABS)
    new = dict(zip(_PSC_Y, y))
    # NEST keeps the sign of inhibitory weights for currents
    new["dI_syn_ex"] = new["dI_syn_ex"] + x[0] * props["PSCurrInit_E"]
    new["dI_syn_in"] = new["dI_syn_in"] + x[1] * props["PSCurrInit_I"]
    new_V = new["V_m"]
    r = state["refr_count"]
    refractory = r > 0
    spike = ~refractory & (new_V >= 0.0) & (U_old > new_V)
    new["refr_count"] = jnp.where(refractory, r - 1.0,
                                  jnp.where(spike, props["refractory_counts"], r))
    new["I_stim"] = jnp.asarray(i_stim, dtype=new_V.dtype) + jnp.zeros_like(new_V)
    new["integration_step"] = dt
    return new, spike.astype(new_V.dtype)


hh_psc_alpha = CondModel(
    name="hh_psc_alpha",
    params={"C_m": 100.0, "E_K": -77.0, "E_L": -54.402, "E_Na": 50.0, "I_e": 0.0,
            "g_K": 3600.0, "g_L": 30.0, "g_Na": 12000.0, "t_ref": 2.0, "tau_syn_ex": 0.2,
            "tau_syn_in": 2.0},
    state={"V_m": -65.0, **_steady_psc(-65.0)},
    recordables=("Act_m", "Act_n", "I_syn_ex", "I_syn_in", "Inact_h", "V_m"),
    propagators=_psc_propagators,
    update=_psc_update,
    hidden={"dI_syn_ex": 0.0, "I_syn_ex": 0.0, "dI_syn_in": 0.0, "I_syn_in": 0.0,
            "refr_count": 0.0, "I_stim": 0.0, "integration_step": 0.0},
    n_channels=2,
    check=_psc_check,
    on_set=_on_set,
)


# --------------------------------------------------------------------------------------------
# hh_cond_exp_traub
# --------------------------------------------------------------------------------------------

_DIV_TRAUB = (5.0, 40.0, 4.0, 18.0)


def _traub_rates(V, c, exp=math.exp):
    c5, c40, c4, c18 = c
    alpha_n = 0.032 * (15.0 - V) / (exp((15.0 - V) / c5) - 1.0)
    beta_n = 0.5 * exp((10.0 - V) / c40)
    alpha_m = 0.32 * (13.0 - V) / (exp((13.0 - V) / c4) - 1.0)
    beta_m = 0.28 * (V - 40.0) / (exp((V - 40.0) / c5) - 1.0)
    alpha_h = 0.128 * exp((17.0 - V) / c18)
    beta_h = 4.0 / (1.0 + exp((40.0 - V) / c5))
    return alpha_n, beta_n, alpha_m, beta_m, alpha_h, beta_h


def _steady_traub(V):
    # NEST evaluates the rates at V itself here (not at V - V_T as in the dynamics)
    an, bn, am, bm, ah, bh = _traub_rates(V, _DIV_TRAUB)
    return {"Act_m": am / (am + bm), "Act_n": an / (an + bn), "Inact_h": ah / (ah + bh)}


def _traub_check(params):
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    _bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
    _bad((p["tau_syn_ex"] <= 0) | (p["tau_syn_in"] <= 0),
         "All time constants must be strictly positive.")
    _bad(p["t_ref"] < 0, "Refractory time cannot be negative.")
    _check_gating(p)


def _traub_propagators(params, h):
    def build(p, xp):
        zero = 0.0 * p["C_m"]
        out = {"refractory_counts": ms_to_steps(p["t_ref"], h, p) + zero}
        for c in _DIV_TRAUB:
            out[f"c{int(c)}"] = c + zero
        return out

    return _props(params, h, build)


def _traub_rhs(y, p):
    V_m, m, hh, n, g_ex, g_in = y
    I_Na = p["g_Na"] * m * m * m * hh * (V_m - p["E_Na"])
    I_K = p["g_K"] * n * n * n * n * (V_m - p["E_K"])
    I_L = p["g_L"] * (V_m - p["E_L"])
    I_syn_exc = g_ex * (V_m - p["E_ex"])
    I_syn_inh = g_in * (V_m - p["E_in"])
    dV = (-I_Na - I_K - I_L - I_syn_exc - I_syn_inh + p["_I_stim"] + p["I_e"]) / p["C_m"]
    V = V_m - p["V_T"]
    c = tuple(p[f"_c{int(k)}"] for k in _DIV_TRAUB)
    alpha_n, beta_n, alpha_m, beta_m, alpha_h, beta_h = _traub_rates(V, c, jnp.exp)
    return (
        dV,
        alpha_m - (alpha_m + beta_m) * m,
        alpha_h - (alpha_h + beta_h) * hh,
        alpha_n - (alpha_n + beta_n) * n,
        -g_ex / p["tau_syn_ex"],
        -g_in / p["tau_syn_in"],
    )


_TRAUB_Y = ("V_m", "Act_m", "Inact_h", "Act_n", "g_ex", "g_in")


def _traub_update(params, props, state, x, i_stim, h):
    y = tuple(jnp.asarray(state[k], dtype=jnp.float64) for k in _TRAUB_Y)
    U_old = y[0]
    p = dict(params, _I_stim=state["I_stim"])
    for k in _DIV_TRAUB:
        p[f"_c{int(k)}"] = props[f"c{int(k)}"]
    y, dt, _ = evolve(_no_aux(_traub_rhs), y, p, h, state["integration_step"], eps_abs=_EPS_ABS)
    new = dict(zip(_TRAUB_Y, y))
    new["g_ex"] = new["g_ex"] + x[0]
    new["g_in"] = new["g_in"] + (-x[1])
    new_V = new["V_m"]
    r = state["refr_count"]
    refractory = r != 0
    spike = ~refractory & (new_V >= params["V_T"] + 30.0) & (U_old > new_V)
    new["refr_count"] = jnp.where(refractory, r - 1.0,
                                  jnp.where(spike, props["refractory_counts"], r))
    new["I_stim"] = jnp.asarray(i_stim, dtype=new_V.dtype) + jnp.zeros_like(new_V)
    new["integration_step"] = dt
    return new, spike.astype(new_V.dtype)


hh_cond_exp_traub = CondModel(
    name="hh_cond_exp_traub",
    params={"C_m": 200.0, "E_K": -90.0, "E_L": -60.0, "E_Na": 50.0, "E_ex": 0.0,
            "E_in": -80.0, "I_e": 0.0, "V_T": -63.0, "g_K": 6000.0, "g_L": 10.0,
            "g_Na": 20000.0, "t_ref": 2.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0},
    state={"V_m": -60.0, **_steady_traub(-60.0)},
    recordables=("Act_m", "Act_n", "Inact_h", "V_m", "g_ex", "g_in"),
    propagators=_traub_propagators,
    update=_traub_update,
    hidden={"g_ex": 0.0, "g_in": 0.0, "refr_count": 0.0, "I_stim": 0.0,
            "integration_step": 0.0},
    n_channels=2,
    check=_traub_check,
    on_set=_on_set,
)


MODELS = {m.name: m for m in (hh_psc_alpha, hh_cond_exp_traub)}
