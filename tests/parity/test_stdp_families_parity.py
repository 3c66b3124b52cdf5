"""The STDP families that share one NEST run (cases/plastic_rules.py): triplet STDP
(stdp_triplet_synapse), power-law STDP with shared parameters (stdp_pl_synapse_hom), inhibitory
STDP (vogels_sprekeler_synapse) and Jonke's STDP (jonke_synapse), against NEST in the same run:
every connection value between Simulate calls and the delivered PSCs within 1e-9 relative
(spikes of multiplicity 2 and 3 included), driven neurons' spikes identical, error classes as
NEST."""
import numpy as np
import pytest

from _plastic_compare import STDP, STDP_DRIVEN, STDP_ERRORS, STDP_RULES, compare_rules


def _of(model: str, d: dict) -> dict:
    """One model's entries of a run's results (``<model>[_v]:<what>`` keys)."""
    return {k: v for k, v in d.items() if k.split(":", 1)[0].removesuffix("_v") == model}


@pytest.mark.parametrize("model", STDP)
def test_rules_between_runs(both, model):
    ref, got = both("plastic_rules.py", "rules", **STDP_RULES)
    assert np.ptp(ref[f"{model}_v:weight"]) > 0.5  # the weights did change
    print(compare_rules(_of(model, ref), _of(model, got), [model]))


@pytest.mark.parametrize("model", STDP)
def test_driven_neurons(both, model):
    ref, got = both("plastic_rules.py", "driven", **STDP_DRIVEN)
    for k in ("times", "senders"):
        np.testing.assert_array_equal(got[f"{model}:{k}"], ref[f"{model}:{k}"])
    assert len(ref[f"{model}:times"]) > 20
    print(compare_rules(_of(model, ref), _of(model, got), [model]))


@pytest.mark.parametrize("model", STDP)
def test_errors(both, model):
    ref, got = both("plastic_rules.py", "errors", cases=STDP_ERRORS)
    mine = [i for i, c in enumerate(STDP_ERRORS) if c[1] == model]
    assert got["errors"][mine].tolist() == ref["errors"][mine].tolist()
    assert "BadProperty" in ref["errors"][mine].tolist()
