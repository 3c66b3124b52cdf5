"""iaf_cond_exp_sfa_rr through the whole API: Create with parameters, spike and current input, a
multimeter of every recordable, a spike_recorder, the model's defaults and the status after
simulating (with a SetStatus between two Simulate calls)."""


def run(nest, resolution=0.1):
    nest.ResetKernel()
    nest.resolution = resolution
    model = "iaf_cond_exp_sfa_rr"
    n = nest.Create(model, 3, params={"I_e": 500.0})
    n[1].set(I_e=900.0, t_ref=3.3, q_sfa=30.0, tau_sfa=60.0, V_m=-58.0)
    n[2].set(V_m=-100.0, g_sfa=5.0, g_rr=200.0, E_rr=-75.0, q_rr=1000.0, I_e=700.0)
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 10.0, 10.5, 30.0, 30.0,
                                                                55.5, 70.0, 71.0, 72.5]})
    dc = nest.Create("dc_generator", params={"amplitude": 350.0, "start": 20.0, "stop": 90.0})
    nest.Connect(sg, n, syn_spec={"weight": 40.0, "delay": 1.0})
    nest.Connect(sg, n[1:], syn_spec={"weight": -15.0, "delay": 2.5})
    nest.Connect(dc, n[0::2], syn_spec={"delay": 0.5})
    d = nest.GetDefaults(model)
    rec = list(d["recordables"])
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": resolution})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(60.0)
    n[0].set(I_e=800.0, tau_syn_ex=1.0, V_m=-60.0)
    nest.Simulate(60.0)
    node = set(nest.GetDefaults("parrot_neuron"))
    keys = sorted(k for k in d if k not in node and k != "recordables")
    out = {f"mm_{k}": mm.events[k] for k in ["senders", "times", *rec]}
    out.update(sr_senders=sr.events["senders"], sr_times=sr.events["times"],
               default_keys=keys, default_values=[float(d[k]) for k in keys],
               recordables=rec, status=[float(n[i].get(k)) for i in range(3) for k in keys])
    return out
