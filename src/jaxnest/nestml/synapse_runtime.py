"""A NESTML synapse as a jaxnest :class:`SynapseModel`: the delivery NEST-NESTML's generated
``send()`` performs, over the functions ``synapse_codegen.py`` generates.

On a presynaptic spike stamped t (ms) through a connection of delay d (all dendritic, as
NEST-NESTML's ``__dendritic_delay``), for the delivered edges together:

1. each postsynaptic spike t_p of the target's archive in (t_last - d, t - d] (NEST's
   ``get_history``), oldest first: the synapse's own state advances from t_last to t_p + d
   (the ``update`` block, skipped for intervals under 1e-12 ms), ``onReceive(post_spikes)``
   runs with the predefined ``t`` = t_p and postsynaptic variables as the neuron would give
   them at t_p (before t_p's increment), t_last = t_p + d; then the postsynaptic variables
   take the spike (advanced from the previous post spike, then the statements NESTML moves
   into the neuron's spike emission);
2. the state advances to t, ``onReceive(pre_spikes)`` runs with ``t`` = t and the
   postsynaptic variables at t - d (before any increment at t - d); ``emit_spike(x)`` sends x;
   t_last = t.

With a volume-transmitter port, its spikes interleave (each: advance to it, then its
onReceive block) and at the volume_transmitter's deliveries the synapse is brought up to the
delivery time (``on_trigger``: steps 1 and the advance of 2).

Postsynaptic variables are kept per edge: their value after the latest post spike T, their
value at T before T's increments, and T (``__post_T``; ``__post_n`` counts post spikes: before
the first, reads give the initial value, as NEST-NESTML's getters with an empty history).
NEST-NESTML computes them in the paired neuron, with its copies of their parameters
(``<p>__for_<synapse>``, see ``copy_to_neuron``): here each edge reads its target's copies
(the kernel gives them per edge, SynapseModel.target_params), its own where the target has
none (a target other than the paired neuron).
"""
from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..streams import normal_from
from ..synapses.base import COMMON, STDP_EPS, SynapseModel

MIN_INTERVAL = 1e-12
"""NEST-NESTML's update_internal_state_ skips shorter intervals (ms)."""


class _Rand:
    """A synapse's draws for one event: ``uniform(j)``, ``normal(j)`` (draws j, j + 1)."""

    def __init__(self, draws):
        self._d = draws

    def uniform(self, j):
        return self._d.uniform(j)

    def normal(self, j):
        return normal_from(self._d.uniform(j), self._d.uniform(j + 1))


def _same(new: dict, like: dict) -> dict:
    """``new`` with the shapes and dtypes of ``like`` (a loop carry)."""
    return {k: jnp.broadcast_to(jnp.asarray(new[k], dtype=jnp.result_type(like[k])),
                                jnp.shape(like[k])) for k in like}


def _num(v):
    if isinstance(v, (bool, np.bool_)):
        return float(bool(v))
    return float(np.asarray(v, dtype=np.float64))


