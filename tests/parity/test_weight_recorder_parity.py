"""weight_recorder against NEST in the same run: every event's sender, target, weight, time,
receptor (the rport) and port, for STDP and static synapses, with a window; multiplicity
counts."""
import numpy as np


def test_weight_recorder_events(both):
    ref, got = both("weight_recorder.py")
    assert set(got) == set(ref)
    assert ref["wr_n"][0] == 14 and ref["wr2_n"][0] > 0  # multiplicity 3 is 3 events
    assert 4 in ref["wr2_receptors"].tolist()  # iaf_cond_alpha_mc's distal_exc (5) as rport
    for k in ref:
        if k.endswith("weights") or k == "Kplus":
            np.testing.assert_allclose(got[k], ref[k], rtol=1e-12, err_msg=k)
        else:
            assert got[k].tolist() == ref[k].tolist(), k


def test_weight_recorder_filters_between_runs(both):
    ref, got = both("weight_recorder.py", "filtered")
    assert ref["senders"].size > 0
    for k in ref:
        np.testing.assert_allclose(got[k], ref[k], rtol=1e-12, err_msg=k)
