"""``jaxnest parity --nest-examples``: run NEST's own example scripts under both backends.

The examples are read from the installed nest-simulator package at run time
(``nest/doc/examples/pynest/``), never copied into this repository. Discovery follows NEST's
own ``run_examples.sh``: every ``*.py`` of a directory, except that a directory holding a
``run_example.py`` contributes only that file (its other files are its modules). Each example
runs in a scratch copy of its directory, so what it writes stays out of the installed package.
"""
from __future__ import annotations

import collections
import importlib.util
import json
import os
import time
from dataclasses import dataclass

import pandas as pd

from .harness import ParityRun, run_parity
from .report import summary, write_report
from .tables import to_markdown

# Examples that are not run, and why (by file name).
NOT_RUN = {
    "brette_et_al_2007_benchmark.py": ("needs-extra", "not an example: the parameter and "
                                       "run module imported by the brette_et_al_2007 scripts"),
    "nest_script.py": ("needs-extra", "needs MUSIC (half of a MUSIC co-simulation)"),
    "receiver_script.py": ("needs-extra", "needs MUSIC (half of a MUSIC co-simulation)"),
    "eprop_supervised_classification_neuromorphic_mnist.py": (
        "needs-extra", "needs external data (downloads the N-MNIST data set)"),
}
LONG_RUNNING = {"artificial_synchrony.py", "structural_plasticity.py"}  # > 300 s under NEST

STATUS_ORDER = ["pass", "fail", "inconclusive", "runs", "unsupported", "error", "timeout",
                "needs-extra", "nest-failed", "nest-timeout", "skipped"]
COMPARED = ("pass", "fail", "inconclusive", "runs")  # both backends ran every seed


def examples_root() -> str:
    """Directory of the example scripts of the installed nest-simulator package."""
    spec = importlib.util.find_spec("nest")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("nest-simulator is not installed (pip install nest-simulator)")
    root = os.path.join(list(spec.submodule_search_locations)[0], "doc", "examples", "pynest")
    if not os.path.isdir(root):
        raise RuntimeError(f"no examples at {root}")
    return root


@dataclass
class Example:
    name: str   # path relative to the examples root
    path: str


def discover(root: str | None = None) -> list[Example]:
    """The example scripts, as NEST's run_examples.sh finds them."""
    root = root or examples_root()
    found = []
    for dirpath, dirnames, files in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        if "run_example.py" in files:
            files = ["run_example.py"]
        for f in sorted(files):
            if f.endswith(".py"):
                path = os.path.join(dirpath, f)
                found.append(Example(os.path.relpath(path, root), path))
    return sorted(found, key=lambda e: e.name)


def _select(examples: list[Example], only) -> list[Example]:
    if not only:
        return examples
    keys = [o.removesuffix(".py") for o in only]
    return [e for e in examples
            if any(k == e.name.removesuffix(".py") or k == os.path.basename(e.name)
                   .removesuffix(".py") or k == os.path.dirname(e.name) for k in keys)]


def _static(path: str) -> dict:
    """Models the example mentions and what jaxnest lacks, by reading it (port analysis)."""
    from .port import analyse, used_models
    try:
        with open(path) as f:
            source = f.read()
        return {"models": used_models(source),
                "static_missing": sorted({f"{x.kind}:{x.name}" for x in analyse(source, path)})}
    except Exception as e:  # noqa: BLE001 - a script we cannot parse or analyse
        return {"models": [], "static_missing": [], "static_error": f"{type(e).__name__}: {e}"}


def record(ex: Example, run: ParityRun | None, status: str = "", reason: str = "") -> dict:
    """The JSON record of one example."""
    rec = summary(run) if run else {"status": status, "reason": reason, "nest": [],
                                    "jaxnest": [], "checks": [], "largest_deviation": ""}
    rec.update(name=ex.name, script=ex.name)  # relative to NEST's example directory
    rec.update(_static(ex.path))
    if run and run.status in ("unsupported", "error", "timeout"):
        from .classify import missing_item
        item = missing_item(next((r for r in run.jax_runs if not r.ok), run.jax_runs[0]))
        rec["runtime_missing"] = item
    return rec


