"""NEST's e-prop neurons (Korcsak-Gorzo et al. 2025): eprop_iaf, eprop_iaf_adapt,
eprop_iaf_psc_delta, eprop_iaf_psc_delta_adapt and eprop_readout.

Leaky integrators with delta-shaped synaptic input (mV per spike weight), one step h (ms):

- eprop_iaf(_adapt): ``v = P_i_in i_in + z_in + P_v_m v`` (P_v_m = exp(-h/tau_m), P_i_in =
  tau_m / C_m (1 - P_v_m), i_in the previous step's current + I_e), clamped at V_min; a spike
  when v >= threshold and not refractory subtracts V_th (reset by subtraction);
- eprop_iaf_psc_delta(_adapt): iaf_psc_delta's dynamics (integration only when not
  refractory, reset to V_reset, optional buffered refractory input);
- _adapt: adaptation ``a = P_adapt a + z`` (z: the previous step's spike), threshold
  ``V_th + adapt_beta a``;
- the surrogate gradient (eprop_common) of each step is recorded as ``surrogate_gradient``;
- eprop_readout: ``v`` as eprop_iaf without spikes; ``readout_signal`` = V_m, ``error_signal``
  = readout - target, all three times the learning window signal; target and window arrive
  as delayed rate events (rate_connection_delayed from step_rate_generator) on receptors 2
  and 1. It sends its error signal to eprop_learning_signal_connection's.

The potential is kept relative to E_L (hidden ``v``), as NEST keeps it, so traces are NEST's
to the last bit; ``V_m`` shows v + E_L.

Each step they also keep what their e-prop history entry needs (kernel/eprop_archive.py
writes it where eprop_synapse connections arrive): the surrogate gradient, the firing-rate
regularization term (hidden ``f_av``, ``fr_reg``; NEST updates f_av only once the neuron has
incoming e-prop synapses: the same unless they are connected after a first Simulate), a
readout's error signal; ``learning_signal`` shows the learning signal of entry t - 2 (the
kernel sets it); ``eprop_history_duration`` as a multimeter records it is NEST's count of
kept entries, followed on the host (kernel/eprop_history.py). NEST's flush events
(``flush_event_send_interval``) reach e-prop synapses only and do not change their
gradients: none are sent here, so a weight_recorder misses the entries NEST records at them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from .. import errors
from . import eprop_common as ec
from .iaf_psc import ms_to_steps

_MAX = np.finfo(np.float64).max
_REC_BASE = {"C_m": 250.0, "c_reg": 0.0, "E_L": -70.0, "f_target": 0.01, "I_e": 0.0,
             "surrogate_gradient_function": 0.0, "surrogate_gradient_height": 0.3,
             "surrogate_gradient_width": 1.0, "t_ref": 2.0, "tau_m": 10.0, "V_min": -_MAX,
             "V_th": -55.0, "kappa": 0.97, "kappa_reg": 0.97, "eprop_isi_trace_cutoff": math.inf,
             **ec.FLUSH_PARAMS, **ec.IAS_PARAMS}
_ADAPT = {"adapt_beta": 1.0, "adapt_tau": 10.0}
_DELTA = {"V_reset": -70.0, "refractory_input": False}
_REC_STATE = {"V_m": -70.0, "surrogate_gradient": 0.0, "learning_signal": 0.0}
_ADAPT_STATE = {"adaptation": 0.0, "V_th_adapt": -55.0}
_HIDDEN = {"v": math.nan, "r": 0.0, "i_in": 0.0, "z": 0.0, "refr_spikes_buffer": 0.0,
           "ias_countdown": math.nan, "eprop_history_duration": 0.0, "f_av": 0.0, "fr_reg": 0.0}
_CHECK_IAF = ("C_m", "c_reg", "f_target", "tau_m", "t_ref", "V_th", "kappa", "kappa_reg",
              "height", "width")
_CHECK_DELTA = ("V_th", "V_reset", "V_reset_min", "C_m", "t_ref", "tau_m", "c_reg", "f_target",
                "kappa", "kappa_reg", "height", "width")


def _propagators(params, h):
    p = {k: jnp.asarray(v) for k, v in params.items()}
    P_v_m = jnp.exp(-h / p["tau_m"])
    out = {"P_v_m": P_v_m, "P_i_in": p["tau_m"] / p["C_m"] * (1.0 - P_v_m)}
    if "t_ref" in p:
        out["refractory_counts"] = ms_to_steps(p["t_ref"], h, p) + 0.0 * p["tau_m"]
    if "adapt_tau" in p:
        out["P_adapt"] = jnp.exp(-h / p["adapt_tau"])
    if "ignore_and_spike_offset" in p:
        out.update(ec.ias_props(p, h))
    if "eprop_isi_trace_cutoff" in p:  # steps (inf: no cutoff)
        out["eprop_cutoff_steps"] = ms_to_steps(p["eprop_isi_trace_cutoff"], h, p) + 0.0 * P_v_m
    return out


def _finish(params, state, v, r, i_in, z, psi, count, spike, h, extra=None):
    """The new state; NEST's firing-rate regularization term of the step's e-prop history
    entry: f_av low-passed (kappa_reg) spikes per ms, c_reg (f_av - f_target h)."""
    kreg = params["kappa_reg"]
    f_av = kreg * state["f_av"] + (1.0 - kreg) * z / h
    fr_reg = params["c_reg"] * (f_av - params["f_target"] * h)
    new = dict(state, V_m=v + params["E_L"], v=v, r=r, i_in=i_in, z=z, surrogate_gradient=psi,
               ias_countdown=count, f_av=f_av, fr_reg=fr_reg, **(extra or {}))
    return new, spike.astype(v.dtype)


def _iaf_update(params, props, state, x, i_stim, h, sec=None):
    """eprop_iaf and eprop_iaf_adapt (NEST's update, step by step)."""
    E_L = params["E_L"]
    r = jnp.where(state["r"] > 0, state["r"] - 1.0, state["r"])
    v = props["P_i_in"] * state["i_in"] + x[0] + props["P_v_m"] * state["v"]
    v = jnp.maximum(v, params["V_min"] - E_L)
    V_th = params["V_th"] - E_L
    extra = {}
    v_th = V_th
    if "adapt_beta" in params:
        a = props["P_adapt"] * state["adaptation"] + state["z"]
        v_th = V_th + params["adapt_beta"] * a
        extra = {"adaptation": a, "V_th_adapt": v_th + E_L}
    psi, spike, count = ec.gradient_and_spike(params, props, state, r, v, v_th,
                                              (v >= v_th) & (r == 0))
    v = jnp.where(spike, v - V_th, v)
    r = jnp.where(spike, props["refractory_counts"], r)
    z = spike.astype(v.dtype)
    i_in = i_stim + params["I_e"]
    return _finish(params, state, v, r, i_in, z, psi, count, spike, h, extra)


def _delta_update(params, props, state, x, i_stim, h, sec=None):
    """eprop_iaf_psc_delta and eprop_iaf_psc_delta_adapt."""
    E_L = params["E_L"]
    z_in = x[0]
    r, v, buf = state["r"], state["v"], state["refr_spikes_buffer"]
    free = r == 0
    with_refr = jnp.asarray(params["refractory_input"]) != 0
    v_free = props["P_i_in"] * (state["i_in"] + params["I_e"]) + props["P_v_m"] * v + z_in
    use_buf = with_refr & (buf != 0.0)
    v_free = jnp.where(use_buf, v_free + buf, v_free)
    v_free = jnp.maximum(v_free, params["V_min"] - E_L)
    buf_refr = jnp.where(with_refr, buf + z_in * jnp.exp(-r * h / params["tau_m"]), buf)
    v = jnp.where(free, v_free, v)
    buf = jnp.where(free, jnp.where(use_buf, 0.0, buf), buf_refr)
    r = jnp.where(free, r, r - 1.0)
    V_th = params["V_th"] - E_L
    v_th, extra = V_th, {}
    if "adapt_beta" in params:
        a = jnp.where(free, props["P_adapt"] * state["adaptation"] + state["z"],
                      state["adaptation"])
        v_th_a = jnp.where(free, V_th + params["adapt_beta"] * a, state["V_th_adapt"] - E_L)
        v_th = v_th_a
        extra = {"adaptation": a, "V_th_adapt": v_th_a + E_L}
    psi, spike, count = ec.gradient_and_spike(params, props, state, r, v, v_th, v >= v_th)
    r = jnp.where(spike, props["refractory_counts"], r)
    v = jnp.where(spike, params["V_reset"] - E_L, v)
    extra["refr_spikes_buffer"] = buf
    return _finish(params, state, v, r, state["i_in"] * 0.0 + i_stim, spike.astype(v.dtype),
                   psi, count, spike, h, extra)


def _readout_update(params, props, state, x, i_stim, h, sec=None):
    """eprop_readout: no spikes; sends its error signal (secondary value)."""
    E_L = params["E_L"]
    v = props["P_i_in"] * state["i_in"] + x[0] + props["P_v_m"] * state["v"]
    v = jnp.maximum(v, params["V_min"] - E_L)
    window, target = (sec[0], sec[1]) if sec is not None else (0.0 * v, 0.0 * v)
    readout = v + E_L
    error = readout - target
    new = dict(state, v=v, V_m=v + E_L, i_in=i_stim + params["I_e"],
               readout_signal=readout * window, target_signal=target * window,
               error_signal=error * window)
    return new, jnp.zeros_like(v), new["error_signal"]


def _status(u) -> None:
    """NEST's set_status side effects: v relative to E_L follows a given V_m (or E_L); a
    given adaptation sets V_th_adapt; a given ignore_and_spike_offset restarts its count."""
    ec.restart_countdown(u)
    p, s, hid = u.params, u.state, u.hidden
    for i, d in zip(u.idx, u.given):
        if u.created or "V_m" in d or "E_L" in d:
            hid["v"][i] = s["V_m"][i] - p["E_L"][i]
        if "adaptation" in d and "V_th_adapt" in s:
            s["V_th_adapt"][i] = p["V_th"][i] + p["adapt_beta"][i] * s["adaptation"][i]


def _readout_check(params):
    p = {k: np.asarray(v, float) for k, v in params.items()}
    ec.check_archiving(p, recurrent=False, cutoff=True, bsshslm=False)
    ec.bad(p["C_m"] <= 0, "C_m > 0 required.")
    ec.bad(p["tau_m"] <= 0, "tau_m > 0 required.")


@dataclass(frozen=True)
class EpropReadout(ec.EpropNeuron):
    """eprop_readout: target signal and learning window arrive as delayed rates on receptors
    2 and 1 (secondary channels 1 and 0); NEST's IllegalConnection on other receptors."""

    generator_receptors: tuple = (1, 2)

    def secondary_receptor_channel(self, receptor, senders=(), min_delay=1) -> np.ndarray:
        """Channel of delayed rate events by receptor; at Connect (``senders``: the source
        models) NEST's errors: a step_rate_generator on another receptor than
        :attr:`generator_receptors`, any sender outside the rate receptors 1, 2. NEST's
        readout takes only the first value of each event (one per min_delay slice): with
        a min_delay of more than one step (``min_delay``, at Simulate) that sample-and-hold
        is not reproduced: errors.NotImplemented."""
        if min_delay > 1:
            raise errors.NotImplemented(
                f"{self.name}: target and learning-window signals with a min_delay of more "
                "than one step (NEST holds the first value of each slice).")
        receptor = np.asarray(receptor)
        if "step_rate_generator" in senders and np.any(
                ~np.isin(receptor, self.generator_receptors)):
            ports = " or ".join(str(r) for r in self.generator_receptors)
            raise errors.IllegalConnection(
                "Creation of connection is not possible because:\n"
                f"{self.name} neurons expect a connection with a step_rate_generator node "
                f"through receptor_type {ports}.")
        bad_r = (receptor < 1) | (receptor > 2)
        if np.any(bad_r):
            raise errors.UnknownReceptorType(
                f"Receptor type {int(receptor[bad_r].ravel()[0])} is not available in "
                f"{self.name}.")
        return (receptor - 1).astype(np.int64)


def _recurrent(name, extra_params, extra_state, update, order):
    recs = ("V_m",) + (("V_th_adapt", "adaptation") if extra_state else ()) + (
        "eprop_history_duration", "learning_signal", "surrogate_gradient")
    return ec.EpropNeuron(
        name=name, params={**_REC_BASE, **extra_params}, state={**_REC_STATE, **extra_state},
        recordables=recs, propagators=_propagators, update=update, hidden=dict(_HIDDEN),
        n_channels=1, check=ec.recurrent_check(order, cutoff=True), on_status=_status,
        archiving=False,
        secondary_in=("eprop_learning_signal",),
        readonly=("surrogate_gradient", "learning_signal", "V_th_adapt") if extra_state
        else ("surrogate_gradient", "learning_signal"))


eprop_iaf = _recurrent("eprop_iaf", {}, {}, _iaf_update, _CHECK_IAF)
eprop_iaf_adapt = _recurrent("eprop_iaf_adapt", _ADAPT, _ADAPT_STATE, _iaf_update,
                             ("adapt_beta", "adapt_tau") + _CHECK_IAF)
eprop_iaf_psc_delta = _recurrent("eprop_iaf_psc_delta", _DELTA, {}, _delta_update,
                                 _CHECK_DELTA)
eprop_iaf_psc_delta_adapt = _recurrent(
    "eprop_iaf_psc_delta_adapt", {**_DELTA, **_ADAPT}, _ADAPT_STATE, _delta_update,
    _CHECK_DELTA[:6] + ("adapt_beta", "adapt_tau") + _CHECK_DELTA[6:])

eprop_readout = EpropReadout(
    name="eprop_readout",
    params={"C_m": 250.0, "E_L": 0.0, "I_e": 0.0, "tau_m": 10.0, "V_min": -_MAX,
            "eprop_isi_trace_cutoff": math.inf},
    state={"V_m": 0.0, "error_signal": 0.0, "readout_signal": 0.0, "target_signal": 0.0},
    recordables=("V_m", "eprop_history_duration", "error_signal", "readout_signal",
                 "target_signal"),
    propagators=_propagators, update=_readout_update,
    hidden={"v": math.nan, "i_in": 0.0, "eprop_history_duration": 0.0},
    n_channels=1, receptor_types={"eprop_learning_window": 1, "target_signal": 2},
    check=_readout_check, on_status=_status, archiving=False,
    readonly=("error_signal", "readout_signal", "target_signal"),
    secondary_out=("eprop_learning_signal",), secondary_in=("rate_delayed",),
    secondary_channels=2, sends_spikes=False)

MODELS = {m.name: m for m in (eprop_iaf, eprop_iaf_adapt, eprop_iaf_psc_delta,
                              eprop_iaf_psc_delta_adapt, eprop_readout)}
