"""Adaptive exponential integrate-and-fire neurons with any number of conductance receptor ports:
``aeif_cond_alpha_multisynapse`` and ``aeif_cond_beta_multisynapse`` as in NEST 3.10.

Membrane and adaptation are those of ``aeif_cond_alpha`` (see :mod:`.aeif`); the synaptic
current is a sum over receptor ports k = 1..n, accumulated in port order as NEST does::

    I_syn = sum_k g_k (E_rev_k - V)

Port k has an alpha (``tau_syn[k-1]``) or beta (``tau_rise[k-1]``, ``tau_decay[k-1]``)
conductance ``d(dg_k)/dt = -dg_k / tau_rise``, ``dg_k/dt = dg_k - g_k / tau_decay`` (alpha:
both ``tau_syn``); a spike of weight w (nS, receptor_type k) adds ``w g0_k`` to ``dg_k``, with
``g0 = e / tau_syn`` (alpha) or NEST's beta normalisation (peak conductance w).

Integration is GSL's RKF45 with the ``yp_new`` control (``gsl_error_tol``) and the spike test
after every accepted sub-step, exactly as :mod:`.aeif` (:func:`.odeint.evolve`). The ports are
kernel channels: a neuron with fewer ports than its group has padded ports whose state stays
exactly zero, so they change neither the sums nor the error control.

Hidden state: ``dg_syn``, ``g_syn`` (per port; recordables ``g_1`` ... read ``g_syn``),
``refr_count``, ``I_stim``, ``integration_step``.

Not reproduced (kernel support needed, see the module's report): the public vector state
``g`` / ``dg`` in GetStatus; NEST's rule that only *reducing* the ports of a connected neuron
is refused (jaxnest refuses any change); the choice between NEST's two messages for arrays of
different lengths depends on which keys were given (jaxnest always reports the first).
Negative weights are refused when connecting (NEST: when the first spike is delivered).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from .. import errors
from .aeif import _MAX_EXP_ARG, _on_step, unstable
from .iaf_psc import _props, ms_to_steps
from .iaf_psc_multisynapse import MultisynapseModel
from .odeint import evolve

_DBL_EPS = float(np.finfo(np.float64).eps)

_COMMON = {"C_m": 281.0, "Delta_T": 2.0, "E_L": -70.6, "I_e": 0.0, "V_peak": 0.0,
           "V_reset": -60.0, "V_th": -50.4, "a": 4.0, "b": 80.5, "g_L": 30.0,
           "gsl_error_tol": 1e-6, "t_ref": 0.0, "tau_w": 144.0}


def lengths(v) -> np.ndarray:
    """Per-neuron number of values of a NaN-padded (n, width) vector parameter."""
    v = np.asarray(v, dtype=float)
    return (~np.isnan(v)).sum(axis=1) if v.ndim == 2 else np.full(1, v.size)


def values(v) -> np.ndarray:
    """The non-padding values of a vector parameter (all neurons together)."""
    v = np.asarray(v, dtype=float)
    return v[~np.isnan(v)]


def bad(cond, msg):
    if np.any(np.asarray(cond)):
        raise errors.BadProperty(msg)


@dataclass(frozen=True)
class CondPortsModel(MultisynapseModel):
    """Conductance ports: recordables ``g_1`` ... from the hidden ``g_syn``; status shows
    ``n_receptors`` and ``has_connections``; negative weights are refused."""

    @property
    def sign_channels(self) -> bool:
        """A negative event (spike_generator's spike_weights) stays on its receptor port."""
        return False

    def channel(self, weight, receptor):
        if (np.asarray(weight) < 0).any():
            raise errors.BadProperty("Synaptic weights for conductance-based multisynapse "
                                     "models must be positive.")
        return super().channel(weight, receptor)

    def recordables_for(self, n_receptors):
        ports = [f"g_{i}" for i in range(1, (n_receptors or 0) + 1)]
        return tuple(sorted(["V_m", "w", *ports]))

    def sample_source(self, name):
        head, _, tail = name.rpartition("_")
        if head == "g" and tail.isdigit():
            return "g_syn", int(tail) - 1
        return name, None

    def status_extras(self, params, connected):
        return {"n_receptors": int(np.size(params["E_rev"])), "has_connections": connected}


def beta_normalization(tau_rise, tau_decay, xp=np):
    """NEST's ``beta_normalization_factor``: the jump of dg that makes a unit weight peak at 1
    (alpha's ``e / tau`` when the time constants (nearly) coincide)."""
    diff = tau_decay - tau_rise
    regular = xp.abs(diff) > _DBL_EPS
    safe = xp.where(regular, diff, 1.0)
    t_peak = tau_decay * tau_rise * xp.log(tau_decay / tau_rise) / safe
    peak = xp.where(regular, xp.exp(-t_peak / tau_decay) - xp.exp(-t_peak / tau_rise), 0.0)
    use_alpha = xp.abs(peak) < _DBL_EPS
    return xp.where(use_alpha, math.e / tau_decay,
                    (1.0 / tau_rise - 1.0 / tau_decay) / xp.where(use_alpha, 1.0, peak))


# --------------------------------------------------------------------------------------------
# checks (NEST's order and messages)
# --------------------------------------------------------------------------------------------


def _make_check(beta: bool):
    arrays = ("E_rev", "tau_rise", "tau_decay") if beta else ("E_rev", "tau_syn")
    if beta:
        both = ("If the number of receptor ports is changed, all three arrays "
                "E_rev, tau_rise and tau_decay must be provided.")
    else:
        both = ("If the number of receptor ports is changed, both arrays "
                "E_rev and tau_syn must be provided.")

    def check(params):
        counts = [lengths(params[k]) for k in arrays]
        bad(any((c != counts[0]).any() for c in counts), both)
        taus = [values(params[k]) for k in arrays[1:]]
        bad(any((t <= 0).any() for t in taus),
            "All synaptic time constants must be strictly positive")
        if beta:
            rise, decay = (np.atleast_2d(np.asarray(params[k], dtype=float))
                           for k in arrays[1:])
            w = min(rise.shape[1], decay.shape[1])
            with np.errstate(invalid="ignore"):
                bad(decay[:, :w] < rise[:, :w],
                    "Synaptic rise time must be smaller than or equal to decay time.")
        p = {k: np.asarray(params[k], dtype=float) for k in _COMMON}
        bad(p["V_peak"] < p["V_th"], "V_peak >= V_th required.")
        bad(p["V_reset"] >= p["V_peak"], "Ensure that: V_reset < V_peak .")
        bad(p["Delta_T"] < 0.0, "Delta_T must be positive.")
        with np.errstate(divide="ignore", invalid="ignore"):
            arg = (p["V_peak"] - p["V_th"]) / p["Delta_T"]
        bad((p["Delta_T"] > 0.0) & (arg >= _MAX_EXP_ARG),
            "The current combination of V_peak, V_th and Delta_T"
            "will lead to numerical overflow at spike time; try"
            "for instance to increase Delta_T or to reduce V_peak"
            "to avoid this problem.")
        bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
        bad(p["t_ref"] < 0, "Refractory time cannot be negative.")
        bad(p["tau_w"] <= 0, "All time constants must be strictly positive.")
        bad(p["gsl_error_tol"] <= 0.0, "The gsl_error_tol must be strictly positive.")

    return check


# --------------------------------------------------------------------------------------------
# dynamics
# --------------------------------------------------------------------------------------------


def _make_propagators(beta: bool):
    def propagators(params, h):
        def build(p, xp):
            zero = 0.0 * p["C_m"]
            if beta:
                g0 = beta_normalization(p["tau_rise"], p["tau_decay"], xp)
            else:
                g0 = 1.0 * math.e / p["tau_syn"]
            return {"refractory_counts": ms_to_steps(p["t_ref"], h) + zero,
                    "V_spike": xp.where(p["Delta_T"] > 0.0, p["V_peak"], p["V_th"]),
                    "g0": g0}

        return _props(params, h, build)

    return propagators


def _make_rhs(beta: bool):
    def rhs(y, p, aux):
        refractory = aux["r"] > 0
        V = jnp.where(refractory, p["V_reset"], jnp.minimum(y["V_m"], p["V_peak"]))
        g = y["g_syn"]
        I_syn = jnp.zeros_like(V)
        for k in range(g.shape[0]):
            I_syn = I_syn + g[k] * (p["E_rev"][k] - V)
        DT = p["Delta_T"]
        I_spike = jnp.where(DT == 0.0, 0.0, DT * p["g_L"] * jnp.exp((V - p["V_th"]) / DT))
        dV = (-p["g_L"] * (V - p["E_L"]) + I_spike + I_syn - y["w"] + p["I_e"]
              + p["_I_stim"]) / p["C_m"]
        tau_rise = p["tau_rise"] if beta else p["tau_syn"]
        tau_decay = p["tau_decay"] if beta else p["tau_syn"]
        return {"V_m": jnp.where(refractory, 0.0, dV),
                "w": (p["a"] * (V - p["E_L"]) - y["w"]) / p["tau_w"],
                "dg_syn": -y["dg_syn"] / tau_rise,
                "g_syn": y["dg_syn"] - g / tau_decay}

    return rhs


def _make_update(beta: bool):
    rhs = _make_rhs(beta)

    def update(params, props, state, x, i_stim, h):
        V0 = jnp.asarray(state["V_m"], dtype=jnp.float64)
        y = {k: jnp.asarray(state[k], dtype=jnp.float64) for k in ("V_m", "w", "dg_syn",
                                                                     "g_syn")}
        p = dict(params)
        p["_I_stim"] = state["I_stim"]
        for k, v in props.items():
            p["_" + k] = v
        zeros = jnp.zeros_like(V0)
        aux = {"r": state["refr_count"] + zeros, "n": zeros}
        tol = params["gsl_error_tol"]
        y, dt, aux = evolve(rhs, y, p, h, state["integration_step"], aux=aux, on_step=_on_step,
                            eps_abs=tol, eps_rel=tol, a_y=0.0, a_dydt=1.0)
        r = aux["r"]
        new = dict(y)
        new["dg_syn"] = y["dg_syn"] + x * props["g0"]
        new["refr_count"] = jnp.where(r > 0, r - 1.0, r)
        new["I_stim"] = jnp.asarray(i_stim, dtype=V0.dtype) + zeros
        new["integration_step"] = dt
        return new, aux["n"]

    return update


def _model(name: str, beta: bool) -> CondPortsModel:
    if beta:
        vec = {"E_rev": (0.0,), "tau_rise": (2.0,), "tau_decay": (20.0,)}
        pads = {"E_rev": 0.0, "tau_rise": 1.0, "tau_decay": 1.0}
    else:
        vec = {"E_rev": (0.0,), "tau_syn": (2.0,)}
        pads = {"E_rev": 0.0, "tau_syn": 1.0}
    return CondPortsModel(
        name=name,
        params={**_COMMON, **vec},
        state={"V_m": -70.6, "w": 0.0},
        recordables=("V_m", "g_1", "w"),
        propagators=_make_propagators(beta),
        update=_make_update(beta),
        hidden={"dg_syn": 0.0, "g_syn": 0.0, "refr_count": 0.0, "I_stim": 0.0,
                "integration_step": 0.0},
        check=_make_check(beta),
        vector_params=pads,
        vector_hidden=("dg_syn", "g_syn"),
        unstable=unstable,
    )


aeif_cond_alpha_multisynapse = _model("aeif_cond_alpha_multisynapse", beta=False)
aeif_cond_beta_multisynapse = _model("aeif_cond_beta_multisynapse", beta=True)

MODELS = {m.name: m for m in (aeif_cond_alpha_multisynapse, aeif_cond_beta_multisynapse)}
