"""Single neurons driven by I_e, a dc_generator and spike input; one run per model."""


def run(nest, model="iaf_psc_alpha", resolution=0.1, params=None):
    nest.ResetKernel()
    nest.resolution = resolution
    n = nest.Create(model, 2, params=params or {})
    n[0].I_e = 450.0
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 10.0, 10.5, 30.0, 30.0,
                                                                55.5, 70.0]})
    dc = nest.Create("dc_generator", params={"amplitude": 380.0, "start": 20.0, "stop": 90.0})
    nest.Connect(sg, n, syn_spec={"weight": 900.0, "delay": 1.0})
    nest.Connect(sg, n[1], syn_spec={"weight": -400.0, "delay": 2.5})
    nest.Connect(dc, n[1], syn_spec={"delay": 0.5})
    rec = [r for r in nest.GetDefaults(model)["recordables"] if r != "t_ref_remaining"]
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": resolution})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(120.0)
    out = {f"mm_{k}": mm.events[k] for k in ["senders", "times", *rec]}
    out.update(sr_senders=sr.events["senders"], sr_times=sr.events["times"])
    return out


def run_resumed(nest, model="iaf_psc_alpha"):
    """Simulate in pieces with SetStatus between them; state must carry over exactly."""
    nest.ResetKernel()
    n = nest.Create(model, params={"I_e": 500.0})
    vm = nest.Create("voltmeter", params={"interval": 0.1})
    sr = nest.Create("spike_recorder")
    nest.Connect(vm, n)
    nest.Connect(n, sr)
    nest.Simulate(33.3)
    n.I_e = 300.0
    nest.Simulate(20.0)
    n.set({"V_m": -60.0, "t_ref": 3.0})
    with nest.RunManager():
        for _ in range(4):
            nest.Run(7.5)
    return dict(times=vm.events["times"], V_m=vm.events["V_m"], st=sr.events["times"],
                V_end=[n.V_m], bio=[nest.biological_time])
