"""Forward-mode derivatives of a run with respect to network parameters (docs/batch.md).

The ordinary chunk function (engine.make_chunk_fn) runs under ``jax.jvp``, vmapped over one
tangent per parameter (forward mode goes through its while and fori loops, which reverse mode
cannot). A parameter's tangent on the chunk's inputs is found without knowing where the kernel
keeps it: the runtime builds the carry, arguments and device inputs (batched.member) at theta,
theta + delta and theta + 2 delta (the last to check that the inputs are affine in it), and
the tangent of each input leaf is its difference over delta. delta is a power of two far below
the parameter's magnitude, so theta + delta - theta is exact to one rounding of theta. Integer
inputs that change (a Poisson generator's count thresholds, a weight changing its receptor
channel) have no derivative: NotImplemented.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from .. import errors

_JVP: dict = {}  # (id of chunk fn, treedef, differentiated leaves) -> (fn, holder, jitted)


def _floating(x) -> bool:
    return bool(jnp.issubdtype(jnp.asarray(x).dtype, jnp.floating))


def chunk_leaves(m: dict, c: int, carry=None):
    """The leaves and treedef of chunk c's inputs: (carry, args, device inputs)."""
    return jax.tree.flatten((m["carry"] if carry is None else carry, m["args"],
                             m["chunks"][c][2]))


def delta_for(values) -> float:
    """A power of two 2**-10 below the smallest nonzero |value| (2**-10 if all are zero)."""
    v = np.abs(np.atleast_1d(np.asarray(values, dtype=float)))
    v = v[v > 0]
    m = float(v.min()) if v.size else 1.0
    return 2.0 ** (math.floor(math.log2(m)) - 10)


def tangents(name: str, base: list, plus: list, plus2: list, delta: float) -> dict:
    """Leaf index -> tangent, from the leaves at theta, theta + delta and theta + 2 delta."""
    if len(base) != len(plus) or len(base) != len(plus2):
        raise errors.NotImplemented(f"Gradient with respect to {name}: changing it changes "
                                    "the structure of the run.")
    out = {}
    for i, (a, b, c) in enumerate(zip(base, plus, plus2)):
        if a is b and a is c:
            continue
        a_, b_, c_ = (np.asarray(x) for x in (a, b, c))
        try:
            shape = np.broadcast_shapes(a_.shape, b_.shape, c_.shape)
        except ValueError:
            raise errors.NotImplemented(f"Gradient with respect to {name}: changing it "
                                        "changes the structure of the run.") from None
        a_, b_, c_ = (np.broadcast_to(x, shape) for x in (a_, b_, c_))
        if np.array_equal(a_, b_) and np.array_equal(a_, c_):
            continue
        if not _floating(a):
            raise errors.NotImplemented(
                f"Gradient with respect to {name}: it changes integer inputs of the run "
                "(a Poisson generator's counts, a weight's receptor channel, ...), which have "
                "no derivative.")
        d1, d2 = b_ - a_, c_ - a_
        scale = max(float(np.abs(d1).max()), 1e-300)
        if float(np.abs(d2 - 2 * d1).max()) > 1e-6 * scale:
            raise errors.NotImplemented(
                f"Gradient with respect to {name}: the run's inputs are not affine in it "
                "(parameters whose inputs are, e.g. current amplitudes, can be differentiated).")
        out[i] = d1 / delta
    return out


def _jvp_fn(fn, tdef, n_leaves: int, diff: tuple):
    """``f(diff_leaves, other_leaves, tangents, n) -> (float outputs, int outputs, tangents
    of the float outputs)``, each with a leading axis of one per tangent (vmap); the
    outputs' layout is left in ``holder`` when traced."""
    key = (id(fn), tdef, diff)
    hit = _JVP.get(key)
    if hit is not None and hit[0] is fn:
        return hit[1], hit[2]
    holder: dict = {}
    dset = set(diff)
    others = tuple(i for i in range(n_leaves) if i not in dset)
    traced = getattr(fn, "jitted", fn)  # a ChunkFn's executables take no tracers

    def run(dl, ol, n):
        leaves = [None] * n_leaves
        for i, x in zip(diff, dl):
            leaves[i] = x
        for i, x in zip(others, ol):
            leaves[i] = x
        carry, args, inputs = jax.tree.unflatten(tdef, leaves)
        res = traced(carry, dict(args, **inputs), n)
        leaves_out, holder["tdef"] = jax.tree.flatten(res)
        holder["is_float"] = [_floating(x) for x in leaves_out]
        return ([x for x in leaves_out if _floating(x)],
                [x for x in leaves_out if not _floating(x)])

    def f(dl, ol, tl, n):
        def one(t):
            prim, tang, ints = jax.jvp(lambda d: run(d, ol, n), (dl,), (t,), has_aux=True)
            return prim, ints, tang
        return jax.vmap(one)(tl)

    jf = jax.jit(f)
    _JVP[key] = (fn, holder, jf)
    return holder, jf


