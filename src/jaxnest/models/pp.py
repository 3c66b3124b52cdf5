"""Point-process neuron with leaky integration of delta-shaped currents: ``pp_psc_delta`` as in
NEST 3.10 (Cardanobile and Rotter 2010; Jolivet et al. 2006 spike-frequency adaptation).

The membrane ``V_m`` (mV, relative to rest) integrates currents exactly
(``tau_m``, ``C_m``); spike input jumps it by the weight. An adaptive threshold
``E_sfa = sum_i q_i`` (elements decay with ``tau_sfa[i]`` *before* they are summed, and jump by
``q_sfa[i]`` at every spike) enters the instantaneous rate (Hz)::

    rate = c_1 V_eff + c_2 exp(c_3 V_eff),   V_eff = V_m - E_sfa

Outside the dead time a step of h ms emits a spike with probability
``1 - exp(-rate h / 1000)`` (``dead_time > 0``; NEST's test ``u <= p``), or a Poisson number of
spikes of mean ``rate h / 1000`` (``dead_time = 0``: one event with that multiplicity). After
a spike the dead time is ``dead_time`` (raised to h when below it), or, with
``dead_time_random``, gamma distributed with shape ``dead_time_shape`` and mean
``dead_time``; ``with_reset`` sets V_m to 0. ``t_ref_remaining`` puts the neuron in dead time
when it first runs.

Random numbers per step: draw 0 decides the spike (Bernoulli, or Poisson by inversion of its
CDF, exact for any mean: :func:`.gif_pop.poisson`); draws 1 .. dead_time_shape are the
exponentials whose sum is the gamma deviate.

Not reproduced: NEST keeps the ``tau_sfa`` propagators and the number of elements of the first
Simulate until the state is set (stale values, and out-of-range reads, after a later change);
GetStatus shows ``dead_time`` as given, NEST shows the raised value after Simulate; scalar
``tau_sfa``/``q_sfa`` are reported as one-element lists (NEST: as scalars). NEST appends a
scalar ``tau_sfa``/``q_sfa`` as one more element: jaxnest takes it on a neuron without
elements (the default) and raises NotImplemented on one that has some.
"""
from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import errors
from .aeif_multisynapse import bad, lengths, values
from .gif_pop import poisson
from .iaf_psc import IafModel, _props, ms_to_steps



@dataclass(frozen=True)
class PPModel(IafModel):
    """Spikes on receptor 0 only; as many kernel channels as adaptation elements."""

    def hidden_widths(self, params, h):
        return {"q_elems": np.atleast_2d(params["tau_sfa"]).shape[1]}

    def from_nest(self, d: dict) -> dict:
        return _from_nest(d)


def _check(params):
    na, nb = lengths(params["tau_sfa"]), lengths(params["q_sfa"])
    if (na != nb).any():
        i = int(np.flatnonzero(na != nb)[0])
        bad(True, "'tau_sfa' and 'q_sfa' need to have the same dimension.\nSize of "
            f"tau_sfa: {na[i]}\nSize of q_sfa: {nb[i]}")
    p = {k: np.asarray(params[k], float) for k in _PARAMS if k not in ("tau_sfa", "q_sfa")}
    bad(p["C_m"] <= 0, "Capacitance must be strictly positive.")
    bad(p["dead_time"] < 0, "Absolute refractory time must not be negative.")
    bad(p["dead_time_shape"] < 1,
        "Shape of the dead time gamma distribution must not be smaller than 1.")
    bad(p["tau_m"] <= 0, "All time constants must be strictly positive.")
    bad(values(params["tau_sfa"]) <= 0, "All time constants must be strictly positive.")
    bad(p["t_ref_remaining"] < 0, "Remaining refractory time can not be negative.")
    bad(p["c_3"] < 0, "c_3 must be positive.")


def _propagators(params, h):
    def build(p, xp):
        tau_m = p["tau_m"]
        p33 = xp.exp(-h / tau_m)
        dead = p["dead_time"]
        dead = xp.where((dead != 0) & (dead < h), h, dead)  # NEST raises it to one step
        return {"P33": p33, "P30": 1 / p["C_m"] * (1 - p33) * tau_m,
                "Q33": xp.exp(-h / p["tau_sfa"]), "dead_counts": ms_to_steps(dead, h),
                "dt_rate": p["dead_time_shape"] / dead, "dead_time": dead,
                "initial_counts": ms_to_steps(p["t_ref_remaining"], h)}

    return _props(params, h, build)


def _gamma_dead_time(params, props, rand, h):
    """Dead time in steps: Gamma(shape) / dt_rate as NEST's Time(ms(.)).get_steps(); the gamma
    deviate of integer shape k is the sum of k exponentials (draws 1 .. k)."""
    shape = params["dead_time_shape"]
    k_max = jnp.max(jnp.where(params["dead_time_random"] != 0, shape, 0)).astype(jnp.int32)

    def body(j, acc):
        e = -jnp.log(rand.uniform(j + 1))
        return acc + jnp.where(j < shape, e, 0.0)

    g = lax.fori_loop(0, k_max, body, jnp.zeros_like(shape))
    return ms_to_steps(g / props["dt_rate"], h)