def sweep(only=None, timeout: float = 60.0, seeds: int = 3, out_dir: str = "compat",
          report_dir: str | None = None, jobs: int = 1, resume: bool = False,
          log=print, max_seeds: int = 8, budget_s: float | None = None) -> list[dict]:
    """Run the examples, write ``out_dir/examples.json`` after each and ``examples.md`` at the
    end; returns the records. Seed-dependent examples start with ``seeds`` seeds and get more,
    up to ``max_seeds``, while a check is inconclusive and the example has taken less than
    ``budget_s`` seconds (default: 10 x timeout)."""
    budget_s = 10 * timeout if budget_s is None else budget_s
    os.makedirs(out_dir, exist_ok=True)
    json_path = os.path.join(out_dir, "examples.json")
    done: dict[str, dict] = {}
    if resume and os.path.exists(json_path):
        with open(json_path) as f:
            done = {r["name"]: r for r in json.load(f)["examples"]}
        root = examples_root()
        for rec in done.values():  # the static pass is cheap: bring it up to date
            path = os.path.join(root, rec.get("script") or rec["name"])
            if os.path.exists(path):
                rec.update(_static(path), script=rec["name"])
    examples = _select(discover(), only)
    records = dict(done)
    t_start = time.perf_counter()
    for i, ex in enumerate(examples):
        if ex.name in done and not only:
            continue
        base = os.path.basename(ex.name)
        t0 = time.perf_counter()
        if base in NOT_RUN:
            rec = record(ex, None, *NOT_RUN[base])
        elif base in LONG_RUNNING and not only:
            rec = record(ex, None, "skipped", "takes more than 300 s under NEST; run it with "
                                              "--only to include it")
        else:
            keep = os.path.join(report_dir, ex.name.replace("/", "__")) if report_dir else None
            run = run_parity(ex.path, seeds=seeds, timeout=timeout, copy_dir=True, jobs=jobs,
                             name=ex.name, max_seeds=max_seeds, budget_s=budget_s)
            rec = dict(record(ex, run), timeout_s=timeout)
            if keep and run.status in COMPARED:
                write_report(run, keep)
        records[ex.name] = rec
        log(f"[{i + 1}/{len(examples)}] {ex.name}: {rec['status']} - {rec['reason'][:100]} "
            f"({time.perf_counter() - t0:.0f} s)")
        _write_json(json_path, records, time.perf_counter() - t_start, timeout, seeds)
    _write_json(json_path, records, time.perf_counter() - t_start, timeout, seeds)
    write_markdown(os.path.join(out_dir, "examples.md"), list(records.values()), timeout, seeds)
    return list(records.values())


def _write_json(path, records, elapsed, timeout, seeds):
    recs = sorted(records.values(), key=lambda r: r["name"])
    with open(path, "w") as f:
        json.dump({"timeout_s": timeout, "seeds": seeds, "elapsed_s": elapsed,
                   "examples_root": "nest/doc/examples/pynest (in the nest-simulator package)",
                   "totals": totals(recs), "examples": recs}, f, indent=1, default=str)


def totals(records: list[dict]) -> dict[str, int]:
    """How many examples ended in each status; 'runs under jaxnest' = pass + fail + runs."""
    c = collections.Counter(r["status"] for r in records)
    out = {s: c.get(s, 0) for s in STATUS_ORDER if c.get(s)}
    out["total"] = len(records)
    out["runs under jaxnest"] = sum(c.get(s, 0) for s in COMPARED)
    return out


def missing_counts(records: list[dict]) -> tuple[collections.Counter, collections.Counter]:
    """(items jaxnest stopped at when running, items the static pass found) over examples
    NEST can run; each item counted once per example."""
    runtime, static = collections.Counter(), collections.Counter()
    for r in records:
        if r["status"] in ("needs-extra", "nest-failed", "nest-timeout"):
            continue
        if r.get("runtime_missing"):
            runtime[_normal(r["runtime_missing"])] += 1
        for item in set(r.get("static_missing", [])):
            static[_normal(item)] += 1
    return runtime, static


