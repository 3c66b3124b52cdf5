"""``iaf_chs_2007``: normalised spike-response neuron of Carandini, Horton & Sincich (2007),
integrated exactly as NEST 3.10 does.

Dimensionless potentials (threshold 1, rest 0). ``V_m`` is the sum of an alpha-shaped EPSP
term, an exponentially decaying reset term and an optional external noise sample::

    V_m = V_syn + V_spike + V_noise * noise[k]

- EPSP: ``i_syn`` decays with ``tau_epsp`` and jumps by each excitatory weight; ``V_syn``
  follows it with ``P21 = V_epsp e / C * exp(-h/tau_epsp) * h / tau_epsp`` (``C = 1``), so a
  unit weight gives an EPSP of peak ``V_epsp``;
- reset: at a spike (``V_m >= 1``) ``V_spike`` and ``V_m`` drop by ``V_reset``; ``V_spike``
  decays with ``tau_reset``. No refractory period;
- noise: with ``V_noise > 0`` and a non-empty ``noise`` list (a list parameter per neuron, not
  per receptor port: ``vector_params`` with ``port_params=()``), step k adds
  ``V_noise * noise[k]`` (k counts the steps since the list was set: setting ``noise`` restarts
  it, as NEST does).

Only spike input (receptor 0) with weights ``>= 0``: negative weights are dropped (as in
NEST); no current input: NEST refuses it at Connect (IllegalConnection).

Per step, as NEST's ``update()``: ``V_syn = P22 V_syn + P21 i_syn`` (current of the previous
step), ``i_syn = P11 i_syn + input``, ``V_spike *= P30``, ``V_m`` = the sum above, threshold
test and reset.

Hidden state: ``i_syn_ex``, ``V_syn``, ``V_spike`` and ``position`` (next noise index).

The update reads ``noise`` as a ``(K, n)`` array, NaN past each neuron's list; beyond its
end the noise term is 0 (NEST reads past the end of the vector).
"""
from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from .iaf_psc import IafModel, _bad, _props

_PARAMS = {
    "V_epsp": 0.77,
    "V_noise": 0.0,
    "V_reset": 2.31,
    "tau_epsp": 8.5,
    "tau_reset": 15.4,
    "noise": (),
}
_U_TH = 1.0  # threshold (normalised), fixed in NEST
_C = 1.0  # capacitance (normalised), fixed in NEST


def _check(params):
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items() if k != "noise"}
    _bad(p["V_epsp"] < 0, "EPSP cannot be negative.")
    _bad(p["V_reset"] < 0, "Reset potential cannot be negative.")
    _bad((p["tau_epsp"] <= 0) | (p["tau_reset"] <= 0),
         "All time constants must be strictly positive.")


def _propagators(params, h):
    def build(p, xp):
        p11 = xp.exp(-h / p["tau_epsp"])
        return {
            "P11ex": p11,
            "P22": xp.exp(-h / p["tau_epsp"]),
            "P30": xp.exp(-h / p["tau_reset"]),
            "P21ex": p["V_epsp"] * math.e / _C * p11 * h / p["tau_epsp"],
        }

    return _props({k: v for k, v in params.items() if k != "noise"}, h, build)


def _noise_term(params, position):
    """``V_noise * noise[position]`` where NEST adds noise; returns (term, used). ``noise`` is
    (K, n), NaN past each neuron's list (an empty list: NaN from row 0)."""
    noise = params.get("noise")
    if noise is None or jnp.shape(noise)[0] == 0:
        return jnp.zeros_like(position), jnp.zeros(jnp.shape(position), bool)
    noise = jnp.asarray(noise)
    used = (params["V_noise"] > 0.0) & ~jnp.isnan(noise[0])
    k = position.astype(jnp.int32)
    sample = jnp.take_along_axis(noise, jnp.clip(k, 0, noise.shape[0] - 1)[None, :], axis=0)[0]
    inside = (k < noise.shape[0]) & ~jnp.isnan(sample)
    return jnp.where(used & inside, params["V_noise"] * sample, 0.0), used


def _restart_noise(u):
    """Setting ``noise`` restarts the noise index (NEST's Parameters_::set)."""
    for i, d in zip(u.idx, u.given):
        if "noise" in d:
            u.hidden["position"][i] = 0.0


def _update(params, props, state, x, i_stim, h):
    V_syn = state["V_syn"] * props["P22"] + state["i_syn_ex"] * props["P21ex"]
    i_syn = state["i_syn_ex"] * props["P11ex"] + x[0]  # x[1] (negative weights) is dropped
    V_spike = state["V_spike"] * props["P30"]
    noise, used = _noise_term(params, state["position"])
    V_m = V_syn + V_spike + noise

    spike = V_m >= _U_TH
    V_spike = jnp.where(spike, V_spike - params["V_reset"], V_spike)
    V_m = jnp.where(spike, V_m - params["V_reset"], V_m)

    new = {
        "V_m": V_m,
        "V_syn": V_syn,
        "V_spike": V_spike,
        "i_syn_ex": i_syn,
        "position": jnp.where(used, state["position"] + 1.0, state["position"]),
    }
    return new, spike.astype(V_m.dtype)


iaf_chs_2007 = IafModel(
    name="iaf_chs_2007",
    params=_PARAMS,
    state={"V_m": 0.0},
    recordables=("V_m",),
    propagators=_propagators,
    update=_update,
    hidden={"i_syn_ex": 0.0, "V_syn": 0.0, "V_spike": 0.0, "position": 0.0},
    n_channels=2,
    check=_check,
    vector_params={"noise": math.nan},
    port_params=(),
    current_receptors={},  # NEST refuses current generators (IllegalConnection)
    on_status=_restart_noise,
)

MODELS = {iaf_chs_2007.name: iaf_chs_2007}
