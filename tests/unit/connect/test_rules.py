"""jaxnest.connect.rules against NEST 3.10.

NEST runs once, in a subprocess (it can be imported only once per process and prints a
banner), on a list of tasks; each task is a conn_spec written as Python code evaluated with
``R`` bound to NEST's random/parameter functions there and to ours here, and two lists of
0-based indices into a pool of created nodes (node id = index + 1).

Deterministic rules are compared pair by pair, errors by class name and message, random rules
by statistics over several seeds with tolerances that a wrong rule would not meet.
"""

from __future__ import annotations

import collections
import importlib.util
import json
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import numpy as np
import pytest

# NEST must be installed, but is only imported in the subprocess (it prints a banner and can
# be imported only once per process); this is pytest.importorskip("nest") without the import.
if importlib.util.find_spec("nest") is None:
    pytest.skip("NEST 3.10 (the reference) is not installed", allow_module_level=True)

try:
    import jaxnest  # noqa: F401
except ImportError:  # running from a checkout without an installed package
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "src"))

from jaxnest import errors  # noqa: E402
from jaxnest.connect import parameters as P  # noqa: E402
from jaxnest.connect import rules  # noqa: E402

R_OURS = types.SimpleNamespace(
    uniform=P.uniform, normal=P.normal, lognormal=P.lognormal, exponential=P.exponential,
    uniform_int=P.uniform_int, constant=P.ConstantParameter)

_NEST_SCRIPT = textwrap.dedent(r'''
    import json, sys
    import nest
    try:
        nest.verbosity = nest.VerbosityLevel.ERROR
    except Exception:
        nest.set_verbosity("M_ERROR")

    class R:
        uniform = staticmethod(nest.random.uniform)
        normal = staticmethod(nest.random.normal)
        lognormal = staticmethod(nest.random.lognormal)
        exponential = staticmethod(nest.random.exponential)
        uniform_int = staticmethod(nest.random.uniform_int)
        constant = staticmethod(lambda v: nest.CreateParameter("constant", {"value": v}))

    def nc(nodes, idx):
        return nodes[idx] if idx else nest.NodeCollection([])

    out = []
    for task in json.load(sys.stdin):
        reps = []
        for seed in task["seeds"]:
            nest.ResetKernel()
            nest.rng_seed = seed
            n = max(task["pre"] + task["post"] + [0]) + 1
            nodes = nest.Create("iaf_psc_alpha", n)
            try:
                nest.Connect(nc(nodes, task["pre"]), nc(nodes, task["post"]),
                             eval(task["spec"], {"R": R}))
            except Exception as e:  # noqa: BLE001
                reps.append({"error": [type(e).__name__, str(e)]})
                continue
            c = nest.GetConnections()
            src, tgt = (c.source, c.target) if len(c) else ([], [])
            if isinstance(src, int):
                src, tgt = [src], [tgt]
            reps.append({"source": list(src), "target": list(tgt)})
        out.append(reps)
    print("JSON:" + json.dumps(out))
''')


class Task:
    """A Connect call: ``spec`` (code), pre/post as 0-based indices, seeds."""

    registry: list[Task] = []

    def __init__(self, spec: str, pre, post, seeds=(1,)):
        self.spec, self.pre, self.post, self.seeds = spec, list(pre), list(post), list(seeds)
        self.index = len(Task.registry)
        Task.registry.append(self)

    def as_json(self):
        return {"spec": self.spec, "pre": self.pre, "post": self.post, "seeds": self.seeds}

    def ours(self, seed: int):
        """(sources, targets) from jaxnest, or ('error', class name, message)."""
        spec = eval(self.spec, {"R": R_OURS})  # noqa: S307 - test-local literal code
        try:
            s, t = rules.connect(None, spec, np.asarray(self.pre, dtype=np.int64) + 1,
                                 np.asarray(self.post, dtype=np.int64) + 1,
                                 np.random.default_rng(seed))
        except Exception as e:  # noqa: BLE001
            return ("error", type(e).__name__, str(e))
        return s, t


NC = list(range(10))  # a pool of 10 nodes


