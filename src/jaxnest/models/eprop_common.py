"""Pieces the e-prop neuron models share (NEST's EpropArchivingNode* and its mechanisms).

- Surrogate gradients (pseudo-derivatives of the spike w.r.t. V_m, 1/mV x height): NEST's
  four functions, zero while the neuron is refractory (r > 0);
- NEST's IgnoreAndSpikeMechanism (forced spikes every ``ignore_and_spike_interval`` ms
  from ``ignore_and_spike_offset`` on) and the FlushEventMechanism parameter;
- :class:`EpropNeuron`: the NeuronModel of every e-prop neuron. It converts NEST's input
  conventions (``f_target`` given in spikes/s is stored in spikes/ms, as NEST's set_status
  divides it by 1000 and get_status shows it unconverted; the surrogate-gradient name is
  stored as a code) and refuses spike receptors other than 0.

Values are absolute (mV) as everywhere in jaxnest; NEST stores them relative to E_L and
shifts them on a change of E_L, which keeps the absolute values: the same thing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from .. import errors
from .base import NeuronModel
from .iaf_psc import ms_to_steps

SURROGATE_NAMES = ("piecewise_linear", "exponential", "fast_sigmoid_derivative",
                   "arctan_derivative")
"""NEST's surrogate gradient functions; a neuron stores the index (code) of its function."""

_SURROGATE_ERROR = ("Surrogate gradient / pseudo-derivate function surrogate_gradient_function "
                    "from [ " + ", ".join(f'"{n}"' for n in sorted(SURROGATE_NAMES))
                    + " ] required.")

IAS_PARAMS = {"ignore_and_spike": False, "ignore_and_spike_interval": 100.0,
              "ignore_and_spike_offset": 1.0}
FLUSH_PARAMS = {"flush_event_send_interval": math.inf}


def surrogate_gradient(code, r, v_m, v_th, height, width):
    """NEST's surrogate gradient ``code`` (index into :data:`SURROGATE_NAMES`) at v_m (mV,
    relative or absolute alike), threshold v_th; 0 while refractory (r > 0)."""
    d = jnp.abs(v_m - v_th) / width
    psi = jnp.where(code == 0, height * jnp.maximum(0.0, 1.0 - d),
          jnp.where(code == 1, height * jnp.exp(-d),
          jnp.where(code == 2, height * jnp.power(1.0 + d, -2.0),
                    height / (1.0 + jnp.power((v_m - v_th) / width, 2.0)))))
    return jnp.where(r > 0.0, 0.0, psi)


def ias_props(p, h) -> dict:
    """Steps of the IgnoreAndSpikeMechanism's offset and interval."""
    return {"ias_offset_steps": ms_to_steps(p["ignore_and_spike_offset"], h, p),
            "ias_interval_steps": ms_to_steps(p["ignore_and_spike_interval"], h, p)}


def gradient_and_spike(params, props, state, r, v, v_th, dynamic_spike):
    """A recurrent e-prop neuron's step after its membrane update: the surrogate gradient at
    (r, v, v_th) and NEST's spike decision. Returns (psi, spike, ias_countdown)."""
    psi = surrogate_gradient(params["surrogate_gradient_function"], r, v, v_th,
                             params["surrogate_gradient_height"],
                             params["surrogate_gradient_width"])
    spike, count = spike_event_is_due(params, props, state["ias_countdown"], dynamic_spike)
    return psi, spike, count


def spike_event_is_due(params, props, count, dynamic_spike):
    """NEST's spike_event_is_due: with ``ignore_and_spike`` a forced spike when the countdown
    (hidden ``ias_countdown``, NaN: start at the offset) reaches 0, else the dynamic spike."""
    on = jnp.asarray(params["ignore_and_spike"]) != 0
    count = jnp.where(jnp.isnan(count), props["ias_offset_steps"], count)
    count = jnp.where(on, count - 1.0, count)
    forced = on & (count == 0.0)
    count = jnp.where(forced, props["ias_interval_steps"], count)
    return jnp.where(on, forced, dynamic_spike), count


def restart_countdown(u) -> None:
    """A set ``ignore_and_spike_offset`` restarts the countdown (NEST's initialize_offset)."""
    for i, d in zip(u.idx, u.given):
        if "ignore_and_spike_offset" in d and "ias_countdown" in u.hidden:
            u.hidden["ias_countdown"][i] = np.nan


def bad(cond, msg: str) -> None:
    if np.any(np.asarray(cond)):
        raise errors.BadProperty(msg)


