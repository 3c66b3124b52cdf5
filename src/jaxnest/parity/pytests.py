"""``jaxnest parity --nest-pytests``: NEST's shipped pytest files, run with ``nest`` = jaxnest.

A measure of API coverage, not a gate: the test files are run in place from the installed
nest-simulator package (never copied, never edited), one pytest process per directory (files
under connect/ import a helper beside them), with the plugin of pytest_plugin.py. The MPI
directories need an MPI launcher and are listed, not run. The same files run under NEST itself
give the baseline: the measure is the share of the tests passing under NEST that also pass
under jaxnest. Results: ``compat/nest_pytests.md`` and ``compat/nest_pytests.json``.
"""
from __future__ import annotations

import collections
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from .classify import missing_item
from .runner import RunResult
from .tables import to_markdown

MPI_DIRS = ("mpi_direct", "mpi_indirect")


class SweepError(RuntimeError):
    """The sweep cannot run at all (pytest or NEST missing): nothing is written."""


def require_pytest() -> None:
    """Raise SweepError unless pytest can be imported: without it every directory would
    'pass' with 0 tests and that would be written as the compatibility table."""
    try:
        import pytest  # noqa: F401
    except ImportError:
        raise SweepError("pytest is not installed, so NEST's test files cannot run; install "
                         'it with pip install "jaxnest[parity]" (or pip install pytest). '
                         "No compatibility table was written.") from None


def pytests_root() -> str:
    spec = importlib.util.find_spec("nest")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("nest-simulator is not installed (pip install nest-simulator)")
    root = os.path.join(list(spec.submodule_search_locations)[0], "share", "nest", "testsuite",
                        "pytests")
    if not os.path.isdir(root):
        raise RuntimeError(f"no NEST pytests at {root}")
    return root


def test_files(root: str) -> dict[str, list[str]]:
    """{directory: [test file paths relative to root]}."""
    out = collections.defaultdict(list)
    for dirpath, dirnames, files in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for f in sorted(files):
            if f.startswith("test_") and f.endswith(".py"):
                rel = os.path.relpath(os.path.join(dirpath, f), root)
                out[rel.split(os.sep)[0]].append(rel)
    return dict(sorted(out.items()))


RESTARTS = 5  # pytest processes started again after one died, per directory


def run_directory(root: str, directory: str, backend: str = "jaxnest",
                  test_timeout: float = 60, dir_timeout: float = 1800) -> tuple[list[dict], dict]:
    """Run one directory's tests; (per-phase log records, run info). A pytest process that
    dies (a signal: a crash in compiled code, the kernel's OOM killer) loses no more than the
    test it was in: that one is recorded as failed and a new process runs the tests it did
    not reach (``crashed`` in the info names the tests)."""
    t0 = time.perf_counter()
    files = test_files(root).get(directory, [])
    records, crashed, tails = [], [], []
    args, rc, timed_out = [os.path.join(root, directory)], None, False
    for _ in range(RESTARTS + 1):
        left = dir_timeout - (time.perf_counter() - t0)
        recs, rc, timed_out, tail = _pytest(root, args, backend, test_timeout, max(left, 1.0))
        records += recs
        tails.append(tail)
        if timed_out or rc is None or rc >= 0 or not recs:
            break
        last = recs[-1]["nodeid"]
        if recs[-1]["when"] != "teardown":  # (after a teardown: died between tests)
            crashed.append(last)
            records.append({"nodeid": last, "when": "call", "outcome": "failed",
                            "duration": 0.0,
                            "message": f"the pytest process died in this test (signal {-rc})"})
        args = _after(root, files, last, {r["nodeid"] for r in records})
        if not args:
            break
    info = {"directory": directory, "returncode": rc, "timed_out": timed_out,
            "wall_s": time.perf_counter() - t0, "tail": tails[-1], "crashed": crashed}
    return records, info


