"""Wall time of NEST's shipped examples under real NEST and under jaxnest.

    python benchmarks/examples_timing.py [--only NAME ...] [--timeout S] [--repeat K]

Each example runs unmodified, seed 0, in a fresh process per backend (the parity harness's
runner, so what runs is what `jaxnest parity --nest-examples` compares); one JSON line per
example: wall seconds from the script's first line to its end under each backend, the import
of the backend (NEST's also imports matplotlib, scipy and pandas, which the scripts then find
loaded; jaxnest's does not), time inside Simulate/Run, the whole process (interpreter start to
exit, with the harness's saving of the recordings), the ratios jaxnest / NEST of the script's
time, of import plus script and of the process, and whether jaxnest's persistent compilation
cache was warm (the second of ``--repeat 2`` runs is). Examples jaxnest cannot run are listed
with the reason. A last line gives the median and largest ratio and the load average before
and after: ratios from a loaded machine are not comparable (see docs/performance.md).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics

from jaxnest.parity.examples import discover
from jaxnest.parity.runner import run_script


def _time(backend: str, path: str, timeout: float) -> dict:
    r = run_script(backend, path, 0, timeout=timeout)
    out = {"ok": r.ok, "wall_s": r.wall_s, "import_s": r.import_s, "simulate_s": r.simulate_s,
           "process_s": r.process_s}
    if not r.ok:
        out["error"] = "timeout" if r.timed_out else (r.error or {}).get("message", "")[:160]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="example names (paths below NEST's examples)")
    ap.add_argument("--timeout", type=float, default=300.0, help="per run, seconds")
    ap.add_argument("--repeat", type=int, default=2,
                    help="jaxnest runs per example (the last is reported: a warm cache)")
    a = ap.parse_args()
    load0 = os.getloadavg()
    examples = discover()
    if a.only:
        examples = [e for e in examples if any(e.name.startswith(o) for o in a.only)]
    ratios = {"cold": [], "warm": [], "warm_with_import": [], "warm_process": []}
    for ex in examples:
        nest = _time("nest", ex.path, a.timeout)
        line = {"example": ex.name, "nest": nest}
        if nest["ok"]:
            runs = [_time("jaxnest", ex.path, a.timeout) for _ in range(max(a.repeat, 1))]
            line["jaxnest_cold"], line["jaxnest"] = runs[0], runs[-1]
            for key, run in (("cold", runs[0]), ("warm", runs[-1])):
                if run["ok"] and nest["wall_s"]:
                    line[f"ratio_{key}"] = run["wall_s"] / nest["wall_s"]
                    ratios[key].append(line[f"ratio_{key}"])
            warm = runs[-1]
            if warm["ok"] and nest["import_s"] is not None and warm["import_s"] is not None:
                line["ratio_warm_with_import"] = ((warm["wall_s"] + warm["import_s"])
                                                  / (nest["wall_s"] + nest["import_s"]))
                ratios["warm_with_import"].append(line["ratio_warm_with_import"])
            if warm["ok"] and nest["process_s"] and warm["process_s"]:
                line["ratio_warm_process"] = warm["process_s"] / nest["process_s"]
                ratios["warm_process"].append(line["ratio_warm_process"])
        print(json.dumps(line), flush=True)
    summary = {"examples": len(examples), "load_before": load0, "load_after": os.getloadavg()}
    for key, vals in ratios.items():
        if vals:
            summary[key] = {"n": len(vals), "median_ratio": statistics.median(vals),
                            "max_ratio": max(vals), "above_2x": sum(v > 2 for v in vals)}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
