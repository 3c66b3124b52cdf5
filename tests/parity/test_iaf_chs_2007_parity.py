"""iaf_chs_2007 against NEST in the same run, through the whole kernel (Create, Connect,
spike generators, multimeter, spike_recorder, GetDefaults, GetStatus, SetStatus between
runs). Exact propagators: 1e-9 asserted. The ``noise`` list through the kernel:
tests/parity/test_api_models.py."""
import pytest

from _model_compare import compare


@pytest.mark.parametrize("resolution", [0.1, 0.25])
def test_iaf_chs_2007(both, resolution):
    ref, got = both("iaf_chs_2007.py", resolution=resolution)
    assert len(ref["sr_times"]) >= 5
    assert ref["noise_in_defaults"].tolist() == [True]
    worst = compare(ref, got, tol_v=1e-9, tol_rel=1e-9)
    print(resolution, {k: f"{v:.1e}" for k, v in worst.items() if v})
