"""izhikevich against NEST in the same run, through the whole kernel (Create, Connect,
generators, multimeter, spike_recorder, GetDefaults, GetStatus, SetStatus between runs).
NEST's Euler update is reproduced operation for operation; XLA's FMA contraction leaves ulps
(bit-exact without it); 1e-9 is asserted."""
import pytest

from _model_compare import compare


@pytest.mark.parametrize("resolution", [0.1, 1.0])
def test_izhikevich(both, resolution):
    ref, got = both("izhikevich.py", resolution=resolution)
    assert len(ref["sr_times"]) >= 5
    worst = compare(ref, got, tol_v=1e-9, tol_rel=1e-9, v_keys=())
    print(resolution, {k: f"{v:.1e}" for k, v in worst.items() if v})