def run(kernel, m: dict, param_tangents: list[dict], n_steps: int, make_fn=None):
    """Run member m with P parameter tangents; returns per chunk (done, todo, out on the host,
    {"samples", "ev_mult": their tangents (P, ...)}). ``make_fn(plan)``: another chunk
    function of the plan (surrogate spikes), else the runtime's."""
    rt = kernel.runtime
    fn = make_fn(m["plan"])[0] if make_fn else m["fn"]
    carry, carry_t = m["carry"], None
    outs = []
    n_carry = len(jax.tree.leaves(m["carry"]))
    for c, (done, todo, _) in enumerate(m["chunks"]):
        leaves, tdef = chunk_leaves(m, c, carry)
        moved = set().union(*[set(t[c]) for t in param_tangents])
        diff = tuple(i for i, x in enumerate(leaves)
                     if _floating(x) and (i < n_carry or i in moved))
        prim, tl = [], []
        for i in diff:
            if i < n_carry and carry_t is not None:
                t = carry_t[i]
            else:
                parts = [pt[c].get(i) for pt in param_tangents]
                shape = np.broadcast_shapes(np.shape(leaves[i]),
                                            *[np.shape(p) for p in parts if p is not None])
                t = jnp.stack([jnp.broadcast_to(jnp.asarray(p, leaves[i].dtype), shape)
                               if p is not None else jnp.zeros(shape, leaves[i].dtype)
                               for p in parts])
            prim.append(jnp.broadcast_to(leaves[i], t.shape[1:]))
            tl.append(t)
        other = [x for i, x in enumerate(leaves) if i not in set(diff)]
        while True:
            holder, jf = _jvp_fn(fn, tdef, len(leaves), diff)
            fl, ints, tang = jf(prim, other, tl, jnp.int64(todo))
            out_leaves, fi, ii, ti = [], iter(fl), iter(ints), iter(tang)
            tang_leaves = []
            for isf in holder["is_float"]:
                if isf:
                    out_leaves.append(next(fi)[0])
                    tang_leaves.append(next(ti))
                else:
                    out_leaves.append(next(ii)[0])
                    tang_leaves.append(None)
            new, out = jax.tree.unflatten(holder["tdef"], out_leaves)
            n_ev = int(out["n_ev"])
            if n_ev > rt.ev_cap:  # as Runtime.run: grow the event buffer, run the chunk again
                need = n_ev * max(1.0, min(n_steps - done, m["steps_cap"]) / max(todo, 1))
                rt.ev_cap = 2 ** math.ceil(math.log2(need * 1.25))
                fn = (make_fn or rt._compiled)(m["plan"])[0]
                continue
            break
        n_new = len(jax.tree.leaves(new))
        outs.append((done, todo, jax.device_get(out),
                     {k: _tangent_of(holder["tdef"], tang_leaves, k)
                      for k in ("samples", "ev_mult")}))
        carry = new  # its floating leaves' tangents: those of the next chunk's carry
        carry_t = {i: t for i, t in enumerate(tang_leaves[:n_new]) if t is not None}
    return outs


def _tangent_of(out_tdef, tang_leaves, key: str):
    """The tangent (P, ...) of out[key] (out is the second element of the chunk's result)."""
    _, out_t = jax.tree.unflatten(out_tdef, [t if t is not None else 0.0
                                                 for t in tang_leaves])
    return out_t[key]
