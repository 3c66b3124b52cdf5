"""poisson_generator -> spike_recorder (NEST: the recorder records a Poisson train of its own,
as every target of the generator gets one): counts, window, order, independence, chunking."""
import numpy as np

import jaxnest as nest


def _run(pieces, seed=1):
    nest.ResetKernel()
    nest.rng_seed = seed
    pg = nest.Create("poisson_generator", 2, params={"rate": 50000.0, "start": 1.0, "stop": 3.0})
    slow = nest.Create("poisson_generator", params={"rate": 500.0})
    sr = nest.Create("spike_recorder", 2)
    n = nest.Create("iaf_psc_alpha", params={"I_e": 500.0})
    nest.Connect(pg, sr[0])
    nest.Connect(pg[0], sr[1])
    nest.Connect(slow + n, sr[1])
    for t in pieces:
        nest.Simulate(t)
    return pg, slow, n, sr


def test_counts_window_and_order():
    pg, slow, n, sr = _run([1000.0])
    e0, e1 = sr[0].events, sr[1].events
    # lambda = 5 per step in the 20 steps lo < s <= hi; times (s + 1) h as for neurons
    assert abs(sr[0].n_events - 200) < 5 * np.sqrt(200)
    assert e0["times"].min() >= 1.2 - 1e-9 and e0["times"].max() <= 3.1 + 1e-9
    assert set(e0["senders"].tolist()) == set(pg.tolist())
    assert abs((e1["senders"] == slow.global_id).sum() - 500) < 5 * np.sqrt(500)
    assert (e1["senders"] == n.global_id).sum() > 10  # neuron spikes still recorded
    # a recorder gets its own train, not another recorder's
    t_a = e0["times"][e0["senders"] == pg[0].global_id]
    t_b = e1["times"][e1["senders"] == pg[0].global_id]
    assert not np.array_equal(t_a, t_b)
    # NEST's order: min_delay slice (10 steps: all delays are 1 ms), then sender, then time
    step = np.rint(e1["times"] / 0.1).astype(int) - 1
    key = (step // 10) * 10**12 + e1["senders"] * 10**6 + step
    assert np.all(np.diff(key) >= 0)


def test_simulate_in_pieces_is_one_run():
    one = _run([500.0])[3]
    many = _run([1.5, 0.7, 97.8, 400.0])[3]
    for a, b in zip(one, many):
        assert np.array_equal(a.events["times"], b.events["times"])
        assert np.array_equal(a.events["senders"], b.events["senders"])


def test_seed_changes_the_train():
    a = _run([100.0], seed=1)[3][0].events["times"]
    b = _run([100.0], seed=2)[3][0].events["times"]
    assert not (a.size == b.size and np.array_equal(a, b))
