"""CollocatedSynapses, GetConnections(synapse_label=...) and what a SynapseCollection shows, against
NEST in the same run: the
connection tables of deterministic rules identical, per-spec counts of random and spatial
rules identical (every drawn pair carries each spec once), label selection and its errors as
NEST's."""
import numpy as np


def _same(ref, got, keys=None):
    for k in keys or ref:
        a, b = ref[k], got[k]
        assert a.shape == b.shape, (k, a.shape, b.shape)
        if a.dtype.kind in "fc":
            np.testing.assert_array_equal(b, a, err_msg=k)
        else:
            assert a.tolist() == b.tolist(), k


def test_rules(both):
    ref, got = both("collocated.py", "rules")
    assert ref["all_to_all:num"][0] == 48 and ref["empty:num"][0] == 0
    _same(ref, got)


def test_labels(both):
    ref, got = both("collocated.py", "labels")
    assert len(ref["label3"]) == 2 and "TypeMismatch" in ref["errors"].tolist()
    _same(ref, got)


def test_spatial(both):
    ref, got = both("collocated.py", "spatial")
    assert ref["num"][0] == 17 * 3 * 2
    _same(ref, got, ["num", "neg_weights", "receptors", "label5", "pairs_complete"])
    d_ref, d_got = ref["delays"], got["delays"]
    assert np.sum(d_got == 1.4) == np.sum(d_ref == 1.4) == 17 * 3


def test_rports(both):
    ref, got = both("collocated.py", "rports")
    _same(ref, got)


def test_empty_and_missing(both):
    ref, got = both("collocated.py", "empty")
    _same(ref, got)
