"""Write the report of one parity run: Markdown, a standalone HTML page and a JSON summary.

``DIR/report.md`` (figures as ``DIR/fig_*.png``), ``DIR/report.html`` (the same with the figures
embedded as base64 PNG, so it is one file to send around) and ``DIR/summary.json``.
"""
from __future__ import annotations

import base64
import html
import json
import math
import os

import pandas as pd

from . import plots
from .harness import ParityRun
from .tables import CSS, _VERDICT_CLASS, to_html, to_markdown
from .tolerances import CATEGORIES


def checks_frame(run: ParityRun, where: str | None = None) -> pd.DataFrame:
    rows = []
    for c in (run.comparison.checks if run.comparison else []):
        if where is not None and c.where != where:
            continue
        rows.append({"where": c.where, "quantity": c.quantity, "models": c.models,
                     "category": c.category,
                     "measure": "relative" if c.category == "D" else "absolute",
                     "deviation": c.deviation,
                     "tolerance": c.tolerance, "verdict": "pass" if c.passed else "FAIL",
                     "note": c.note})
    return pd.DataFrame(rows, columns=["where", "quantity", "models", "category", "measure",
                                       "deviation", "tolerance", "verdict", "note"])


def runs_frame(run: ParityRun) -> pd.DataFrame:
    rows = []
    for backend, runs in (("NEST", run.nest_runs), ("jaxnest", run.jax_runs)):
        for r in runs:
            rows.append({"backend": backend, "seed": r.seed_index,
                         "outcome": "ok" if r.ok else r.error_text[:160],
                         "wall (s)": r.wall_s, "in Simulate/Run (s)": r.simulate_s,
                         "import (s)": r.import_s})
    return pd.DataFrame(rows)


def categories_frame() -> pd.DataFrame:
    return pd.DataFrame([{"category": c.name, "meaning": c.what,
                          "tolerance": _tol_text(c)} for c in CATEGORIES.values()])


def _tol_text(c) -> str:
    if c.name == "D":
        return f"means over seeds within {c.rtol:.0%} or {c.z:g} standard errors"
    if c.name == "E":
        return (f"|dN| <= {c.count_atol} per sender, |dt| <= {c.steps} step "
                f"(exact: {c.atol:g} ms)")
    return f"atol {c.atol:g}" + (f", rtol {c.rtol:g}" if c.rtol else "")


def summary(run: ParityRun) -> dict:
    """The JSON summary of one run (also the per-example record of the sweep)."""
    def runs(rs):
        return [{"seed": r.seed_index, "ok": r.ok, "wall_s": r.wall_s,
                 "simulate_s": r.simulate_s, "import_s": r.import_s,
                 "timed_out": r.timed_out, "error": r.error_text or None,
                 "error_line": (r.error or {}).get("line")} for r in rs]

    def num(x):
        return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x

    comp = run.comparison
    return {
        "script": run.script, "name": run.name, "status": run.status, "reason": run.reason,
        "seeds": run.seeds, "deterministic": run.deterministic,
        "largest_deviation": run.largest_deviation() if comp else "",
        "nest": runs(run.nest_runs), "jaxnest": runs(run.jax_runs),
        "checks": [{"where": c.where, "quantity": c.quantity, "category": c.category,
                    "deviation": num(c.deviation), "tolerance": num(c.tolerance),
                    "passed": c.passed, "models": c.models, "note": c.note}
                   for c in (comp.checks if comp else [])],
    }


def _recorder_sections(run: ParityRun, out_dir: str):
    """(title, [(png name, png bytes)], checks frame) per compared recorder."""
    sections = []
    for pair in (run.comparison.pairs if run.comparison else []):
        where = f"{pair.label} #{pair.gid} {pair.nest[0].model}"
        pngs = []
        for i, fig in enumerate(plots.figures(pair)):
            name = f"fig_{pair.label}_{pair.gid}_{i}.png"
            data = plots.png_bytes(fig)
            with open(os.path.join(out_dir, name), "wb") as f:
                f.write(data)
            pngs.append((name, data))
        mode = "sample by sample" if pair.deterministic else \
            f"by distribution over {len(pair.nest)} seeds"
        sections.append((f"{where} ({mode})", pngs, checks_frame(run, where)))
    return sections


