"""gif_* against NEST through the whole API: with a steep escape the models are deterministic
(traces within 1e-9, spikes identical); with escape noise, the mean spike count and the ISI
CV of 200 neurons agree within 4 standard errors (the CV's from a bootstrap over neurons)."""
import numpy as np
import pytest

from _model_compare import compare

MODELS = ["gif_psc_exp", "gif_cond_exp", "gif_psc_exp_multisynapse",
          "gif_cond_exp_multisynapse"]


@pytest.mark.parametrize("model", MODELS)
def test_steep_escape_through_api(both, model):
    ref, got = both("gif.py", model=model)
    assert len(ref["sr_times"]) >= 5
    worst = compare(ref, got, tol_v=1e-9, tol_rel=1e-9)
    print(model, max(worst.values()))


def cv_and_se(counts, isis, n_boot=300):
    """Pooled ISI CV and its bootstrap standard error over neurons (isis in neuron order)."""
    per = np.split(isis, np.cumsum(np.maximum(counts - 1, 0))[:-1])
    rng = np.random.default_rng(0)

    def cv(idx):
        x = np.concatenate([per[i] for i in idx])
        return x.std() / x.mean()

    boots = [cv(rng.integers(0, len(per), len(per))) for _ in range(n_boot)]
    return cv(range(len(per))), float(np.std(boots))


@pytest.mark.parametrize("model", ["gif_psc_exp", "gif_cond_exp_multisynapse"])
def test_escape_noise_population(both, model):
    ref, got = both("gif.py", "population", model=model, seed=3)
    c1, c2 = ref["counts"].astype(float), got["counts"].astype(float)
    se = np.hypot(c1.std(ddof=1), c2.std(ddof=1)) / np.sqrt(c1.size)
    assert c1.mean() > 5 and abs(c1.mean() - c2.mean()) <= 4 * se, (c1.mean(), c2.mean(), se)
    cv1, s1 = cv_and_se(ref["counts"], ref["isis"])
    cv2, s2 = cv_and_se(got["counts"], got["isis"])
    assert abs(cv1 - cv2) <= 4 * np.hypot(s1, s2), (cv1, cv2, s1, s2)
