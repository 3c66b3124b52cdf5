"""NEST's correlospinmatrix_detector_two_neuron example (shortened, 4 seeds per backend):
mean activities and the auto- and cross-covariances (zero lag, summed over negative and
positive lags) within 4 standard errors of NEST's, and the lag of the cross-covariance's peak
equal."""
import numpy as np
import pytest

SEEDS, T, H = (1, 2, 3, 4), 100000.0, 0.1


@pytest.mark.slow
def test_two_neuron_covariances(both):
    runs = {b: np.array([both("binary_example.py", seed=s, T=T)[k]["count_covariance"]
                         for s in SEEDS]) for k, b in enumerate(("nest", "jaxnest"))}
    t0 = runs["nest"].shape[-1] // 2
    stats = {}
    for b, c in runs.items():
        m = c[:, [0, 1], [0, 1], t0] * H / T
        cov = c * (H / T) - m[:, :, None, None] * m[:, None, :, None]
        stats[b] = [m] + [cov[..., sl].sum(-1) for sl in (slice(t0, t0 + 1), slice(0, t0),
                                                          slice(t0 + 1, None))]
        stats[b].append(cov.mean(0)[0, 1].argmax())
    for x, y in zip(stats["nest"][:-1], stats["jaxnest"][:-1]):
        se = np.sqrt((x.var(0, ddof=1) + y.var(0, ddof=1)) / len(SEEDS)) + 1e-9
        assert (np.abs(x.mean(0) - y.mean(0)) < 4 * se).all(), (x.mean(0), y.mean(0), se)
    # the peak of the cross-covariance is broad (tau_m = 10 ms): within 30 bins of 0.1 ms
    assert abs(int(stats["nest"][-1]) - int(stats["jaxnest"][-1])) <= 30
