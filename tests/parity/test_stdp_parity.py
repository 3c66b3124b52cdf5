"""STDP synapses against NEST in the same run: weights within 1e-9 relative, spikes equal."""
import numpy as np
import pytest


def _close(a, b, rel=1e-9):
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=rel, atol=1e-12)


@pytest.mark.parametrize("model", ["stdp_synapse", "stdp_synapse_hom"])
def test_pairs_weights_traces_and_errors(both, model):
    ref, got = both("stdp.py", "pairs", model=model)
    assert got["errors"].tolist() == ref["errors"].tolist()
    assert got["keys"].tolist() == ref["keys"].tolist()
    assert got["defaults"].tolist() == ref["defaults"].tolist()
    assert np.ptp(ref["w"]) > 5  # the weights did change
    _close(got["w"], ref["w"])
    _close(got["Kplus"], ref["Kplus"])


def test_driven_neurons(both):
    ref, got = both("stdp.py", "driven")
    for k in ("src", "tgt", "senders", "times"):
        np.testing.assert_array_equal(got[k], ref[k], err_msg=k)
    _close(got["w"], ref["w"])


def test_wide_rows_delivered_in_blocks(both):
    """Rows of 150 plastic edges, one segment per iteration, the iterations in blocks."""
    ref, got = both("stdp.py", "wide")
    assert got["batch"] == [1]
    assert len(ref["times"]) > 300 and np.ptp(ref["w"]) > 20
    for k in ("senders", "times"):
        np.testing.assert_array_equal(got[k], ref[k], err_msg=k)
    _close(got["w"], ref["w"])
    _close(got["Kplus"], ref["Kplus"])


def test_long_postsynaptic_bursts(both):
    ref, got = both("stdp.py", "bursts")
    _close(got["w"], ref["w"])
    _close(got["Kplus"], ref["Kplus"])


def test_common_properties_set_between_runs(both):
    """NEST's connections read their model's common properties at each delivery."""
    ref, got = both("stdp.py", "common_between_runs")
    assert np.ptp(ref["w"][:, 0]) > 5  # lambda = 0.5 did change the weights
    _close(got["w"], ref["w"])
    np.testing.assert_array_equal(got["senders"], ref["senders"])
    _close(got["V_m"], ref["V_m"])


@pytest.mark.parametrize("kwargs", [{}, {"delay": 5.0, "t_sim": 5.0, "n_sim": 12}])
def test_post_trace_is_the_last_read_trace(both, kwargs):
    """NEST's post_trace: set by each delivery of a rule that reads the target's K- trace."""
    ref, got = both("plastic_rules.py", "post_traces", **kwargs)
    for k in ref:
        assert len(set(ref[k].tolist())) > 4, k
        np.testing.assert_allclose(got[k], ref[k], rtol=1e-12, atol=1e-15, err_msg=k)


def test_exponents_between_runs(both):
    """mu_plus / mu_minus at 1, 0 and between, equal over the connections or not."""
    ref, got = both("stdp.py", "exponents_between_runs")
    assert len({round(float(x), 6) for x in ref["w"][-1]}) == 4  # the four rules differ
    _close(got["w"], ref["w"])
