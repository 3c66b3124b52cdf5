"""Short-term plasticity (tsodyks_synapse, tsodyks_synapse_hom, tsodyks2_synapse, ht_synapse,
quantal_stp_synapse) against NEST in the same run: every connection value between Simulate
calls and the delivered PSCs within 1e-9 relative (spikes of multiplicity 2 and 3 included),
error classes as NEST; quantal release in distribution over 20 seeds (4 SE)."""
import numpy as np

from _plastic_compare import compare_rules, rel_dev, same_mean

TS, HOM, TS2, HT, Q = ("tsodyks_synapse", "tsodyks_synapse_hom", "tsodyks2_synapse",
                       "ht_synapse", "quantal_stp_synapse")
DETERMINISTIC = [TS, HOM, TS2, HT]
QUANTAL = {"n": 5, "a": 5, "U": 0.3, "u": 0.3, "tau_rec": 30.0, "tau_fac": 10.0}


def test_rules_between_runs(both):
    kw = dict(models=DETERMINISTIC, weight={TS: 250.0, TS2: 250.0, HT: 250.0},
              copy={TS: {"U": 0.2, "tau_fac": 30.0, "tau_rec": 50.0, "tau_psc": 2.0},
                    HOM: {"U": 0.2, "tau_fac": 30.0, "tau_rec": 50.0, "tau_psc": 2.0,
                          "weight": 300.0},
                    TS2: {"U": 0.1, "u": 0.1, "tau_fac": 40.0, "tau_rec": 60.0},
                    HT: {"tau_P": 30.0, "delta_P": 0.3}},
              spec={TS: {"x": 0.7, "y": 0.2, "u": 0.1, "tau_rec": 20.0},
                    HOM: {"x": 0.6, "y": 0.1, "u": 0.3},
                    TS2: {"x": 0.8, "u": 0.3, "tau_rec": 25.0}, HT: {"P": 0.5, "tau_P": 40.0}},
              setter={TS: {"u": 0.9}, HOM: {"x": 0.3}, TS2: {"x": 0.5}, HT: {"P": 0.2}})
    ref, got = both("plastic_rules.py", "rules", **kw)
    for m in DETERMINISTIC:
        assert np.ptp(ref[f"{m}:V_m"]) > 1e-3 and np.ptp(ref[f"{m}:V_m_mult"]) > 1e-3
    assert np.ptp(ref[f"{TS}_v:u"]) > 0.05 and np.ptp(ref[f"{TS2}:x"]) > 0.1
    print(compare_rules(ref, got, DETERMINISTIC))


def test_errors(both):
    cases = [("connect", TS, {"x": 0.8, "y": 0.5}), ("connect", TS, {"U": 1.5}),
             ("connect", TS, {"tau_psc": 0.0}), ("connect", TS, {"tau_rec": -1.0}),
             ("connect", TS, {"tau_fac": -1.0}), ("connect", TS, {"u": 2.0}),
             ("connect", TS, {"weight": -5.0}), ("set", TS, {"x": 0.9, "y": 0.2}),
             ("defaults", TS, {"U": -0.1}), ("copy", TS, {"tau_psc": -1.0}),
             ("connect", HOM, {"U": 0.3}), ("connect", HOM, {"weight": 2.0}),
             ("defaults", HOM, {"U": 2.0}), ("defaults", HOM, {"tau_psc": 0.0}),
             ("defaults", HOM, {"tau_fac": -1.0}), ("connect", HOM, {"x": 0.9, "y": 0.2}),
             ("connect", HOM, {"u": 5.0}), ("set", HOM, {"u": 5.0}), ("set", HOM, {"U": 0.1}),
             ("connect", TS2, {"U": 2.0}), ("connect", TS2, {"u": -1.0}),
             ("connect", TS2, {"tau_rec": 0.0}), ("connect", TS2, {"tau_fac": -1.0}),
             ("connect", TS2, {"x": 5.0}), ("set", TS2, {"u": 1.5}),
             ("connect", HT, {"tau_P": 0.0}), ("connect", HT, {"delta_P": 2.0}),
             ("connect", HT, {"P": -1.0}), ("defaults", HT, {"P": 1.5}),
             ("set", HT, {"delta_P": -0.5}),
             ("connect", Q, {"n": 2.5}), ("connect", Q, {"U": 2.0}), ("connect", Q, {"u": -2.0}),
             ("connect", Q, {"tau_rec": 0.0}), ("connect", Q, {"tau_fac": -1.0}),
             ("connect", Q, {"n": 3, "a": 7}), ("set", Q, {"a": 1.5}),
             ("defaults", Q, {"U": 1.1})]
    ref, got = both("plastic_rules.py", "errors", cases=cases)
    assert got["errors"].tolist() == ref["errors"].tolist()
    assert {"BadProperty", "NotImplemented", "RuntimeError", "none"} <= set(ref["errors"])


def test_quantal_release_in_distribution(both):
    ref, got = both("stochastic_release.py", "release", model=Q, spec=QUANTAL,
                    seeds=list(range(1, 21)))
    z = same_mean(ref["windows"], got["windows"])  # released weight per window
    z = max(z, same_mean(ref["state_mean"][:, 0], got["state_mean"][:, 0]))  # sites left
    z = max(z, same_mean(ref["state_var"][:, 0], got["state_var"][:, 0]))
    assert rel_dev(ref["state_mean"][:, 1], got["state_mean"][:, 1]) < 1e-9  # u: no chance
    print("largest |z|", z)


def test_quantal_and_bernoulli_exact_cases(both):
    """u = 1 with all sites ready releases all; p_transmit 0 and 1 (multiplicity 2, 3)."""
    ref, got = both("stochastic_release.py", "exact")
    for k in ("p0", "p1", "q1"):
        assert rel_dev(ref[k], got[k]) < 1e-9, k
    assert np.all(ref["p0"] == 0) and np.all(got["p0"] == 0)
    assert ref["p1"][-1] > 40 and ref["q1"][-1] > 60
