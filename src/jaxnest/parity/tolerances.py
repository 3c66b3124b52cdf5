"""The tolerance categories of DESIGN.md, in one table used by tests and the harness.

A adaptive-solver trace · B exact-propagator trace · C conductance/coupled trace ·
D distributional (PRNG-divergent) · E spike times / event counts.

Which category a recorded quantity falls in is decided here, once: :func:`trace_category` for
a sampled trace of a model, ``E`` for spikes of a deterministic script, ``D`` for anything that
changes with NEST's ``rng_seed``.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    name: str
    what: str
    atol: float        # absolute tolerance on traces (mV, pA, nS) or on spike times (ms)
    rtol: float = 0.0  # relative tolerance (distributional: relative difference of statistics)
    steps: int = 0     # E: spike times may differ by this many resolution steps
    count_atol: int = 0  # E: per-sender spike counts may differ by this much
    z: float = 0.0     # D: or agree within z standard errors of the seed-to-seed spread


CATEGORIES = {
    "A": Category("A", "adaptive-solver trace (NEST integrates with GSL RKF45)", atol=1e-3),
    "B": Category("B", "exact-propagator trace", atol=1e-6),
    "C": Category("C", "conductance / coupled trace", atol=1e-3, rtol=1e-6),
    "D": Category("D", "distributional: rates, counts, CV over seeds", atol=0.0, rtol=0.05,
                  z=3.0),
    "E": Category("E", "spike times and event counts", atol=1e-9, steps=1, count_atol=1),
}

# Category of each model's traces.
MODEL_CATEGORY = {
    "iaf_psc_alpha": "B", "iaf_psc_exp": "B", "iaf_psc_delta": "B", "parrot_neuron": "E",
    "iaf_cond_alpha": "A", "iaf_cond_exp": "A",
}

# Model-name patterns for models without an entry above, first match wins.
_PREFIX_CATEGORY = (
    ("iaf_psc_", "B"), ("iaf_cond_", "A"), ("aeif_", "A"), ("hh_", "A"), ("gif_cond", "A"),
    ("glif_cond", "A"), ("ht_neuron", "A"), ("iaf_chxk", "A"), ("iaf_bw_", "A"),
    ("parrot_neuron", "E"), ("_gap", "C"), ("_ipn", "C"), ("_opn", "C"), ("rate_", "C"),
)


def model_category(model: str | None) -> str:
    """Category of the traces of ``model`` (C when nothing more specific is known)."""
    if not model:
        return "C"
    if model in MODEL_CATEGORY:
        return MODEL_CATEGORY[model]
    for pattern, cat in _PREFIX_CATEGORY:
        if model.startswith(pattern) or (pattern.startswith("_") and pattern in model):
            return cat
    return "C"


def trace_category(model: str | None, recordable: str) -> str:
    """Category for recordable ``recordable`` sampled from a ``model`` node.

    Conductances (``g_*``) of exact-propagator models are exact too; traces of models whose
    only state is spikes (parrots) fall back to C.
    """
    cat = model_category(model)
    return "C" if cat in ("D", "E") else cat


def spike_category(deterministic: bool) -> str:
    """E for spikes of a run that does not depend on the seed, D otherwise."""
    return "E" if deterministic else "D"


# Names whose presence in a script makes its results seed-dependent; used only when a single
# seed was run and the seed dependence cannot be measured.
STOCHASTIC_NAMES = (
    "poisson_generator", "noise_generator", "mip_generator", "gamma_sup_generator",
    "ppd_sup_generator", "sinusoidal_poisson_generator", "sinusoidal_gamma_generator",
    "inhomogeneous_poisson_generator", "pp_psc_delta", "pp_cond_exp_mc_urbanczik",
    "ginzburg_neuron", "erfc_neuron", "mcculloch_pitts_neuron", "bernoulli_synapse",
    "quantal_stp_synapse", "pairwise_bernoulli", "pairwise_poisson", "fixed_indegree",
    "fixed_outdegree", "fixed_total_number", "symmetric_pairwise_bernoulli", "nest.random",
    "random.", "np.random", "numpy.random", "spike_dilutor",
)


def looks_stochastic(source: str) -> bool:
    """Whether a script's text names something random (a fallback for single-seed runs)."""
    return any(name in source for name in STOCHASTIC_NAMES)
