"""Verdicts of the comparison logic on synthetic data (categories B, A, C, E, D)."""
import numpy as np
import pytest

from jaxnest.parity.compare import compare_runs, compare_spikes, compare_trace
from jaxnest.parity.tolerances import CATEGORIES

from _synth import H, poisson_spikes, run, sr, trace_events, vm


def test_identical_trace_passes_b():
    ev = trace_events()
    dev, ok, note = compare_trace(ev, dict(ev), "V_m", H, "B")
    assert ok and dev == 0.0 and note == ""


def test_rounding_noise_passes_b_but_offset_fails():
    ev = trace_events()
    tiny = trace_events(noise=1e-9)
    assert compare_trace(ev, tiny, "V_m", H, "B")[1]
    dev, ok, _ = compare_trace(ev, trace_events(offset=1e-4), "V_m", H, "B")
    assert not ok and dev == pytest.approx(1e-4)


def test_adaptive_band_a():
    ev = trace_events()
    assert compare_trace(ev, trace_events(offset=5e-4), "V_m", H, "A")[1]
    assert not compare_trace(ev, trace_events(offset=5e-3), "V_m", H, "A")[1]


def test_relative_band_c():
    ev = trace_events()
    # atol 1e-3 + rtol 1e-6 * |V| (~70 mV): 1.05e-3 passes, 2e-3 does not
    assert compare_trace(ev, trace_events(offset=1.05e-3), "V_m", H, "C")[1]
    assert not compare_trace(ev, trace_events(offset=2e-3), "V_m", H, "C")[1]


def test_missing_samples_fail_even_when_common_samples_agree():
    ev = trace_events()
    short = {k: v[:-5] for k, v in ev.items()}
    dev, ok, note = compare_trace(ev, short, "V_m", H, "B")
    assert dev == 0.0 and not ok and "samples" in note


def test_nan_in_both_is_agreement():
    ev = trace_events()
    ev["V_m"] = ev["V_m"].copy()
    ev["V_m"][3] = np.nan
    assert compare_trace(ev, {k: v.copy() for k, v in ev.items()}, "V_m", H, "B")[1]


def _spikes(times_by_sender):
    s = np.concatenate([np.full(len(t), g) for g, t in times_by_sender.items()])
    t = np.concatenate([np.asarray(t, float) for t in times_by_sender.values()])
    return {"senders": s, "times": t}


def test_spike_trains_exact_and_one_step():
    a = _spikes({1: [10.0, 20.0, 30.0], 2: [15.0]})
    assert compare_spikes(a, dict(a), H) == (0, 0.0)
    b = _spikes({1: [10.0, 20.1, 30.0], 2: [15.0]})
    dn, dt = compare_spikes(a, b, H)
    assert dn == 0 and dt == pytest.approx(0.1)
    e = CATEGORIES["E"]
    assert dt <= e.steps * H + e.atol


def test_spike_trains_missing_spike_and_shift():
    a = _spikes({1: [10.0, 20.0, 30.0]})
    b = _spikes({1: [10.0, 30.0]})
    dn, dt = compare_spikes(a, b, H)
    assert dn == 1 and dt == 0.0
    c = _spikes({1: [10.5, 20.0, 30.0]})
    assert compare_spikes(a, c, H)[1] == pytest.approx(0.5)
    # order of senders in the arrays does not matter
    d = {"senders": a["senders"][::-1], "times": a["times"][::-1]}
    assert compare_spikes(a, d, H) == (0, 0.0)


def test_deterministic_run_passes_and_fails():
    spikes = _spikes({1: [10.0, 20.0], 2: [12.0]})
    recs = {3: vm(trace_events()), 4: sr(spikes)}
    nest = [run("nest", recs, 0), run("nest", recs, 1)]   # same for both seeds
    comp = compare_runs(nest, [run("jaxnest", recs)])
    assert comp.passed and comp.deterministic
    assert {c.category for c in comp.checks} >= {"B", "E", "exact"}

    late = _spikes({1: [10.0, 20.5], 2: [12.0]})
    bad = compare_runs(nest, [run("jaxnest", {3: vm(trace_events(offset=1e-3)), 4: sr(late)})])
    assert not bad.passed
    failed = {(c.quantity, c.category) for c in bad.checks if not c.passed}
    assert ("V_m", "B") in failed and ("spike times (ms)", "E") in failed
    assert bad.worst().excess > 1


def test_cond_model_traces_use_a():
    recs = {3: vm(trace_events())}
    models = {1: "iaf_cond_exp", 2: "iaf_cond_exp"}
    nest = [run("nest", recs, 0, models=models), run("nest", recs, 1, models=models)]
    got = run("jaxnest", {3: vm(trace_events(offset=5e-4))}, models=models)
    comp = compare_runs(nest, [got])
    (check,) = [c for c in comp.checks if c.quantity == "V_m"]
    assert check.category == "A" and check.passed


def test_missing_recorder_and_kernel_mismatch_fail():
    recs = {3: vm(trace_events())}
    nest = [run("nest", recs, 0)]
    comp = compare_runs(nest, [run("jaxnest", {}, n_conn=11)])
    quantities = {(c.quantity, c.passed) for c in comp.checks}
    assert ("recorder", False) in quantities and ("num_connections", False) in quantities


