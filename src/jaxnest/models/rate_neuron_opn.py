"""NEST's rate neurons with output noise (rate_neuron_opn): lin_rate_opn, tanh_rate_opn,
threshold_lin_rate_opn.

    tau dX = [-X + mu + phi(input)] dt,   sent: X + sqrt(tau/h) sigma xi

integrated by exponential Euler; the noise (one standard normal per step, piecewise
constant over the step) is added to the rate that is *sent* (``noisy_rate``), not to X.
Per step, as NEST's ``update_``: noisy_rate from the old rate, the propagated rate, then the
step's delayed + instantaneous input (ex/in by the weight's sign) through phi, with
multiplicative coupling factors of the noisy rate. The instantaneous proxy for the next
slice is the last noisy_rate.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import errors
from .rate_common import (NONLINEARITIES, RateModel, check_noise, combine, edge_value,
                          neuron_aliases, sign_channel)

NEURON_PARAMS = {"tau": 10.0, "sigma": 1.0, "mu": 0.0, "linear_summation": True,
                 "mult_coupling": False, "mean": 0.0, "std": 1.0}


def _propagators(p, h):
    tau = p["tau"]
    return {"P1": jnp.exp(-h / tau), "P2": -jnp.expm1(-h / tau), "f": jnp.sqrt(tau / h)}


def _check(p) -> None:
    if np.any(np.asarray(p["tau"], float) <= 0):
        raise errors.BadProperty("Time constant must be > 0.")
    check_noise(p)


def _update_for(nl):
    def update(p, pr, st, x, i_stim, h, sec=None, rand=None):
        r0 = st["rate"]
        noise = p["std"] * rand.normal(0)
        noisy = r0 + pr["f"] * noise
        rate = pr["P1"] * r0 + pr["P2"] * p["mean"]
        rate = combine(p, pr, nl, rate, sec[0], sec[1], noisy)
        return {"rate": rate, "noise": noise, "noisy_rate": noisy}, jnp.zeros_like(r0), noisy
    return update


def _model(suffix: str) -> RateModel:
    nl = NONLINEARITIES[suffix]
    return RateModel(
        name=f"{suffix}_rate_opn", params={**NEURON_PARAMS, **nl.params},
        state={"rate": 0.0, "noise": 0.0, "noisy_rate": 0.0},
        recordables=("noise", "noisy_rate", "rate"), propagators=_propagators,
        update=_update_for(nl), n_channels=1, current_receptors={}, random=True,
        check=_check, readonly=("noise", "noisy_rate"), on_status=neuron_aliases(False),
        secondary_out=("rate_delayed", "rate_instantaneous"),
        secondary_in=("rate_delayed", "rate_instantaneous"), secondary_channels=2,
        secondary_channel=sign_channel, secondary_edge_value=edge_value(nl),
        secondary_proxy="noisy_rate", wfr_state="rate", sends_spikes=False)


MODELS = {m.name: m for m in (_model(s) for s in ("lin", "tanh", "threshold_lin"))}
