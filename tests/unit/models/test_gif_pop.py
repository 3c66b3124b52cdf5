"""gif_pop_psc_exp against real NEST 3.10 (one subprocess).

The population draws a binomial (or Poisson) spike count per step from its expectation
``mean``. Given the same counts, everything else is deterministic, so jaxnest *replays*
NEST's run: at each step it is fed the uniform that its CDF inversion maps to the count NEST
drew (the middle of that count's CDF interval, computed from NEST's ``mean``). If the model
computes NEST's ``mean`` (to rounding), it draws NEST's count, and every recordable of every
step, through the whole stochastic history, must agree with NEST's. The same runs with the
model's own random streams are compared in distribution (mean and variance of the counts).
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import jax.numpy as jnp

from jaxnest import errors
from jaxnest.models import gif_pop
from _nest_driver import train
from _vector_driver import check_defaults, check_errors, compare_run, run_nest, simulate

M = gif_pop.gif_pop_psc_exp
TOL = 1e-9


def _scenarios():
    rng = np.random.default_rng(21)
    sc = []
    for h, T, auto in ((0.5, 400.0, True), (0.1, 150.0, False)):
        def inp(rate_e=800.0, rate_i=400.0):
            return [[train(rng, 1.0, T - 5.0, rate_e, h), 60.0, 1.0, 0],
                    [train(rng, 1.0, T - 5.0, rate_i, h), -40.0, 1.5, 0]]
        neurons = [
            {"params": {"I_e": 100.0, "len_kernel": -1 if auto else 300}, "spikes": inp(),
             "dc": [[150.0, 50.0, 150.0, 1.0]]},
            {"params": {"BinoRand": False, "N": 50, "len_kernel": 60, "q_sfa": [2.0, 0.5],
                        "tau_sfa": [10.0, 100.0], "lambda_0": 30.0, "I_e": 120.0},
             "spikes": inp(), "dc": []},
            {"params": {"t_ref": 0.0, "N": 30, "lambda_0": 50.0, "len_kernel": 80,
                        "Delta_V": 1.0, "V_reset": -5.0, "E_L": 2.0, "tau_syn_ex": 1.0,
                        "I_e": 220.0},
             "spikes": inp(1500.0, 600.0), "dc": [[-100.0, 100.0, 140.0, 2.0]]},
            {"params": {"N": 400, "lambda_0": 5.0, "len_kernel": -1 if auto else 500,
                        "q_sfa": [1.0], "tau_sfa": [50.0], "t_ref": 1.5, "I_e": 140.0},
             "spikes": inp(), "dc": []},
        ]
        sc.append({"model": "gif_pop_psc_exp", "h": h, "T": T, "neurons": neurons})
    return sc


_BAD = [{"q_sfa": [1.0, 2.0]}, {"C_m": 0.0}, {"tau_m": -1.0}, {"tau_syn_ex": 0.0},
        {"tau_syn_in": -2.0}, {"tau_sfa": [0.0]}, {"N": 0}, {"lambda_0": -1.0},
        {"Delta_V": 0.0}, {"t_ref": -0.5}, {"tau_sfa": [], "q_sfa": []}]


@pytest.fixture(scope="module")
def nest_results(tmp_path_factory):
    pytest.importorskip("nest")
    scen = _scenarios()
    return scen, run_nest(tmp_path_factory, "nest_gif_pop", scen, [M.name], _BAD)


def _replay_uniforms(params_list, runs):
    """(steps, n) uniforms whose inversion gives NEST's count at each step."""
    cols = []
    for p, r in zip(params_list, runs):
        N = float(p.get("N", 100))
        mean, k = np.array(r["mean"]), np.array(r["n_events"])
        u = np.full(k.shape, 0.5)
        if p.get("BinoRand", True):
            q = mean / N
            ok = (q > 0) & (q < 1)
            lo = stats.binom.cdf(k - 1, N, np.clip(q, 1e-300, 1))
            hi = stats.binom.cdf(k, N, np.clip(q, 1e-300, 1))
        else:
            ok = (mean > 1e-300) & (mean <= N)
            lo = stats.poisson.cdf(k - 1, np.maximum(mean, 1e-300))
            hi = np.where(k >= N, 1.0, stats.poisson.cdf(k, np.maximum(mean, 1e-300)))
        u = np.where(ok, 0.5 * (lo + hi), u)
        cols.append(u)
    return np.stack(cols, axis=1)


