"""NEST's original e-prop neurons after Bellec et al. (2020): eprop_iaf_bsshslm_2020,
eprop_iaf_adapt_bsshslm_2020 and eprop_readout_bsshslm_2020.

Parameters, defaults, checks, recordables and receptors are NEST's. The dynamics are
eprop_iaf's and eprop_readout's with the original's differences: input spikes scaled by
P_z_in (1, or 1 - exp(-h/tau_m) without ``regular_spike_arrival``), the reset by subtraction
one step after the spike, and the kernel's e-prop intervals (``eprop_update_interval``,
``eprop_learning_window``, ``eprop_reset_neurons_on_update``, read at Simulate): neurons reset
at each interval start (recurrent: 2 steps after it, readout: 3), readouts zero their
signals outside the learning window (of the interval shifted by one more step). The readout's
loss is "mean_squared_error" (the readout signal one step late) or "cross_entropy" (softmax
over the readouts' unnormalized signals exp(V_m), exchanged over rate_connection_delayed on
receptor 1; the readouts send their error signals to the learning-signal connections
and their unnormalized signals to the other readouts, a value per kind). Where
eprop_synapse_bsshslm_2020 connections arrive, the neurons keep NEST's e-prop history
(kernel/eprop_archive.py: surrogate gradients, learning signals, the firing-rate term of
each update interval, the readouts' error signals; ``eprop_history_duration`` as a
multimeter records it: kernel/eprop_history.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from . import eprop_common as ec
from .iaf_psc import ms_to_steps
from .eprop_iaf import EpropReadout, _ADAPT, _ADAPT_STATE, _HIDDEN, _MAX, _REC_STATE, \
    _propagators, _status

_BASE = {"C_m": 250.0, "c_reg": 0.0, "E_L": -70.0, "f_target": 0.01, "I_e": 0.0,
         "regular_spike_arrival": True, "surrogate_gradient_function": 0.0,
         "surrogate_gradient_height": 0.3, "surrogate_gradient_width": 1.0, "t_ref": 2.0,
         "tau_m": 10.0, "V_min": -_MAX, "V_th": -55.0, **ec.FLUSH_PARAMS, **ec.IAS_PARAMS}
_ORDER = ("C_m", "c_reg", "f_target", "tau_m", "t_ref", "V_th", "height", "width")
LOSSES = ("mean_squared_error", "cross_entropy")


KERNEL = {"__eprop_update_interval": 1000.0, "__eprop_learning_window": 1000.0,
          "__eprop_reset_neurons_on_update": 1.0}
"""The kernel's e-prop settings (ms; a flag) the models read, filled in by the kernel before
every Simulate (parameters named ``__<kernel setting>``; never shown)."""
SHIFT_REC, SHIFT_OUT = 2, 3  # NEST's offset_gen + delay_in_rec (+ delay_rec_out), steps


def _propagators_b(params, h):
    out = _propagators(params, h)
    p = {k: jnp.asarray(v) for k, v in params.items()}
    out["P_z_in"] = jnp.where(p["regular_spike_arrival"] != 0, 1.0, 1.0 - out["P_v_m"])
    out["update_steps"] = ms_to_steps(p["__eprop_update_interval"], h, p) + 0.0 * p["tau_m"]
    if "flush_event_send_interval" in p:  # steps (inf: never), eprop_synapse_bsshslm_2020
        out["flush_steps"] = ms_to_steps(p["flush_event_send_interval"], h, p) + 0.0 * p["tau_m"]
    if "__eprop_learning_window" in p:
        out["window_steps"] = ms_to_steps(p["__eprop_learning_window"], h, p) + 0.0 * p["tau_m"]
    return out


def _interval_step(step, shift, props):
    """NEST's ``(t - shift) % update_interval`` (C++ remainder: negative before the first
    interval)."""
    return jnp.fmod(jnp.asarray(step, jnp.float64) - shift, props["update_steps"])


def _iaf_update(params, props, state, x, i_stim, h, step=0, sec=None):
    """eprop_iaf(_adapt)_bsshslm_2020: reset at each update interval's start (when the kernel
    says so); the spike's reset by subtraction happens in the following step."""
    E_L = params["E_L"]
    start = (_interval_step(step, SHIFT_REC, props) == 0.0) & (
        params["__eprop_reset_neurons_on_update"] != 0)
    v = jnp.where(start, 0.0, state["v"])
    r = jnp.where(start, 0.0, state["r"])
    z = jnp.where(start, 0.0, state["z"])
    r = jnp.where(r > 0, r - 1.0, r)
    V_th = params["V_th"] - E_L
    v = props["P_i_in"] * state["i_in"] + props["P_z_in"] * x[0] + props["P_v_m"] * v
    v = v - V_th * z
    v = jnp.maximum(v, params["V_min"] - E_L)
    v_th, extra = V_th, {}
    if "adapt_beta" in params:
        a = props["P_adapt"] * jnp.where(start, 0.0, state["adaptation"]) + z
        v_th = V_th + params["adapt_beta"] * a
        extra = {"adaptation": a, "V_th_adapt": v_th + E_L}
    psi, spike, count = ec.gradient_and_spike(params, props, state, r, v, v_th,
                                              (v >= v_th) & (r == 0))
    r = jnp.where(spike, props["refractory_counts"], r)
    new = dict(state, V_m=v + E_L, v=v, r=r, i_in=i_stim + params["I_e"],
               z=spike.astype(v.dtype), surrogate_gradient=psi, ias_countdown=count, **extra)
    return new, spike.astype(v.dtype)


