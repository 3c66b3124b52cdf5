"""iaf_chs_2007 through the whole API: Create with parameters, spike input of both signs (the
negative weights are dropped), a multimeter, a spike_recorder, the model's defaults and the
status after simulating (with a SetStatus between two Simulate calls). No current input: NEST
refuses current generators for this model."""


def run(nest, resolution=0.1):
    nest.ResetKernel()
    nest.resolution = resolution
    model = "iaf_chs_2007"
    n = nest.Create(model, 3, params={"V_epsp": 1.1})
    n[1].set(V_reset=1.5, tau_epsp=4.0, V_m=0.5, V_noise=0.2)
    n[2].set(tau_reset=30.0, V_epsp=0.9)
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 10.0, 10.5, 30.0, 30.0,
                                                                55.5, 70.0, 71.0, 72.5]})
    nest.Connect(sg, n, syn_spec={"weight": 0.8, "delay": 1.0})
    nest.Connect(sg, n[1:], syn_spec={"weight": -0.5, "delay": 2.5})
    pg = nest.Create("spike_generator", params={"spike_times": [float(t) for t in
                                                                range(5, 115, 3)]})
    nest.Connect(pg, n, syn_spec={"weight": 0.6, "delay": 1.5})
    d = nest.GetDefaults(model)
    rec = list(d["recordables"])
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": resolution})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(60.0)
    n[0].set(V_epsp=1.3, tau_reset=10.0)
    nest.Simulate(60.0)
    node = set(nest.GetDefaults("parrot_neuron"))
    keys = sorted(k for k in d if k not in node and k not in ("recordables", "noise"))
    out = {f"mm_{k}": mm.events[k] for k in ["senders", "times", *rec]}
    out.update(sr_senders=sr.events["senders"], sr_times=sr.events["times"],
               default_keys=keys, default_values=[float(d[k]) for k in keys],
               recordables=rec, status=[float(n[i].get(k)) for i in range(3) for k in keys],
               noise_in_defaults=["noise" in d])
    return out
