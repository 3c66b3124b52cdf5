"""Adaptive exponential integrate-and-fire neurons (``aeif_cond_alpha``, ``aeif_cond_exp``,
``aeif_psc_alpha``, ``aeif_psc_exp``, ``aeif_psc_delta``), integrated as NEST 3.10 does with
GSL's adaptive RKF45.

Membrane and adaptation (all models), with ``V`` the potential the currents see::

    C_m dV_m/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th) / Delta_T) + I_syn - w + I_e + I_stim
    tau_w dw/dt = a (V - E_L) - w

While refractory ``V = V_reset`` and ``dV_m/dt = 0``; otherwise ``V = min(V_m, V_peak)``.
The exponential term is absent for ``Delta_T = 0`` (then the spike threshold is ``V_th``,
otherwise ``V_peak``). ``I_syn``:

- ``aeif_cond_alpha``: ``-g_ex (V - E_ex) - g_in (V - E_in)``, alpha-shaped conductances
  (``d(dg)/dt = -dg / tau``, ``dg/dt = dg - g / tau``); a spike of weight ``w`` adds
  ``w e / tau`` to ``dg`` (inhibitory weights enter as ``-w``);
- ``aeif_cond_exp``: same currents, ``dg/dt = -g / tau``; a spike adds ``|w|`` to ``g``;
- ``aeif_psc_alpha``: ``I_syn_ex - I_syn_in``, alpha-shaped currents (pA), spikes add
  ``|w| e / tau`` to ``dI``;
- ``aeif_psc_exp``: ``I_syn_ex - I_syn_in``, exponential currents, spikes add ``|w|``;
- ``aeif_psc_delta``: no synaptic state; a spike's weight jumps ``V_m`` directly.

One simulation step (NEST's ``update``):

1. integrate over ``(0, h]`` with :func:`jaxnest.models.odeint.evolve`: RKF45 with GSL's
   ``yp_new`` control (``eps_abs = eps_rel = gsl_error_tol``: the tolerance of a component is
   ``gsl_error_tol * (1 + |h yp|)``), the step size carried across steps. After *every*
   accepted sub-step: if refractory, ``V_m = V_reset``; else if ``V_m >= V_peak`` (``V_th``
   for ``Delta_T = 0``): spike, ``V_m = V_reset``, ``w += b``, refractory counter
   ``= refractory_counts + 1`` (0 when ``t_ref`` is below one step). The right-hand side sees
   the counter as it is at that sub-step, so several spikes per step are possible without
   refractoriness (the spike count is returned).
   ``aeif_psc_delta`` adds the step's spike input to ``V_m`` right after the *first* sub-step
   (NEST reads its ring buffer there, which clears it), or drops it / buffers it (with
   ``refractory_input``; NEST 3.10's discount factor overflows, see :func:`_on_step_delta`)
   while refractory;
2. count the refractory counter down;
3. add this step's spike input to the synaptic state;
4. keep this step's CurrentEvent input as ``I_stim`` for the next step.

Hidden state: ``refr_count``, ``I_stim`` (pA), ``integration_step`` (ms; 0 = ``h``), and for
``aeif_psc_delta`` ``refr_spikes_buffer`` (mV).

NEST's ``NumericalInstability`` (``V_m < -1e3`` or ``|w| > 1e6``): checked after each
simulation step (NEST: after each solver sub-step), see :func:`unstable`. Not reproduced:
NEST builds its GSL control once from ``gsl_error_tol`` when the node is first initialised,
jaxnest always uses the current value.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from .. import errors
from .base import NeuronModel
from .iaf_cond import CondModel
from .iaf_psc import _props, ms_to_steps
from .odeint import evolve

_MAX_EXP_ARG = math.log(np.finfo(np.float64).max / 1e20)
_UINT_WRAP = 2.0 ** 32  # -r for NEST's unsigned refractory counter (aeif_psc_delta)

_COMMON = {
    "C_m": 281.0,
    "Delta_T": 2.0,
    "E_L": -70.6,
    "I_e": 0.0,
    "V_peak": 0.0,
    "V_reset": -60.0,
    "V_th": -50.4,
    "a": 4.0,
    "b": 80.5,
    "g_L": 30.0,
    "gsl_error_tol": 1e-6,
    "t_ref": 0.0,
    "tau_w": 144.0,
}
_COND = {**_COMMON, "E_ex": 0.0, "E_in": -85.0, "tau_syn_ex": 0.2, "tau_syn_in": 2.0}
_PSC = {**_COMMON, "tau_syn_ex": 0.2, "tau_syn_in": 2.0}
_DELTA = {**_COMMON, "refractory_input": False}


@dataclass(frozen=True)
class AeifModel(CondModel):
    """NeuronModel with NEST's receptor check (receptor 0 only) and the model's layout."""

    kind: str = "cond_alpha"
    """cond_alpha, cond_exp, psc_alpha, psc_exp or delta."""


# --------------------------------------------------------------------------------------------
# parameter and state checks (NEST's messages and order; they differ a little between models)
# --------------------------------------------------------------------------------------------


def _bad(cond, msg):
    if np.any(np.asarray(cond)):
        raise errors.BadProperty(msg)


def _make_check(kind):
    overflow = ("The current combination of V_peak, V_th and Delta_T"
                "will lead to numerical overflow at spike time; try"
                "for instance to increase Delta_T or to reduce V_peak"
                "to avoid this problem.")
    reset_msg = ("Ensure that: V_reset < V_peak ." if kind in ("cond_alpha", "cond_exp")
                 else "Ensure that V_reset < V_peak .")
    cm_msg = {"cond_alpha": "Capacitance must be strictly positive.",
              "cond_exp": "Ensure that C_m >0",
              "psc_alpha": "Capacitance must be strictly positive.",
              "psc_exp": "Ensure that C_m > 0",
              "delta": "Ensure that C_m > 0"}[kind]

    def check(params):
        p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
        reset = lambda: _bad(p["V_reset"] >= p["V_peak"], reset_msg)  # noqa: E731
        peak = lambda: _bad(p["V_peak"] < p["V_th"], "V_peak >= V_th required.")  # noqa: E731

        def delta_t():
            _bad(p["Delta_T"] < 0.0, "Delta_T must be positive.")
            with np.errstate(divide="ignore", invalid="ignore"):
                arg = (p["V_peak"] - p["V_th"]) / p["Delta_T"]
            _bad((p["Delta_T"] > 0.0) & (arg >= _MAX_EXP_ARG), overflow)

        # NEST checks each neuron in turn; with one neuron per call (the kernel's SetStatus
        # groups) the first failing test in NEST's order is reported.
        if kind == "cond_exp":
            peak(); delta_t(); reset()  # noqa: E702
        else:
            reset(); delta_t(); peak()  # noqa: E702
        _bad(p["C_m"] <= 0, cm_msg)
        _bad(p["t_ref"] < 0, "Refractory time cannot be negative.")
        if kind == "delta":
            _bad(p["tau_w"] <= 0, "tau_w must be strictly positive.")
        else:
            _bad((p["tau_syn_ex"] <= 0) | (p["tau_syn_in"] <= 0) | (p["tau_w"] <= 0),
                 "All time constants must be strictly positive.")
        _bad(p["gsl_error_tol"] <= 0.0, "The gsl_error_tol must be strictly positive.")
        _check_state(kind, p)

    return check


def _check_state(kind, s):
    """NEST's State_::set checks (on Create the kernel passes state and parameters)."""
    if kind.startswith("cond"):
        keys = ("g_ex", "g_in")
    elif kind.startswith("psc"):
        keys = ("I_syn_ex", "I_syn_in")
    else:
        return
    if all(k in s for k in keys):
        _bad((np.asarray(s[keys[0]]) < 0) | (np.asarray(s[keys[1]]) < 0),
             "Conductances must not be negative.")