# ---- deterministic rules ----------------------------------------------------------------------
DET = [
    Task("{'rule': 'all_to_all'}", [0, 2, 3, 7], [1, 2, 5, 9]),
    Task("{'rule': 'all_to_all', 'allow_autapses': False}", [0, 2, 3, 7], [1, 2, 5, 9]),
    Task("{'rule': 'all_to_all', 'allow_autapses': False}", [0, 1, 4, 6], [0, 1, 4, 6]),
    Task("{'rule': 'all_to_all', 'allow_multapses': False}", [5, 6, 7], [0, 1]),
    Task("{'rule': 'all_to_all'}", [4], [4]),
    Task("{'rule': 'one_to_one'}", [0, 2, 3, 7], [1, 2, 5, 9]),
    Task("{'rule': 'one_to_one'}", [1, 5, 8], [0, 2, 3]),
    Task("{'rule': 'one_to_one', 'allow_autapses': False}", [0, 2, 3, 7], [1, 2, 5, 9]),
    Task("{'rule': 'one_to_one', 'allow_autapses': False}", [0, 3, 4], [0, 3, 4]),
    Task("{'rule': 'one_to_one', 'make_symmetric': True}", [0, 2, 4], [1, 2, 8]),
    Task("{'rule': 'one_to_one', 'make_symmetric': True}", [1, 3], [1, 3]),
    Task("{'rule': 'one_to_one', 'make_symmetric': True, 'allow_autapses': False}",
         [0, 2, 4], [1, 2, 8]),
    # random rules whose outcome is fixed
    Task("{'rule': 'fixed_indegree', 'indegree': 4, 'allow_autapses': False, "
         "'allow_multapses': False}", [0, 2, 4, 6, 8], [0, 2, 4, 6, 8]),
    Task("{'rule': 'fixed_indegree', 'indegree': 3, 'allow_multapses': False}",
         [0, 5, 9], [1, 5, 7]),
    Task("{'rule': 'fixed_outdegree', 'outdegree': 3, 'allow_multapses': False}",
         [0, 1], [3, 5, 7]),
    Task("{'rule': 'fixed_outdegree', 'outdegree': 2, 'allow_multapses': False, "
         "'allow_autapses': False}", [3, 5, 7], [3, 5, 7]),
    Task("{'rule': 'pairwise_bernoulli', 'p': 1.0, 'allow_autapses': False}",
         [0, 1, 2, 3, 6], [2, 3, 4, 9]),
    Task("{'rule': 'pairwise_bernoulli', 'p': 0.0}", [0, 1, 2], [2, 3, 4]),
    Task("{'rule': 'pairwise_bernoulli', 'p': R.constant(2.0)}", [0, 1, 2], [2, 3, 4]),
    Task("{'rule': 'pairwise_bernoulli', 'p': R.constant(-1.0)}", [0, 1, 2], [2, 3, 4]),
    Task("{'rule': 'fixed_total_number', 'N': 0}", [0, 1], [2, 3]),
    Task("{'rule': 'fixed_indegree', 'indegree': 0}", [0, 1], [2, 3]),
    Task("{'rule': 'fixed_indegree', 'indegree': R.uniform(-3.0, -1.0)}", [0, 1], [2, 3]),
    Task("{'rule': 'pairwise_poisson', 'pairwise_avg_num_conns': 0.0}", [0, 1], [2, 3]),
    Task("{'rule': 'symmetric_pairwise_bernoulli', 'p': 0.0, 'allow_autapses': False, "
         "'make_symmetric': True}", [0, 1], [1, 2]),
]

