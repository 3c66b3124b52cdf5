"""stdp_facetshw_synapse_hom (and its variants): defaults as NEST (keys, values, look-up
tables) after SetDefaults and CopyModel; the rule (charges, readouts through the look-up
tables, synapse ids and counts) against NEST in the same run; more synapses than one driver
takes is NotImplemented."""
import numpy as np
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


def test_rule_matches_nest(both):
    ref, got = both("plastic_rules.py", "facetshw")
    assert sorted(got) == sorted(ref)
    for k in ref:
        np.testing.assert_allclose(got[k], ref[k], rtol=1e-12, atol=1e-12, err_msg=k)
    last = max(int(k.split(":")[0]) for k in ref if ":" in k)
    weights = {w for k in ref if k.endswith(":weight") for w in ref[k].tolist()}
    assert len(weights) > 4  # the tables acted, up and down
    assert sorted(ref[f"{last}:synapse_id"].tolist()) == [0, 0, 1, 1]
    assert len(ref["parrot_spikes"]) > 10


@pytest.mark.parametrize("model", MODELS)
def test_more_synapses_than_a_driver_is_not_implemented(model):
    jaxnest.ResetKernel()
    jaxnest.SetDefaults(model, {"synapses_per_driver": 2, "lookuptable_0": list(range(16))})
    n = jaxnest.Create("parrot_neuron", 4)
    jaxnest.Connect(n[:3], n[3], syn_spec={"synapse_model": model, "weight": 0.372})
    c = jaxnest.GetConnections()
    assert c.get("weight") == [0.372] * 3 and c.get("synapse_model") == [model] * 3
    with pytest.raises(jaxnest.errors.NotImplemented, match=model):
        jaxnest.Simulate(1.0)


def test_a_full_driver_runs_on():
    """Connections that have their synapse_id do not count again: a model whose driver is
    full keeps simulating."""
    jaxnest.ResetKernel()
    jaxnest.SetDefaults(F, {"synapses_per_driver": 2})
    sg = jaxnest.Create("spike_generator", params={"spike_times": [1.0, 2.0, 8.0]})
    n = jaxnest.Create("parrot_neuron", 3)
    jaxnest.Connect(sg, n[:2])
    jaxnest.Connect(n[:2], n[2], "all_to_all", {"synapse_model": F})
    for _ in range(3):
        jaxnest.Simulate(5.0)
    assert jaxnest.GetDefaults(F, "no_synapses") == 2
    assert sorted(jaxnest.GetConnections(synapse_model=F).get("synapse_id")) == [0, 1]
