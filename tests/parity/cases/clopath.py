"""hh_psc_alpha_clopath / aeif_psc_delta_clopath through the whole API: Create with
parameters, spike and current input, a multimeter of every recordable, a spike_recorder, and
the model's defaults and status."""

_INPUT = {"hh_psc_alpha_clopath": (300.0, -150.0, 900.0, {"t_ref": 3.3, "tau_u_bar_plus": 20.0,
                                                          "u_ref_squared": 40.0}),
          "aeif_psc_delta_clopath": (6.0, -3.0, 1200.0, {"t_ref": 2.35, "t_clamp": 1.25,
                                                        "V_clamp": 20.0, "A_LTD_const": False})}


def run(nest, model="hh_psc_alpha_clopath", resolution=0.1):
    nest.ResetKernel()
    nest.resolution = resolution
    we, wi, amp, extra = _INPUT[model]
    n = nest.Create(model, 3)
    n[0].I_e = amp
    n[1].set(extra)
    n[2].set(u_bar_minus=-60.0, u_bar_plus=-50.0, u_bar_bar=-55.0, V_m=-58.0, I_e=0.6 * amp)
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 10.0, 10.5, 30.0, 30.0,
                                                                55.5, 70.0, 71.0, 72.5]})
    dc = nest.Create("dc_generator", params={"amplitude": amp, "start": 20.0, "stop": 90.0})
    nest.Connect(sg, n, syn_spec={"weight": we, "delay": 1.0})
    nest.Connect(sg, n[1:], syn_spec={"weight": wi, "delay": 2.5})
    nest.Connect(dc, n[1:], syn_spec={"delay": 0.5})
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
               recordables=rec, status=[float(n[j].get(k)) for j in range(3) for k in keys])
    return out
