"""Scenarios for test_eprop.py, run under real NEST (subprocess) and jaxnest alike: each
function takes the ``nest`` module and returns JSON-able results."""
from __future__ import annotations

import numpy as np

RECURRENT = ("eprop_iaf", "eprop_iaf_adapt", "eprop_iaf_psc_delta", "eprop_iaf_psc_delta_adapt")
BSSSHLM = ("eprop_iaf_bsshslm_2020", "eprop_iaf_adapt_bsshslm_2020", "eprop_readout_bsshslm_2020")
ALL = RECURRENT + ("eprop_readout",) + BSSSHLM
SYNAPSES = ("eprop_synapse", "eprop_synapse_bsshslm_2020", "eprop_learning_signal_connection",
            "eprop_learning_signal_connection_bsshslm_2020")
SPIKES = [2.0, 3.0, 5.0, 9.0, 11.0, 12.0, 13.0, 30.0, 31.0, 32.0, 50.0, 51.0, 52.0, 53.0]


def _plain(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return None


def defaults(nest) -> dict:
    skip = ("model_id", "synapse_modelid", "sizeof", "elementsize", "available", "capacity",
            "instantiations", "type_id", "model", "thread", "vp", "local", "global_id",
            "thread_local_id", "node_uses_wfr", "frozen", "num_connections", "weight_recorder")
    out = {}
    for m in ALL + SYNAPSES:
        d = nest.GetDefaults(m)
        out[m] = {k: _plain(v) for k, v in d.items() if k not in skip}
    return out


def _attempt(fn):
    try:
        fn()
        return None
    except Exception as e:  # noqa: BLE001 - the class name is what is compared
        return [type(e).__name__, str(e)]


BAD = [("C_m", 0.0), ("tau_m", 0.0), ("c_reg", -1.0), ("f_target", -1.0), ("t_ref", -1.0),
       ("kappa", 1.5), ("kappa_reg", -0.1), ("surrogate_gradient_height", 0.0),
       ("surrogate_gradient_width", 0.0), ("surrogate_gradient_function", "xx"),
       ("eprop_isi_trace_cutoff", -1.0), ("flush_event_send_interval", 0.0),
       ("adapt_tau", 0.0), ("adapt_beta", -1.0), ("V_reset", -50.0), ("V_min", -50.0),
       ("ignore_and_spike_offset", 0.0), ("loss", "xx"), ("V_th", -80.0),
       ("surrogate_gradient", 1.0)]


def param_errors(nest) -> dict:
    out = {}
    for m in ALL:
        for k, v in BAD:
            if k not in nest.GetDefaults(m) and k != "surrogate_gradient":
                continue
            nest.ResetKernel()
            out[f"{m}/{k}/{v}"] = _attempt(lambda: nest.Create(m, params={k: v}))
    return out


def connect_errors(nest) -> dict:
    """Connect attempts NEST refuses or takes (e-prop synapses, learning signals, readout
    receptors)."""
    cases = [
        ("eprop_iaf", "iaf_psc_alpha", {"synapse_model": "eprop_synapse", "delay": 1.0}),
        ("eprop_iaf", "eprop_iaf", {"synapse_model": "eprop_synapse", "delay": 2.0}),
        ("eprop_iaf", "spike_recorder", {"synapse_model": "eprop_synapse"}),
        ("eprop_iaf", "eprop_readout", {"synapse_model": "eprop_synapse", "weight": 500.0}),
        ("poisson_generator", "eprop_iaf", {"synapse_model": "eprop_synapse"}),
        ("eprop_readout", "eprop_iaf", {"synapse_model": "eprop_synapse"}),
        ("eprop_iaf", "eprop_iaf", {"synapse_model": "eprop_synapse", "receptor_type": 1}),
        ("eprop_readout", "eprop_iaf_adapt", {"synapse_model": "eprop_learning_signal_connection"}),
        ("eprop_readout", "eprop_readout", {"synapse_model": "eprop_learning_signal_connection"}),
        ("eprop_iaf", "eprop_iaf", {"synapse_model": "eprop_learning_signal_connection"}),
        ("eprop_readout", "eprop_iaf", {"synapse_model": "eprop_learning_signal_connection",
                                        "receptor_type": 1}),
        ("step_rate_generator", "eprop_readout", {"synapse_model": "rate_connection_delayed"}),
        ("step_rate_generator", "eprop_readout", {"synapse_model": "rate_connection_delayed",
                                                  "receptor_type": 2}),
        ("step_rate_generator", "eprop_readout_bsshslm_2020",
         {"synapse_model": "rate_connection_delayed", "receptor_type": 1}),
        ("step_rate_generator", "eprop_iaf", {"synapse_model": "rate_connection_delayed"}),
        ("spike_generator", "eprop_readout", {"receptor_type": 1}),
        ("spike_generator", "eprop_iaf", {"receptor_type": 1}),
        ("dc_generator", "eprop_readout", {}),
        ("parrot_neuron", "eprop_iaf", {"synapse_model": "stdp_synapse"}),
        ("parrot_neuron", "eprop_readout_bsshslm_2020", {"synapse_model": "stdp_triplet_synapse"}),
        ("parrot_neuron", "gif_pop_psc_exp", {"synapse_model": "stdp_synapse"}),
        ("parrot_neuron", "eprop_iaf_adapt", {"synapse_model": "tsodyks_synapse"}),
    ]
    out = {}
    for i, (s, t, spec) in enumerate(cases):
        nest.ResetKernel()
        out[f"{i}:{s}->{t}"] = _attempt(lambda: nest.Connect(nest.Create(s), nest.Create(t),
                                                             "all_to_all", spec))
    nest.ResetKernel()
    out["optimizer"] = _optimizer(nest)
    return out


def _optimizer(nest) -> list:
    res = []
    for d in ({"type": "adam", "eta": 0.5}, {"Wmin": -3.0}, {"eta": -1.0}, {"batch_size": 0},
              {"Wmax": -5.0}):
        err = _attempt(lambda: nest.SetDefaults("eprop_synapse", {"optimizer": d}))
        res.append([err, _plain(nest.GetDefaults("eprop_synapse")["optimizer"])])
    return res


def neuron(nest, model, extra, h=1.0, sg="piecewise_linear", T=100.0, kernel=None,
           syn="static_synapse") -> dict:
    """Two neurons driven by a parrot (``syn`` synapses) and a dc_generator."""
    nest.ResetKernel()
    nest.resolution = h
    nest.set(**(kernel or {}))
    p = dict(C_m=1.0, E_L=-3.0, tau_m=20.0, V_th=-2.4, t_ref=2.0, V_m=-3.0, I_e=0.01,
             surrogate_gradient_function=sg, surrogate_gradient_height=0.5,
             surrogate_gradient_width=0.7)
    p.update(extra)
    if "delta" in model:
        p["V_reset"] = -3.5
    n = nest.Create(model, 2, p)
    gen = nest.Create("spike_generator", params={"spike_times": SPIKES})
    par = nest.Create("parrot_neuron")
    nest.Connect(gen, par)
    nest.Connect(par, n, syn_spec={"weight": 0.35, "delay": 1.0, "synapse_model": syn})
    dc = nest.Create("dc_generator", params={"amplitude": 0.02, "start": 40.0, "stop": 70.0})
    nest.Connect(dc, n[1])
    recs = list(nest.GetDefaults(model)["recordables"])
    mm = nest.Create("multimeter", params={"record_from": recs, "interval": h})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(T)
    ev, se = mm.get("events"), sr.get("events")
    out = {k: np.asarray(ev[k], float).tolist() for k in recs + ["times", "senders"]}
    out["spike_times"] = np.asarray(se["times"], float).tolist()
    out["spike_senders"] = np.asarray(se["senders"], float).tolist()
    out["weights"] = np.asarray(nest.GetConnections(par, n).get("weight"), float).tolist()
    return out


def readout(nest, generators_first=False) -> dict:
    """eprop_readout: spikes in, target and learning window from step_rate_generators (the
    readout before or after them in the update order)."""
    nest.ResetKernel()
    nest.resolution = 1.0  # min_delay one step, as the e-prop examples
    gens = []

    def make():
        gens.append(nest.Create("step_rate_generator", params={
            "amplitude_times": [1.0, 10.0, 20.0, 33.0], "amplitude_values": [0.3, -0.4, 1.2, 0.1]}))
        gens.append(nest.Create("step_rate_generator", params={
            "amplitude_times": [5.0, 25.0], "amplitude_values": [1.0, 0.0]}))
    if generators_first:
        make()
    n = nest.Create("eprop_readout", params=dict(C_m=1.0, E_L=0.5, tau_m=15.0, I_e=0.02))
    if not generators_first:
        make()
    gen = nest.Create("spike_generator", params={"spike_times": [2.0, 3.0, 5.0, 9.0, 30.0]})
    par = nest.Create("parrot_neuron")
    nest.Connect(gen, par)
    nest.Connect(par, n, syn_spec={"weight": 0.7, "delay": 1.0})
    nest.Connect(gens[0], n, syn_spec={"synapse_model": "rate_connection_delayed",
                                       "receptor_type": 2, "delay": 1.0, "weight": 1.5})
    nest.Connect(gens[1], n, syn_spec={"synapse_model": "rate_connection_delayed",
                                       "receptor_type": 1, "delay": 1.0})
    recs = ["V_m", "readout_signal", "target_signal", "error_signal", "eprop_history_duration"]
    mm = nest.Create("multimeter", params={"record_from": recs, "interval": 1.0})
    nest.Connect(mm, n)
    nest.Simulate(40.0)
    ev = mm.get("events")
    return {k: np.asarray(ev[k], float).tolist() for k in recs + ["times"]}


SCENARIOS = {
    "eprop_iaf": ("eprop_iaf", {}),
    "eprop_iaf_adapt": ("eprop_iaf_adapt", {"adapt_beta": 0.3, "adapt_tau": 30.0}),
    "eprop_iaf_psc_delta": ("eprop_iaf_psc_delta", {}),
    "eprop_iaf_psc_delta_adapt": ("eprop_iaf_psc_delta_adapt",
                                  {"adapt_beta": 0.3, "adapt_tau": 30.0}),
    "psc_delta_refr_input": ("eprop_iaf_psc_delta", {"refractory_input": True}),
    "ignore_and_spike": ("eprop_iaf", {"ignore_and_spike": True, "ignore_and_spike_offset": 3.0,
                                       "ignore_and_spike_interval": 7.0}),
}


BSS_KERNEL = {"eprop_update_interval": 20.0, "eprop_learning_window": 12.0,
              "eprop_reset_neurons_on_update": True}
# NEST's ResetKernel keeps these three settings: each scenario sets all of them
BSS_SCENARIOS = {
    "bss_iaf": ("eprop_iaf_bsshslm_2020", {}, BSS_KERNEL),
    "bss_iaf_noreset": ("eprop_iaf_bsshslm_2020", {"regular_spike_arrival": False,
                                                   "I_e": 0.04},
                        {"eprop_update_interval": 1000.0, "eprop_learning_window": 1000.0,
                         "eprop_reset_neurons_on_update": False}),
    "bss_iaf_adapt": ("eprop_iaf_adapt_bsshslm_2020", {"adapt_beta": 0.3, "adapt_tau": 30.0},
                      BSS_KERNEL),
}


def readout_bss(nest, loss) -> dict:
    """Two eprop_readout_bsshslm_2020 (normalizing each other for cross entropy) with a
    target from a step_rate_generator, short update intervals."""
    nest.ResetKernel()
    nest.resolution = 1.0
    nest.set(**BSS_KERNEL)
    n = nest.Create("eprop_readout_bsshslm_2020", 2, params=dict(
        C_m=1.0, E_L=0.1, tau_m=15.0, I_e=0.02, loss=loss))
    tg = nest.Create("step_rate_generator", params={
        "amplitude_times": [1.0, 10.0, 20.0, 33.0], "amplitude_values": [0.3, -0.4, 1.2, 0.1]})
    gen = nest.Create("spike_generator", params={"spike_times": [2.0, 3.0, 5.0, 9.0, 30.0]})
    par = nest.Create("parrot_neuron")
    nest.Connect(gen, par)
    nest.Connect(par, n, syn_spec={"weight": [[0.7], [0.2]], "delay": 1.0})
    nest.Connect(tg, n, syn_spec={"synapse_model": "rate_connection_delayed",
                                  "receptor_type": 2, "delay": 1.0, "weight": 1.5})
    if loss == "cross_entropy":
        nest.Connect(n, n, {"rule": "all_to_all", "allow_autapses": False},
                     {"synapse_model": "rate_connection_delayed", "receptor_type": 1,
                      "delay": 1.0})
    recs = ["V_m", "readout_signal", "readout_signal_unnorm", "target_signal", "error_signal"]
    mm = nest.Create("multimeter", params={"record_from": recs, "interval": 1.0})
    nest.Connect(mm, n)
    nest.Simulate(60.0)
    ev = mm.get("events")
    return {k: np.asarray(ev[k], float).tolist() for k in recs + ["times", "senders"]}


def traces(nest) -> dict:
    out = {k: neuron(nest, m, e) for k, (m, e) in SCENARIOS.items()}
    out.update({k: neuron(nest, m, e, kernel=kn) for k, (m, e, kn) in BSS_SCENARIOS.items()})
    out["bss_readout_mse"] = readout_bss(nest, "mean_squared_error")
    out["bss_readout_ce"] = readout_bss(nest, "cross_entropy")
    out["delta_h05"] = neuron(nest, "eprop_iaf_psc_delta_adapt",
                              {"adapt_beta": 0.3, "adapt_tau": 30.0}, h=0.5)
    for sg in ("exponential", "fast_sigmoid_derivative", "arctan_derivative"):
        out[sg] = neuron(nest, "eprop_iaf", {}, sg=sg)
    for m in RECURRENT:  # e-prop synapses whose gradients are all zero (no learning signal,
        out["gradient_free/" + m] = neuron(  # c_reg = 0): as NEST's surrogate-gradient test
            nest, m, dict(SCENARIOS[m][1]), syn="eprop_synapse")
    out["readout"] = readout(nest)
    out["readout_generators_first"] = readout(nest, True)
    return out


def eprop_synapse_run(nest):
    """A network with an eprop_synapse: Simulate, a connection's optimizer status shown and
    set (errors, None where none)."""
    nest.ResetKernel()
    a, b = nest.Create("eprop_iaf"), nest.Create("eprop_iaf", params={"c_reg": 1.0})
    nest.Connect(a, b, syn_spec={"synapse_model": "eprop_synapse", "delay": nest.resolution})
    conn = nest.GetConnections(a, b)
    return [_attempt(lambda: nest.Simulate(10.0)), _attempt(lambda: conn.get("optimizer")),
            _attempt(lambda: conn.set({"optimizer": {"eta": 0.5}}))]
