"""astrocyte_lr_1994, aeif_cond_alpha_astro, sic_connection and TripartiteConnect against
NEST 3.10: astrocyte traces and SIC coupling within 1e-9 relative (spikes identical), tripartite
structure exact for block pools and by distribution over seeds for random pools, defaults, and
NEST's errors. One NEST subprocess per module (``_astro_cases.py`` holds the scenarios)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import jaxnest
from jaxnest.api import _state
import _astro_cases as ac

HERE = os.path.dirname(os.path.abspath(__file__))

NEST_SCRIPT = """
import json, sys
sys.path.insert(0, {here!r})
import nest
nest.set_verbosity("M_ERROR")
import _astro_cases as ac
json.dump({{k: getattr(ac, k)(nest) for k in ("single", "sic", "network", "structure",
                                             "statistics", "errors", "defaults")}}, open({out!r}, "w"))
"""


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("astro") / "nest.json")
    subprocess.run([sys.executable, "-c", NEST_SCRIPT.format(here=HERE, out=out)], check=True,
                   capture_output=True, timeout=1800)
    return json.load(open(out))


def _close(a, b, floor):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    return float((np.abs(a - b) / np.maximum(np.abs(b), floor)).max(initial=0.0))


def test_single_astrocyte(ref):
    ours = ac.single(jaxnest)
    for key, theirs in ref["single"].items():
        r = ours[key]
        assert r["times"] == theirs["times"] and r["senders"] == theirs["senders"]
        for var in ("IP3", "Ca_astro", "h_IP3R"):
            assert np.ptp(theirs[var]) > 1e-4, (key, var)  # the input moves the state
            assert _close(r[var], theirs[var], 1e-6) < 1e-9, (key, var)


def test_sic_coupling(ref):
    ours = ac.sic(jaxnest)
    for key, theirs in ref["sic"].items():
        r = ours[key]
        assert r["times"] == theirs["times"] and r["senders"] == theirs["senders"]
        sic = np.asarray(theirs["I_SIC"])
        assert (sic > 10).any() and (sic < -10).any()  # both signs arrive
        for var, floor in (("I_SIC", 1e-3), ("V_m", 1.0), ("g_ex", 1e-3), ("w", 1e-3)):
            assert _close(r[var], theirs[var], floor) < 1e-9, (key, var)
        assert [tuple(s) for s in r["spikes"]] == [tuple(s) for s in theirs["spikes"]]
        assert len(theirs["spikes"]) > 3
    # split Simulate calls deliver the same SIC (NEST's astrocyte keeps its lags)
    assert ref["sic"]["True"]["I_SIC"] == ref["sic"]["False"]["I_SIC"]
    # 7 sic_connections, 3 of them of one pair and delay: delivered as 5 edges
    assert _state.kernel().runtime.plan.cont["del"]["src"].size == 5


def test_network(ref):
    """The fixed-randomness network copy of astrocyte_brunel_fixed_indegree: spikes identical,
    traces within 1e-9 relative (V_m 1e-6: the exponential upstroke before a spike amplifies
    rounding), with SIC flowing."""
    ours = json.loads(json.dumps(ac.network(jaxnest)))
    theirs = ref["network"]
    assert len(theirs["spikes"]) > 100 and max(theirs["neurons"]["I_SIC"]) > 20
    assert [tuple(s) for s in ours["spikes"]] == [tuple(s) for s in theirs["spikes"]]
    for pop, keys in (("neurons", (("V_m", 1.0, 1e-6), ("I_SIC", 1e-3, 1e-9))),
                      ("astrocytes", (("IP3", 1e-6, 1e-9), ("Ca_astro", 1e-6, 1e-9)))):
        assert ours[pop]["times"] == theirs[pop]["times"]
        assert ours[pop]["senders"] == theirs[pop]["senders"]
        for var, floor, tol in keys:
            assert _close(ours[pop][var], theirs[pop][var], floor) < tol, (pop, var)


def test_tripartite_structure(ref):
    ours = json.loads(json.dumps(ac.structure(jaxnest)))
    theirs = ref["structure"]
    assert ours == theirs
    assert len(theirs["block1"]) == 5 * 6 * 3


def test_tripartite_statistics(ref):
    """Random pools: fraction with a third factor, distinct thirds per target and the use of
    each third-factor node agree over 12 seeds (5 standard errors of the difference)."""
    ours = ac.statistics(jaxnest)
    theirs = ref["statistics"]
    for key in ("frac", "distinct"):
        a, b = np.asarray(ours[key]), np.asarray(theirs[key])
        se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert se > 0
        assert abs(a.mean() - b.mean()) < 5 * se, (key, a.mean(), b.mean(), se)
    a, b = np.asarray(ours["use"]), np.asarray(theirs["use"])  # (seeds, third nodes)
    assert abs(a.mean() - b.mean()) < 1e-12  # shares sum to 1
    se = np.sqrt(a.var(ddof=1, axis=0) / a.shape[0] + b.var(ddof=1, axis=0) / b.shape[0])
    assert (np.abs(a.mean(axis=0) - b.mean(axis=0)) < 5 * se).all()
    assert abs(np.mean(ours["frac"]) - 0.4) < 0.05


# NEST's messages that jaxnest words differently (same error class)
_OTHER_MESSAGE = {"syn_key", "sic_from_parrot", "sic_to_iaf"}


def test_errors(ref):
    ours = ac.errors(jaxnest)
    theirs = ref["errors"]
    assert set(ours) == set(theirs)
    for key, t in theirs.items():
        o = ours[key]
        if t is None:
            assert o is None, (key, o)
            continue
        assert o is not None and o[0] == t[0], (key, o, t)
        if key not in _OTHER_MESSAGE:
            assert o[1] == t[1], (key, o[1], t[1])


# node-level keys GetDefaults shows in NEST but jaxnest shows for no model (kernel's business)
_NODE_KEYS = {"available", "capacity", "elementsize", "frozen", "global_id", "instantiations",
              "local", "node_uses_wfr", "thread", "thread_local_id", "type_id", "vp", "Ca",
              "archiver_length", "beta_Ca", "post_trace", "t_spike", "tau_Ca"}


def test_defaults(ref):
    ours = ac.defaults(jaxnest)
    for model, theirs in ref["defaults"].items():
        mine = ours[model]
        assert set(mine) <= set(theirs), model
        for k, v in theirs.items():
            if k in _NODE_KEYS:
                continue
            assert k in mine, (model, k)
            assert mine[k] == v, (model, k, mine[k], v)
