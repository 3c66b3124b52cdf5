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

from . import plots, stats
from .harness import ParityRun
from .tables import CSS, _VERDICT_CLASS, to_html, to_markdown
from .tolerances import CATEGORIES


def checks_frame(run: ParityRun, where: str | None = None) -> pd.DataFrame:
    rows = []
    under = {id(c) for c in (run.comparison.underpowered() if run.comparison else [])}
    for c in (run.comparison.checks if run.comparison else []):
        if where is not None and c.where != where:
            continue
        rows.append({"where": c.where, "quantity": c.quantity, "models": c.models,
                     "category": c.category, "measure": _measure(c),
                     "deviation": c.deviation, "tolerance": c.tolerance,
                     "test": c.test, "p": c.p_value, "p (Holm)": c.p_adjusted,
                     "power (5 % bias)": c.power,
                     "verdict": "underpowered" if id(c) in under else
                     {"pass": "pass", "fail": "FAIL"}.get(c.status, c.status),
                     "note": c.note})
    return pd.DataFrame(rows, columns=COLUMNS)


COLUMNS = ["where", "quantity", "models", "category", "measure", "deviation", "tolerance",
           "test", "p", "p (Holm)", "power (5 % bias)", "verdict", "note"]


def _measure(c) -> str:
    if c.test == "KS":
        return "KS distance"
    if c.test == "Fisher exact":
        return "fraction"
    return "relative" if c.category == "D" else "absolute"


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
        return (f"fails where a two-sample test (Welch t, KS, Fisher exact) is significant "
                f"after Holm's correction (family-wise {stats.ALPHA:g}) and the difference "
                f"exceeds {c.rtol:.0%}; inconclusive without power {stats.POWER:g} to see a "
                f"{c.rtol:.0%} bias")
    if c.name == "E":
        return (f"|dN| <= {c.count_atol} per sender, |dt| <= {c.steps} step "
                f"(exact: {c.atol:g} ms)")
    return f"atol {c.atol:g}" + (f", rtol {c.rtol:g}" if c.rtol else "")


def kind(run: ParityRun) -> str | None:
    """deterministic / seed-dependent / bistable / stop-when-done (None: not compared)."""
    comp = run.comparison
    if comp is None:
        return None
    if comp.stop_when_done:
        return "stop-when-done"
    if comp.bistable:
        return "bistable"
    return "deterministic" if comp.deterministic else "seed-dependent"


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
        "kind": kind(run),
        "checks": [{"where": c.where, "quantity": c.quantity, "category": c.category,
                    "deviation": num(c.deviation), "tolerance": num(c.tolerance),
                    "passed": c.passed, "verdict": c.status, "test": c.test or None,
                    "p_value": num(c.p_value), "p_adjusted": num(c.p_adjusted),
                    "power": num(c.power), "models": c.models, "note": c.note}
                   for c in (comp.checks if comp else [])],
    }


def _recorder_sections(run: ParityRun, out_dir: str):
    """(title, [(png name, png bytes)], checks frame) per compared recorder."""
    sections = []
    for pair in (run.comparison.pairs if run.comparison else []):
        where = pair.where or f"{pair.label} #{pair.gid} {pair.nest[0].model}"
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