# ---- invalid input: same error class and message --------------------------------------------
_A, _B = [0, 1, 2, 3, 4], [5, 6, 7, 8]
ERR = [Task(spec, pre, post) for spec, pre, post in [
    ("{'rule': 'foo'}", _A, _B),
    ("{'rule': 'All_to_all'}", _A, _B),
    ("{'rule': 1}", _A, _B),
    ("{'indegree': 2}", _A, _B),
    ("{'rule': 'one_to_one'}", _A, _B),
    ("{'rule': 'one_to_one', 'make_symmetric': True}", _A, _B),
    ("{'rule': 'one_to_one', 'allow_autapses': 'x'}", _A, _B),
    ("{'rule': 'fixed_indegree'}", _A, _B),
    ("{'rule': 'fixed_indegree', 'indegree': 6, 'allow_multapses': False}", _A, _B),
    ("{'rule': 'fixed_indegree', 'indegree': -1}", _A, _B),
    ("{'rule': 'fixed_indegree', 'indegree': -1, 'allow_multapses': False}", _A, _B),
    ("{'rule': 'fixed_indegree', 'indegree': 1.5}", _A, _B),
    ("{'rule': 'fixed_indegree', 'indegree': True}", _A, _B),
    ("{'rule': 'fixed_indegree', 'indegree': 'x'}", _A, _B),
    ("{'rule': 'fixed_indegree', 'indegree': [1, 2]}", _A, _B),
    ("{'rule': 'fixed_indegree', 'indegree': 2, 'make_symmetric': True}", _A, _B),
    ("{'rule': 'fixed_indegree', 'indegree': -1, 'make_symmetric': True}", _A, _B),
    ("{'rule': 'fixed_indegree', 'indegree': 2, 'N': 3}", _A, _B),
    ("{'rule': 'fixed_indegree', 'foo': 1}", _A, _B),
    ("{'rule': 'fixed_outdegree', 'outdegree': 5, 'allow_multapses': False}", _A, _B),
    ("{'rule': 'fixed_outdegree', 'outdegree': -1}", _A, _B),
    ("{'rule': 'fixed_outdegree', 'outdegree': 2.0}", _A, _B),
    ("{'rule': 'fixed_total_number', 'N': -1}", _A, _B),
    ("{'rule': 'fixed_total_number', 'N': -1, 'allow_multapses': False}", _A, _B),
    ("{'rule': 'fixed_total_number', 'N': 21, 'allow_multapses': False}", _A, _B),
    ("{'rule': 'fixed_total_number', 'N': 20, 'allow_multapses': False}", _A, _B),
    ("{'rule': 'fixed_total_number', 'N': 3, 'allow_multapses': False, 'foo': 1}", _A, _B),
    ("{'rule': 'fixed_total_number', 'N': 2.0}", _A, _B),
    ("{'rule': 'fixed_total_number', 'N': R.uniform_int(3)}", _A, _B),
    ("{'rule': 'fixed_total_number', 'N': 3, 'make_symmetric': True}", _A, _B),
    ("{'rule': 'pairwise_bernoulli', 'p': 1.5}", _A, _B),
    ("{'rule': 'pairwise_bernoulli', 'p': -0.5}", _A, _B),
    ("{'rule': 'pairwise_bernoulli'}", _A, _B),
    ("{'rule': 'pairwise_bernoulli', 'p': 'a'}", _A, _B),
    ("{'rule': 'pairwise_bernoulli', 'p': [0.5]}", _A, _B),
    ("{'rule': 'pairwise_bernoulli', 'p': None}", _A, _B),
    ("{'rule': 'pairwise_bernoulli', 'p': 2.0, 'foo': 1}", _A, _B),
    ("{'rule': 'pairwise_bernoulli', 'p': 0.5, 'foo': 1, 'bar': 2}", _A, _B),
    ("{'rule': 'pairwise_bernoulli', 'p': 0.5, 'make_symmetric': True}", _A, _B),
    ("{'rule': 'pairwise_bernoulli', 'p': 0.5, 'pairwise_avg_num_conns': 0.5}", _A, _B),
    ("{'rule': 'symmetric_pairwise_bernoulli', 'p': 0.5}", _A, _B),
    ("{'rule': 'symmetric_pairwise_bernoulli', 'p': 1.0, 'allow_autapses': False, "
     "'make_symmetric': True}", _A, _A),
    ("{'rule': 'symmetric_pairwise_bernoulli', 'p': 2.0}", _A, _B),
    ("{'rule': 'symmetric_pairwise_bernoulli', 'p': 0.5, 'allow_autapses': False}", _A, _B),
    ("{'rule': 'symmetric_pairwise_bernoulli', 'p': 0.5, 'allow_autapses': False, "
     "'allow_multapses': False}", _A, _B),
    ("{'rule': 'symmetric_pairwise_bernoulli', 'p': 0.5, 'foo': 1}", _A, _B),
    ("{'rule': 'symmetric_pairwise_bernoulli', 'p': R.uniform(), 'allow_autapses': False, "
     "'make_symmetric': True}", _A, _B),
    ("{'rule': 'symmetric_pairwise_bernoulli', 'allow_autapses': False, "
     "'make_symmetric': True}", _A, _B),
    ("{'rule': 'symmetric_pairwise_bernoulli', 'p': 0.5, 'allow_autapses': False, "
     "'make_symmetric': True, 'indegree': 2}", _A, _B),
    ("{'rule': 'pairwise_poisson', 'pairwise_avg_num_conns': -0.5}", _A, _B),
    ("{'rule': 'pairwise_poisson', 'pairwise_avg_num_conns': 0.5, 'allow_multapses': False}",
     _A, _B),
    ("{'rule': 'pairwise_poisson', 'pairwise_avg_num_conns': -1.0, 'allow_multapses': False}",
     _A, _B),
    ("{'rule': 'pairwise_poisson'}", _A, _B),
    ("{'rule': 'pairwise_poisson', 'pairwise_avg_num_conns': 'x'}", _A, _B),
    ("{'rule': 'pairwise_poisson', 'pairwise_avg_num_conns': 0.5, 'make_symmetric': True}",
     _A, _B),
    ("{'rule': 'all_to_all', 'foo': 1}", _A, _B),
    ("{'rule': 'all_to_all', 'foo': 1, 'make_symmetric': True}", _A, _B),
    ("{'rule': 'all_to_all', 'make_symmetric': True}", _A, _B),
    ("{'rule': 'all_to_all', 'allow_autapses': 0}", _A, _B),
    ("{'rule': 'all_to_all', 'allow_autapses': 'x', 'foo': 1}", _A, _B),
    ("{'rule': 'all_to_all', 'allow_multapses': 1, 'make_symmetric': 1}", _A, _B),
    ("{'rule': 'all_to_all', 'foo': None}", _A, _B),
    ("{'rule': 'all_to_all', 'p': 0.5}", _A, _B),
    ("{'rule': 'one_to_one', 'p': 0.5}", _A, _A),
    ("{'rule': 'fixed_indegree', 'indegree': 2, 'mask': {'circular': {'radius': 1.0}}}",
     _A, _B),
    ("{'rule': 'all_to_all'}", [], _B),
    ("{'rule': 'all_to_all'}", _A, []),
    ("{'rule': 'foo'}", _A, []),
    ("{'rule': 'fixed_indegree', 'indegree': 1}", [], []),
]]

