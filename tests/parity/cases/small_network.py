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


def recorders(nest):
    """record_to ascii (file names and content), n_events reset, start/stop/origin windows."""
    import os
    import tempfile
    nest.ResetKernel()
    nest.data_path = tempfile.mkdtemp()
    nest.data_prefix = "run_"
    n = nest.Create("iaf_psc_alpha", 2, params={"I_e": [400.0, 450.0]})
    sr = nest.Create("spike_recorder", params={"record_to": "ascii"})
    vm = nest.Create("voltmeter", params={"record_to": "ascii", "label": "vlab",
                                          "interval": 2.0})
    win = nest.Create("spike_recorder", params={"origin": 20.0, "start": 10.0, "stop": 60.0})
    mem = nest.Create("spike_recorder")
    nest.Connect(n, sr + win + mem)
    nest.Connect(vm, n)
    nest.Simulate(100.0)
    before = mem.n_events
    mem.n_events = 0
    try:
        nest.Simulate(50.0)
        error = "no error"
    except Exception as e:  # the ascii file exists and overwrite_files is False
        error = type(e).__name__
        nest.Cleanup()  # NEST leaves the kernel prepared after a failed Prepare
    nest.overwrite_files = True
    nest.Simulate(50.0)
    with nest.RunManager():
        nest.Run(20.0)
        nest.Run(30.0)
    files = sorted(os.listdir(nest.data_path))
    text = []
    for f in files:
        with open(os.path.join(nest.data_path, f)) as fh:
            text += [line for line in fh.read().splitlines() if not line.startswith("# NEST")]
    return dict(files=files, text=text, error=[error], counts=[before, mem.n_events, win.n_events,
                                                 sr.n_events],
                win_times=win.events["times"], mem_times=mem.events["times"])


def offgrid_spike_times(nest):
    """allow_offgrid_times: NEST rounds spike times up to the grid (and stores them so)."""
    sg = nest.Create("spike_generator", params={
        "spike_times": [1.01, 1.05, 1.09, 2.0, 2.1, 3.149], "allow_offgrid_times": True})
    p = nest.Create("parrot_neuron")
    nest.Connect(sg, p, syn_spec={"delay": 1.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(p, sr)
    nest.Simulate(10.0)
    return dict(times=sr.events["times"], stored=sg.spike_times)


def many_recorders(nest):
    """One spike recorder per neuron, one for a subset, one connected twice to the same
    neuron, one for a spike generator: each records exactly its own senders."""
    n = nest.Create("iaf_psc_alpha", 8, params={"I_e": [380.0 + 20.0 * i for i in range(8)]})
    sg = nest.Create("spike_generator", params={"spike_times": [1.0, 5.0, 5.5]})
    each = nest.Create("spike_recorder", 8)
    nest.Connect(n, each, "one_to_one")
    sub, twice, gen = nest.Create("spike_recorder", 3)
    nest.Connect(n[2:6], sub)
    nest.Connect(n[0], twice)
    nest.Connect(n[0], twice)
    nest.Connect(sg, gen)
    nest.Simulate(200.0)
    out = {f"each{i}": each[i].events["times"] for i in range(8)}
    out.update(sub_t=sub.events["times"], sub_s=sub.events["senders"],
               twice=twice.events["times"], gen=gen.events["times"])
    return out
