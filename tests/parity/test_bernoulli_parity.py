"""bernoulli_synapse against NEST: transmitted weight per window in distribution over 20 seeds
(4 SE), p_transmit 0 and 1 exact (multiplicity 2 and 3 included), error classes as NEST."""
import numpy as np

from _plastic_compare import rel_dev, same_mean

B = "bernoulli_synapse"


def test_transmission_in_distribution(both):
    ref, got = both("stochastic_release.py", "release", model=B,
                    spec={"p_transmit": 0.35, "weight": 1.5}, seeds=list(range(1, 21)))
    total = 1.5 * 40 * 49  # every spike on every connection
    assert 0.25 * total < ref["windows"].sum(1).mean() < 0.45 * total
    print("largest |z|", same_mean(ref["windows"], got["windows"]))


def test_exact_cases(both):
    ref, got = both("stochastic_release.py", "exact")
    for k in ("p0", "p1"):
        assert rel_dev(ref[k], got[k]) < 1e-9, k
    assert np.all(got["p0"] == 0)


def test_errors(both):
    cases = [("connect", B, {"p_transmit": 1.5}), ("connect", B, {"p_transmit": -0.1}),
             ("connect", B, {"p_transmit": 0.0}), ("set", B, {"p_transmit": 2.0}),
             ("defaults", B, {"p_transmit": -1.0}), ("copy", B, {"p_transmit": 1.01}),
             ("connect", B, {"weight": -3.0, "p_transmit": 1.0})]
    ref, got = both("plastic_rules.py", "errors", cases=cases)
    assert got["errors"].tolist() == ref["errors"].tolist()
    assert "BadProperty" in ref["errors"].tolist()
