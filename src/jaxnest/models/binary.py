"""Binary neurons: ginzburg_neuron, mcculloch_pitts_neuron, erfc_neuron (NEST 3.10's
binary_neuron template with three gain functions).

A binary neuron holds a state S in {0, 1} and its summed input h (mV; a running sum: an up
transition of a presynaptic neuron adds the weight, a down transition subtracts it). It is
updated at the points of a Poisson process of mean interval ``tau_m`` (ms): the first update
time is drawn when a Simulate starts and none is set yet (measured from t = 0, not from the
current time, as NEST's ``pre_run_hook``), each update draws the next one. A step s updates the
neuron when its start s h lies strictly after the update time (times in tics, NEST's
``Time::ms`` rounding). The update sets S = g(h + I), I the current input of the step
(noise_generator), with the gain:

- ginzburg_neuron: S = 1 with probability ``c_1 h + c_2 (1 + tanh(c_3 (h - theta))) / 2``;
- mcculloch_pitts_neuron: S = 1 iff h > theta;
- erfc_neuron: S = 1 with probability ``erfc(-(h - theta) / (sqrt(2) sigma)) / 2``.

Transitions are sent as spikes. NEST encodes an up transition as a spike of multiplicity 2
and a down transition as multiplicity 1, and a binary target decodes them (a single spike:
-w; the second spike of a pair from the same sender and time: +2w). Here a down transition is
sent with multiplicity -1 and an up transition with +2: recorders (which take |m| copies) see
NEST's events exactly, and a binary target splits the events by sign into two channels (the
kernel's sign flip: channel 0 gets 2w per up, channel 1 gets -w per down) and adds
``x[0] / 2 + x[1]`` to h (the kernel flips the signed events of neuron rows whose model has
``signed_output``).

Spikes of other senders (spike_generator, parrot_neuron) are decoded as NEST does: n unit
spikes of one sender in a step add (2 n - 3) w (one spike -w, a pair +w); the kernel delivers
them so into channel 1 (plan._decoded).

Random numbers per step: draw 0 is the gain's uniform, draw 1 the exponential of the next
update interval, draw 2 the first update time.

Not reproduced: NEST's decoding of several connections between the same pair of neurons
(multapses: the second connection's single spike is read as the second spike of an up pair);
NEST's documentation calls such networks invalid.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np

from .. import errors
from ..timebase import of_params
from .base import NeuronModel


@dataclass(frozen=True)
class BinaryModel(NeuronModel):
    """Spikes on receptor 0 only; channel 0 for every edge (the kernel moves events of
    negative multiplicity to channel 1)."""

    signal: str = "binary"
    signed_output: bool = True
    """Emits negative multiplicities (down transitions): the kernel must route them by sign."""

    def channel(self, weight: np.ndarray, receptor: np.ndarray) -> np.ndarray:
        receptor = np.asarray(receptor)
        self.refuse_receptors(receptor, receptor != 0)
        return np.zeros(receptor.shape, np.int32)


def is_binary(impl) -> bool:
    return isinstance(impl, BinaryModel)


def _check_link(sender, target, receptors):
    """What jaxnest does not do yet of what NEST allows (Connect has checked the signal types):
    a parrot relaying transitions."""
    if is_binary(sender.impl) and not is_binary(target.impl) and target.impl is not None \
            and target.impl.input_is_multiplicity:
        raise errors.NotImplemented(
            f"{target.model} relaying binary neurons' transitions (jaxnest sends a down "
            "transition with multiplicity -1, which a parrot drops).")


def _check(params):
    if np.any(np.asarray(params["tau_m"], float) <= 0):
        raise errors.BadProperty("All time constants must be strictly positive.")


def _propagators(params, h):
    return {}


def _tics(ms, tpm):
    """``Time::ms(t).get_tics()`` for t >= 0: rounded half up."""
    return jnp.floor(ms * tpm + 0.5)


def _make_update(gain):
    def update(params, props, state, x, i_stim, h, rand, step):
        tpm = of_params(params)
        tics_per_step = jnp.floor(tpm * h + 0.5)
        total = state["h"] + (0.5 * x[0] + x[1])
        t_next = state["t_next"]
        first = _tics(-jnp.log(rand.uniform(2)) * params["tau_m"], tpm)
        t_next = jnp.where(t_next < 0, first, t_next)  # NEST's pre_run_hook
        due = step * tics_per_step > t_next
        new_y = gain(params, total + i_stim, rand.uniform(0))
        old_y = state["S"] != 0
        change = due & (new_y != old_y)
        spikes = jnp.where(change, jnp.where(new_y, 2.0, -1.0), 0.0)
        y = jnp.where(due, new_y, old_y).astype(total.dtype)
        interval = _tics(-jnp.log(rand.uniform(1)) * params["tau_m"], tpm)
        t_next = jnp.where(due, t_next + interval, t_next)
        return {"S": y, "h": total, "t_next": t_next}, spikes
    return update


def _ginzburg(p, h, u):
    return u < p["c_1"] * h + p["c_2"] * 0.5 * (1.0 + jnp.tanh(p["c_3"] * (h - p["theta"])))


def _mcculloch_pitts(p, h, u):
    return h > p["theta"]


def _erfc(p, h, u):
    return u < 0.5 * jsp.erfc(-(h - p["theta"]) / (math.sqrt(2.0) * p["sigma"]))


def _model(name, params, gain):
    return BinaryModel(
        name=name, params={"tau_m": 10.0, **params}, state={"S": False, "h": 0.0},
        recordables=("S", "h"), propagators=_propagators, update=_make_update(gain),
        hidden={"t_next": -1.0}, n_channels=2, check=_check, random=True, takes_step=True,
        check_link=_check_link, readonly=("S", "h"))


ginzburg_neuron = _model("ginzburg_neuron",
                         {"theta": 0.0, "c_1": 0.0, "c_2": 1.0, "c_3": 1.0}, _ginzburg)
mcculloch_pitts_neuron = _model("mcculloch_pitts_neuron", {"theta": 0.0}, _mcculloch_pitts)
erfc_neuron = _model("erfc_neuron", {"theta": 0.0, "sigma": 1.0}, _erfc)

MODELS = {m.name: m for m in (ginzburg_neuron, mcculloch_pitts_neuron, erfc_neuron)}
