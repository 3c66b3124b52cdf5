"""The random spike generators (sinusoidal_poisson/gamma, inhomogeneous_poisson, gamma_sup,
ppd_sup, mip, pulsepacket) and spike_train_injector: activity windows, spike statistics
over seeds, status and errors; run under NEST and jaxnest."""
import numpy as np

R = 1e5  # Hz: a spike in (almost) every step of every train
WINDOW = {
    "sinusoidal_poisson_generator": dict(rate=R),
    "sinusoidal_gamma_generator": dict(rate=R),
    "inhomogeneous_poisson_generator": dict(rate_times=[0.1], rate_values=[R]),
    "gamma_sup_generator": dict(rate=R / 20, n_proc=20, gamma_shape=2),
    "ppd_sup_generator": dict(rate=R / 20, n_proc=20),
    "mip_generator": dict(rate=R),
    "pulsepacket_generator": dict(pulse_times=[4.0, 4.8, 5.0, 5.5, 9.7, 9.8, 9.9, 10.0, 10.1],
                                  activity=3),
    "spike_train_injector": dict(spike_times=[0.1, 4.9, 5.0, 5.1, 5.2, 9.9, 10.0, 10.1],
                                 spike_multiplicities=[1, 2, 1, 3, 1, 1, 2, 1]),
}


def windows(nest, delay=0.1):
    """Unique spike times each generator sends in (origin, start, stop) = (1, 4, 9) ms, to a
    parrot (through a connection of ``delay``: NEST checks some windows per min_delay slice)
    and straight to a spike_recorder; the injector's multiplicities as counts."""
    out = {}
    for model, params in WINDOW.items():
        nest.ResetKernel()
        g = nest.Create(model, params=dict(params, origin=1.0, start=4.0, stop=9.0))
        p = nest.Create("parrot_neuron")
        sr, sr_p = nest.Create("spike_recorder"), nest.Create("spike_recorder")
        nest.Connect(g, p, syn_spec={"delay": delay})
        nest.Connect(p, sr_p, syn_spec={"delay": delay})
        nest.Connect(g, sr)
        nest.Simulate(20.0)
        out[model] = np.unique(sr.events["times"])
        out[model + "_parrot"] = np.unique(sr_p.events["times"]) - 2 * delay
        if model == "spike_train_injector":
            out[model + "_n"] = [len(sr.events["times"]), len(sr_p.events["times"])]
    return out


STATS = {
    "sp": ("sinusoidal_poisson_generator", dict(rate=100.0, amplitude=80.0, frequency=10.0,
                                                phase=30.0)),
    "sg": ("sinusoidal_gamma_generator", dict(rate=100.0, amplitude=80.0, frequency=10.0,
                                              phase=30.0, order=3.0)),
    "ip": ("inhomogeneous_poisson_generator", dict(rate_times=[100.0, 300.0, 301.0],
                                                   rate_values=[200.0, 20.0, 60.0])),
    "gs": ("gamma_sup_generator", dict(rate=40.0, gamma_shape=5, n_proc=3, start=50.0)),
    "pd": ("ppd_sup_generator", dict(rate=60.0, dead_time=8.0, n_proc=1)),
    "pm": ("ppd_sup_generator", dict(rate=60.0, dead_time=3.0, n_proc=4, frequency=5.0,
                                     relative_amplitude=0.9)),
    "mip": ("mip_generator", dict(rate=80.0, p_copy=0.3)),
    "pp": ("pulsepacket_generator", dict(pulse_times=[150.0, 500.0, 820.0], activity=40,
                                         sdev=6.0)),
}


def stats(nest, seeds=(1, 2, 3, 4), T=1000.0, n=20):
    """Spike trains of ``n`` parrots per generator, per seed (seed 1 again at the end):
    one row per spike (seed index, generator index, parrot index, time)."""
    rows = []
    for i, seed in enumerate(list(seeds) + [seeds[0]]):
        nest.ResetKernel()
        nest.rng_seed = seed
        srs = []
        for j, (model, params) in enumerate(STATS.values()):
            g = nest.Create(model, params=params)
            p = nest.Create("parrot_neuron", n)
            sr = nest.Create("spike_recorder")
            nest.Connect(g, p)
            nest.Connect(p, sr)
            srs.append((sr, p[0].global_id))
        nest.Simulate(T)
        for j, (sr, first) in enumerate(srs):
            ev = sr.events
            rows.append(np.column_stack([np.full(ev["times"].size, i), np.full(ev["times"].size, j),
                                         ev["senders"] - first, ev["times"]]))
    return {"spikes": np.concatenate(rows), "names": list(STATS)}


def split(nest, seed=7):
    """The same network simulated at once and in uneven pieces: the spikes of each run."""
    out = {}
    for name, pieces in (("whole", [300.0]), ("pieces", [37.3, 100.0, 0.5, 162.2])):
        nest.ResetKernel()
        nest.rng_seed = seed
        ps = []
        for model, params in STATS.values():
            g = nest.Create(model, params=params)
            p = nest.Create("parrot_neuron", 3)
            nest.Connect(g, p)
            ps.append(p)
        sr = nest.Create("spike_recorder")
        for p in ps:
            nest.Connect(p, sr)
        for t in pieces:
            nest.Simulate(t)
        ev = sr.events
        order = np.lexsort((ev["senders"], ev["times"]))
        out[name] = np.column_stack([ev["senders"][order], ev["times"][order]])
    return out


