"""``hh_psc_alpha_gap``: a Hodgkin-Huxley neuron with Kv1/Kv3 potassium channels (Mancilla et
al. 2007), alpha-shaped synaptic currents and gap-junction input, as NEST 3.10 integrates it
(GSL RKF45, ``y_new`` control, eps_abs 1e-6, eps_rel 0, via
:func:`jaxnest.models.odeint.evolve`).

Equations (V in mV, conductances in nS, currents in pA, time in ms)::

    C_m dV/dt = -(I_Na + I_K + I_L) + I_stim + I_e + I_syn_ex + I_syn_in + I_gap
    I_Na = g_Na m^3 h (V - E_Na),  I_K = (g_Kv1 n^4 + g_Kv3 p^2) (V - E_K),
    I_L = g_L (V - E_L),   dx/dt = alpha_x(V) (1 - x) - beta_x(V) x   (x = m, h, n, p)
    d(dI)/dt = -dI / tau,  dI/dt = dI - I / tau  (spikes add w e / tau to dI)

``I_gap`` is the gap-junction current (models/gap_coupling.py), from the partners' V_m
interpolated over the step. Per step, as NEST's ``update_``: remember ``U_old``; integrate over
``(0, h]``; add the step's spike input; then (final update only) count the refractory period
down or spike when ``V_m >= 0`` and ``U_old > V_m``; keep this step's current input as
``I_stim``. In a waveform-relaxation sweep (``wfr=True``) the spike input is added too, but
there is no spike test and ``I_stim`` stays; the step returns the V_m interpolation
coefficients it sends (the kernel restores the state after the sweep, except the solver's
step size, which NEST keeps in its buffers).

The rate functions' divisors stay runtime values (XLA would turn a division by a literal into
a multiplication by its rounded reciprocal; NEST divides).
"""
from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from .gap_coupling import integrate, sweep_coefficients
from .hh import _bad, _on_set, alpha_psc_propagators
from .iaf_cond import CondModel

_EPS_ABS = 1e-6  # NEST: gsl_odeiv_control_y_new(1e-6, 0.0)
_DIV = (("d13", 13.5), ("d42", 42.248), ("d24", 24.186), ("d5", 5.2), ("d11", 11.8),
        ("d22", 22.222), ("d2", 2.3), ("d34", 34.0))
_V0 = -69.60401191631222  # NEST's initial V_m (not E_L)


def _rates(V, c, exp=math.exp):
    """alpha/beta of m, h, p, n at V (NEST's expressions; ``c`` the divisors)."""
    alpha_m = 40. * (V - 75.5) / (1. - exp(-(V - 75.5) / c["d13"]))
    beta_m = 1.2262 / exp(V / c["d42"])
    alpha_h = 0.0035 / exp(V / c["d24"])
    beta_h = 0.017 * (51.25 + V) / (1. - exp(-(51.25 + V) / c["d5"]))
    alpha_p = (V - 95.) / (1. - exp(-(V - 95.) / c["d11"]))
    beta_p = 0.025 / exp(V / c["d22"])
    alpha_n = 0.014 * (V + 44.) / (1. - exp(-(V + 44.) / c["d2"]))
    beta_n = 0.0043 / exp((V + 44.) / c["d34"])
    return alpha_m, beta_m, alpha_h, beta_h, alpha_p, beta_p, alpha_n, beta_n


def _steady(V):
    am, bm, ah, bh, ap, bp, an, bn = _rates(V, dict(_DIV))
    return {"Act_m": am / (am + bm), "Inact_h": ah / (ah + bh), "Act_n": an / (an + bn),
            "Inact_p": ap / (ap + bp)}


def _check(params):
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    _bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
    _bad(p["t_ref"] < 0, "Refractory time cannot be negative.")
    _bad((p["tau_syn_ex"] <= 0) | (p["tau_syn_in"] <= 0),
         "All time constants must be strictly positive.")
    _bad((p["g_Kv1"] < 0) | (p["g_Kv3"] < 0) | (p["g_Na"] < 0) | (p["g_L"] < 0),
         "All conductances must be non-negative.")


def _check_state(s):
    keys = ("Act_m", "Inact_h", "Act_n", "Inact_p")
    if all(k in s for k in keys):
        _bad(np.any([np.asarray(s[k], dtype=np.float64) < 0 for k in keys], axis=0),
             "All (in)activation variables must be non-negative.")


