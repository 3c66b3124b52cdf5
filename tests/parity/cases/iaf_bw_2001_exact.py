"""iaf_bw_2001_exact through the whole API: defaults, AMPA and GABA input from generators and
from iaf_bw_2001_exact neurons, dc current, a neuron with another solver tolerance, SetStatus
between two Simulate calls, every recordable, spikes, the status; NMDA connections (a receptor
port each); and NEST's errors."""
import numpy as np

M = "iaf_bw_2001_exact"


def run(nest, resolution=0.1):
    nest.ResetKernel()
    nest.resolution = resolution
    d = nest.GetDefaults(M)
    n = nest.Create(M, 4, params={"V_th": -52.0, "V_reset": -58.0})
    n[1].set(V_m=-60.0, s_AMPA=2.0, gsl_error_tol=1e-6, t_ref=0.5)
    n[2].set(tau_AMPA=3.0, tau_GABA=8.0, C_m=300.0, g_L=20.0, E_in=-75.0)
    r = d["receptor_types"]
    sg = nest.Create("spike_generator", params={"spike_times": [5.0, 10.0, 10.0, 20.5, 40.0,
                                                                41.0, 90.0, 130.0]})
    nest.Connect(sg, n, syn_spec={"receptor_type": r["AMPA"], "weight": 30.0})
    nest.Connect(sg, n[2:], syn_spec={"receptor_type": r["GABA"], "weight": 20.0,
                                      "delay": 3.0})
    nest.Connect(n[:2], n[2:], syn_spec={"receptor_type": r["AMPA"], "weight": 5.0,
                                         "delay": 0.5})
    nest.Connect(n[3], n[:3], syn_spec={"receptor_type": r["GABA"], "weight": 8.0})
    dc = nest.Create("dc_generator", params={"amplitude": 600.0, "start": 30.0,
                                             "stop": 180.0})
    nest.Connect(dc, n)
    rec = list(d["recordables"])
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": resolution})
    nest.Connect(mm, n)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(100.0)
    n[0].set(V_m=-53.0, s_GABA=1.0)
    nest.Simulate(100.0)
    skip = set(nest.GetDefaults("parrot_neuron")) | {"receptor_types", "recordables"}
    keys = sorted(k for k in d if k not in skip)
    out = {f"mm_{k}": mm.events[k] for k in ["senders", "times", *rec]}
    out.update(sr_senders=sr.events["senders"], sr_times=sr.events["times"],
               default_keys=keys, default_values=[float(d[k]) for k in keys],
               recordables=sorted(rec), receptors=sorted(r.items()),
               status_keys=[k for k in ("V_m", "s_AMPA", "s_GABA", "s_NMDA", "I_NMDA",
                                        "I_AMPA", "I_GABA") if k in n[0].get()],
               status=[float(n[j].get(k)) for j in range(4) for k in ("V_m", "s_AMPA",
                                                                       "s_GABA")])
    return out


def nmda(nest, resolution=0.1):
    """NMDA connections: a port per connection (2 or 3 per target, from neurons and from a
    spike generator sending doubled spikes), beside AMPA/GABA input; the ports
    GetConnections shows, traces, spikes; the errors of a late NMDA connection and of a
    weight changed after spikes used it."""
    nest.ResetKernel()
    nest.resolution = resolution
    p = {"V_reset": -55.0, "V_th": -50.0, "t_ref": 0.0}
    pre = nest.Create(M, 2, params=p)
    post = nest.Create(M, 3, params=p)
    for amp, n in ((900.0, pre[0]), (700.0, pre[1])):
        nest.Connect(nest.Create("dc_generator", params={"amplitude": amp}), n)
    sg = nest.Create("spike_generator", params={"spike_times": [5.0, 5.0, 12.5, 40.0]})
    nest.Connect(pre, post, syn_spec={"weight": 40.0, "receptor_type": 3, "delay": 1.5})
    nest.Connect(pre[0], post[1], syn_spec={"weight": 25.0, "receptor_type": 3})
    nest.Connect(sg, post[2], syn_spec={"weight": 12.0, "receptor_type": 3})
    nest.Connect(pre[1], post[2], syn_spec={"weight": 15.0, "receptor_type": 2})
    nest.Connect(sg, post[0], syn_spec={"weight": 7.0, "receptor_type": 1})
    rec = ["V_m", "s_NMDA", "I_NMDA", "I_AMPA", "I_GABA", "s_AMPA", "s_GABA"]
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": resolution})
    nest.Connect(mm, post)
    sr = nest.Create("spike_recorder")
    nest.Connect(pre + post, sr)
    c = nest.GetConnections(target=post)
    ports = sorted(zip(c.get("source"), c.get("target"), c.get("receptor"), c.get("weight")))
    nest.Simulate(150.0)
    out = {f"mm_{k}": mm.events[k] for k in ["senders", "times", *rec]}
    out.update(sr_senders=sr.events["senders"], sr_times=sr.events["times"],
               ports=np.array(ports, float))
    out["late"] = _try(lambda: nest.Connect(pre[0], post[0], syn_spec={"receptor_type": 3}))
    out["late_new"] = _try(lambda: nest.Connect(pre[0], nest.Create(M),
                                                syn_spec={"receptor_type": 3}))
    nest.GetConnections(pre[0], post[1])[1].set(weight=30.0)
    out["changed"] = _try(lambda: nest.Simulate(50.0))
    return out


def _try(f):
    try:
        f()
        return "none"
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__


def errors(nest):
    """The error classes of bad parameters and receptors."""
    nest.ResetKernel()
    out = {}
    for i, bad in enumerate([{"V_reset": -50.0}, {"C_m": 0.0}, {"t_ref": -1.0},
                             {"tau_AMPA": 0.0}, {"tau_decay_NMDA": -1.0}, {"alpha": 0.0},
                             {"conc_Mg2": 0.0}, {"gsl_error_tol": 0.0}]):
        out[f"bad{i}"] = _try(lambda: nest.Create(M, params=bad))
    n = nest.Create(M, 2)
    out["receptor0"] = _try(lambda: nest.Connect(n[0], n[1], syn_spec={"receptor_type": 0}))
    out["receptor4"] = _try(lambda: nest.Connect(n[0], n[1], syn_spec={"receptor_type": 4}))
    out["readonly"] = _try(lambda: n[0].set(I_NMDA=1.0))
    return {k: np.array(v) for k, v in out.items()}
