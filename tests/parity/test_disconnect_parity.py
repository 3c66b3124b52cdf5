"""Disconnect against NEST in the same run: what remains, errors, and the spikes after."""
import numpy as np


def test_disconnect_rules_collections_and_dynamics(both):
    ref, got = both("disconnect.py")
    for k in ("counts", "errors", "src", "tgt", "w", "senders", "times"):
        assert got[k].tolist() == ref[k].tolist(), k
    assert len(ref["times"]) > 5


def test_collections_keep_their_length_after_disconnect(both):
    ref, got = both("disconnect.py", "stale_collections")
    for k in ("lens", "again", "kept", "left"):
        assert got[k].tolist() == ref[k].tolist(), k
    assert ref["lens"].tolist() == [16, 14, 16] and "InexistentConnection" in ref["again"]
