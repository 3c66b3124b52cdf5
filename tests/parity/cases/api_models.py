"""Kernel support the neuron models need (issue 9): checks NEST makes at Simulate, derived
defaults, set-only keys and SetStatus side effects on hidden state, list parameters that are
not per receptor port, models without current input, and NEST's ignore-and-spike mechanism."""
import numpy as np


def _err(fn):
    try:
        fn()
        return "none"
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__


def pre_run_checks(nest):
    """t_ref that rounds to zero steps: accepted by Create/SetStatus, BadProperty at Simulate
    (mat2_psc_exp, amat2_psc_exp, iaf_psc_exp_htum); fixed, the run goes on."""
    out = {}
    for model, bad, good in (("mat2_psc_exp", {"t_ref": 0.0004}, {"t_ref": 1.0}),
                             ("amat2_psc_exp", {"t_ref": 0.0004}, {"t_ref": 1.0}),
                             ("iaf_psc_exp_htum", {"t_ref_abs": 0.0004}, {"t_ref_abs": 1.0}),
                             ("iaf_psc_exp_htum", {"t_ref_tot": 0.0004, "t_ref_abs": 0.0003},
                              {"t_ref_tot": 2.0, "t_ref_abs": 1.0})):
        nest.ResetKernel()
        n = nest.Create(model, params={"I_e": 400.0})
        sr = nest.Create("spike_recorder")
        nest.Connect(n, sr)
        nest.Simulate(5.0)
        errs = [_err(lambda: n.set(bad)), _err(lambda: nest.Simulate(5.0))]
        n.set(good)
        errs.append(_err(lambda: nest.Simulate(40.0)))
        errs.append(_err(lambda: nest.Create(model, params=bad)))
        out[f"{model}_{len(bad)}_errors"] = errs
        out[f"{model}_{len(bad)}_times"] = sr.events["times"]
        out[f"{model}_{len(bad)}_time"] = [nest.biological_time]
    return out


def mat2_defaults(nest):
    """mat2/amat2: V_th is read-only and derived; SetDefaults of omega or E_L refreshes it."""
    nest.ResetKernel()
    out = {"errors": [_err(lambda: nest.Create("mat2_psc_exp", params={"V_th": -40.0})),
                      _err(lambda: nest.SetDefaults("mat2_psc_exp", {"V_th": -40.0})),
                      _err(lambda: nest.Create("amat2_psc_exp").set(V_th=-40.0))]}
    for model in ("mat2_psc_exp", "amat2_psc_exp"):
        nest.SetDefaults(model, {"omega": -45.0})
        out[f"{model}_1"] = [nest.GetDefaults(model)["V_th"]]
        nest.SetDefaults(model, {"E_L": -65.0, "omega": -50.0})
        n = nest.Create(model, 2, params={"omega": [-48.0, -47.0]})
        out[f"{model}_2"] = [nest.GetDefaults(model)["V_th"], *n.V_th]
        n[0].set(E_L=-60.0)
        out[f"{model}_3"] = list(n.V_th)
    return out


def ht_equilibrate(nest):
    """ht_neuron's set-only ``equilibrate``: gating variables to their equilibrium at the new
    V_m (Create and SetStatus); never shown; receptor_types in GetDefaults and GetStatus."""
    nest.ResetKernel()
    d = nest.GetDefaults("ht_neuron")
    out = {"shown": ["equilibrate" in d, "receptor_types" in d],
           "setdef": [_err(lambda: nest.SetDefaults("ht_neuron", {"equilibrate": True}))]}
    a = nest.Create("ht_neuron", params={"equilibrate": True, "V_m": -55.0})
    b = nest.Create("ht_neuron", 2)
    b[0].set(V_m=-62.0, equilibrate=True)
    b[1].set({"V_m": -62.0})
    out["shown"] += ["equilibrate" in a.get(), "receptor_types" in a.get()]
    rt = a.get("receptor_types")
    out["rt"] = [rt[k] for k in sorted(rt)]
    rec = ["V_m", "I_h", "I_T", "I_KNa", "I_NaP", "theta"]
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": 0.1})
    nest.Connect(mm, a + b)
    nest.Simulate(30.0)
    b[1].set(equilibrate=True)
    nest.Simulate(20.0)
    ev = mm.events
    out.update({f"mm_{k}": ev[k] for k in ["senders", "times"] + rec})
    return out


