"""Neurons for Clopath plasticity, neuron side (``hh_psc_alpha_clopath``,
``aeif_psc_delta_clopath``), integrated as NEST 3.10 does with GSL's adaptive RKF45.

Both carry the low-pass filtered membrane potentials the Clopath rule reads (mV, ms)::

    tau_u_bar_plus  du_bar_plus/dt  = V - u_bar_plus
    tau_u_bar_minus du_bar_minus/dt = V - u_bar_minus
    tau_u_bar_bar   du_bar_bar/dt   = u_bar_minus - u_bar_bar

and the parameters of NEST's ``ClopathArchivingNode`` (``A_LTD``, ``A_LTP``,
``u_ref_squared`` (mV^2, must be > 0), ``theta_plus``, ``theta_minus`` (mV),
``A_LTD_const``, ``delay_u_bars`` (ms)). The LTP/LTD histories those feed belong to
``clopath_synapse`` (not implemented here).

``hh_psc_alpha_clopath``: ``hh_psc_alpha`` (see :mod:`jaxnest.models.hh`) plus the filters
(``V`` is ``V_m``); ``y_new`` control, eps_abs 1e-3; per step: integrate, add the spike input
(excitatory ``w > 0``, inhibitory weights keep their sign), count the refractory period down or
spike when ``V_m >= 0`` and ``U_old > V_m``, keep this step's current as ``I_stim``.

``aeif_psc_delta_clopath`` (adaptive exponential IaF with spike after-current ``z``, adaptive
threshold ``V_th`` and a voltage clamp after each spike)::

    C_m dV_m/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th) / Delta_T) - w + z + I_e + I_stim
    tau_w dw/dt = a (V - E_L) - w,   tau_z dz/dt = -z,   tau_V_th dV_th/dt = V_th_rest - V_th

``V`` is ``V_clamp`` while clamped (``dV_m/dt = dw/dt = 0``), ``V_reset`` while refractory
(``dV_m/dt = 0``), else ``min(V_m, V_peak)``. GSL's ``yp_new`` control with ``eps_abs = eps_rel
= gsl_error_tol``. After every accepted sub-step, as NEST: add the step's spike input to
``V_m`` (first sub-step only; dropped while refractory or clamped); spike when
``V_m >= V_peak`` (``V_th`` for ``Delta_T = 0``) and not clamped: ``V_m = V_clamp``,
``w += b``, ``z = I_sp``, ``V_th = V_th_max``, clamp for ``t_clamp`` (counter + 1, or 0
without clamping); else at the clamp's last count ``V_m = V_reset`` and the refractory
period starts (counter + 1, or 0); while refractory ``V_m = V_reset``. After the loop both
counters count down and this step's current is kept as ``I_stim``.

Not reproduced: NEST's NumericalInstability error (``V_m < -1e3`` or ``|w| > 1e6``); NEST
3.10 leaves ``u_ref_squared`` at the rejected value after a failed SetStatus (every later
SetStatus of that node then fails), jaxnest keeps the old value.
"""
from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from .aeif import unstable
from .hh import _DIV_PSC, _bad, _check_gating, _psc_propagators, _psc_rates, _steady_psc
from .iaf_cond import CondModel
from .iaf_psc import _props, ms_to_steps
from .odeint import evolve

_MAX_EXP_ARG = math.log(np.finfo(np.float64).max / 1e20)
_EPS_ABS = 1e-3  # hh_psc_alpha_clopath: gsl_odeiv_control_y_new(1e-3, 0.0)

_ARCHIVE = {"A_LTD": 14.0e-5, "A_LTD_const": True, "A_LTP": 8.0e-5, "delay_u_bars": 5.0,
            "theta_minus": -70.6, "theta_plus": -45.3, "u_ref_squared": 60.0}


def _check_archive(p):
    """ClopathArchivingNode::set_status (after the model's own checks)."""
    _bad(np.asarray(p["u_ref_squared"]) <= 0, "Ensure that u_ref_squared > 0")


def _u_bars(V, y, p):
    return {"u_bar_plus": (-y["u_bar_plus"] + V) / p["tau_u_bar_plus"],
            "u_bar_minus": (-y["u_bar_minus"] + V) / p["tau_u_bar_minus"],
            "u_bar_bar": (-y["u_bar_bar"] + y["u_bar_minus"]) / p["tau_u_bar_bar"]}


