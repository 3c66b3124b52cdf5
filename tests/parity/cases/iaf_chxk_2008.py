"""iaf_chxk_2008 through the whole API: ``run`` a small network (its spikes carry offsets
within the step: off-grid spikes), ``defaults`` what both report before any node exists."""


def defaults(nest):
    nest.ResetKernel()
    d = nest.GetDefaults("iaf_chxk_2008")
    node = set(nest.GetDefaults("parrot_neuron"))
    keys = sorted(k for k in d if k not in node and k != "recordables")
    return dict(default_keys=keys, default_values=[float(d[k]) for k in keys],
                recordables=list(d["recordables"]))


def run(nest, resolution=0.1):
    nest.ResetKernel()
    nest.resolution = resolution
    n = nest.Create("iaf_chxk_2008", 2, params={"I_e": 1800.0})
    n[1].set(ahp_bug=True, V_m=-50.0, tau_syn_ex=0.5)
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 10.0, 10.5, 30.0, 55.5]})
    dc = nest.Create("dc_generator", params={"amplitude": 500.0, "start": 20.0, "stop": 90.0})
    nest.Connect(sg, n, syn_spec={"weight": 40.0, "delay": 1.0})
    nest.Connect(sg, n[1], syn_spec={"weight": -30.0, "delay": 2.5})
    nest.Connect(dc, n[0], syn_spec={"delay": 0.5})
    rec = list(nest.GetDefaults("iaf_chxk_2008")["recordables"])
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": resolution})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(120.0)
    out = {f"mm_{k}": mm.events[k] for k in ["senders", "times", *rec]}
    out.update(sr_senders=sr.events["senders"], sr_times=sr.events["times"],
               off_grid_spiking=[nest.GetKernelStatus("off_grid_spiking")])
    return out
