"""spike_train_injector with precise_times: off-grid spikes (with multiplicities, an activity
window) into parrot_neuron (grid: rounded up), parrot_neuron_ps, iaf_psc_exp_ps and a
spike_recorder; the times read back as given."""
import numpy as np

TIMES = [1.01, 2.0, 2.0375, 3.0001, 4.55, 6.2, 7.77, 9.05]
MULT = [1, 2, 1, 1, 3, 1, 2, 1]


def run(nest):
    nest.ResetKernel()
    nest.resolution = 0.1
    inj = nest.Create("spike_train_injector", 2, params={"precise_times": True})
    inj[0].set(spike_times=TIMES, spike_multiplicities=MULT)
    inj[1].set(spike_times=TIMES, origin=0.5, start=1.0, stop=6.0)
    p, pps = nest.Create("parrot_neuron", 2), nest.Create("parrot_neuron_ps", 2)
    nrn = nest.Create("iaf_psc_exp_ps", params={"V_th": -69.0})
    nest.Connect(inj, p, "one_to_one", syn_spec={"delay": 0.2})
    nest.Connect(inj, pps, "one_to_one", syn_spec={"delay": 0.3})
    nest.Connect(inj[0], nrn, syn_spec={"weight": 40.0, "delay": 1.0})
    sr = nest.Create("spike_recorder", params={"time_in_steps": True})
    sr_direct = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(p + pps + nrn, sr)
    nest.Connect(inj, sr_direct)
    nest.Simulate(5.0)
    nest.Simulate(7.0)
    out = {f"sr_{k}": np.asarray(sr.events[k], float) for k in ("senders", "times", "offsets")}
    out.update({f"direct_{k}": np.asarray(sr_direct.events[k], float)
                for k in ("senders", "times", "offsets")})
    out["spike_times"] = np.asarray(inj[0].spike_times, float)
    out["V_m"] = np.asarray(nrn.V_m, float)
    return out
