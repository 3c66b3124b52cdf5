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
