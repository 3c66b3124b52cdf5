"""Scenarios shared by the NEST subprocess (NEST built-ins) and jaxnest (NESTML models):
one neuron of each model driven by a spike_generator (both signs of weight) and a
dc_generator, V_m sampled every step, spikes recorded. Imports neither nest nor jaxnest."""
from __future__ import annotations

# NESTML library neuron -> (NEST built-in, NESTML parameter -> built-in parameter, parameters
# of the scenario (NESTML names), spikes [(time ms, weight(, receptor_type))], dc (amplitude pA, start ms),
# parity category)
PAIRS = {
    "iaf_psc_exp_neuron": (
        "iaf_psc_exp", {"tau_syn_exc": "tau_syn_ex", "tau_syn_inh": "tau_syn_in",
                        "refr_T": "t_ref"},
        {"I_e": 300.0, "tau_syn_exc": 1.5, "tau_syn_inh": 3.0},
        [(5.0, 400.0), (7.3, -250.0), (20.0, 900.0), (60.2, 700.0)], (120.0, 40.0), "exact"),
    "iaf_psc_alpha_neuron": (
        "iaf_psc_alpha", {"tau_syn_exc": "tau_syn_ex", "tau_syn_inh": "tau_syn_in",
                          "refr_T": "t_ref"},
        {"I_e": 300.0, "tau_syn_exc": 1.5, "tau_syn_inh": 3.0},
        [(5.0, 400.0), (7.3, -250.0), (20.0, 900.0), (60.2, 700.0)], (120.0, 40.0), "exact"),
    "iaf_psc_delta_neuron": (
        "iaf_psc_delta", {"refr_T": "t_ref"},
        {"I_e": 300.0},
        [(5.0, 4.0), (7.3, -2.5), (20.0, 9.0), (60.2, 7.0)], (120.0, 40.0), "exact"),
    "iaf_cond_exp_neuron": (
        "iaf_cond_exp", {"tau_syn_exc": "tau_syn_ex", "tau_syn_inh": "tau_syn_in",
                         "refr_T": "t_ref", "E_exc": "E_ex", "E_inh": "E_in"},
        {"I_e": 250.0},
        [(5.0, 20.0), (7.3, -15.0), (20.0, 60.0), (60.2, 40.0)], (150.0, 40.0), "numeric"),
    "aeif_cond_exp_neuron": (
        "aeif_cond_exp", {"tau_syn_exc": "tau_syn_ex", "tau_syn_inh": "tau_syn_in",
                          "refr_T": "t_ref", "E_exc": "E_ex", "E_inh": "E_in"},
        {"I_e": 500.0, "refr_T": 2.0},  # NEST's t_ref defaults to 0 here
        [(5.0, 20.0), (7.3, -15.0), (20.0, 60.0), (60.2, 40.0)], (300.0, 40.0), "numeric"),
    "hh_psc_alpha_neuron": (
        "hh_psc_alpha", {"tau_syn_exc": "tau_syn_ex", "tau_syn_inh": "tau_syn_in",
                         "refr_T": "t_ref"},
        {"I_e": 500.0},
        [(5.0, 400.0), (7.3, -250.0), (20.0, 900.0), (60.2, 700.0)], (300.0, 40.0), "numeric"),
    "iaf_cond_alpha_neuron": (
        "iaf_cond_alpha", {"tau_syn_exc": "tau_syn_ex", "tau_syn_inh": "tau_syn_in",
                           "refr_T": "t_ref", "E_exc": "E_ex", "E_inh": "E_in"},
        {"I_e": 250.0},
        [(5.0, 20.0), (7.3, -15.0), (20.0, 60.0), (60.2, 40.0)], (150.0, 40.0), "numeric"),
    "aeif_cond_alpha_neuron": (
        "aeif_cond_alpha", {"tau_syn_exc": "tau_syn_ex", "tau_syn_inh": "tau_syn_in",
                            "refr_T": "t_ref", "E_exc": "E_ex", "E_inh": "E_in"},
        {"I_e": 500.0, "refr_T": 2.0},
        [(5.0, 20.0), (7.3, -15.0), (20.0, 60.0), (60.2, 40.0)], (300.0, 40.0), "numeric"),
    "aeif_psc_alpha_neuron": (
        "aeif_psc_alpha", {"tau_exc": "tau_syn_ex", "tau_inh": "tau_syn_in", "refr_T": "t_ref"},
        {"I_e": 500.0, "refr_T": 2.0},
        [(5.0, 400.0), (7.3, -250.0), (20.0, 900.0), (60.2, 700.0)], (300.0, 40.0), "numeric"),
    "aeif_psc_exp_neuron": (
        "aeif_psc_exp", {"tau_exc": "tau_syn_ex", "tau_inh": "tau_syn_in", "refr_T": "t_ref"},
        {"I_e": 500.0, "refr_T": 2.0},
        [(5.0, 400.0), (7.3, -250.0), (20.0, 900.0), (60.2, 700.0)], (300.0, 40.0), "numeric"),
    "hh_cond_exp_traub_neuron": (
        "hh_cond_exp_traub", {"tau_syn_exc": "tau_syn_ex", "tau_syn_inh": "tau_syn_in",
                              "refr_T": "t_ref", "E_exc": "E_ex", "E_inh": "E_in"},
        {"I_e": 300.0},
        [(5.0, 20.0), (7.3, -15.0), (20.0, 60.0), (60.2, 40.0)], (300.0, 40.0), "numeric"),
    "iaf_psc_exp_2port_neuron": (  # tests/unit/nestml/models: two receptor types
        "iaf_psc_exp_multisynapse", {"tau_1": None, "tau_2": None, "refr_T": "t_ref"},
        {"I_e": 300.0, "tau_1": 1.5, "tau_2": 3.0},
        [(5.0, 400.0, 1), (7.3, -250.0, 2), (20.0, 900.0, 2), (60.2, 700.0, 1)],
        (120.0, 40.0), "exact"),
    "izhikevich_neuron": (
        "izhikevich", {},
        {"I_e": 5.0},
        [(5.0, 4.0), (7.3, -2.5), (20.0, 9.0), (60.2, 7.0)], (5.0, 40.0), "numeric"),
}

T = 100.0


def builtin_params(name: str) -> dict:
    builtin, names, params, *_ = PAIRS[name]
    out = {names.get(k, k): v for k, v in params.items() if names.get(k, k)}
    if name == "iaf_psc_exp_2port_neuron":
        out["tau_syn"] = [params["tau_1"], params["tau_2"]]
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
    dcg = nest.Create("dc_generator", params={"amplitude": dc[0], "start": dc[1]})
    nest.Connect(dcg, n)
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": h})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(T)
    return {"V_m": [float(v) for v in mm.events["V_m"]],
            "times": [float(t) for t in mm.events["times"]],
            "spikes": [float(t) for t in sr.events["times"]]}
