"""iaf_tum_2000: iaf_psc_exp with a Tsodyks-Uziel-Markram synapse built into the sender.

The membrane and synaptic currents are iaf_psc_exp's (exact integration, current receptor 1
filtered through the excitatory synapse, escape noise when ``delta`` > 0), so the update reuses
iaf_psc.py. What differs, as in NEST 3.10's ``iaf_tum_2000``:

- each spike advances the neuron's own short-term plasticity state (``x`` available,
  ``y`` active, ``u`` release fraction of the resources) from its previous spike to this one,
  in closed form over the interval (``tau_fac``, ``tau_psc``, ``tau_rec``, ms), then releases
  ``u * x``: the synaptic efficacy of this spike;
- the spike carries that efficacy in its offset field (``payload_out``: NEST sends it as the
  SpikeEvent offset; spike recorders show stamp - efficacy, as NEST's do);
- receptor 1 multiplies an incoming spike's weight by the sender's efficacy (``payload_in``;
  an ordinary sender's offset is 0). Receptor 0 takes weights as iaf_psc_exp does. NEST's
  rules: another iaf_tum_2000 must use receptor 1; iaf_tum_2000 cannot send to other
  off-grid models (precise neurons, iaf_bw_2001, copies of iaf_tum_2000).

The previous spike time is NEST's ArchivingNode spike time (``t_spike``, ms from tics; -1
before the first spike, taken as 0 for the first interval).
"""
from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np

from .. import errors
from ..timebase import of_params
from .iaf_psc import _EXP_PARAMS, _bad, _exp_propagators, _exp_update, _np, _rel
from .iaf_psc import iaf_psc_exp

NAME = "iaf_tum_2000"

_PARAMS = {**_EXP_PARAMS, "tau_fac": 1000.0, "tau_psc": 2.0, "tau_rec": 400.0, "U": 0.5}


def stamp_ms(params, step, h):
    """NEST's ``Time::step(step + 1).get_ms()``: tics of the stamp times ms per tic."""
    tpm = of_params(params)
    tics_per_step = jnp.floor(tpm * h + 0.5)
    return ((step + 1) * tics_per_step).astype(jnp.float64) * (1.0 / tpm)


def release(p, x, y, u, interval):
    """Resources from the previous spike to this one (``interval`` ms), then this spike's
    release: (x, y, u, efficacy u*x), in NEST's order of operations."""
    tau_fac = p["tau_fac"]
    Puu = jnp.where(tau_fac == 0.0, 0.0,
                    jnp.exp(-interval / jnp.where(tau_fac == 0.0, 1.0, tau_fac)))
    Pyy = jnp.exp(-interval / p["tau_psc"])
    Pzz = jnp.expm1(-interval / p["tau_rec"])
    Pxy = (Pzz * p["tau_rec"] - (Pyy - 1.0) * p["tau_psc"]) / (p["tau_psc"] - p["tau_rec"])
    z = 1.0 - x - y
    u = u * Puu
    x = x + Pxy * y - Pzz * z
    y = y * Pyy
    u = u + p["U"] * (1.0 - u)
    dy = u * x
    return x - dy, y + dy, u, dy


def _update(params, props, state, x, i_stim, h, rand, step):
    new, spike = _exp_update(params, props, state, x, i_stim, h, rand)
    fired = spike != 0
    t_spike = stamp_ms(params, step, h)
    t_last = jnp.maximum(state["t_spike"], 0.0)  # -1 before the first spike: from 0
    xr, yr, ur, eff = release(params, state["x"], state["y"], state["u"], t_spike - t_last)
    new.update(x=jnp.where(fired, xr, state["x"]), y=jnp.where(fired, yr, state["y"]),
               u=jnp.where(fired, ur, state["u"]),
               t_spike=jnp.where(fired, t_spike, state["t_spike"]))
    return new, spike, jnp.where(fired, eff, 0.0)


def _check(params):
    p = _np(params)
    _bad(_rel(p, "V_reset") >= _rel(p, "V_th"), "Reset potential must be smaller than threshold.")
    _bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
    _bad((p["tau_m"] <= 0) | (p["tau_syn_ex"] <= 0) | (p["tau_syn_in"] <= 0)
         | (p["tau_psc"] <= 0) | (p["tau_rec"] <= 0),
         "Membrane and synapse time constants must be strictly positive.")
    _bad(p["tau_fac"] < 0, "'tau_fac' must be >= 0.")
    _bad(p["t_ref"] < 0, "Refractory time must not be negative.")
    _bad((p["U"] > 1.0) | (p["U"] < 0.0), "'U' must be in [0,1].")
    _bad(p["rho"] < 0, "Stochastic firing intensity must not be negative.")
    _bad(p["delta"] < 0, "Width of threshold region must not be negative.")
    if "x" in p:  # Create: the state's checks too (NEST: after the parameters')
        _check_state(p)


def _check_state(s):
    _bad(np.asarray(s["x"]) + np.asarray(s["y"]) > 1.0, "x + y must be <= 1.0.")
    _bad((np.asarray(s["u"]) > 1.0) | (np.asarray(s["u"]) < 0.0), "'u' must be in [0,1].")


def _on_set(old_params, params, state, keys):
    """SetStatus: the state's checks, after the parameters' (``check``)."""
    _check_state(state)
    return state


def _check_link(sender, target, receptors):
    """NEST's rules: an iaf_tum_2000 sends to no other off-grid model (a copy of the model
    counts as another), and reaches another iaf_tum_2000 through receptor 1 only."""
    if sender.impl is not None and sender.impl.name == NAME and target.model != sender.model \
            and (target.impl.off_grid or target.impl.payload_out):
        raise errors.IllegalConnection(
            "Creation of connection is not possible because:\n"
            "iaf_tum_2000 neurons cannot be connected to precise spiking neurons.")
    if target.impl.name == NAME and sender.model == target.model and np.any(receptors != 1):
        raise errors.IllegalConnection(
            "Creation of connection is not possible because:\n"
            "iaf_tum_2000 neurons must be connected via receptor_type 1.")


@dataclasses.dataclass(frozen=True)
class TumModel(type(iaf_psc_exp)):
    """Spikes on receptors 0 and 1 (excitatory or inhibitory by the sign of the weight)."""

    def channel(self, weight: np.ndarray, receptor: np.ndarray) -> np.ndarray:
        receptor = np.asarray(receptor)
        bad = receptor > 1
        if np.any(bad):
            raise errors.UnknownReceptorType(
                f"Receptor type {int(receptor[bad][0])} is not available in {self.name}.")
        return np.where(np.asarray(weight) >= 0.0, 0, 1).astype(np.int32)


iaf_tum_2000 = TumModel(
    name=NAME,
    params=_PARAMS,
    state={"V_m": -70.0, "x": 0.0, "y": 0.0, "u": 0.0, "t_spike": -1.0},
    recordables=("I_syn_ex", "I_syn_in", "V_m"),
    propagators=_exp_propagators,
    update=_update,
    hidden=dict(iaf_psc_exp.hidden),
    n_channels=2,
    check=_check,
    on_set=_on_set,
    on_status=iaf_psc_exp.on_status,  # the relative potential y3, as iaf_psc_exp's
    current_receptors={0: 0, 1: 1},
    random=True,
    takes_step=True,
    payload_out=True,
    payload_in=(1,),
    check_link=_check_link,
    readonly=("t_spike",),
)

MODELS = {NAME: iaf_tum_2000}
