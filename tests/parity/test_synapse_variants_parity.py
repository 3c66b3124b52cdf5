"""The _hpc and _lbl variants of every synapse model jaxnest has, against NEST in the same run:
defaults (keys and values) and connection keys as NEST (API gaps aside), labels given at
Connect, by set() and by SetDefaults as NEST, variants' plasticity within 1e-9 of NEST with
driven neurons' spikes identical, label errors as NEST."""
import numpy as np

import jaxnest
from _plastic_compare import compare_rules
from jaxnest.models.nest_names import SYNAPSE_MODELS

BASES = ["static_synapse", "static_synapse_hom_w", "stdp_synapse", "stdp_synapse_hom",
         "stdp_pl_synapse_hom", "stdp_nn_symm_synapse", "stdp_nn_pre_centered_synapse",
         "stdp_nn_restr_synapse", "stdp_triplet_synapse", "vogels_sprekeler_synapse",
         "jonke_synapse", "tsodyks_synapse", "tsodyks_synapse_hom", "tsodyks2_synapse",
         "quantal_stp_synapse", "ht_synapse", "bernoulli_synapse"]
VARIANTS = [b + s for b in BASES for s in ("_hpc", "_lbl") if b + s in SYNAPSE_MODELS]


def test_every_variant_registered():
    have = set(jaxnest.synapse_models)
    assert len(VARIANTS) == 34 and set(VARIANTS) <= have
    for m in have:  # each model jaxnest has comes with the variants NEST has of it
        for s in ("_hpc", "_lbl"):
            assert m + s not in SYNAPSE_MODELS or m + s in have, m + s


def test_defaults_keys_and_labels(both):
    ref, got = both("plastic_rules.py", "variants", models=VARIANTS)
    print(compare_rules(ref, got, VARIANTS))
    for m in VARIANTS:
        if m.endswith("_lbl"):
            assert ref[f"{m}:labels"].tolist() == [7, 5, 3]


def test_variants_plasticity(both):
    models = ["stdp_synapse_hpc", "stdp_nn_symm_synapse_lbl", "stdp_triplet_synapse_hpc",
              "tsodyks2_synapse_lbl", "static_synapse_lbl"]
    spec = {"stdp_synapse_hpc": {"weight": 60.0, "Wmax": 150.0, "lambda": 0.05},
            "stdp_nn_symm_synapse_lbl": {"weight": 60.0, "Wmax": 150.0, "lambda": 0.05,
                                         "synapse_label": 4},
            "stdp_triplet_synapse_hpc": {"weight": 60.0, "Wmax": 150.0, "Aplus": 1.0,
                                         "Aminus": 1.2},
            "tsodyks2_synapse_lbl": {"weight": 300.0, "U": 0.2, "u": 0.2, "tau_fac": 50.0,
                                     "tau_rec": 40.0},
            "static_synapse_lbl": {"weight": 20.0, "synapse_label": 2}}
    ref, got = both("plastic_rules.py", "driven", models=models, spec=spec)
    for m in models:
        for k in ("times", "senders"):
            np.testing.assert_array_equal(got[f"{m}:{k}"], ref[f"{m}:{k}"])
    print(compare_rules(ref, got, models))


def test_label_errors(both):
    cases = [("connect", "stdp_synapse_lbl", {"synapse_label": -3}),
             ("connect", "static_synapse_lbl", {"synapse_label": 2.5}),
             ("connect", "tsodyks2_synapse_lbl", {"synapse_label": 4, "U": 2.0}),
             ("connect", "static_synapse", {"synapse_label": 4}),
             ("connect", "stdp_synapse_hpc", {"synapse_label": 4}),
             ("defaults", "static_synapse_hpc", {"synapse_label": 4}),
             ("defaults", "static_synapse_lbl", {"synapse_label": 4}),
             ("set", "stdp_synapse_lbl", {"synapse_label": -2}),
             ("set", "ht_synapse_lbl", {"synapse_label": 9}),
             ("connect", "jonke_synapse_hpc", {"tau_plus": 3.0}),
             ("connect", "static_synapse_hom_w_lbl", {"weight": 3.0}),
             ("connect", "static_synapse_hom_w_hpc", {"weight": 3.0})]
    ref, got = both("plastic_rules.py", "errors", cases=cases)
    assert got["errors"].tolist() == ref["errors"].tolist()
