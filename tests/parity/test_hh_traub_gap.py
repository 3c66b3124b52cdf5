"""hh_cond_beta_gap_traub against NEST in the same run, through the whole kernel (Create,
Connect, generators, multimeter, spike_recorder, GetDefaults, GetStatus).

The integrator follows GSL's rkf45 step for step; what remains are ulp differences (XLA's
exp and FMA contraction) that the loose step control (eps_abs 1e-3) amplifies across spike
upstrokes: ~1e-9 mV."""
import numpy as np
import pytest

TOL_V = 1e-6  # mV
TOL_REL = 1e-6  # other traces, relative to max(1, max |x|)


def compare(ref, got, tol_v=TOL_V, tol_rel=TOL_REL, v_keys=("mm_V_m",)):
    """Exact for spikes, senders, times, keys and defaults; traces and the status after
    simulating within the tolerances."""
    worst = {}
    for k in ref:
        assert k in got, k
        r, g = np.asarray(ref[k]), np.asarray(got[k])
        assert r.shape == g.shape, (k, r.shape, g.shape)
        if r.dtype.kind in "US":
            assert r.tolist() == g.tolist(), k
            continue
        r, g = r.astype(float), g.astype(float)
        assert (np.isnan(r) == np.isnan(g)).all(), k
        d = float(np.max(np.abs(r - g), initial=0.0, where=~np.isnan(r)))
        traced = k.startswith(("mm_", "status"))  # state after simulating: a trace value
        if traced and k not in v_keys + ("mm_times", "mm_senders"):
            d /= max(1.0, float(np.nanmax(np.abs(r), initial=0.0)))
        tol = tol_v if k in v_keys else tol_rel if traced else 0.0
        assert d <= tol, (k, d)
        worst[k] = d
    return worst


@pytest.mark.parametrize("resolution", [0.1, 0.25])
def test_hh_cond_beta_gap_traub(both, resolution):
    ref, got = both("hh_traub_gap.py", resolution=resolution)
    assert len(ref["sr_times"]) >= 5
    worst = compare(ref, got)
    print(resolution, {k: f"{v:.1e}" for k, v in worst.items() if v})
