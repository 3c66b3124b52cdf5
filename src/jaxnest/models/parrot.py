"""parrot_neuron: repeats every incoming spike, in the step it arrives.

NEST's parrot ignores the connection weight (any sign): it counts the *multiplicity* of the
spike events arriving on receptor 0 and emits, in the arrival step s, one SpikeEvent with that
multiplicity (stamped (s + 1) * h like any spike). Spikes arriving on receptor 1 are accepted
but ignored (receptor 1 exists so that plastic synapses can be attached to a parrot without
the parrot repeating their input).

Input channels (``n_channels = 2``), chosen by :meth:`ParrotModel.channel` from the receptor,
not from the weight sign:

- channel 0: receptor 0, repeated;
- channel 1: receptor 1, ignored.

Because the weight plays no part, the kernel must fill ``x`` with spike *counts*
(multiplicities) for this model, not with weight x multiplicity; :class:`ParrotModel` says so
with ``input_is_multiplicity = True``. ``update`` returns ``floor(x[0])`` as the multiplicity
(NEST casts the summed count to an unsigned integer).

``flush_event_send_interval`` (ms, default inf) is NEST's parameter for e-prop flush events;
it is kept and validated so that GetDefaults/SetStatus match, but flush events carry no spike
and are not produced here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np

from .. import errors
from .base import NeuronModel


@dataclass(frozen=True)
class ParrotModel(NeuronModel):
    """NeuronModel whose spike input is counted, not weighted, and split by receptor."""

    def channel(self, weight: np.ndarray, receptor: np.ndarray) -> np.ndarray:
        """Receptor 0 -> channel 0 (repeated), receptor 1 -> channel 1 (ignored)."""
        receptor = np.asarray(receptor, dtype=np.int32)
        if np.any((receptor != 0) & (receptor != 1)):
            bad = int(receptor[(receptor != 0) & (receptor != 1)][0])
            raise errors.UnknownReceptorType(
                f"Receptor type {bad} is not available in {self.name}."
            )
        return receptor.copy()


def _parrot_propagators(params, h):
    return {}


def _parrot_update(params, props, state, x, i_stim, h):
    n_spikes = jnp.floor(jnp.maximum(jnp.asarray(x[0]), 0.0))
    return dict(state), n_spikes


def _parrot_check(params):
    if "flush_event_send_interval" in params and np.any(
        np.asarray(params["flush_event_send_interval"], dtype=np.float64) <= 0.0
    ):
        raise errors.BadProperty("flush_event_send_interval > 0 required.")


parrot_neuron = ParrotModel(
    name="parrot_neuron",
    params={"flush_event_send_interval": math.inf},
    state={},
    recordables=(),
    propagators=_parrot_propagators,
    update=_parrot_update,
    hidden={},
    n_channels=2,
    check=_parrot_check,
    input_is_multiplicity=True,
    signal="all",
)


def _parrot_ps_update(params, props, state, x, i_stim, h, step):
    """parrot_neuron_ps: every event on receptor 0 is sent on, with its offset and its
    multiplicity (NEST casts the count to an unsigned integer), one event per input event."""
    m = jnp.where(x.valid, jnp.floor(jnp.maximum(x.weight, 0.0)), 0.0)
    return dict(state), m, x.offset


parrot_neuron_ps = ParrotModel(
    name="parrot_neuron_ps",
    params={},
    state={},
    recordables=(),
    propagators=_parrot_propagators,
    update=_parrot_ps_update,
    hidden={},
    n_channels=2,
    input_is_multiplicity=True,
    off_grid=True,
    precise_input=(0,),
)
"""The precise parrot: relays each spike arriving on receptor 0 at its off-grid time (its
input arrives one event at a time, see kernel/precise.py); receptor 1 is accepted and ignored.
"""


MODELS = {m.name: m for m in (parrot_neuron, parrot_neuron_ps)}
