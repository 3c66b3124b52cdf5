"""pp_psc_delta against NEST through the whole API: a steep rate makes it deterministic
(traces within 1e-9, spikes identical); noisy populations agree in distribution (mean count,
ISI CV, coincident spikes within 4 standard errors); multiplicities reach a parrot."""
import numpy as np
import pytest

from _model_compare import compare
from test_gif_parity import cv_and_se


def test_steep_rate_through_api(both):
    ref, got = both("pp.py")
    assert len(ref["sr_times"]) >= 5
    worst = compare(ref, got, tol_v=1e-9, tol_rel=1e-9)
    print(max(worst.values()))


@pytest.mark.parametrize("variant", ["bernoulli", "poisson", "gamma"])
def test_noise_in_distribution(both, variant):
    ref, got = both("pp.py", "population", variant=variant, seed=4)
    for k in ("counts", "dup"):
        a, b = ref[k].astype(float), got[k].astype(float)
        se = np.hypot(a.std(ddof=1), b.std(ddof=1)) / np.sqrt(a.size)
        assert abs(a.mean() - b.mean()) <= 4 * se + 1e-12, (k, a.mean(), b.mean(), se)
    cv1, s1 = cv_and_se(ref["counts"], ref["isis"])
    cv2, s2 = cv_and_se(got["counts"], got["isis"])
    assert abs(cv1 - cv2) <= 4 * np.hypot(s1, s2), (cv1, cv2, s1, s2)
    assert ref["parrot_ok"] == got["parrot_ok"] == 1
    if variant == "poisson":
        assert ref["dup"].mean() > 1.0
