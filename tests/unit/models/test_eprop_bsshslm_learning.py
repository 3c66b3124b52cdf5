"""eprop_synapse_bsshslm_2020 learning against NEST 3.10, one NEST subprocess for the module:
every e-prop weight after training, the recurrent neurons' V_m, surrogate gradients and
learning signals, the readouts' readout and error signals (scenarios of _eprop_bss_cases.py,
one network: eprop_iaf_bsshslm_2020 and _adapt, mean squared error and cross entropy
readouts; gradient descent and adam, batches, average_gradient, a learning window shorter
than the update interval, no reset, firing-rate regularization, silent sequences with the
senders' flush events; a sender silent for long, whose flush event frees the histories).
Also NEST's error for the other e-prop family's targets."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import jaxnest
import _eprop_bss_cases as bc
from jaxnest.api import _state
from jaxnest.kernel import voltage_archive

HERE = os.path.dirname(os.path.abspath(__file__))
NEST_SCRIPT = """
import json, sys
sys.path.insert(0, {here!r})
import nest
nest.set_verbosity("M_ERROR")
import _eprop_bss_cases as bc
json.dump({{"silent_sender": bc.silent_sender(nest),
           **{{k: bc.run(nest, **bc.CASES[k]) for k in {names!r}}}}}, open({out!r}, "w"))
"""
REL = 1e-9
KEYS = ("weight", "optimizer", "V_m", "surrogate_gradient", "learning_signal", "readout_signal",
        "error_signal")


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("eprop_bss") / "nest.json")
    subprocess.run([sys.executable, "-c", NEST_SCRIPT.format(here=HERE, out=out,
                                                             names=tuple(bc.CASES))],
                   check=True, capture_output=True, timeout=600)
    return json.load(open(out))


@pytest.mark.parametrize("case", tuple(bc.CASES))
def test_bsshslm_learning_matches_nest(ref, case):
    mine, theirs = bc.run(jaxnest, **bc.CASES[case]), ref[case]
    assert theirs["dw"] > 1e-5  # the weights learn
    assert np.ptp(theirs["learning_signal"]) > 1e-2  # learning signals reach the neurons
    for k in KEYS:
        x, y = np.asarray(mine[k]), np.asarray(theirs[k])
        assert x.shape == y.shape, (k, x.shape, y.shape)
        scale = max(np.max(np.abs(y)), 1e-300)
        assert np.max(np.abs(x - y)) <= REL * scale, (k, np.max(np.abs(x - y)), scale)
    for k in ("history_rec", "history_out"):  # NEST's count of kept history entries
        assert mine[k] == theirs[k], k
    assert len(set(theirs["history_rec"])) > 3  # (erasures happen)


def test_silent_sender_flush_frees_history(ref):
    """A recurrent sender silent for 36 flush intervals: NEST's weights, and the e-prop rings
    keep their first length (its connections act on its flush event at its time, then read
    nothing older than its next spike; acted on at that spike, they grew to 1,024)."""
    mine, theirs = bc.silent_sender(jaxnest), ref["silent_sender"]
    assert mine["times"] == theirs["times"] and max(theirs["times"]) < 80.0
    np.testing.assert_allclose(mine["weight"], theirs["weight"], rtol=REL, atol=0.0)
    assert _state.kernel().runtime.clop_H == voltage_archive.HIST_H
    assert mine["history"] == theirs["history"]  # NEST's count of kept history entries


@pytest.mark.parametrize("syn,target", [("eprop_synapse", "eprop_iaf_bsshslm_2020"),
                                        ("eprop_synapse_bsshslm_2020", "eprop_readout")])
def test_other_family_target_is_illegal(syn, target):
    """NEST's error for an e-prop synapse onto the other family's neuron (NEST raises it at
    the connection's first gradient; jaxnest at Simulate)."""
    jaxnest.ResetKernel()
    jaxnest.resolution = 1.0
    g = jaxnest.Create("spike_generator", params={"spike_times": [1.0, 2.0, 5.0]})
    a, b = jaxnest.Create("parrot_neuron"), jaxnest.Create(target)
    jaxnest.Connect(g, a)
    jaxnest.Connect(a, b, syn_spec={"synapse_model": syn, "delay": 1.0})
    with pytest.raises(jaxnest.errors.IllegalConnection, match="compute_gradient"):
        jaxnest.Simulate(10.0)


@pytest.mark.parametrize("change", ("tau_m", "tau_m_readout", None))
def test_walk_parameters_changed_in_a_window(change):
    """The intervals' walks advance step by step (eprop_gradient.on_step_bsshslm), NEST's
    at the sender's next spike with the parameters then: a change of them while a walk
    since the sender's last spike is open is refused; with none, the run goes on."""
    jaxnest.ResetKernel()
    jaxnest.resolution = 1.0
    g = jaxnest.Create("spike_generator", params={"spike_times": [2.0, 4.0]})
    a, b = jaxnest.Create("parrot_neuron"), jaxnest.Create("eprop_iaf_bsshslm_2020")
    jaxnest.Connect(g, a)
    jaxnest.Connect(a, b, syn_spec={"synapse_model": "eprop_synapse_bsshslm_2020",
                                    "delay": 1.0})
    jaxnest.Simulate(10.0)
    if change == "tau_m":
        b.set({"tau_m": 20.0})
    elif change == "tau_m_readout":
        jaxnest.GetConnections(a, b).set({"tau_m_readout": 20.0})
    if change is None:
        jaxnest.Simulate(5.0)
        return
    with pytest.raises(jaxnest.errors.NotImplemented, match="window"):
        jaxnest.Simulate(5.0)
