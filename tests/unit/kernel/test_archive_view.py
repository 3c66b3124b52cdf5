"""The postsynaptic spike archive on its own terms (kernel/plastic.py, synapses.base.PostView):
a delivery reads the newest VIEW_W[0] entries of a ring of H, more where they lack an
answer, then all of it; a ring that would drop an entry a connection may still read reruns
the chunk with a longer one; the result is the one ample sizes give. (Parity with NEST:
tests/parity/test_stdp*_parity.py.)"""
import numpy as np
import pytest

import jaxnest as nest
from jaxnest.api import _state
from jaxnest.kernel import plastic

RULES = ("stdp_triplet_synapse",)  # reads K- rows beside the times


@pytest.fixture(autouse=True)
def fresh():
    nest.ResetKernel()
    yield
    nest.ResetKernel()


def _network():
    """Fast postsynaptic neurons (~70 spikes/s), a rare and a frequent presynaptic train into
    each through every archive-reading rule: the rare one reads far back into the archive."""
    post = nest.Create("iaf_psc_alpha", 3, params={"I_e": [450.0, 600.0, 800.0]})
    gens = nest.Create("spike_generator", 2, params=[
        {"spike_times": [5.0, 260.0, 261.0]},
        {"spike_times": np.arange(2.0, 400.0, 3.0).round(1).tolist()}])
    pre = nest.Create("parrot_neuron", 2)
    nest.Connect(gens, pre, "one_to_one")
    for rule in RULES:
        nest.Connect(pre, post, syn_spec={"synapse_model": rule, "weight": 10.0,
                                          "delay": 1.5})
    nest.Simulate(150.0)
    nest.Simulate(250.0)
    return np.concatenate([nest.GetConnections(synapse_model=r).get("weight") for r in RULES])


def test_small_views_and_rings_rerun_exactly(monkeypatch):
    """With views of one entry, then four, and a ring of sixteen, deliveries fall back to the
    wider view and the whole ring, and chunks whose ring would drop a needed entry are rerun
    with a longer one: every weight equals the run whose first view is the whole of an ample
    ring (128 entries: twice what the small one grows to)."""
    monkeypatch.setattr(plastic, "ARCHIVE_H", 128)
    monkeypatch.setattr(plastic, "VIEW_W", (128,))
    nest.ResetKernel()  # (a new runtime takes the sizes)
    ample = _network()
    monkeypatch.setattr(plastic, "ARCHIVE_H", 16)
    monkeypatch.setattr(plastic, "VIEW_W", (1, 4))
    nest.ResetKernel()
    small = _network()
    assert _state.kernel().runtime.arch_H > 16
    np.testing.assert_array_equal(small, ample)
    assert np.all(ample != 10.0)    # every rule changed every weight
