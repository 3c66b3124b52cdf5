"""Compare the connections a script made, and the positions of its spatial layers, under NEST
and under jaxnest.

A script without recorders (most of nest.spatial's examples draw layers and their targets) is
still judged by what it built: which pairs are connected, with which weights, delays and
lengths. Quantities that NEST reproduces across seeds are compared exactly; the others by
distribution over seeds (KS, pooled), and what NEST never makes in any seed (autapses,
multapses) must be absent under jaxnest too.
"""
from __future__ import annotations

import numpy as np

from . import stats
from .runner import RunResult

VALUE_RTOL = 1e-9  # weights, delays and lengths that NEST reproduces: relative tolerance


def _saved(runs: list[RunResult], label: str, field: str) -> list[dict]:
    """What each run saved of one kernel (``connections`` or ``positions``), where it did."""
    snaps = [r.snapshot(label) for r in runs]
    return [getattr(s, field) for s in snaps if s is not None and getattr(s, field) is not None]


def _pairs(c: dict) -> np.ndarray:
    return np.stack([c["source"], c["target"]], axis=1).astype(np.int64)


def _sorted_pairs(c: dict) -> np.ndarray:
    p = _pairs(c)
    return p[np.lexsort((p[:, 1], p[:, 0]))]


def _same(arrays: list[np.ndarray]) -> bool:
    return all(a.shape == arrays[0].shape and np.array_equal(a, arrays[0]) for a in arrays[1:])


def _values(c: dict, key: str) -> np.ndarray:
    """``key`` ordered by (source, target, value): comparable when the pairs are the same."""
    v = np.asarray(c[key], float)
    return v[np.lexsort((v, c["target"], c["source"]))]


