"""Current receptors, per-event sign channels and random draws in updates, against NEST."""
import numpy as np
import pytest

from jaxnest.parity.backends import max_abs_diff
from jaxnest.parity.tolerances import CATEGORIES

B = CATEGORIES["B"].atol


def test_current_on_receptor_one_is_filtered(both):
    ref, got = both("kernel_inputs.py", "current_receptor")
    assert ref["errors"].tolist() == got["errors"].tolist() == [
        "UnknownReceptorType", "UnknownReceptorType"]
    assert np.ptp(ref["I_syn_ex"]) > 100  # the current reached I_syn_ex
    for k in ("senders", "times", "sr_times"):
        np.testing.assert_array_equal(got[k], ref[k])
    for k in ("V_m", "I_syn_ex"):
        assert max_abs_diff(got[k], ref[k]) <= B, (k, max_abs_diff(got[k], ref[k]))


@pytest.mark.parametrize("model", ["iaf_psc_alpha", "iaf_psc_exp", "iaf_cond_exp"])
def test_negative_spike_weights_pick_the_inhibitory_channel(both, model):
    ref, got = both("kernel_inputs.py", "negative_spike_weights", model=model)
    for k in ref:
        assert max_abs_diff(got[k], ref[k]) <= 1e-9, (k, max_abs_diff(got[k], ref[k]))
    inh = ref["I_syn_in"] if "I_syn_in" in ref else -ref["g_in"]
    assert inh.min() < -0.5  # negative events did reach the inhibitory channel


def test_spike_weights_set_between_runs(both):
    ref, got = both("kernel_inputs.py", "spike_weights_set_between_runs")
    for k in ref:
        assert max_abs_diff(got[k], ref[k]) <= 1e-9, (k, max_abs_diff(got[k], ref[k]))
    assert ref["I_syn_in"].min() < -50.0  # the negative events reached the inhibitory channel


def test_escape_noise_rate_matches_nest(both):
    """iaf_psc_exp with delta > 0 fires by escape noise drawn in the update: spike counts over
    seeds agree with NEST's within four standard errors of the difference."""
    counts = {b: [] for b in (0, 1)}
    for seed in (1, 2, 3, 4):
        ref, got = both("kernel_inputs.py", "escape_noise", seed=seed)
        counts[0].append(ref["n_spikes"][0])
        counts[1].append(got["n_spikes"][0])
    a, b = np.array(counts[0], float), np.array(counts[1], float)
    assert a.min() > 200  # the noise does fire the neurons
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size + a.mean() / a.size)
    assert abs(a.mean() - b.mean()) < 4 * se, (a, b)


def test_multimeters_sample_devices(both):
    ref, got = both("kernel_inputs.py", "device_samples")
    assert set(got) == set(ref) and ref["mm_rate"].size > 40
    for k in ref:
        assert max_abs_diff(got[k], ref[k]) <= 1e-9, (k, max_abs_diff(got[k], ref[k]))


def test_device_settings_between_runs(both):
    """Generators and recorders set between Simulate calls: the traces, spikes and recorder
    windows as NEST's (a multimeter's last-slice samples filtered by the window set after
    the run, as NEST hands them over then); the interval refused as NEST refuses it."""
    ref, got = both("kernel_inputs.py", "device_settings_between_runs")
    assert ref["errors"].tolist() == got["errors"].tolist() == ["BadProperty"]
    assert ref["sr_times"].size >= 3 and ref["times"].size > 300
    for k in ("senders", "times", "sr_senders", "sr_times"):
        np.testing.assert_array_equal(got[k], ref[k])
    for k in ("V_m", "I_syn_ex"):
        assert max_abs_diff(got[k], ref[k]) <= 1e-9, (k, max_abs_diff(got[k], ref[k]))