# --------------------------------------------------------------------------------------------
# hh_psc_alpha_clopath
# --------------------------------------------------------------------------------------------

_GATING = ("Act_m", "Inact_h", "Act_n")


def _hh_check(params):
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    _bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
    _bad(p["t_ref"] < 0, "Refractory time cannot be negative.")
    _bad((p["tau_syn_ex"] <= 0) | (p["tau_syn_in"] <= 0) | (p["tau_u_bar_plus"] <= 0)
         | (p["tau_u_bar_minus"] <= 0) | (p["tau_u_bar_bar"] <= 0),
         "All time constants must be strictly positive.")
    _bad((p["g_K"] < 0) | (p["g_Na"] < 0) | (p["g_L"] < 0),
         "All conductances must be non-negative.")
    if all(k in p for k in _GATING):  # Create / SetDefaults: state and archive follow
        _check_gating(p)
        _check_archive(p)


def _hh_on_set(old_params, new_params, state, keys):
    """SetStatus: NEST checks the state, then the archiving node's parameters."""
    _check_gating(state)
    _check_archive(new_params)
    return state


def _hh_rhs(y, p, aux):
    V, m, hh, n = y["V_m"], y["Act_m"], y["Inact_h"], y["Act_n"]
    c = tuple(p[f"_c{int(k)}"] for k in _DIV_PSC)
    alpha_n, beta_n, alpha_m, beta_m, alpha_h, beta_h = _psc_rates(V, c, jnp.exp)
    I_Na = p["g_Na"] * m * m * m * hh * (V - p["E_Na"])
    I_K = p["g_K"] * n * n * n * n * (V - p["E_K"])
    I_L = p["g_L"] * (V - p["E_L"])
    te, ti = p["tau_syn_ex"], p["tau_syn_in"]
    return {
        "V_m": (-(I_Na + I_K + I_L) + p["_I_stim"] + p["I_e"] + y["I_syn_ex"] + y["I_syn_in"])
        / p["C_m"],
        "Act_m": alpha_m * (1 - m) - beta_m * m,
        "Inact_h": alpha_h * (1 - hh) - beta_h * hh,
        "Act_n": alpha_n * (1 - n) - beta_n * n,
        **_u_bars(V, y, p),
        "dI_syn_ex": -y["dI_syn_ex"] / te,
        "I_syn_ex": y["dI_syn_ex"] - (y["I_syn_ex"] / te),
        "dI_syn_in": -y["dI_syn_in"] / ti,
        "I_syn_in": y["dI_syn_in"] - (y["I_syn_in"] / ti),
    }


_HH_Y = ("V_m", "Act_m", "Inact_h", "Act_n", "u_bar_plus", "u_bar_minus", "u_bar_bar",
         "dI_syn_ex", "I_syn_ex", "dI_syn_in", "I_syn_in")


def _hh_update(params, props, state, x, i_stim, h):
    y = {k: jnp.asarray(state[k], dtype=jnp.float64) for k in _HH_Y}
    U_old = y["V_m"]
    p = dict(params, _I_stim=state["I_stim"])
    for k in _DIV_PSC:
        p[f"_c{int(k)}"] = props[f"c{int(k)}"]
    new, dt, _ = evolve(_hh_rhs, y, p, h, state["integration_step"], aux={},
                        eps_abs=_EPS_ABS)
    new = dict(new)
    new["dI_syn_ex"] = new["dI_syn_ex"] + x[0] * props["PSCurrInit_E"]
    new["dI_syn_in"] = new["dI_syn_in"] + x[1] * props["PSCurrInit_I"]  # keeps its sign
    V = new["V_m"]
    r = state["refr_count"]
    refractory = r > 0
    spike = ~refractory & (V >= 0.0) & (U_old > V)
    new["refr_count"] = jnp.where(refractory, r - 1.0,
                                  jnp.where(spike, props["refractory_counts"], r))
    new["I_stim"] = jnp.asarray(i_stim, dtype=V.dtype) + jnp.zeros_like(V)
    new["integration_step"] = dt
    return new, spike.astype(V.dtype)


_HH_PARAMS = {"C_m": 100.0, "E_K": -77.0, "E_L": -54.402, "E_Na": 50.0, "I_e": 0.0,
              "g_K": 3600.0, "g_L": 30.0, "g_Na": 12000.0, "t_ref": 2.0, "tau_syn_ex": 0.2,
              "tau_syn_in": 2.0, "tau_u_bar_bar": 500.0, "tau_u_bar_minus": 10.0,
              "tau_u_bar_plus": 114.0, **_ARCHIVE}

