"""correlation_detector and correlomatrix_detector fed deterministic spike trains
(spike_generator), their status and errors; run under NEST and jaxnest."""
import numpy as np

A = [1.0, 2.0, 3.3, 5.0, 7.5, 7.6, 10.0, 12.4, 15.0, 15.1, 20.0, 26.0, 26.5, 30.0]
B = [1.0, 1.5, 2.7, 5.0, 5.2, 8.0, 10.1, 13.0, 15.0, 18.9, 21.0, 26.0, 31.0, 33.3]
C = [2.1, 4.4, 9.0, 15.2, 17.7, 25.0, 29.0]
D = [2.0, 12.4, 26.0]  # a second sender on receptor 0 (NEST: two events at 2.0)


def _gen(nest, times, mult=None):
    p = {"spike_times": times}
    if mult is not None:
        p["spike_multiplicities"] = mult
    return nest.Create("spike_generator", params=p)


def _flat(out, prefix, dev):
    st = dev.get()
    out[prefix + "_keys"] = sorted(st)
    for k, v in st.items():
        if k in ("model_id", "global_id", "thread_local_id", "element_type", "model"):
            continue
        a = np.atleast_1d(np.asarray(v, dtype=float))
        out[f"{prefix}_{k}"] = np.where(a > 1e308, np.inf, a)


def detector(nest):
    """Histograms of several detectors over two Simulate calls (with a reset of one):
    multiplicities, equal times (from different senders: the kernel merges a sender's
    equal times into one spike, where NEST sends separate events), delays that reorder delivery, two senders on one receptor,
    Tstart/Tstop and an activity window."""
    nest.ResetKernel()
    a, b = _gen(nest, A), _gen(nest, B, [1, 2, 1, 1, 3, 1, 1, 1, 2, 1, 1, 1, 1, 1])
    c, d = _gen(nest, C), _gen(nest, D)
    cds = [nest.Create("correlation_detector"),
           nest.Create("correlation_detector", params={"delta_tau": 1.0, "tau_max": 6.0,
                                                       "Tstart": 4.0, "Tstop": 24.0}),
           nest.Create("correlation_detector", params={"delta_tau": 0.2, "tau_max": 3.0,
                                                       "start": 3.0, "stop": 28.0}),
           nest.Create("correlation_detector", params={"tau_max": 10.0})]
    for cd in cds[:3]:
        nest.Connect(a + d, cd, syn_spec={"receptor_type": 0})
        nest.Connect(b, cd, syn_spec={"receptor_type": 1, "delay": 2.0})
    nest.Connect(a, cds[3], syn_spec={"receptor_type": 0, "delay": 1.5})
    nest.Connect(b + c, cds[3], syn_spec={"receptor_type": 1})
    nest.Simulate(16.3)
    out = {}
    _flat(out, "mid", cds[0])
    cds[1].set({"n_events": [0, 0]})
    nest.Simulate(25.0)
    for i, cd in enumerate(cds):
        _flat(out, f"cd{i}", cd)
    return out


def matrix(nest):
    """correlomatrix_detector over three channels (one sender on two of them)."""
    nest.ResetKernel()
    a, b, c = _gen(nest, A), _gen(nest, B, [1, 2, 1, 1, 3, 1, 1, 1, 2, 1, 1, 1, 1, 1]), \
        _gen(nest, C)
    cms = [nest.Create("correlomatrix_detector", params={"N_channels": 3}),
           nest.Create("correlomatrix_detector", params={"N_channels": 4, "delta_tau": 0.3,
                                                         "tau_max": 2.4, "Tstart": 3.0,
                                                         "Tstop": 27.0, "start": 1.0})]
    for cm in cms:
        nest.Connect(a, cm, syn_spec={"receptor_type": 0})
        nest.Connect(b, cm, syn_spec={"receptor_type": 1, "delay": 1.3})
        nest.Connect(c, cm, syn_spec={"receptor_type": 2})
    nest.Connect(a, cms[1], syn_spec={"receptor_type": 3, "delay": 0.4})
    nest.Simulate(12.0)
    nest.Simulate(28.0)
    out = {}
    for i, cm in enumerate(cms):
        _flat(out, f"cm{i}", cm)
    return out


BAD = [
    ("correlation_detector", {"delta_tau": 0.25}), ("correlation_detector", {"tau_max": 1.2}),
    ("correlation_detector", {"n_events": [0, 1]}), ("correlation_detector", {"histogram": [0]}),
    ("correlation_detector", {"label": "x"}),
    ("correlomatrix_detector", {"N_channels": 0}),
    ("correlomatrix_detector", {"delta_tau": 0.2, "tau_max": 1.0}),
    ("correlomatrix_detector", {"n_events": [0]}),
    ("correlomatrix_detector", {"N_channels": 2.0}),
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
    for model, port in (("correlation_detector", 2), ("correlomatrix_detector", 1)):
        nest.ResetKernel()
        try:  # NEST refuses at Connect, jaxnest when the spikes arrive
            nest.Connect(_gen(nest, [1.0]), nest.Create(model),
                         syn_spec={"receptor_type": port})
            nest.Simulate(5.0)
            out.append("none")
        except Exception as e:  # noqa: BLE001
            out.append(type(e).__name__)
    nest.ResetKernel()
    cd, cm = nest.Create("correlation_detector"), nest.Create("correlomatrix_detector")
    res = {"errors": out}
    _flat(res, "cd_new", cd)
    _flat(res, "cm_new", cm)
    return res