def synapse_model(name, params, state, param_names, state_names, post_vars, weight_var,
                  delay_var, has_post, internals, post_prop, post_emit, advance, on_post,
                  on_pre, draws=0, common=(), on_vt=None, post_params=None, cont_ports=None):
    """The SynapseModel of one generated NESTML synapse (see the module docstring).
    ``post_params``: synapse parameter -> the paired neuron's copy (``<p>__for_<synapse>``),
    which the postsynaptic variables' dynamics read (the target's own value; the synapse's
    where the target has none). ``cont_ports``: continuous postsynaptic port -> (the
    target's state variable, "spike" or "delayed"): onReceive(post_spikes) reads the value
    the target had at the spike (NEST-NESTML's post_spike_based buffering) or at the spike
    plus the delay (continuous_time_buffer); onReceive(pre_spikes) reads the target's value
    at the delivery (both)."""
    post_params = dict(post_params or {})
    cont_ports = dict(cont_ports or {})
    own = [k for k in state_names if k != weight_var and k not in post_vars]
    rule = [k for k in param_names if k not in (weight_var, delay_var)]
    defaults = dict(COMMON)
    if weight_var in params or weight_var in state:
        defaults["weight"] = _num(params.get(weight_var, state.get(weight_var)))
    if delay_var and delay_var in params:
        defaults["delay"] = _num(params[delay_var])
    defaults.update({k: _num(params[k]) for k in rule})
    defaults.update({k: _num(state[k]) for k in own})
    hidden = {"t_lastspike": 0.0}
    if has_post:
        hidden.update({"__post_T": 0.0, "__post_n": 0.0})
        for v in post_vars:
            hidden["__post_" + v] = _num(state[v])
            hidden["__post0_" + v] = _num(state[v])

    def post_read(P, s, tau):
        """Postsynaptic variables at tau (neuron time), before any increment at tau."""
        X = {v: s["__post_" + v] for v in post_vars}
        Xb = {v: s["__post0_" + v] for v in post_vars}
        h = tau - s["__post_T"]
        Y = post_prop(P, X, jnp.where(h > MIN_INTERVAL, h, 1.0))
        after = (h >= STDP_EPS) & (s["__post_n"] > 0)
        empty = s["__post_n"] == 0
        return {v: jnp.where(empty, X[v], jnp.where(after, Y[v], Xb[v])) for v in post_vars}

    def post_spike(P, s, tp, m):
        """The target's spike at tp as NEST-NESTML's set_spiketime updates the moved state
        (the lanes m; not again for a spike an earlier delivery took, see catch_up)."""
        X = {v: s["__post_" + v] for v in post_vars}
        h = tp - s["__post_T"]
        go = h > MIN_INTERVAL
        Y = post_prop(P, X, jnp.where(go, h, 1.0))
        Y = {v: jnp.where(go, Y[v], X[v]) for v in post_vars}
        new_time = (h >= STDP_EPS) | (s["__post_n"] == 0)
        Z = post_emit(P, Y, jnp.where(go, h, 1.0))
        out = dict(s)
        for v in post_vars:
            out["__post_" + v] = jnp.where(m, Z[v], X[v])
            out["__post0_" + v] = jnp.where(m & new_time, Y[v], s["__post0_" + v])
        out["__post_T"] = jnp.where(m, tp, s["__post_T"])
        out["__post_n"] = jnp.where(m, s["__post_n"] + 1.0, s["__post_n"])
        return out

    def unpack(p, s):
        """Parameters P and the synapse's own state S as the generated functions see them."""
        w = s["weight"]
        P = {k: p[k] for k in rule}
        S = {k: jnp.asarray(s[k], dtype=jnp.float64) + jnp.zeros_like(w) for k in own}
        if weight_var in state:
            S[weight_var] = w
        else:
            P[weight_var] = w
        if delay_var:
            P[delay_var] = p["delay"]
        return P, S

    def post_P(p, P):
        """The parameters the postsynaptic variables see: the targets' copies."""
        out = dict(P)
        for k, name in post_params.items():
            v = p["__target_" + name]
            out[k] = jnp.where(jnp.isnan(v), P[k], v)
        return out

    def step_to(P, S, c, T, m):
        """Advance the lanes m from their t_last to T (the update block)."""
        t_last, h_last = c
        h = T - t_last
        go = m & (h >= MIN_INTERVAL)
        S = advance(P, S, jnp.where(go, h, 1.0), t_last, go)
        return S, (jnp.where(m, T, t_last), jnp.where(go, h, h_last))

    def dopa_until(P, Q, S, s, c, T, act, ts, dopa):
        """The volume_transmitter's spikes in (t_last, T] (eps), one per lane and iteration:
        advance to each, then onReceive(vt port) (once per entry, as NEST-NESTML)."""
        if dopa is None:
            return S, c

        def pending(c2):
            td, _, ok = dopa.entry(c2[2])
            return act & ok & (T - td > -STDP_EPS)

        def body(c2):
            S, c, j = c2
            m = pending(c2)
            td = dopa.entry(j)[0]
            S, c = step_to(P, S, c, td, m)
            V = internals(P, jnp.where(c[1] > 0, c[1], 1.0), jnp)
            X = post_read(Q, s, td) if has_post else {}
            S = _same(on_vt(P, S, X, V, td, ts, m), S)
            return S, c, j + m.astype(j.dtype)

        j0 = dopa.first_after(c[0])
        S, c, _ = lax.while_loop(lambda c2: jnp.any(pending(c2)), body, (S, c, j0))
        return S, c

    def catch_up(P, Q, S, s, d, t_end, post, dopa, act, ts):
        """Postsynaptic (and dopamine) spikes up to t_end, then the state advanced to it."""
        c = (s["t_lastspike"], jnp.zeros_like(t_end))
        s = {k: v for k, v in s.items() if k != "active"}
        if has_post and post is not None:
            times, mask = post.history(c[0] - d, t_end - d)

            # a delivery after a volume_transmitter's (back in time) reads post spikes the
            # latter took already: the neuron-side variables take each spike once
            seen = jnp.where(s["__post_n"] > 0, s["__post_T"] + STDP_EPS, -jnp.inf)

            def one_post(j, carry):  # oldest first, as NEST walks its history
                S, s, c = carry
                m, tp = mask[j] & act, times[j]
                S, c = dopa_until(P, Q, S, s, c, tp + d, m, ts, dopa)
                S, c = step_to(P, S, c, tp + d, m)
                X = dict(post_read(Q, s, tp), **{k: v[j] for k, v in cv.items()})
                V = internals(P, jnp.where(c[1] > 0, c[1], 1.0), jnp)
                S = _same(on_post(P, S, X, V, tp, ts, m), S)
                return S, _same(post_spike(Q, s, tp, m & (tp > seen)), s), c

            cv = {port: post.at_spikes(var, 0.0 if when == "spike" else d)
                  for port, (var, when) in cont_ports.items()}

            # from the oldest entry some acting lane takes: the older ones are no-ops for
            # every lane (a trigger at each volume_transmitter delivery mostly finds none)
            hit = jnp.any(mask & act[None, :], axis=1)
            j0 = jnp.where(jnp.any(hit), jnp.argmax(hit), times.shape[0]).astype(jnp.int32)
            S, s, c = lax.fori_loop(j0, times.shape[0], one_post, (S, s, c))
        S, c = dopa_until(P, Q, S, s, c, t_end, act, ts, dopa)
        S, c = step_to(P, S, c, t_end, act)
        return S, s, c

    def pack(s, S, t_end):
        w = s["weight"]
        out = dict(s)
        for k in own:
            out[k] = jnp.asarray(S[k], dtype=jnp.float64) + jnp.zeros_like(w)
        out["weight"] = (S[weight_var] if weight_var in state else w) + jnp.zeros_like(w)
        out["t_lastspike"] = t_end
        return out

    def deliver(p, s, t, post, rand=None, dopa=None):
        w = s["weight"]
        P, S = unpack(p, s)
        t = jnp.broadcast_to(jnp.asarray(t, dtype=jnp.float64), w.shape)
        act = s.get("active", jnp.ones_like(w, dtype=bool))
        ts = t - s["t_lastspike"]
        Q = post_P(p, P)
        S, s2, c = catch_up(P, Q, S, s, p["delay"], t, post, dopa, act, ts)
        X = post_read(Q, s2, t - p["delay"]) if has_post else {}
        X.update({port: post.now(var) for port, (var, _) in cont_ports.items()})
        V = internals(P, jnp.where(c[1] > 0, c[1], 1.0), jnp)
        S, sent = on_pre(P, S, X, V, t, ts, act, _Rand(rand) if rand is not None else None)
        out = pack(s2, S, t)
        out["sent"] = sent * s["multiplicity"]
        out["delivered"] = sent != 0  # (an event of weight 0 is taken for none)
        return out

    def trigger(p, s, t_trig, post, dopa):
        """NEST-NESTML's trigger_update_weight: everything up to the delivery at t_trig."""
        w = s["weight"]
        P, S = unpack(p, s)
        t = jnp.broadcast_to(jnp.asarray(t_trig, dtype=jnp.float64), w.shape)
        act = s.get("active", jnp.ones_like(w, dtype=bool))
        S, s2, _ = catch_up(P, post_P(p, P), S, s, p["delay"], t, post, dopa, act,
                            t - s["t_lastspike"])
        return pack(s2, S, t)

    common = tuple(k for k in common if k in rule)
    if on_vt is not None:  # a volume_transmitter's spikes: the model's common property
        defaults["volume_transmitter"] = 0
        common += ("volume_transmitter",)
    aliases = {v: k for v, k in ((weight_var, "weight"), (delay_var, "delay"))
               if v and v != k}  # NEST-NESTML shows and takes both names
    return SynapseModel(name, defaults, state=tuple(own), hidden=hidden, archive=has_post,
                        on_pre=deliver, random=draws > 0, common=common,
                        neuromodulated=on_vt is not None,
                        on_trigger=trigger if on_vt is not None else None, aliases=aliases,
                        target_params=tuple(post_params.values()),
                        post_values=tuple(sorted(set(cont_ports.values()))))


def copy_to_neuron(models: dict, neuron: str, synapse: str, names: dict) -> None:
    """NESTML's co-generation copies these synapse parameters into the paired neuron (``names``:
    synapse parameter -> the neuron's name for it), with the synapse's defaults."""
    nrn = models[neuron]
    extra = {new: float(models[synapse].params[p]) for p, new in names.items()}
    models[neuron] = dataclasses.replace(nrn, params={**nrn.params, **extra})