BAD = [
    ("sinusoidal_poisson_generator", {"individual_spike_trains": False}),
    ("sinusoidal_poisson_generator", {"y_0": 1.0}),
    ("sinusoidal_gamma_generator", {"rate": 5.0, "amplitude": 6.0}),
    ("sinusoidal_gamma_generator", {"order": 0.5}),
    ("sinusoidal_gamma_generator", {"individual_spike_trains": True}),
    ("gamma_sup_generator", {"gamma_shape": 2.0}), ("gamma_sup_generator", {"gamma_shape": 0}),
    ("gamma_sup_generator", {"n_proc": 0}), ("gamma_sup_generator", {"rate": -1.0}),
    ("ppd_sup_generator", {"rate": 100.0, "dead_time": 10.0}),
    ("ppd_sup_generator", {"relative_amplitude": 1.5}), ("ppd_sup_generator", {"n_proc": 2.0}),
    ("ppd_sup_generator", {"dead_time": -1.0}), ("ppd_sup_generator", {"rate": -3.0}),
    ("mip_generator", {"p_copy": 1.5}), ("mip_generator", {"rate": -1.5}),
    ("pulsepacket_generator", {"activity": -1}), ("pulsepacket_generator", {"activity": 2.0}),
    ("pulsepacket_generator", {"sdev": -1.0}),
    ("inhomogeneous_poisson_generator", {"rate_times": [1.0, 2.0], "rate_values": [1.0]}),
    ("inhomogeneous_poisson_generator", {"rate_times": [2.0, 1.0], "rate_values": [1., 2.]}),
    ("inhomogeneous_poisson_generator", {"rate_times": [0.0], "rate_values": [1.0]}),
    ("inhomogeneous_poisson_generator", {"rate_times": [1.05], "rate_values": [1.0]}),
    ("spike_train_injector", {"spike_times": [0.0]}),
    ("spike_train_injector", {"spike_times": [2.0, 1.0]}),
    ("spike_train_injector", {"spike_times": [1.05]}),
    ("spike_train_injector", {"spike_times": [1.0], "spike_multiplicities": [1, 2]}),
    ("spike_train_injector", {"label": "x"}),
]

STATUS = {
    "sinusoidal_poisson_generator": dict(rate=33.3, amplitude=7.7, frequency=3.3, phase=17.3),
    "sinusoidal_gamma_generator": dict(rate=33.3, amplitude=7.7, frequency=3.3, phase=17.3,
                                       order=2.5),
    "inhomogeneous_poisson_generator": dict(rate_times=[1.23, 5.0], rate_values=[3.0, 4.0],
                                            allow_offgrid_times=True),
    "gamma_sup_generator": dict(rate=12.5, gamma_shape=3, n_proc=7),
    "ppd_sup_generator": dict(rate=12.5, dead_time=2.5, n_proc=7, frequency=2.0,
                              relative_amplitude=0.5),
    "mip_generator": dict(rate=12.5, p_copy=0.25),
    "pulsepacket_generator": dict(pulse_times=[30.0, 10.0, 20.0], activity=4, sdev=0.5),
    "spike_train_injector": dict(spike_times=[1.2, 3.47], allow_offgrid_times=True,
                                 spike_multiplicities=[2, 1]),
}


def status(nest):
    """Error classes of bad parameters; every NEST status key and value (numbers and
    strings, flattened) of each generator after a short run, and the SetDefaults path of
    individual_spike_trains."""
    out = {"errors": []}
    for model, params in BAD:
        nest.ResetKernel()
        try:
            nest.Create(model, params=params)
            out["errors"].append("none")
        except Exception as e:  # noqa: BLE001 - the class is what is compared
            out["errors"].append(type(e).__name__)
    nest.ResetKernel()
    devs = {m: nest.Create(m, params=p) for m, p in STATUS.items()}
    nest.Connect(devs["sinusoidal_poisson_generator"], nest.Create("parrot_neuron"))
    nest.Simulate(12.3)
    for m, d in devs.items():
        st = d.get()
        out[m + "_keys"] = sorted(st)
        for k, v in st.items():
            if k in ("model_id", "global_id", "thread_local_id"):
                continue
            if isinstance(v, str) or (isinstance(v, (list, tuple)) and v and
                                      isinstance(v[0], str)):
                out[f"{m}_{k}"] = [str(v)]
            elif isinstance(v, (bool, np.bool_)):
                out[f"{m}_{k}"] = [int(v)]
            else:
                a = np.atleast_1d(np.asarray(v, dtype=float)).ravel()
                out[f"{m}_{k}"] = np.where(a > 1e308, np.inf, a)
    nest.ResetKernel()
    nest.SetDefaults("sinusoidal_poisson_generator", {"individual_spike_trains": False})
    g = nest.Create("sinusoidal_poisson_generator", params={"rate": 5000.0})
    ps = nest.Create("parrot_neuron", 3)
    sr = nest.Create("spike_recorder")
    nest.Connect(g, ps)
    nest.Connect(ps, sr)
    nest.Simulate(20.0)
    ev = sr.events  # one shared train: every parrot spikes at the same times
    t, counts = np.unique(ev["times"], return_counts=True)
    out["shared"] = [int(t.size > 20), int(np.all(counts % 3 == 0)),
                     int(g.get("individual_spike_trains"))]
    return out