def _normal(item: str) -> str:
    """``function:nest.spatial`` -> ``module:nest.spatial`` (PyNEST submodules)."""
    from .classify import NEST_SUBMODULES
    kind, _, name = item.partition(":")
    if kind == "function" and name.count(".") == 1 and name.split(".")[1] in NEST_SUBMODULES:
        return f"module:{name}"
    return item


def _detail(r: dict) -> str:
    s = r["status"]
    if s == "fail":
        kind = r.get("kind")
        return (f"{kind}: " if kind in ("bistable", "stop-when-done") else "") + \
            "largest deviation: " + (r.get("largest_deviation") or r["reason"])
    if s in ("unsupported", "error", "timeout"):
        missing = r.get("static_missing") or []
        more = f"; also lacks {', '.join(missing[:6])}" + (" ..." if len(missing) > 6 else "") \
            if missing else ""
        return r["reason"] + more
    return r["reason"]


def _limit(r: dict, timeout: float) -> str:
    """A row run with another limit than the sweep's (a --resume --only rerun) says so."""
    t = r.get("timeout_s")
    return f" (limit {t:g} s)" if t is not None and t != timeout else ""


def _wall(r: dict, backend: str):
    runs = r.get(backend) or []
    return runs[0].get("wall_s") if runs and runs[0].get("ok") else None


def write_markdown(path: str, records: list[dict], timeout: float, seeds: int) -> None:
    records = sorted(records, key=lambda r: r["name"])
    tot = totals(records)
    df = pd.DataFrame([{"example": r["name"], "status": r["status"],
                        "details": _detail(r) + _limit(r, timeout),
                        "NEST (s)": _wall(r, "nest"), "jaxnest (s)": _wall(r, "jaxnest")}
                       for r in records])
    runtime, static = missing_counts(records)
    lines = ["# NEST examples under jaxnest\n",
             "Generated by `jaxnest parity --nest-examples` from the example scripts shipped "
             "with the installed nest-simulator; each runs unmodified under real NEST and under "
             f"jaxnest (limit {timeout:g} s per run; seed-dependent scripts start with {seeds} "
             "seeds and get more while a check is inconclusive) and its recorders are compared "
             "by the categories in docs/parity.md. Paths are relative to NEST's example "
             "directory (nest/doc/examples/pynest in the nest-simulator package).\n",
             "Statuses: **pass**/**fail** both ran, recorders compared; **inconclusive** both "
             "ran, nothing failed, but a distributional check could not tell a 5 % bias from "
             "seed-to-seed noise within the seed budget; **runs** both ran, "
             "nothing recorded to compare; **unsupported** jaxnest stopped at something it "
             "lacks; **error** jaxnest crashed otherwise; **timeout** jaxnest exceeded the "
             "limit; **needs-extra** NEST itself needs MUSIC, MPI, external data or an "
             "optional package; **nest-timeout** NEST exceeded the limit; **skipped** known to "
             "take more than 300 s. A failed or timed-out run of any seed, under either "
             "backend, gives that run's status, never a pass. Bistable scripts (some seeds go "
             "quiet) and stop-when-done scripts (they simulate until something happens) say "
             "so and are compared by the distribution of their outcomes over seeds.\n",
             "## Totals\n",
             to_markdown(pd.DataFrame([tot])),
             "## What jaxnest lacked most often\n",
             "Where jaxnest stopped (first missing item per example):\n",
             to_markdown(pd.DataFrame(runtime.most_common(25), columns=["missing", "examples"]))
             if runtime else "(nothing)\n",
             "Everything the static pass of `jaxnest port` found missing (examples using it):\n",
             to_markdown(pd.DataFrame(static.most_common(40), columns=["missing", "examples"]))
             if static else "(nothing)\n",
             "## Examples\n", to_markdown(df)]
    with open(path, "w") as f:
        f.write("\n".join(lines))
