"""The PyNEST surface behaves as NEST's: same values, same printing, same error classes."""
import numpy as np
import pytest


@pytest.mark.parametrize("case", ["node_collections", "errors", "defaults_and_models",
                                  "kernel_attributes"])
def test_api_case_matches_nest(both, case):
    ref, got = both("api_semantics.py", case)
    assert set(ref) == set(got)
    for k in ref:
        a, b = ref[k], got[k]
        if a.dtype.kind in "fc":
            np.testing.assert_allclose(b.astype(float), a, rtol=1e-12, err_msg=k)
        else:
            assert a.tolist() == b.tolist(), k


@pytest.mark.parametrize("case", ["time_base", "delay_extrema", "kernel_settings",
                                  "connect_arrays", "node_collection_more", "syn_arrays",
                                  "status_forms", "int_overflow", "slicing_and_misc",
                                  "clock_and_model_limits", "target_threads", "symmetric_arrays",
                                  "stale_node_collections", "weight_recorder_nodes",
                                  "thread_local_ids_at_connect",
                                  "delay_rounding"])
def test_kernel_case_matches_nest(both, case):
    """tics_per_ms/resolution, delay extrema, wfr and thread settings, connect_arrays."""
    ref, got = both("kernel_api.py", case)
    assert set(ref) == set(got)
    for k in ref:
        assert ref[k].tolist() == got[k].tolist(), k
