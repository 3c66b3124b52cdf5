"""Frozen neurons against NEST in the same run (cases/frozen.py)."""
import numpy as np
import pytest


@pytest.mark.parametrize("delays, freeze_at, thaw_at", [
    ((1.0,), 0.0, 5.0),           # held input read at its slot's first update after the thaw
    ((1.0,), 0.0, 6.0),           # thawed on the slot's own step: read one ring later
    ((0.3, 0.5), 1.0, 7.4),       # min_delay + max_delay (8 steps) not whole min_delay slices
    ((2.0, 0.1), 2.0, 3.0),       # min_delay = resolution
])
def test_frozen_neurons_hold_their_state_and_input(both, delays, freeze_at, thaw_at):
    ref, got = both("frozen.py", delays=delays, freeze_at=freeze_at, thaw_at=thaw_at)
    for k in ("flags", "errors", "senders", "times", "spike_senders", "spike_times"):
        assert got[k].tolist() == ref[k].tolist(), k
    for k in ("held", "V_m", "I_syn_ex"):
        np.testing.assert_allclose(got[k], ref[k], rtol=1e-12, atol=1e-12, err_msg=k)
    assert ref["flags"].tolist() == [True, False, True, False]
    assert ref["errors"].tolist() == ["BadProperty", "BadProperty", "TypeMismatch"]
    assert len(ref["spike_times"]) > 3
