"""Comparison shared by the single-model parity tests (hh_traub_gap, clopath, ht_neuron,
iaf_cond_alpha_mc): one case output of NEST against jaxnest's."""
import numpy as np


def compare(ref, got, tol_v=1e-6, tol_rel=1e-6, v_keys=("mm_V_m",)):
    """Exact for spikes, senders, times, keys and defaults; traces (``mm_*``) and the status
    after simulating (``status*``) within the tolerances: absolute (mV) for ``v_keys``,
    relative to max(1, max |x|) for the others. Returns the largest deviation per key."""
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