def _pair_mismatch(ref: np.ndarray, got: np.ndarray) -> int:
    """How many connections one side has that the other lacks (multisets of pairs)."""
    both = np.concatenate([ref, got])
    keys, inv = np.unique(both, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    n_ref = np.bincount(inv[:len(ref)], minlength=len(keys))
    n_got = np.bincount(inv[len(ref):], minlength=len(keys))
    return int(np.abs(n_ref - n_got).sum())


def _exact(where: str, quantity: str, ref: np.ndarray, got: np.ndarray):
    from .compare import Check
    if ref.shape != got.shape:
        return Check(where, quantity, "exact", float("inf"), 0.0, False,
                     note=f"{len(ref)} under NEST, {len(got)} under jaxnest")
    fin = np.isfinite(ref)
    if not np.array_equal(fin, np.isfinite(got)):
        return Check(where, quantity, "exact", float("inf"), 0.0, False,
                     note="defined for other connections than under NEST")
    dev = float(np.max(np.abs(got[fin] - ref[fin]), initial=0.0))
    tol = VALUE_RTOL * max(1.0, float(np.max(np.abs(ref[fin]), initial=0.0)))
    return Check(where, quantity, "exact", dev, tol, dev <= tol)


def _degrees(c: dict, key: str) -> np.ndarray:
    return np.unique(np.asarray(c[key], np.int64), return_counts=True)[1].astype(float)


def _forbidden(where: str, name: str, counts_ref: list[int], count_got: list[int]):
    """NEST made none in any seed: jaxnest must make none either."""
    from .compare import Check
    if any(counts_ref):
        return None
    n = float(max(count_got, default=0))
    return Check(where, name, "exact", n, 0.0, n == 0,
                 note="NEST makes none" + ("" if n == 0 else f"; jaxnest made {int(n)}"))


def _autapses(c: dict) -> int:
    return int(np.sum(np.asarray(c["source"]) == np.asarray(c["target"])))


def _multapses(c: dict) -> int:
    p = _pairs(c)
    return len(p) - len(np.unique(p, axis=0)) if len(p) else 0


def compare_connections(nest_runs: list[RunResult], jax_runs: list[RunResult], label: str,
                        deterministic_hint: bool) -> list:
    """Checks of one kernel's connections; none where either side saved none."""
    ref_all, got_all = _saved(nest_runs, label, "connections"), _saved(jax_runs, label,
                                                                      "connections")
    if not ref_all or not got_all:
        return []
    where = f"{label} connections"
    ref, got = ref_all[0], got_all[0]
    checks = [c for c in (_forbidden(where, "autapses", [_autapses(r) for r in ref_all],
                                     [_autapses(g) for g in got_all]),
                          _forbidden(where, "multapses", [_multapses(r) for r in ref_all],
                                     [_multapses(g) for g in got_all])) if c is not None]
    pairs_ref = [_sorted_pairs(r) for r in ref_all]
    fixed = _same(pairs_ref) if len(ref_all) > 1 else deterministic_hint
    if fixed:
        from .compare import Check
        miss = _pair_mismatch(pairs_ref[0], _sorted_pairs(got))
        checks.append(Check(where, "connected pairs", "exact", float(miss), 0.0, miss == 0,
                            note=f"{len(pairs_ref[0])} connections under NEST"))
        if miss:
            return checks
    else:
        for key, quantity in (("target", "in-degree"), ("source", "out-degree")):
            ks = stats.compare_ks(where, quantity,
                                  np.concatenate([_degrees(r, key) for r in ref_all]),
                                  np.concatenate([_degrees(g, key) for g in got_all]))
            checks += [ks] if ks else []
    for key in ("weight", "delay", "distance"):
        if key not in ref:
            continue
        if any(key not in g for g in got_all):
            from .compare import Check
            checks.append(Check(where, key + "s", "exact", float("inf"), 0.0, False,
                                note="not saved under jaxnest"))
            continue
        vals_ref = [_values(r, key) for r in ref_all]
        if fixed and (_same(vals_ref) if len(ref_all) > 1 else deterministic_hint):
            checks.append(_exact(where, key + "s", vals_ref[0], _values(got, key)))
            continue
        pool = lambda cs: np.concatenate([np.asarray(c[key], float) for c in cs])  # noqa: E731
        a, b = pool(ref_all), pool(got_all)
        if len(a) and np.all(a == a[0]):  # one value in every seed: every connection has it
            checks.append(_exact(where, key + "s", np.full(len(b), a[0]), b))
            continue
        ks = stats.compare_ks(where, key + "s", a[np.isfinite(a)], b[np.isfinite(b)])
        checks += [ks] if ks else []
    return checks


def compare_positions(nest_runs: list[RunResult], jax_runs: list[RunResult], label: str,
                      deterministic_hint: bool) -> list:
    """The spatial layers' positions (what a layer plot shows): exactly where NEST's seeds
    agree on them (grids, given positions), else each coordinate by distribution."""
    from .compare import Check
    ref_all, got_all = _saved(nest_runs, label, "positions"), _saved(jax_runs, label,
                                                                    "positions")
    if not ref_all:
        return []
    where = f"{label} positions"
    if not got_all:
        return [Check(where, "layer positions", "exact", float("inf"), 0.0, False,
                      note="no spatial layer under jaxnest")]
    order = lambda p: p["pos"][np.argsort(p["gid"], kind="stable")]  # noqa: E731
    ref = [order(p) for p in ref_all]
    fixed = (_same([np.nan_to_num(r, nan=1e300) for r in ref]) if len(ref) > 1
             else deterministic_hint)
    if fixed:
        return [_exact(where, "layer positions", ref[0].ravel(), order(got_all[0]).ravel())]
    checks = []
    for axis, name in enumerate("xyz"):
        a = np.concatenate([r[:, axis] for r in ref])
        b = np.concatenate([order(g)[:, axis] for g in got_all])
        if np.isfinite(a).any():
            ks = stats.compare_ks(where, f"{name} positions", a[np.isfinite(a)],
                                  b[np.isfinite(b)])
            checks += [ks] if ks else []
    return checks
