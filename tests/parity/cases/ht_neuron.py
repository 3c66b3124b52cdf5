"""ht_neuron through the whole API: Create with parameters, spike input on the four receptors,
dc input, a multimeter of every recordable, a spike_recorder, the voltage clamp across
Simulate calls, the defaults, receptor_types and the status."""


_IDS = {"AMPA": 1, "NMDA": 2, "GABA_A": 3, "GABA_B": 4}


def run(nest, resolution=0.1):
    nest.ResetKernel()
    nest.resolution = resolution
    model = "ht_neuron"
    d = nest.GetDefaults(model)
    rt = _IDS  # NEST's receptor ids (receptor_types is compared by run_receptor_types)
    n = nest.Create(model, 4)
    n[1].set(instant_unblock_NMDA=True, t_ref=3.3, theta_eq=-53.0, g_peak_KNa=2.0)
    n[2].set(g_peak_NMDA=0.2, tau_m=10.0, t_ref=0.0, V_m=-60.0)
    n[3].set(voltage_clamp=True, V_m=-62.0)
    times = [2.0, 10.0, 10.5, 30.0, 30.0, 55.5, 70.0, 71.0, 72.5, 90.0, 91.0, 93.0, 140.0]
    for i, (r, w) in enumerate((("AMPA", 40.0), ("NMDA", 30.0), ("GABA_A", 5.0),
                                ("GABA_B", 10.0))):
        sg = nest.Create("spike_generator", params={"spike_times": [t + 3 * i for t in times]})
        nest.Connect(sg, n, syn_spec={"weight": w, "delay": 1.0 + 0.5 * i,
                                      "receptor_type": rt[r]})
    dc = nest.Create("dc_generator", params={"amplitude": 15.0, "start": 20.0, "stop": 150.0})
    nest.Connect(dc, n, syn_spec={"delay": 0.5})
    rec = list(d["recordables"])
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": resolution})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(80.0)
    n[3].V_m = -55.0  # the clamp follows V_m set between Simulate calls
    nest.Simulate(100.0)
    node = set(nest.GetDefaults("parrot_neuron"))
    keys = sorted(k for k in d if k not in node and k not in ("recordables", "receptor_types"))
    out = {f"mm_{k}": mm.events[k] for k in ["senders", "times", *rec]}
    out.update(sr_senders=sr.events["senders"], sr_times=sr.events["times"],
               default_keys=keys, default_values=[float(d[k]) for k in keys],
               recordables=rec, status=[float(n[j].get(k)) for j in range(4) for k in keys])
    return out


def run_receptor_types(nest):
    """receptor_types as GetDefaults and GetStatus report them."""
    nest.ResetKernel()
    n = nest.Create("ht_neuron")
    out = {}
    for key, rt in (("defaults", nest.GetDefaults("ht_neuron")["receptor_types"]),
                    ("status", n.get("receptor_types"))):
        out[f"{key}_names"] = sorted(rt)
        out[f"{key}_ids"] = [rt[k] for k in sorted(rt)]
    return out


def run_example_fixed_input(nest, seed=1):
    """NEST's intrinsic_currents_spiking example with its four 100 Hz Poisson generators
    replaced by spike_generators replaying Poisson trains drawn here: the example itself is
    random (its trace means vary 10-40 % between seeds), so only this pins the model down."""
    import numpy as np
    nest.ResetKernel()
    rng = np.random.default_rng(seed)
    nrn = nest.Create("ht_neuron")
    rec = ["V_m", "theta", "g_AMPA", "g_NMDA", "g_GABA_A", "g_GABA_B", "I_NaP", "I_KNa",
           "I_T", "I_h"]
    mm = nest.Create("multimeter", params={"interval": 0.1, "record_from": rec})
    receptors = nest.GetDefaults("ht_neuron")["receptor_types"]
    for name, w in (("AMPA", 30.0), ("NMDA", 30.0), ("GABA_A", 5.0), ("GABA_B", 10.0)):
        t = np.unique(np.round(rng.uniform(0.1, 249.0, rng.poisson(25)), 1))
        sg = nest.Create("spike_generator", params={"spike_times": t})
        nest.Connect(sg, nrn, syn_spec={"receptor_type": receptors[name], "weight": w})
    nest.Connect(mm, nrn)
    sr = nest.Create("spike_recorder")
    nest.Connect(nrn, sr)
    nest.Simulate(250.0)
    out = {f"mm_{k}": mm.events[k] for k in ["times", *rec]}
    out.update(sr_times=sr.events["times"])
    return out
