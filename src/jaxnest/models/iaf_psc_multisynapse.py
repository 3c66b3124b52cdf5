"""Current-based leaky integrate-and-fire neurons with any number of synaptic receptor ports.

``iaf_psc_exp_multisynapse`` and ``iaf_psc_alpha_multisynapse`` as in NEST 3.10: receptor
port r (1-based ``receptor_type``) has its own time constant ``tau_syn[r - 1]`` and its own
exponential (or alpha) current; the membrane integrates their sum exactly, as the single-port
``iaf_psc_exp`` / ``iaf_psc_alpha`` do. A neuron has ``len(tau_syn)`` ports; SetStatus with a
longer or shorter list changes them (not below existing connections' ports, as in NEST).

Inside the kernel the ports are channels: ``tau_syn`` arrives as a (channels, n) array, padded
(value 1 ms) for ports a neuron lacks; their currents stay zero since no event reaches them, and
adding zero leaves V_m unchanged bit for bit. Per-port state (``I_syn`` rows, and the alpha
derivative ``dI_syn``) is vector hidden state; recordables ``I_syn_1`` ... read its rows and
``I_syn`` their sum, accumulated in port order as NEST does.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from .. import errors
from .base import NeuronModel
from .iaf_psc import _bad, _iaf_propagator, _np, _props, _rel, _relative, _set_y3, ms_to_steps

_COMMON = {"C_m": 250.0, "E_L": -70.0, "I_e": 0.0, "V_reset": -70.0, "V_th": -55.0,
           "t_ref": 2.0, "tau_m": 10.0, "tau_syn": (2.0,)}


@dataclass(frozen=True)
class MultisynapseModel(NeuronModel):
    """Spike receptors 1..len(tau_syn) (receptor 0 and beyond are refused, as in NEST)."""

    def channel(self, weight: np.ndarray, receptor: np.ndarray) -> np.ndarray:
        receptor = np.asarray(receptor, dtype=np.int64)
        if (receptor < 1).any():
            raise errors.IncompatibleReceptorType(
                f"Receptor type {int(receptor[receptor < 1][0])} in {self.name} does not "
                "accept SpikeEvent.")
        return (receptor - 1).astype(np.int32)

    def recordables_for(self, n_receptors):
        ports = [f"I_syn_{i}" for i in range(1, (n_receptors or 0) + 1)]
        return tuple(sorted(["I_syn", "V_m", *ports]))

    def sample_source(self, name):
        return ("I_syn_total", None) if name == "I_syn" else super().sample_source(name)

    def status_extras(self, params: dict, connected: bool) -> dict:
        return {"n_synapses": int(np.size(params["tau_syn"])), "has_connections": connected}


def _check(params, alpha: bool):
    p = _np({k: v for k, v in params.items() if k != "tau_syn"})
    tau_syn = np.asarray(params["tau_syn"], dtype=float)
    _bad(p["C_m"] <= 0, "Capacitance must be " + ("strictly positive." if alpha else "> 0."))
    _bad(p["tau_m"] <= 0, "Membrane time constant must be strictly positive.")
    _bad(tau_syn <= 0, "All synaptic time constants must be strictly positive.")
    if not alpha:
        _bad(tau_syn == p["tau_m"][:, None],
             "Membrane and synapse time constant(s) must differ. See note in documentation.")
    _bad(p["t_ref"] < 0, "Refractory time must not be negative.")
    _bad(_rel(p, "V_reset") >= _rel(p, "V_th"), "Reset potential must be smaller than threshold.")


def _membrane(params, props, state, ports):
    """V_m relative to E_L after the free evolution; the ports' terms added one by one."""
    v = _relative(state, params["E_L"])
    v_free = props["P20"] * (state["I_stim"] + params["I_e"]) + props["P22"] * v
    for term in ports:
        v_free = v_free + term
    return v, v_free


def _fire(params, props, v, r):
    E_L = params["E_L"]
    spike = v >= params["V_th"] - E_L
    r = jnp.where(spike, props["refractory_counts"], r)
    v = jnp.where(spike, params["V_reset"] - E_L, v)
    return v, r, spike


def _summed(state: dict, name: str):
    total = jnp.zeros_like(state[name][0])
    for j in range(state[name].shape[0]):
        total = total + state[name][j]
    return total


def _with_total(new, spike):
    """Add the summed port current (recordable ``I_syn``) to the new state."""
    return {**new, "I_syn_total": _summed(new, "I_syn")}, spike


# --- iaf_psc_exp_multisynapse ----------------------------------------------------------------

