"""Precise (off-grid) spike timing through the whole API: the iaf_psc_*_ps models,
parrot_neuron_ps, poisson_generator_ps, spike_generator with precise_times, iaf_chxk_2008's
off-grid spikes, spike recorders with offsets, off_grid_spiking.

``run`` simulates every deterministic scenario in one kernel session per model (one process
per backend); ``poisson`` gives poisson_generator_ps statistics for a few seeds."""
import numpy as np

PS = ["iaf_psc_alpha_ps", "iaf_psc_exp_ps", "iaf_psc_exp_ps_lossless", "iaf_psc_delta_ps"]
_PARAMS = {
    "iaf_psc_alpha_ps": [{"I_e": 300.0}, {"I_e": 150.0, "tau_syn_ex": 0.5, "t_ref": 1.05},
                         {"V_m": -50.0, "tau_m": 5.0, "C_m": 100.0, "V_min": -72.0}],
    "iaf_psc_exp_ps": [{"I_e": 300.0}, {"I_e": 150.0, "tau_syn_in": 5.0, "t_ref": 0.3},
                       {"V_m": -50.0, "tau_m": 5.0, "C_m": 100.0, "V_min": -72.0}],
    "iaf_psc_exp_ps_lossless": [{"I_e": 300.0}, {"I_e": 150.0, "t_ref": 0.3},
                                {"V_m": -50.0, "tau_m": 5.0, "C_m": 100.0, "V_min": -72.0}],
    "iaf_psc_delta_ps": [{"I_e": 300.0}, {"I_e": 150.0, "t_ref": 0.3},
                         {"V_m": -50.0, "tau_m": 5.0, "C_m": 100.0, "V_min": -72.0}],
}


def _times(rng, n, t0, t1, h):
    """Off-grid times, some twice, some in the same step, one on the grid."""
    t = np.sort(rng.uniform(t0, t1, n))
    t = np.concatenate([t, t[::7], t[::11] + 0.3 * h, [np.round(t[3] / h) * h]])
    return np.sort(t)


def _one(nest, model, h, tag, out):
    nest.ResetKernel()
    nest.resolution = h
    rng = np.random.default_rng(len(model) + int(10 * h))
    delta = model == "iaf_psc_delta_ps"
    w = 1.2 if delta else 60.0
    n = nest.Create(model, 3, params=_PARAMS[model])
    grid = nest.Create("iaf_psc_alpha")
    sg_ex = nest.Create("spike_generator", params={
        "precise_times": True, "spike_times": _times(rng, 160, 0.5, 95.0, h)})
    t_in = _times(rng, 60, 0.5, 95.0, h)
    sg_in = nest.Create("spike_generator", params={
        "precise_times": True, "spike_times": t_in,
        "spike_multiplicities": rng.integers(1, 3, t_in.size)})
    sg_grid = nest.Create("spike_generator", params={
        "spike_times": np.unique(np.round(rng.uniform(1.0, 95.0, 40) / h) * h)})
    dc = nest.Create("dc_generator", params={"amplitude": 120.0 if not delta else 80.0,
                                             "start": 20.0, "stop": 70.0})
    nest.Connect(sg_ex, n, syn_spec={"weight": w, "delay": 1.0})
    nest.Connect(sg_in, n[:2], syn_spec={"weight": -0.8 * w, "delay": 0.5})
    nest.Connect(sg_grid, n[1:], syn_spec={"weight": 0.7 * w, "delay": 2.0})
    nest.Connect(dc, n[1], syn_spec={"delay": 0.5})
    nest.Connect(n[0], n[1:], syn_spec={"weight": 2.0 * w, "delay": 0.3})
    nest.Connect(n[1], n[0], syn_spec={"weight": -1.5 * w, "delay": 1.7})
    nest.Connect(n, grid, syn_spec={"weight": 300.0, "delay": 1.0})
    rec = list(nest.GetDefaults(model)["recordables"])
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": h})
    nest.Connect(mm, n)
    mm_grid = nest.Create("voltmeter", params={"interval": h})
    nest.Connect(mm_grid, grid)
    sr = nest.Create("spike_recorder")
    sr_steps = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(n, sr)
    nest.Connect(sg_in, sr)
    nest.Connect(n, sr_steps)
    nest.Simulate(40.0)
    n[0].set(V_m=-50.0)                 # superthreshold: spikes at once
    n[1].set(I_e=250.0, t_ref=0.5)
    nest.Simulate(37.3)                 # ends inside a min_delay slice
    nest.Simulate(22.7)
    out[f"{tag}off_grid_spiking"] = [nest.GetKernelStatus("off_grid_spiking")]
    for k in ["senders", "times", *rec]:
        out[f"{tag}mm_{k}"] = mm.events[k]
    out[f"{tag}mm_grid_V_m"] = mm_grid.events["V_m"]
    out[f"{tag}sr_senders"] = sr.events["senders"]
    out[f"{tag}sr_times"] = sr.events["times"]
    for k in ("senders", "times", "offsets"):
        out[f"{tag}steps_{k}"] = sr_steps.events[k]
    st = n.get()
    for k in sorted(st):
        if k in ("V_m", "is_refractory", "t_spike", "I_syn_ex", "I_syn_in", "dI_syn_ex",
                 "dI_syn_in", "offset", "I_syn", "refractory_input"):
            out[f"{tag}status_{k}"] = np.asarray(st[k], dtype=float)


