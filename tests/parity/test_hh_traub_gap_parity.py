"""hh_cond_beta_gap_traub against NEST in the same run, through the whole kernel (Create,
Connect, generators, multimeter, spike_recorder, GetDefaults, GetStatus).

The integrator follows GSL's rkf45 step for step; what remains are ulp differences (XLA's
exp and FMA contraction) that the loose step control (eps_abs 1e-3) amplifies across spike
upstrokes: ~1e-10 mV at h = 0.1, ~1e-7 mV at h = 0.25."""
import pytest

from _model_compare import compare


@pytest.mark.parametrize("resolution", [0.1, 0.25])
def test_hh_cond_beta_gap_traub(both, resolution):
    ref, got = both("hh_traub_gap.py", resolution=resolution)
    assert len(ref["sr_times"]) >= 5
    worst = compare(ref, got)
    print(resolution, {k: f"{v:.1e}" for k, v in worst.items() if v})
