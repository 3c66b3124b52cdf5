"""izhikevich through the whole API: Create with parameters (both integration schemes),
spike input of both signs, current input, a multimeter of every recordable, a spike_recorder,
the model's defaults and the status after simulating (SetStatus between two Simulate calls)."""


def run(nest, resolution=0.1):
    nest.ResetKernel()
    nest.resolution = resolution
    model = "izhikevich"
    n = nest.Create(model, 3, params={"I_e": 5.0})
    n[1].set(consistent_integration=False, a=0.1, d=2.0, V_m=-70.0, U_m=-14.0)
    n[2].set(c=-50.0, d=2.0, V_min=-72.0, V_th=25.0)
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 10.0, 11.0, 30.0, 30.0,
                                                                56.0, 70.0, 71.0, 73.0]})
    dc = nest.Create("dc_generator", params={"amplitude": 8.0, "start": 20.0, "stop": 90.0})
    nest.Connect(sg, n, syn_spec={"weight": 6.0, "delay": 1.0})
    nest.Connect(sg, n[1:], syn_spec={"weight": -9.0, "delay": 2.5})
    nest.Connect(dc, n[0::2], syn_spec={"delay": 0.5})
    d = nest.GetDefaults(model)
    rec = list(d["recordables"])
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": resolution})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(60.0)
    n[0].set(I_e=10.0, b=0.25)
    nest.Simulate(60.0)
    node = set(nest.GetDefaults("parrot_neuron"))
    keys = sorted(k for k in d if k not in node and k != "recordables")
    out = {f"mm_{k}": mm.events[k] for k in ["senders", "times", *rec]}
    out.update(sr_senders=sr.events["senders"], sr_times=sr.events["times"],
               default_keys=keys, default_values=[float(d[k]) for k in keys],
               recordables=rec, status=[float(n[i].get(k)) for i in range(3) for k in keys])
    return out