def run(nest, models=PS, resolutions=(0.1,)):
    out = {}
    for model in models:
        for h in resolutions:
            _one(nest, model, h, f"{model}_{h}_", out)
    return out


def parrot(nest):
    """parrot_neuron_ps: relays precise times (several per step, multiplicities, a chain,
    receptor 1 ignored), and a grid poisson_generator's multiplicity."""
    nest.ResetKernel()
    out = {}
    sg = nest.Create("spike_generator", params={
        "precise_times": True, "spike_times": [1.0, 1.05, 1.05, 1.0501, 2.333333, 3.0, 7.77],
        "spike_multiplicities": [1, 2, 1, 1, 1, 3, 1]})
    p = nest.Create("parrot_neuron_ps", 3)
    nest.Connect(sg, p[0], syn_spec={"delay": 0.5})
    nest.Connect(sg, p[0], syn_spec={"delay": 0.5})
    nest.Connect(sg, p[2], syn_spec={"delay": 0.7, "receptor_type": 1})
    nest.Connect(p[0], p[1], syn_spec={"delay": 0.7, "weight": -3.0})
    n = nest.Create("iaf_psc_exp_ps", params={"V_th": 1e6})
    nest.Connect(p[1], n, syn_spec={"weight": 200.0, "delay": 1.1})
    sr = nest.Create("spike_recorder", params={"time_in_steps": True})
    sr2 = nest.Create("spike_recorder")
    nest.Connect(p, sr)
    nest.Connect(sg, sr2)
    nest.Connect(p, sr2)
    pg = nest.Create("poisson_generator", params={"rate": 1e5, "stop": 20.0})
    q = nest.Create("parrot_neuron_ps")
    nest.Connect(pg, q, syn_spec={"delay": 1.0})
    mm = nest.Create("voltmeter", params={"interval": 0.1})
    nest.Connect(mm, n)
    nest.Simulate(12.0)
    srq = nest.Create("spike_recorder")
    nest.Connect(q, srq)
    nest.Simulate(10.0)
    for k in ("senders", "times", "offsets"):
        out[f"steps_{k}"] = sr.events[k]
    out["sr_senders"], out["sr_times"] = sr2.events["senders"], sr2.events["times"]
    out["mm_V_m"] = mm.events["V_m"]
    out["n_q"] = [srq.n_events]  # statistics only: the generator is random
    out["off_grid_spiking"] = [nest.GetKernelStatus("off_grid_spiking")]
    return out


