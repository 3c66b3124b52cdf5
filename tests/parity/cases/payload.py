"""iaf_tum_2000 and iaf_bw_2001: neurons whose spikes carry a value in NEST's offset field
(the Tsodyks-Markram efficacy; the NMDA increment), read by their receivers' receptor 1
(tum) or NMDA (bw). ``defaults``, ``tum``, ``bw`` (small networks, traces and spikes with
offsets), ``errors`` (connection rules and bad values)."""
import numpy as np


def defaults(nest, model):
    nest.ResetKernel()
    d = nest.GetDefaults(model)
    node = set(nest.GetDefaults("parrot_neuron")) | {"t_spike"}  # (jaxnest's parrot lacks it)
    keys = sorted(k for k in d if k not in node and k not in ("recordables", "receptor_types"))
    return dict(default_keys=keys, default_values=[float(d[k]) for k in keys],
                recordables=list(d["recordables"]),
                receptors=sorted(d.get("receptor_types", {}).items()))


def _record(nest, out, prefix, nodes, keys, interval=0.1):
    mm = nest.Create("multimeter", params={"record_from": keys, "interval": interval})
    nest.Connect(mm, nodes)
    return lambda: out.update({f"mm_{prefix}_{k}": mm.events[k]
                               for k in ["senders", "times", *keys]})


def _spikes(nest, nodes):
    sr = nest.Create("spike_recorder")
    sr_s = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(nodes, sr)
    nest.Connect(nodes, sr_s)

    def read(out, prefix):
        out[f"{prefix}_senders"] = sr.events["senders"]
        out[f"{prefix}_times"] = sr.events["times"]
        out[f"{prefix}_steps"] = sr_s.events["times"]
        out[f"{prefix}_offsets"] = sr_s.events["offsets"]
    return read


def tum(nest, resolution=0.1):
    """Depressing and facilitating senders into iaf_tum_2000 on receptor 1 (weights of both
    signs, several delays) and receptor 0; ordinary senders on receptor 1 (offset 0: no
    effect); currents on both receptors; into iaf_psc_alpha (the payload ignored) and through
    an stdp_synapse (the archive at the stamp); state set between two runs."""
    nest.ResetKernel()
    nest.resolution = resolution
    out = {}
    pre = nest.Create("iaf_tum_2000", 3, params={"I_e": 480.0, "tau_m": 12.0})
    pre[1].set(U=0.1, tau_fac=500.0, tau_rec=150.0, tau_psc=3.0, I_e=430.0, V_m=-60.0)
    pre[2].set(x=0.3, y=0.2, u=0.4, tau_fac=0.0, t_ref=0.35, I_e=700.0)
    post = nest.Create("iaf_tum_2000", 2, params={"tau_syn_ex": 1.5, "tau_syn_in": 4.0,
                                                  "I_e": 360.0})
    alpha = nest.Create("iaf_psc_alpha")
    sg = nest.Create("spike_generator", params={"spike_times": [5.0, 22.3, 60.0, 61.0]})
    dc = nest.Create("dc_generator", params={"amplitude": 80.0, "start": 30.0, "stop": 90.0})
    nest.Connect(pre[0], post, syn_spec={"receptor_type": 1, "weight": 4000.0, "delay": 1.0})
    nest.Connect(pre[1], post[0], syn_spec={"receptor_type": 1, "weight": -2000.0,
                                            "delay": 2.3})
    nest.Connect(pre[2], post[1], syn_spec={"receptor_type": 1, "weight": 3000.0, "delay": 0.4})
    nest.Connect(pre[1], post[1], syn_spec={"receptor_type": 1, "weight": 300.0, "delay": 0.7})
    nest.Connect(sg, post, syn_spec={"weight": 300.0, "delay": 1.5})
    nest.Connect(sg, post[1], syn_spec={"receptor_type": 1, "weight": 900.0})
    nest.Connect(alpha, post[0], syn_spec={"receptor_type": 1, "weight": 900.0})
    nest.Connect(dc, post[0], syn_spec={"receptor_type": 1})
    nest.Connect(dc, post[1])
    nest.Connect(pre, alpha, syn_spec={"weight": 150.0})
    nest.Connect(pre[0], alpha, syn_spec={"synapse_model": "stdp_synapse", "weight": 20.0,
                                          "delay": 1.2})
    read_mm = _record(nest, out, "post", post, ["V_m", "I_syn_ex", "I_syn_in"])
    read_sr = _spikes(nest, pre + post)
    nest.Simulate(60.0)
    pre[0].set(x=0.9, y=0.05, u=0.2)
    nest.Simulate(90.0)
    read_mm()
    read_sr(out, "sr")
    for k in ("x", "y", "u", "t_spike", "V_m"):
        out[f"status_{k}"] = np.array(pre.get(k) + post.get(k), float)
    out["stdp_weight"] = [float(nest.GetConnections(pre[0], alpha,
                                                    synapse_model="stdp_synapse").weight)]
    out["off_grid_spiking"] = [nest.GetKernelStatus("off_grid_spiking")]
    return out