def _make_on_set(kind):
    def on_set(old_params, new_params, state, keys):
        _check_state(kind, state)
        return state

    return on_set


# --------------------------------------------------------------------------------------------
# dynamics
# --------------------------------------------------------------------------------------------

_VARS = {
    "cond_alpha": ("V_m", "dg_ex", "g_ex", "dg_in", "g_in", "w"),
    "cond_exp": ("V_m", "g_ex", "g_in", "w"),
    "psc_alpha": ("V_m", "dI_syn_ex", "I_syn_ex", "dI_syn_in", "I_syn_in", "w"),
    "psc_exp": ("V_m", "I_syn_ex", "I_syn_in", "w"),
    "delta": ("V_m", "w"),
}


def _propagators(kind):
    def propagators(params, h):
        def build(p, xp):
            zero = 0.0 * p["C_m"]
            out = {
                "refractory_counts": ms_to_steps(p["t_ref"], h, p) + zero,
                # spike threshold: V_peak, or V_th without the exponential term
                "V_spike": xp.where(p["Delta_T"] > 0.0, p["V_peak"], p["V_th"]),
            }
            if kind in ("cond_alpha", "psc_alpha"):
                out["init_ex"] = 1.0 * math.e / p["tau_syn_ex"]
                out["init_in"] = 1.0 * math.e / p["tau_syn_in"]
            if kind == "delta":
                out["Delta_T_inv"] = 1.0 / p["Delta_T"]
                out["C_m_inv"] = 1.0 / p["C_m"]
                out["tau_w_inv"] = 1.0 / p["tau_w"]
                out["tau_m"] = p["C_m"] / p["g_L"]
            return out

        return _props(params, h, build)

    return propagators