def _plain(value):
    """numpy scalars (a check's flag, a count) as the Python values JSON takes."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def write_report(run: ParityRun, out_dir: str) -> dict[str, str]:
    """Write report.md, report.html and summary.json into ``out_dir``; returns their paths."""
    os.makedirs(out_dir, exist_ok=True)
    summ = summary(run)
    paths = {k: os.path.join(out_dir, f) for k, f in
             (("md", "report.md"), ("html", "report.html"), ("json", "summary.json"))}
    with open(paths["json"], "w") as f:
        json.dump(summ, f, indent=1, default=_plain)
    sections = _recorder_sections(run, out_dir)
    runs_df, cats_df = runs_frame(run), categories_frame()
    kernel_df = checks_frame(run)
    kernel_df = kernel_df[kernel_df["where"].str.endswith(("kernel", "connections", "positions"))]
    verdict = run.status.upper() if run.status in ("pass", "fail") else run.status
    det = {"deterministic": "deterministic (same results for every rng_seed): compared "
                            "sample by sample",
           "seed-dependent": "seed-dependent: recorders that change with rng_seed compared "
                             "by distribution (D)",
           "bistable": "bistable: some seeds go quiet, others not; the share of quiet seeds "
                       "is compared (Fisher), the active seeds by distribution (D)",
           "stop-when-done": "stop-when-done: the script simulates until something happens; "
                             "the stop times are compared by distribution (D)",
           None: "not compared"}[kind(run)]
    n_seeds = f"{len(run.nest_runs)} NEST / {len(run.jax_runs)} jaxnest runs"

    md = [f"# Parity report: `{run.name}`\n",
          f"**Verdict: {verdict}** — {run.reason}\n",
          f"- script: `{run.script}`",
          f"- seeds requested: {run.seeds}, run: {n_seeds}; {det}",
          f"- wall time of the script: NEST {_s(run.wall('nest'))}, "
          f"jaxnest {_s(run.wall('jaxnest'))} (seed 0)\n",
          "## Runs\n", to_markdown(runs_df)]
    if len(kernel_df):
        md += ["## Kernel status and connections\n", to_markdown(kernel_df)]
    for title, pngs, df in sections:
        md.append(f"## {title}\n")
        md += [f"![{name}]({name})\n" for name, _ in pngs]
        md.append(to_markdown(df))
    md += ["## Tolerance categories\n", to_markdown(cats_df), STATS_NOTE]
    with open(paths["md"], "w") as f:
        f.write("\n".join(md))

    cls = _VERDICT_CLASS.get(run.status, "")
    body = [f"<h1>Parity report: <code>{html.escape(run.name)}</code></h1>",
            f'<p><span class="verdict {cls}">{html.escape(verdict)}</span> '
            f"{html.escape(run.reason)}</p>",
            "<ul>", f"<li>script: <code>{html.escape(run.script)}</code></li>",
            f"<li>seeds requested: {run.seeds}, run: {n_seeds}; {html.escape(det)}</li>",
            f"<li>wall time of the script: NEST {_s(run.wall('nest'))}, jaxnest "
            f"{_s(run.wall('jaxnest'))} (seed 0)</li></ul>",
            "<h2>Runs</h2>", to_html(runs_df)]
    if len(kernel_df):
        body += ["<h2>Kernel status and connections</h2>", to_html(kernel_df, "verdict")]
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
    body += ["<h2>Tolerance categories</h2>", to_html(cats_df),
             f"<p>{html.escape(STATS_NOTE)}</p>"]
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Parity: "
            f"{html.escape(run.name)}</title><style>{CSS}</style></head><body>"
            + "\n".join(body) + "</body></html>")
    with open(paths["html"], "w") as f:
        f.write(page)
    return paths


STATS_NOTE = (
    "Distributional checks (D): `test` is the two-sample test (Welch's t-test on per-seed "
    "values with Welch-Satterthwaite degrees of freedom; Kolmogorov-Smirnov on values pooled "
    "over seeds; Fisher's exact test on the share of quiet seeds), `p` its p-value and "
    "`p (Holm)` the p-value after Holm's correction over all tests of this report. `power` is "
    "the chance the test had to detect a 5 % bias (for Fisher: a change of the quiet share by "
    "0.5) at Holm's strictest level; Welch and Fisher checks below 0.8 are inconclusive, and "
    "underpowered where even 100 seeds per side would not reach 0.8: those do not block a "
    "verdict their recorder's powered checks support.\n")


def _s(x) -> str:
    return "n/a" if x is None else f"{x:.2f} s"
