"""ac_generator, step_current_generator, noise_generator driving iaf_psc_alpha (V_m traces),
their GetStatus and the errors of bad parameters; run under NEST and jaxnest."""
import numpy as np

BAD = [
    ("noise_generator", {"dt": 0.15}), ("noise_generator", {"dt": 0.0}),
    ("noise_generator", {"std": -1.0}), ("noise_generator", {"std": 1.0, "std_mod": 2.0}),
    ("noise_generator", {"y_0": 1.0}), ("ac_generator", {"y_1": 1.0}),
    ("ac_generator", {"recordables": ["I"]}), ("ac_generator", {"start": 0.05}),
    ("step_current_generator", {"amplitude_times": [1.0, 2.0], "amplitude_values": [1.0]}),
    ("step_current_generator", {"amplitude_times": [0.0], "amplitude_values": [1.0]}),
    ("step_current_generator", {"amplitude_times": [1.05], "amplitude_values": [1.0]}),
    ("step_current_generator", {"amplitude_times": [2.0, 1.0], "amplitude_values": [1., 2.]}),
    ("step_current_generator", {"amplitude_times": [1.01, 1.02], "amplitude_values": [1., 2.],
                                "allow_offgrid_times": True}),
]


def errors(nest):
    out = []
    for model, params in BAD:
        nest.ResetKernel()
        try:
            nest.Create(model, params=params)
            out.append("none")
        except Exception as e:  # noqa: BLE001 - the class is what is compared
            out.append(type(e).__name__)
    return out


def deterministic(nest, resolution=0.1):
    """Six neurons driven by ac and step currents over two Simulate calls, with SetStatus in
    between (a change time already passed is skipped, the amplitude carries over)."""
    nest.ResetKernel()
    nest.resolution = resolution
    n = nest.Create("iaf_psc_alpha", 6)
    ac1 = nest.Create("ac_generator", params={"amplitude": 800.0, "frequency": 37.0,
                                              "phase": 20.0, "offset": 300.0, "start": 5.0,
                                              "stop": 40.0})
    ac2 = nest.Create("ac_generator", params={"amplitude": 500.0, "phase": 90.0,
                                              "origin": 10.0, "start": 2.0, "stop": 8.0})
    sc1 = nest.Create("step_current_generator", params={
        "amplitude_times": [3.0, 10.0, 25.5], "amplitude_values": [200.0, -100.0, 500.0],
        "start": 2.0, "stop": 35.0})
    sc2 = nest.Create("step_current_generator", params={
        "allow_offgrid_times": True, "amplitude_times": [1.23, 7.77, 31.01],
        "amplitude_values": [400.0, 0.0, 250.0]})
    nest.Connect(ac1, n[0], syn_spec={"delay": 1.0})
    nest.Connect(ac2, n[1], syn_spec={"delay": 0.3, "weight": 2.0})
    nest.Connect(sc1, n[2], syn_spec={"delay": 0.5})
    nest.Connect(sc2, n[3])
    nest.Connect(ac1 + sc1, n[4:6])
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": resolution})
    sr = nest.Create("spike_recorder")
    nest.Connect(mm, n)
    nest.Connect(n, sr)
    nest.Simulate(23.3)
    y_mid = [ac1.get("y_0"), ac1.get("y_1")]
    sc1.set({"amplitude_times": [5.0, 30.0, 40.0], "amplitude_values": [-300.0, 50.0, 80.0]})
    ac1.set({"amplitude": 150.0, "frequency": 11.0})
    nest.Simulate(26.7)
    ev, sp = mm.events, sr.events
    out = {"senders": ev["senders"], "times": ev["times"], "V_m": ev["V_m"],
           "sr_senders": sp["senders"], "sr_times": sp["times"]}
    for name, dev in (("ac1", ac1), ("ac2", ac2), ("sc1", sc1), ("sc2", sc2)):
        st = dev.get()
        for k in ("y_0", "y_1", "amplitude", "offset", "phase", "frequency", "origin",
                  "start", "stop", "amplitude_times", "amplitude_values"):
            if k in st:
                out[f"{name}_{k}"] = np.atleast_1d(np.asarray(st[k], dtype=float))
        out[f"{name}_recordables"] = list(st["recordables"])
    out["y_mid"] = y_mid
    out["errors"] = errors(nest)
    return out


def noise(nest, seeds=(1, 2, 3, 4), T=200.0):
    """V_m of iaf_psc_alpha driven by noise generators (no spikes), several seeds; seed 1 is
    run twice (reproducibility). Generators: A plain (dt 0.5, from 3 ms), B modulated std
    (dt 0.2), C default dt (10 h)."""
    out = {"V_m": [], "status": []}
    for seed in list(seeds) + [seeds[0]]:
        nest.ResetKernel()
        nest.rng_seed = seed
        n = nest.Create("iaf_psc_alpha", 9, params={"V_th": 1e9})
        a = nest.Create("noise_generator", params={"mean": 50.0, "std": 200.0, "dt": 0.5,
                                                   "start": 3.0})
        b = nest.Create("noise_generator", params={"mean": -20.0, "std": 100.0, "dt": 0.2,
                                                   "std_mod": 80.0, "frequency": 25.0,
                                                   "phase": 30.0})
        c = nest.Create("noise_generator", params={"std": 150.0, "stop": 150.0})
        nest.Connect(a, n[0:4], syn_spec={"delay": 1.0})
        nest.Connect(b, n[4:7], syn_spec={"delay": 0.5})
        nest.Connect(c, n[7:9])
        mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
        nest.Connect(mm, n)
        nest.Simulate(T)
        ev = mm.events
        order = np.lexsort((ev["times"], ev["senders"]))
        out["V_m"].append(ev["V_m"][order].reshape(9, -1))
        out["status"].append([a.get("y_0"), a.get("y_1"), b.get("y_0"), b.get("y_1"),
                              c.get("dt")])
    return {k: np.asarray(v) for k, v in out.items()}
