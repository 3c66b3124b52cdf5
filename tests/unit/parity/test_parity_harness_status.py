"""The harness's status for each combination of run outcomes (runs faked, no subprocess)."""
import pytest

from jaxnest.parity import harness
from jaxnest.parity.runner import RunResult

from _synth import poisson_spikes, run, sr, trace_events, vm

MISSING = "aeif_xyz is a NEST model that jaxnest does not support yet."


def fake(outcomes):
    """run_script stand-in: outcomes[(backend, seed)] -> RunResult."""
    def run_script(backend, script, k, *a, **kw):
        return outcomes.get((backend, k)) or outcomes[(backend, 0)]
    return run_script


def failed(backend, kind="", message="", timed_out=False):
    return RunResult(backend, 0, ok=False, timed_out=timed_out,
                     error={"type": kind, "message": message, "line": 3})


@pytest.fixture
def script(tmp_path):
    p = tmp_path / "s.py"
    p.write_text("import nest\n")
    return str(p)


@pytest.mark.parametrize("nest_run,jax_run,status", [
    (failed("nest", "ModuleNotFoundError", "No module named 'imageio'"), None, "needs-extra"),
    (failed("nest", "ValueError", "x"), None, "nest-failed"),
    (failed("nest", timed_out=True), failed("jaxnest", "NotImplemented", MISSING),
     "unsupported"),
    (failed("nest", timed_out=True), failed("jaxnest", timed_out=True), "nest-timeout"),
    (None, failed("jaxnest", "NotImplemented", MISSING), "unsupported"),
    (None, failed("jaxnest", "KeyError", "'x'"), "error"),
    (None, failed("jaxnest", timed_out=True), "timeout"),
])
def test_failed_runs(monkeypatch, script, nest_run, jax_run, status):
    ok = run("nest", {3: vm(trace_events())})
    monkeypatch.setattr(harness, "run_script", fake({("nest", 0): nest_run or ok,
                                                     ("jaxnest", 0): jax_run or ok}))
    res = harness.run_parity(script, seeds=2)
    assert res.status == status, res.reason
    if status == "unsupported":
        assert res.reason.startswith("model:aeif_xyz (line 3)")


def test_completed_runs(monkeypatch, script):
    recs = {3: vm(trace_events())}
    monkeypatch.setattr(harness, "run_script", fake({("nest", 0): run("nest", recs),
                                                     ("jaxnest", 0): run("jaxnest", recs)}))
    assert harness.run_parity(script, seeds=2).status == "pass"
    bad = {3: vm(trace_events(offset=1.0))}
    monkeypatch.setattr(harness, "run_script", fake({("nest", 0): run("nest", recs),
                                                     ("jaxnest", 0): run("jaxnest", bad)}))
    res = harness.run_parity(script, seeds=2)
    assert res.status == "fail" and "V_m" in res.reason
    monkeypatch.setattr(harness, "run_script", fake({("nest", 0): run("nest", {}),
                                                     ("jaxnest", 0): run("jaxnest", {})}))
    assert harness.run_parity(script, seeds=2).status == "runs"


def test_seed_dependent_runs_all_seeds(monkeypatch, script):
    calls = []
    spikes = [{"senders": [1] * n, "times": [float(i + 1) for i in range(n)]} for n in (5, 6, 7)]

    def run_script(backend, path, k, *a, **kw):
        calls.append((backend, k))
        return run(backend, {4: sr({key: __import__("numpy").asarray(v)
                                    for key, v in spikes[k].items()})}, k)
    monkeypatch.setattr(harness, "run_script", run_script)
    res = harness.run_parity(script, seeds=3, max_seeds=3)
    assert sorted(calls) == [(b, k) for b in ("jaxnest", "nest") for k in range(3)]
    # one sender, 5-7 spikes: no power to tell a 5 % bias, and the verdict says so
    assert res.deterministic is False and res.status == "inconclusive"
    assert "cannot tell a 5 % bias from noise with 3 seeds" in res.reason
    # ... and how many seeds would: the weakest check's count at the spread measured
    weakest = min(res.comparison.inconclusive(), key=lambda c: c.power or 0.0)
    k = weakest.test_ref.seeds_to_settle(weakest.level)
    assert k is not None and f"settling it takes ~{k} seeds per side" in res.reason
    # the rate needs 8 seeds to reach its power: with at most 5, none are added at all
    calls.clear()
    res = harness.run_parity(script, seeds=3, max_seeds=5)
    assert len(calls) == 6 and res.status == "inconclusive"


def _noisy(calls):
    def run_script(backend, path, k, *a, **kw):
        calls.append((backend, k))
        ev = poisson_spikes(20.0, 200, 1000.0, 1000 * (backend == "nest") + k)
        return run(backend, {4: sr(ev)}, k, models={g: "iaf_psc_alpha" for g in range(1, 201)})
    return run_script


def test_seeds_are_added_while_a_check_is_inconclusive(monkeypatch, script):
    calls = []
    monkeypatch.setattr(harness, "run_script", _noisy(calls))
    res = harness.run_parity(script, seeds=3, max_seeds=12)
    n = len(res.jax_runs)
    assert 3 < n <= 12 and len(res.nest_runs) == n
    assert res.status == "pass", res.reason
    assert all(c.power >= 0.8 for c in res.comparison.checks
               if c.test == "Welch t")
    capped = harness.run_parity(script, seeds=3, max_seeds=3)
    assert capped.status == "inconclusive" and len(capped.jax_runs) == 3


@pytest.mark.parametrize("bad,status,words", [
    (("jaxnest", 2), "error", "jaxnest seed 2: KeyError"),
    (("jaxnest", 1), "timeout", "jaxnest seed 1: jaxnest exceeds the time limit"),
    (("nest", 1), "nest-timeout", "NEST seed 1: exceeded the limit"),
    (("nest", 2), "nest-failed", "NEST seed 2: NEST fails: ValueError"),
])
def test_a_failed_later_seed_is_never_a_pass(monkeypatch, script, bad, status, words):
    """sensitivity_to_perturbation passed with a crashed jaxnest seed before."""
    ok = _noisy([])

    def run_script(backend, path, k, *a, **kw):
        if (backend, k) == bad:
            r = failed(backend, *(("KeyError", "'x'") if backend == "jaxnest" else
                                  ("ValueError", "x")), timed_out=status.endswith("timeout"))
            r.seed_index = k
            return r
        return ok(backend, path, k)
    monkeypatch.setattr(harness, "run_script", run_script)
    res = harness.run_parity(script, seeds=3)
    assert res.status == status and res.reason.startswith(words), res.reason


def test_progress_per_seed_and_backend(monkeypatch, script):
    monkeypatch.setattr(harness, "run_script", _noisy([]))
    lines = []
    harness.run_parity(script, seeds=2, max_seeds=2, progress=lines.append)
    assert [ln.split(": ", 1)[1].rsplit(" ", 2)[0] for ln in lines if "running" not in ln] \
        == ["nest seed 0 ok", "jaxnest seed 0 ok", "nest seed 1 ok", "jaxnest seed 1 ok"]
    assert sum("running" in ln for ln in lines) == 4