def _after(root: str, files: list[str], nodeid: str, done: set) -> list[str]:
    """pytest arguments for the tests after ``nodeid``: the rest of its file (the tests it
    ran deselected) and the files after it, in pytest's (sorted) order."""
    rel = nodeid.split("::")[0]
    rest = [f for f in files if f > rel]
    ran = sorted(n for n in done if n.split("::")[0] == rel)
    return ([os.path.join(root, rel)] + [a for n in ran for a in ("--deselect", n)]
            + [os.path.join(root, f) for f in rest])


def _pytest(root: str, args: list[str], backend: str, test_timeout: float, timeout: float):
    """One pytest process over ``args``: (records, returncode, timed out, output tail)."""
    tmp = tempfile.mkdtemp(prefix="jaxnest-pytests-")
    log = os.path.join(tmp, "log.jsonl")
    ini = os.path.join(tmp, "pytest.ini")
    with open(ini, "w") as f:
        f.write("[pytest]\n")
    env = dict(os.environ, JAXNEST_PYTEST_LOG=log, JAXNEST_TEST_TIMEOUT=str(test_timeout),
               MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1", PYNEST_QUIET="1")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", ini,
           "--rootdir", root, "-p", "no:randomly", "--continue-on-collection-errors"]
    cmd += ["-p", "jaxnest.parity.pytest_plugin"]
    if backend == "nest":  # NEST itself, for a baseline: the same logging, no alias
        env["JAXNEST_PYTEST_NO_ALIAS"] = "1"
    cmd += args
    timed_out = False
    try:
        p = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=timeout,
                           env=env, errors="replace")
        tail, rc = p.stdout[-3000:] + p.stderr[-3000:], p.returncode
    except subprocess.TimeoutExpired as e:
        timed_out, rc = True, None
        tail = (e.stdout or b"")[-3000:].decode(errors="replace") if isinstance(
            e.stdout, bytes) else str(e.stdout or "")[-3000:]
    records = []
    if os.path.exists(log):
        with open(log) as f:
            records = [json.loads(line) for line in f if line.strip()]
    return records, rc, timed_out, tail


def per_test(records: list[dict]) -> dict[str, dict]:
    """{nodeid: {"outcome": passed/failed/error/skipped, "message": ...}} from phase records."""
    tests: dict[str, dict] = {}
    for r in records:
        t = tests.setdefault(r["nodeid"], {"outcome": "passed", "message": ""})
        if r["when"] == "collect":
            t.update(outcome="error", message="collection: " + r["message"])
        elif r["outcome"] == "skipped":
            if t["outcome"] == "passed":
                t.update(outcome="skipped", message=r["message"])
        elif r["outcome"] == "failed":
            if r["when"] == "call":
                t.update(outcome="failed", message=r["message"])
            elif t["outcome"] != "failed":
                t.update(outcome="error", message=f"{r['when']}: {r['message']}")
    return tests


def summarize(files: dict[str, list[str]], tests: dict[str, dict], infos: dict[str, dict],
              nest_tests: dict[str, dict] | None = None) -> list[dict]:
    """One row per test file: counts of passed / failed / error / skipped under jaxnest, and
    the tests that pass under NEST (``nest_tests``: NEST's own run of the same files)."""
    by_file = collections.defaultdict(list)
    for nodeid, t in tests.items():
        by_file[_file_of(nodeid)].append(t)
    nest_passed = collections.Counter(_file_of(n) for n, t in (nest_tests or {}).items()
                                      if t["outcome"] == "passed")
    rows = []
    for directory, rels in files.items():
        for rel in rels:
            row = {"file": rel, "directory": directory, "passed": 0, "failed": 0, "error": 0,
                   "skipped": 0, "NEST passed": nest_passed.get(rel, 0), "note": ""}
            if directory in MPI_DIRS:
                row["note"] = "needs MPI (not run)"
                rows.append(row)
                continue
            ts = by_file.get(rel, [])
            for t in ts:
                row[t["outcome"]] += 1
            if not ts:
                info = infos.get(directory, {})
                row["note"] = "not reached (directory time limit)" if info.get("timed_out") \
                    else "no tests collected"
            else:
                msgs = [t["message"] for t in ts if t["outcome"] in ("failed", "error")]
                row["note"] = msgs[0][:140] if msgs else ""
            rows.append(row)
    return rows


