"""pp_psc_delta through the whole API: a steep (deterministic) rate with sfa elements, dead
time, t_ref_remaining and a second Simulate after SetStatus; and noisy populations whose spike
statistics are compared in distribution (Bernoulli, Poisson multiplicities, gamma dead time)."""
import numpy as np


def _try(f):
    try:
        f()
        return "none"
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__


def run(nest):
    nest.ResetKernel()
    steep = {"c_1": 1e12, "c_2": 0.0}
    n = nest.Create("pp_psc_delta", 3, params={**steep, "q_sfa": [3.0], "tau_sfa": [25.0],
                                               "I_e": 60.0})
    n[1].set({"with_reset": False, "dead_time": 2.35, "t_ref_remaining": 4.0})
    n[2].set({"q_sfa": [1.0, 2.0], "tau_sfa": [5.0, 80.0], "tau_m": 15.0})
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 4.0, 4.0, 10.0, 10.5,
                                                                30.0, 31.0]})
    nest.Connect(sg, n, syn_spec={"weight": 4.0, "delay": 1.0})
    nest.Connect(sg, n[2], syn_spec={"weight": -6.0, "delay": 3.0})
    parrot = nest.Create("parrot_neuron")  # downstream of a pp neuron: multiplicities
    nest.Connect(n[0], parrot)
    errs = [_try(lambda: nest.Connect(sg, n[1], syn_spec={"receptor_type": 1})),
            _try(lambda: n[0].set({"q_sfa": [1.0, 2.0]})),
            _try(lambda: n[0].set({"dead_time_shape": 0}))]
    mm = nest.Create("multimeter", params={"record_from": ["V_m", "E_sfa"], "interval": 0.1})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n + parrot, sr)
    nest.Simulate(40.0)
    n[0].set({"V_m": 2.0, "I_e": 80.0})
    nest.Simulate(60.0)
    ev = mm.events
    out = {"mm_" + k: ev[k] for k in ("senders", "times", "V_m", "E_sfa")}
    st = n.get(["V_m", "E_sfa"])
    out.update(sr_senders=sr.events["senders"], sr_times=sr.events["times"], errors=errs,
               status_V_m=st["V_m"], status_E_sfa=st["E_sfa"])
    return out


VARIANTS = {"bernoulli": {"I_e": 300.0, "q_sfa": [3.0], "tau_sfa": [50.0]},
            "poisson": {"I_e": 2000.0, "dead_time": 0.0, "c_1": 5.0, "c_2": 0.0,
                        "with_reset": False},
            "gamma": {"I_e": 300.0, "dead_time": 4.0, "dead_time_random": True,
                      "dead_time_shape": 3}}


def population(nest, variant="bernoulli", seed=1, n=200):
    """Spike counts, coincident spikes and ISIs of ``n`` neurons over 1 s; a parrot behind
    neuron 0 repeats its multiplicities."""
    nest.ResetKernel()
    nest.rng_seed = int(seed)
    pop = nest.Create("pp_psc_delta", int(n), params=VARIANTS[variant])
    parrot = nest.Create("parrot_neuron")
    nest.Connect(pop[0], parrot)
    sr, sr_p = nest.Create("spike_recorder"), nest.Create("spike_recorder")
    nest.Connect(pop, sr)
    nest.Connect(pop[0], sr_p)
    nest.Connect(parrot, sr_p)
    nest.Simulate(1000.0)
    senders, times = sr.events["senders"], sr.events["times"]
    counts = np.bincount(senders - pop[0].global_id, minlength=int(n))
    trains = [np.sort(times[senders == g]) for g in pop.global_id]
    isis = np.concatenate([np.diff(t) for t in trains])
    dup = np.array([np.sum(np.diff(t) == 0) for t in trains])
    ps, pt = sr_p.events["senders"], sr_p.events["times"]
    g0 = pop[0].global_id
    return {"counts": counts, "isis": isis, "dup": dup,
            "parrot_ok": int(np.allclose(np.sort(pt[(ps == g0) & (pt <= 999.0 + 1e-9)]) + 1.0,
                                         np.sort(pt[ps != g0]), rtol=0, atol=1e-9))}
