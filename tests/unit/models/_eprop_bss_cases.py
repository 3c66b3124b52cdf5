"""eprop_synapse_bsshslm_2020 learning scenarios that NEST and jaxnest both run
(``run(nest, **case)``): a shortened version of NEST's bsshslm_2020 regression and
classification tests (test_eprop_bsshslm_2020_plasticity.py) in one network: spike inputs
through parrots, a recurrent population of eprop_iaf_bsshslm_2020 and
eprop_iaf_adapt_bsshslm_2020 neurons (flush events after a silent update interval), a mean
squared error readout (sine target) and two cross-entropy readouts (one-hot targets),
feedback learning signals, update intervals of one sequence. The scenarios differ in
parameters only (one compiled network). Returns every e-prop weight after training (sorted
by source, target), two connections' own optimizer state (set before) and the recorded
traces."""
from __future__ import annotations

import numpy as np

CASES = {
    "gd": dict(optimizer="gradient_descent", n_iter=6, silent=(1, 3)),
    "adam_batch_average": dict(optimizer="adam", batch_size=2, average=True, window=20,
                               n_iter=5),
    "gd_batch_no_reset": dict(optimizer="gradient_descent", batch_size=2, average=True,
                              window=10, reset=False, eta=5e-3, silent=(2,)),
    "adam_no_flush_sparse": dict(optimizer="adam", flush=False, p_in=0.05, eta=5e-3),
}


def run(nest, optimizer, n_in=10, n_rec=8, seq=30, n_iter=4, batch_size=1, average=False,
        window=None, reset=True, flush=True, p_in=0.15, eta=1e-3, c_reg=3.0, silent=()):
    rng = np.random.default_rng(3)
    nest.ResetKernel()
    nest.set(resolution=1.0, total_num_virtual_procs=1, print_time=False,
             eprop_update_interval=float(seq), eprop_learning_window=float(window or seq),
             eprop_reset_neurons_on_update=reset)
    task = n_iter * seq
    rec = {"C_m": 1.0, "c_reg": c_reg, "E_L": 0.0, "f_target": 10.0, "I_e": 0.0,
           "regular_spike_arrival": False, "surrogate_gradient_function": "piecewise_linear",
           "surrogate_gradient_height": 10.0, "surrogate_gradient_width": 0.03, "t_ref": 0.0,
           "tau_m": 30.0, "V_m": 0.0, "V_th": 0.03}
    if flush:
        rec["flush_event_send_interval"] = float(seq)
    out_p = {"C_m": 1.0, "E_L": 0.0, "I_e": 0.0, "regular_spike_arrival": False,
             "tau_m": 30.0, "V_m": 0.0}
    gen = nest.Create("spike_generator", n_in)
    inp = nest.Create("parrot_neuron", n_in)
    nrec = nest.Create("eprop_iaf_bsshslm_2020", n_rec // 2, rec) + nest.Create(
        "eprop_iaf_adapt_bsshslm_2020", n_rec - n_rec // 2,
        dict(rec, adapt_beta=0.0174, adapt_tau=200.0))
    mse = nest.Create("eprop_readout_bsshslm_2020", 1, dict(out_p, loss="mean_squared_error"))
    ce = nest.Create("eprop_readout_bsshslm_2020", 2, dict(out_p, loss="cross_entropy"))
    nout = mse + ce
    target = nest.Create("step_rate_generator", 3)
    mm_rec = nest.Create("multimeter", {"interval": 1.0, "record_from": [
        "V_m", "surrogate_gradient", "learning_signal", "eprop_history_duration"]})
    mm_out = nest.Create("multimeter", {"interval": 1.0, "record_from": [
        "readout_signal", "error_signal", "eprop_history_duration"], "start": 4.0,
        "stop": 4.0 + task})
    w_in = rng.normal(size=(n_rec, n_in)) / np.sqrt(n_in)
    w_rec = rng.normal(size=(n_rec, n_rec)) / np.sqrt(n_rec)
    np.fill_diagonal(w_rec, 0.0)
    w_out = rng.normal(size=(3, n_rec)) / np.sqrt(n_rec)
    w_fb = rng.normal(size=(n_rec, 3)) / np.sqrt(n_rec)
    nest.SetDefaults("eprop_synapse_bsshslm_2020", {
        "optimizer": {"type": optimizer, "batch_size": batch_size, "eta": eta,
                      "Wmin": -100.0, "Wmax": 100.0},
        "average_gradient": average, "weight": 0.0})
    syn = {"synapse_model": "eprop_synapse_bsshslm_2020", "delay": 1.0}
    nest.Connect(gen, inp, "one_to_one", {"delay": 1.0})
    nest.Connect(inp, nrec, "all_to_all", dict(syn, weight=w_in))
    nest.Connect(nrec, nrec, {"rule": "all_to_all", "allow_autapses": False},
                 dict(syn, weight=w_rec))
    nest.Connect(nrec, nout, "all_to_all", dict(syn, weight=w_out, tau_m_readout=20.0))
    nest.Connect(nout, nrec, "all_to_all", {
        "synapse_model": "eprop_learning_signal_connection_bsshslm_2020", "delay": 1.0,
        "weight": w_fb})
    nest.Connect(target, nout, "one_to_one", {"synapse_model": "rate_connection_delayed",
                                              "delay": 1.0, "receptor_type": 2})
    nest.Connect(ce, ce, {"rule": "all_to_all", "allow_autapses": False},
                 {"synapse_model": "rate_connection_delayed", "delay": 1.0, "receptor_type": 1})
    nest.Connect(mm_rec, nrec[:2] + nrec[-2:])
    nest.Connect(mm_out, nout)
    bools = rng.random((seq, n_in)) < p_in
    starts = np.delete(np.arange(0.0, task, seq), list(silent))  # sequences without input
    gen.set([{"spike_times": np.hstack([np.flatnonzero(b) * 1.0 + s + 1.0 for s in starts])}
             for b in bools.T])
    sine = np.tile(np.sin(np.linspace(0.0, 2 * np.pi, seq)), n_iter)
    onehot = np.repeat(np.eye(2)[rng.integers(0, 2, n_iter)].T, seq, axis=1)
    target.set([{"amplitude_times": np.arange(0.0, task) + 4.0, "amplitude_values": v}
                for v in (sine, onehot[0], onehot[1])])
    conns = nest.GetConnections(synapse_model="eprop_synapse_bsshslm_2020")
    w0 = np.asarray(conns.get("weight"))
    own = [nest.GetConnections(nrec[0], nrec[i]) for i in (1, 2)]  # own optimizer state
    own[0].set({"optimizer": {"m": 0.01, "v": 0.002}})  # (adam: m, v; else ignored)
    own[1].set([{"optimizer": {"v": 0.001}}])
    nest.Simulate(task / 2 + 4.0)
    nest.Simulate(task / 2 + 1.0)
    src, tg, w = (np.asarray(conns.get(k)) for k in ("source", "target", "weight"))
    idx = np.lexsort((tg, src))
    out = {"weight": w[idx].tolist(), "dw": float(np.max(np.abs(w - w0))),
           "optimizer": [[c.get("optimizer").get(k, -1.0) for k in "mv"] for c in own]}
    for mm, keys, part in ((mm_rec, ("V_m", "surrogate_gradient", "learning_signal"), "rec"),
                           (mm_out, ("readout_signal", "error_signal"), "out")):
        ev = mm.get("events")
        order = np.lexsort((ev["times"], ev["senders"]))
        out.update({k: np.asarray(ev[k])[order].tolist() for k in keys})
        out["history_" + part] = np.asarray(ev["eprop_history_duration"])[order].tolist()
    return out