hh_psc_alpha_clopath = CondModel(
    name="hh_psc_alpha_clopath",
    params=_HH_PARAMS,
    state={"V_m": -65.0, **_steady_psc(-65.0), "u_bar_plus": 0.0, "u_bar_minus": 0.0,
           "u_bar_bar": 0.0},
    recordables=("Act_m", "Act_n", "I_syn_ex", "I_syn_in", "Inact_h", "V_m", "u_bar_bar",
                 "u_bar_minus", "u_bar_plus"),
    propagators=_psc_propagators,
    update=_hh_update,
    hidden={"dI_syn_ex": 0.0, "I_syn_ex": 0.0, "dI_syn_in": 0.0, "I_syn_in": 0.0,
            "refr_count": 0.0, "I_stim": 0.0, "integration_step": 0.0},
    n_channels=2,
    check=_hh_check,
    on_set=_hh_on_set,
)


# --------------------------------------------------------------------------------------------
# aeif_psc_delta_clopath
# --------------------------------------------------------------------------------------------


def _aeif_check(params):
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    _bad(p["V_reset"] >= p["V_peak"], "Ensure that V_reset < V_peak .")
    _bad(p["Delta_T"] < 0.0, "Delta_T must be greater than or equal to zero.")
    with np.errstate(divide="ignore", invalid="ignore"):
        arg = (p["V_peak"] - p["V_th_rest"]) / p["Delta_T"]
    _bad((p["Delta_T"] > 0.0) & (arg >= _MAX_EXP_ARG),
         "The current combination of V_peak, V_th_rest and Delta_T will lead to numerical "
         "overflow at spike time; tryfor instance to increase Delta_T or to reduce V_peakto "
         "avoid this problem.")
    _bad(p["V_th_max"] < p["V_th_rest"], "V_th_max >= V_th_rest required.")
    _bad(p["V_peak"] < p["V_th_rest"], "V_peak >= V_th_rest required.")
    _bad(p["C_m"] <= 0, "Ensure that C_m > 0")
    _bad(p["t_ref"] < 0, "Refractory time cannot be negative.")
    _bad(p["t_clamp"] < 0, "Ensure that t_clamp >= 0")
    _bad((p["tau_w"] <= 0) | (p["tau_V_th"] <= 0) | (p["tau_z"] <= 0)
         | (p["tau_u_bar_plus"] <= 0) | (p["tau_u_bar_minus"] <= 0) | (p["tau_u_bar_bar"] <= 0),
         "All time constants must be strictly positive.")
    _bad(p["gsl_error_tol"] <= 0.0, "The gsl_error_tol must be strictly positive.")
    _check_archive(p)


def _aeif_propagators(params, h):
    def build(p, xp):
        zero = 0.0 * p["C_m"]
        return {"refractory_counts": ms_to_steps(p["t_ref"], h, p) + zero,
                "clamp_counts": ms_to_steps(p["t_clamp"], h, p) + zero}

    return _props(params, h, build)


def _aeif_rhs(y, p, aux):
    refractory = aux["r"] > 0
    clamped = aux["c"] > 0
    held = refractory | clamped
    V = jnp.where(held, jnp.where(clamped, p["V_clamp"], p["V_reset"]),
                  jnp.minimum(y["V_m"], p["V_peak"]))
    w, z, V_th = y["w"], y["z"], y["V_th"]
    DT = p["Delta_T"]
    I_spike = jnp.where(DT == 0.0, 0.0, p["g_L"] * DT * jnp.exp((V - V_th) / DT))
    dV = (-p["g_L"] * (V - p["E_L"]) + I_spike - w + z + p["I_e"] + p["_I_stim"]) / p["C_m"]
    return {
        "V_m": jnp.where(held, 0.0, dV),
        "w": jnp.where(clamped, 0.0, (p["a"] * (V - p["E_L"]) - w) / p["tau_w"]),
        "z": -z / p["tau_z"],
        "V_th": -(V_th - p["V_th_rest"]) / p["tau_V_th"],
        **_u_bars(V, y, p),
    }


