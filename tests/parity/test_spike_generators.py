"""Random spike generators and spike_train_injector against NEST in the same run.

Activity windows (at rates that fire every step) and the injector's spikes are exact. The
random trains are compared by distribution over four seeds: rate profiles by a two-sample
chi-square over time bins, counts and ISI CVs per seed by Welch z < 4 (the spread measured
over the seeds), mip pair correlations, pulse-packet counts (exact) and timing; a seed
reproduces its trains and splitting a run into Simulate pieces does not change them.
"""
import numpy as np
import pytest

from jaxnest.parity.backends import max_abs_diff

NAMES = ["sp", "sg", "ip", "gs", "pd", "pm", "mip", "pp"]
CHI2_999 = {50: 86.7}  # chi-square(50) 99.9 % quantile


@pytest.mark.parametrize("delay", [0.1, 1.0])
def test_activity_windows_are_nests(both, delay):
    ref, got = both("spike_generators.py", "windows", delay=delay)
    for k in ref:
        if delay > 0.1 and k.split("_generator")[0] in ("mip", "pulsepacket"):
            continue  # checked per min_delay slice: test_slice_windows_per_min_delay
        assert ref[k].size > 0, k
        np.testing.assert_array_equal(got[k], ref[k], err_msg=k)


def test_slice_windows_per_min_delay(both):
    """mip_generator and pulsepacket_generator check their window per min_delay slice."""
    ref, got = both("spike_generators.py", "windows", delay=1.0)
    for k in ("mip_generator", "pulsepacket_generator"):
        np.testing.assert_array_equal(got[k], ref[k], err_msg=k)


def test_status_and_errors(both):
    ref, got = both("spike_generators.py", "status")
    assert ref["errors"].tolist() == got["errors"].tolist()
    assert ref["shared"].tolist() == got["shared"].tolist() == [1, 1, 0]
    for k in ref:
        if k in ("errors", "shared"):
            continue
        assert k in got, k
        if ref[k].dtype.kind in "fi":
            assert max_abs_diff(np.nan_to_num(got[k], posinf=1e300),
                                np.nan_to_num(ref[k], posinf=1e300)) <= 1e-15, k
        else:
            assert got[k].tolist() == ref[k].tolist(), k


@pytest.fixture(scope="module", params=[
    pytest.param(4, id="4seeds"), pytest.param(16, id="16seeds", marks=pytest.mark.slow)])
def trains(both, request):
    """Trains over seeds 1..n (index n: seed 1 again)."""
    ref, got = both("spike_generators.py", "stats", seeds=list(range(1, request.param + 1)))
    return ref["spikes"], got["spikes"]


def _n(spikes) -> int:
    return int(spikes[:, 0].max())  # seeds (the last index repeats the first)


def _of(spikes, name, seeds=None):
    seeds = range(_n(spikes)) if seeds is None else seeds
    return spikes[(spikes[:, 1] == NAMES.index(name)) & np.isin(spikes[:, 0], list(seeds))]


def _per_seed(spikes, name, stat):
    return np.array([stat(_of(spikes, name, [s])) for s in range(_n(spikes))])


def _cv(x):
    """ISI CV, intervals of each train (seed, parrot) pooled."""
    isis = [np.diff(np.sort(x[(x[:, 0] == s) & (x[:, 2] == u), 3]))
            for s in np.unique(x[:, 0]) for u in np.unique(x[:, 2])]
    isis = np.concatenate(isis)
    return isis.std() / isis.mean()


def _welch_z(a, b):
    """Welch's t of the difference of two per-seed samples, expressed as the normal quantile
    of its two-sided p-value (a t with few degrees of freedom has heavy tails: with 4 seeds a
    raw t of 4 happens 1 time in 60 under the null)."""
    from scipy import stats
    if max(a.var(), b.var()) == 0:
        return 0.0 if a.mean() == b.mean() else np.inf
    p = stats.ttest_ind(a, b, equal_var=False).pvalue
    return float(stats.norm.isf(p / 2))


