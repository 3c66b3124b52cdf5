"""Scenarios shared by the NEST subprocess (NEST built-ins) and jaxnest (NESTML models):
one neuron of each model driven by a spike_generator (both signs of weight) and a
dc_generator, V_m sampled every step, spikes recorded. Imports neither nest nor jaxnest."""
from __future__ import annotations

PSC = {"tau_syn_exc": "tau_syn_ex", "tau_syn_inh": "tau_syn_in", "refr_T": "t_ref"}
COND = {**PSC, "E_exc": "E_ex", "E_inh": "E_in"}
"""NESTML -> built-in names of the current- and conductance-based models' parameters."""
PSC_SPIKES = [(5.0, 400.0), (7.3, -250.0), (20.0, 900.0), (60.2, 700.0)]  # pA
COND_SPIKES = [(5.0, 20.0), (7.3, -15.0), (20.0, 60.0), (60.2, 40.0)]  # nS

# NESTML library neuron -> (NEST built-in, NESTML parameter -> built-in parameter, parameters
# of the scenario (NESTML names), spikes [(time ms, weight(, receptor_type))], dc (amplitude pA, start ms) or None,
# parity category)
PAIRS = {
    "iaf_psc_exp_neuron": (
        "iaf_psc_exp", PSC,
        {"I_e": 300.0, "tau_syn_exc": 1.5, "tau_syn_inh": 3.0},
        PSC_SPIKES, (120.0, 40.0), "exact"),
    "iaf_psc_alpha_neuron": (
        "iaf_psc_alpha", PSC,
        {"I_e": 300.0, "tau_syn_exc": 1.5, "tau_syn_inh": 3.0},
        PSC_SPIKES, (120.0, 40.0), "exact"),
    "iaf_psc_delta_neuron": (
        "iaf_psc_delta", {"refr_T": "t_ref"},
        {"I_e": 300.0},
        [(5.0, 4.0), (7.3, -2.5), (20.0, 9.0), (60.2, 7.0)], (120.0, 40.0), "exact"),
    "iaf_cond_exp_neuron": (
        "iaf_cond_exp", COND,
        {"I_e": 250.0},
        COND_SPIKES, (150.0, 40.0), "numeric"),
    "aeif_cond_exp_neuron": (
        "aeif_cond_exp", COND,
        {"I_e": 500.0, "refr_T": 2.0},  # NEST's t_ref defaults to 0 here
        COND_SPIKES, (300.0, 40.0), "numeric"),
    "hh_psc_alpha_neuron": (
        "hh_psc_alpha", PSC,
        {"I_e": 500.0},
        PSC_SPIKES, (300.0, 40.0), "numeric"),
    "iaf_cond_alpha_neuron": (
        "iaf_cond_alpha", COND,
        {"I_e": 250.0},
        COND_SPIKES, (150.0, 40.0), "numeric"),
    "aeif_cond_alpha_neuron": (
        "aeif_cond_alpha", COND,
        {"I_e": 500.0, "refr_T": 2.0},
        COND_SPIKES, (300.0, 40.0), "numeric"),
    "aeif_psc_alpha_neuron": (
        "aeif_psc_alpha", {"tau_exc": "tau_syn_ex", "tau_inh": "tau_syn_in", "refr_T": "t_ref"},
        {"I_e": 500.0, "refr_T": 2.0},
        PSC_SPIKES, (300.0, 40.0), "numeric"),
    "aeif_psc_exp_neuron": (
        "aeif_psc_exp", {"tau_exc": "tau_syn_ex", "tau_inh": "tau_syn_in", "refr_T": "t_ref"},
        {"I_e": 500.0, "refr_T": 2.0},
        PSC_SPIKES, (300.0, 40.0), "numeric"),
    "hh_cond_exp_traub_neuron": (
        "hh_cond_exp_traub", COND,
        {"I_e": 300.0},
        COND_SPIKES, (300.0, 40.0), "numeric"),
    "iaf_psc_exp_2port_neuron": (  # tests/unit/nestml/models: two receptor types
        "iaf_psc_exp_multisynapse", {"tau_1": None, "tau_2": None, "refr_T": "t_ref"},
        {"I_e": 300.0, "tau_1": 1.5, "tau_2": 3.0},
        [(5.0, 400.0, 1), (7.3, -250.0, 2), (20.0, 900.0, 2), (60.2, 700.0, 1)],
        (120.0, 40.0), "exact"),
    "izhikevich_neuron": (
        "izhikevich", {},
        {"I_e": 5.0},
        [(5.0, 4.0), (7.3, -2.5), (20.0, 9.0), (60.2, 7.0)], (5.0, 40.0), "numeric"),
    "iaf_psc_delta_fixed_timestep_neuron": (
        "iaf_psc_delta", {"refr_T": "t_ref"},
        {"I_e": 300.0},
        [(5.0, 4.0), (7.3, -2.5), (20.0, 9.0), (60.2, 7.0)], (120.0, 40.0), "exact"),
    "iaf_psc_exp_htum_neuron": (  # V_th, V_reset relative to E_L (NEST: absolute; V_m
        # relative in both, as NEST's multimeter records it)
        "iaf_psc_exp_htum", {"tau_syn_exc": "tau_syn_ex", "tau_syn_inh": "tau_syn_in"},
        {"I_e": 300.0, "tau_syn_exc": 1.5, "tau_syn_inh": 3.0, "t_ref_abs": 2.0,
         "t_ref_tot": 4.0},
        PSC_SPIKES, (120.0, 40.0), "exact"),
    "mat2_psc_exp_neuron": (  # NESTML's omega relative to E_L
        "mat2_psc_exp", PSC,
        {"I_e": 200.0},
        PSC_SPIKES, (300.0, 40.0), "exact"),
    "ignore_and_fire_neuron": (  # no V_m. NESTML's initial phase_steps is computed from the
        # default firing_rate (as NEST-NESTML's constructor): set; 49 steps = NEST's phase 0.5
        "ignore_and_fire", {"firing_rate": "rate", "phase_steps": None},
        {"firing_rate": 100.0, "phase_steps": 49},
        [(5.0, 400.0), (7.3, -250.0)], None, "exact"),  # no current input
    "iaf_chxk_2008_neuron": (
        "iaf_chxk_2008", {"tau_syn_exc": "tau_syn_ex", "tau_syn_inh": "tau_syn_in",
                          "E_exc": "E_ex", "E_inh": "E_in", "G_ahp": "g_ahp"},
        {"I_e": 1300.0, "tau_syn_exc": 1.5, "tau_syn_inh": 3.0},
        [(5.0, 80.0), (7.3, -60.0), (20.0, 200.0), (60.2, 150.0)], (600.0, 40.0), "numeric"),
    "iaf_cond_beta_neuron": (
        "iaf_cond_beta", {"tau_syn_rise_E": "tau_rise_ex", "tau_syn_decay_E": "tau_decay_ex",
                          "tau_syn_rise_I": "tau_rise_in", "tau_syn_decay_I": "tau_decay_in",
                          "refr_T": "t_ref"},
        {"I_e": 250.0, "tau_syn_rise_E": 0.3, "tau_syn_decay_E": 2.5,
         "tau_syn_rise_I": 0.5, "tau_syn_decay_I": 4.0},
        COND_SPIKES, (150.0, 40.0), "numeric"),
    "iaf_cond_exp_sfa_rr_neuron": (
        "iaf_cond_exp_sfa_rr", COND,
        {"I_e": 500.0, "refr_T": 0.0},
        COND_SPIKES, (300.0, 40.0), "numeric"),
}
PAIRS["aeif_cond_alpha_alt_neuron"] = PAIRS["aeif_cond_alpha_neuron"]  # the same model, its
# equations written another way: the same built-in and scenario

