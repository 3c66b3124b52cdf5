"""iaf_psc_exp_htum through the whole API: Create with parameters, spike and current input, a
multimeter of every recordable, a spike_recorder, the model's defaults and the status after
simulating (with a SetStatus between two Simulate calls)."""


def run(nest, resolution=0.1):
    nest.ResetKernel()
    nest.resolution = resolution
    model = "iaf_psc_exp_htum"
    n = nest.Create(model, 3, params={"I_e": 300.0})
    n[1].set(I_e=600.0, t_ref_abs=1.0, t_ref_tot=5.3, V_m=-58.0)
    n[2].set(E_L=-65.0, V_th=-52.0, tau_syn_in=5.0, tau_m=12.0, t_ref_tot=4.0)
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 10.0, 10.5, 30.0, 30.0,
                                                                55.5, 70.0, 71.0, 72.5]})
    dc = nest.Create("dc_generator", params={"amplitude": 250.0, "start": 20.0, "stop": 90.0})
    nest.Connect(sg, n, syn_spec={"weight": 400.0, "delay": 1.0})
    nest.Connect(sg, n[1:], syn_spec={"weight": -300.0, "delay": 2.5})
    nest.Connect(dc, n[0::2], syn_spec={"delay": 0.5})
    d = nest.GetDefaults(model)
    rec = list(d["recordables"])
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": resolution})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(60.0)
    n[0].set(I_e=500.0, E_L=-68.0)
    nest.Simulate(60.0)
    node = set(nest.GetDefaults("parrot_neuron"))
    keys = sorted(k for k in d if k not in node and k != "recordables")
    out = {f"mm_{k}": mm.events[k] for k in ["senders", "times", *rec]}
    out.update(sr_senders=sr.events["senders"], sr_times=sr.events["times"],
               default_keys=keys, default_values=[float(d[k]) for k in keys],
               recordables=rec, status=[float(n[i].get(k)) for i in range(3) for k in keys],
               E_L=[float(e) for e in n.E_L])
    return out
