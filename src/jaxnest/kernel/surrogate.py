"""Surrogate spike derivatives for gradients of spike-based losses (docs/batch.md).

A spike is a threshold test, so its derivative is zero almost everywhere. For gradients only,
each neuron model's update is wrapped: the model runs once as it is (the spikes and the new
state, unchanged) and once with ``V_th = +inf`` to get the free membrane potential V of the
step (before threshold and reset); the spike then carries the tangent of the surrogate

    s(V) = sigmoid((V - V_th) / beta),     d spike = s'(V) (dV - dV_th)

added as ``s - stop_gradient(s)`` (zero in value: the run's values are exactly those of the
ordinary run). The tangent travels with the spike: into the ring buffer of its targets
(weight x d spike) and into the recorded multiplicities (``rec[spike_recorder]["n_events"]``).
Only spikes that happen carry it (a neuron just below threshold sends no event). The reset
is not differentiated through the surrogate (after a spike V_m's tangent is V_reset's).

The wrapped models run in a chunk function of their own (engine.make_chunk_fn over a Static
whose groups hold the wrappers); ordinary runs never see them.
"""
from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp

from .. import errors
from .engine import make_chunk_fn

_FNS: dict = {}  # (Static, slices_cap, ev_cap, beta) -> (fn, steps_cap)


class SurrogateModel:
    """A neuron model whose spikes carry the surrogate's tangent (everything else delegated
    to the wrapped model)."""

    def __init__(self, impl, beta: float) -> None:
        if "V_th" not in impl.params or "V_m" not in impl.state or impl.off_grid:
            raise errors.NotImplemented(f"Surrogate spike derivatives for {impl.name} (they "
                                        "need a V_th parameter, a V_m state and grid spikes).")
        self._impl, self._beta = impl, float(beta)

    def __getattr__(self, name):
        return getattr(self._impl, name)

    def update(self, params, props, state, x, i_stim, h, **kw):
        new, spk, *rest = self._impl.update(params, props, state, x, i_stim, h, **kw)
        free_params = dict(params, V_th=jnp.full_like(params["V_th"], jnp.inf))
        free, *_ = self._impl.update(free_params, props, state, x, i_stim, h, **kw)
        s = jax.nn.sigmoid((free["V_m"] - params["V_th"]) / self._beta)
        spk = spk + (s - jax.lax.stop_gradient(s)).astype(jnp.asarray(spk).dtype)
        return (new, spk, *rest)


def chunk_fn(rt, plan, beta: float):
    """The chunk function of ``plan`` with surrogate spikes (cached like the runtime's)."""
    fn, steps_cap = rt._compiled(plan)  # the capacities the runtime chose
    st = plan.static()
    slices_cap = steps_cap // plan.D
    key = (st, slices_cap, rt.ev_cap, float(beta))
    hit = _FNS.get(key)
    if hit is None:
        groups = tuple(dataclasses.replace(g, impl=SurrogateModel(g.impl, beta))
                       for g in st.groups)
        hit = _FNS[key] = make_chunk_fn(dataclasses.replace(st, groups=groups), slices_cap,
                                        rt.ev_cap)
    return hit
