"""cont_delay_synapse against NEST in the same run: delays as shown, the kernel's delay
extrema, spike times (grid and precise targets) and a precise neuron's V_m identical; the
BadDelay cases as NEST's (tests/parity/cases/cont_delay.py). V_m: NEST's iaf_psc_exp(_ps)
propagators, last bits (1e-12 relative)."""
import numpy as np


def test_cont_delay_synapse(both):
    ref, got = both("cont_delay.py", "delays")
    assert ref["0:delay"][0] == 1.7 and ref["errors"].tolist()[:2] != ["none", "none"]
    assert set(ref) == set(got)
    for k in ref:
        if k.endswith("V_m"):
            np.testing.assert_allclose(got[k], ref[k], rtol=1e-12, err_msg=k)
        elif ref[k].dtype.kind in "fc":
            np.testing.assert_array_equal(got[k], ref[k], err_msg=k)
        else:
            assert got[k].tolist() == ref[k].tolist(), k
