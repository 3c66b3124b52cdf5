"""The fused counter-based generator: uniformity, independence across counters, Poisson counts."""
import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)

from jaxnest.kernel import rng  # noqa: E402
from jaxnest.kernel.runtime import _poisson_cdf  # noqa: E402


def test_uniform_moments_and_histogram():
    u = np.asarray(rng.uniform(7, jnp.arange(200)[:, None], jnp.arange(5000)[None, :])).ravel()
    assert 0.0 < u.min() and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 5 * np.sqrt(1 / 12 / u.size)
    assert abs(u.var() - 1 / 12) < 1e-3
    counts, _ = np.histogram(u, bins=100, range=(0, 1))
    chi2 = ((counts - u.size / 100) ** 2 / (u.size / 100)).sum()
    assert chi2 < 99 + 5 * np.sqrt(2 * 99)  # chi-square, 99 dof, ~5 sigma


def test_neighbouring_counters_are_uncorrelated():
    u = np.asarray(rng.uniform(1, jnp.arange(1000)[:, None], jnp.arange(1000)[None, :]))
    for a, b in ((u[:-1], u[1:]), (u[:, :-1], u[:, 1:])):
        r = np.corrcoef(a.ravel(), b.ravel())[0, 1]
        assert abs(r) < 5 / np.sqrt(a.size)


def test_seeds_give_different_streams():
    a = np.asarray(rng.bits(1, 0, jnp.arange(1000)))
    b = np.asarray(rng.bits(2, 0, jnp.arange(1000)))
    assert (a != b).mean() > 0.99


def test_poisson_counts_from_cdf_table():
    lam = np.array([0.01, 0.5, 2.0, 30.0])
    cdf = jnp.asarray(_poisson_cdf(lam))
    u = rng.uniform(3, jnp.arange(50000)[:, None], jnp.arange(4)[None, :])
    counts = np.asarray(jnp.sum(u[..., None] > cdf[None], axis=-1))
    n = counts.shape[0]
    for j, l in enumerate(lam):
        assert abs(counts[:, j].mean() - l) < 5 * np.sqrt(l / n), l
        assert abs(counts[:, j].var() / l - 1) < 0.05, l
