"""Jonke STDP with shared parameters (jonke_synapse) against NEST in the same run: every connection
value between Simulate calls and the delivered PSCs within 1e-9 relative (spikes of multiplicity
2 and 3 included), driven neurons' spikes identical, error classes as NEST (one run serves the
STDP families together)."""
import numpy as np

from _plastic_compare import JONKE, STDP_DRIVEN, STDP_ERRORS, STDP_RULES, compare_rules

MODEL = JONKE


def _mine(d: dict) -> dict:
    return {k: v for k, v in d.items() if k.split(":", 1)[0].removesuffix("_v") == MODEL}


def test_rules_between_runs(both):
    ref, got = both("plastic_rules.py", "rules", **STDP_RULES)
    assert np.ptp(ref[f"{MODEL}_v:weight"]) > 0.5  # the weights did change
    print(compare_rules(_mine(ref), _mine(got), [MODEL]))


def test_driven_neurons(both):
    ref, got = both("plastic_rules.py", "driven", **STDP_DRIVEN)
    for k in ("times", "senders"):
        np.testing.assert_array_equal(got[f"{MODEL}:{k}"], ref[f"{MODEL}:{k}"])
    assert len(ref[f"{MODEL}:times"]) > 20
    print(compare_rules(_mine(ref), _mine(got), [MODEL]))


def test_errors(both):
    ref, got = both("plastic_rules.py", "errors", cases=STDP_ERRORS)
    mine = [i for i, c in enumerate(STDP_ERRORS) if c[1] == MODEL]
    assert got["errors"][mine].tolist() == ref["errors"][mine].tolist()
    assert "BadProperty" in ref["errors"][mine].tolist()