def write_report(run: ParityRun, out_dir: str) -> dict[str, str]:
    """Write report.md, report.html and summary.json into ``out_dir``; returns their paths."""
    os.makedirs(out_dir, exist_ok=True)
    summ = summary(run)
    paths = {k: os.path.join(out_dir, f) for k, f in
             (("md", "report.md"), ("html", "report.html"), ("json", "summary.json"))}
    with open(paths["json"], "w") as f:
        json.dump(summ, f, indent=1)
    sections = _recorder_sections(run, out_dir)
    runs_df, cats_df = runs_frame(run), categories_frame()
    kernel_df = checks_frame(run)
    kernel_df = kernel_df[kernel_df["where"].str.endswith("kernel")]
    verdict = run.status.upper() if run.status in ("pass", "fail") else run.status
    det = {True: "deterministic (same results for every rng_seed): compared sample by sample",
           False: "seed-dependent: recorders that change with rng_seed compared by "
                  "distribution (D)", None: "not compared"}[run.deterministic]

    md = [f"# Parity report: `{run.name}`\n",
          f"**Verdict: {verdict}** — {run.reason}\n",
          f"- script: `{run.script}`",
          f"- seeds requested: {run.seeds}; {det}",
          f"- wall time of the script: NEST {_s(run.wall('nest'))}, "
          f"jaxnest {_s(run.wall('jaxnest'))} (seed 0)\n",
          "## Runs\n", to_markdown(runs_df)]
    if len(kernel_df):
        md += ["## Kernel status\n", to_markdown(kernel_df)]
    for title, pngs, df in sections:
        md.append(f"## {title}\n")
        md += [f"![{name}]({name})\n" for name, _ in pngs]
        md.append(to_markdown(df))
    md += ["## Tolerance categories\n", to_markdown(cats_df)]
    with open(paths["md"], "w") as f:
        f.write("\n".join(md))

    cls = _VERDICT_CLASS.get(run.status, "")
    body = [f"<h1>Parity report: <code>{html.escape(run.name)}</code></h1>",
            f'<p><span class="verdict {cls}">{html.escape(verdict)}</span> '
            f"{html.escape(run.reason)}</p>",
            "<ul>", f"<li>script: <code>{html.escape(run.script)}</code></li>",
            f"<li>seeds requested: {run.seeds}; {html.escape(det)}</li>",
            f"<li>wall time of the script: NEST {_s(run.wall('nest'))}, jaxnest "
            f"{_s(run.wall('jaxnest'))} (seed 0)</li></ul>",
            "<h2>Runs</h2>", to_html(runs_df)]
    if len(kernel_df):
        body += ["<h2>Kernel status</h2>", to_html(kernel_df, "verdict")]
    for title, pngs, df in sections:
        body.append(f"<h2>{html.escape(title)}</h2>")
        body += [f'<img alt="{name}" src="data:image/png;base64,'
                 f'{base64.b64encode(data).decode()}">' for name, data in pngs]
        body.append(to_html(df, "verdict"))
    failed = [r for r in run.nest_runs + run.jax_runs if not r.ok and r.error]
    if failed:
        body.append("<h2>Errors</h2>")
        for r in failed:
            tb = (r.error or {}).get("traceback") or r.error_text
            body.append(f"<h3>{r.backend}, seed {r.seed_index}</h3><pre>{html.escape(tb)}</pre>")
    body += ["<h2>Tolerance categories</h2>", to_html(cats_df)]
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Parity: "
            f"{html.escape(run.name)}</title><style>{CSS}</style></head><body>"
            + "\n".join(body) + "</body></html>")
    with open(paths["html"], "w") as f:
        f.write(page)
    return paths


def _s(x) -> str:
    return "n/a" if x is None else f"{x:.2f} s"
