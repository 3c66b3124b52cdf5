"""iaf_cond_exp_sfa_rr against NEST in the same run, through the whole kernel (Create, Connect,
generators, multimeter, spike_recorder, GetDefaults, GetStatus, SetStatus between runs).
GSL's rkf45 is reproduced step for step: traces agree to ~1e-13; 1e-9 is asserted."""
import pytest

from _model_compare import compare


@pytest.mark.parametrize("resolution", [0.1, 0.25])
def test_iaf_cond_exp_sfa_rr(both, resolution):
    ref, got = both("iaf_cond_exp_sfa_rr.py", resolution=resolution)
    assert len(ref["sr_times"]) >= 5
    worst = compare(ref, got, tol_v=1e-9, tol_rel=1e-9)
    print(resolution, {k: f"{v:.1e}" for k, v in worst.items() if v})