def spike_generator(nest):
    """spike_generator's times: precise (offsets), allow_offgrid_times, the grid in tics, the
    window on the stamps, and the errors."""
    out = {}
    for h in (0.1, 0.5):
        nest.ResetKernel()
        nest.resolution = h
        t = [0.1, 5.0, 5.3, 5.300001, 5.399999, 5.9, 6.0, 9.3]
        sg = nest.Create("spike_generator", params={
            "precise_times": True, "spike_times": t, "start": 5.0, "stop": 6.0})
        sg2 = nest.Create("spike_generator", params={
            "allow_offgrid_times": True, "spike_times": [1.0, 1.05, 3.0001, 4.2999]})
        sg3 = nest.Create("spike_generator", params={"spike_times": [2.9999, 4.0001]})
        sr = nest.Create("spike_recorder", params={"time_in_steps": True})
        sr2 = nest.Create("spike_recorder")
        nest.Connect(sg + sg2 + sg3, sr)
        nest.Connect(sg + sg2 + sg3, sr2)
        nest.Simulate(10.0)
        for k in ("senders", "times", "offsets"):
            out[f"{h}_steps_{k}"] = sr.events[k]
        out[f"{h}_times"] = sr2.events["times"]
        out[f"{h}_get"] = np.concatenate([x.get("spike_times") for x in (sg, sg2, sg3)])
        out[f"{h}_ogs"] = [nest.GetKernelStatus("off_grid_spiking")]
    errs = []
    for params in ({"precise_times": True, "allow_offgrid_times": True},
                   {"precise_times": True, "shift_now_spikes": True},
                   {"spike_times": [0.0]}, {"spike_times": [1.05]},
                   {"spike_times": [2.0, 1.0], "precise_times": True}):
        nest.ResetKernel()
        try:
            nest.Create("spike_generator", params=params)
            errs.append("ok")
        except Exception as e:  # noqa: BLE001 - the error class is compared
            errs.append(type(e).__name__)
    out["errors"] = errs
    return out


def poisson(nest, seeds=(1, 2, 3, 4, 5, 6), rate=2000.0, dead_time=0.2):
    """poisson_generator_ps: per seed, spike counts and interval statistics of two trains,
    the spikes outside the window, and a precise neuron's V_m driven through a parrot
    (NEST's test_iaf_ps_psp_poisson_accuracy setup, checked against the analytic sum)."""
    out = {k: [] for k in ("count", "mean_isi", "cv", "min_isi", "outside", "same",
                           "psp_err")}
    for seed in seeds:
        nest.ResetKernel()
        nest.rng_seed = seed
        nest.resolution = 0.1
        pg = nest.Create("poisson_generator_ps", params={
            "rate": rate, "dead_time": dead_time, "start": 5.0, "stop": 205.0})
        srs = nest.Create("spike_recorder", 2)
        nest.Connect(pg, srs[0])
        nest.Connect(pg, srs[1])
        parrot = nest.Create("parrot_neuron_ps")
        neuron = nest.Create("iaf_psc_alpha_ps", params={"E_L": 0.0, "V_m": 0.0, "V_th": 1e9,
                                                         "tau_syn_ex": 0.3, "tau_syn_in": 0.3})
        sr_p = nest.Create("spike_recorder")
        nest.Connect(pg, parrot)
        nest.Connect(parrot, neuron, syn_spec={"weight": 65.0, "delay": 1.0})
        nest.Connect(parrot, sr_p)
        nest.Simulate(100.0)
        nest.Simulate(120.0)
        tr = [np.asarray(s.events["times"]) for s in srs]
        for t in tr:
            isi = np.diff(t)
            out["count"].append(t.size)
            out["mean_isi"].append(isi.mean())
            out["cv"].append(isi.std() / isi.mean())
            out["min_isi"].append(isi.min())
            out["outside"].append(int(np.sum((t <= 5.0) | (t > 205.0))))
        out["same"].append(int(np.array_equal(tr[0], tr[1])))
        T = 220.0
        sp = np.asarray(sr_p.events["times"])
        tt = T - 1.0 - sp
        tt = tt[tt > 0]
        a, b = 1 / 0.3, 1 / 10.0
        v = 65.0 * np.e / (0.3 * 250.0) * ((np.exp(-tt * b) - np.exp(-tt * a)) / (a - b) ** 2
                                            - tt * np.exp(-tt * a) / (a - b))
        out["psp_err"].append(abs(float(neuron.V_m) - float(v.sum())))
    out["errors"] = []
    for params in ({"rate": -1.0}, {"dead_time": -1.0}, {"rate": 1000.0, "dead_time": 2.0}):
        nest.ResetKernel()
        try:
            nest.Create("poisson_generator_ps", params=params)
            out["errors"].append("ok")
        except Exception as e:  # noqa: BLE001
            out["errors"].append(type(e).__name__)
    return out


