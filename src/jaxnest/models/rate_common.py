"""What NEST's rate models share: the input nonlinearities (NEST's ``nonlinearities_*``
classes, one per model suffix), the spec class and the ``mean``/``std`` aliases.

A nonlinearity is its parameters (NEST names, defaults), ``input(p, h)`` (the gain function
applied to the summed input, or per event when ``linear_summation`` is False) and the factors
of multiplicative coupling (``mult_ex``/``mult_in``, functions of the rate; 1 except for
lin_rate). Rate models send and receive only secondary events (kernel/continuous.py); spike
and current input are refused at Connect as NEST refuses them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import jax.numpy as jnp
import numpy as np

from .. import errors
from .base import NeuronModel


@dataclass(frozen=True)
class Nonlinearity:
    suffix: str
    params: dict
    input: Callable
    mult_ex: Callable | None = None
    mult_in: Callable | None = None


def _lin_input(p, h):
    return p["g"] * h


def _tanh_input(p, h):
    return jnp.tanh(p["g"] * (h - p["theta"]))


def _threshold_lin_input(p, h):
    return jnp.minimum(jnp.maximum(p["g"] * (h - p["theta"]), 0.0), p["alpha"])


def _sigmoid_input(p, h):
    return p["g"] / (1.0 + jnp.exp(-p["beta"] * (h - p["theta"])))


def _gg_1998_input(p, h):
    gh4 = jnp.power(p["g"] * h, 4.0)
    return gh4 / (jnp.power(0.1, 4.0) + gh4)


def _gauss_input(p, h):
    return p["g"] * jnp.exp(-jnp.power(h - p["mu"], 2.0) / (2.0 * jnp.power(p["sigma"], 2.0)))


NONLINEARITIES = {n.suffix: n for n in (
    Nonlinearity("lin", {"g": 1.0, "g_ex": 1.0, "g_in": 1.0, "theta_ex": 0.0, "theta_in": 0.0},
                 _lin_input,
                 lambda p, r: p["g_ex"] * (p["theta_ex"] - r),
                 lambda p, r: p["g_in"] * (p["theta_in"] + r)),
    Nonlinearity("tanh", {"g": 1.0, "theta": 0.0}, _tanh_input),
    Nonlinearity("threshold_lin", {"g": 1.0, "theta": 0.0, "alpha": float("inf")},
                 _threshold_lin_input),
    Nonlinearity("sigmoid", {"g": 1.0, "beta": 1.0, "theta": 0.0}, _sigmoid_input),
    Nonlinearity("sigmoid_gg_1998", {"g": 1.0}, _gg_1998_input),
    Nonlinearity("gauss", {"g": 1.0, "mu": 0.0, "sigma": 0.0}, _gauss_input),
)}


@dataclass(frozen=True)
class RateModel(NeuronModel):
    """A rate model: no spike input (NEST's IllegalConnection at Connect)."""

    def channel(self, weight: np.ndarray, receptor: np.ndarray) -> np.ndarray:
        raise errors.IllegalConnection(
            "Creation of connection is not possible because:\nThe target node or synapse "
            "model does not support spike input.\n  Note that volt/multimeters must be "
            "connected as Connect(meter, neuron).")


def sign_channel(weight: np.ndarray) -> np.ndarray:
    """Rate neurons: weight >= 0 -> excitatory buffer (0), else inhibitory (1)."""
    return np.where(np.asarray(weight) >= 0.0, 0, 1).astype(np.int64)


def edge_value(nl: Nonlinearity):
    """NEST's ``linear_summation = False``: each event's value through the target's
    nonlinearity (before the weight)."""
    def value(p, v):
        return jnp.where(p["linear_summation"] != 0, v, nl.input(p, v))
    return value


def neuron_aliases(gauss: bool):
    """``on_status`` keeping NEST's old names: ``mean``/``std`` are the neuron's drift and
    noise (``mu``/``sigma``); setting ``mu``/``sigma`` sets them too. In gauss models ``mu`` and
    ``sigma`` are also the nonlinearity's (shown), which ``mean``/``std`` do not change."""
    def on_status(u) -> None:
        for j, i in enumerate(u.idx.tolist()):
            g = u.given[j]
            for new, old in (("mu", "mean"), ("sigma", "std")):
                if old in g:
                    if not gauss:
                        u.params[new][i] = u.params[old][i]
                elif new in g:
                    u.params[old][i] = u.params[new][i]
    return on_status


def check_noise(p) -> None:
    if np.any(np.asarray(p["sigma"], float) < 0) or np.any(np.asarray(p["std"], float) < 0):
        raise errors.BadProperty("Noise parameter must not be negative.")


def combine(p, pr, nl: Nonlinearity, rate, ex, inh, coupling_rate):
    """Add the input to the propagated rate as NEST does, by linear_summation and
    mult_coupling (H_ex, H_in: the coupling factors at ``coupling_rate``)."""
    P2 = pr["P2"]
    mult = p["mult_coupling"] != 0
    if nl.mult_ex is not None:
        h_ex = jnp.where(mult, nl.mult_ex(p, coupling_rate), 1.0)
        h_in = jnp.where(mult, nl.mult_in(p, coupling_rate), 1.0)
    else:
        h_ex = h_in = jnp.ones_like(rate)
    lin_mult = (rate + P2 * h_ex * nl.input(p, ex)) + P2 * h_in * nl.input(p, inh)
    lin_plain = rate + P2 * nl.input(p, ex + inh)
    nonlin = (rate + P2 * h_ex * ex) + P2 * h_in * inh
    lin = p["linear_summation"] != 0
    return jnp.where(lin, jnp.where(mult, lin_mult, lin_plain), nonlin)