# ---- random rules: statistics over seeds ------------------------------------------------------
SEEDS5 = [11, 12, 13, 14, 15]
S_INDEG = Task("{'rule': 'fixed_indegree', 'indegree': 10, 'allow_autapses': False}",
               range(0, 100), range(50, 250), SEEDS5)
S_INDEG_NM = Task("{'rule': 'fixed_indegree', 'indegree': 10, 'allow_autapses': False, "
                  "'allow_multapses': False}", range(0, 100), range(50, 250), SEEDS5)
S_INDEG_NM_TIGHT = Task("{'rule': 'fixed_indegree', 'indegree': 4, 'allow_autapses': False, "
                        "'allow_multapses': False}", range(0, 6), range(0, 6), range(1, 41))
S_OUTDEG_NM = Task("{'rule': 'fixed_outdegree', 'outdegree': 10, 'allow_autapses': False, "
                   "'allow_multapses': False}", range(50, 250), range(0, 100), SEEDS5)
S_OUTDEG = Task("{'rule': 'fixed_outdegree', 'outdegree': 10}", range(50, 250), range(0, 100),
                SEEDS5)
S_FTN_AUT = Task("{'rule': 'fixed_total_number', 'N': 30000, 'allow_autapses': False}",
                 [0, 1], [0, 2], [3])
S_FTN = Task("{'rule': 'fixed_total_number', 'N': 5000}", range(0, 50), range(30, 110),
             [1, 2, 3])
S_BERN = Task("{'rule': 'pairwise_bernoulli', 'p': 0.2, 'allow_autapses': False}",
              range(0, 100), range(0, 100), SEEDS5)
S_BERN_PARAM = Task("{'rule': 'pairwise_bernoulli', 'p': R.uniform(0.0, 0.4)}",
                    range(0, 100), range(100, 250), SEEDS5)
S_SYM10 = Task("{'rule': 'symmetric_pairwise_bernoulli', 'p': 0.5, 'allow_autapses': False, "
               "'make_symmetric': True}", range(10), range(10), range(1, 151))
S_SYM2 = Task("{'rule': 'symmetric_pairwise_bernoulli', 'p': 0.9, 'allow_autapses': False, "
              "'make_symmetric': True}", range(2), range(2), range(1, 301))
S_SYM_DISJ = Task("{'rule': 'symmetric_pairwise_bernoulli', 'p': 0.9, 'allow_autapses': False, "
                  "'make_symmetric': True}", range(2), [2], range(1, 301))
S_POIS = Task("{'rule': 'pairwise_poisson', 'pairwise_avg_num_conns': 0.7}",
              range(0, 150), range(150, 300), [5])
S_POIS_PARAM = Task("{'rule': 'pairwise_poisson', 'pairwise_avg_num_conns': R.uniform(0.0, 2.0)}",
                    range(0, 100), range(100, 200), [5, 6])
S_POIS_AUT = Task("{'rule': 'pairwise_poisson', 'pairwise_avg_num_conns': 2.0, "
                  "'allow_autapses': False}", range(30), range(30), [1, 2, 3])
S_INDEG_PARAM = Task("{'rule': 'fixed_indegree', 'indegree': R.uniform(1.0, 3.0)}",
                     range(0, 50), range(50, 1050), [7])
S_OUTDEG_PARAM = Task("{'rule': 'fixed_outdegree', 'outdegree': R.normal(1.0, 2.0)}",
                      range(0, 1000), range(1000, 1050), [7])


@pytest.fixture(scope="module")
def nest_results():
    tasks = [t.as_json() for t in Task.registry]
    proc = subprocess.run([sys.executable, "-c", _NEST_SCRIPT], input=json.dumps(tasks),
                          capture_output=True, text=True, timeout=300)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("JSON:")]
    assert lines, f"NEST run failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return json.loads(lines[-1][5:])


