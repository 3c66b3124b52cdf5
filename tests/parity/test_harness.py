"""The parity harness end to end on NEST's own examples (run from the installed package).

one_neuron.py and twoneurons.py are deterministic (dc input; categories B for iaf_psc_alpha
V_m, exact kernel status); one_neuron_with_noise.py is driven by Poisson generators, so its
recorders change with rng_seed and are compared by distribution (D) over seeds.
"""
import json
import os

import pytest

pytest.importorskip("nest")

from jaxnest.parity import examples  # noqa: E402
from jaxnest.parity.harness import run_parity  # noqa: E402
from jaxnest.parity.report import write_report  # noqa: E402


def _example(name):
    path = os.path.join(examples.examples_root(), name)
    if not os.path.exists(path):
        pytest.skip(f"{name} not shipped with this NEST")
    return path


@pytest.mark.parametrize("name", ["one_neuron.py", "twoneurons.py"])
def test_deterministic_example_passes_sample_by_sample(name, tmp_path):
    run = run_parity(_example(name), seeds=2, timeout=120, copy_dir=True, jobs=2)
    assert run.nest_runs[0].ok, run.nest_runs[0].error_text
    assert run.status == "pass", (run.reason, run.jax_runs[0].error_text)
    assert run.deterministic
    vm = [c for c in run.comparison.checks if c.quantity == "V_m"]
    assert vm and all(c.category == "B" for c in vm)
    paths = write_report(run, str(tmp_path))
    assert "data:image/png;base64," in open(paths["html"]).read()


def test_poisson_example_is_compared_by_distribution():
    run = run_parity(_example("one_neuron_with_noise.py"), seeds=3, timeout=120,
                     copy_dir=True, jobs=2, max_seeds=3)
    assert run.status in ("pass", "inconclusive"), run.reason
    assert not run.deterministic and len(run.nest_runs) == 3 and len(run.jax_runs) == 3
    vm = [c for c in run.comparison.checks if c.quantity.startswith("V_m")]
    assert {c.category for c in vm} == {"D"} and {c.test for c in vm} == {"Welch t"}
    assert all(c.p_value is not None and c.power is not None for c in vm)


def test_cli_parity_shows_progress_on_stderr(tmp_path):
    import subprocess
    import sys
    p = subprocess.run([sys.executable, "-m", "jaxnest_cli", "parity", _example("one_neuron.py"),
                        "--seeds", "1", "--report", str(tmp_path)], capture_output=True,
                       text=True, timeout=300, cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    for line in ("one_neuron.py: nest seed 0 running", "one_neuron.py: jaxnest seed 0 ok"):
        assert line in p.stderr
    assert "one_neuron.py: pass" in p.stdout
    summary = json.load(open(tmp_path / "summary.json"))
    assert summary["kind"] == "deterministic"


def test_example_sweep_writes_compat_files(tmp_path):
    recs = examples.sweep(only=["one_neuron"], timeout=120, seeds=1, out_dir=str(tmp_path),
                          log=lambda *_: None)
    assert [r["name"] for r in recs] == ["one_neuron.py"]
    data = json.load(open(tmp_path / "examples.json"))
    assert data["totals"]["total"] == 1
    # paths relative to NEST's example directory, not this machine's install path
    assert data["examples"][0]["script"] == "one_neuron.py"
    assert "site-packages" not in open(tmp_path / "examples.json").read()
    md = open(tmp_path / "examples.md").read()
    assert "| one_neuron.py | pass |" in md


def test_discovery_follows_nest_layout():
    names = [e.name for e in examples.discover()]
    assert "one_neuron.py" in names
    assert "sudoku/run_example.py" in names and "sudoku/sudoku_net.py" not in names


def test_weights_nest_leaves_uninitialised_are_not_compared(tmp_path):
    """diffusion_connection's weight is uninitialised memory in NEST (2.0, 0.0, 4.6e-310 from
    run to run): the connectivity check must not judge it."""
    run = _passing_run(tmp_path / "siegert.py", [
        "s = nest.Create('siegert_neuron', 3, params={'mean': 20.0})",
        "nest.Connect(s, s, syn_spec={'synapse_model': 'diffusion_connection',",
        "                             'drift_factor': 0.5, 'diffusion_factor': 0.1})",
        "mm = nest.Create('multimeter', params={'record_from': ['rate'], 'interval': 1.0})",
        "nest.Connect(mm, s)",
        "nest.Simulate(20.0)"])
    weights = [c for c in run.comparison.checks if c.quantity == "weights"]
    assert weights and all(c.passed for c in weights)


def test_ascii_recorders_of_threaded_nest_are_read_whole(tmp_path):
    """NEST writes a recorder's ASCII data one file per thread and its ``filenames`` names
    one of them: the harness reads them all (brunel_exp_multisynapse_nest, 4 threads, read a
    quarter of NEST's spikes and failed on rates 4x apart)."""
    run = _passing_run(tmp_path / "threads_ascii.py", [
        "nest.local_num_threads = 4",
        "nest.overwrite_files = True",
        "n = nest.Create('iaf_psc_alpha', 8, params={'I_e': [400.0 + 20 * i for i in range(8)]})",
        "sr = nest.Create('spike_recorder', params={'record_to': 'ascii', 'label': 'sr'})",
        "nest.Connect(n, sr)",
        "nest.Simulate(200.0)"])
    rec = next(iter(run.nest_runs[0].snapshots[-1].recorders.values()))
    assert len(set(rec.events["senders"].tolist())) == 8
    assert len(rec.events["times"]) == rec.status["n_events"]


def _passing_run(script, lines: list[str]):
    """``lines`` (after ``import nest``) written to ``script`` and run under both simulators
    with 2 seeds; its verdict must be pass."""
    script.write_text("\n".join(["import nest", *lines]) + "\n")
    run = run_parity(str(script), seeds=2, timeout=120, jobs=2)
    assert run.status == "pass", run.reason
    return run
