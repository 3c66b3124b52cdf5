"""NEST's rate transformer nodes: rate_transformer_{lin,tanh,threshold_lin,sigmoid,
sigmoid_gg_1998,gauss}.

No dynamics: each step the node's rate becomes phi(summed input of the step) (or the sum of
phi of each event, ``linear_summation = False``); it sends the rate it had before the step,
one buffer for all weights (no ex/in split). Used to apply a nonlinearity between rate
neurons.
"""
from __future__ import annotations

import jax.numpy as jnp

from .rate_common import NONLINEARITIES, RateModel, edge_value


def _propagators(p, h):
    return {}


def _update_for(nl):
    def update(p, pr, st, x, i_stim, h, sec=None):
        r0 = st["rate"]
        total = sec[0]
        rate = jnp.where(p["linear_summation"] != 0, 0.0 + nl.input(p, total), 0.0 + total)
        return {"rate": rate}, jnp.zeros_like(r0), r0
    return update


def _model(suffix: str) -> RateModel:
    nl = NONLINEARITIES[suffix]
    return RateModel(
        name=f"rate_transformer_{suffix}", params={"linear_summation": True, **nl.params},
        state={"rate": 0.0}, recordables=("rate",), propagators=_propagators,
        update=_update_for(nl), n_channels=1, current_receptors={},
        secondary_out=("rate_delayed", "rate_instantaneous"),
        secondary_in=("rate_delayed", "rate_instantaneous"), secondary_channels=1,
        secondary_edge_value=edge_value(nl), secondary_proxy="rate", wfr_state="rate",
        sends_spikes=False)


MODELS = {m.name: m for m in (_model(s) for s in NONLINEARITIES)}
