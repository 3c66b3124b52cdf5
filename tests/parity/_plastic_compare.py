"""Comparisons for plastic synapse parity tests (cases/plastic_rules.py)."""
import numpy as np

API_GAPS = {
    # keys jaxnest's API shows for every synapse model, NEST not for these (pending in the
    # API layer: per-model 'sizeof'; a shared weight hidden from connections)
    "sizeof": {"stdp_triplet_synapse", "tsodyks_synapse_hom", "quantal_stp_synapse",
               "stdp_facetshw_synapse_hom"},
    "weight": {"tsodyks_synapse_hom"},
}


def rel_dev(a, b) -> float:
    """Largest |a - b| / max(|a|, 1e-12) (0 for empty arrays)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert a.shape == b.shape, (a.shape, b.shape)
    if not a.size:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-12)))


def _strip(keys, model: str, what: str):
    base = model.removesuffix("_hpc").removesuffix("_lbl")
    gaps = {k for k, models in API_GAPS.items() if base in models}
    if what == "defaults":
        gaps.discard("weight")  # NEST shows the shared weight among the defaults
    return [k for k in keys if k not in gaps]


def compare_rules(ref: dict, got: dict, models, rel: float = 1e-9, skip=()) -> dict:
    """Every numeric value within ``rel`` (relative), key lists equal (API gaps aside);
    returns the largest deviation per model."""
    worst = {}
    for k in ref:
        model, what = k.split(":", 1)
        if what in skip:
            continue
        if what in ("keys", "defaults"):
            assert _strip(got[k].tolist(), model, what) == _strip(ref[k].tolist(), model,
                                                                   what), k
            continue
        assert k in got, k
        d = rel_dev(ref[k], got[k])
        assert d <= rel, (k, d)
        base = model.removesuffix("_v")
        worst[base] = max(worst.get(base, 0.0), d)
    extra = [k for k in got if k not in ref and k.split(":", 1)[1] not in API_GAPS]
    assert not extra, extra
    for m in models:
        assert m in worst, m
    return worst
