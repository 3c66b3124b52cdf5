"""Counter-based random numbers fused into the jitted update.

Every draw is a pure function of (seed, step, index), so results do not depend on how the run
is cut into chunks or slices, and no generator state travels through the loop. The mixer is
Chris Wellons' "lowbias32" integer hash (bias ~0.17, near the best found by his hash-prospector
search), chained over the three words; threefry would cost ~30x more per draw on CPU.
"""
from __future__ import annotations

import jax.numpy as jnp

_M1 = jnp.uint32(0x7FEB352D)
_M2 = jnp.uint32(0x846CA68B)
_GOLDEN = jnp.uint32(0x9E3779B9)


def _mix(x):
    x = x ^ (x >> 16)
    x = x * _M1
    x = x ^ (x >> 15)
    x = x * _M2
    return x ^ (x >> 16)


def step_key(seed, step):
    """The per-step part of :func:`bits` (compute it once per step, not per draw)."""
    s = _mix(jnp.asarray(seed, jnp.uint32) ^ _GOLDEN)
    return _mix(s ^ jnp.asarray(step, jnp.uint32))


def index_key(index):
    """The per-index part of :func:`bits` (can be precomputed per index)."""
    return jnp.asarray(index, jnp.uint32) * _GOLDEN


def bits_from_keys(step_k, index_k):
    """``bits(seed, step, index) == bits_from_keys(step_key(seed, step), index_key(index))``."""
    return _mix(step_k + index_k)


def bits(seed, step, index):
    """32 random bits for each broadcast (step, index) pair under ``seed``."""
    return bits_from_keys(step_key(seed, step), index_key(index))


def uniform(seed, step, index):
    """Uniform in (0, 1), float64, from 32 bits."""
    return (bits(seed, step, index).astype(jnp.float64) + 0.5) * (1.0 / 4294967296.0)
