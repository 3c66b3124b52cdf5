"""Disconnect against NEST in the same run: what remains, errors, and the spikes after."""
import numpy as np


def test_disconnect_rules_collections_and_dynamics(both):
    ref, got = both("disconnect.py")
    for k in ("counts", "errors", "src", "tgt", "w", "senders", "times"):
        assert got[k].tolist() == ref[k].tolist(), k
    assert len(ref["times"]) > 5
