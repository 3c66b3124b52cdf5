"""iaf_bw_2001: conductance-based leaky integrate-and-fire neuron with AMPA, GABA and NMDA
synapses (Brunel and Wang 2001), as NEST 3.10's ``iaf_bw_2001``.

State ``V_m`` (mV) and the gating variables ``s_AMPA``, ``s_GABA``, ``s_NMDA`` (dimensionless;
times the weight, a conductance in nS) follow

    C_m dV/dt = -g_L (V - E_L) - I_AMPA - I_GABA - I_NMDA + I_stim
    I_AMPA = (V - E_ex) s_AMPA,  I_GABA = (V - E_in) s_GABA,
    I_NMDA = (V - E_ex) / (1 + [Mg2+] exp(-0.062 V) / 3.57) s_NMDA,

each s decaying with its time constant, integrated over each step by GSL's rkf45 with
``gsl_error_tol`` (odeint.py reproduces it). After the integration the spikes of the step are
added to the gating variables (receptors 1 AMPA, 2 GABA, 3 NMDA); then refractoriness
(``V_m`` clamped to ``V_reset``) or the threshold test. The recorded currents are those of the
solver's last evaluation: at the integrated state, before the spikes are added.

NMDA with the rise time folded into the sender, as NEST does it: a neuron keeps its own
presynaptic NMDA gating ``s_NMDA_pre``, decayed with ``tau_decay_NMDA`` from its previous
spike; each spike adds ``k_0 + k_1 s_NMDA_pre`` to it and sends that increment in the spike's
offset field (``payload_out``: spike recorders show stamp - increment, as NEST's do). The NMDA
receptor multiplies the weight by it (``payload_in``); only iaf_bw_2001 neurons may send to it.
``k_1 = expm1(-alpha tau_rise)``, ``k_0 = (alpha tau_rise)^(tau_rise/tau_decay) *
gamma_lower(1 - tau_rise/tau_decay, alpha tau_rise)`` (the lower incomplete gamma function).
"""
from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np
from jax.scipy.special import gamma, gammainc

from .. import errors
from .base import NeuronModel
from .iaf_psc import _bad, _np, ms_to_steps
from .iaf_tum_2000 import stamp_ms
from .odeint import integrate

NAME = "iaf_bw_2001"

_PARAMS = {"E_L": -70.0, "E_ex": 0.0, "E_in": -70.0, "V_th": -55.0, "V_reset": -60.0,
           "C_m": 500.0, "g_L": 25.0, "t_ref": 2.0, "tau_AMPA": 2.0, "tau_GABA": 5.0,
           "tau_decay_NMDA": 100.0, "tau_rise_NMDA": 2.0, "alpha": 0.5, "conc_Mg2": 1.0,
           "gsl_error_tol": 1e-3}
_STATE = {"V_m": -70.0, "s_AMPA": 0.0, "s_GABA": 0.0, "s_NMDA": 0.0, "I_NMDA": 0.0,
          "I_AMPA": 0.0, "I_GABA": 0.0, "t_spike": -1.0}
_HIDDEN = {"s_NMDA_pre": 0.0, "refr_count": 0.0, "I_stim": 0.0, "integration_step": 0.0}
_RECEPTORS = {"AMPA": 1, "GABA": 2, "NMDA": 3}


def _propagators(params, h):
    p = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in params.items()}
    alpha_tau = p["alpha"] * p["tau_rise_NMDA"]
    ratio = p["tau_rise_NMDA"] / p["tau_decay_NMDA"]
    a = 1.0 - ratio
    return {"refractory_counts": ms_to_steps(p["t_ref"], h, p) + 0.0 * p["C_m"],
            "k_0": jnp.power(alpha_tau, ratio) * gammainc(a, alpha_tau) * gamma(a),
            "k_1": jnp.expm1(-alpha_tau),
            # NEST divides by the literal 3.57; as a traced value the division stays one
            "mg_div": p["conc_Mg2"] * 0.0 + 3.57}


def _currents(p, V, s_AMPA, s_GABA, s_NMDA):
    I_AMPA = (V - p["E_ex"]) * s_AMPA
    I_GABA = (V - p["E_in"]) * s_GABA
    I_NMDA = (V - p["E_ex"]) / (1.0 + p["conc_Mg2"] * jnp.exp(-0.062 * V) / p["mg_div"]) \
        * s_NMDA
    return I_AMPA, I_GABA, I_NMDA


