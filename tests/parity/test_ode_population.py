"""Populations of adaptive-solver models against NEST in the same run: every neuron keeps its
own GSL step sequence when odeint finishes the slow ones on a compact gather (groups of
>= odeint.COMPACT_MIN neurons). Spikes identical, V_m within the aeif/hh tolerance of
test_aeif_hh.py."""
import numpy as np
import pytest

MODELS = {"aeif_cond_alpha": {"t_ref": 2.0}, "hh_psc_alpha": {}, "iaf_cond_alpha": {}}


@pytest.mark.parametrize("model", MODELS)
def test_population(both, model):
    ref, got = both("ode_population.py", model=model, params=MODELS[model])
    assert len(ref["sr_times"]) >= 50  # many neurons fire, at different steps
    for k in ("sr_senders", "sr_times", "mm_senders", "mm_times"):
        np.testing.assert_array_equal(got[k], ref[k], err_msg=k)
    assert np.max(np.abs(np.asarray(got["mm_V_m"]) - ref["mm_V_m"])) <= 1e-6