def _readout_update(params, props, state, x, i_stim, h, step=0, sec=None):
    """eprop_readout_bsshslm_2020: mean-squared-error readout (the signal one step late) or
    cross-entropy (softmax over the readouts' unnormalized signals, received on receptor 1);
    signals zero outside the learning window; sends, for cross entropy, its unnormalized
    signal (NEST also sends its error signal to learning-signal connections)."""
    E_L = params["E_L"]
    start = (_interval_step(step, SHIFT_OUT, props) == 0.0) & (
        params["__eprop_reset_neurons_on_update"] != 0)
    v = jnp.where(start, 0.0, state["v"])
    v = props["P_i_in"] * state["i_in"] + props["P_z_in"] * x[0] + props["P_v_m"] * v
    v = jnp.maximum(v, params["V_min"] - E_L)
    norm_in, target = (sec[0], sec[1]) if sec is not None else (0.0 * v, 0.0 * v)
    unnorm_old = state["readout_signal_unnorm"]
    ce = params["loss"] == 1.0
    readout = jnp.where(ce, unnorm_old / (norm_in + unnorm_old), unnorm_old)
    unnorm = jnp.where(ce, jnp.exp(v + E_L), v + E_L)
    error = readout - target
    off = _interval_step(step, SHIFT_OUT + 1, props) < props["update_steps"] - props["window_steps"]
    new = dict(state, v=v, V_m=v + E_L, i_in=i_stim + params["I_e"],
               readout_signal=jnp.where(off, 0.0, readout),
               target_signal=jnp.where(off, 0.0, target), error_signal=jnp.where(off, 0.0, error),
               readout_signal_unnorm=unnorm)
    # a value per kind (secondary_values): the error signal to the learning-signal
    # connections, the unnormalized signal to the other readouts
    return new, jnp.zeros_like(v), jnp.stack([new["error_signal"], jnp.where(ce, unnorm, 0.0)])


def _readout_check(params):
    p = {k: np.asarray(v, float) for k, v in params.items()}
    ec.bad(p["C_m"] <= 0, "C_m > 0 required.")
    ec.bad(np.isnan(p["loss"]), 'loss from ["mean_squared_error", "cross_entropy"] required.')
    ec.bad(p["tau_m"] <= 0, "tau_m > 0 required.")


@dataclass(frozen=True)
class _Readout(EpropReadout):
    """eprop_readout_bsshslm_2020: ``loss`` stored as a code; step_rate_generator targets on
    receptor 2 only (receptor 1 carries the other readouts' unnormalized signals)."""

    generator_receptors: tuple = (2,)

    def from_nest(self, d: dict) -> dict:
        out = dict(d)
        if "loss" in out:
            out["loss"] = float(LOSSES.index(out["loss"])) if out["loss"] in LOSSES \
                else math.nan
        return out

    def to_nest(self, d: dict) -> dict:
        if "loss" in d:
            code = np.asarray(d["loss"], float)
            d["loss"] = LOSSES[int(code)] if code.ndim == 0 else [LOSSES[int(c)] for c in code]
        return d


def _recurrent(name, extra_params, extra_state, order):
    recs = ("V_m",) + (("V_th_adapt", "adaptation") if extra_state else ()) + (
        "eprop_history_duration", "learning_signal", "surrogate_gradient")
    return ec.EpropNeuron(
        name=name, params={**_BASE, **extra_params, **KERNEL}, state={**_REC_STATE, **extra_state},
        recordables=recs, propagators=_propagators_b, update=_iaf_update, hidden=dict(_HIDDEN),
        takes_step=True,
        n_channels=1, check=ec.recurrent_check(order, cutoff=False), on_status=_status,
        archiving=False,
        secondary_in=("eprop_learning_signal",),
        readonly=("surrogate_gradient", "learning_signal") + (("V_th_adapt",) if extra_state
                                                             else ()))


eprop_iaf_bsshslm_2020 = _recurrent("eprop_iaf_bsshslm_2020", {}, {}, _ORDER)
eprop_iaf_adapt_bsshslm_2020 = _recurrent("eprop_iaf_adapt_bsshslm_2020", _ADAPT,
                                          _ADAPT_STATE, ("adapt_beta", "adapt_tau") + _ORDER)
eprop_readout_bsshslm_2020 = _Readout(
    name="eprop_readout_bsshslm_2020",
    params={"C_m": 250.0, "E_L": 0.0, "I_e": 0.0, "loss": 0.0, "regular_spike_arrival": True,
            "tau_m": 10.0, "V_min": -_MAX, **KERNEL},
    state={"V_m": 0.0, "error_signal": 0.0, "readout_signal": 0.0,
           "readout_signal_unnorm": 0.0, "target_signal": 0.0},
    recordables=("V_m", "eprop_history_duration", "error_signal", "readout_signal",
                 "readout_signal_unnorm", "target_signal"),
    propagators=_propagators_b, update=_readout_update, takes_step=True,
    hidden={"v": math.nan, "i_in": 0.0, "eprop_history_duration": 0.0},
    n_channels=1, receptor_types={"readout_signal": 1, "target_signal": 2},
    check=_readout_check, on_status=_status, archiving=False,
    readonly=("error_signal", "readout_signal", "readout_signal_unnorm", "target_signal"),
    secondary_out=("eprop_learning_signal", "rate_delayed"), secondary_in=("rate_delayed",),
    secondary_values=("eprop_learning_signal", "rate_delayed"),
    secondary_channels=2, sends_spikes=False)

MODELS = {m.name: m for m in (eprop_iaf_bsshslm_2020, eprop_iaf_adapt_bsshslm_2020,
                              eprop_readout_bsshslm_2020)}
