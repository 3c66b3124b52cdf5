"""NEST's rate neurons with input noise (rate_neuron_ipn): lin_rate_ipn, tanh_rate_ipn,
threshold_lin_rate_ipn, sigmoid_rate_ipn, sigmoid_rate_gg_1998_ipn, gauss_rate_ipn.

    tau dX = [-lambda X + mu + phi(input)] dt + sqrt(tau) sigma dW

integrated by the stochastic exponential Euler method (lambda > 0) or Euler-Maruyama
(lambda = 0), one standard normal per step (the kernel's counter stream: the same draw in
every waveform-relaxation sweep, as NEST reuses its per-slice draws). Per step, as NEST's
``update_``: the value sent is the rate *before* the step; the noise term, then the
delayed + instantaneous input of the step (ex/in by the weight's sign) through phi, with
multiplicative coupling factors of the old rate; optional rectification. Rates are
dimensionless; tau in ms; sigma in units of the rate.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import errors
from .rate_common import (NONLINEARITIES, RateModel, check_noise, combine, edge_value,
                          neuron_aliases, sign_channel)

NEURON_PARAMS = {"tau": 10.0, "lambda": 1.0, "sigma": 1.0, "mu": 0.0, "rectify_rate": 0.0,
                 "linear_summation": True, "rectify_output": False, "mult_coupling": False,
                 "mean": 0.0, "std": 1.0}


def _propagators(p, h):
    """NEST's pre_run_hook: exponential Euler for lambda > 0, Euler-Maruyama for 0."""
    tau, lam = p["tau"], p["lambda"]
    pos = lam > 0
    ls = jnp.where(pos, lam, 1.0)
    return {"P1": jnp.where(pos, jnp.exp(-ls * h / tau), 1.0),
            "P2": jnp.where(pos, -1.0 / ls * jnp.expm1(-ls * h / tau), h / tau),
            "f": jnp.where(pos, jnp.sqrt(-0.5 / ls * jnp.expm1(-2.0 * ls * h / tau)),
                           jnp.sqrt(h / tau))}


def _check(p) -> None:
    if np.any(np.asarray(p["tau"], float) <= 0):
        raise errors.BadProperty("Time constant must be > 0.")
    if np.any(np.asarray(p["lambda"], float) < 0):
        raise errors.BadProperty("Passive decay rate must be >= 0.")
    check_noise(p)
    if np.any(np.asarray(p["rectify_rate"], float) < 0):
        raise errors.BadProperty("Rectifying rate must not be negative.")


def _update_for(nl):
    def update(p, pr, st, x, i_stim, h, sec=None, rand=None):
        r0 = st["rate"]
        noise = p["std"] * rand.normal(0)
        rate = pr["P1"] * r0 + pr["P2"] * p["mean"] + pr["f"] * noise
        rate = combine(p, pr, nl, rate, sec[0], sec[1], r0)
        rect = (p["rectify_output"] != 0) & (rate < p["rectify_rate"])
        rate = jnp.where(rect, p["rectify_rate"], rate)
        return {"rate": rate, "noise": noise}, jnp.zeros_like(r0), r0
    return update


def _model(suffix: str) -> RateModel:
    nl = NONLINEARITIES[suffix]
    gauss = suffix == "gauss"
    params = {**NEURON_PARAMS, **nl.params}
    return RateModel(
        name="sigmoid_rate_gg_1998_ipn" if suffix == "sigmoid_gg_1998" else f"{suffix}_rate_ipn",
        params=params, state={"rate": 0.0, "noise": 0.0},
        recordables=("noise", "rate"), propagators=_propagators, update=_update_for(nl),
        n_channels=1, current_receptors={}, random=True, check=_check, readonly=("noise",),
        on_status=neuron_aliases(gauss), secondary_out=("rate_delayed", "rate_instantaneous"),
        secondary_in=("rate_delayed", "rate_instantaneous"), secondary_channels=2,
        secondary_channel=sign_channel, secondary_edge_value=edge_value(nl),
        secondary_proxy="rate", wfr_state="rate", sends_spikes=False)


MODELS = {m.name: m for m in (_model(s) for s in NONLINEARITIES)}
