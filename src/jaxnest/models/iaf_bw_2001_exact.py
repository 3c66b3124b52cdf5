"""iaf_bw_2001_exact: NEST 3.10's Brunel-Wang (2001) neuron with one NMDA gating pair per
incoming NMDA connection (no rise time folded into the sender, unlike iaf_bw_2001).

Same membrane and AMPA/GABA dynamics as iaf_bw_2001 (integrated over each step by GSL's rkf45
with ``gsl_error_tol``; spikes of the step added after the integration; then refractoriness or
the threshold test); its spikes carry no payload. NEST gives every NMDA connection its own
receptor port (rport 3, 4, ...) and two ODEs, ``dx_j/dt = -x_j / tau_rise`` (+1 per spike)
and ``ds_j/dt = -s_j / tau_decay + alpha x_j (1 - s_j)``, with ``s_NMDA = sum_j w_j s_j``.

Partial: that per-connection port needs kernel support (Connect handing out a new rport per
NMDA connection, a per-neuron state width set by the connections, weights read by the
dynamics), so a connection to receptor 3 (NMDA) raises errors.NotImplemented. Without NMDA
connections NEST's state vector is (V_m, s_AMPA, s_GABA) and so is this one: the step
control sees the same components. ``s_NMDA`` and ``I_NMDA`` are then 0.
"""
from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np

from .. import errors
from .iaf_bw_2001 import _PARAMS, _RECEPTORS, BwModel, _check, _currents
from .iaf_psc import ms_to_steps
from .odeint import integrate

NAME = "iaf_bw_2001_exact"

_STATE = {"V_m": -70.0, "s_AMPA": 0.0, "s_GABA": 0.0}
# recordable but not in the status (NEST records them from the dynamics' last evaluation)
_HIDDEN = {"I_AMPA": 0.0, "I_GABA": 0.0, "I_NMDA": 0.0, "s_NMDA": 0.0, "refr_count": 0.0,
           "I_stim": 0.0, "integration_step": 0.0}


def _propagators(params, h):
    p = {k: jnp.asarray(v, dtype=jnp.float64) for k, v in params.items()}
    return {"refractory_counts": ms_to_steps(p["t_ref"], h, p) + 0.0 * p["C_m"],
            # NEST divides by the literal 3.57; as a traced value the division stays one
            "mg_div": p["conc_Mg2"] * 0.0 + 3.57}


def _rhs(y, p):
    """NEST's dynamics without NMDA ports: (V_m, s_AMPA, s_GABA) in mV/ms and 1/ms."""
    V, s_AMPA, s_GABA = y
    I_AMPA, I_GABA, _ = _currents(p, V, s_AMPA, s_GABA, 0.0)
    I_syn = I_AMPA + I_GABA  # + I_NMDA, which is 0 without NMDA ports
    return ((-p["g_L"] * (V - p["E_L"]) - I_syn + p["_I_stim"]) / p["C_m"],
            -s_AMPA / p["tau_AMPA"], -s_GABA / p["tau_GABA"])


def _update(params, props, state, x, i_stim, h):
    p = dict(params, _I_stim=state["I_stim"], mg_div=props["mg_div"])
    y = tuple(jnp.asarray(state[k], dtype=jnp.float64) for k in ("V_m", "s_AMPA", "s_GABA"))
    (V, s_AMPA, s_GABA), dt = integrate(_rhs, y, p, h, state["integration_step"],
                                        eps_abs=params["gsl_error_tol"])
    # the currents NEST records: its dynamics' last evaluation, at the integrated state
    I_AMPA, I_GABA, _ = _currents(p, V, s_AMPA, s_GABA, 0.0)
    s_AMPA, s_GABA = s_AMPA + x[0], s_GABA + x[1]

    r = state["refr_count"]
    refractory = r != 0
    spike = ~refractory & (V >= params["V_th"])
    V = jnp.where(refractory | spike, params["V_reset"], V)
    r = jnp.where(refractory, r - 1.0, jnp.where(spike, props["refractory_counts"], r))
    zero = jnp.zeros_like(V)
    new = {"V_m": V, "s_AMPA": s_AMPA, "s_GABA": s_GABA, "I_AMPA": I_AMPA, "I_GABA": I_GABA,
           "I_NMDA": zero, "s_NMDA": zero, "refr_count": r, "integration_step": dt,
           "I_stim": jnp.asarray(i_stim, dtype=V.dtype) + zero}
    return new, spike.astype(V.dtype)


@dataclasses.dataclass(frozen=True)
class BwExactModel(BwModel):
    """Spikes on receptors 1 (AMPA) and 2 (GABA); 3 (NMDA) is not supported yet."""

    unsupported = "NMDA connections (receptor_type 3)"  # compat/models.md: partial

    def channel(self, weight: np.ndarray, receptor: np.ndarray) -> np.ndarray:
        channels = super().channel(weight, receptor)  # unknown receptor types first
        if np.any(np.asarray(receptor) == _RECEPTORS["NMDA"]):
            raise errors.NotImplemented(
                "iaf_bw_2001_exact: NMDA connections (receptor_type 3) are not supported by "
                "jaxnest yet (NEST gives each one its own receptor port and ODE pair); "
                "iaf_bw_2001 approximates them")
        return channels


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
)

MODELS = {NAME: iaf_bw_2001_exact}
