"""Kernel support for neuron models, against NEST in the same run: checks at Simulate (pre-run
hooks), derived defaults, set-only keys and SetStatus side effects on hidden state, list
parameters that are not per port, models without current input, ignore_and_spike."""
import numpy as np
import pytest


def _same(ref, got, rtol=0.0):
    assert set(ref) == set(got), set(ref) ^ set(got)
    worst = 0.0
    for k in ref:
        a, b = ref[k], got[k]
        if a.dtype.kind in "fc" and b.dtype.kind in "fc":
            assert a.shape == b.shape, k
            np.testing.assert_allclose(b, a, rtol=rtol, atol=0, err_msg=k)
            if a.size:
                worst = max(worst, float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1))))
        else:
            assert a.tolist() == b.tolist(), (k, a.tolist(), b.tolist())
    return worst


def test_refractory_checks_at_simulate(both):
    ref, got = both("api_models.py", "pre_run_checks")
    assert ref["mat2_psc_exp_1_errors"].tolist() == ["none", "BadProperty", "none", "none"]
    _same(ref, got)


def test_mat2_derived_threshold(both):
    ref, got = both("api_models.py", "mat2_defaults")
    _same(ref, got, rtol=1e-15)


def test_ht_neuron_equilibrate(both):
    """Traces after equilibrate at a new V_m (the adaptive solver: ~1e-9 relative)."""
    ref, got = both("api_models.py", "ht_equilibrate")
    print("largest relative deviation", _same(ref, got, rtol=1e-7))


def test_ignore_and_fire_restarts_on_set_status(both):
    ref, got = both("api_models.py", "ignore_and_fire_restart")
    _same(ref, got)


def test_chs_noise_list(both):
    ref, got = both("api_models.py", "chs_noise")
    assert len(ref["times"]) >= 2
    print("largest relative deviation", _same(ref, got, rtol=1e-12))


def test_chs_refuses_current_input(both):
    ref, got = both("api_models.py", "chs_no_current")
    assert ref["errors"].tolist() == ["IllegalConnection"] * 3
    _same(ref, got)


def test_ignore_and_spike(both):
    ref, got = both("api_models.py", "ignore_and_spike")
    print("largest relative deviation", _same(ref, got, rtol=1e-12))


@pytest.mark.parametrize("model", ["aeif_cond_alpha", "aeif_psc_delta",
                                   "aeif_cond_beta_multisynapse"])
def test_numerical_instability_stops_the_run(both, model):
    ref, got = both("api_models.py", "numerical_instability", model=model)
    assert ref["first"] == "NumericalInstability" and ref["again"] == "KernelException"
    assert len(ref["samples"]) > 100
    _same(ref, got)
