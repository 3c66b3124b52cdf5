"""gap_junction with hh_psc_alpha_gap and hh_cond_beta_gap_traub against real NEST 3.10, run
in the same test session (one NEST subprocess for all scenarios, tests/unit/models/
_gap_cases.py): two coupled neurons (both models, wfr_interpolation_order 0/1/3, use_wfr on
and off, several wfr_tol, wfr_comm_interval > resolution), a small inhibitory network, and
NEST's Connect rules, errors and status dictionaries for gap junctions, and a small
deterministic version of NEST's gap_junctions_inhibitory_network (self and duplicate pairs).

The coupling reproduces NEST's iteration exactly (same sweeps, same convergence decisions,
the solver's step size carried across sweeps), so the traces differ only by the solver's own
rounding (XLA's exp vs libm; the same ~1e-11 relative without coupling): 99% of the samples
within 1e-9 relative, every sample within 1e-6 mV (spike upstrokes amplify the rounding to
~1e-8 relative at a few samples), spike times identical.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _gap_cases as cases  # noqa: E402

NEST_SCRIPT = f"""
import json, sys
sys.path.insert(0, {HERE!r})
import nest
nest.set_verbosity("M_ERROR")
import _gap_cases as cases
out = {{"two": [cases.two(nest, *c) for c in cases.TWO], "net": cases.network(nest),
       "example": cases.example_like(nest), "errors": cases.connect_errors(nest)}}
json.dump(out, open(sys.argv[1], "w"))
"""

TOL_REL = 1e-9  # 99% of the samples: |dV| / max(|V|, 1)
TOL_ABS = 1e-6  # mV, every sample (spike upstrokes amplify the solver's rounding)


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    pytest.importorskip("nest")
    path = tmp_path_factory.mktemp("gap") / "nest.json"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run([sys.executable, "-c", NEST_SCRIPT, str(path)], check=True, env=env,
                   timeout=900, capture_output=True)
    return json.load(open(path))


@pytest.fixture(scope="module")
def jn():
    import jaxnest
    return jaxnest


def _compare(a, b):
    assert np.array_equal(a["t"], b["t"])
    V, W = np.asarray(a["V"]), np.asarray(b["V"])
    rel = np.abs(V - W) / np.maximum(np.abs(V), 1.0)
    assert np.quantile(rel, 0.99) <= TOL_REL, np.quantile(rel, 0.99)
    assert np.max(np.abs(V - W)) <= TOL_ABS, np.max(np.abs(V - W))
    assert [tuple(x) for x in a["spikes"]] == [tuple(x) for x in b["spikes"]]


@pytest.mark.parametrize("i", range(len(cases.TWO)))
def test_two_neurons(ref, jn, i):
    _compare(ref["two"][i], cases.two(jn, *cases.TWO[i]))


def test_inhibitory_network(ref, jn):
    _compare(ref["net"], cases.network(jn))
    assert len(ref["net"]["spikes"]) > 10


def test_example_like_network(ref, jn):
    """Self pairs, duplicate pairs, multapses and spike multiplicity as in NEST's
    gap_junctions_inhibitory_network: traces and spikes as NEST's."""
    _compare(ref["example"], cases.example_like(jn))
    assert len(ref["example"]["spikes"]) > 20


def test_connect_rules_and_status(ref, jn):
    got = json.loads(json.dumps(cases.connect_errors(jn)))
    want = ref["errors"]
    assert got["connect"] == want["connect"]
    assert got["conns"] == want["conns"]
    assert got["defaults"] == want["defaults"]
    assert got["set_delay"] == want["set_delay"]
    assert got["uses_wfr"] == want["uses_wfr"]
    params = set(jn.GetDefaults("hh_psc_alpha_gap")) - {"model_id"}
    assert params >= {"g_Kv1", "g_Kv3", "Inact_p", "tau_syn_ex", "recordables"}
    for k in params & set(want["model"]):
        assert got["model"][k] == want["model"][k], k
