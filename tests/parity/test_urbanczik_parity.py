"""pp_cond_exp_mc_urbanczik and urbanczik_synapse (+ _lbl, CopyModel'd) against NEST in the
same run (cases/urbanczik.py). Deterministic regime (the soma held below threshold, so the
point process never fires): both compartments' traces, every connection value between
Simulate calls and the weight recorder within 1e-9 relative; GetDefaults/GetStatus; error
classes. The firing regime is random (NEST's RNG) and is compared by the example
urbanczik_synapse_example.py through the parity harness."""
import numpy as np

from _plastic_compare import compare_all

CASE = "urbanczik.py"


def test_network_between_runs(both):
    ref, got = both(CASE, "network")
    assert ref["sr:n"][0] == 0 and got["sr:n"][0] == 0
    assert len(ref["wr:times"]) > 50
    w = ref["r2:urb_wr:weight"]
    assert np.ptp(w - ref["r0:urb_wr:weight"]) > 0.1  # the rule did change weights
    print(compare_all(ref, got, 1e-9))


def test_status(both):
    ref, got = both(CASE, "status")
    compare_all(ref, got, 0.0)


def test_error_classes(both):
    ref, got = both(CASE, "errors")
    assert got["errors"].tolist() == ref["errors"].tolist()
    assert {"NotImplemented", "BadProperty", "IllegalConnection"} <= set(ref["errors"].tolist())
