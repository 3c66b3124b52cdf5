"""aeif_cond_alpha/beta_multisynapse against NEST through the whole API (GSL RKF45:
category A; observed ~1e-11 mV)."""
import numpy as np
import pytest

from jaxnest.parity.backends import max_abs_diff

TOL = 1e-8  # mV, nS, pA (category A allows 1e-3)


@pytest.mark.parametrize("model", ["aeif_cond_alpha_multisynapse",
                                   "aeif_cond_beta_multisynapse"])
def test_ports_traces_spikes_and_errors(both, model):
    ref, got = both("aeif_multisynapse.py", model=model)
    for k in ("errors", "n_receptors", "recordables", "default_recordables"):
        assert got[k].tolist() == ref[k].tolist(), k
    assert len(ref["sr_times"]) >= 2
    for k in ("senders", "times", "sr_senders", "sr_times"):
        np.testing.assert_array_equal(got[k], ref[k], err_msg=k)
    for k in ("V_m", "w", "g_1", "g_2", "V_end", "w_end"):
        assert max_abs_diff(got[k], ref[k]) <= TOL, (k, max_abs_diff(got[k], ref[k]))
