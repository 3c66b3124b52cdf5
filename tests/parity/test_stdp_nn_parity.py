"""Nearest-neighbour STDP (stdp_nn_symm/pre_centered/restr_synapse) against NEST in the same run:
every connection value between Simulate calls and the delivered PSCs within 1e-9 relative
(spikes of multiplicity 2 and 3 included), driven neurons' spikes identical, error classes as
NEST."""
import numpy as np

from _plastic_compare import compare_rules

MODELS = ["stdp_nn_symm_synapse", "stdp_nn_pre_centered_synapse", "stdp_nn_restr_synapse"]
SYMM, PRE, RESTR = MODELS


def test_rules_between_runs(both):
    kw = dict(models=MODELS, weight={m: 50.0 for m in MODELS},
              copy={SYMM: {"tau_plus": 10.0, "lambda": 0.1, "alpha": 2.0},
                    PRE: {"tau_plus": 10.0, "lambda": 0.1, "mu_plus": 0.5},
                    RESTR: {"lambda": 0.1, "mu_minus": 0.4}},
              spec={SYMM: {"Wmax": 70.0, "mu_plus": 0.3}, PRE: {"Kplus": 2.0, "Wmax": 80.0},
                    RESTR: {"tau_plus": 7.0}},
              setter={SYMM: {"weight": 30.0}, PRE: {"Kplus": 0.5}, RESTR: {"Wmax": 60.0}})
    ref, got = both("plastic_rules.py", "rules", **kw)
    for m in MODELS:
        assert np.ptp(ref[f"{m}_v:weight"]) > 5  # the weights did change
    print(compare_rules(ref, got, MODELS))


def test_driven_neurons(both):
    spec = {m: {"weight": 60.0, "Wmax": 150.0, "lambda": 0.05} for m in MODELS}
    ref, got = both("plastic_rules.py", "driven", models=MODELS, spec=spec)
    for m in MODELS:
        np.testing.assert_array_equal(got[f"{m}:times"], ref[f"{m}:times"])
        np.testing.assert_array_equal(got[f"{m}:senders"], ref[f"{m}:senders"])
        assert len(ref[f"{m}:times"]) > 20
    print(compare_rules(ref, got, MODELS))


def test_errors(both):
    cases = []
    for m in MODELS:
        cases += [("connect", m, {"weight": -1.0}), ("connect", m, {"weight": -1.0, "Wmax": 5.0}),
                  ("connect", m, {"weight": -0.0, "Wmax": 5.0}),
                  ("connect", m, {"Wmax": -5.0, "weight": -2.0}),
                  ("connect", m, {"no_such": 1.0}), ("set", m, {"Wmax": -2.0}),
                  ("set", m, {"tau_plus": 3.0}), ("defaults", m, {"Wmax": -3.0}),
                  ("copy", m, {"weight": -3.0}), ("set", m, {"Kplus": 1.0})]
    cases += [("connect", PRE, {"Kplus": -1.0}), ("set", PRE, {"Kplus": -1.0})]
    ref, got = both("plastic_rules.py", "errors", cases=cases)
    assert got["errors"].tolist() == ref["errors"].tolist()
    assert "BadProperty" in ref["errors"].tolist()
