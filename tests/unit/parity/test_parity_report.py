"""Report writing from synthetic runs: Markdown, standalone HTML with embedded PNGs, JSON."""
import json

import numpy as np

from jaxnest.parity.compare import compare_runs
from jaxnest.parity.harness import ParityRun
from jaxnest.parity.report import write_report

from _synth import run, sr, trace_events, vm


def test_report_files(tmp_path):
    spikes = {"senders": np.array([1, 2, 1]), "times": np.array([5.0, 7.0, 9.0])}
    recs = {3: vm(trace_events()), 4: sr(spikes)}
    nest = [run("nest", recs, 0), run("nest", recs, 1)]
    jax = [run("jaxnest", {3: vm(trace_events(offset=1e-3)), 4: sr(spikes)})]
    comp = compare_runs(nest, jax)
    pr = ParityRun("/x/script.py", "script.py", "fail", "worst", comp, nest, jax, seeds=2)
    paths = write_report(pr, str(tmp_path / "rep"))
    html = open(paths["html"]).read()
    assert html.count("data:image/png;base64,") == 2          # one figure per recorder
    assert 'class="bad"' in html and "FAIL" in html
    md = open(paths["md"]).read()
    assert "![fig_k0_3_0.png](fig_k0_3_0.png)" in md and (tmp_path / "rep/fig_k0_3_0.png").exists()
    summ = json.load(open(paths["json"]))
    assert summ["status"] == "fail" and summ["deterministic"] is True
    assert any(c["quantity"] == "V_m" and not c["passed"] for c in summ["checks"])
    assert summ["nest"][0]["wall_s"] == 1.0


def test_report_states_test_p_value_and_power_of_distributional_checks(tmp_path):
    from _synth import poisson_spikes

    def runs(backend, off):
        return [run(backend, {5: sr(poisson_spikes(20.0, 40, 1000.0, 7 * k + off))}, k,
                    models={g: "iaf_psc_alpha" for g in range(1, 41)}) for k in range(4)]
    nest, jax = runs("nest", 0), runs("jaxnest", 99)
    comp = compare_runs(nest, jax)
    pr = ParityRun("/x/noisy.py", "noisy.py", comp.status, "r", comp, nest, jax, seeds=4)
    paths = write_report(pr, str(tmp_path / "rep"))
    summ = json.load(open(paths["json"]))
    assert summ["kind"] == "seed-dependent"
    rate = next(c for c in summ["checks"] if c["quantity"] == "rate (Hz)")
    assert rate["test"] == "Welch t" and 0 <= rate["p_value"] <= rate["p_adjusted"] <= 1
    assert 0 <= rate["power"] <= 1 and rate["verdict"] in ("pass", "inconclusive")
    isi = next(c for c in summ["checks"] if c["quantity"] == "ISI distribution")
    assert isi["test"] == "KS"
    md = open(paths["md"]).read()
    assert "| test | p | p (Holm) | power (5 % bias) |" in md and "Holm" in md
    html = open(paths["html"]).read()
    assert "<th>power (5 % bias)</th>" in html and "Welch t" in html


def test_report_json_takes_numpy_values(tmp_path):
    """A check's flag or figure may be a numpy scalar (np.bool_ is not a Python bool)."""
    spikes = {"senders": np.array([1, 2]), "times": np.array([5.0, 7.0])}
    nest = [run("nest", {4: sr(spikes)}, 0)]
    comp = compare_runs(nest, [run("jaxnest", {4: sr(spikes)})])
    for c in comp.checks:
        c.passed = np.bool_(c.passed)
    pr = ParityRun("/x/s.py", "s.py", "pass", "", comp, nest, nest, seeds=1)
    summ = json.load(open(write_report(pr, str(tmp_path / "rep"))["json"]))
    assert all(c["passed"] is True for c in summ["checks"])


def test_examples_table_names_rows_run_with_another_limit(tmp_path):
    """A --resume --only rerun with a longer limit keeps its limit beside its verdict."""
    from jaxnest.parity.examples import write_markdown
    rows = [{"name": n, "status": "pass", "reason": "9 checks", "nest": [], "jaxnest": [],
             "static_missing": [], "runtime_missing": "", "timeout_s": t}
            for n, t in (("a.py", 120.0), ("b.py", 400.0))]
    write_markdown(str(tmp_path / "examples.md"), rows, 120.0, 3)
    md = (tmp_path / "examples.md").read_text()
    assert "| b.py | pass | 9 checks (limit 400 s) |" in md.replace("  ", " ")
    assert "(limit 120 s)" not in md