def _rhs(y, p):
    V, s_AMPA, s_GABA, s_NMDA = y
    I_AMPA, I_GABA, I_NMDA = _currents(p, V, s_AMPA, s_GABA, s_NMDA)
    I_syn = I_AMPA + I_GABA + I_NMDA
    return ((-p["g_L"] * (V - p["E_L"]) - I_syn + p["_I_stim"]) / p["C_m"],
            -s_AMPA / p["tau_AMPA"], -s_GABA / p["tau_GABA"], -s_NMDA / p["tau_decay_NMDA"])


def _update(params, props, state, x, i_stim, h, step):
    p = dict(params, _I_stim=state["I_stim"], mg_div=props["mg_div"])
    y = tuple(jnp.asarray(state[k], dtype=jnp.float64)
              for k in ("V_m", "s_AMPA", "s_GABA", "s_NMDA"))
    (V, s_AMPA, s_GABA, s_NMDA), dt = integrate(_rhs, y, p, h, state["integration_step"],
                                                eps_abs=params["gsl_error_tol"])
    I_AMPA, I_GABA, I_NMDA = _currents(p, V, s_AMPA, s_GABA, s_NMDA)
    s_AMPA, s_GABA, s_NMDA = s_AMPA + x[0], s_GABA + x[1], s_NMDA + x[2]

    r = state["refr_count"]
    refractory = r != 0
    spike = ~refractory & (V >= params["V_th"])
    V = jnp.where(refractory | spike, params["V_reset"], V)
    r = jnp.where(refractory, r - 1.0, jnp.where(spike, props["refractory_counts"], r))

    t_spike = stamp_ms(params, step, h)
    pre = state["s_NMDA_pre"] * jnp.exp(-(t_spike - state["t_spike"])
                                        / params["tau_decay_NMDA"])
    inc = props["k_0"] + props["k_1"] * pre
    new = {"V_m": V, "s_AMPA": s_AMPA, "s_GABA": s_GABA, "s_NMDA": s_NMDA,
           "I_AMPA": I_AMPA, "I_GABA": I_GABA, "I_NMDA": I_NMDA,
           "t_spike": jnp.where(spike, t_spike, state["t_spike"]),
           "s_NMDA_pre": jnp.where(spike, pre + inc, state["s_NMDA_pre"]),
           "refr_count": r, "integration_step": dt,
           "I_stim": jnp.asarray(i_stim, dtype=V.dtype) + jnp.zeros_like(V)}
    return new, spike.astype(V.dtype), jnp.where(spike, inc, 0.0)


def _check(params):
    p = _np(params)
    _bad(p["V_reset"] >= p["V_th"], "Reset potential must be smaller than threshold.")
    _bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
    _bad(p["t_ref"] < 0, "Refractory time cannot be negative.")
    _bad((p["tau_AMPA"] <= 0) | (p["tau_GABA"] <= 0) | (p["tau_decay_NMDA"] <= 0)
         | (p["tau_rise_NMDA"] <= 0), "All time constants must be strictly positive.")
    _bad(p["alpha"] <= 0, "alpha > 0 required.")
    _bad(p["conc_Mg2"] <= 0, "Mg2 concentration must be strictly positive.")
    _bad(p["gsl_error_tol"] <= 0.0, "The gsl_error_tol must be strictly positive.")


def _check_link(sender, target, receptors):
    """NEST: the NMDA receptor takes spikes from iaf_bw_2001 neurons only (copies too)."""
    if target.impl.name == NAME and np.any(receptors == _RECEPTORS["NMDA"]) and \
            (sender.impl is None or sender.impl.name != NAME):
        raise errors.IllegalConnection(
            "Creation of connection is not possible because:\n"
            "For NMDA synapses in iaf_bw_2001, pre-synaptic neuron must also be of type "
            "iaf_bw_2001")


@dataclasses.dataclass(frozen=True)
class BwModel(NeuronModel):
    """Spikes on receptors 1 (AMPA), 2 (GABA), 3 (NMDA) only."""

    def channel(self, weight: np.ndarray, receptor: np.ndarray) -> np.ndarray:
        receptor = np.asarray(receptor)
        self.refuse_receptors(receptor, (receptor < 1) | (receptor > 3))
        return (receptor - 1).astype(np.int32)


iaf_bw_2001 = BwModel(
    name=NAME,
    params=_PARAMS,
    state=_STATE,
    recordables=("I_AMPA", "I_GABA", "I_NMDA", "V_m", "s_AMPA", "s_GABA", "s_NMDA"),
    propagators=_propagators,
    update=_update,
    hidden=_HIDDEN,
    n_channels=3,
    receptor_types=_RECEPTORS,
    check=_check,
    takes_step=True,
    payload_out=True,
    payload_in=(_RECEPTORS["NMDA"],),
    check_link=_check_link,
    readonly=("I_NMDA", "I_AMPA", "I_GABA", "t_spike"),
)

MODELS = {NAME: iaf_bw_2001}
