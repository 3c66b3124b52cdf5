"""mat2_psc_exp / amat2_psc_exp through the whole API: Create with parameters, spike and
current input, a multimeter of every recordable, a spike_recorder, the model's defaults, the
status (V_th derived from omega and the threshold parts) after Create and after simulating,
SetStatus between two Simulate calls, and the error NEST raises when V_th is set."""


def run(nest, model="mat2_psc_exp", resolution=0.1):
    nest.ResetKernel()
    nest.resolution = resolution
    amat = model == "amat2_psc_exp"
    n = nest.Create(model, 3, params={"I_e": 600.0 if not amat else 250.0, "omega": -50.0})
    n[1].set(I_e=900.0 if not amat else 400.0, t_ref=3.3, V_th_alpha_1=4.0, V_m=-58.0,
             **({"beta": 0.4, "tau_v": 7.0, "V_th_v": 1.0} if amat else {}))
    n[2].set(E_L=-65.0, alpha_2=4.0, tau_1=6.0, tau_syn_in=4.5)
    created = [float(v) for v in n.V_th]
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 10.0, 10.5, 30.0, 30.0,
                                                                55.5, 70.0, 71.0, 72.5]})
    dc = nest.Create("dc_generator", params={"amplitude": 250.0, "start": 20.0, "stop": 90.0})
    nest.Connect(sg, n, syn_spec={"weight": 300.0, "delay": 1.0})
    nest.Connect(sg, n[1:], syn_spec={"weight": -200.0, "delay": 2.5})
    nest.Connect(dc, n[0::2], syn_spec={"delay": 0.5})
    d = nest.GetDefaults(model)
    rec = list(d["recordables"])
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": resolution})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(60.0)
    n[0].set(E_L=-68.0, alpha_1=20.0)
    try:
        n[1].set(V_th=-40.0)
        err = "none"
    except Exception as e:  # noqa: BLE001 (the class is what is compared)
        err = type(e).__name__
    nest.Simulate(60.0)
    node = set(nest.GetDefaults("parrot_neuron"))
    keys = sorted(k for k in d if k not in node and k != "recordables")
    out = {f"mm_{k}": mm.events[k] for k in ["senders", "times", *rec]}
    out.update(sr_senders=sr.events["senders"], sr_times=sr.events["times"],
               default_keys=keys, default_values=[float(d[k]) for k in keys],
               recordables=rec, status=[float(n[i].get(k)) for i in range(3) for k in keys],
               status_created=created, set_V_th_error=[err])
    return out
