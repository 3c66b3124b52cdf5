"""iaf_chxk_2008 against NEST through the whole API: the defaults (keys, values, recordables)
as NEST's, and a run: traces, and its off-grid spikes recorded at stamp - offset (NEST's
spikes lie between grid points). The update alone is checked against NEST in
tests/unit/models/test_iaf_chxk_2008.py; its spikes into a precise neuron in
test_precise_parity.py."""
import numpy as np

from _model_compare import compare


def test_iaf_chxk_2008_defaults(both):
    ref, got = both("iaf_chxk_2008.py", "defaults")
    compare(ref, got)


def test_iaf_chxk_2008_off_grid_spikes(both):
    ref, got = both("iaf_chxk_2008.py")
    t = np.asarray(ref["sr_times"])
    assert t.size >= 3 and np.any(np.abs(t / 0.1 - np.rint(t / 0.1)) > 1e-6)  # off the grid
    t_r, t_g = ref.pop("sr_times"), got.pop("sr_times")
    assert t_r.shape == t_g.shape and np.max(np.abs(t_r - t_g)) < 1e-9  # precise times (ms)
    compare(ref, got, tol_v=1e-8, tol_rel=1e-8)
