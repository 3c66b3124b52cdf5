"""Connectivity checks: a script that records nothing is judged by the connections it made
(exact where NEST reproduces them across seeds, by distribution otherwise, and what NEST never
makes must be absent)."""
import numpy as np

from jaxnest.parity.compare import compare_runs
from jaxnest.parity.connectivity import compare_connections
from jaxnest.parity.harness import ParityRun, _verdict
from jaxnest.parity.runner import RunResult, Snapshot


def _run(backend, seed, src, tgt, weight=None, distance=None):
    src, tgt = np.asarray(src, float), np.asarray(tgt, float)
    conns = {"source": src, "target": tgt, "weight": np.ones(len(src)) if weight is None
             else np.asarray(weight, float), "delay": np.ones(len(src))}
    if distance is not None:
        conns["distance"] = np.asarray(distance, float)
    kernel = {"num_connections": len(src), "network_size": 50, "biological_time": 0.0,
              "resolution": 0.1}
    return RunResult(backend, seed, ok=True, snapshots=[Snapshot("k0", kernel, {}, {}, conns)])


def _random(backend, seed, p=0.2, autapses=False, n=200):
    rng = np.random.default_rng(seed + (1000 if backend == "jaxnest" else 0))
    s, t = np.nonzero(rng.random((n, n)) < p)
    keep = autapses | (s != t)
    s, t = s[keep] + 1, t[keep] + 1
    return _run(backend, seed, s, t, distance=np.abs(s - t) / n)


def _statuses(checks):
    return {c.quantity: c.status for c in checks}


def test_fixed_connectivity_exact():
    ref = [_run("nest", k, [1, 1, 2], [2, 3, 3], weight=[0.5, 1.0, 2.0]) for k in range(2)]
    same = [_run("jaxnest", k, [2, 1, 1], [3, 3, 2], weight=[2.0, 1.0, 0.5]) for k in range(2)]
    assert set(_statuses(compare_connections(ref, same, "k0", True)).values()) == {"pass"}
    moved = [_run("jaxnest", k, [1, 1, 2], [2, 3, 1], weight=[0.5, 1.0, 2.0]) for k in range(2)]
    assert _statuses(compare_connections(ref, moved, "k0", True))["connected pairs"] == "fail"
    heavier = [_run("jaxnest", k, [1, 1, 2], [2, 3, 3], weight=[0.5, 1.0, 2.1])
               for k in range(2)]
    assert _statuses(compare_connections(ref, heavier, "k0", True))["weights"] == "fail"


def test_random_connectivity_by_distribution():
    ref = [_random("nest", k) for k in range(3)]
    got = [_random("jaxnest", k) for k in range(3)]
    checks = _statuses(compare_connections(ref, got, "k0", False))
    assert checks["autapses"] == "pass" and checks["in-degree"] == "pass"
    assert checks["distances"] == "pass"
    denser = [_random("jaxnest", k, p=0.3) for k in range(3)]
    comp = compare_runs(ref, denser)
    assert {c.quantity: c.status for c in comp.checks}["in-degree"] == "fail"


def test_autapses_nest_never_makes_fail():
    ref = [_random("nest", k) for k in range(3)]
    got = [_random("jaxnest", k, autapses=True) for k in range(3)]
    assert _statuses(compare_connections(ref, got, "k0", False))["autapses"] == "fail"


def test_verdict_pass_only_with_connectivity_checks():
    """Nothing recorded: 'pass' when the connections were compared, 'runs' when not."""
    ref = [_random("nest", k) for k in range(3)]
    got = [_random("jaxnest", k) for k in range(3)]
    res = ParityRun("x.py", "x.py", "pending", seeds=3)
    res.nest_runs, res.jax_runs = ref, got
    res.comparison = compare_runs(ref, got)
    assert _verdict(res).status == "pass"
    for r in ref + got:
        r.snapshots[0].connections = None
    res.comparison = compare_runs(ref, got)
    assert _verdict(res).status == "runs"


def _layer_run(backend, seed, pos):
    kernel = {"num_connections": 0, "network_size": len(pos), "biological_time": 0.0,
              "resolution": 0.1}
    p = {"gid": np.arange(1, len(pos) + 1), "pos": np.asarray(pos, float)}
    return RunResult(backend, seed, ok=True,
                     snapshots=[Snapshot("k0", kernel, {}, {}, None, p)])


def test_layer_positions_compared():
    """A script that only builds and plots layers: a grid's positions exactly, a free layer's
    random positions by distribution; 'pass' with them, a shifted grid fails."""
    from jaxnest.parity.connectivity import compare_positions
    grid = [[x, y, np.nan] for x in np.linspace(-0.4, 0.4, 5) for y in np.linspace(-0.4, 0.4, 5)]
    ref = [_layer_run("nest", k, grid) for k in range(2)]
    assert {c.status for c in compare_positions(ref, ref, "k0", True)} == {"pass"}
    moved = [_layer_run("jaxnest", k, np.asarray(grid) + [0.01, 0, 0]) for k in range(2)]
    assert [c.status for c in compare_positions(ref, moved, "k0", True)] == ["fail"]
    rng = np.random.default_rng(0)
    free = lambda k, lo: _layer_run("x", k, np.c_[rng.uniform(lo, 0.5, (400, 2)),  # noqa: E731
                                                  np.full(400, np.nan)])
    ref = [free(k, -0.5) for k in range(3)]
    checks = compare_positions(ref, [free(k, -0.5) for k in range(3)], "k0", False)
    assert [c.quantity for c in checks] == ["x positions", "y positions"]
    assert {c.status for c in checks} == {"pass"}
    res = ParityRun("x.py", "x.py", "pending", seeds=2)
    res.nest_runs = res.jax_runs = [_layer_run("nest", k, grid) for k in range(2)]
    res.comparison = compare_runs(res.nest_runs, res.jax_runs)
    assert _verdict(res).status == "pass"
