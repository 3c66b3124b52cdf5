"""Scenarios for eprop_history_duration (NEST's count of kept e-prop history entries), run
by NEST and by jaxnest (test_eprop_history.py): small random e-prop networks, parrots and
spiking recurrent neurons (their flush events too) into recurrent neurons and a readout,
random cutoffs (eprop_synapse) or update intervals (bsshslm_2020), two Simulate calls."""
from __future__ import annotations

import numpy as np

SEEDS = (1, 2, 3, 4)


def run(nest, seed: int, bss: bool) -> dict:
    rng = np.random.default_rng(seed)
    nest.ResetKernel()
    U = float(rng.integers(5, 15))
    kw = dict(eprop_update_interval=U, eprop_learning_window=U) if bss else {}
    nest.set(resolution=1.0, total_num_virtual_procs=1, print_time=False, **kw)
    T = 150.0
    rec_p = {"V_th": 0.03, "C_m": 1.0, "E_L": 0.0, "V_m": 0.0, "tau_m": 30.0, "c_reg": 0.0}
    out_p = {}
    if bss:
        models = ("eprop_iaf_bsshslm_2020", "eprop_readout_bsshslm_2020",
                  "eprop_synapse_bsshslm_2020")
        rec_p["flush_event_send_interval"] = U * float(rng.integers(1, 3))
    else:
        models = ("eprop_iaf", "eprop_readout", "eprop_synapse")
        cut = float(rng.choice([3.0, 20.0, np.inf]))
        rec_p.update(eprop_isi_trace_cutoff=cut,
                     flush_event_send_interval=float(rng.integers(4, 30)))
        out_p["eprop_isi_trace_cutoff"] = cut
    gen = nest.Create("spike_generator", 4)
    inp = nest.Create("parrot_neuron", 4)
    rec = nest.Create(models[0], 3, rec_p)
    out = nest.Create(models[1], 1, out_p)
    syn = {"synapse_model": models[2], "delay": 1.0}
    nest.Connect(gen, inp, "one_to_one", {"delay": 1.0})
    for i in range(4):  # connections in the same order under both
        for j in range(3):
            if rng.random() < 0.7:
                nest.Connect(inp[i], rec[j], "one_to_one",
                             dict(syn, weight=float(rng.choice([0.01, 0.5]))))
    nest.Connect(rec, rec, {"rule": "all_to_all", "allow_autapses": False},
                 dict(syn, weight=0.01))
    nest.Connect(rec, out, "all_to_all", dict(syn, weight=0.1))
    sr = nest.Create("spike_recorder")
    nest.Connect(rec, sr)
    mm = nest.Create("multimeter", {"interval": 1.0, "record_from": ["eprop_history_duration"]})
    nest.Connect(mm, rec + out)
    for g in gen:
        g.spike_times = np.unique(rng.integers(1, int(T) - 5, int(rng.integers(0, 12)))) * 1.0
    nest.Simulate(T / 3 + 1.0)
    nest.Simulate(T - T / 3 - 1.0)
    ev = mm.get("events")
    order = np.lexsort((ev["times"], ev["senders"]))
    return {"duration": np.asarray(ev["eprop_history_duration"], float)[order].tolist(),
            "spikes": len(sr.get("events")["times"])}
