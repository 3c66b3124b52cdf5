"""iaf_psc_exp_htum against NEST in the same run, through the whole kernel (Create, Connect,
generators, multimeter, spike_recorder, GetDefaults, GetStatus, SetStatus between runs).

Exact propagators: 1e-9 asserted. NEST's multimeter records this model's V_m relative to E_L
(GetStatus shows it absolute), and so does jaxnest's (the recordable reads the hidden
relative potential y3); the run changes E_L between the two Simulate calls."""
import pytest

from _model_compare import compare


@pytest.mark.parametrize("resolution", [0.1, 0.25])
def test_iaf_psc_exp_htum(both, resolution):
    ref, got = both("iaf_psc_exp_htum.py", resolution=resolution)
    assert len(ref["sr_times"]) >= 5
    worst = compare(ref, got, tol_v=1e-9, tol_rel=1e-9)
    print(resolution, {k: f"{v:.1e}" for k, v in worst.items() if v})
