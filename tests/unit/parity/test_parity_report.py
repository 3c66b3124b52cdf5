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
