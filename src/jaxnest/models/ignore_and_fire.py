"""``ignore_and_fire``: a neuron that fires at a fixed ``rate`` (spikes/s) and ``phase``
whatever its input (NEST 3.10; for benchmarks whose activity must not depend on the network).

NEST counts steps: the firing period is ``Time(1 / rate * 1000 ms).get_steps()`` steps and the
countdown to the next spike starts at ``Time(phase / rate * 1000 ms).get_steps()`` steps
(``0 < phase <= 1``: the time to the first spike as a fraction of the period). Each step: at 0
the neuron spikes and the countdown restarts at ``period - 1``, else it counts down. Spike and
current input are accepted (receptor 0) and ignored. No state is visible; no recordables.

NEST computes the countdown when the node is created and whenever its status is set (any
SetStatus, whatever it sets), not when a simulation starts. Here the hidden countdown belongs to
the ``phase`` and ``rate`` it was computed from (hidden ``phase_from``, ``rate_from``; NaN
before the first update and after every SetStatus, through ``on_status``): the update restarts
it whenever they differ from the parameters.
"""
from __future__ import annotations

import jax.numpy as jnp

from .iaf_psc import IafModel, _bad, _np, _props, ms_to_steps

_PARAMS = {"phase": 1.0, "rate": 10.0}


def _check(params):
    p = _np(params)
    _bad((p["phase"] <= 0.0) | (p["phase"] > 1.0), "Phase must be > 0 and <= 1.")
    _bad(p["rate"] <= 0.0, "Firing rate must be > 0.")


def _propagators(params, h):
    def build(p, xp):
        return {
            "firing_period_steps": ms_to_steps(1.0 / p["rate"] * 1000.0, h, p),
            "phase_steps": ms_to_steps(p["phase"] / p["rate"] * 1000.0, h, p),
        }

    return _props(params, h, build)


def _update(params, props, state, x, i_stim, h):
    restart = (state["phase_from"] != params["phase"]) | (state["rate_from"] != params["rate"])
    steps = jnp.where(restart, props["phase_steps"], state["phase_steps"])
    spike = steps == 0
    steps = jnp.where(spike, props["firing_period_steps"] - 1.0, steps - 1.0)
    new = {
        "phase_steps": steps,
        "phase_from": params["phase"] + jnp.zeros_like(steps),
        "rate_from": params["rate"] + jnp.zeros_like(steps),
    }
    return new, spike.astype(steps.dtype)


def _restart(u):
    """Any SetStatus restarts the countdown (NEST's set_status recomputes it)."""
    u.hidden["phase_from"][u.idx] = float("nan")


ignore_and_fire = IafModel(
    name="ignore_and_fire",
    params=_PARAMS,
    state={},
    recordables=(),
    propagators=_propagators,
    update=_update,
    hidden={"phase_steps": 0.0, "phase_from": float("nan"), "rate_from": float("nan")},
    n_channels=2,
    check=_check,
    on_status=_restart,
)

MODELS = {ignore_and_fire.name: ignore_and_fire}
