"""``iaf_chxk_2008``: conductance-based leaky integrate-and-fire neuron with an
after-hyperpolarising (AHP) conductance and precise spike times (Casti et al. 2008), integrated
with adaptive RKF45 as NEST 3.10 does through GSL.

::

    C_m dV_m/dt = -g_L (V_m - E_L) - g_ex (V_m - E_ex) - g_in (V_m - E_in)
                  - g_ahp (V_m - E_ahp) + I_stim + I_e
    d(dg_x)/dt = -dg_x / tau_x,   dg_x/dt = dg_x - g_x / tau_x    (alpha-shaped, x = ex, in, ahp)

No reset and no refractory period: the AHP conductance repolarises. A spike of weight ``w > 0``
adds ``w e / tau_syn_ex`` to ``dg_ex``; other weights add ``-w e / tau_syn_in`` to ``dg_in``.

Per step, as NEST's ``update()``:

1. remember ``V_m``, integrate over ``(0, h]`` (RKF45, ``y_new`` control, eps_abs 1e-3, the
   step size carried across steps);
2. if ``V_m`` crossed ``V_th`` from below in this step: the crossing lies ``dt = h (V_m -
   V_th) / (V_m - V_prev)`` before the step's end (linear interpolation; the spike's offset);
   the AHP conductance is started as if it had begun at the crossing: ``dg_ahp += g_ahp e /
   tau_ahp * exp(-dt / tau_ahp)``, ``g_ahp += that * dt`` (with ``ahp_bug`` both are set, not
   added, as the original model did);
3. add this step's spike input to ``dg_ex``/``dg_in``; keep this step's CurrentEvent input as
   ``I_stim`` for the next step.

Recordables ``I_syn_ex``, ``I_syn_in``, ``I_ahp`` (pA) are ``g_x (V_m - E_x)`` after the step.
Public state is ``V_m`` only (NEST shows no conductances in GetStatus); the conductances, the
currents, ``I_stim``, ``integration_step`` and ``spike_offset`` (ms, the offset of this step's
spike, 0 without one) are hidden. NEST uses the name ``g_ahp`` twice: the parameter is the AHP
amplitude (nS), the recordable the AHP conductance; here the latter is the hidden state
``g_ahp``, which a multimeter reads.

The spike is sent with its offset (an off-grid spike, ``off_grid``: spike recorders show
``stamp - offset``, precise receivers get it at that time); its input is read on the grid.
"""
from __future__ import annotations

import dataclasses
import math

import jax.numpy as jnp
import numpy as np

from .iaf_cond import CondModel, _bad
from .iaf_psc import _props
from .odeint import integrate

_EPS_ABS = 1e-3  # NEST: gsl_odeiv_control_y_new(1e-3, 0.0)

_PARAMS = {
    "C_m": 1000.0,
    "E_L": -60.0,
    "E_ahp": -95.0,
    "E_ex": 20.0,
    "E_in": -90.0,
    "I_e": 0.0,
    "V_th": -45.0,
    "ahp_bug": False,
    "g_L": 100.0,
    "g_ahp": 443.8,
    "tau_ahp": 0.5,
    "tau_syn_ex": 1.0,
    "tau_syn_in": 1.0,
}

_Y = ("V_m", "dg_ex", "g_ex", "dg_in", "g_in", "dg_ahp", "g_ahp")


def check_params(params):
    """NEST's BadProperty checks (Parameters_::set)."""
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    _bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
    _bad((p["tau_syn_ex"] <= 0) | (p["tau_syn_in"] <= 0) | (p["tau_ahp"] <= 0),
         "All time constants must be strictly positive.")


def _propagators(params, h):
    def build(p, xp):
        return {
            "PSConInit_E": 1.0 * math.e / p["tau_syn_ex"],
            "PSConInit_I": 1.0 * math.e / p["tau_syn_in"],
            "PSConInit_AHP": p["g_ahp"] * math.e / p["tau_ahp"],
        }

    return _props(params, h, build)


