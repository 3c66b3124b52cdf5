"""Exact-propagator models against NEST in the same run (categories B and E)."""
import numpy as np
import pytest

from jaxnest.parity.backends import max_abs_diff
from jaxnest.parity.tolerances import CATEGORIES

B, E = CATEGORIES["B"].atol, CATEGORIES["E"].atol
PSC = ["iaf_psc_alpha", "iaf_psc_exp", "iaf_psc_delta"]


def _same_events(a: dict, b: dict, trace_keys, atol):
    for k in a:
        assert k in b, k
        assert a[k].shape == b[k].shape, (k, a[k].shape, b[k].shape)
        tol = atol if k.split("_", 1)[-1] in trace_keys else E
        assert max_abs_diff(a[k], b[k]) <= tol, (k, max_abs_diff(a[k], b[k]))


@pytest.mark.parametrize("model", PSC)
def test_single_neuron_traces_and_spikes(both, model):
    ref, got = both("single_neuron.py", model=model)
    assert len(ref["sr_times"]) >= 3  # the case exercises threshold, reset and refractoriness
    _same_events(ref, got, {"V_m", "I_syn_ex", "I_syn_in"}, B)


@pytest.mark.parametrize("model,params", [
    ("iaf_psc_alpha", {"tau_syn_ex": 10.0, "tau_m": 10.0, "t_ref": 1.05}),
    ("iaf_psc_exp", {"tau_syn_in": 10.0, "tau_m": 10.0, "C_m": 100.0}),
    ("iaf_psc_delta", {"V_min": -72.0, "refractory_input": True}),
])
def test_single_neuron_nondefault(both, model, params):
    ref, got = both("single_neuron.py", model=model, resolution=0.05, params=params)
    _same_events(ref, got, {"V_m", "I_syn_ex", "I_syn_in"}, B)


@pytest.mark.parametrize("model", PSC)
def test_resumed_simulation_with_setstatus(both, model):
    ref, got = both("single_neuron.py", "run_resumed", model=model)
    _same_events(ref, got, {"V_m", "end"}, B)


def test_small_network_every_event_type(both):
    ref, got = both("small_network.py")
    assert len(ref["sr_times"]) > 20
    _same_events(ref, got, {"V_m", "I_syn_ex", "I_syn_in"}, B)


def test_poisson_generator_active_window(both):
    ref, got = both("small_network.py", "poisson_window")
    for k in ref:
        np.testing.assert_allclose(got[k], ref[k], atol=E)


def test_recorders_ascii_windows_and_reset(both):
    ref, got = both("small_network.py", "recorders")
    assert ref["files"].tolist() == got["files"].tolist()
    assert ref["text"].tolist() == got["text"].tolist()
    assert ref["error"].tolist() == got["error"].tolist()
    np.testing.assert_array_equal(got["counts"], ref["counts"])
    np.testing.assert_allclose(got["win_times"], ref["win_times"], atol=E)
    np.testing.assert_allclose(got["mem_times"], ref["mem_times"], atol=E)


def test_offgrid_spike_times_round_up(both):
    ref, got = both("small_network.py", "offgrid_spike_times")
    for k in ref:
        np.testing.assert_allclose(got[k], ref[k], atol=E)


def test_many_spike_recorders_record_their_own_senders(both):
    ref, got = both("small_network.py", "many_recorders")
    assert ref["sub_t"].size > 10 and ref["twice"].size > 2
    assert set(ref) == set(got)
    for k in ref:
        np.testing.assert_allclose(got[k], ref[k], atol=E, err_msg=k)
