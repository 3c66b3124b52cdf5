"""hh_cond_beta_gap_traub through the whole API: Create with parameters, spike and current
input, a multimeter of every recordable, a spike_recorder, and the model's defaults."""


def run(nest, resolution=0.1, params=None):
    nest.ResetKernel()
    nest.resolution = resolution
    model = "hh_cond_beta_gap_traub"
    n = nest.Create(model, 3, params=params or {})
    n[1].set(I_e=300.0, t_ref=3.3, tau_rise_ex=1.0, tau_decay_ex=3.0)
    n[2].set(V_T=-58.0, tau_rise_in=2.0, tau_decay_in=2.0, V_m=-55.0, Act_m=0.05)
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 10.0, 10.5, 30.0, 30.0,
                                                                55.5, 70.0, 71.0, 72.5]})
    dc = nest.Create("dc_generator", params={"amplitude": 250.0, "start": 20.0, "stop": 90.0})
    nest.Connect(sg, n, syn_spec={"weight": 40.0, "delay": 1.0})
    nest.Connect(sg, n[1:], syn_spec={"weight": -30.0, "delay": 2.5})
    nest.Connect(dc, n[0::2], syn_spec={"delay": 0.5})
    d = nest.GetDefaults(model)
    rec = list(d["recordables"])
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": resolution})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(120.0)
    node = set(nest.GetDefaults("parrot_neuron"))
    keys = sorted(k for k in d if k not in node and k != "recordables")
    out = {f"mm_{k}": mm.events[k] for k in ["senders", "times", *rec]}
    out.update(sr_senders=sr.events["senders"], sr_times=sr.events["times"],
               default_keys=keys, default_values=[float(d[k]) for k in keys],
               recordables=rec, status=[float(n[2].get(k)) for k in keys])
    return out