@pytest.mark.parametrize("name", NAMES[:-1])
def test_rate_profile_matches_nest(trains, name):
    """Two-sample chi-square of spike counts in 20 ms bins (pooled over seeds and trains;
    counts of gamma and dead-time trains vary less than Poisson, so this is conservative;
    mip's 20 children share their mother's spikes: variance 1 + 19 p_copy times Poisson)."""
    a = np.histogram(_of(trains[0], name)[:, 3], bins=50, range=(0, 1000))[0]
    b = np.histogram(_of(trains[1], name)[:, 3], bins=50, range=(0, 1000))[0]
    assert a.sum() > 250 * _n(trains[0]), name
    keep = (a + b) > 0
    chi2 = np.sum((a - b)[keep] ** 2 / (a + b)[keep]) / (1 + 19 * 0.3 if name == "mip" else 1)
    assert chi2 < CHI2_999[50], (name, chi2, a, b)


@pytest.mark.parametrize("name", ["sg", "gs", "pd", "pm", "mip"])
def test_isi_cv_matches_nest(trains, name):
    a, b = _per_seed(trains[0], name, _cv), _per_seed(trains[1], name, _cv)
    assert _welch_z(a, b) < 4, (name, a, b)


def test_gamma_and_dead_time_shape_the_isis(trains):
    for spikes in trains:
        assert _cv(_of(spikes, "sg")) < 0.97  # order 3: more regular than Poisson
        assert _cv(_of(spikes, "gs")) < 0.85
        x = _of(spikes, "pd")
        isis = np.concatenate([np.diff(np.sort(x[(x[:, 0] == s) & (x[:, 2] == u), 3]))
                               for s in range(_n(spikes)) for u in range(20)])
        assert abs(isis.min() - 8.1) < 1e-9  # dead time 8 ms: 80 steps, then at least one


def test_mip_children_are_correlated_as_nests(trains):
    def corr(x):
        counts = np.array([np.histogram(x[x[:, 2] == u, 3], bins=1000, range=(0, 1000))[0]
                           for u in range(20)])
        c = np.corrcoef(counts)
        return c[np.triu_indices(20, 1)].mean()
    a, b = _per_seed(trains[0], "mip", corr), _per_seed(trains[1], "mip", corr)
    assert abs(a.mean() - 0.3) < 0.1  # p_copy
    assert _welch_z(a, b) < 4, (a, b)


def test_pulse_packets_match_nest(trains):
    centres = [150.0, 500.0, 820.0]
    for s in range(_n(trains[0])):
        for spikes in trains:  # activity 40 x 20 parrots per packet, none lost
            t = _of(spikes, "pp", [s])[:, 3]
            counts = [np.sum(np.abs(t - c) < 60) for c in centres]
            assert counts == [800, 800, 800], counts
    # spike time = centre + N(0, sdev) rounded up to the grid, + h + delay: one packet is
    # shared by the 20 parrots, so the samples are the (seed, packet) means and sdevs
    def moments(spikes):
        x = _of(spikes, "pp")
        m = [(t.mean(), t.std()) for s in range(_n(spikes)) for c in centres
             for t in [x[(x[:, 0] == s) & (x[:, 2] == 0) & (np.abs(x[:, 3] - c) < 60), 3] - c]]
        return np.array(m).T
    (ma, sa), (mb, sb) = moments(trains[0]), moments(trains[1])
    assert _welch_z(ma, mb) < 4, (ma, mb)
    assert _welch_z(sa, sb) < 4, (sa, sb)
    assert abs(sa.mean() - 6.0) < 1.0


@pytest.mark.parametrize("name", NAMES)
def test_counts_per_seed_match_nest(trains, name):
    count = lambda x: float(len(x))  # noqa: E731
    a, b = _per_seed(trains[0], name, count), _per_seed(trains[1], name, count)
    if name == "pp":
        assert a.tolist() == b.tolist()
    else:  # Poisson-like spread at least; seeds give its measured value
        n = a.size
        se = np.sqrt(a.var(ddof=1) / n + b.var(ddof=1) / n + (a.mean() + b.mean()) / (2 * n))
        assert abs(a.mean() - b.mean()) < 4 * se, (name, a, b)


def test_seed_reproduces_and_runs_split_alike(both, trains):
    for spikes in trains:
        first = _of(spikes, "sp", [0])[:, 1:]
        again = spikes[spikes[:, 0] == _n(spikes)][:, 1:]
        assert np.array_equal(spikes[spikes[:, 0] == 0][:, 1:], again)
        assert first.size and not np.array_equal(first, _of(spikes, "sp", [1])[:, 1:])
    _, got = both("spike_generators.py", "split")
    assert got["whole"].shape[0] > 500
    np.testing.assert_array_equal(got["pieces"], got["whole"])