def _file_of(nodeid: str) -> str:
    return nodeid.split("::")[0].replace("/", os.sep)


def kept(tests: dict[str, dict], nest_tests: dict[str, dict], directory: str | None = None
         ) -> tuple[int, int]:
    """(tests that pass under NEST and under jaxnest, tests that pass under NEST), in one
    directory or all: the share of NEST's passing tests that jaxnest keeps."""
    ref = [n for n, t in nest_tests.items() if t["outcome"] == "passed"
           and (directory is None or n.split("/")[0] == directory)]
    return sum(tests.get(n, {}).get("outcome") == "passed" for n in ref), len(ref)


def missing_from_messages(records: list[dict] | dict) -> collections.Counter:
    """Missing jaxnest names/models as named by failure messages (counted per test);
    ``records`` are phase records, or the per-test dict of :func:`per_test`."""
    c = collections.Counter()
    tests = records if isinstance(records, dict) else per_test(records)
    for nodeid, t in tests.items():
        if t["outcome"] not in ("failed", "error"):
            continue
        item = missing_item(RunResult("jaxnest", 0, ok=False,
                                      error={"type": "", "message": t["message"]}))
        if item:
            c[item] += 1
    return c


def sweep(out_dir: str = "compat", only=None, test_timeout: float = 60,
          dir_timeout: float = 1800, jobs: int = 2, baseline: bool = True, log=print) -> dict:
    """Run the directories (``only``: those, keeping the others' results from
    OUT/nest_pytests.json) under jaxnest and, with ``baseline``, under NEST itself; write
    nest_pytests.md/json; returns the totals. Raises SweepError (and writes nothing) when
    pytest or NEST's tests are missing, or no test ran at all."""
    require_pytest()
    try:
        root = pytests_root()
    except RuntimeError as e:
        raise SweepError(f"{e}. No compatibility table was written.") from None
    files = test_files(root)
    dirs = [d for d in files if d not in MPI_DIRS and (not only or d in only)]
    runs = [(b, d) for d in dirs for b in (("jaxnest", "nest") if baseline else ("jaxnest",))]

    def one(run):
        backend, d = run
        log(f"running {d} under {backend} ({len(files[d])} files)")
        recs, info = run_directory(root, d, backend, test_timeout=test_timeout,
                                   dir_timeout=dir_timeout)
        log(f"  {d} under {backend}: {len(per_test(recs))} tests in {info['wall_s']:.0f} s"
            + (" (directory time limit)" if info["timed_out"] else ""))
        return run, recs, info

    with ThreadPoolExecutor(max(1, jobs)) as ex:
        done = list(ex.map(one, runs))
    if dirs and not any(recs for (b, _), recs, _ in done if b == "jaxnest"):
        # not one test collected anywhere: pytest itself is broken
        tails = "; ".join(f"{d}: {i['tail'].strip().splitlines()[-1] if i['tail'].strip() else ''}"
                          for (b, d), _, i in done[:3])
        raise SweepError(f"no test ran in {len(dirs)} directories ({tails}). "
                         "No compatibility table was written.")
    data = {"tests": {}, "nest_tests": {}, "directories": {}, "nest_directories": {}}
    path = os.path.join(out_dir, "nest_pytests.json")
    if only and os.path.exists(path):
        data = keep_others(path, dirs)
    for (backend, d), recs, info in done:
        info["date"] = time.strftime("%Y-%m-%d")
        prefix = "" if backend == "jaxnest" else "nest_"
        data[prefix + "directories"][d] = info
        data[prefix + "tests"].update(per_test(recs))
    return write(out_dir, files, data, test_timeout)


def keep_others(path: str, dirs: list[str]) -> dict:
    """The results of an earlier sweep outside ``dirs`` (which are about to be run again)."""
    with open(path) as f:
        old = json.load(f)
    out = {}
    for key in ("tests", "nest_tests"):
        out[key] = {n: t for n, t in old.get(key, {}).items() if n.split("/")[0] not in dirs}
    for key in ("directories", "nest_directories"):
        out[key] = {d: i for d, i in old.get(key, {}).items() if d not in dirs}
    return out


