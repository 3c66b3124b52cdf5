"""Parity defects of the kernel's API found in issue 9, against NEST in the same run: models'
refractory counts and devices' grid checks in another time base, GetConnections order, ports
and synapse ids after CopyModel, device stop times, error classes of bad input."""
import numpy as np
import pytest


def _same(ref, got):
    assert set(ref) == set(got), set(ref) ^ set(got)
    for k in ref:
        a, b = ref[k], got[k]
        if a.dtype.kind in "fc" and b.dtype.kind in "fc":
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=0, err_msg=k)
        else:
            assert a.tolist() == b.tolist(), (k, a.tolist(), b.tolist())


@pytest.mark.parametrize("tics_per_ms, resolution", [(16, 0.0625), (64, 0.125), (1024, 0.0625),
                                                     (10000, 0.1)])
def test_time_base_reaches_models_and_devices(both, tics_per_ms, resolution):
    """Spike times (refractory counts, ignore_and_fire, ignore_and_spike) and device grid
    checks equal NEST's with tics_per_ms other than 1000."""
    ref, got = both("api_defects.py", "time_base", tics_per_ms=tics_per_ms,
                    resolution=resolution)
    assert len(ref["times"]) > 40
    _same(ref, got)


def test_get_connections_order_ports_and_synapse_ids(both):
    ref, got = both("api_defects.py", "connections")
    _same(ref, got)


def test_device_times_reported_as_nest(both):
    ref, got = both("api_defects.py", "device_times")
    assert ref["spike_generator_status"][2] == np.finfo(float).max
    _same(ref, got)


def test_shift_now_spikes(both):
    ref, got = both("api_defects.py", "shift_now_spikes")
    assert ref["after_run"][0] == 10.1 and len(ref["sent"]) == 2
    _same(ref, got)


def test_dict_miss_is_error(both):
    ref, got = both("api_defects.py", "dict_miss")
    assert ref["errors"].tolist() == ["UnaccessedDictionaryEntry"] * 2
    _same(ref, got)


def test_bad_input_error_classes(both):
    ref, got = both("api_defects.py", "bad_input")
    _same(ref, got)


def test_bad_device_input_messages(both):
    """Bad times, sizes, rates, windows and intervals of devices, in SetStatus and Create:
    NEST's class and message, naming the model and node (NEST's tests match these)."""
    ref, got = both("api_defects.py", "device_messages")
    named = [m.startswith("BadProperty: Setting status of a ") for m in ref["set"]]
    assert sum(named) == len(named) - 1 and "none" not in ref["create"], ref["set"]
    assert ref["after_times"].tolist().count("none") == 4, ref["after_times"]
    _same(ref, got)


def test_device_defaults_show_computed_keys(both):
    ref, got = both("api_defects.py", "device_defaults")
    assert len(ref) > 25 and "ac_generator:y_0" in ref
    _same(ref, got)


def test_recording_device_rules(both):
    ref, got = both("api_defects.py", "recording_rules")
    assert ref["connect"].tolist().count("IllegalConnection") == 2
    _same(ref, got)


@pytest.mark.parametrize("threads", [1, 2])
def test_thread_local_id_and_backend_keys(both, threads):
    ref, got = both("api_defects.py", "status_keys", threads=threads)
    _same(ref, got)


def test_plastic_synapse_connect_errors(both):
    ref, got = both("api_defects.py", "plastic_synapse_ends")
    assert sum("IllegalConnection" in e for e in ref["errors"]) > 20
    _same(ref, got)