def silent_sender(nest, seq=20, n_iter=40):
    """A recurrent neuron driven (I_e) from the second sequence to step 73, then silent for
    the remaining ~720 steps (36 flush intervals): its connections act on its flush event
    at 98 and read nothing after it, so jaxnest's histories need not keep 720 steps. A
    parrot drives the other two recurrent neurons (below threshold) and the readout learns
    a sine. Returns the e-prop weights (sorted by source, target) and the spike times."""
    nest.ResetKernel()
    nest.set(resolution=1.0, total_num_virtual_procs=1, print_time=False,
             eprop_update_interval=float(seq), eprop_learning_window=float(seq))
    rec = {"C_m": 1.0, "c_reg": 3.0, "E_L": 0.0, "f_target": 10.0, "I_e": 0.0,
           "regular_spike_arrival": False, "surrogate_gradient_function": "piecewise_linear",
           "surrogate_gradient_height": 10.0, "surrogate_gradient_width": 0.03, "t_ref": 0.0,
           "tau_m": 30.0, "V_m": 0.0, "V_th": 0.03, "flush_event_send_interval": float(seq)}
    task = seq * n_iter
    gen = nest.Create("spike_generator", params={"spike_times": np.arange(1.0, task, 3.0)})
    p = nest.Create("parrot_neuron")
    r = nest.Create("eprop_iaf_bsshslm_2020", 3, rec)
    out = nest.Create("eprop_readout_bsshslm_2020", 1, {
        "C_m": 1.0, "E_L": 0.0, "I_e": 0.0, "regular_spike_arrival": False, "tau_m": 30.0,
        "V_m": 0.0})
    target = nest.Create("step_rate_generator", params={
        "amplitude_times": np.arange(0.0, task) + 4.0,
        "amplitude_values": np.tile(np.sin(np.linspace(0.0, 2 * np.pi, seq)), n_iter)})
    sr = nest.Create("spike_recorder")
    nest.SetDefaults("eprop_synapse_bsshslm_2020", {"optimizer": {"eta": 1e-3}, "weight": 0.0})
    syn = {"synapse_model": "eprop_synapse_bsshslm_2020", "delay": 1.0}
    nest.Connect(gen, p)
    nest.Connect(p, r, "all_to_all", dict(syn, weight=[[0.0005], [0.02], [0.025]]))
    nest.Connect(r, r, {"rule": "all_to_all", "allow_autapses": False}, dict(syn, weight=0.01))
    nest.Connect(r, out, "all_to_all", dict(syn, weight=0.3))
    nest.Connect(out, r, "all_to_all", {
        "synapse_model": "eprop_learning_signal_connection_bsshslm_2020", "delay": 1.0,
        "weight": 0.5})
    nest.Connect(target, out, "one_to_one", {"synapse_model": "rate_connection_delayed",
                                             "delay": 1.0, "receptor_type": 2})
    nest.Connect(r, sr)
    mm = nest.Create("multimeter", {"interval": 1.0, "record_from": ["eprop_history_duration"]})
    nest.Connect(mm, r + out)
    nest.Simulate(float(seq))
    r[0].I_e = 0.2
    nest.Simulate(3.0 * seq - 7.0)
    r[0].set(I_e=0.0, V_m=0.0)
    nest.Simulate(task - 4.0 * seq + 12.0)
    conns = nest.GetConnections(synapse_model="eprop_synapse_bsshslm_2020")
    src, tg, w = (np.asarray(conns.get(k)) for k in ("source", "target", "weight"))
    ev = mm.get("events")
    return {"weight": w[np.lexsort((tg, src))].tolist(),
            "times": np.asarray(sr.get("events")["times"]).tolist(),
            "history": np.asarray(ev["eprop_history_duration"])[
                np.lexsort((ev["times"], ev["senders"]))].tolist()}
