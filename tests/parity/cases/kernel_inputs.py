"""Kernel input paths: current receptors, per-event sign channels, random draws in updates."""


def current_receptor(nest):
    """iaf_psc_exp: a dc_generator on receptor 1 is filtered by the excitatory synapse (I_syn_ex),
    one on receptor 0 drives V_m directly; a bad current receptor is refused at Connect."""
    nest.ResetKernel()
    n = nest.Create("iaf_psc_exp", 2, params={"tau_syn_ex": 3.0})
    dc1 = nest.Create("dc_generator", params={"amplitude": 500.0, "start": 5.0, "stop": 60.0})
    dc0 = nest.Create("dc_generator", params={"amplitude": 300.0, "start": 20.0, "stop": 40.0})
    nest.Connect(dc1, n, syn_spec={"receptor_type": 1, "weight": 1.5, "delay": 1.3})
    nest.Connect(dc0, n[1], syn_spec={"delay": 0.7})
    errors = []
    for target, r in (("iaf_psc_exp", 2), ("iaf_psc_alpha", 1)):
        try:
            nest.Connect(dc0, nest.Create(target), syn_spec={"receptor_type": r})
            errors.append("none")
        except Exception as e:  # noqa: BLE001 - the class is what is compared
            errors.append(type(e).__name__)
    mm = nest.Create("multimeter", params={"record_from": ["V_m", "I_syn_ex"], "interval": 0.1})
    sr = nest.Create("spike_recorder")
    nest.Connect(mm, n)
    nest.Connect(n, sr)
    nest.Simulate(80.0)
    ev = mm.events
    return dict(senders=ev["senders"], times=ev["times"], V_m=ev["V_m"],
                I_syn_ex=ev["I_syn_ex"], sr_times=sr.events["times"], errors=errors)


def negative_spike_weights(nest, model="iaf_psc_alpha"):
    """A spike_generator's negative spike_weights reach the inhibitory channel (NEST picks the
    channel by the sign of each event's weight), also through a negative connection weight."""
    nest.ResetKernel()
    n = nest.Create(model, 2)
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 5.0, 9.0, 9.0, 14.0],
                                                "spike_weights": [1.0, -2.0, -0.5, -1.0, 3.0]})
    nest.Connect(sg, n[0], syn_spec={"weight": 100.0, "delay": 1.0})
    nest.Connect(sg, n[1], syn_spec={"weight": -60.0, "delay": 2.0})
    rec = list(nest.GetDefaults(model)["recordables"])
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": 0.1})
    nest.Connect(mm, n)
    nest.Simulate(30.0)
    ev = mm.events
    return {k: ev[k] for k in ["senders", "times"] + rec}


def spike_weights_set_between_runs(nest):
    """spike_weights, negative ones among them, set after a first Simulate without any: the
    second run signs the events (the edges of the first run carried none)."""
    nest.ResetKernel()
    sg = nest.Create("spike_generator", params={"spike_times": [1.0, 2.0]})
    n = nest.Create("iaf_psc_alpha")
    mm = nest.Create("multimeter", params={"record_from": ["I_syn_ex", "I_syn_in"],
                                           "interval": 0.1})
    nest.Connect(sg, n, syn_spec={"weight": 1.0})
    nest.Connect(mm, n)
    nest.Simulate(5.0)
    sg.set(spike_times=[6.0, 7.0, 8.0], spike_weights=[-100.0, 50.0, -20.0])
    nest.Simulate(5.0)
    sg.set(spike_times=[11.0], spike_weights=[30.0])
    nest.Simulate(5.0)
    ev = mm.events
    return {k: ev[k] for k in ("times", "I_syn_ex", "I_syn_in")}


def escape_noise(nest, seed=1):
    """iaf_psc_exp with a stochastic threshold (delta > 0): spike counts per neuron."""
    nest.ResetKernel()
    nest.rng_seed = seed
    n = nest.Create("iaf_psc_exp", 20, params={"delta": 2.0, "rho": 50.0, "I_e": 300.0,
                                                 "t_ref": 1.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(2000.0)
    return dict(n_spikes=[len(sr.events["times"])])


def device_samples(nest):
    """Multimeters sampling devices: a sinusoidal_poisson_generator's rate, an ac_generator's
    current, across two Simulate calls."""
    nest.ResetKernel()
    g = nest.Create("sinusoidal_poisson_generator", params={
        "rate": 100.0, "amplitude": 50.0, "frequency": 10.0, "start": 2.0})
    a = nest.Create("ac_generator", params={"amplitude": 5.0, "frequency": 30.0, "offset": 1.0})
    mm = nest.Create("multimeter", params={"record_from": ["rate"], "interval": 0.5})
    mm2 = nest.Create("multimeter", params={"record_from": ["I"], "interval": 1.0,
                                            "start": 3.0})
    nest.Connect(mm, g)
    nest.Connect(mm2, a)
    nest.Connect(a, nest.Create("iaf_psc_alpha"))
    nest.Simulate(20.0)
    nest.Simulate(7.0)
    return {f"{name}_{k}": v for name, m in (("mm", mm), ("mm2", mm2))
            for k, v in m.events.items()}


def device_settings_between_runs(nest):
    """Generators and recorders changed between Simulate calls (what the plan keeps and what
    it reads again): dc amplitude, step-current times, spike times and multiplicities,
    recorder windows, a spike generator turned to precise times; a multimeter's interval
    is refused once connected."""
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 3)
    dc = nest.Create("dc_generator", params={"amplitude": 200.0})
    scg = nest.Create("step_current_generator", params={
        "amplitude_times": [2.0, 4.0], "amplitude_values": [100.0, -50.0]})
    sg = nest.Create("spike_generator", params={"spike_times": [1.0, 3.0]})
    sr = nest.Create("spike_recorder")
    mm = nest.Create("multimeter", params={"record_from": ["V_m", "I_syn_ex"],
                                           "interval": 0.1})
    nest.Connect(dc, n[0])
    nest.Connect(scg, n[1])
    nest.Connect(sg, n, syn_spec={"weight": 800.0})
    nest.Connect(n, sr)
    nest.Connect(mm, n)
    nest.Simulate(5.0)
    dc.amplitude = 900.0
    scg.set(amplitude_times=[7.0, 8.0], amplitude_values=[700.0, 0.0])
    sg.set(spike_times=[6.0, 9.0], spike_multiplicities=[2, 3])
    sr.start = 7.0
    nest.Simulate(5.0)
    mm.set(start=12.0, stop=14.0)
    sr.set(start=0.0, stop=13.0)
    sg.set(spike_times=[11.0, 12.3], spike_multiplicities=[1, 1])
    nest.Simulate(5.0)
    try:  # NEST: not once connected
        mm.set(interval=0.5)
        error = "none"
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        error = type(e).__name__
    mm.set(start=0.0, stop=1e9)
    sg.set(precise_times=True, spike_times=[16.12345, 17.5])
    dc.amplitude = 0.0
    nest.Simulate(5.0)
    ev, sp = mm.events, sr.events
    return {k: ev[k] for k in ("senders", "times", "V_m", "I_syn_ex")} | {
        "sr_senders": sp["senders"], "sr_times": sp["times"], "errors": [error]}
