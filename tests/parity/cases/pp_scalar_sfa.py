"""pp_psc_delta with tau_sfa/q_sfa given as numbers (NEST: one adaptation element) at Create
and by SetStatus, next to the same element given as lists; a rate so high that the neuron
fires whenever its dead time is over (deterministic spikes), so E_sfa traces compare
exactly."""
import numpy as np

COMMON = {"c_1": 0.0, "c_2": 1e9, "c_3": 0.0, "dead_time": 2.0, "with_reset": False}


def run(nest):
    nest.ResetKernel()
    nest.resolution = 0.1
    a = nest.Create("pp_psc_delta", params={**COMMON, "tau_sfa": 20.0, "q_sfa": 3.0})
    b = nest.Create("pp_psc_delta", params=COMMON)
    b.set(tau_sfa=7.5, q_sfa=1.5)
    c = nest.Create("pp_psc_delta", params={**COMMON, "tau_sfa": [20.0], "q_sfa": [3.0]})
    nrn = a + b + c
    mm = nest.Create("multimeter", params={"record_from": ["E_sfa"], "interval": 0.1})
    sr = nest.Create("spike_recorder")
    nest.Connect(mm, nrn)
    nest.Connect(nrn, sr)
    nest.Simulate(30.0)
    out = {f"mm_{k}": np.asarray(mm.events[k], float) for k in ("senders", "times", "E_sfa")}
    out.update({f"sr_{k}": np.asarray(sr.events[k], float) for k in ("senders", "times")})
    for k in ("tau_sfa", "q_sfa"):
        out[k] = np.concatenate([np.atleast_1d(np.asarray(x, float)) for x in nrn.get(k)])
    return out
