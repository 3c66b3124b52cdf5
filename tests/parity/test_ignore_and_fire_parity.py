"""ignore_and_fire against NEST in the same run, through the whole kernel: spike times exact
(before and after a SetStatus of phase and rate), defaults and status as NEST's."""
import pytest

from _model_compare import compare


@pytest.mark.parametrize("resolution", [0.1, 0.125])
def test_ignore_and_fire(both, resolution):
    ref, got = both("ignore_and_fire.py", resolution=resolution)
    assert len(ref["sr_times"]) >= 40
    compare(ref, got)
