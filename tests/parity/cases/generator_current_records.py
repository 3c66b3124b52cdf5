"""Multimeters recording the current ("I") of dc_generator, step_current_generator and
ac_generator, over two Simulate calls (values inside and outside the activity windows)."""
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
