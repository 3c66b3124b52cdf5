"""Counter-based random streams shared by the kernel, models and devices.

Every draw is a pure function of (seed, stream, step, index): results do not depend on how a
run is cut into chunks, slices or Simulate calls, and no generator state is carried. The same
functions run under numpy (host-side device inputs) and jax.numpy (inside the compiled loop),
bit for bit. Streams separate the consumers: Poisson edges, neuron updates and each device.

The mixer is Chris Wellons' "lowbias32" integer hash chained over the words.
"""
from __future__ import annotations

import numpy as np

_M1, _M2, _GOLDEN = 0x7FEB352D, 0x846CA68B, 0x9E3779B9

POISSON = 0          # poisson_generator edges (the kernel's historical stream)
NEURONS = 0x4E55     # draws inside neuron updates (pp_psc_delta, gif_*, ...)
SYNAPSES = 0x5359    # draws of plastic synapse rules (bernoulli_synapse, quantal_stp, ...)
DEVICE = 0x44455600  # + device gid: host-side device inputs (noise, inhomogeneous trains, ...)


def _xp(*a):
    for x in a:
        if type(x).__module__.startswith("jax"):
            import jax.numpy as jnp
            return jnp
    return np


def _mix(x, xp):
    u = xp.uint32
    x = x ^ (x >> u(16))
    x = x * u(_M1)
    x = x ^ (x >> u(15))
    x = x * u(_M2)
    return x ^ (x >> u(16))


def _u32(v, xp):
    """A value as uint32 (wrapping; int64 steps beyond 2**32 wrap, as the kernel's did)."""
    if xp is np:
        return (np.asarray(v, dtype=np.int64) & 0xFFFFFFFF).astype(np.uint32)
    return xp.asarray(v).astype(xp.uint32)


def step_key(seed, step, stream: int = POISSON):
    """The per-step part of :func:`bits` (compute it once per step, not per draw)."""
    xp = _xp(seed, step)
    with np.errstate(over="ignore"):
        s = _mix(_u32(seed, xp) ^ xp.uint32(_GOLDEN ^ stream), xp)
        return _mix(s ^ _u32(step, xp), xp)


def index_key(index):
    """The per-index part of :func:`bits` (can be precomputed per index)."""
    xp = _xp(index)
    with np.errstate(over="ignore"):
        return _u32(index, xp) * xp.uint32(_GOLDEN)


def bits_from_keys(step_k, index_k):
    """``bits(seed, step, index) == bits_from_keys(step_key(seed, step), index_key(index))``."""
    xp = _xp(step_k, index_k)
    with np.errstate(over="ignore"):
        return _mix(step_k + index_k, xp)


def bits(seed, step, index, stream: int = POISSON):
    """32 random bits for each broadcast (step, index) pair of ``stream`` under ``seed``."""
    return bits_from_keys(step_key(seed, step, stream), index_key(index))


def to_uniform(b):
    """32 bits -> uniform in (0, 1), float64."""
    xp = _xp(b)
    return (b.astype(xp.float64) + 0.5) * (1.0 / 4294967296.0)


def uniform(seed, step, index, stream: int = POISSON):
    return to_uniform(bits(seed, step, index, stream))


def normal_from(u1, u2):
    """Standard normal deviates from two independent uniforms (Box-Muller, cosine branch)."""
    xp = _xp(u1, u2)
    return xp.sqrt(-2.0 * xp.log(u1)) * xp.cos(2.0 * np.pi * u2)


class Draws:
    """Random numbers for one step of one group of neurons (inside the compiled update).

    ``uniform(j)`` is the j-th independent draw of this step for each of the group's neurons
    (shape (n,)); a model uses draws 0, 1, ... in a fixed order. Index = j * R + row, unique
    per (draw, row) for a kernel of R rows."""

    def __init__(self, seed, step, first_row: int, n: int, n_rows: int):
        import jax.numpy as jnp
        self._key = step_key(seed, step, NEURONS)
        self._rows = jnp.arange(first_row, first_row + n, dtype=jnp.uint32)
        self._R = n_rows

    def bits(self, j: int):
        import jax.numpy as jnp
        return bits_from_keys(self._key, index_key(self._rows + jnp.uint32(j * self._R)))

    def uniform(self, j: int):
        return to_uniform(self.bits(j))

    def normal(self, j: int):
        """Standard normal from draws j and j + 1."""
        return normal_from(self.uniform(j), self.uniform(j + 1))


class HostDraws:
    """Random numbers for host-side device inputs: ``uniform(steps, index, j)`` is a pure
    function of (seed, device gid, step, index, j) for draws j < 8, shape (steps, indices)."""

    def __init__(self, seed: int, gid: int):
        self.seed, self.stream = seed % 2**32, DEVICE + gid

    def uniform(self, steps, index, j: int = 0):
        steps = np.asarray(steps, dtype=np.int64)[:, None]
        index = np.asarray(index, dtype=np.int64)[None, :] * 8 + j
        return to_uniform(bits(self.seed, steps, index, self.stream))

    def normal(self, steps, index, j: int = 0):
        """Standard normals from draws j and j + 1."""
        return normal_from(self.uniform(steps, index, j), self.uniform(steps, index, j + 1))
