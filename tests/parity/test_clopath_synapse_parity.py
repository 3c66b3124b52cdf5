"""clopath_synapse (+ _hpc, _lbl, CopyModel'd) onto aeif_psc_delta_clopath and
hh_psc_alpha_clopath against NEST in the same run (cases/clopath_synapse.py): spike-pairing
weights and every connection value between Simulate calls within 1e-9 relative (measured:
~2e-15), the targets' spikes identical, GetStatus/GetDefaults, error classes."""
import numpy as np
import pytest

from _plastic_compare import compare_all

CASE = "clopath_synapse.py"


def test_spike_pairing(both):
    ref, got = both(CASE, "pairing")
    for model in ("aeif_psc_delta_clopath", "hh_psc_alpha_clopath"):
        assert np.ptp(ref[model]) > 0.01  # potentiation and depression happened
    print(compare_all(ref, got))


@pytest.mark.parametrize("delays", [(0.1, 1.0, 2.5), (0.5, 1.0, 3.0)])
def test_network_between_runs(both, delays):
    """min_delay 1 and 5 steps: NEST's LTD ring (max_delay + 1 entries) loses entries the
    synapses would read when min_delay > 1; both must agree on which."""
    ref, got = both(CASE, "network", delays=delays)
    np.testing.assert_array_equal(got["sr:times"], ref["sr:times"])
    np.testing.assert_array_equal(got["sr:senders"], ref["sr:senders"])
    assert len(ref["sr:times"]) > 100 and len(ref["wr:times"]) > 100
    w0 = ref["r0:clopath_fast:weight"]
    assert np.ptp(ref["r3:clopath_fast:weight"] - w0) > 0.05  # the rule did change weights
    print(compare_all(ref, got))


def test_status(both):
    ref, got = both(CASE, "status")
    compare_all(ref, got, rel=0.0)


def test_error_classes(both):
    ref, got = both(CASE, "errors")
    assert got["errors"].tolist() == ref["errors"].tolist()
    assert {"NotImplemented", "BadProperty", "IllegalConnection"} <= set(ref["errors"].tolist())
