"""Parity of one script: run it under NEST and jaxnest (several seeds when it is random),
compare, and give one status.

Statuses: ``pass`` / ``fail`` (both ran; every check within its category, or not),
``inconclusive`` (both ran, nothing failed, but a distributional check could not tell a 5 %
bias from noise within the seed budget), ``runs``
(both ran, nothing was recorded to compare beyond the kernel status), ``unsupported`` (jaxnest
stopped at something it lacks), ``error`` (jaxnest crashed otherwise), ``timeout`` (jaxnest
exceeded the limit), ``needs-extra`` (NEST itself could not run it: MUSIC, MPI, data, an
optional package), ``nest-timeout`` (NEST exceeded the limit; where jaxnest stopped at
something missing, that status is given instead), ``nest-failed`` (NEST failed otherwise).
A later seed that fails or times out gives the same statuses, never a pass.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from . import classify, stats
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
        test = f", {c.test} p={c.p_adjusted:.2g}" if c.p_adjusted is not None else ""
        return (f"{c.where} {c.quantity}: {c.deviation:.3g} (tol {c.tolerance:.3g}, "
                f"{c.category}{test})")


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
               keep: str | None = None, max_seeds: int | None = None,
               budget_s: float | None = None, progress=None) -> ParityRun:
    """Run ``script`` under both backends and compare (see module docstring for statuses).

    Seed 0 is the script as written. With ``seeds`` > 1 NEST is run with a second seed first:
    where that changes nothing the script is deterministic and is compared sample by sample;
    otherwise ``seeds`` seeds run under both backends and seed-dependent results are compared
    by distribution (D, stats.py). While a check is inconclusive (no power to tell a 5 % bias
    from noise) seeds are added, up to ``max_seeds`` (default ``max(seeds, 10)``) and, where
    given, until the runs have taken ``budget_s`` seconds. Any run that fails or times out,
    under either backend and with any seed, decides the status: it is never a pass.
    ``jobs=2`` runs the two backends side by side (faster, noisier timings). ``progress`` is
    called with one line per run started and finished.
    """
    script = os.path.abspath(script)
    name = name or os.path.basename(script)
    max_seeds = max(seeds, 10) if max_seeds is None else max(max_seeds, seeds)
    with open(script, errors="replace") as f:
        source = f.read()
    t_start = time.perf_counter()
    say = progress or (lambda line: None)

    def run(backend, k):
        kdir = os.path.join(keep, f"{backend}-seed{k}") if keep else None
        say(f"{name}: {backend} seed {k} running")
        r = run_script(backend, script, k, timeout, tuple(args), copy_dir, kdir)
        wall = f"{r.wall_s:.1f} s" if r.wall_s is not None else ""
        say(f"{name}: {backend} seed {k} {'ok' if r.ok else r.error_text[:100]} {wall}")
        return r

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
        res.nest_runs.append(n1)
        if not n1.ok:
            return _failed_seed(res, n1)
        if not _same_results(n0, n1):  # seed-dependent: run all seeds
            res.jax_runs.append(run("jaxnest", 1))
            for k in range(2, seeds):
                if _any_failed(res):
                    break
                rn, rj = both(k)
                res.nest_runs.append(rn)
                res.jax_runs.append(rj)
    if _any_failed(res):
        return _failed_seed(res, next(r for r in res.nest_runs + res.jax_runs if not r.ok))
    res.comparison = compare_runs(res.nest_runs, res.jax_runs, source)
    while (res.comparison.status == "inconclusive" and len(res.jax_runs) > 1
           and (budget_s is None or time.perf_counter() - t_start < budget_s)):
        have = len(res.jax_runs)
        target = _seeds_wanted(res.comparison, have, max_seeds)
        if target <= have:  # no inconclusive check can be resolved within max_seeds
            break
        for k in range(have, target):
            rn, rj = both(k)
            res.nest_runs.append(rn)
            res.jax_runs.append(rj)
            if not (rn.ok and rj.ok):
                return _failed_seed(res, rn if not rn.ok else rj)
        res.comparison = compare_runs(res.nest_runs, res.jax_runs, source)
    return _verdict(res)


def _any_failed(res: ParityRun) -> bool:
    return not all(r.ok for r in res.nest_runs + res.jax_runs)


def _failed_seed(res: ParityRun, bad: RunResult) -> ParityRun:
    """Status of a run in which a later seed failed under one backend (seed 0 ran)."""
    if bad.backend == "nest":
        res.status = "nest-timeout" if bad.timed_out else "nest-failed"
        res.reason = f"NEST seed {bad.seed_index}: " + (
            "exceeded the limit" if bad.timed_out else classify.nest_needs(bad))
    else:
        res.status, why = classify.jaxnest_status(bad)
        res.reason = f"jaxnest seed {bad.seed_index}: {why}"
    res.comparison = None
    return res


def _seeds_wanted(comp: Comparison, n: int, max_seeds: int) -> int:
    """Seeds per side to run next: enough for every inconclusive check that can reach its
    power within ``max_seeds`` (assuming the spread measured so far), at most doubling n;
    n itself when none can (more seeds would be spent without changing the verdict)."""
    needed = [c.test_ref.seeds_needed(c.level, max_seeds) for c in comp.inconclusive()
              if c.test_ref is not None and c.level is not None]
    needed = [k for k in needed if k is not None]
    return min(max(needed), 2 * n) if needed else n


def _settle(c) -> str:
    """How many seeds per side would give a check its power, at the spread measured."""
    if c.test_ref is None or c.level is None or c.test_ref.power_n is None:
        return ""
    k = c.test_ref.seeds_to_settle(c.level)
    return (f"; settling it takes ~{k} seeds per side" if k is not None
            else "; no seed count up to 100000 per side settles it")


def _verdict(res: ParityRun) -> ParityRun:
    comp = res.comparison
    kind = ("bistable (some seeds go quiet); " if comp.bistable else "") + (
        "stop-when-done (stop time varies with the seed); " if comp.stop_when_done else "")
    n = len(res.jax_runs)
    status = comp.status
    built = sum(c.where.endswith((" connections", " positions")) for c in comp.checks)
    if not comp.pairs and not built and status == "pass":
        res.status, res.reason = "runs", "nothing recorded; kernel status agrees"
    elif status == "pass":
        res.status = "pass"
        res.reason = f"{kind}{len(comp.checks)} checks" + (f", {n} seeds" if n > 1 else "") + (
            "" if comp.pairs else " (nothing recorded: connections and layers compared)")
        under = comp.underpowered()
        if under:
            c = min(under, key=lambda c: c.power or 0.0)
            res.reason += (f"; {len(under)} underpowered (no power with {stats.FEASIBLE_SEEDS}"
                           f" seeds, e.g. {c.where} {c.quantity}), their recorders judged by "
                           "their other checks")
    elif status == "inconclusive":
        weak = comp.inconclusive()
        c = min(weak, key=lambda c: c.power or 0.0)
        res.status = "inconclusive"
        res.reason = (f"{kind}{len(weak)} of {len(comp.checks)} checks cannot tell a 5 % bias "
                      f"from noise with {n} seeds (weakest: {c.where} {c.quantity}, power "
                      f"{c.power or 0.0:.2f}{_settle(c)})")
    else:
        res.status = "fail"
        res.reason = kind + res.largest_deviation()
    return res
