"""A spike of multiplicity m reaches a synapse as m spikes (what NEST does).

NEST's event delivery turns a spike of multiplicity m (a parrot that received m spikes in one
step) into m events with the same stamp, and the synapse's ``send`` runs once for each: an STDP
rule depresses m times and K+ steps by m, a depressing synapse releases m times. The kernel
calls ``on_pre`` once per spike with ``s["multiplicity"]``; :func:`each_spike` runs a
single-spike rule once per copy (the first copy as usual, further ones only where m > 1).
"""
from __future__ import annotations

import jax.numpy as jnp
from jax import lax


class _Shifted:
    """EdgeDraws whose j-th draw is the underlying (offset + j)-th, so each copy of a spike
    draws its own numbers (the underlying stream holds 64 per edge and spike: copies beyond
    64 / draws_per_copy reuse numbers)."""

    def __init__(self, rand, offset):
        self._rand, self._offset = rand, offset

    def uniform(self, j):
        return self._rand.uniform((self._offset + j) % 64)


def each_spike(rule, draws: int = 0, sends: bool = True):
    """``rule`` for one spike -> ``on_pre`` for spikes of any multiplicity. ``draws``: uniforms
    one copy uses; ``sends``: the rule returns ``sent`` (summed over the copies) and may return
    ``n_sent``, whether the copy's event went out (1 when absent; summed: the spikes a parrot
    target would repeat, for a kernel that reads it). Rules that do not return ``sent`` send
    the last copy's weight times m (the kernel's parrot targets count spikes only without
    ``sent``)."""

    def on_pre(p, s, t, post, **kw):
        m = s["multiplicity"]
        one = jnp.ones_like(m)

        def once(state, k):
            extra = {"rand": _Shifted(kw["rand"], k * draws)} if "rand" in kw else {}
            new = rule(p, dict(state, multiplicity=one), t, post, **extra)
            if not sends:
                return new, jnp.zeros((2,) + new["weight"].shape, new["weight"].dtype)
            n = new.pop("n_sent", jnp.ones_like(new["weight"]))
            return new, jnp.stack([new.pop("sent"), n.astype(new["weight"].dtype)])

        first, sent = once(s, 0)
        first = {k: v for k, v in first.items() if k != "multiplicity"}
        overflow = None if post is None else post.overflow

        def more(c):
            k, state, total = c
            new, add = once(state, k)
            on = k < m
            state = {key: jnp.where(on, new[key], state[key]) for key in state}
            return k + 1, state, total + jnp.where(on, add, 0.0)

        _, new, sent = lax.while_loop(lambda c: jnp.any(c[0] < m), more,
                                      (jnp.asarray(1, m.dtype), first, sent))
        if post is not None:  # later copies read no archive range the first did not
            post.overflow = overflow
        return dict(new, sent=sent[0], n_sent=sent[1]) if sends else new

    on_pre.__doc__ = rule.__doc__
    return on_pre
