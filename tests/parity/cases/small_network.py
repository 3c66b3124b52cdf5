"""Small deterministic networks: every event type, several delays, parrots, recorders."""


def run(nest):
    n = nest.Create("iaf_psc_alpha", 2, params={"I_e": [200.0, 0.0]})
    d = nest.Create("iaf_psc_delta", 2)
    e = nest.Create("iaf_psc_exp", 1, {"tau_syn_ex": 3.0})
    p = nest.Create("parrot_neuron", 2)
    sg = nest.Create("spike_generator",
                     params={"spike_times": [1.0, 5.0, 5.0, 20.3, 40.0, 41.0, 41.2]})
    dc = nest.Create("dc_generator", params={"amplitude": 500.0, "start": 30.0, "stop": 80.0})
    nest.Connect(sg, n, syn_spec={"weight": 600.0, "delay": 1.5})
    nest.Connect(sg, p, syn_spec={"delay": 0.7, "weight": 3.0})
    nest.Connect(p, d, "all_to_all", syn_spec={"weight": 8.0, "delay": 2.0})
    nest.Connect(n[0], n[1], syn_spec={"weight": -300.0, "delay": 1.2})
    nest.Connect(n, e, syn_spec={"weight": 1000.0, "delay": 0.5})
    nest.Connect(dc, d[1] + e, syn_spec={"weight": 0.5, "delay": 3.0})
    mm = nest.Create("multimeter", params={"record_from": ["V_m", "I_syn_ex", "I_syn_in"],
                                           "interval": 0.1})
    nest.Connect(mm, n + e)
    vm = nest.Create("voltmeter", params={"interval": 0.5, "start": 10.0})
    nest.Connect(vm, d)
    sr = nest.Create("spike_recorder")
    nest.Connect(n + d + e + p, sr)
    nest.Simulate(60.0)
    nest.Simulate(40.3)
    out = {f"mm_{k}": mm.events[k] for k in ("senders", "times", "V_m", "I_syn_ex", "I_syn_in")}
    out.update({f"vm_{k}": vm.events[k] for k in ("senders", "times", "V_m")})
    out.update(sr_senders=sr.events["senders"], sr_times=sr.events["times"],
               delays=[nest.min_delay, nest.max_delay], n_conn=[nest.num_connections])
    return out


def poisson_window(nest):
    """poisson_generator start/stop at a rate so high every active step fires."""
    pg = nest.Create("poisson_generator", params={"rate": 1e6, "start": 2.0, "stop": 4.0})
    p = nest.Create("parrot_neuron")
    nest.Connect(pg, p, syn_spec={"delay": 1.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(p, sr)
    nest.Simulate(10.0)
    t = sr.events["times"]
    return dict(first=[t.min()], last=[t.max()], steps=[len(set(t.tolist()))])