def _make_rhs(kind):
    def rhs(y, p, aux):
        refractory = aux["r"] > 0
        V = jnp.where(refractory, p["V_reset"], jnp.minimum(y["V_m"], p["V_peak"]))
        w = y["w"]
        DT = p["Delta_T"]
        if kind == "delta":
            ex = jnp.exp((V - p["V_th"]) * p["_Delta_T_inv"])
        else:
            ex = jnp.exp((V - p["V_th"]) / DT)
        I_spike = jnp.where(DT == 0.0, 0.0, p["g_L"] * DT * ex)
        I = -p["g_L"] * (V - p["E_L"]) + I_spike
        out = {}
        if kind.startswith("cond"):
            I = I - y["g_ex"] * (V - p["E_ex"]) - y["g_in"] * (V - p["E_in"])
        elif kind.startswith("psc"):
            I = I + y["I_syn_ex"] - y["I_syn_in"]
        I = I - w + p["I_e"] + p["_I_stim"]
        if "_I_SIC" in p:  # aeif_cond_alpha_astro (models/astrocyte.py): astrocytic SIC, pA
            I = I + p["_I_SIC"]
        if kind == "delta":
            dV = I * p["_C_m_inv"]
            out["w"] = (p["a"] * (V - p["E_L"]) - w) * p["_tau_w_inv"]
        else:
            dV = I / p["C_m"]
            out["w"] = (p["a"] * (V - p["E_L"]) - w) / p["tau_w"]
        out["V_m"] = jnp.where(refractory, 0.0, dV)
        te, ti = p.get("tau_syn_ex"), p.get("tau_syn_in")
        if kind == "cond_alpha":
            out["dg_ex"] = -y["dg_ex"] / te
            out["g_ex"] = y["dg_ex"] - y["g_ex"] / te
            out["dg_in"] = -y["dg_in"] / ti
            out["g_in"] = y["dg_in"] - y["g_in"] / ti
        elif kind == "cond_exp":
            out["g_ex"] = -y["g_ex"] / te
            out["g_in"] = -y["g_in"] / ti
        elif kind == "psc_alpha":
            out["dI_syn_ex"] = -y["dI_syn_ex"] / te
            out["I_syn_ex"] = y["dI_syn_ex"] - y["I_syn_ex"] / te
            out["dI_syn_in"] = -y["dI_syn_in"] / ti
            out["I_syn_in"] = y["dI_syn_in"] - y["I_syn_in"] / ti
        elif kind == "psc_exp":
            out["I_syn_ex"] = -y["I_syn_ex"] / te
            out["I_syn_in"] = -y["I_syn_in"] / ti
        return out

    return rhs


def _fire(y, aux, p, can_fire):
    """Threshold test of one sub-step: spike, reset, adaptation jump, refractory counter."""
    spike = can_fire & (y["V_m"] >= p["_V_spike"])
    counts = p["_refractory_counts"]
    y = dict(y, V_m=jnp.where(spike, p["V_reset"], y["V_m"]),
             w=jnp.where(spike, y["w"] + p["b"], y["w"]))
    r = jnp.where(spike, jnp.where(counts > 0, counts + 1.0, 0.0), aux["r"])
    return y, dict(aux, r=r, n=aux["n"] + spike.astype(aux["n"].dtype))


def _on_step(y, aux, p):
    refractory = aux["r"] > 0
    y = dict(y, V_m=jnp.where(refractory, p["V_reset"], y["V_m"]))
    return _fire(y, aux, p, ~refractory)


def _on_step_delta(y, aux, p):
    r = aux["r"]
    free = r == 0
    pending, buf = aux["pending"], aux["buf"]
    with_refr = p["refractory_input"] != 0
    # not refractory: add the step's input (read once: later sub-steps add 0) and the input
    # buffered during the refractory period
    V_free = y["V_m"] + pending
    use_buf = with_refr & (buf != 0.0)
    V_free = jnp.where(use_buf, V_free + buf, V_free)
    buf_free = jnp.where(use_buf, 0.0, buf)
    # refractory: clamp; drop the input or buffer it, meant to be discounted by its decay until
    # the period ends, exp(-r h / tau_m). NEST's counter is an unsigned int, so -r wraps to
    # 2**32 - r: the factor is inf and the buffer becomes inf or NaN (0 * inf), which then
    # reaches V_m. jaxnest reproduces this NEST 3.10 behaviour.
    decay = jnp.exp((_UINT_WRAP - r) * p["_h"] / p["_tau_m"])
    buf_refr = jnp.where(with_refr, buf + pending * decay, buf)
    y = dict(y, V_m=jnp.where(free, V_free, p["V_reset"]))
    aux = dict(aux, buf=jnp.where(free, buf_free, buf_refr), pending=jnp.zeros_like(pending))
    return _fire(y, aux, p, free)


