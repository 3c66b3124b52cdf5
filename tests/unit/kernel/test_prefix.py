"""The blocked prefix sum equals numpy's cumsum for every length, up to its bound."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnest.kernel.prefix import EXACT, prefix_sum


@pytest.mark.parametrize("n", [1, 7, 255, 256, 257, 19292, 70001])
def test_equals_cumsum(n):
    rng = np.random.default_rng(n)
    x = rng.integers(0, 40, n).astype(np.int32)
    x[rng.random(n) < 0.7] = 0  # mostly zero, as fired rows are
    got = jax.jit(lambda v: prefix_sum(v, int(x.sum())))(jnp.asarray(x))
    assert got.dtype == jnp.int32
    assert np.array_equal(np.asarray(got), np.cumsum(x))


def test_exact_up_to_float32s_integers():
    """Totals just under 2**24 stay exact; above, jnp.cumsum takes over (no rounding)."""
    n = 4096
    for total in (EXACT - 1, 3 * EXACT):
        x = np.full(n, total // n, np.int32)
        x[-1] += total - x.sum()
        got = np.asarray(jax.jit(lambda v: prefix_sum(v, total))(jnp.asarray(x)))
        assert np.array_equal(got, np.cumsum(x, dtype=np.int64).astype(np.int32))
