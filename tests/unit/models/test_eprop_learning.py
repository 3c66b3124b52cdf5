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
        "gd_batch_clip", "two_out_cutoff", "eta_change", "once_cutoff", "once_eta_change",
        "switch_to_once")
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
@pytest.mark.parametrize("case", ("long_isi", "once_long_isi"))
def test_long_isis(tmp_path, case):
    """Infinite cutoff and inter-spike intervals longer than the first history rings over
    two Simulate calls: the rings grow (chunks rerun) before a needed entry is lost
    (optimizing each step: walked at the spike), or the windows are walked step by step."""
    out = str(tmp_path / "nest.json")
    subprocess.run([sys.executable, "-c", NEST_SCRIPT.format(here=HERE, out=out,
                                                             names=(case,))],
                   check=True, capture_output=True, timeout=900)
    _compare(lc.run(jaxnest, **lc.CASES[case]), json.load(open(out))[case])


def _open_window(each_step: bool):
    """A parrot spiking at 2 and 4 ms into an eprop_iaf, simulated to 10 ms: the window
    after the second spike is open."""
    jaxnest.ResetKernel()
    jaxnest.resolution = 1.0
    g = jaxnest.Create("spike_generator", params={"spike_times": [2.0, 4.0]})
    a, b = jaxnest.Create("parrot_neuron"), jaxnest.Create("eprop_iaf")
    jaxnest.Connect(g, a)
    jaxnest.SetDefaults("eprop_synapse", {"optimizer": {"optimize_each_step": each_step}})
    jaxnest.Connect(a, b, syn_spec={"synapse_model": "eprop_synapse", "delay": 1.0})
    jaxnest.Simulate(10.0)
    return b


@pytest.mark.parametrize("change", ("tau_m", "kappa", "optimizer"))
def test_walk_parameters_changed_in_a_window_refused(change):
    """Windows of connections that optimize once per spike are walked step by step, NEST's
    at the sender's next spike with the parameters then: a change in between is refused."""
    b = _open_window(each_step=False)
    if change == "optimizer":
        jaxnest.SetDefaults("eprop_synapse", {"optimizer": {"optimize_each_step": True}})
    else:
        b.set({change: 0.5 if change == "kappa" else 20.0})
    with pytest.raises(jaxnest.errors.NotImplemented, match="window"):
        jaxnest.Simulate(5.0)


def test_walk_parameters_changed_when_walked_at_the_spike():
    """Optimizing each step, the window is walked at the spike: a change is taken."""
    b = _open_window(each_step=True)
    b.set({"tau_m": 20.0})
    jaxnest.Simulate(5.0)


def _compare(mine, theirs):
    assert theirs["dw"] > 1e-5  # the weights learn
    for k in ("loss", "weight", "readout", "V_m", "learning_signal"):
        x, y = np.asarray(mine[k]), np.asarray(theirs[k])
        assert x.shape == y.shape, (k, x.shape, y.shape)
        scale = max(np.max(np.abs(y)), 1e-300)
        assert np.max(np.abs(x - y)) <= REL * scale, (k, np.max(np.abs(x - y)), scale)
    assert np.ptp(theirs["learning_signal"]) > 1e-4  # learning signals reach the neurons
    for k in ("history_rec", "history_out"):  # NEST's count of kept history entries
        assert mine[k] == theirs[k], k
    assert len(set(theirs["history_rec"])) > 3  # (erasures happen)
