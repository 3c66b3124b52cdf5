"""Counter-based random streams shared by the kernel, models and devices.

The generator is Widynski's Squares (2020), 32-bit output: four middle-square rounds of a
64-bit counter under a 64-bit key. Every draw is a pure function of (key, counter), so
results do not depend on how a run is cut into chunks, slices, Simulate calls or devices, and
no generator state is carried.

- The counter is ``step << 32 | index``: the time step and the draw's index (an edge, a
  neuron row, ...) each have 32 bits, so no two draws of one stream share a counter.
- Each consumer has a stream, and each (rng_seed, stream) its own key, built by Squares' key
  rules (hex digits from the lowest: the first odd, the next seven distinct, then none equal
  to its predecessor, no zeros) from a splitmix64 sequence of the seed and stream: streams
  are distinct sequences of the generator, whatever the number of devices.

The same functions run under numpy (host-side device inputs) and jax.numpy (inside the
compiled loop), bit for bit. Checked against randomgen's Squares (tests/unit/kernel/test_rng.py).
"""
from __future__ import annotations

import functools

import numpy as np

POISSON = 0          # poisson_generator edges
NEURONS = 1          # draws inside neuron updates (pp_psc_delta, gif_*, ...)
SYNAPSES = 2         # draws of plastic synapse rules (bernoulli_synapse, quantal_stp, ...)
RECORDER_TRAINS = 3  # what spike recorders see of poisson_generators
DEVICE = 1 << 20     # + device gid: host-side device inputs (noise, inhomogeneous trains, ...)

_MASK64 = (1 << 64) - 1


def _splitmix64(state: int):
    """splitmix64 (Steele, Lea, Flood 2014): a sequence of 64-bit words from ``state``."""
    while True:
        state = (state + 0x9E3779B97F4A7C15) & _MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        yield z ^ (z >> 31)


@functools.lru_cache(maxsize=65536)
def key_of(seed: int, stream: int) -> int:
    """The Squares key of a (seed, stream) pair (a Python int < 2**64)."""
    words = _splitmix64(((int(seed) & 0xFFFFFFFF) << 32) ^ (int(stream) & _MASK64))
    digits = [2 * (next(words) % 8) + 1]                     # odd: 1, 3, ..., F
    pool = [d for d in range(1, 16) if d != digits[0]]
    for _ in range(7):                                         # seven distinct digits
        digits.append(pool.pop(next(words) % len(pool)))
    for _ in range(8):                                         # none equal to the previous
        choices = [d for d in range(1, 16) if d != digits[-1]]
        digits.append(choices[next(words) % len(choices)])
    key = 0
    for i, d in enumerate(digits):  # the first digit is the lowest: the key is odd
        key |= d << (4 * i)
    return key


def _xp(*a):
    for x in a:
        if type(x).__module__.startswith("jax"):
            import jax.numpy as jnp
            return jnp
    return np


def _u64(v, xp):
    if xp is np:
        return np.asarray(v).astype(np.uint64)
    return xp.asarray(v).astype(xp.uint64)


def step_key(key, step):
    """The per-step part of a draw: ``(step << 32) * key`` (compute it once per step)."""
    xp = _xp(key, step)
    with np.errstate(over="ignore"):
        return (_u64(step, xp) << xp.uint64(32)) * _u64(key, xp)


def index_key(key, index):
    """The per-index part of a draw: ``index * key`` (can be precomputed per index)."""
    xp = _xp(key, index)
    with np.errstate(over="ignore"):
        return _u64(index, xp) * _u64(key, xp)


def bits_from_keys(key, step_k, index_k):
    """32 random bits: Squares' rounds on ``counter * key = step_k + index_k``."""
    xp = _xp(key, step_k, index_k)
    u32 = xp.uint64(32)
    with np.errstate(over="ignore"):
        x = y = step_k + index_k
        z = y + _u64(key, xp)
        x = x * x + y
        x = (x >> u32) | (x << u32)
        x = x * x + z
        x = (x >> u32) | (x << u32)
        x = x * x + y
        x = (x >> u32) | (x << u32)
        return ((x * x + z) >> u32).astype(xp.uint32)


def bits(key, step, index):
    """32 random bits for each broadcast (step, index) pair of the stream with this key."""
    return bits_from_keys(key, step_key(key, step), index_key(key, index))


def to_uniform(b):
    """32 bits -> uniform in (0, 1), float64."""
    xp = _xp(b)
    return (b.astype(xp.float64) + 0.5) * (1.0 / 4294967296.0)


def uniform(key, step, index):
    return to_uniform(bits(key, step, index))


def normal_from(u1, u2):
    """Standard normal deviates from two independent uniforms (Box-Muller, cosine branch)."""
    xp = _xp(u1, u2)
    return xp.sqrt(-2.0 * xp.log(u1)) * xp.cos(2.0 * np.pi * u2)


class Draws:
    """Random numbers for one step of one group of neurons (inside the compiled update).

    ``uniform(j)`` is the j-th independent draw of this step for each of the group's neurons
    (shape (n,)); a model uses draws 0, 1, ... in a fixed order. Index = j * R + row, unique
    per (draw, row) for a kernel of R rows. ``key``: the NEURONS stream's key."""

    def __init__(self, key, step, first_row: int, n: int, n_rows: int):
        import jax.numpy as jnp
        self._key = key
        self._step = step_key(key, step)
        self._rows = jnp.arange(first_row, first_row + n, dtype=jnp.uint64)
        self._R = n_rows

    def bits(self, j: int):
        import jax.numpy as jnp
        idx = self._rows + jnp.uint64(j * self._R)
        return bits_from_keys(self._key, self._step, index_key(self._key, idx))

    def uniform(self, j: int):
        return to_uniform(self.bits(j))

    def normal(self, j: int):
        """Standard normal from draws j and j + 1."""
        return normal_from(self.uniform(j), self.uniform(j + 1))


class HostDraws:
    """Random numbers for host-side device inputs: ``uniform(steps, index, j)`` is a pure
    function of (seed, device gid, step, index, j) for draws j < 8, shape (steps, indices)."""

    def __init__(self, seed: int, gid: int):
        self.key = np.uint64(key_of(seed, DEVICE + gid))

    @classmethod
    def side_by_side(cls, draws: list["HostDraws"], rows: list[int]) -> "HostDraws":
        """The draws of several devices for their rows placed side by side (``rows[i]``
        columns of ``draws[i]``): column c draws what its own device would."""
        out = cls.__new__(cls)
        out.key = np.repeat(np.array([d.key for d in draws], np.uint64), rows)[None, :]
        return out

    def uniform(self, steps, index, j: int = 0):
        steps = np.asarray(steps, dtype=np.int64)[:, None]
        index = np.asarray(index, dtype=np.int64)[None, :] * 8 + j
        return to_uniform(bits(self.key, steps, index))

    def normal(self, steps, index, j: int = 0):
        """Standard normals from draws j and j + 1."""
        return normal_from(self.uniform(steps, index, j), self.uniform(steps, index, j + 1))
