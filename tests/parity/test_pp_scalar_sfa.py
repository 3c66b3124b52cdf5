"""pp_psc_delta takes scalar tau_sfa/q_sfa as NEST does (one adaptation element): spikes
and E_sfa traces equal NEST's."""
import numpy as np


def test_scalar_sfa_equals_nest(both):
    ref, got = both("pp_scalar_sfa.py")
    assert ref["sr_times"].size > 30 and ref["mm_E_sfa"].max() > 3.0
    assert set(got) == set(ref)
    for k in ref:
        if k == "mm_E_sfa":
            np.testing.assert_allclose(got[k], ref[k], rtol=1e-13, atol=1e-13, err_msg=k)
        else:
            np.testing.assert_array_equal(got[k], ref[k], err_msg=k)
