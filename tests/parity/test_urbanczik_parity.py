"""pp_cond_exp_mc_urbanczik and urbanczik_synapse (+ _lbl, CopyModel'd) against NEST in the
same run (cases/urbanczik.py). Deterministic regime (the soma held below threshold, so the
point process never fires): both compartments' traces, every connection value between
Simulate calls and the weight recorder within 1e-9 relative; GetDefaults/GetStatus; error
classes. The firing regime is random (NEST's RNG) and is compared by the example
urbanczik_synapse_example.py through the parity harness."""
import numpy as np

CASE = "urbanczik.py"


def _rel(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-12))) if a.size else 0.0


def _compare(ref: dict, got: dict, rel: float) -> float:
    assert sorted(got) == sorted(ref)
    worst = 0.0
    for k in ref:
        if np.asarray(ref[k]).dtype.kind in "US":
            assert got[k].tolist() == ref[k].tolist(), k
            continue
        d = _rel(ref[k], got[k])
        assert d <= rel, (k, d)
        worst = max(worst, d)
    return worst


def test_network_between_runs(both):
    ref, got = both(CASE, "network")
    assert ref["sr:n"][0] == 0 and got["sr:n"][0] == 0
    assert len(ref["wr:times"]) > 50
    w = ref["r2:urb_wr:weight"]
    assert np.ptp(w - ref["r0:urb_wr:weight"]) > 0.1  # the rule did change weights
    print(_compare(ref, got, 1e-9))


def test_status(both):
    ref, got = both(CASE, "status")
    _compare(ref, got, 0.0)


def test_error_classes(both):
    ref, got = both(CASE, "errors")
    assert got["errors"].tolist() == ref["errors"].tolist()
    assert {"NotImplemented", "BadProperty", "IllegalConnection"} <= set(ref["errors"].tolist())
