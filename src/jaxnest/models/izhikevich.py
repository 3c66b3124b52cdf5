"""``izhikevich``: Izhikevich (2003) neuron with NEST 3.10's forward-Euler update::

    dV_m/dt = 0.04 V_m^2 + 5 V_m + 140 - U_m + I_stim + I_e
    dU_m/dt = a (b V_m - U_m)
    if V_m >= V_th: V_m = c, U_m += d

``V_m`` in mV, ``U_m`` in mV/ms (the model's own units; currents enter as they are). Spike
input (one buffer, any sign) is added to ``V_m`` directly. Per step (``h`` the resolution), as
NEST's ``update()``:

- ``consistent_integration = True`` (default): one Euler step from the old values,
  ``V += h f(V, U) + spikes``, ``U += h a (b V_old - U_old)``;
- ``consistent_integration = False`` (Izhikevich's published scheme, meant for h = 1 ms): two
  half steps for ``V`` (spike input inside the derivative), then ``U`` from the new ``V``;

then ``V_m`` is bounded below by ``V_min``, the threshold test resets ``V_m = c`` and adds
``d`` to ``U_m``, and this step's CurrentEvent input is kept as ``I_stim`` for the next step.
NEST checks no parameter values.

Hidden state: ``I_stim`` (pA).
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .iaf_psc import IafModel

_PARAMS = {
    "I_e": 0.0,
    "V_min": -float(np.finfo(np.float64).max),
    "V_th": 30.0,
    "a": 0.02,
    "b": 0.2,
    "c": -65.0,
    "consistent_integration": True,
    "d": 8.0,
}


def _check(params):
    """NEST's izhikevich accepts every parameter value (nothing to check)."""


def _propagators(params, h):
    return {}


def _update(params, props, state, x, i_stim, h):
    v, u = state["V_m"], state["U_m"]
    I = state["I_stim"]
    spikes = x[0] + x[1]
    a, b = params["a"], params["b"]

    # consistent integration (sums in NEST's order: the rounding is part of the trace)
    v_c = v + (h * (0.04 * v * v + 5.0 * v + 140.0 - u + I + params["I_e"]) + spikes)
    u_c = u + h * a * (b * v - u)
    # Izhikevich's scheme
    v_i = v + h * 0.5 * (0.04 * v * v + 5.0 * v + 140.0 - u + I + params["I_e"] + spikes)
    v_i = v_i + h * 0.5 * (0.04 * v_i * v_i + 5.0 * v_i + 140.0 - u + I + params["I_e"] + spikes)
    u_i = u + h * a * (b * v_i - u)

    consistent = jnp.asarray(params["consistent_integration"]) != 0
    v = jnp.where(consistent, v_c, v_i)
    u = jnp.where(consistent, u_c, u_i)
    v = jnp.where(v < params["V_min"], params["V_min"], v)

    spike = v >= params["V_th"]
    v = jnp.where(spike, params["c"], v)
    u = jnp.where(spike, u + params["d"], u)

    new = {"V_m": v, "U_m": u, "I_stim": jnp.asarray(i_stim, dtype=v.dtype) + jnp.zeros_like(v)}
    return new, spike.astype(v.dtype)


izhikevich = IafModel(
    name="izhikevich",
    params=_PARAMS,
    state={"U_m": -13.0, "V_m": -65.0},
    recordables=("U_m", "V_m"),
    propagators=_propagators,
    update=_update,
    hidden={"I_stim": 0.0},
    n_channels=2,
    check=_check,
)

MODELS = {izhikevich.name: izhikevich}