def bw(nest, resolution=0.1):
    """A small recurrent iaf_bw_2001 network: AMPA and NMDA (the payload) between excitatory
    neurons, GABA from an inhibitory one, spike generators on AMPA/GABA, a dc current, one
    neuron with other NMDA constants (k_0, k_1) and solver tolerance; two runs."""
    nest.ResetKernel()
    nest.resolution = resolution
    out = {}
    ex = nest.Create("iaf_bw_2001", 3, params={"V_th": -52.0, "V_reset": -58.0})
    ex[2].set(tau_rise_NMDA=5.0, alpha=0.3, tau_decay_NMDA=80.0, conc_Mg2=1.5,
              gsl_error_tol=1e-4, t_ref=1.0)
    inh = nest.Create("iaf_bw_2001", params={"C_m": 200.0, "g_L": 20.0, "t_ref": 1.0,
                                             "V_th": -52.0})
    r = nest.GetDefaults("iaf_bw_2001")["receptor_types"]
    dc = nest.Create("dc_generator", params={"amplitude": 480.0})
    sg = nest.Create("spike_generator", params={"spike_times": np.arange(3.0, 200.0, 4.7)
                                                .round(1)})
    nest.Connect(dc, ex[0])
    nest.Connect(dc, ex[1:] + inh, syn_spec={"weight": 0.85})
    nest.Connect(sg, ex[1:] + inh, syn_spec={"receptor_type": r["AMPA"], "weight": 4.0,
                                             "delay": 0.5})
    nest.Connect(ex, ex, syn_spec={"receptor_type": r["AMPA"], "weight": 0.4, "delay": 0.5})
    nest.Connect(ex, ex, syn_spec={"receptor_type": r["NMDA"], "weight": 0.6, "delay": 0.5})
    nest.Connect(ex[0], ex[2], syn_spec={"receptor_type": r["NMDA"], "weight": 0.3,
                                         "delay": 2.1})
    nest.Connect(ex, inh, syn_spec={"receptor_type": r["NMDA"], "weight": 0.5, "delay": 0.8})
    nest.Connect(inh, ex, syn_spec={"receptor_type": r["GABA"], "weight": 1.5, "delay": 0.5})
    rec = list(nest.GetDefaults("iaf_bw_2001")["recordables"])
    read_mm = _record(nest, out, "bw", ex + inh, rec)
    read_sr = _spikes(nest, ex + inh)
    nest.Simulate(80.0)
    ex[1].set(s_NMDA=0.5, V_m=-53.0)
    nest.Simulate(120.0)
    read_mm()
    read_sr(out, "sr")
    for k in ("V_m", "s_AMPA", "s_GABA", "s_NMDA", "I_NMDA", "t_spike"):
        out[f"status_{k}"] = np.array((ex + inh).get(k), float)
    return out


def _try(f):
    try:
        f()
        return "none"
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__


def errors(nest):
    """Connection rules (each pair in a fresh kernel; raised by Connect itself, as NEST
    raises them) and bad parameter or state values."""
    out = []

    def link(a, b, spec):
        def f():
            nest.ResetKernel()
            nodes = {}
            nest.CopyModel("iaf_tum_2000", "tum_copy")
            for name in {a, b}:
                nodes[name] = nest.Create(name)
            nest.Connect(nodes[a], nodes[b] if b != a else nest.Create(b), syn_spec=spec)
        return _try(f)

    for a, b, spec in [("iaf_tum_2000", "iaf_tum_2000", {}),
                       ("iaf_tum_2000", "iaf_tum_2000", {"receptor_type": 1}),
                       ("iaf_tum_2000", "iaf_tum_2000", {"receptor_type": 2}),
                       ("iaf_tum_2000", "iaf_psc_exp_ps", {}),
                       ("iaf_tum_2000", "iaf_bw_2001", {"receptor_type": 1}),
                       ("iaf_tum_2000", "tum_copy", {"receptor_type": 1}),
                       ("tum_copy", "iaf_tum_2000", {}),
                       ("iaf_bw_2001", "iaf_tum_2000", {"receptor_type": 1}),
                       ("iaf_bw_2001", "iaf_bw_2001", {}),
                       ("iaf_bw_2001", "iaf_bw_2001", {"receptor_type": 4}),
                       ("poisson_generator", "iaf_bw_2001", {"receptor_type": 3}),
                       ("iaf_psc_alpha", "iaf_bw_2001", {"receptor_type": 3}),
                       ("spike_generator", "iaf_bw_2001", {"receptor_type": 2}),
                       ("poisson_generator", "iaf_tum_2000", {"receptor_type": 1}),
                       ("dc_generator", "iaf_tum_2000", {"receptor_type": 1}),
                       ("dc_generator", "iaf_tum_2000", {"receptor_type": 2}),
                       ("dc_generator", "iaf_bw_2001", {"receptor_type": 1})]:
        out.append(link(a, b, spec))
    bad = [("iaf_tum_2000", {"x": 0.6, "y": 0.5}), ("iaf_tum_2000", {"u": 1.5}),
           ("iaf_tum_2000", {"U": -0.1}), ("iaf_tum_2000", {"tau_psc": 0.0}),
           ("iaf_tum_2000", {"tau_rec": -1.0}), ("iaf_tum_2000", {"tau_fac": -1.0}),
           ("iaf_tum_2000", {"delta": -1.0}), ("iaf_tum_2000", {"V_reset": -50.0}),
           ("iaf_tum_2000", {"t_spike": 3.0}),
           ("iaf_bw_2001", {"alpha": 0.0}), ("iaf_bw_2001", {"conc_Mg2": 0.0}),
           ("iaf_bw_2001", {"gsl_error_tol": 0.0}), ("iaf_bw_2001", {"tau_rise_NMDA": 0.0}),
           ("iaf_bw_2001", {"t_ref": -1.0}), ("iaf_bw_2001", {"C_m": 0.0}),
           ("iaf_bw_2001", {"I_NMDA": 1.0}), ("iaf_bw_2001", {"V_reset": -50.0})]
    for model, params in bad:
        def f(model=model, params=params):
            nest.ResetKernel()
            nest.Create(model).set(params)
        out.append(_try(f))
    return {"errors": np.array(out)}
