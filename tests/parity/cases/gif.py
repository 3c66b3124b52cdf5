"""gif_* through the whole API: steep escape (deterministic) neurons with element lists that
change between two Simulate calls, ports and errors; and an escape-noise population whose
spike counts are compared in distribution."""
import numpy as np


def _try(f):
    try:
        f()
        return "none"
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__


STEEP = {"lambda_0": 1e10, "Delta_V": 1e-6}


def _syn(model, k):
    if model == "gif_psc_exp_multisynapse":
        return {"tau_syn": [2.0, 5.0, 1.0][:k]}
    if model == "gif_cond_exp_multisynapse":
        return {"tau_syn": [2.0, 5.0, 1.0][:k], "E_rev": [0.0, -80.0, -20.0][:k]}
    return {}


def run(nest, model="gif_psc_exp"):
    nest.ResetKernel()
    multi = model.endswith("multisynapse")
    cond = "cond" in model
    n = nest.Create(model, 3, params={**STEEP, **_syn(model, 3), "q_sfa": [4.0, 2.0],
                                      "tau_sfa": [30.0, 300.0], "q_stc": [15.0],
                                      "tau_stc": [20.0]})
    n[1].set({"q_sfa": [], "tau_sfa": [], "t_ref": 1.0, **_syn(model, 2)})
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 4.0, 4.0, 10.0, 10.5,
                                                                30.0, 31.0]})
    w = (3.0, 2.0, 1.0) if cond else (150.0, -100.0, 90.0)
    for r in (1, 2):
        spec = {"weight": abs(w[r - 1]) if multi and cond else w[r - 1], "delay": 1.0}
        if multi:
            spec["receptor_type"] = r
        elif cond and r == 2:
            spec["weight"] = -w[1]
        nest.Connect(sg, n, syn_spec=spec)
    dc = nest.Create("dc_generator", params={"amplitude": 300.0, "start": 5.0, "stop": 80.0})
    nest.Connect(dc, n)
    errs = [_try(lambda: nest.Connect(sg, n[1], syn_spec={"receptor_type": 3})),
            _try(lambda: nest.Connect(sg, n[1], syn_spec={"receptor_type": 0 if multi else 1})),
            _try(lambda: n[0].set({"q_stc": [1.0, 2.0]})),
            _try(lambda: n[0].set({"Delta_V": 0.0}))]
    rec = ["V_m", "E_sfa", "I_stc"]
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": 0.1})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(40.0)
    n[0].set({"q_stc": [15.0, -5.0], "tau_stc": [20.0, 5.0]})  # a new element, from zero
    n[2].set({"V_m": -45.0})
    nest.Simulate(60.0)
    ev = mm.events
    out = {"mm_" + k: ev[k] for k in ["senders", "times"] + rec}
    st = n.get(["V_m", "E_sfa", "I_stc", "recordables", "lambda_0", "q_sfa"])
    out.update(sr_senders=sr.events["senders"], sr_times=sr.events["times"], errors=errs,
               recordables=[",".join(r) for r in st["recordables"]],
               q_sfa_len=[len(q) for q in st["q_sfa"]],
               status_V_m=st["V_m"], status_E_sfa=st["E_sfa"], status_I_stc=st["I_stc"])
    return out


def population(nest, model="gif_psc_exp", seed=1, n=200):
    """Escape noise: spike counts of ``n`` independent neurons over 1 s (rng_seed ``seed``)."""
    nest.ResetKernel()
    nest.rng_seed = int(seed)
    pop = nest.Create(model, int(n), params={"I_e": 150.0, "q_sfa": [4.0], "tau_sfa": [80.0],
                                             "q_stc": [10.0], "tau_stc": [20.0],
                                             "t_ref": 2.0, **_syn(model, 1)})
    sr = nest.Create("spike_recorder")
    nest.Connect(pop, sr)
    nest.Simulate(1000.0)
    senders, times = sr.events["senders"], sr.events["times"]
    counts = np.bincount(senders - pop[0].global_id, minlength=int(n))
    isis = np.concatenate([np.diff(np.sort(times[senders == g])) for g in pop.global_id])
    return {"counts": counts, "isis": isis}