def _random_runs(backend, rate, seeds, n=40, t=1000.0, n_conn=(100, 120, 110)):
    return [run(backend, {5: sr(poisson_spikes(rate, n, t, 1000 * (backend == "jaxnest") + k))},
                k, n_conn=n_conn[k % len(n_conn)], models={g: "iaf_psc_alpha" for g in
                                                           range(1, n + 1)})
            for k in range(seeds)]


def test_seed_dependent_spikes_same_rate_pass_d():
    comp = compare_runs(_random_runs("nest", 20.0, 3), _random_runs("jaxnest", 20.0, 3))
    assert not comp.deterministic
    d = [c for c in comp.checks if c.category == "D"]
    assert {c.quantity for c in d} >= {"rate (Hz)", "CV of ISI", "num_connections",
                                       "rate distribution (per sender)", "ISI distribution"}
    assert comp.status != "fail", [c for c in comp.checks if c.status == "fail"]
    assert all(c.p_value is not None and c.power is not None for c in d)


def test_seed_dependent_spikes_wrong_rate_fail_d():
    comp = compare_runs(_random_runs("nest", 20.0, 3), _random_runs("jaxnest", 30.0, 3))
    failed = {c.quantity for c in comp.checks if c.status == "fail"}
    assert "rate (Hz)" in failed and "rate distribution (per sender)" in failed


def test_seed_dependent_traces_pass_and_fail_d():
    rng = np.random.default_rng(0)

    def runs(backend, offset):
        return [run(backend, {3: vm(trace_events(offset, noise=rng.normal(0, 2.0, 400)))}, k)
                for k in range(3)]
    nest = runs("nest", 0.0)
    assert compare_runs(nest, runs("jaxnest", 0.0)).status != "fail"
    bad = compare_runs(nest, runs("jaxnest", 3.0))
    assert "V_m mean" in {c.quantity for c in bad.checks if c.status == "fail"}


def test_stop_time_varying_with_seed_is_compared_by_distribution():
    """A script that simulates until a random event (NEST's sudoku example) stops at a time
    that varies with the seed: same spread passes, a different mean fails, and a time equal
    under every NEST seed is still compared exactly."""
    def runs(backend, stops):
        return [run(backend, {}, k, t_stop=t) for k, t in enumerate(stops)]
    nest = runs("nest", [7500.0, 2400.0, 5100.0])
    same = compare_runs(nest, runs("jaxnest", [3000.0, 6100.0, 4900.0]))
    (bt,) = [c for c in same.checks if c.quantity == "stop time (ms)"]
    assert bt.category == "D" and bt.status != "fail" and same.stop_when_done
    assert {c.test for c in same.checks if "stop time" in c.quantity} == {"Welch t", "KS"}
    far = compare_runs(nest, runs("jaxnest", [60000.0, 61000.0, 59000.0]))
    assert [c for c in far.checks if c.quantity == "stop time (ms)"][0].status == "fail"
    fixed = compare_runs(runs("nest", [1000.0] * 3), runs("jaxnest", [999.0, 1000.0, 1000.0]))
    (bt,) = [c for c in fixed.checks if c.quantity == "biological_time"]
    assert bt.category == "exact" and not bt.passed


def _weight_events(order=None, **change):
    ev = {"senders": np.array([1, 1, 2, 1, 2]), "targets": np.array([2, 7, 1, 2, 7]),
          "times": np.array([1.0, 1.0, 1.0, 2.0, 2.0]),
          "weights": np.array([0.5, -0.25, 1.5, 0.75, 2.0]),
          "receptors": np.zeros(5, int), "ports": np.array([0, 1, 0, 0, 1])}
    for k, (i, v) in change.items():
        ev[k] = ev[k].astype(float)
        ev[k][i] = v
    return {k: v[order] for k, v in ev.items()} if order is not None else ev


def test_weight_recorder_events_compare_in_event_order():
    """Within one step the order of a weight recorder's events is NEST's delivery order, not
    something a script means; a changed weight or time still fails."""
    wr = ("weight_recorder", {}, None)
    nest = [run("nest", {3: wr[:2] + (_weight_events(),)}, s) for s in (0, 1)]

    def verdict(ev):
        comp = compare_runs(nest, [run("jaxnest", {3: wr[:2] + (ev,)})])
        return {c.quantity: c.passed for c in comp.checks if c.where.endswith("weight_recorder")}

    assert all(verdict(_weight_events(order=[2, 0, 1, 4, 3])).values())
    assert not verdict(_weight_events(weights=(1, -0.26)))["weights"]
    assert not verdict(_weight_events(order=[2, 0, 1, 4, 3], times=(3, 1.0)))["weights"]
    # ports: each connection's index in its connector, in an order jaxnest need not share
    assert verdict(dict(_weight_events(), ports=np.array([1, 0, 0, 1, 1])))["ports"]
    assert verdict(dict(_weight_events(), ports=np.array([5, 9, 0, 5, 3])))["ports"]
    assert not verdict(_weight_events(ports=(3, 1)))["ports"]        # two for one connection