def _on_set_state(old_params, new_params, state, keys):
    _check_state(state)
    return _on_set(old_params, new_params, state, keys)


_propagators = alpha_psc_propagators(_DIV)


def _rhs(y, p, I_gap):
    V, m, hh, n, pp, dI_ex, I_ex, dI_in, I_in = y
    am, bm, ah, bh, ap, bp, an, bn = _rates(V, p["_c"], jnp.exp)
    I_Na = p["g_Na"] * m * m * m * hh * (V - p["E_Na"])
    I_K = (p["g_Kv1"] * n * n * n * n + p["g_Kv3"] * pp * pp) * (V - p["E_K"])
    I_L = p["g_L"] * (V - p["E_L"])
    dV = (-(I_Na + I_K + I_L) + p["_I_stim"] + p["I_e"] + I_ex + I_in + I_gap) / p["C_m"]
    te, ti = p["tau_syn_ex"], p["tau_syn_in"]
    return (dV, am * (1 - m) - bm * m, ah * (1 - hh) - bh * hh, an * (1 - n) - bn * n,
            ap * (1 - pp) - bp * pp, -dI_ex / te, dI_ex - (I_ex / te), -dI_in / ti,
            dI_in - (I_in / ti))


def _rhs_plain(y, p, aux):
    return _rhs(y, p, 0.0)


_Y = ("V_m", "Act_m", "Inact_h", "Act_n", "Inact_p", "dI_syn_ex", "I_syn_ex", "dI_syn_in",
      "I_syn_in")


def _update(params, props, state, x, i_stim, h, gap=None, wfr_order=None):
    y = tuple(jnp.asarray(state[k], dtype=jnp.float64) for k in _Y)
    U_old = y[0]
    p = dict(params, _I_stim=state["I_stim"], _c={k: props[k] for k, _ in _DIV})
    if gap is not None:
        p["_gap"] = gap
    y, dt, hf_i = integrate(_rhs, _rhs_plain, y, p, h, state["integration_step"], gap,
                            wfr_order is not None, _EPS_ABS)
    new = dict(zip(_Y, y))
    new["dI_syn_ex"] = new["dI_syn_ex"] + x[0] * props["PSCurrInit_E"]
    new["dI_syn_in"] = new["dI_syn_in"] + x[1] * props["PSCurrInit_I"]
    new["integration_step"] = dt
    new_V = new["V_m"]
    if wfr_order is not None:  # a relaxation sweep: the coefficients sent, no spike test
        new["refr_count"], new["I_stim"] = state["refr_count"], state["I_stim"]
        return new, jnp.zeros_like(new_V), sweep_coefficients(_rhs, p, h, new, _Y, wfr_order,
                                                              U_old, hf_i)
    r = state["refr_count"]
    refractory = r > 0
    spike = ~refractory & (new_V >= 0.0) & (U_old > new_V)
    new["refr_count"] = jnp.where(refractory, r - 1.0,
                                  jnp.where(spike, props["refractory_counts"], r))
    new["I_stim"] = jnp.asarray(i_stim, dtype=new_V.dtype) + jnp.zeros_like(new_V)
    return new, spike.astype(new_V.dtype)


_PARAMS = {"C_m": 40.0, "E_K": -90.0, "E_L": -70.0, "E_Na": 74.0, "I_e": 0.0, "g_Kv1": 9.0,
           "g_Kv3": 9000.0, "g_L": 10.0, "g_Na": 4500.0, "t_ref": 2.0, "tau_syn_ex": 0.2,
           "tau_syn_in": 2.0}

hh_psc_alpha_gap = CondModel(
    name="hh_psc_alpha_gap",
    params=_PARAMS,
    state={"V_m": _V0, **_steady(_V0)},
    recordables=("Act_m", "Act_n", "I_syn_ex", "I_syn_in", "Inact_h", "Inact_p", "V_m"),
    propagators=_propagators,
    update=_update,
    hidden={"dI_syn_ex": 0.0, "I_syn_ex": 0.0, "dI_syn_in": 0.0, "I_syn_in": 0.0,
            "refr_count": 0.0, "I_stim": 0.0, "integration_step": 0.0},
    n_channels=2,
    check=_check,
    on_set=_on_set_state,
    secondary_out=("gap_junction",),
    secondary_in=("gap_junction",),
    wfr_state="V_m",
)

MODELS = {hh_psc_alpha_gap.name: hh_psc_alpha_gap}
