"""iaf_tum_2000 and iaf_bw_2001 against NEST: defaults, traces and spikes of small networks
whose spikes carry a payload in the offset field (recorded as NEST records it: stamp - value),
connection rules and bad values. iaf_tum_2000 is exact integration, iaf_bw_2001 GSL's rkf45
(reproduced by odeint): traces within 1e-9 relative, spike steps identical, offsets (the
payloads) within 1e-12."""
import numpy as np
import pytest

from _model_compare import compare


@pytest.mark.parametrize("model", ["iaf_tum_2000", "iaf_bw_2001"])
def test_defaults(both, model):
    ref, got = both("payload.py", "defaults", model=model)
    compare(ref, got)


def _spikes_and_traces(ref, got):
    for k in ("sr_senders", "sr_steps"):
        np.testing.assert_array_equal(got.pop(k), ref.pop(k), err_msg=k)
    for k in ("sr_times", "sr_offsets"):
        r, g = ref.pop(k), got.pop(k)
        assert r.shape == g.shape and np.max(np.abs(r - g), initial=0.0) < 1e-12, k
    return compare(ref, got, tol_v=1e-9, tol_rel=1e-9,
                   v_keys=tuple(k for k in ref if k.endswith("_V_m")))


def test_tum_network(both):
    ref, got = both("payload.py", "tum")
    assert ref["sr_times"].size > 20 and np.all(ref["sr_offsets"] > 0)
    assert np.unique(ref["sr_senders"]).size == 5  # every neuron fires
    assert bool(got["off_grid_spiking"][0])
    _spikes_and_traces(ref, got)


def test_bw_network(both):
    ref, got = both("payload.py", "bw")
    assert ref["sr_times"].size > 20 and np.all(ref["sr_offsets"] > 0)
    assert np.unique(ref["sr_senders"]).size == 4
    assert np.max(ref["mm_bw_s_NMDA"]) > 0.5  # the NMDA payload drives the network
    _spikes_and_traces(ref, got)


def test_errors(both):
    ref, got = both("payload.py", "errors")
    assert len(set(ref["errors"].tolist())) >= 3
    assert got["errors"].tolist() == ref["errors"].tolist()
