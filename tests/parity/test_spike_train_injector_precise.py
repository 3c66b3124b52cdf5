"""spike_train_injector with precise_times against NEST: the spikes its targets (grid and
precise parrots, iaf_psc_exp_ps) and a spike_recorder get, with their offsets."""
import numpy as np


def test_precise_injector_spikes_equal_nest(both):
    ref, got = both("spike_train_injector_precise.py")
    assert ref["sr_times"].size > 15 and np.any(ref["sr_offsets"] > 0)
    assert set(got) == set(ref)
    for k in ref:
        if k.endswith("offsets") or k == "V_m":
            np.testing.assert_allclose(got[k], ref[k], rtol=0, atol=1e-12, err_msg=k)
        else:
            np.testing.assert_array_equal(got[k], ref[k], err_msg=k)
