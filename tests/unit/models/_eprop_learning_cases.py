"""e-prop learning scenarios that NEST and jaxnest both run (``run(nest, **case)``): a
shortened version of NEST's sine-wave regression task (test_eprop_plasticity.py): spike
inputs through parrots, a recurrent e-prop population, readouts, feedback learning signals,
step-rate target and learning window. Returns the per-iteration loss, every eprop_synapse
weight after training (sorted by source, target) and the recorded traces."""
from __future__ import annotations

import numpy as np

CASES = {
    "iaf_adam": dict(model="eprop_iaf", optimizer="adam"),
    "iaf_gd": dict(model="eprop_iaf", optimizer="gradient_descent"),
    "adapt_gd": dict(model="eprop_iaf_adapt", optimizer="gradient_descent"),
    "delta_gd": dict(model="eprop_iaf_psc_delta", optimizer="gradient_descent"),
    "delta_adapt_adam": dict(model="eprop_iaf_psc_delta_adapt", optimizer="adam"),
    "iaf_batch": dict(model="eprop_iaf", optimizer="adam", each_step=False, batch_size=3,
                      cutoff=12.0),
    "gd_batch_clip": dict(model="eprop_iaf_adapt", optimizer="gradient_descent",
                          each_step=False, batch_size=2, eta=5e-3, wmax=0.2, wmin=-0.2),
    "two_out_cutoff": dict(model="eprop_iaf", optimizer="gradient_descent", n_out=2,
                           cutoff=7.0, surrogate="fast_sigmoid_derivative", eta=1e-3),
    "eta_change": dict(model="eprop_iaf", optimizer="adam", eta_later=(0.0, 1e-3)),
    "long_isi": dict(model="eprop_iaf_adapt", optimizer="adam", cutoff=float("inf"), seq=400,
                     n_iter=2, p_in=0.004, n_in=10, n_rec=8),
    "split": dict(model="eprop_iaf", optimizer="adam", eta_later=(9e-6,)),
    # optimizing once per spike: the windows walked step by step (eprop_gradient.on_step)
    "once_cutoff": dict(model="eprop_iaf_psc_delta_adapt", optimizer="gradient_descent",
                        each_step=False, n_out=2, cutoff=7.0, eta=1e-3),
    "once_eta_change": dict(model="eprop_iaf", optimizer="adam", each_step=False,
                            eta_later=(0.0, 1e-3)),
    "switch_to_once": dict(model="eprop_iaf", optimizer="adam",
                           eta_later=({"optimize_each_step": False},)),
    "once_long_isi": dict(model="eprop_iaf_adapt", optimizer="gradient_descent",
                          each_step=False, cutoff=float("inf"), seq=400, n_iter=2, p_in=0.004,
                          n_in=10, n_rec=8),
}


