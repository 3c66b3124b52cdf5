"""Scatter-adds inside loops, written so that XLA:CPU can compile the loop into one function.

XLA:CPU runs a loop body as one thunk per operation (fusion, slice, gather, scatter), each
costing ~0.3-1 us however little it does; a loop with no scatter (nor sort) in it is
compiled into one function instead (SmallWhileLoopHoistingPass, its size limit lifted in
jaxenv._cpu_flags). A delivery iteration is mostly such operations around one scatter-add
into the ring buffer, so here the iterations run a block at a time in a loop without the
scatter, each writing its (index, value) lanes into the block's buffers, and each block ends
in one scatter-add of them: the same additions in the same order (XLA:CPU's scatter adds
its updates one by one, in order), far fewer thunks. Used by the plastic deliveries (Brunel
order 2500 with stdp_synapse E->E: ~90 thunks per iteration of ~1,100 lanes, CPU time per
step -45 %); a static delivery iteration is little more than its scatter (blocked: no gain
measured), so it stays a loop of scatters.

In a small network (fewer rows than ``plan.SERIAL_ROWS``) a slice is a few dozen such thunks
around little work, so there every scatter of the slice and step loops is a loop of
single-element updates instead (:func:`serial_add`, :func:`serial_set`,
:func:`serial_window_add`, :func:`serial_set_columns`; most plastic sets' too, and the
precise phase's spike list, event ring and recording, kernel/precise.py): the whole
chunk becomes one function (two binary neurons with min_delay = resolution: 2.2 -> 0.39 us per
step; two parrots through one tsodyks2_synapse: 1.49 -> 0.43-0.50 us). Larger networks keep the
scatters (Brunel order 500: the element loops took 40 % more time than XLA's scatters).
"""
from __future__ import annotations

import jax.numpy as jnp
from jax import lax

from . import ints

BLOCK_LANES = 4096  # lanes per block (a block's scatter covers all of them, used or not)
BLOCK_MAX = 16      # iterations per block at most


def iterations_per_block(width: int) -> int:
    """Iterations of ``width`` lanes per block: a block's buffers are filled and scattered
    whole, so a step with a single iteration pays for the block's lanes."""
    return max(1, min(BLOCK_MAX, BLOCK_LANES // max(width, 1)))


def scatter_loop(n_iter, body, carry, buf, width: int, drop: int, itype):
    """(buf, carry) after ``carry, idx, val = body(i, carry)`` for i < n_iter (traced), each
    iteration's ``width`` values ``val`` added into ``buf`` at ``idx`` (an index >= ``drop``
    is dropped, as ``.at[idx].add(val, mode="drop")`` drops it)."""
    K = iterations_per_block(width)

    def block(b, c):
        buf, carry = c
        lo = b * K

        def one(i, c):
            carry, idxs, vals = c
            carry, idx, val = body(i, carry)
            at = (i - lo) * width
            return (carry, lax.dynamic_update_slice_in_dim(idxs, idx.astype(itype), at, 0),
                    lax.dynamic_update_slice_in_dim(vals, val.astype(buf.dtype), at, 0))

        idxs = jnp.full(K * width, drop, itype)
        vals = jnp.zeros(K * width, buf.dtype)
        carry, idxs, vals = lax.fori_loop(lo, jnp.minimum(lo + K, n_iter), one,
                                          (carry, idxs, vals))
        return buf.at[idxs].add(vals, mode="drop"), carry

    return lax.fori_loop(0, ints.div(n_iter + K - 1, K), block, (buf, carry))


def add_at(buf, idx, val, serial: bool):
    """``buf.at[idx].add(val, mode="drop")`` over the flattened ``idx``/``val``: element by
    element where ``serial`` (:func:`serial_add`), else XLA's scatter."""
    idx, val = jnp.ravel(idx), jnp.ravel(val)
    return serial_add(buf, idx, val) if serial else buf.at[idx].add(val, mode="drop")


def set_at(buf, idx, val, serial: bool, n=None):
    """``buf.at[idx].set(val, mode="drop")`` the same way (:func:`serial_set`; ``n``: where
    only the first n lanes can hold an index in range, the element loop stops there)."""
    return serial_set(buf, idx, val, n) if serial else buf.at[idx].set(val, mode="drop")


def serial_add(buf, idx, val):
    """``buf.at[idx].add(val, mode="drop")`` for 1-d ``idx >= 0``/``val``, one element after
    the other (in lane order, as XLA:CPU's scatter adds them) and with no scatter operation."""
    return _serial(buf, idx, val, True)


def serial_set(buf, idx, val, n=None):
    """``buf.at[idx].set(val, mode="drop")`` the same way (a repeated index: the last lane's
    value, as XLA:CPU's scatter leaves it)."""
    return _serial(buf, idx, val, False, n)


def _serial(buf, idx, val, add: bool, stop=None):
    n = buf.shape[0]
    idx = jnp.asarray(idx)
    val = jnp.broadcast_to(jnp.asarray(val, buf.dtype), idx.shape)

    def one(j, b):
        i = idx[j]
        ok = (i >= 0) & (i < n)
        i = jnp.where(ok, i, 0)
        cur = lax.dynamic_index_in_dim(b, i, keepdims=False)
        new = cur + val[j] if add else val[j]
        return lax.dynamic_update_index_in_dim(b, jnp.where(ok, new, cur), i, 0)

    return lax.fori_loop(0, idx.shape[0] if stop is None else stop, one, buf)


def serial_window_add(buf, starts, rows):
    """``rows[k]`` added to the window of ``buf`` at ``starts[k]``, window after window (a
    windowed scatter-add with no scatter operation; windows lie inside ``buf``)."""
    w = rows.shape[1]

    def one(k, b):
        at = starts[k]
        return lax.dynamic_update_slice_in_dim(
            b, lax.dynamic_slice_in_dim(b, at, w) + rows[k].astype(b.dtype), at, 0)

    return lax.fori_loop(0, rows.shape[0], one, buf)


def serial_set_columns(ring, rows, val):
    """``ring.at[rows, arange(n)].set(val, mode="drop")`` for a 2-d ``ring`` of n columns
    (``rows >= 0``), column after column, with no scatter operation."""
    H = ring.shape[0]
    val = jnp.broadcast_to(jnp.asarray(val, ring.dtype), rows.shape)

    def one(j, r):
        ok = rows[j] < H
        i = jnp.where(ok, rows[j], 0).astype(jnp.int32)
        j = jnp.asarray(j, jnp.int32)
        cur = lax.dynamic_slice(r, (i, j), (1, 1))
        return lax.dynamic_update_slice(r, jnp.where(ok, val[j], cur), (i, j))

    return lax.fori_loop(0, rows.shape[0], one, ring)