def write(out_dir: str, files: dict, data: dict, test_timeout: float) -> dict:
    """nest_pytests.json and .md from the per-test outcomes in ``data``; the totals."""
    rows = summarize(files, data["tests"], data["directories"], data["nest_tests"])
    df = pd.DataFrame(rows)
    tot = totals(df, data)
    missing = missing_from_messages(data["tests"])
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "nest_pytests.json"), "w") as f:
        json.dump({"totals": tot, "test_timeout_s": test_timeout, **data,
                   "missing": missing.most_common(), "files": rows}, f, indent=1, default=str)
    write_markdown(os.path.join(out_dir, "nest_pytests.md"), df, tot, missing, test_timeout,
                   data)
    return tot


def totals(df: pd.DataFrame, data: dict) -> dict:
    tot = {k: int(df[k].sum()) for k in ("passed", "failed", "error", "skipped")}
    tot["tests"] = sum(tot.values())
    tot["files"] = len(df)
    tot["files all passed"] = int(((df.passed > 0) & (df.failed + df.error == 0)).sum())
    tot["files not run (MPI)"] = int((df.note == "needs MPI (not run)").sum())
    if data["nest_tests"]:
        both, ref = kept(data["tests"], data["nest_tests"])
        tot["passed under NEST"] = ref
        tot["of those, pass under jaxnest"] = both
    return tot


def per_directory(df: pd.DataFrame, data: dict) -> pd.DataFrame:
    """Counts per directory, with NEST's passes and the share of them jaxnest keeps."""
    per_dir = df.groupby("directory")[["passed", "failed", "error", "skipped"]].sum()
    rows = []
    for d, r in per_dir.iterrows():
        row = {"directory": d, **{k: int(v) for k, v in r.items()}}
        if d in data["nest_directories"]:
            both, ref = kept(data["tests"], data["nest_tests"], d)
            row["passed under NEST"] = ref
            row["of those, pass under jaxnest"] = f"{both} ({both / ref:.0%})" if ref else "-"
        else:
            row["passed under NEST"] = row["of those, pass under jaxnest"] = "-"
        row["run on"] = data["directories"].get(d, {}).get("date", "-")
        rows.append(row)
    return pd.DataFrame(rows)


def write_markdown(path, df: pd.DataFrame, tot: dict, missing, test_timeout, data: dict
                   ) -> None:
    lines = ["# NEST's pytest suite under jaxnest\n",
             "Generated by `jaxnest parity --nest-pytests`: NEST 3.10's own test files, run "
             "unmodified from the installed package with `import nest` resolving to jaxnest "
             f"(one pytest process per directory, {test_timeout:g} s per test), and under NEST "
             "itself for the baseline. A measure of coverage, not a gate. A file that fails to "
             "import counts as one error (its tests are not collected), so jaxnest's test count "
             "can be lower than NEST's; the share of NEST's passing tests that also pass under "
             "jaxnest is the measure.\n",
             "## Totals\n", to_markdown(pd.DataFrame([tot])),
             "## Per directory\n", to_markdown(per_directory(df, data)),
             "## Missing in jaxnest, as failure messages name it (tests)\n",
             to_markdown(pd.DataFrame(missing.most_common(30), columns=["missing", "tests"]))
             if missing else "(nothing named)\n",
             "## Per file\n",
             to_markdown(df[["file", "passed", "failed", "error", "skipped", "NEST passed",
                             "note"]])]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def rerender(out_dir: str = "compat") -> None:
    """Rewrite nest_pytests.md/json from the per-test outcomes in nest_pytests.json (after a
    change to the classification)."""
    with open(os.path.join(out_dir, "nest_pytests.json")) as f:
        old = json.load(f)
    data = {k: old.get(k, {}) for k in ("tests", "nest_tests", "directories",
                                          "nest_directories")}
    write(out_dir, test_files(pytests_root()), data, old["test_timeout_s"])