def _nest_pairs(nest_results, task, rep=0):
    r = nest_results[task.index][rep]
    assert "error" not in r, r
    return np.asarray(r["source"], dtype=np.int64), np.asarray(r["target"], dtype=np.int64)


def _all_nest(nest_results, task):
    return [_nest_pairs(nest_results, task, i) for i in range(len(task.seeds))]


def _all_ours(task, offset=1000):
    out = []
    for seed in task.seeds:
        r = task.ours(seed + offset)
        assert not isinstance(r[0], str), r
        out.append(r)
    return out


def _multiset(s, t):
    return collections.Counter(zip(s.tolist(), t.tolist()))


# =================================================================================================
@pytest.mark.parametrize("task", DET, ids=lambda t: f"{t.spec}|{t.pre}|{t.post}")
def test_deterministic_pairs_match_nest(nest_results, task):
    ns, nt = _nest_pairs(nest_results, task)
    s, t = task.ours(0)
    assert s.dtype == np.int64 and t.dtype == np.int64
    assert _multiset(s, t) == _multiset(ns, nt)
    if "all_to_all" in task.spec or "one_to_one" in task.spec:
        # sorted by source, exactly in GetConnections' order for these small sets
        assert list(zip(s.tolist(), t.tolist())) == list(zip(ns.tolist(), nt.tolist()))


def test_all_to_all_large_noncontiguous_order(nest_results):
    """Bigger sets: same pairs; sorted by source (NEST's within-source order may differ)."""
    pre = np.array([1, 3, 4, 9, 10, 17, 40, 41, 42, 77]) + 100
    post = np.concatenate([np.arange(5, 60, 3), np.array([103, 104, 141])])
    s, t = rules.connect("all_to_all", {}, pre, post, np.random.default_rng(0))
    assert len(s) == pre.size * post.size
    assert np.all(np.diff(s) >= 0)
    assert _multiset(s, t) == collections.Counter((a, b) for a in pre for b in post)
    s, t = rules.connect("all_to_all", {"allow_autapses": False}, pre, post,
                         np.random.default_rng(0))
    assert len(s) == pre.size * post.size - 3 and not np.any(s == t)


@pytest.mark.parametrize("task", ERR, ids=lambda t: f"{t.spec}|{len(t.pre)}x{len(t.post)}")
def test_errors_match_nest(nest_results, task):
    nres = nest_results[task.index][0]
    assert "error" in nres, f"NEST accepted {task.spec}"
    ncls, nmsg = nres["error"]
    ours = task.ours(0)
    assert ours[0] == "error", f"we accepted {task.spec}; NEST raised {ncls}: {nmsg}"
    assert (ours[1], ours[2]) == (ncls, nmsg)


def test_error_classes_are_jaxnest_errors():
    with pytest.raises(errors.BadProperty, match="Unknown connectivity rule: foo"):
        rules.connect("foo", {}, np.arange(1, 4), np.arange(4, 6), np.random.default_rng(0))
    with pytest.raises(errors.DimensionMismatch):
        rules.connect("one_to_one", {}, np.arange(1, 4), np.arange(4, 6),
                      np.random.default_rng(0))
    with pytest.raises(errors.UnaccessedDictionaryEntry):
        rules.connect("all_to_all", {"foo": 1}, np.arange(1, 4), np.arange(4, 6),
                      np.random.default_rng(0))
    with pytest.raises(errors.IllegalConnection):
        rules.connect("all_to_all", {}, np.arange(0), np.arange(4, 6), np.random.default_rng(0))


def test_rule_argument_and_conn_spec_rule():
    pre, post = np.array([2, 4]), np.array([4, 6])
    a = rules.connect("all_to_all", None, pre, post, np.random.default_rng(0))
    b = rules.connect(None, {"rule": "all_to_all"}, pre, post, np.random.default_rng(0))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    with pytest.raises(KeyError):
        rules.connect(None, {}, pre, post, np.random.default_rng(0))


def test_unrealisable_without_autapses_raises_instead_of_hanging():
    """NEST 3.10 loops forever on these; we raise BadProperty."""
    ids = np.arange(1, 6)
    rng = np.random.default_rng(0)
    with pytest.raises(errors.BadProperty):
        rules.connect("fixed_indegree", {"indegree": 5, "allow_autapses": False,
                                         "allow_multapses": False}, ids, ids, rng)
    with pytest.raises(errors.BadProperty):
        rules.connect("fixed_outdegree", {"outdegree": 5, "allow_autapses": False,
                                          "allow_multapses": False}, ids, ids, rng)
    with pytest.raises(errors.BadProperty):
        rules.connect("fixed_indegree", {"indegree": P.ConstantParameter(6.0),
                                         "allow_multapses": False}, ids, ids, rng)
    one = np.array([3])
    with pytest.raises(errors.BadProperty):
        rules.connect("fixed_indegree", {"indegree": 1, "allow_autapses": False}, one, one, rng)
    with pytest.raises(errors.BadProperty):
        rules.connect("fixed_total_number", {"N": 1, "allow_autapses": False}, one, one, rng)


