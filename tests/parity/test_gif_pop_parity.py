"""gif_pop_psc_exp against NEST through the whole API.

Deterministic regimes (no escape, or an escape so steep that the free neurons all fire):
every recordable within 1e-9 of NEST, spikes (multiplicities) identical. The stochastic
population (NEST's two-population example network) in distribution: the mean count per step
of each population within 4 standard errors (block means over the run: counts are
autocorrelated). tests/unit/models/test_gif_pop.py replays NEST's draws for exact traces."""
import numpy as np
import pytest

from _model_compare import compare


@pytest.mark.parametrize("kw", [{}, {"len_kernel": -1}, {"len_kernel": 25, "h": 1.0, "t_ref": 3.0}],
                         ids=["len40", "auto", "h1"])
def test_deterministic_regimes(both, kw):
    ref, got = both("gif_pop.py", **kw)
    assert len(ref["sr_times"]) >= 100
    worst = compare(ref, got, tol_v=1e-9, tol_rel=1e-9)
    print(kw, max(worst.values()))


def _block_se(x, n_blocks=20):
    means = [b.mean() for b in np.array_split(np.asarray(x, float), n_blocks)]
    return np.std(means, ddof=1) / np.sqrt(n_blocks)


def _compare_activity(runs_nest, runs_jax):
    for key in ("n_0", "n_1", "mean_0", "mean_1"):
        a = np.concatenate([r[key] for r in runs_nest])
        b = np.concatenate([r[key] for r in runs_jax])
        se = np.hypot(_block_se(a, 20 * len(runs_nest)), _block_se(b, 20 * len(runs_jax)))
        assert abs(a.mean() - b.mean()) <= 4 * se, (key, a.mean(), b.mean(), se)
    for r in runs_nest + runs_jax:
        assert r["len_kernel"].tolist() in ([2772.0, 2772.0], [-1.0, -1.0])


def test_activity_in_distribution(both):
    ref, got = both("gif_pop.py", "activity", seed=1)
    _compare_activity([ref], [got])


@pytest.mark.slow
def test_activity_over_seeds(both):
    refs, gots = zip(*[both("gif_pop.py", "activity", seed=s) for s in range(2, 8)])
    _compare_activity(list(refs), list(gots))
    for i in (0, 1):  # variance of the counts: seed-to-seed spread
        va = np.array([r[f"n_{i}"].var() for r in refs])
        vb = np.array([r[f"n_{i}"].var() for r in gots])
        se = np.hypot(va.std(ddof=1), vb.std(ddof=1)) / np.sqrt(len(va))
        assert abs(va.mean() - vb.mean()) <= 4 * se, (i, va.mean(), vb.mean(), se)
