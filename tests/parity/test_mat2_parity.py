"""mat2_psc_exp and amat2_psc_exp against NEST in the same run, through the whole kernel
(Create, Connect, generators, multimeter, spike_recorder, GetDefaults, GetStatus, SetStatus
between runs, the error of setting V_th). Exact propagators: 1e-9 asserted."""
import pytest

from _model_compare import compare


@pytest.mark.parametrize("model", ["mat2_psc_exp", "amat2_psc_exp"])
@pytest.mark.parametrize("resolution", [0.1, 0.25])
def test_mat2(both, model, resolution):
    ref, got = both("mat2.py", model=model, resolution=resolution)
    assert len(ref["sr_times"]) >= 5
    assert ref["set_V_th_error"].tolist() == ["UnaccessedDictionaryEntry"]
    worst = compare(ref, got, tol_v=1e-9, tol_rel=1e-9, v_keys=("mm_V_m", "mm_V_th"))
    print(model, resolution, {k: f"{v:.1e}" for k, v in worst.items() if v})
