"""glif_psc, glif_psc_double_alpha (exact propagators, category B) and glif_cond (GSL RKF45,
category A) against NEST through the whole API; observed <= 2e-13."""
import pytest

from _model_compare import compare


@pytest.mark.parametrize("model", ["glif_psc", "glif_psc_double_alpha", "glif_cond"])
def test_glif_through_api(both, model):
    ref, got = both("glif.py", model=model)
    assert len(ref["sr_times"]) >= 5
    worst = compare(ref, got, tol_v=1e-9, tol_rel=1e-9)
    print(model, max(worst.values()))