def ignore_and_fire_restart(nest):
    """Any SetStatus restarts ignore_and_fire's countdown (also one that changes nothing)."""
    nest.ResetKernel()
    f = nest.Create("ignore_and_fire", 3, params={"rate": 100.0, "phase": 0.5})
    sr = nest.Create("spike_recorder")
    nest.Connect(f, sr)
    nest.Simulate(12.0)
    f[0].set(phase=0.5)
    f[1].set({})
    nest.Simulate(20.0)
    f[2].set(rate=50.0)
    nest.Simulate(30.0)
    return {"senders": sr.events["senders"], "times": sr.events["times"]}


def chs_noise(nest):
    """iaf_chs_2007's ``noise`` list (not per receptor port): defaults, status, TypeMismatch
    for a number, noise index restarted when the list is set, V_m traces. The lists cover
    every step simulated: past a list's end NEST reads beyond its vector (undefined values:
    a CI run once saw a spike there that other runs did not)."""
    nest.ResetKernel()
    out = {"default": list(nest.GetDefaults("iaf_chs_2007")["noise"])}
    c = nest.Create("iaf_chs_2007", 3, params={"V_noise": 0.5})
    out["errors"] = [_err(lambda: c[0].set(noise=0.5))]
    c[0].noise = [0.1, 0.9, 1.5, -0.3, 0.2, 0.7, 0.0, 0.4]
    c[1].set(noise=[0.5, 2.0, 0.1, 0.3, -0.2, 0.6, 0.1, 0.0])
    sg = nest.Create("spike_generator", params={"spike_times": [0.5, 1.0, 1.4]})
    nest.Connect(sg, c, syn_spec={"weight": 1.0})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
    nest.Connect(mm, c)
    sr = nest.Create("spike_recorder")
    nest.Connect(c, sr)
    nest.Simulate(0.4)
    c[0].noise = [3.0, 0.2, -0.5, 0.1]
    nest.Simulate(0.3)
    out["status"] = [len(x) for x in c.get("noise")] + list(c[0].noise)
    out.update(senders=sr.events["senders"], times=sr.events["times"], V_m=mm.events["V_m"],
               mm_times=mm.events["times"])
    return out


def chs_no_current(nest):
    """iaf_chs_2007 takes no current input: NEST refuses a dc_generator at Connect."""
    nest.ResetKernel()
    c = nest.Create("iaf_chs_2007")
    return {"errors": [_err(lambda: nest.Connect(nest.Create(m), c))
                       for m in ("dc_generator", "noise_generator", "step_current_generator")]}


def ignore_and_spike(nest):
    """iaf_psc_delta with ignore_and_spike switched on, retimed and off during a run: forced
    spikes reset V_m; other neurons only store the parameters."""
    nest.ResetKernel()
    n = nest.Create("iaf_psc_delta", 3, params={"I_e": 300.0})
    n[1].set(ignore_and_spike=True, ignore_and_spike_offset=2.5,
             ignore_and_spike_interval=7.3)
    other = nest.Create("iaf_psc_alpha", params={"ignore_and_spike": True, "I_e": 200.0})
    sg = nest.Create("spike_generator", params={"spike_times": [3.0, 4.0, 5.0, 6.0]})
    nest.Connect(sg, n + other, syn_spec={"weight": 20.0})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
    nest.Connect(mm, n + other)
    sr = nest.Create("spike_recorder")
    nest.Connect(n + other, sr)
    nest.Simulate(20.0)
    n[2].set(ignore_and_spike=True)
    n[1].set(ignore_and_spike_offset=1.2)
    nest.Simulate(20.0)
    n[1].set(ignore_and_spike=False)
    n[2].set(ignore_and_spike_interval=3.0)
    nest.Simulate(20.0)
    ev = mm.events
    return dict(senders=sr.events["senders"], times=sr.events["times"],
                mm_senders=ev["senders"], mm_times=ev["times"], V_m=ev["V_m"])


def numerical_instability(nest, model="aeif_cond_alpha"):
    """An aeif neuron driven to |w| > 1e6: NEST's NumericalInstability, its clock at the
    start of that min_delay slice with the samples before it; Simulate again is refused
    until ResetKernel (NEST's test_issue_311)."""
    nest.ResetKernel()
    n = nest.Create(model, params={"I_e": 1e7, "g_L": 0.01}) \
        + nest.Create("iaf_psc_alpha", params={"I_e": 400.0})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
    nest.Connect(mm, n)
    out = {"first": _err(lambda: nest.Simulate(100.0))}
    out["time"] = nest.biological_time
    out["samples"] = np.round(mm.events["V_m"][mm.events["senders"] == 2], 9)
    out["again"] = _err(lambda: nest.Simulate(0.1))
    nest.ResetKernel()
    nest.Create(model, params={"I_e": 1000.0})
    out["after_reset"] = _err(lambda: nest.Simulate(10.0))
    return {k: np.array(v) for k, v in out.items()}