def _aeif_on_step(y, aux, p):
    """NEST's checks after one accepted sub-step (input, spike and clamp, refractoriness)."""
    r, c = aux["r"], aux["c"]
    V = jnp.where((r == 0) & (c == 0), y["V_m"] + aux["pending"], y["V_m"])
    V_peak = jnp.where(p["Delta_T"] == 0.0, y["V_th"], p["V_peak"])
    spike = (V >= V_peak) & (c == 0)
    release = ~spike & (c == 1)
    cc, rc = p["_clamp_counts"], p["_refractory_counts"]
    y = dict(y,
             V_m=jnp.where(spike, p["V_clamp"], jnp.where(release, p["V_reset"], V)),
             w=jnp.where(spike, y["w"] + p["b"], y["w"]),
             z=jnp.where(spike, p["I_sp"] + 0.0 * V, y["z"]),
             V_th=jnp.where(spike, p["V_th_max"] + 0.0 * V, y["V_th"]))
    c = jnp.where(spike, jnp.where(cc > 0, cc + 1.0, 0.0), jnp.where(release, 0.0, c))
    r = jnp.where(release, jnp.where(rc > 0, rc + 1.0, 0.0), r)
    y["V_m"] = jnp.where(r > 0, p["V_reset"], y["V_m"])
    return y, dict(aux, r=r, c=c, pending=jnp.zeros_like(V),
                   n=aux["n"] + spike.astype(V.dtype))


_AEIF_Y = ("V_m", "w", "z", "V_th", "u_bar_plus", "u_bar_minus", "u_bar_bar")


def _aeif_update(params, props, state, x, i_stim, h):
    y = {k: jnp.asarray(state[k], dtype=jnp.float64) for k in _AEIF_Y}
    zeros = jnp.zeros_like(y["V_m"])
    p = dict(params, _I_stim=state["I_stim"], _clamp_counts=props["clamp_counts"],
             _refractory_counts=props["refractory_counts"])
    aux = {"r": state["refr_count"] + zeros, "c": state["clamp_count"] + zeros,
           "pending": x[0] + x[1] + zeros, "n": zeros}  # one buffer for all weights
    tol = params["gsl_error_tol"]
    y, dt, aux = evolve(_aeif_rhs, y, p, h, state["integration_step"], aux=aux,
                        on_step=_aeif_on_step, eps_abs=tol, eps_rel=tol, a_y=0.0, a_dydt=1.0)
    new = dict(y)
    new["clamp_count"] = jnp.where(aux["c"] > 0, aux["c"] - 1.0, aux["c"])
    new["refr_count"] = jnp.where(aux["r"] > 0, aux["r"] - 1.0, aux["r"])
    new["I_stim"] = jnp.asarray(i_stim, dtype=zeros.dtype) + zeros
    new["integration_step"] = dt
    return new, aux["n"]


_AEIF_PARAMS = {"C_m": 281.0, "Delta_T": 2.0, "E_L": -70.6, "I_e": 0.0, "I_sp": 400.0,
                "V_clamp": 33.0, "V_peak": 33.0, "V_reset": -60.0, "V_th_max": 30.4,
                "V_th_rest": -50.4, "a": 4.0, "b": 80.5, "g_L": 30.0, "gsl_error_tol": 1e-6,
                "t_clamp": 2.0, "t_ref": 0.0, "tau_V_th": 50.0, "tau_u_bar_bar": 500.0,
                "tau_u_bar_minus": 10.0, "tau_u_bar_plus": 7.0, "tau_w": 144.0, "tau_z": 40.0,
                **_ARCHIVE}

aeif_psc_delta_clopath = CondModel(
    name="aeif_psc_delta_clopath",
    params=_AEIF_PARAMS,
    state={"V_m": -70.6, "w": 0.0, "u_bar_plus": -70.6, "u_bar_minus": -70.6,
           "u_bar_bar": -70.6},
    recordables=("V_m", "V_th", "u_bar_bar", "u_bar_minus", "u_bar_plus", "w", "z"),
    propagators=_aeif_propagators,
    update=_aeif_update,
    hidden={"z": 0.0, "V_th": -50.4, "refr_count": 0.0, "clamp_count": 0.0, "I_stim": 0.0,
            "integration_step": 0.0},
    n_channels=2,
    check=_aeif_check,
    unstable=unstable,
)

MODELS = {m.name: m for m in (hh_psc_alpha_clopath, aeif_psc_delta_clopath)}
