"""Multimeters recording the current ("I") of dc_generator, step_current_generator,
ac_generator and noise_generator, over two Simulate calls (values inside and outside the
activity windows)."""
import numpy as np


def run(nest):
    nest.ResetKernel()
    nest.resolution = 0.1
    dc = nest.Create("dc_generator", params={"amplitude": 300.0, "start": 2.0, "stop": 5.0})
    sc = nest.Create("step_current_generator",
                     params={"amplitude_times": [1.0, 3.0, 6.2],
                             "amplitude_values": [10.0, -20.0, 5.0], "start": 0.5, "stop": 7.0})
    ac = nest.Create("ac_generator", params={"amplitude": 50.0, "offset": 3.0,
                                             "frequency": 120.0, "start": 1.0})
    n = nest.Create("iaf_psc_alpha", 3)
    nest.Connect(dc + sc + ac, n, "one_to_one")
    mm = nest.Create("multimeter", params={"record_from": ["I"], "interval": 0.1})
    mm2 = nest.Create("multimeter", params={"record_from": ["I"], "interval": 0.3,
                                            "start": 1.5})
    nest.Connect(mm, dc + sc + ac)
    nest.Connect(mm2, sc)
    nest.Simulate(4.0)
    nest.Simulate(5.0)
    out = {f"mm_{k}": np.asarray(mm.events[k], float) for k in ("senders", "times", "I")}
    out.update({f"mm2_{k}": np.asarray(mm2.events[k], float) for k in ("times", "I")})
    out["recordables"] = np.asarray([list(g.get("recordables")) for g in (dc, sc, ac)])
    return out


def noise(nest, seed=1):
    """noise_generator's recorded I, the mean of its amplitudes over its targets: constant
    (std 0) in a window, random (std 100, dt 0.5, four targets) and without targets."""
    nest.ResetKernel()
    nest.resolution = 0.1
    nest.rng_seed = seed
    flat = nest.Create("noise_generator", params={"mean": 250.0, "start": 2.0, "stop": 6.0})
    rnd = nest.Create("noise_generator", params={"mean": 20.0, "std": 100.0, "dt": 0.5})
    lone = nest.Create("noise_generator", params={"mean": 5.0})
    n = nest.Create("iaf_psc_alpha", 6)
    nest.Connect(flat, n[:2])
    nest.Connect(rnd, n[2:])
    mm = nest.Create("multimeter", params={"record_from": ["I"], "interval": 0.1})
    nest.Connect(mm, flat + rnd + lone)
    nest.Simulate(4.0)
    nest.Simulate(996.0)
    ev = mm.events
    out = {k: np.asarray(ev[k], float) for k in ("senders", "times")}
    I, s = np.asarray(ev["I"], float), out["senders"]
    out["flat_I"], out["lone_I"] = I[s == flat.global_id], I[s == lone.global_id]
    r = I[s == rnd.global_id]
    out["rnd_stats"] = np.array([r.mean(), r.std(), np.unique(r).size])
    return out
