"""correlation_detector and correlomatrix_detector against NEST in the same run: fed
deterministic spike trains, every histogram, count and status value is NEST's exactly."""
import numpy as np
import pytest


def _same(ref: dict, got: dict, prefix: str = ""):
    keys = [k for k in ref if k.startswith(prefix)]
    assert keys
    for k in keys:
        assert k in got, k
        if ref[k].dtype.kind in "fi":
            assert ref[k].shape == got[k].shape, (k, ref[k].shape, got[k].shape)
            np.testing.assert_array_equal(got[k], ref[k], err_msg=k)
        else:
            assert got[k].tolist() == ref[k].tolist(), k


@pytest.mark.parametrize("prefix", ["mid", "cd0", "cd1", "cd2", "cd3"])
def test_correlation_detector_histograms(both, prefix):
    ref, got = both("correlation.py", "detector")
    assert ref[prefix + "_count_histogram"].sum() > 1  # cd1 was reset half way
    _same(ref, got, prefix)


@pytest.mark.parametrize("prefix", ["cm0", "cm1"])
def test_correlomatrix_detector_covariances(both, prefix):
    ref, got = both("correlation.py", "matrix")
    assert ref[prefix + "_count_covariance"].sum() > 10
    _same(ref, got, prefix)


def test_detector_errors_and_fresh_status(both):
    ref, got = both("correlation.py", "errors")
    _same(ref, got)