def chxk(nest, resolution=0.1):
    """iaf_chxk_2008's off-grid spikes (recorded at stamp - offset) driving a precise
    neuron."""
    nest.ResetKernel()
    nest.resolution = resolution
    n = nest.Create("iaf_chxk_2008", 2, params={"I_e": 1800.0})
    n[1].set(ahp_bug=True, V_m=-50.0, tau_syn_ex=0.5)
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 10.0, 10.5, 30.0, 55.5]})
    nest.Connect(sg, n, syn_spec={"weight": 40.0, "delay": 1.0})
    p = nest.Create("iaf_psc_alpha_ps", params={"V_th": 1e6})
    nest.Connect(n, p, syn_spec={"weight": 100.0, "delay": 1.0})
    mm = nest.Create("multimeter", params={"record_from": ["V_m", "g_ahp"], "interval": 0.1})
    nest.Connect(mm, n)
    vm = nest.Create("voltmeter", params={"interval": 0.1})
    nest.Connect(vm, p)
    sr = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(n, sr)
    nest.Simulate(120.0)
    out = {f"mm_{k}": mm.events[k] for k in ("senders", "times", "V_m", "g_ahp")}
    out["mm_p_V_m"] = vm.events["V_m"]
    out.update({f"sr_{k}": sr.events[k] for k in ("senders", "times", "offsets")})
    out["off_grid_spiking"] = [nest.GetKernelStatus("off_grid_spiking")]
    return out


def status(nest):
    """Defaults, status keys and the errors of bad parameters and read-only keys."""
    out = {}
    bad = [{"V_reset": -50.0}, {"C_m": 0.0}, {"t_ref": 0.0}, {"tau_m": -1.0},
           {"tau_syn_ex": 3.0}, {"tau_m": 2.0}, {"V_min": -60.0}, {"is_refractory": True},
           {"I_syn_ex": 1.0}, {"dI_syn_ex": 1.0}, {"t_spike": 1.0}, {"offset": 1.0},
           {"refractory_input": True}, {"I_syn": 1.0}]
    common = {"neuron": set(nest.GetDefaults("parrot_neuron")) - {"recordables"},
              "stimulator": set(nest.GetDefaults("dc_generator")) - {"origin", "start",
                                                                      "stop"}}
    for m in PS + ["parrot_neuron_ps", "poisson_generator_ps"]:
        nest.ResetKernel()
        d = nest.GetDefaults(m)
        keys = sorted(set(d) - common[d["element_type"]])
        out[f"{m}_keys"] = keys
        out[f"{m}_values"] = [repr(d[k]) if isinstance(d[k], (str, list, tuple, dict)) else
                              min(float(d[k]), 1e300) for k in keys]
        if m.startswith("iaf"):
            errs = []
            for b in bad:
                if not set(b) <= set(d):
                    errs.append("skip")
                    continue
                nest.ResetKernel()
                x = nest.Create(m)
                try:
                    x.set(b)
                    errs.append("ok")
                except Exception as e:  # noqa: BLE001
                    errs.append(type(e).__name__)
            out[f"{m}_errors"] = errs
    return out


def stdp(nest, shift=10.0):
    """stdp_synapse between parrot_neuron_ps (onto port 1, ignored), and from a grid parrot
    into an iaf_psc_alpha_ps: the postsynaptic archive holds the precise times (stamp -
    offset), also of several events in one step; the presynaptic time is the stamp."""
    out = {"w": []}
    for delta in (0.01, 0.003):
        nest.ResetKernel()
        nest.resolution = 0.1
        pre = sorted(t - k * delta for t in (100.0, 200.0, 250.03) for k in range(4))
        post = [t + shift for t in pre]
        sg_pre = nest.Create("spike_generator", params={"spike_times": pre, "precise_times": True})
        sg_post = nest.Create("spike_generator", params={"spike_times": post,
                                                         "precise_times": True})
        pp, qp = nest.Create("parrot_neuron_ps", 2)
        grid = nest.Create("parrot_neuron")
        sg_grid = nest.Create("spike_generator", params={"spike_times": np.arange(5.0, 300.0,
                                                                                  7.3).round(1)})
        n = nest.Create("iaf_psc_alpha_ps", params={"I_e": 420.0})
        nest.Connect(sg_pre, pp, syn_spec={"delay": 1.0})
        nest.Connect(sg_post, qp, syn_spec={"delay": 1.0})
        nest.Connect(sg_grid, grid)
        nest.Connect(pp, qp, syn_spec={"synapse_model": "stdp_synapse", "receptor_type": 1})
        nest.Connect(grid, n, syn_spec={"synapse_model": "stdp_synapse", "weight": 20.0})
        nest.Simulate(300.0)
        for c in (nest.GetConnections(pp, qp), nest.GetConnections(grid, n)):
            out["w"].append(float(c.get("weight")))
    return out