def _update(params, props, state, x, i_stim, h, rand):
    y3 = props["P30"] * (state["I_stim"] + params["I_e"]) + props["P33"] * state["V_m"] \
        + (x[0] + x[1])
    elems = state["q_elems"]
    n_el = min(elems.shape[0], props["Q33"].shape[0])
    decayed = [props["Q33"][i] * elems[i] for i in range(n_el)]
    q = jnp.zeros_like(y3)
    for e in decayed:
        q = q + e
    if decayed:
        elems = elems.at[:n_el].set(jnp.stack(decayed))
    started = state["started"] != 0
    r = jnp.where(started, state["refr_count"], props["initial_counts"])
    free = r == 0
    v_eff = y3 - q
    rate = params["c_1"] * v_eff + params["c_2"] * jnp.exp(params["c_3"] * v_eff)
    fire = free & (rate > 0.0)
    u = rand.uniform(0)
    mean = jnp.where(fire, rate * h * 1e-3, 0.0)
    bernoulli = (u <= -jnp.expm1(-mean)).astype(y3.dtype)
    dead = props["dead_time"] > 0.0
    pois = poisson(u, jnp.where(dead, 0.0, mean))
    n = jnp.where(dead, bernoulli, jnp.where(mean > 0.0, pois, 0.0))
    n = jnp.where(fire, n, 0.0)
    spike = n > 0
    random_dead = params["dead_time_random"] != 0
    dead_steps = jnp.where(random_dead, _gamma_dead_time(params, props, rand, h),
                           props["dead_counts"])
    r = jnp.where(free, jnp.where(spike, dead_steps, r), r - 1.0)
    q_sfa = params["q_sfa"]
    if n_el:
        elems = elems.at[:n_el].add(jnp.where(spike, q_sfa[:n_el] * n, 0.0))
    y3 = jnp.where(spike & (params["with_reset"] != 0), 0.0, y3)
    new = {"V_m": y3, "E_sfa": q, "q_elems": elems, "refr_count": r,
           "started": jnp.ones_like(y3), "I_stim": jnp.asarray(i_stim, y3.dtype) + 0.0 * y3}
    return new, n


_SCALAR = "_sfa_scalar"
"""Set-only marker: tau_sfa/q_sfa were given as numbers (NEST: append one element)."""


def _from_nest(d: dict) -> dict:
    """Scalar tau_sfa/q_sfa as one-element lists, marked (see :func:`_on_set`)."""
    scalar = [k for k in ("tau_sfa", "q_sfa") if k in d and np.ndim(d[k]) == 0
              and not hasattr(d[k], "sample")]
    if not scalar:
        return d
    return {**d, **{k: [d[k]] for k in scalar}, _SCALAR: True}


def _on_set(old, new, state, keys):
    """A scalar tau_sfa/q_sfa on neurons that have elements: NEST appends it."""
    if _SCALAR in keys:
        a, b = np.atleast_2d(old["tau_sfa"]), np.atleast_2d(new["tau_sfa"])
        w = max(a.shape[1], b.shape[1])
        a, b = (np.pad(x, ((0, 0), (0, w - x.shape[1])), constant_values=np.nan)
                for x in (a, b))
        changed = ~np.all((a == b) | (np.isnan(a) & np.isnan(b)), axis=1)
        if np.any(changed & (lengths(old["tau_sfa"]) > 0)):
            raise errors.NotImplemented(
                "pp_psc_delta: a scalar tau_sfa/q_sfa on a neuron with adaptation elements "
                "(NEST appends it as one more element); give the full lists.")
    return state


_PARAMS = {"C_m": 250.0, "I_e": 0.0, "c_1": 0.0, "c_2": 1.238, "c_3": 0.25,
           "dead_time": 1.0, "dead_time_random": False, "dead_time_shape": 1,
           "q_sfa": (), "t_ref_remaining": 0.0, "tau_m": 10.0, "tau_sfa": (),
           "with_reset": True}

pp_psc_delta = PPModel(
    name="pp_psc_delta",
    params=_PARAMS,
    state={"E_sfa": 0.0, "V_m": 0.0},
    recordables=("E_sfa", "V_m"),
    propagators=_propagators,
    update=_update,
    hidden={"q_elems": 0.0, "refr_count": 0.0, "started": 0.0, "I_stim": 0.0},
    check=_check,
    random=True,
    vector_params={"tau_sfa": 1.0, "q_sfa": 0.0},
    vector_hidden=("q_elems",),
    port_params=(),
    set_only={_SCALAR: False},
    on_set=_on_set,
)

MODELS = {pp_psc_delta.name: pp_psc_delta}