# ---- statistics ---------------------------------------------------------------------------------
def _degrees(s, t, ids, by):
    ids = np.asarray(ids) + 1
    x = s if by == "source" else t
    cnt = collections.Counter(x.tolist())
    return np.array([cnt.get(int(i), 0) for i in ids])


def _pooled(runs, ids, by):
    return np.concatenate([_degrees(s, t, ids, by) for s, t in runs])


def _n_multapses(s, t):
    return sum(v - 1 for v in _multiset(s, t).values() if v > 1)


@pytest.mark.parametrize("task", [S_INDEG, S_INDEG_NM], ids=["multapses", "no_multapses"])
def test_fixed_indegree_statistics(nest_results, task):
    nest_runs, our_runs = _all_nest(nest_results, task), _all_ours(task)
    for runs in (nest_runs, our_runs):
        assert all(np.all(_degrees(s, t, task.post, "target") == 10) for s, t in runs)
        assert all(not np.any(s == t) for s, t in runs)
    if "False}" in task.spec and "allow_multapses" in task.spec:
        assert all(_n_multapses(s, t) == 0 for s, t in our_runs + nest_runs)
    # out-degree of sources: Binomial(200, 0.1) in both: mean 20, variance ~18 (pre overlaps
    # post by 50, autapses excluded: targets in pre draw from 99)
    dn, do = _pooled(nest_runs, task.pre, "source"), _pooled(our_runs, task.pre, "source")
    assert dn.mean() == pytest.approx(20.0) and do.mean() == pytest.approx(20.0)
    assert do.var() == pytest.approx(dn.var(), rel=0.25)
    assert 13 < do.var() < 24
    if "allow_multapses': False" not in task.spec:
        # multapses occur at the same rate: expected ~ 200 targets * C(10,2)/~100 per run
        mn = np.mean([_n_multapses(s, t) for s, t in nest_runs])
        mo = np.mean([_n_multapses(s, t) for s, t in our_runs])
        assert mo == pytest.approx(mn, rel=0.25) and mo > 50


def test_fixed_indegree_tight_without_autapses_multapses(nest_results):
    """6 nodes, indegree 4 of the 5 others: every 4-subset equally likely, in both."""
    task = S_INDEG_NM_TIGHT
    for runs in (_all_nest(nest_results, task), _all_ours(task)):
        missing = collections.Counter()
        for s, t in runs:
            assert not np.any(s == t) and _n_multapses(s, t) == 0
            assert np.all(_degrees(s, t, task.post, "target") == 4)
            for tgt in range(1, 7):
                srcs = set(s[t == tgt].tolist())
                (miss,) = set(range(1, 7)) - {tgt} - srcs
                missing[(miss - tgt) % 6] += 1
        # the left-out source is uniform over the 5 others: 240 draws, 48 expected each
        assert all(25 < missing[d] < 75 for d in range(1, 6)), missing


@pytest.mark.parametrize("task", [S_OUTDEG, S_OUTDEG_NM], ids=["multapses", "no_multapses"])
def test_fixed_outdegree_statistics(nest_results, task):
    nest_runs, our_runs = _all_nest(nest_results, task), _all_ours(task)
    for runs in (nest_runs, our_runs):
        assert all(np.all(_degrees(s, t, task.pre, "source") == 10) for s, t in runs)
    if "allow_autapses': False" in task.spec:
        assert all(not np.any(s == t) and _n_multapses(s, t) == 0 for s, t in our_runs)
        assert all(not np.any(s == t) and _n_multapses(s, t) == 0 for s, t in nest_runs)
    dn, do = _pooled(nest_runs, task.post, "target"), _pooled(our_runs, task.post, "target")
    assert dn.mean() == pytest.approx(20.0) and do.mean() == pytest.approx(20.0)
    assert do.var() == pytest.approx(dn.var(), rel=0.25)


def test_fixed_total_number_autapse_redraw(nest_results):
    """pre {1,2}, post {1,3}, no autapses: the three admissible pairs are equally likely."""
    task = S_FTN_AUT
    for s, t in (_nest_pairs(nest_results, task), task.ours(99)):
        assert len(s) == 30000 and not np.any(s == t)
        c = _multiset(s, t)
        assert set(c) == {(1, 3), (2, 1), (2, 3)}
        for v in c.values():
            assert abs(v / 30000 - 1 / 3) < 0.015