def _rhs(y, p):
    V_m, dg_ex, g_ex, dg_in, g_in, dg_ahp, g_ahp = y
    I_syn_exc = g_ex * (V_m - p["E_ex"])
    I_syn_inh = g_in * (V_m - p["E_in"])
    I_ahp = g_ahp * (V_m - p["E_ahp"])
    I_leak = p["g_L"] * (V_m - p["E_L"])
    return (
        (-I_leak - I_syn_exc - I_syn_inh - I_ahp + p["_I_stim"] + p["I_e"]) / p["C_m"],
        -dg_ex / p["tau_syn_ex"],
        dg_ex - (g_ex / p["tau_syn_ex"]),
        -dg_in / p["tau_syn_in"],
        dg_in - (g_in / p["tau_syn_in"]),
        -dg_ahp / p["tau_ahp"],
        dg_ahp - (g_ahp / p["tau_ahp"]),
    )


def _update(params, props, state, x, i_stim, h):
    y = tuple(jnp.asarray(state[k], dtype=jnp.float64) for k in _Y)  # state g_ahp: conductance
    vm_prev = y[0]
    p = dict(params, _I_stim=state["I_stim"])
    (V_m, dg_ex, g_ex, dg_in, g_in, dg_ahp, g_ahp), step = integrate(
        _rhs, y, p, h, state["integration_step"], eps_abs=_EPS_ABS)

    V_th = params["V_th"]
    spike = (vm_prev < V_th) & (V_m >= V_th)
    denom = jnp.where(spike, V_m - vm_prev, 1.0)
    dt = jnp.where(spike, h * (V_m - V_th) / denom, 0.0)
    delta_dg = props["PSConInit_AHP"] * jnp.exp(-dt / params["tau_ahp"])
    delta_g = delta_dg * dt
    bug = jnp.asarray(params["ahp_bug"]) != 0
    g_ahp = jnp.where(spike, jnp.where(bug, delta_g, g_ahp + delta_g), g_ahp)
    dg_ahp = jnp.where(spike, jnp.where(bug, delta_dg, dg_ahp + delta_dg), dg_ahp)

    dg_ex = dg_ex + x[0] * props["PSConInit_E"]
    dg_in = dg_in + (-x[1]) * props["PSConInit_I"]

    new = {
        "V_m": V_m,
        "g_ex": g_ex,
        "g_in": g_in,
        "g_ahp": g_ahp,
        "dg_ex": dg_ex,
        "dg_in": dg_in,
        "dg_ahp": dg_ahp,
        "I_syn_ex": g_ex * (V_m - params["E_ex"]),
        "I_syn_in": g_in * (V_m - params["E_in"]),
        "I_ahp": g_ahp * (V_m - params["E_ahp"]),
        "I_stim": jnp.asarray(i_stim, dtype=V_m.dtype) + jnp.zeros_like(V_m),
        "integration_step": step,
        "spike_offset": dt,
    }
    return new, spike.astype(V_m.dtype)


def _update_off_grid(params, props, state, x, i_stim, h):
    """The update with the spike's offset (ms before the end of the step) beside it."""
    new, spike = _update(params, props, state, x, i_stim, h)
    return new, spike, new["spike_offset"]


iaf_chxk_2008 = CondModel(
    name="iaf_chxk_2008",
    params=dict(_PARAMS),
    state={"V_m": -60.0},
    recordables=("I_ahp", "I_syn_ex", "I_syn_in", "V_m", "g_ahp", "g_ex", "g_in"),
    propagators=_propagators,
    update=_update_off_grid,
    hidden={"g_ex": 0.0, "g_in": 0.0, "g_ahp": 0.0, "dg_ex": 0.0, "dg_in": 0.0, "dg_ahp": 0.0,
            "I_syn_ex": 0.0, "I_syn_in": 0.0, "I_ahp": 0.0, "I_stim": 0.0,
            "integration_step": 0.0, "spike_offset": 0.0},
    n_channels=2,
    check=check_params,
    off_grid=True,
)

iaf_chxk_2008_grid = dataclasses.replace(iaf_chxk_2008, update=_update, off_grid=False)
"""The same model without its offsets (spikes on the grid; the unit tests' driver)."""

MODELS = {iaf_chxk_2008.name: iaf_chxk_2008}
