"""``iaf_psc_exp_htum``: leaky integrate-and-fire neuron with exponential synaptic currents and
separate absolute and total refractory periods (Hill & Tononi 2005), integrated exactly.

Subthreshold dynamics as ``iaf_psc_exp`` (see :mod:`jaxnest.models.iaf_psc`), on ``V_m``
relative to ``E_L`` as NEST computes it. Two refractory counters (steps):

- absolute (``t_ref_abs``): ``V_m`` is not propagated (it stays at ``V_reset``);
- total (``t_ref_tot >= t_ref_abs``): no threshold test, so after the absolute period ``V_m``
  evolves again (relative refractoriness) but cannot fire until the total period is over.

Per step, as NEST's ``update()``:

1. if the absolute counter is 0: ``V = P22 V + P21ex I_ex + P21in I_in + P20 (I_e + I_stim)``
   (currents of the previous step), else count it down;
2. decay the synaptic currents and add this step's input (``I_syn_in`` is negative: it sums
   the negative weights as they are);
3. if the total counter is 0: threshold test -> spike, both counters restart, ``V = V_reset``;
   else count it down;
4. keep this step's CurrentEvent input as ``I_stim`` for the next step.

``Time(t).get_steps()`` of either refractory time must be at least 1: NEST raises BadProperty in
its pre-run hook, at Simulate (``pre_run``).

Hidden state: ``I_syn_ex``, ``I_syn_in`` (pA, recordable), ``I_stim`` (pA), ``refr_abs``,
``refr_tot`` (steps).

As NEST's, the multimeter records this model's ``V_m`` relative to ``E_L`` (its recordable
reads the internal value, hidden ``y3``); GetStatus shows it absolute.
"""
from __future__ import annotations

import dataclasses
import math

import jax.numpy as jnp
import numpy as np

from .iaf_psc import (IafModel, _bad, _iaf_propagator, _np, _props, _rel, _relative, _set_y3,
                      ms_to_steps)

_PARAMS = {
    "C_m": 250.0,
    "E_L": -70.0,
    "I_e": 0.0,
    "V_reset": -70.0,
    "V_th": -55.0,
    "t_ref_abs": 2.0,
    "t_ref_tot": 2.0,
    "tau_m": 10.0,
    "tau_syn_ex": 2.0,
    "tau_syn_in": 2.0,
}


def _pre_run(params, h):
    """NEST's pre_run_hook: ``Time(t).get_steps()`` of both refractory times at least 1 (they
    are positive, so this fails only when one rounds to 0 tics)."""
    p = _np(params)
    _bad(ms_to_steps(p["t_ref_abs"], h, params) < 1.0,
         "Absolute refractory time must be at least one time step.")
    _bad(ms_to_steps(p["t_ref_tot"], h, params) < 1.0,
         "Total refractory time must be at least one time step.")


def _check(params):
    p = _np(params)
    _bad(_rel(p, "V_reset") >= _rel(p, "V_th"), "Reset potential must be smaller than threshold.")
    _bad(p["t_ref_abs"] > p["t_ref_tot"],
         "Total refractory period must be larger or equal than absolute refractory time.")
    _bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
    _bad((p["tau_m"] <= 0) | (p["tau_syn_ex"] <= 0) | (p["tau_syn_in"] <= 0)
         | (p["t_ref_tot"] <= 0) | (p["t_ref_abs"] <= 0),
         "All time constants must be strictly positive.")


def _propagators(params, h):
    def build(p, xp):
        tau_m, c_m = p["tau_m"], p["C_m"]
        out = {
            "P11ex": xp.exp(-h / p["tau_syn_ex"]),
            "P11in": xp.exp(-h / p["tau_syn_in"]),
            "P22": xp.exp(-h / tau_m),
            "P21ex": _iaf_propagator(p["tau_syn_ex"], tau_m, c_m, h, xp)[1],
            "P21in": _iaf_propagator(p["tau_syn_in"], tau_m, c_m, h, xp)[1],
            "refractory_abs": ms_to_steps(p["t_ref_abs"], h, p) + 0.0 * tau_m,
            "refractory_tot": ms_to_steps(p["t_ref_tot"], h, p) + 0.0 * tau_m,
        }
        out["P20"] = tau_m / c_m * (1.0 - out["P22"])
        return out

    return _props(params, h, build)


def _update(params, props, state, x, i_stim, h):
    E_L = params["E_L"]
    v = _relative(state, E_L)
    r_abs, r_tot = state["refr_abs"], state["refr_tot"]
    i_ex, i_in = state["I_syn_ex"], state["I_syn_in"]

    v_free = (v * props["P22"] + i_ex * props["P21ex"] + i_in * props["P21in"]
              + (params["I_e"] + state["I_stim"]) * props["P20"])
    absolute = r_abs != 0
    v = jnp.where(absolute, v, v_free)
    r_abs = jnp.where(absolute, r_abs - 1.0, r_abs)

    i_ex = i_ex * props["P11ex"] + x[0]
    i_in = i_in * props["P11in"] + x[1]

    can_fire = r_tot == 0
    spike = can_fire & (v >= params["V_th"] - E_L)
    r_tot = jnp.where(can_fire, r_tot, r_tot - 1.0)
    r_abs = jnp.where(spike, props["refractory_abs"], r_abs)
    r_tot = jnp.where(spike, props["refractory_tot"], r_tot)
    v = jnp.where(spike, params["V_reset"] - E_L, v)

    new = {
        "V_m": v + E_L,
        "y3": v,
        "I_syn_ex": i_ex,
        "I_syn_in": i_in,
        "I_stim": jnp.asarray(i_stim, dtype=v.dtype) + jnp.zeros_like(v),
        "refr_abs": r_abs,
        "refr_tot": r_tot,
    }
    return new, spike.astype(v.dtype)


@dataclasses.dataclass(frozen=True)
class HtumModel(IafModel):
    """NEST's recordable ``V_m`` of this model is its relative potential."""

    def sample_source(self, name):
        return ("y3", None) if name == "V_m" else super().sample_source(name)


iaf_psc_exp_htum = HtumModel(
    name="iaf_psc_exp_htum",
    params=_PARAMS,
    state={"V_m": -70.0},
    recordables=("I_syn_ex", "I_syn_in", "V_m"),
    propagators=_propagators,
    update=_update,
    hidden={"I_syn_ex": 0.0, "I_syn_in": 0.0, "I_stim": 0.0, "refr_abs": 0.0, "refr_tot": 0.0,
            "y3": math.nan},
    n_channels=2,
    check=_check,
    on_status=_set_y3,
    pre_run=_pre_run,
)

MODELS = {iaf_psc_exp_htum.name: iaf_psc_exp_htum}
