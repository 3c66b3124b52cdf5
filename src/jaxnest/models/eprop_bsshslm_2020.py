"""NEST's original e-prop neurons after Bellec et al. (2020): eprop_iaf_bsshslm_2020,
eprop_iaf_adapt_bsshslm_2020 and eprop_readout_bsshslm_2020.

Their parameters, defaults, checks, recordables and receptors are NEST's; their dynamics
depend on the kernel's e-prop update intervals (``eprop_update_interval``,
``eprop_learning_window``, ``eprop_reset_neurons_on_update``: neurons reset at each interval
start, readouts zero their signals outside the learning window and normalize over each other
for the cross-entropy loss), which the neuron interface does not pass to a model yet:
Simulate raises errors.NotImplemented naming the model.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import errors
from . import eprop_common as ec
from .eprop_iaf import EpropReadout, _ADAPT, _ADAPT_STATE, _HIDDEN, _MAX, _REC_STATE, \
    _propagators, _status

_BASE = {"C_m": 250.0, "c_reg": 0.0, "E_L": -70.0, "f_target": 0.01, "I_e": 0.0,
         "regular_spike_arrival": True, "surrogate_gradient_function": 0.0,
         "surrogate_gradient_height": 0.3, "surrogate_gradient_width": 1.0, "t_ref": 2.0,
         "tau_m": 10.0, "V_min": -_MAX, "V_th": -55.0, **ec.FLUSH_PARAMS, **ec.IAS_PARAMS}
_ORDER = ("C_m", "c_reg", "f_target", "tau_m", "t_ref", "V_th", "height", "width")
LOSSES = ("mean_squared_error", "cross_entropy")


def _unsupported(name):
    def pre_run(params, h):
        raise errors.NotImplemented(
            f"{name}: the bsshslm_2020 e-prop dynamics (eprop_update_interval, learning "
            "window, neuron resets) are not implemented in jaxnest yet.")
    return pre_run


def _no_update(*args, **kw):  # never reached: pre_run refuses to simulate
    raise errors.NotImplemented("bsshslm_2020 e-prop dynamics")


def _recurrent_check(order):
    def check(params):
        p = {k: np.asarray(v) for k, v in params.items()}
        ec.check_archiving(p, recurrent=True, cutoff=False, bsshslm=False)
        ec.check_surrogate(p)
        ec.check_common(p, order)
    return check


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
        name=name, params={**_BASE, **extra_params}, state={**_REC_STATE, **extra_state},
        recordables=recs, propagators=_propagators, update=_no_update, hidden=dict(_HIDDEN),
        n_channels=1, check=_recurrent_check(order), on_status=_status, archiving=False,
        pre_run=_unsupported(name), secondary_in=("eprop_learning_signal",),
        readonly=("surrogate_gradient", "learning_signal") + (("V_th_adapt",) if extra_state
                                                             else ()))


eprop_iaf_bsshslm_2020 = _recurrent("eprop_iaf_bsshslm_2020", {}, {}, _ORDER)
eprop_iaf_adapt_bsshslm_2020 = _recurrent("eprop_iaf_adapt_bsshslm_2020", _ADAPT,
                                          _ADAPT_STATE, ("adapt_beta", "adapt_tau") + _ORDER)
eprop_readout_bsshslm_2020 = _Readout(
    name="eprop_readout_bsshslm_2020",
    params={"C_m": 250.0, "E_L": 0.0, "I_e": 0.0, "loss": 0.0, "regular_spike_arrival": True,
            "tau_m": 10.0, "V_min": -_MAX},
    state={"V_m": 0.0, "error_signal": 0.0, "readout_signal": 0.0,
           "readout_signal_unnorm": 0.0, "target_signal": 0.0},
    recordables=("V_m", "eprop_history_duration", "error_signal", "readout_signal",
                 "readout_signal_unnorm", "target_signal"),
    propagators=_propagators, update=_no_update,
    hidden={"v": math.nan, "i_in": 0.0, "eprop_history_duration": 0.0},
    n_channels=1, receptor_types={"readout_signal": 1, "target_signal": 2},
    check=_readout_check, on_status=_status, archiving=False,
    readonly=("error_signal", "readout_signal", "readout_signal_unnorm", "target_signal"),
    secondary_out=("eprop_learning_signal", "rate_delayed"), secondary_in=("rate_delayed",),
    secondary_channels=2, sends_spikes=False, pre_run=_unsupported("eprop_readout_bsshslm_2020"))

MODELS = {m.name: m for m in (eprop_iaf_bsshslm_2020, eprop_iaf_adapt_bsshslm_2020,
                              eprop_readout_bsshslm_2020)}