def _exp_propagators(params, h):
    def build(p, xp):
        tau_m, c_m, tau_syn = p["tau_m"], p["C_m"], p["tau_syn"]
        p22 = xp.exp(-h / tau_m)
        return {"P22": p22, "P20": tau_m / c_m * (1.0 - p22), "P11": xp.exp(-h / tau_syn),
                "P21": _iaf_propagator(tau_syn, tau_m, c_m, h, xp)[1],
                "refractory_counts": ms_to_steps(p["t_ref"], h, p) + 0.0 * tau_m}

    return _props(params, h, build)


def _exp_update(params, props, state, x, i_stim, h):
    i_syn = state["I_syn"]
    v, v_free = _membrane(params, props, state,
                          [props["P21"][j] * i_syn[j] for j in range(i_syn.shape[0])])
    r = state["refr_count"]
    refractory = r != 0
    v = jnp.where(refractory, v, v_free)
    r = jnp.where(refractory, r - 1.0, r)
    i_syn = i_syn * props["P11"] + x
    v, r, spike = _fire(params, props, v, r)
    new = {"V_m": v + params["E_L"], "y3": v, "I_syn": i_syn,
           "I_stim": i_stim + jnp.zeros_like(v), "refr_count": r}
    return _with_total(new, spike.astype(v.dtype))


iaf_psc_exp_multisynapse = MultisynapseModel(
    name="iaf_psc_exp_multisynapse",
    params=dict(_COMMON),
    state={"V_m": -70.0},
    recordables=("I_syn", "I_syn_1", "V_m"),
    propagators=_exp_propagators,
    update=_exp_update,
    hidden={"I_syn": 0.0, "I_syn_total": 0.0, "I_stim": 0.0, "refr_count": 0.0,
            "y3": math.nan},
    on_status=_set_y3,
    check=lambda p: _check(p, alpha=False),
    vector_params={"tau_syn": 1.0},
    vector_hidden=("I_syn",),
)


# --- iaf_psc_alpha_multisynapse --------------------------------------------------------------

def _alpha_propagators(params, h):
    def build(p, xp):
        tau_m, c_m, tau_syn = p["tau_m"], p["C_m"], p["tau_syn"]
        p11 = xp.exp(-h / tau_syn)
        p31, p32 = _iaf_propagator(tau_syn, tau_m, c_m, h, xp)
        p33 = xp.exp(-h / tau_m)
        return {"P33": p33, "P30": 1.0 / c_m * (1.0 - p33) * tau_m, "P11": p11, "P21": h * p11,
                "P31": p31, "P32": p32, "PSCInitialValue": 1.0 * math.e / tau_syn,
                "refractory_counts": ms_to_steps(p["t_ref"], h, p) + 0.0 * tau_m}

    return _props(params, h, build)


def _alpha_update(params, props, state, x, i_stim, h):
    y1, y2 = state["dI_syn"], state["I_syn"]
    E_L = params["E_L"]
    v = _relative(state, E_L)
    v_free = props["P30"] * (state["I_stim"] + params["I_e"]) + props["P33"] * v
    for j in range(y1.shape[0]):
        v_free = v_free + (props["P31"][j] * y1[j] + props["P32"][j] * y2[j])
    lower = params["V_min"] - E_L
    v_free = jnp.where(v_free < lower, lower, v_free)
    r = state["refr_count"]
    refractory = r != 0
    v = jnp.where(refractory, v, v_free)
    r = jnp.where(refractory, r - 1.0, r)
    y2 = props["P21"] * y1 + props["P11"] * y2
    y1 = y1 * props["P11"] + props["PSCInitialValue"] * x
    v, r, spike = _fire(params, props, v, r)
    new = {"V_m": v + E_L, "y3": v, "I_syn": y2, "dI_syn": y1,
           "I_stim": i_stim + jnp.zeros_like(v), "refr_count": r}
    return _with_total(new, spike.astype(v.dtype))


iaf_psc_alpha_multisynapse = MultisynapseModel(
    name="iaf_psc_alpha_multisynapse",
    params={**_COMMON, "V_min": -math.inf},
    state={"V_m": -70.0},
    recordables=("I_syn", "I_syn_1", "V_m"),
    propagators=_alpha_propagators,
    update=_alpha_update,
    hidden={"I_syn": 0.0, "dI_syn": 0.0, "I_syn_total": 0.0, "I_stim": 0.0, "refr_count": 0.0,
            "y3": math.nan},
    on_status=_set_y3,
    check=lambda p: _check(p, alpha=True),
    vector_params={"tau_syn": 1.0},
    vector_hidden=("I_syn", "dI_syn"),
)

MODELS = {m.name: m for m in (iaf_psc_exp_multisynapse, iaf_psc_alpha_multisynapse)}
