"""iaf_bw_2001_exact: NEST 3.10's Brunel-Wang (2001) neuron with one NMDA gating pair per
incoming NMDA connection (no rise time folded into the sender, unlike iaf_bw_2001).

Same membrane and AMPA/GABA dynamics as iaf_bw_2001 (integrated over each step by GSL's rkf45
with ``gsl_error_tol``; spikes of the step added after the integration; then refractoriness or
the threshold test); its spikes carry no payload. NEST gives every NMDA connection its own
receptor port (rport 3, 4, ... per target, in Connect order, only before the target's first
Simulate) and two ODEs, ``dx_j/dt = -x_j / tau_rise`` (+ the spike count per spike) and
``ds_j/dt = -s_j / tau_decay + alpha x_j (1 - s_j)``, with ``s_NMDA = sum_j w_j s_j`` summed in
port order and ``I_NMDA = (V - E_ex) / (1 + [Mg] exp(-0.062 V) / 3.57) s_NMDA``. The kernel
numbers the ports (NeuronModel.connection_ports): port r is input channel r - 1, so rows
2.. of ``x``, of the pairs ``nmda_x``/``nmda_s`` and of ``port_weight`` are the ports (rows 0
and 1 stay 0: zero components leave the step control's error norm as NEST's, whose state
vector is (V_m, s_AMPA, s_GABA, x_0, s_0, ...)). Recorded ``s_NMDA``/``I_NMDA`` and the other
currents are the dynamics' last evaluation, at the integrated state.
"""
from __future__ import annotations

import dataclasses

import jax.numpy as jnp
from jax import lax

from .. import errors
from .iaf_bw_2001 import _PARAMS, _RECEPTORS, BwModel, _check, _currents
from .iaf_psc import ms_to_steps
from .odeint import integrate

NAME = "iaf_bw_2001_exact"

_STATE = {"V_m": -70.0, "s_AMPA": 0.0, "s_GABA": 0.0}
# recordable but not in the status (NEST records them from the dynamics' last evaluation)
_HIDDEN = {"I_AMPA": 0.0, "I_GABA": 0.0, "I_NMDA": 0.0, "s_NMDA": 0.0, "refr_count": 0.0,
           "I_stim": 0.0, "integration_step": 0.0, "nmda_x": 0.0, "nmda_s": 0.0}
_PORTS = ("nmda_x", "nmda_s")  # one row per input channel (rows 2.. the NMDA ports)


def _propagators(params, h):
    p = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in params.items()}
    return {"refractory_counts": ms_to_steps(p["t_ref"], h, p) + 0.0 * p["C_m"],
            # NEST divides by the literal 3.57; as a traced value the division stays one
            "mg_div": p["conc_Mg2"] * 0.0 + 3.57}


def _s_nmda(s, w):
    """sum_j w_j s_j in port order, as NEST's loop adds them (a sequential sum)."""
    return lax.scan(lambda acc, sw: (acc + sw[0] * sw[1], None),
                    jnp.zeros_like(s[0]), (s, w))[0]


def _rhs(y, p):
    """NEST's dynamics: V_m (mV/ms), s_AMPA, s_GABA and the ports' (x_j, s_j) (1/ms)."""
    V, s_AMPA, s_GABA, x, s = y
    I_AMPA, I_GABA, I_NMDA = _currents(p, V, s_AMPA, s_GABA, _s_nmda(s, p["port_weight"]))
    I_syn = I_AMPA + I_GABA + I_NMDA
    return ((-p["g_L"] * (V - p["E_L"]) - I_syn + p["_I_stim"]) / p["C_m"],
            -s_AMPA / p["tau_AMPA"], -s_GABA / p["tau_GABA"],
            -x / p["tau_rise_NMDA"],
            -s / p["tau_decay_NMDA"] + p["alpha"] * x * (1 - s))


def _update(params, props, state, x, i_stim, h):
    p = dict(params, _I_stim=state["I_stim"], mg_div=props["mg_div"])
    y = tuple(jnp.asarray(state[k], dtype=jnp.float64)
              for k in ("V_m", "s_AMPA", "s_GABA") + _PORTS)
    (V, s_AMPA, s_GABA, nx, ns), dt = integrate(_rhs, y, p, h, state["integration_step"],
                                                eps_abs=params["gsl_error_tol"])
    # the currents NEST records: its dynamics' last evaluation, at the integrated state
    s_NMDA = _s_nmda(ns, params["port_weight"])
    I_AMPA, I_GABA, I_NMDA = _currents(p, V, s_AMPA, s_GABA, s_NMDA)
    s_AMPA, s_GABA = s_AMPA + x[0], s_GABA + x[1]
    nx = nx + jnp.where(jnp.arange(x.shape[0])[:, None] >= 2, x, 0.0)  # spike counts

    r = state["refr_count"]
    refractory = r != 0
    spike = ~refractory & (V >= params["V_th"])
    V = jnp.where(refractory | spike, params["V_reset"], V)
    r = jnp.where(refractory, r - 1.0, jnp.where(spike, props["refractory_counts"], r))
    new = {"V_m": V, "s_AMPA": s_AMPA, "s_GABA": s_GABA, "I_AMPA": I_AMPA, "I_GABA": I_GABA,
           "I_NMDA": I_NMDA, "s_NMDA": s_NMDA, "refr_count": r, "integration_step": dt,
           "I_stim": jnp.asarray(i_stim, dtype=V.dtype) + jnp.zeros_like(V),
           "nmda_x": nx, "nmda_s": ns}
    return new, spike.astype(V.dtype)


@dataclasses.dataclass(frozen=True)
class BwExactModel(BwModel):
    """Spikes on receptors 1 (AMPA), 2 (GABA) and 3 (NMDA: a port per connection)."""

    unsupported = "plastic synapses on NMDA ports"  # compat/models.md: partial

    def late_port(self) -> errors.NESTError:
        return errors.IllegalConnection("Creation of connection is not possible because:\n"
                                        "NMDA connections to this model can only be made "
                                        "before the first call to nest.Simulate()")


iaf_bw_2001_exact = BwExactModel(
    name=NAME,
    params=_PARAMS,
    state=_STATE,
    recordables=("I_AMPA", "I_GABA", "I_NMDA", "V_m", "s_AMPA", "s_GABA", "s_NMDA"),
    propagators=_propagators,
    update=_update,
    hidden=_HIDDEN,
    n_channels=2,
    receptor_types=_RECEPTORS,
    check=_check,
    vector_hidden=_PORTS,
    connection_ports=_RECEPTORS["NMDA"],
)

MODELS = {NAME: iaf_bw_2001_exact}
