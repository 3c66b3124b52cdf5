"""ignore_and_fire through the whole API: Create with phase and rate, input that it ignores,
a spike_recorder, the defaults and status, a SetStatus of phase and rate between two Simulate
calls (NEST restarts the countdown from the new values)."""


def run(nest, resolution=0.1):
    nest.ResetKernel()
    nest.resolution = resolution
    model = "ignore_and_fire"
    n = nest.Create(model, 4, params={"rate": 40.0, "phase": [1.0, 0.5, 0.25, 0.123]})
    n[3].set(rate=37.3)
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 10.0, 30.0]})
    dc = nest.Create("dc_generator", params={"amplitude": 1000.0, "start": 20.0, "stop": 90.0})
    nest.Connect(sg, n, syn_spec={"weight": 500.0, "delay": 1.0})
    nest.Connect(dc, n, syn_spec={"delay": 0.5})
    d = nest.GetDefaults(model)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(200.0)
    n[0].set(rate=25.0)
    n[1].set(phase=0.1)
    nest.Simulate(300.0)
    node = set(nest.GetDefaults("parrot_neuron"))
    keys = sorted(k for k in d if k not in node and k != "recordables")
    return dict(sr_senders=sr.events["senders"], sr_times=sr.events["times"],
                default_keys=keys, default_values=[float(d[k]) for k in keys],
                recordables=list(d["recordables"]),
                status=[float(n[i].get(k)) for i in range(4) for k in keys])