def test_fixed_total_number_statistics(nest_results):
    task = S_FTN
    nest_runs, our_runs = _all_nest(nest_results, task), _all_ours(task)
    for s, t in nest_runs + our_runs:
        assert len(s) == 5000
    # per-target counts: multinomial(5000, 1/80): mean 62.5, var ~61.7
    dn, do = _pooled(nest_runs, task.post, "target"), _pooled(our_runs, task.post, "target")
    assert do.var() == pytest.approx(dn.var(), rel=0.3)
    assert 45 < do.var() < 80
    dn, do = _pooled(nest_runs, task.pre, "source"), _pooled(our_runs, task.pre, "source")
    assert do.mean() == dn.mean() == 100
    assert do.var() == pytest.approx(dn.var(), rel=0.3)


def test_pairwise_bernoulli_statistics(nest_results):
    task = S_BERN
    nest_runs, our_runs = _all_nest(nest_results, task), _all_ours(task)
    for s, t in nest_runs + our_runs:
        assert not np.any(s == t) and _n_multapses(s, t) == 0
    # total ~ Binomial(9900, 0.2): mean 1980, sd 39.8; 5 runs pooled: sd of the mean 17.8
    tn = np.mean([len(s) for s, _ in nest_runs])
    to = np.mean([len(s) for s, _ in our_runs])
    assert abs(to - 1980) < 4 * 17.8 and abs(tn - 1980) < 4 * 17.8
    dn, do = _pooled(nest_runs, task.post, "target"), _pooled(our_runs, task.post, "target")
    assert do.var() == pytest.approx(dn.var(), rel=0.25)  # ~ 99 * 0.2 * 0.8 = 15.8
    assert 11 < do.var() < 21


def test_pairwise_bernoulli_parameter_p(nest_results):
    task = S_BERN_PARAM
    nest_runs, our_runs = _all_nest(nest_results, task), _all_ours(task)
    # p ~ U(0, 0.4) per pair: 15000 pairs, mean 3000, var 15000*0.2*0.8 = 2400 per run
    tn = np.mean([len(s) for s, _ in nest_runs])
    to = np.mean([len(s) for s, _ in our_runs])
    sd = np.sqrt(2400 / 5)
    assert abs(to - 3000) < 4 * sd and abs(tn - 3000) < 4 * sd
    assert all(_n_multapses(s, t) == 0 for s, t in our_runs)


def _totals_hist(runs):
    return collections.Counter(len(s) for s, _ in runs)


def test_symmetric_pairwise_bernoulli_statistics(nest_results):
    task = S_SYM10
    nest_runs, our_runs = _all_nest(nest_results, task), _all_ours(task)
    for s, t in nest_runs + our_runs:
        c = _multiset(s, t)
        assert all(c[(b, a)] == v for (a, b), v in c.items())  # symmetric
        assert not np.any(s == t)
    # total = 2 * sum over targets of k, k ~ Binomial(10, .5) | k < 10: mean 99.9, var ~100
    tn = np.array([len(s) for s, _ in nest_runs], dtype=float)
    to = np.array([len(s) for s, _ in our_runs], dtype=float)
    se = np.sqrt(100 / len(tn))
    assert abs(tn.mean() - 99.9) < 4 * se and abs(to.mean() - 99.9) < 4 * se
    assert to.var() == pytest.approx(tn.var(), rel=0.35)
    # multapses: pairs chosen from both ends
    mn = np.mean([_n_multapses(s, t) for s, t in nest_runs])
    mo = np.mean([_n_multapses(s, t) for s, t in our_runs])
    assert mo == pytest.approx(mn, rel=0.2)


@pytest.mark.parametrize("task", [S_SYM2, S_SYM_DISJ], ids=["same_2", "disjoint_2_1"])
def test_symmetric_pairwise_bernoulli_indegree_redraw(nest_results, task):
    """Indegree ~ Binomial(len(pre), p), redrawn while >= len(pre)."""
    nest_runs, our_runs = _all_nest(nest_results, task), _all_ours(task)
    hn, ho = _totals_hist(nest_runs), _totals_hist(our_runs)
    n = len(task.seeds)
    q = 2 * 0.9 * 0.1 / (1 - 0.81)  # P(k = 1 | k < 2) = 0.947
    if task is S_SYM2:  # two targets, each picks the other with prob q; 2 conns per pick
        expect = {0: (1 - q) ** 2, 2: 2 * q * (1 - q), 4: q**2}
    else:
        expect = {0: 1 - q, 2: q}
    for h in (hn, ho):
        assert set(h) <= set(expect)
        for tot, pr in expect.items():
            assert abs(h[tot] / n - pr) < 4 * np.sqrt(pr * (1 - pr) / n) + 0.01, (h, expect)


