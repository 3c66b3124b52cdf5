"""The --nest-pytests table: NEST's baseline, the share of its passes jaxnest keeps, and a
sweep of some directories keeping the others' results (run_directory faked: no pytest run)."""
import json

import pytest

from jaxnest.parity import pytests


def _records(outcomes: dict[str, str]) -> list[dict]:
    return [{"nodeid": n, "when": "call", "outcome": o, "message": "" if o == "passed"
             else "jaxnest.errors.NotImplemented: x is a NEST model that jaxnest does not "
                  "support yet."} for n, o in outcomes.items()]


@pytest.fixture
def suite(tmp_path, monkeypatch):
    root = tmp_path / "pytests"
    for d in ("neurons", "synapses"):
        (root / d).mkdir(parents=True)
        (root / d / "test_a.py").write_text("")
    outcomes = {  # (backend, directory) -> per-test outcome
        ("nest", "neurons"): {"neurons/test_a.py::t1": "passed", "neurons/test_a.py::t2":
                              "passed", "neurons/test_a.py::t3": "failed"},
        ("jaxnest", "neurons"): {"neurons/test_a.py::t1": "passed", "neurons/test_a.py::t2":
                                 "failed", "neurons/test_a.py::t3": "passed"},
        ("nest", "synapses"): {"synapses/test_a.py::s1": "passed"},
        ("jaxnest", "synapses"): {"synapses/test_a.py::s1": "failed"},
    }
    monkeypatch.setattr(pytests, "pytests_root", lambda: str(root))
    monkeypatch.setattr(pytests, "run_directory", lambda r, d, backend, **kw: (
        _records(outcomes[backend, d]),
        {"directory": d, "returncode": 0, "timed_out": False, "wall_s": 1.0, "tail": ""}))
    return outcomes


def test_share_of_nest_passes(suite, tmp_path):
    out = tmp_path / "compat"
    tot = pytests.sweep(out_dir=str(out), log=lambda *a: None)
    # NEST passes t1, t2, s1; jaxnest keeps t1 only (its pass of t3 is not one of NEST's)
    assert tot["passed under NEST"] == 3 and tot["of those, pass under jaxnest"] == 1
    md = (out / "nest_pytests.md").read_text()
    assert "| neurons | 2 | 1 | 0 | 0 | 2 | 1 (50%) |" in md
    assert "| synapses | 0 | 1 | 0 | 0 | 1 | 0 (0%) |" in md


def test_only_keeps_the_other_directories(suite, tmp_path):
    out = tmp_path / "compat"
    pytests.sweep(out_dir=str(out), log=lambda *a: None)
    suite["jaxnest", "synapses"]["synapses/test_a.py::s1"] = "passed"
    tot = pytests.sweep(out_dir=str(out), only=["synapses"], log=lambda *a: None)
    data = json.loads((out / "nest_pytests.json").read_text())
    assert set(data["directories"]) == {"neurons", "synapses"}
    assert data["tests"]["neurons/test_a.py::t2"]["outcome"] == "failed"  # kept, not rerun
    assert tot["of those, pass under jaxnest"] == 2
    pytests.rerender(str(out))  # the table rebuilt from the per-test outcomes alone
    assert json.loads((out / "nest_pytests.json").read_text())["totals"] == tot


def test_a_dead_pytest_process_loses_only_its_test(tmp_path):
    """A test that kills its pytest process (as a crash in compiled code does) is recorded as
    failed, and a new process runs the tests after it: the rest of its file and the files
    after it."""
    d = tmp_path / "d"
    d.mkdir()
    (d / "test_a.py").write_text(
        "import os, signal\n"
        "def test_1(): pass\n"
        "def test_2(): os.kill(os.getpid(), signal.SIGKILL)\n"
        "def test_3(): pass\n")
    (d / "test_b.py").write_text("def test_4(): pass\n")
    records, info = pytests.run_directory(str(tmp_path), "d", backend="nest", test_timeout=60,
                                          dir_timeout=300)
    tests = pytests.per_test(records)
    assert {n: t["outcome"] for n, t in tests.items()} == {
        "d/test_a.py::test_1": "passed", "d/test_a.py::test_2": "failed",
        "d/test_a.py::test_3": "passed", "d/test_b.py::test_4": "passed"}
    assert "died" in tests["d/test_a.py::test_2"]["message"]
    assert info["crashed"] == ["d/test_a.py::test_2"]