T = 100.0


def builtin_params(name: str) -> dict:
    builtin, names, params, *_ = PAIRS[name]
    out = {names.get(k, k): v for k, v in params.items() if names.get(k, k)}
    if name == "iaf_psc_exp_2port_neuron":
        out["tau_syn"] = [params["tau_1"], params["tau_2"]]
    if name == "iaf_psc_exp_htum_neuron":  # NESTML's defaults, absolute in NEST
        out.update(V_th=-55.0, V_reset=-70.0)
    if name == "mat2_psc_exp_neuron":  # NESTML's omega = 19 mV above E_L = -70 mV
        out["omega"] = -51.0
    if name == "ignore_and_fire_neuron":
        out["phase"] = 0.5
    return out


def run(nest, model: str, params: dict, spikes, dc, h: float = 0.1) -> dict:
    """V_m (every step) and spike times of one neuron of ``model``."""
    nest.ResetKernel()
    nest.resolution = h
    n = nest.Create(model, params=params)
    receptors = sorted({s[2] for s in spikes if len(s) > 2}) or [0]
    for r in receptors:  # one generator per receptor type
        sp = [s for s in spikes if (s[2] if len(s) > 2 else 0) == r]
        sg = nest.Create("spike_generator", params={
            "spike_times": [s[0] for s in sp], "spike_weights": [s[1] for s in sp]})
        nest.Connect(sg, n, syn_spec={"receptor_type": r})
    if dc is not None:
        dcg = nest.Create("dc_generator", params={"amplitude": dc[0], "start": dc[1]})
        nest.Connect(dcg, n)
    has_v = "V_m" in nest.GetDefaults(model)["recordables"]  # not ignore_and_fire
    if has_v:
        mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": h})
        nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(T)
    return {"V_m": [float(v) for v in mm.events["V_m"]] if has_v else [],
            "times": [float(t) for t in mm.events["times"]] if has_v else [],
            "spikes": [float(t) for t in sr.events["times"]]}