class _Replay:
    def __init__(self, u):
        self.u = u

    def uniform(self, j):
        return self.u


@pytest.mark.parametrize("idx", range(len(_scenarios())))
def test_replay_matches_nest(nest_results, idx, monkeypatch):
    """NEST's counts replayed: every recordable of every step within 1e-9 (relative)."""
    import _vector_driver as vd
    scen, out = nest_results
    s = scen[idx]
    runs = out["runs"][idx]
    # NEST's multimeter has not delivered the last min_delay's samples: replay what it shows
    n_rec = len(runs[0]["times"])
    s = dict(s, T=n_rec * s["h"])
    runs = [dict(r, spikes=[t for t in r["spikes"] if t <= s["T"] + 1e-9]) for r in runs]
    u = jnp.asarray(_replay_uniforms([nd["params"] for nd in s["neurons"]], runs))
    orig = vd.simulate
    monkeypatch.setattr(vd, "simulate", lambda m, sc, rec, seed=0, draws=None: orig(
        m, sc, rec, seed, lambda step, n: _Replay(u[step])))
    worst, spikes = vd.compare_run(M, s, runs, TOL, TOL)
    counts = spikes.sum(axis=0)
    assert (counts > 10).all() and (spikes > 1).any(), counts  # multiplicities occur
    print(s["h"], {k: f"{v:.1e}" for k, v in worst.items()}, counts.tolist())


@pytest.mark.parametrize("idx", range(len(_scenarios())))
def test_own_draws_in_distribution(nest_results, idx, monkeypatch):
    """jaxnest's own random streams: per population, mean and variance of the counts per
    step agree with NEST's run within 4 standard errors (from the run's own samples)."""
    scen, out = nest_results
    s = scen[idx]
    runs = out["runs"][idx]
    rec, spikes, _ = simulate(M, s, [r["recordables"] for r in runs], seed=11)
    for j, r in enumerate(runs):
        a, b = np.array(r["n_events"]), spikes[:, j]
        # counts are autocorrelated: standard errors from 20 blocks
        blocks = lambda x: np.array_split(x, 20)  # noqa: E731
        se = np.hypot(np.std([x.mean() for x in blocks(a)]), np.std([x.mean() for x in blocks(b)]))
        assert abs(a.mean() - b.mean()) <= 4 * se / np.sqrt(19) + 1e-12, (j, a.mean(), b.mean())


def test_defaults_match_nest(nest_results):
    # gif_pop_psc_exp is no ArchivingNode in NEST: no tau_minus
    check_defaults(M, nest_results[1])


def test_errors_match_nest(nest_results):
    # the last case (empty arrays) NEST refuses only at Simulate: jaxnest at plan time
    check_errors(M, _BAD, nest_results[1]["errors"][M.name], skip={len(_BAD) - 1})
    host = {k: np.array([[np.nan]]) if isinstance(v, tuple) else np.array([float(v)])
            for k, v in M.params.items()}
    with pytest.raises(errors.BadProperty, match="Time constant array should not be empty"):
        M.hidden_widths(host, 0.1)


def test_history_length_matches_nest_rule():
    """NEST's get_history_size: kernel below Delta_V/10, at least 5 tau_m, above t_ref."""
    p = {"q_sfa": np.array([[0.5]]), "tau_sfa": np.array([[300.0]]), "Delta_V": np.array([2.0]),
         "tau_m": np.array([20.0]), "t_ref": np.array([4.0]), "len_kernel": np.array([-1.0])}
    L = gif_pop.history_length(p, 0.5)
    k = np.arange(1, 40001)
    assert L[0] == k[0.5 * np.exp(-k * 0.5 / 300.0) / 2.0 >= 0.1].max()
    p["q_sfa"] = np.array([[0.01]])
    assert gif_pop.history_length(p, 0.5)[0] == 200  # 5 tau_m / h
    p["len_kernel"] = np.array([7.0])
    assert gif_pop.history_length(p, 0.5)[0] == 7
