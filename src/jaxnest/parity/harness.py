"""Parity of one script: run it under NEST and jaxnest (several seeds when it is random),
compare, and give one status.

Statuses: ``pass`` / ``fail`` (both ran; every check within its category, or not), ``runs``
(both ran, nothing was recorded to compare beyond the kernel status), ``unsupported`` (jaxnest
stopped at something it lacks), ``error`` (jaxnest crashed otherwise), ``timeout`` (jaxnest
exceeded the limit), ``needs-extra`` (NEST itself could not run it: MUSIC, MPI, data, an
optional package), ``nest-timeout`` (NEST exceeded the limit; where jaxnest stopped at
something missing, that status is given instead), ``nest-failed`` (NEST failed otherwise).
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from . import classify
from .compare import Comparison, compare_runs, identical
from .runner import RunResult, run_script


@dataclass
class ParityRun:
    script: str
    name: str
    status: str
    reason: str = ""
    comparison: Comparison | None = None
    nest_runs: list[RunResult] = field(default_factory=list)
    jax_runs: list[RunResult] = field(default_factory=list)
    seeds: int = 1

    @property
    def deterministic(self) -> bool | None:
        return self.comparison.deterministic if self.comparison else None

    def wall(self, backend: str) -> float | None:
        runs = self.nest_runs if backend == "nest" else self.jax_runs
        vals = [r.wall_s for r in runs if r.wall_s is not None]
        return vals[0] if vals else None

    def largest_deviation(self) -> str:
        if not self.comparison or not self.comparison.checks:
            return ""
        c = self.comparison.worst()
        return (f"{c.where} {c.quantity}: {c.deviation:.3g} (tol {c.tolerance:.3g}, "
                f"{c.category})")


def _same_results(a: RunResult, b: RunResult) -> bool:
    """Whether two runs recorded exactly the same (used to detect seed dependence)."""
    if [s.label for s in a.snapshots] != [s.label for s in b.snapshots]:
        return False
    for sa, sb in zip(a.snapshots, b.snapshots):
        if sa.kernel.get("num_connections") != sb.kernel.get("num_connections"):
            return False
        if set(sa.recorders) != set(sb.recorders):
            return False
        if not all(identical(sa.recorders[g].events, sb.recorders[g].events)
                   for g in sa.recorders):
            return False
    return True


def run_parity(script: str, seeds: int = 3, timeout: float = 600, args=(),
               copy_dir: bool = False, jobs: int = 1, name: str | None = None,
               keep: str | None = None) -> ParityRun:
    """Run ``script`` under both backends and compare (see module docstring for statuses).

    Seed 0 is the script as written. With ``seeds`` > 1 NEST is run with a second seed first:
    where that changes nothing the script is deterministic and is compared sample by sample;
    otherwise all seeds run under both backends and seed-dependent results are compared by
    distribution (D). ``jobs=2`` runs the two backends side by side (faster, noisier timings).
    """
    script = os.path.abspath(script)
    name = name or os.path.basename(script)
    with open(script, errors="replace") as f:
        source = f.read()

    def run(backend, k):
        kdir = os.path.join(keep, f"{backend}-seed{k}") if keep else None
        return run_script(backend, script, k, timeout, tuple(args), copy_dir, kdir)

    def both(k):
        if jobs > 1:
            with ThreadPoolExecutor(2) as ex:
                fn, fj = ex.submit(run, "nest", k), ex.submit(run, "jaxnest", k)
                return fn.result(), fj.result()
        return run("nest", k), run("jaxnest", k)

    n0, j0 = both(0)
    res = ParityRun(script, name, "", nest_runs=[n0], jax_runs=[j0], seeds=seeds)
    if not n0.ok:
        reason = classify.nest_needs(n0)
        res.status = "nest-failed" if reason.startswith("NEST fails") else "needs-extra"
        res.reason = reason
        if n0.timed_out:  # NEST is slow, not unable: say what jaxnest made of it
            res.status = "nest-timeout"
            if not j0.ok and not j0.timed_out:
                res.status, why = classify.jaxnest_status(j0)
                res.reason = f"{why}; NEST exceeded the limit"
        return res
    if not j0.ok:
        res.status, res.reason = classify.jaxnest_status(j0)
        return res
    if seeds > 1:
        n1 = run("nest", 1)
        if n1.ok and not _same_results(n0, n1):  # seed-dependent: run all seeds
            res.nest_runs.append(n1)
            res.jax_runs.append(run("jaxnest", 1))
            for k in range(2, seeds):
                rn, rj = both(k)
                res.nest_runs.append(rn)
                res.jax_runs.append(rj)
        elif n1.ok:
            res.nest_runs.append(n1)
    nest_ok = [r for r in res.nest_runs if r.ok]
    jax_ok = [r for r in res.jax_runs if r.ok]
    res.comparison = compare_runs(nest_ok, jax_ok, source)
    comp = res.comparison
    if not comp.pairs and comp.passed:
        res.status, res.reason = "runs", "nothing recorded; kernel status agrees"
    elif comp.passed:
        res.status = "pass"
        res.reason = f"{len(comp.checks)} checks"
    else:
        res.status = "fail"
        res.reason = res.largest_deviation()
    failed_extra = [r for r in res.jax_runs[1:] if not r.ok]
    if failed_extra:
        res.reason += f"; {len(failed_extra)} jaxnest seed run(s) failed"
    return res
