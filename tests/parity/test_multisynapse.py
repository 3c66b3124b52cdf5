"""Multisynapse neurons against NEST in the same run (exact propagators: category B)."""
import numpy as np
import pytest

from jaxnest.parity.backends import max_abs_diff
from jaxnest.parity.tolerances import CATEGORIES

B = CATEGORIES["B"].atol


@pytest.mark.parametrize("model", ["iaf_psc_exp_multisynapse", "iaf_psc_alpha_multisynapse"])
def test_ports_traces_spikes_and_errors(both, model):
    ref, got = both("multisynapse.py", model=model)
    assert ref["has_connections"].tolist() != ref["has_connections_before"].tolist()
    for k in ("errors", "n_ports", "recordables", "default_recordables",
              "has_connections_before", "has_connections"):
        assert got[k].tolist() == ref[k].tolist(), k
    assert len(ref["sr_times"]) >= 2
    for k in ("senders", "times", "sr_senders", "sr_times"):
        np.testing.assert_array_equal(got[k], ref[k], err_msg=k)
    for k in ("V_m", "I_syn", "I_syn_1", "I_syn_2", "V_end"):
        assert max_abs_diff(got[k], ref[k]) <= B, (k, max_abs_diff(got[k], ref[k]))
