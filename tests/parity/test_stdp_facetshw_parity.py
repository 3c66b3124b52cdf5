"""stdp_facetshw_synapse_hom (and its variants): defaults as NEST (keys, values, look-up
tables) after SetDefaults and CopyModel; its connections can be made and read, simulating them
raises errors.NotImplemented until the kernel gives rules vector-valued shared parameters and
shared synapse counts."""
import pytest

import jaxnest
from _plastic_compare import compare_rules

F = "stdp_facetshw_synapse_hom"
MODELS = [F, F + "_hpc", F + "_lbl"]


def test_defaults(both):
    ref, got = both("plastic_rules.py", "variants", models=MODELS, connect=False)
    compare_rules(ref, got, MODELS, skip=("vectors",))
    for m in MODELS:
        assert got[f"{m}:vectors"].tolist() == ref[f"{m}:vectors"].tolist()


@pytest.mark.parametrize("model", MODELS)
def test_simulate_is_not_implemented(model):
    jaxnest.ResetKernel()
    jaxnest.SetDefaults(model, {"tau_plus": 10.0, "lookuptable_0": list(range(16))})
    assert jaxnest.GetDefaults(model, "tau_plus") == 10.0
    n = jaxnest.Create("parrot_neuron", 2)
    jaxnest.Connect(n[0], n[1], syn_spec={"synapse_model": model, "weight": 0.372})
    c = jaxnest.GetConnections()
    assert c.get("weight") == 0.372 and c.get("synapse_model") == model
    with pytest.raises(jaxnest.errors.NotImplemented, match=model):
        jaxnest.Simulate(1.0)
