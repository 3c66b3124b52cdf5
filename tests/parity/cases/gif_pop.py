"""gif_pop_psc_exp through the whole API.

``run``: deterministic regimes (no escape: lambda_0 = 0; or so steep an escape that every
free neuron fires, N spikes at once then refractory), with input spikes of both signs from
another population and a dc current; every recordable, spikes with multiplicity, status.
``activity``: a stochastic population (two coupled populations as in NEST's example) whose
activity is compared in distribution."""
import numpy as np


def _try(f):
    try:
        f()
        return "none"
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__


def run(nest, lambda_0=0.0, t_ref=2.0, len_kernel=40, h=0.5, bino=True, seed=1):
    nest.ResetKernel()
    nest.resolution = float(h)
    nest.rng_seed = int(seed)
    params = {"lambda_0": float(lambda_0), "t_ref": float(t_ref), "len_kernel": int(len_kernel),
              "q_sfa": [2.0, 0.5], "tau_sfa": [10.0, 100.0], "N": 50, "BinoRand": bool(bino)}
    pops = nest.Create("gif_pop_psc_exp", 2, params=params)
    pops[1].set({"N": 20, "tau_syn_ex": 2.0, "tau_m": 15.0, "E_L": -2.0, "V_reset": -5.0})
    src = nest.Create("gif_pop_psc_exp", params={**params, "lambda_0": 1e12, "N": 30})
    nest.Connect(src, pops, syn_spec={"weight": 5.0, "delay": 1.0})
    sg = nest.Create("spike_generator", params={"spike_times": [5.0, 12.0, 12.0, 30.0],
                                                "spike_weights": [80.0, -60.0, -60.0, 40.0]})
    nest.Connect(sg, pops, syn_spec={"delay": 1.0})
    dc = nest.Create("dc_generator", params={"amplitude": 250.0, "start": 10.0, "stop": 60.0})
    nest.Connect(dc, pops + src)
    errs = [_try(lambda: nest.Connect(sg, pops[0], syn_spec={"receptor_type": 1})),
            _try(lambda: pops[0].set({"N": 0})),
            _try(lambda: pops[0].set({"q_sfa": [1.0]}))]
    rec = ["V_m", "E_sfa", "mean", "n_events", "I_syn_ex", "I_syn_in"]
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": float(h)})
    nest.Connect(mm, pops + src)
    sr = nest.Create("spike_recorder")
    nest.Connect(pops + src, sr)
    nest.Simulate(60.0)
    nest.Simulate(40.0)
    ev = mm.events
    out = {"mm_" + k: ev[k] for k in ["senders", "times"] + rec}
    st = (pops + src).get(["V_m", "E_sfa", "mean", "I_syn_ex", "I_syn_in"])
    out.update(sr_senders=sr.events["senders"], sr_times=sr.events["times"], errors=errs)
    out.update({"status_" + k: v for k, v in st.items()})
    return out


def activity(nest, seed=1, h=0.5, T=1000.0, bino=True):
    """NEST's example network (two coupled populations, E: 800, I: 200) shortened: population
    spike counts per step after a 200 ms transient, and the model's expectation ``mean``."""
    nest.ResetKernel()
    nest.resolution = float(h)
    nest.rng_seed = int(seed)
    N = [800, 200]
    pops = nest.Create("gif_pop_psc_exp", 2)
    for i in range(2):
        pops[i].set({"C_m": 250.0, "I_e": 24.0 * 250.0 / 20.0, "lambda_0": 10.0,
                     "Delta_V": 2.5, "tau_m": 20.0, "tau_sfa": [100.0, 1000.0],
                     "q_sfa": [10.0, 1.0], "V_T_star": 15.0, "V_reset": 0.0,
                     "len_kernel": -1, "N": N[i], "t_ref": 4.0, "tau_syn_ex": 3.0,
                     "tau_syn_in": 6.0, "E_L": 0.0, "BinoRand": bool(bino)})
    J = np.array([[0.3, -1.5], [0.3, -1.5]]) * np.array([[800, 200], [800, 200]]) * 0.2 \
        / (np.array([N, N]) * 0.2)
    g = np.array([[250.0 / 3.0, 250.0 / 6.0]] * 2)
    for i in range(2):
        for j in range(2):
            nest.Connect(pops[j], pops[i], syn_spec={"weight": J[i, j] * g[i, j] * 0.2,
                                                     "delay": 1.0})
    mm = nest.Create("multimeter", params={"record_from": ["n_events", "mean"],
                                           "interval": float(h)})
    nest.Connect(mm, pops)
    nest.Simulate(float(T))
    ev = mm.events
    skip = ev["times"] > 200.0
    out = {}
    for i, p in enumerate(pops):
        sel = (ev["senders"] == p.global_id) & skip
        out[f"n_{i}"] = ev["n_events"][sel]
        out[f"mean_{i}"] = ev["mean"][sel]
    out["len_kernel"] = np.array(pops.get("len_kernel"), float)
    return out
