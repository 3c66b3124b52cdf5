"""Where XLA:CPU's fusion costs more than it saves.

XLA fuses a cheap producer into each consumer loop, and where a small array (one value per
population, per neuron group) feeds a large one by broadcast, the producer's whole chain is
computed again for every element of the large array: gif_pop_psc_exp's input to the
membrane (~40 operations on two values) ran once per history row, 2,772 rows, ~65 us of a
~470 us step; e-prop's walk selected each of its ten per-lane fields with the new values
and the mask recomputed from ~20 lane arrays, ten times a step. ``lax.optimization_barrier``
does not stop it (XLA:CPU expands barriers before fusing)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax


def materialised(x):
    """``x`` (an array or a pytree of them), computed once into memory before its consumers
    run: the result of a conditional, which XLA does not fuse into them. Both branches
    return ``x`` (NaNs included), so the values are unchanged; the predicate reads one
    floating element (a comparison of a whole array cost e-prop's walk ~35 us a step; XLA
    folds ``v == v`` for integers)."""
    leaves = jax.tree.leaves(x)
    some = [v for v in leaves if jnp.issubdtype(v.dtype, jnp.floating) and v.size]
    same = lambda u: jax.tree.map(  # noqa: E731
        lambda v: v ^ False if v.dtype == jnp.bool_ else v * 1, u)
    one = jnp.ravel(some[0])[0] if some else None
    pred = one == one if some else jnp.all(leaves[0] == leaves[0])
    return lax.cond(pred, lambda u: u, same, x)