def run(nest, model, optimizer, n_in=20, n_rec=20, n_out=1, seq=40, n_iter=3,
        each_step=True, batch_size=1, eta=None, wmin=-100.0, wmax=100.0, cutoff=100.0,
        surrogate="piecewise_linear", eta_later=(), p_in=0.1):
    rng = np.random.default_rng(1)
    nest.ResetKernel()
    nest.set(resolution=1.0, total_num_virtual_procs=1, print_time=False)
    task = n_iter * seq
    rec = {"C_m": 1.0, "c_reg": 300.0 / seq, "E_L": 0.0, "eprop_isi_trace_cutoff": cutoff,
           "f_target": 10.0, "I_e": 0.0, "kappa": 0.97, "kappa_reg": 0.97,
           "surrogate_gradient_function": surrogate, "surrogate_gradient_height": 10.0,
           "surrogate_gradient_width": 0.03, "t_ref": 0.0, "tau_m": 30.0, "V_m": 0.0,
           "V_th": 0.03}
    scale = 1.0 - rec["kappa"]
    if "psc_delta" in model:
        rec.update(V_reset=-0.5, c_reg=2.0 / seq / scale ** 2, V_th=0.5)
    if "adapt" in model:
        rec.update(adapt_beta=0.0174, adapt_tau=200.0)
    out_p = {"C_m": 1.0, "E_L": 0.0, "eprop_isi_trace_cutoff": cutoff, "I_e": 0.0,
             "tau_m": 30.0, "V_m": 0.0}
    gen = nest.Create("spike_generator", n_in)
    inp = nest.Create("parrot_neuron", n_in)
    nrec = nest.Create(model, n_rec, rec)
    nout = nest.Create("eprop_readout", n_out, out_p)
    target = nest.Create("step_rate_generator", n_out)
    window = nest.Create("step_rate_generator")
    mm_rec = nest.Create("multimeter", {"interval": 1.0, "record_from": [
        "V_m", "surrogate_gradient", "learning_signal", "eprop_history_duration"]})
    mm_out = nest.Create("multimeter", {"interval": 1.0, "record_from": [
        "readout_signal", "target_signal", "error_signal", "eprop_history_duration"],
        "start": 2.0, "stop": 2.0 + task})
    w_in = rng.normal(size=(n_rec, n_in)) / np.sqrt(n_in) * scale
    w_rec = rng.normal(size=(n_rec, n_rec)) / np.sqrt(n_rec) * scale
    np.fill_diagonal(w_rec, 0.0)
    w_out = rng.normal(size=(n_out, n_rec)) / np.sqrt(n_rec) * scale
    w_fb = rng.normal(size=(n_rec, n_out)) / np.sqrt(n_rec) * scale
    if "psc_delta" in model:
        w_in, w_rec, w_fb = w_in / scale * 3, w_rec / scale, w_fb / scale
    w_in, w_rec = np.clip(w_in, wmin, wmax), np.clip(w_rec, wmin, wmax)
    w_out = np.clip(w_out, wmin, wmax)
    opt = {"type": optimizer, "batch_size": batch_size, "eta": eta or 1e-4 * scale ** 2 * 100,
           "optimize_each_step": each_step, "Wmin": wmin, "Wmax": wmax}
    nest.SetDefaults("eprop_synapse", {"optimizer": opt, "weight": 0.0})
    syn = {"synapse_model": "eprop_synapse", "delay": 1.0}
    a2a = {"rule": "all_to_all", "allow_autapses": False}
    nest.Connect(gen, inp, "one_to_one", {"delay": 1.0})
    nest.Connect(inp, nrec, "all_to_all", dict(syn, weight=w_in))
    nest.Connect(nrec, nrec, a2a, dict(syn, weight=w_rec))
    nest.Connect(nrec, nout, "all_to_all", dict(syn, weight=w_out))
    nest.Connect(nout, nrec, "all_to_all", {"synapse_model": "eprop_learning_signal_connection",
                                            "delay": 1.0, "weight": w_fb})
    nest.Connect(target, nout, "one_to_one", {"synapse_model": "rate_connection_delayed",
                                              "delay": 1.0, "receptor_type": 2})
    nest.Connect(window, nout, "all_to_all", {"synapse_model": "rate_connection_delayed",
                                              "delay": 1.0, "receptor_type": 1})
    nest.Connect(mm_rec, nrec[:3])
    nest.Connect(mm_out, nout)
    bools = rng.random((seq, n_in)) < p_in
    starts = np.arange(0.0, task, seq) + 1.0
    gen.set([{"spike_times": np.hstack([np.flatnonzero(b) * 1.0 + s for s in starts])}
             for b in bools.T])
    tgt = np.sin(np.linspace(0.0, 2 * np.pi, seq))[None, :] * rng.uniform(0.5, 2.0, (n_out, 1))
    target.set([{"amplitude_times": np.arange(0.0, task) + 2.0,
                 "amplitude_values": np.tile(t, n_iter)} for t in tgt])
    window.set({"amplitude_times": [2.0], "amplitude_values": [1.0]})
    conns = nest.GetConnections(synapse_model="eprop_synapse")
    w0 = np.asarray(conns.get("weight"))
    nest.Simulate(task / 2 + 3.0)
    for e in eta_later or (None,):  # NEST's optimizers keep the eta of their previous update
        if e is not None:  # an eta, or an optimizer dict
            nest.SetDefaults("eprop_synapse",
                             {"optimizer": e if isinstance(e, dict) else {"eta": e}})
        nest.Simulate(task / 2 / max(len(eta_later), 1))
    ev = mm_out.get("events")
    order = np.lexsort((ev["times"], ev["senders"]))
    ro = np.asarray(ev["readout_signal"])[order].reshape(n_out, -1)
    ts = np.asarray(ev["target_signal"])[order].reshape(n_out, -1)
    n = ro.shape[1] // seq * seq
    loss = 0.5 * np.mean(np.sum(((ro - ts)[:, :n]).reshape(n_out, -1, seq) ** 2, axis=2),
                         axis=0)
    src, tg, w = (np.asarray(conns.get(k)) for k in ("source", "target", "weight"))
    idx = np.lexsort((tg, src))
    evr = mm_rec.get("events")
    o2 = np.lexsort((evr["times"], evr["senders"]))
    return {"loss": loss.tolist(), "weight": w[idx].tolist(),
            "dw": float(np.max(np.abs(w - w0))),
            "V_m": np.asarray(evr["V_m"])[o2].tolist(),
            "learning_signal": np.asarray(evr["learning_signal"])[o2].tolist(),
            "readout": ro.ravel().tolist(),
            "history_rec": np.asarray(evr["eprop_history_duration"])[o2].tolist(),
            "history_out": np.asarray(ev["eprop_history_duration"])[order].tolist()}
