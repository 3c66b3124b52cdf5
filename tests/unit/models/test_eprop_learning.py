"""e-prop learning (eprop_synapse with gradient_descent and adam, onto the four recurrent
e-prop neurons and eprop_readout) against NEST 3.10, one NEST subprocess for the module:
every eprop_synapse weight after training, the per-iteration loss, the recurrent neurons'
V_m and learning_signal and the readout signal (scenarios of _eprop_learning_cases.py: a
shortened version of NEST's sine-wave regression test, with batches, clipping, a cutoff,
two readouts and eta changed between Simulate calls)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import jaxnest
import _eprop_learning_cases as lc

HERE = os.path.dirname(os.path.abspath(__file__))
FAST = ("iaf_adam", "iaf_gd", "adapt_gd", "delta_gd", "delta_adapt_adam", "iaf_batch",
        "gd_batch_clip", "two_out_cutoff", "eta_change")
NEST_SCRIPT = """
import json, sys
sys.path.insert(0, {here!r})
import nest
nest.set_verbosity("M_ERROR")
import _eprop_learning_cases as lc
json.dump({{k: lc.run(nest, **lc.CASES[k]) for k in {names!r}}}, open({out!r}, "w"))
"""
REL = 1e-8   # NEST's own test demands the loss to rtol 1e-8


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("eprop_learning") / "nest.json")
    subprocess.run([sys.executable, "-c", NEST_SCRIPT.format(here=HERE, out=out,
                                                             names=FAST)],
                   check=True, capture_output=True, timeout=900)
    return json.load(open(out))


@pytest.mark.parametrize("case", FAST)
def test_learning_matches_nest(ref, case):
    _compare(lc.run(jaxnest, **lc.CASES[case]), ref[case])


@pytest.mark.slow
def test_long_isis_grow_the_history(tmp_path):
    """Infinite cutoff and inter-spike intervals longer than the first history rings over
    two Simulate calls: the rings grow (chunks rerun) before a needed entry is lost."""
    out = str(tmp_path / "nest.json")
    subprocess.run([sys.executable, "-c", NEST_SCRIPT.format(here=HERE, out=out,
                                                             names=("long_isi",))],
                   check=True, capture_output=True, timeout=900)
    _compare(lc.run(jaxnest, **lc.CASES["long_isi"]), json.load(open(out))["long_isi"])


def _compare(mine, theirs):
    assert theirs["dw"] > 1e-5  # the weights learn
    for k in ("loss", "weight", "readout", "V_m", "learning_signal"):
        x, y = np.asarray(mine[k]), np.asarray(theirs[k])
        assert x.shape == y.shape, (k, x.shape, y.shape)
        scale = max(np.max(np.abs(y)), 1e-300)
        assert np.max(np.abs(x - y)) <= REL * scale, (k, np.max(np.abs(x - y)), scale)
    assert np.ptp(theirs["learning_signal"]) > 1e-4  # learning signals reach the neurons


def test_history_duration_refused():
    """NEST's history cleaning (what eprop_history_duration shows) is not reproduced."""
    jaxnest.ResetKernel()
    jaxnest.resolution = 1.0
    a, b = jaxnest.Create("parrot_neuron"), jaxnest.Create("eprop_iaf")
    jaxnest.Connect(a, b, syn_spec={"synapse_model": "eprop_synapse", "delay": 1.0})
    m = jaxnest.Create("multimeter", params={"record_from": ["eprop_history_duration"]})
    jaxnest.Connect(m, b)
    with pytest.raises(jaxnest.errors.NotImplemented, match="eprop_history_duration"):
        jaxnest.Simulate(5.0)