def test_pairwise_poisson_multiplicities(nest_results):
    task = S_POIS
    ns, nt = _nest_pairs(nest_results, task)
    s, t = task.ours(5)
    from math import exp, factorial
    npairs = 150 * 150
    for src, tgt in ((ns, nt), (s, t)):
        c = _multiset(src, tgt)
        h = collections.Counter(c.values())
        h[0] = npairs - len(c)
        for m in range(4):
            pr = exp(-0.7) * 0.7**m / factorial(m)
            assert abs(h[m] / npairs - pr) < 4 * np.sqrt(pr * (1 - pr) / npairs) + 1e-3


def test_pairwise_poisson_parameter_per_pair(nest_results):
    task = S_POIS_PARAM
    nest_runs, our_runs = _all_nest(nest_results, task), _all_ours(task)
    # lambda ~ U(0, 2) per pair: indegree mean 100, var 100 * (1 + 1/3) = 133
    # (a per-target lambda would give a variance of ~3400)
    dn, do = _pooled(nest_runs, task.post, "target"), _pooled(our_runs, task.post, "target")
    assert abs(do.mean() - 100) < 4 and abs(dn.mean() - 100) < 4
    assert 90 < do.var() < 190 and 90 < dn.var() < 190


def test_pairwise_poisson_no_autapses(nest_results):
    task = S_POIS_AUT
    nest_runs, our_runs = _all_nest(nest_results, task), _all_ours(task)
    for s, t in nest_runs + our_runs:
        assert not np.any(s == t)
    # 870 admissible pairs * 2 = 1740 per run, sd 41.7
    assert abs(np.mean([len(s) for s, _ in our_runs]) - 1740) < 4 * 41.7 / np.sqrt(3)
    assert abs(np.mean([len(s) for s, _ in nest_runs]) - 1740) < 4 * 41.7 / np.sqrt(3)


@pytest.mark.parametrize("task,by,ids", [(S_INDEG_PARAM, "target", "post"),
                                         (S_OUTDEG_PARAM, "source", "pre")],
                         ids=["indegree_uniform", "outdegree_normal"])
def test_degree_parameter_rounding(nest_results, task, by, ids):
    """A Parameter degree is drawn per target (source) and rounded half away from zero."""
    ns, nt = _nest_pairs(nest_results, task)
    s, t = task.ours(7)
    node_ids = getattr(task, ids)
    hn = collections.Counter(_degrees(ns, nt, node_ids, by).tolist())
    ho = collections.Counter(_degrees(s, t, node_ids, by).tolist())
    n = len(node_ids)
    for k in set(hn) | set(ho):
        pn, po = hn[k] / n, ho[k] / n
        assert abs(pn - po) < 5 * np.sqrt(max(pn, 1 / n) * (1 - pn) / n * 2), (k, hn, ho)
    if task is S_INDEG_PARAM:
        assert set(ho) == {1, 2, 3} and abs(ho[2] / n - 0.5) < 0.07


# ---- scale ---------------------------------------------------------------------------------------
def test_fixed_indegree_is_exact_at_scale():
    """Brunel order 2500's indegree (its speed is measured by benchmarks/brunel.py)."""
    ids = np.arange(1, 12501, dtype=np.int64)
    rng = np.random.default_rng(0)
    s, t = rules.connect("fixed_indegree", {"indegree": 1250}, ids, ids, rng)
    assert len(s) == 12500 * 1250
    assert np.all(np.bincount(t, minlength=12501)[1:] == 1250)


def _all_distinct(key):
    k = np.sort(key)
    return bool(np.all(k[1:] != k[:-1]))


def test_no_multapses_large_is_exact():
    ids = np.arange(1, 2001, dtype=np.int64)
    s, t = rules.connect("fixed_indegree", {"indegree": 300, "allow_multapses": False,
                                            "allow_autapses": False}, ids, ids,
                         np.random.default_rng(1))
    key = t * 10000 + s
    assert _all_distinct(key) and not np.any(s == t)
    assert np.all(np.bincount(t, minlength=2001)[1:] == 300)
    # dense: complement path
    s, t = rules.connect("fixed_outdegree", {"outdegree": 1900, "allow_multapses": False,
                                             "allow_autapses": False}, ids, ids,
                         np.random.default_rng(2))
    key = s * 10000 + t
    assert _all_distinct(key) and not np.any(s == t)
    assert np.all(np.bincount(s, minlength=2001)[1:] == 1900)
