"""Division and remainder of non-negative integers inside compiled code: steps, ring-buffer
rows, history slots, loop trip counts.

jnp's ``//`` and ``%`` follow Python's rules for negative operands: each adds about seven
operations (sign tests, a select, a correction) to the one XLA needs, in every step of the
loop it sits in and in every executable (whose size is what loading it from the cache
costs: 0.2-0.3 s for a 1 MiB chunk on XLA:CPU). For operands known to be >= 0 (and
divisors > 0) XLA's truncating ``div`` and ``rem`` give the same numbers, one operation
each. Only for such operands: a value that can be negative (a difference of ages) keeps
``%``.
"""
from __future__ import annotations

import jax.numpy as jnp
from jax import lax


def _operands(a, b):
    """Both operands in the dtype ``a // b`` would have (Python ints stay weak); XLA
    broadcasts a scalar itself, arrays of other shapes are broadcast here."""
    dt = jnp.result_type(a, b)
    a, b = jnp.asarray(a, dt), jnp.asarray(b, dt)
    if a.shape != b.shape and a.ndim and b.ndim:
        a, b = jnp.broadcast_arrays(a, b)
    return a, b


def div(a, b):
    """``a // b`` for ``a >= 0``, ``b > 0``."""
    return lax.div(*_operands(a, b))


def rem(a, b):
    """``a % b`` for ``a >= 0``, ``b > 0``."""
    return lax.rem(*_operands(a, b))