def check_archiving(p, recurrent: bool, cutoff: bool, bsshslm: bool) -> None:
    """NEST's EpropArchivingNode checks, before the model's own: flush interval, ignore-and-
    spike, eprop_isi_trace_cutoff (the models that have them)."""
    if recurrent:
        f = np.asarray(p["flush_event_send_interval"], float)
        bad(f <= 0.0, "flush_event_send_interval > 0 required.")
        if bsshslm:
            bad(f < np.asarray(p["__eprop_update_interval"], float),
                "flush_event_send_interval ≥ eprop_update_interval required.")
        bad(np.asarray(p["ignore_and_spike_offset"], float) <= 0.0,
            "ignore_and_spike_offset > 0 required.")
        bad(np.asarray(p["ignore_and_spike_interval"], float) <= 0.0,
            "ignore_and_spike_interval > 0 required.")
    if cutoff:
        bad(np.asarray(p["eprop_isi_trace_cutoff"], float) < 0.0,
            "eprop_isi_trace_cutoff ≥ 0 required.")


def check_surrogate(p) -> None:
    code = np.asarray(p["surrogate_gradient_function"], float)
    bad(np.isnan(code), _SURROGATE_ERROR)


def check_common(p, order) -> None:
    """The recurrent models' parameter checks, in the model's order (``order``: names)."""
    tests = {
        "adapt_beta": (lambda: p["adapt_beta"] < 0, "adapt_beta ≥ 0 required."),
        "adapt_tau": (lambda: p["adapt_tau"] <= 0, "adapt_tau > 0 required."),
        "C_m": (lambda: p["C_m"] <= 0, "C_m > 0 required."),
        "c_reg": (lambda: p["c_reg"] < 0, "c_reg ≥ 0 required."),
        "f_target": (lambda: p["f_target"] < 0, "f_target ≥ 0 required."),
        "tau_m": (lambda: p["tau_m"] <= 0, "tau_m > 0 required."),
        "t_ref": (lambda: p["t_ref"] < 0, "t_ref ≥ 0 required."),
        "V_th": (lambda: p["V_th"] - p["E_L"] < p["V_min"] - p["E_L"],
                 "V_th ≥ V_min required."),
        "V_reset": (lambda: p["V_reset"] - p["E_L"] >= p["V_th"] - p["E_L"],
                    "V_reset < V_th required."),
        "V_reset_min": (lambda: p["V_reset"] - p["E_L"] < p["V_min"] - p["E_L"],
                        "V_reset ≥ V_min required."),
        "kappa": (lambda: (p["kappa"] < 0.0) | (p["kappa"] > 1.0), "0 ≤ kappa ≤ 1 required."),
        "kappa_reg": (lambda: (p["kappa_reg"] < 0.0) | (p["kappa_reg"] > 1.0),
                      "0 ≤ kappa_reg ≤ 1 required."),
        "height": (lambda: p["surrogate_gradient_height"] <= 0.0,
                   "surrogate_gradient_height > 0 required."),
        "width": (lambda: p["surrogate_gradient_width"] <= 0.0,
                  "surrogate_gradient_width > 0 required."),
    }
    with np.errstate(invalid="ignore", over="ignore"):
        for key in order:
            cond, msg = tests[key]
            bad(np.asarray(cond()), msg)


@dataclass(frozen=True)
class EpropNeuron(NeuronModel):
    """An e-prop neuron: spikes (and currents) on receptor 0 only, one spike input buffer;
    NEST's input conversions of ``f_target`` and ``surrogate_gradient_function``."""

    def channel(self, weight: np.ndarray, receptor: np.ndarray) -> np.ndarray:
        receptor = np.asarray(receptor)
        self.refuse_receptors(receptor, receptor != 0)
        return np.zeros(np.shape(receptor), np.int32)

    @property
    def sign_channels(self) -> bool:
        return False

    def from_nest(self, d: dict) -> dict:
        out = dict(d)
        if "f_target" in out and "f_target" in self.params:
            v = out["f_target"]
            out["f_target"] = (np.asarray(v, float) / 1000.0 if np.ndim(v)
                               else _div(v, 1000.0))
        if "surrogate_gradient_function" in out and "surrogate_gradient_function" in self.params:
            name = out["surrogate_gradient_function"]
            if not isinstance(name, str):
                raise errors.TypeMismatch("Failed to cast 'surrogate_gradient_function' from "
                                          f"{type(name).__name__} to type std::string")
            out["surrogate_gradient_function"] = (float(SURROGATE_NAMES.index(name))
                                                  if name in SURROGATE_NAMES else math.nan)
        return out

    def to_nest(self, d: dict) -> dict:
        if "surrogate_gradient_function" in d:
            code = np.asarray(d["surrogate_gradient_function"], float)
            d["surrogate_gradient_function"] = SURROGATE_NAMES[int(code)] if code.ndim == 0 \
                else [SURROGATE_NAMES[int(c)] for c in code]
        return d


def _div(v, by):
    return v / by if isinstance(v, (int, float)) and not isinstance(v, bool) else v


def recurrent_check(order, cutoff: bool):
    """The check of an e-prop recurrent neuron's parameters (``cutoff``: it has
    eprop_isi_trace_cutoff, the non-bsshslm models)."""
    def check(params):
        p = {k: np.asarray(v) for k, v in params.items()}
        check_archiving(p, recurrent=True, cutoff=cutoff, bsshslm=False)
        check_surrogate(p)
        check_common(p, order)
    return check