def _make_update(kind):
    names = _VARS[kind]
    rhs = _make_rhs(kind)

    def update(params, props, state, x, i_stim, h):
        V0 = jnp.asarray(state["V_m"], dtype=jnp.float64)
        y = {k: jnp.asarray(state[k], dtype=jnp.float64) for k in names}
        p = dict(params)
        p["_I_stim"] = state["I_stim"]
        for k, v in props.items():
            p["_" + k] = v
        zeros = jnp.zeros_like(V0)
        aux = {"r": state["refr_count"] + zeros, "n": zeros}
        if kind == "delta":
            p["_h"] = h
            aux["pending"] = x[0] + x[1]  # NEST keeps one buffer for all weights
            aux["buf"] = state["refr_spikes_buffer"] + zeros
        tol = params["gsl_error_tol"]
        y, dt, aux = evolve(rhs, y, p, h, state["integration_step"], aux=aux,
                            on_step=_on_step_delta if kind == "delta" else _on_step,
                            eps_abs=tol, eps_rel=tol, a_y=0.0, a_dydt=1.0)
        r = aux["r"]
        r = jnp.where(r > 0, r - 1.0, r)
        if kind in ("cond_alpha", "psc_alpha"):
            d = "dg" if kind == "cond_alpha" else "dI_syn"
            y[d + "_ex"] = y[d + "_ex"] + x[0] * props["init_ex"]
            y[d + "_in"] = y[d + "_in"] + (-x[1]) * props["init_in"]
        elif kind in ("cond_exp", "psc_exp"):
            g = "g" if kind == "cond_exp" else "I_syn"
            y[g + "_ex"] = y[g + "_ex"] + x[0]
            y[g + "_in"] = y[g + "_in"] + (-x[1])
        new = dict(y)
        new["refr_count"] = r
        new["I_stim"] = jnp.asarray(i_stim, dtype=V0.dtype) + jnp.zeros_like(V0)
        new["integration_step"] = dt
        if kind == "delta":
            new["refr_spikes_buffer"] = aux["buf"]
        return new, aux["n"]

    return update


def unstable(state):
    """NEST's NumericalInstability of the aeif models: V_m below -1e3 mV or |w| above 1e6
    pA (or either not a number)."""
    return ~((state["V_m"] >= -1e3) & (jnp.abs(state["w"]) <= 1e6))


def _model(name, kind, params, recordables):
    names = _VARS[kind]
    state = {k: 0.0 for k in names}
    state["V_m"] = params["E_L"]
    hidden = {"refr_count": 0.0, "I_stim": 0.0, "integration_step": 0.0}
    if kind == "delta":
        hidden["refr_spikes_buffer"] = 0.0
    return AeifModel(
        name=name,
        params=dict(params),
        state=state,
        recordables=recordables,
        propagators=_propagators(kind),
        update=_make_update(kind),
        hidden=hidden,
        n_channels=2,
        check=_make_check(kind),
        on_set=_make_on_set(kind),
        kind=kind,
        unstable=unstable,
    )


aeif_cond_alpha = _model("aeif_cond_alpha", "cond_alpha", _COND, ("V_m", "g_ex", "g_in", "w"))
aeif_cond_exp = _model("aeif_cond_exp", "cond_exp", _COND, ("V_m", "g_ex", "g_in", "w"))
aeif_psc_alpha = _model("aeif_psc_alpha", "psc_alpha", _PSC,
                        ("I_syn_ex", "I_syn_in", "V_m", "w"))
aeif_psc_exp = _model("aeif_psc_exp", "psc_exp", _PSC, ("I_syn_ex", "I_syn_in", "V_m", "w"))
aeif_psc_delta = _model("aeif_psc_delta", "delta", _DELTA, ("V_m", "w"))

MODELS = {m.name: m for m in (aeif_cond_alpha, aeif_cond_exp, aeif_psc_alpha, aeif_psc_exp,
                              aeif_psc_delta)}
