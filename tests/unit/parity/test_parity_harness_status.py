"""The harness's status for each combination of run outcomes (runs faked, no subprocess)."""
import pytest

from jaxnest.parity import harness
from jaxnest.parity.runner import RunResult

from _synth import run, sr, trace_events, vm

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
    res = harness.run_parity(script, seeds=3)
    assert sorted(calls) == [(b, k) for b in ("jaxnest", "nest") for k in range(3)]
    assert res.deterministic is False and res.status == "pass"
