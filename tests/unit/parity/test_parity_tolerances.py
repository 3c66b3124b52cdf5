"""The tolerance table: which category each model's traces and each spike train get."""
from jaxnest.parity.tolerances import (CATEGORIES, looks_stochastic, model_category,
                                       spike_category, trace_category)


def test_table_has_all_categories_and_keeps_fields_tests_use():
    assert set(CATEGORIES) == set("ABCDE")
    assert CATEGORIES["B"].atol < CATEGORIES["A"].atol
    assert CATEGORIES["E"].steps == 1


def test_categories_by_model_family():
    assert trace_category("iaf_psc_alpha", "V_m") == "B"
    assert trace_category("iaf_psc_exp_multisynapse", "V_m") == "B"
    assert trace_category("iaf_cond_beta", "g_ex") == "A"
    assert trace_category("aeif_cond_exp", "w") == "A"
    assert trace_category("hh_cond_beta_gap_traub", "V_m") == "A"
    assert model_category("lin_rate_ipn") == "C"
    assert trace_category("parrot_neuron", "V_m") == "C"   # E is for spikes, not traces
    assert trace_category(None, "V_m") == "C"


def test_spike_category_by_seed_dependence():
    assert spike_category(True) == "E" and spike_category(False) == "D"


def test_stochastic_guess():
    assert looks_stochastic('nest.Create("poisson_generator")')
    assert looks_stochastic('conn = {"rule": "fixed_indegree", "indegree": 3}')
    assert not looks_stochastic('nest.Create("dc_generator")')