def plastic_into_precise(nest, models=("iaf_psc_alpha_ps", "iaf_psc_exp_ps", "iaf_psc_delta_ps",
                                       "parrot_neuron_ps"),
                         synapses=("stdp_synapse", "stdp_nn_symm_synapse", "tsodyks2_synapse",
                                   "stdp_synapse_hom")):
    """Plastic synapses from parrot_neuron_ps (off-grid spikes, several per step, some with
    multiplicity) into precise neurons: each event reaches its target at its offset with the
    weight the rule gave it (the rule sees the stamp), the targets' archives hold their
    precise times. Traces, spikes with offsets, weights and weight_recorder events."""
    out = {}
    rng = np.random.default_rng(85)
    for model in models:
        for syn in synapses:
            nest.ResetKernel()
            nest.resolution = 0.1
            tag = f"{model}_{syn}"
            t_pre = _times(rng, 90, 1.0, 140.0, 0.1)
            sg = nest.Create("spike_generator", params={
                "precise_times": True, "spike_times": t_pre,
                "spike_multiplicities": rng.integers(1, 3, t_pre.size)})
            drive = nest.Create("spike_generator", params={
                "precise_times": True, "spike_times": _times(rng, 120, 1.0, 140.0, 0.1)})
            src = nest.Create("parrot_neuron_ps", 2)
            params = {} if model == "parrot_neuron_ps" else {"I_e": 200.0}
            tgt = nest.Create(model, 2, params=params)
            wr = nest.Create("weight_recorder")
            nest.CopyModel(syn, "rec_" + syn, {"weight_recorder": wr})
            nest.Connect(sg, src, syn_spec={"delay": 1.0})
            w = 3.0 if model == "iaf_psc_delta_ps" else 60.0
            if model != "parrot_neuron_ps":
                nest.Connect(drive, tgt, syn_spec={"weight": 2.0 * w, "delay": 0.7})
            nest.Connect(src, tgt[0], syn_spec={"synapse_model": "rec_" + syn, "weight": w,
                                                "delay": 1.3})
            nest.Connect(src, tgt[1], syn_spec={"synapse_model": "rec_" + syn, "weight": w,
                                                "delay": 0.1})
            nest.Connect(src[1], tgt[0], syn_spec={"synapse_model": syn, "weight": -0.6 * w,
                                                   "delay": 0.4})
            sr = nest.Create("spike_recorder")
            nest.Connect(tgt + src, sr)
            if model != "parrot_neuron_ps":
                mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
                nest.Connect(mm, tgt)
            nest.Simulate(80.0)
            nest.Simulate(70.0)
            ev = sr.events
            out[f"{tag}_sr_senders"] = np.asarray(ev["senders"])
            out[f"{tag}_sr_times"] = np.asarray(ev["times"], float)
            if model != "parrot_neuron_ps":
                out[f"{tag}_V_m"] = np.asarray(mm.events["V_m"], float)
                out[f"{tag}_t_spike"] = np.asarray(tgt.get("t_spike"), float)
            c = nest.GetConnections(src, tgt)
            out[f"{tag}_conn_senders"] = np.asarray(c.get("source"))
            out[f"{tag}_weight"] = np.asarray(c.get("weight"), float)
            e = wr.events
            order = np.lexsort((np.asarray(e["targets"]), np.asarray(e["senders"]),
                                np.asarray(e["times"])))
            out[f"{tag}_wr_times"] = np.asarray(e["times"], float)[order]
            out[f"{tag}_wr_senders"] = np.asarray(e["senders"])[order]
            out[f"{tag}_wr_weights"] = np.asarray(e["weights"], float)[order]
    return out
