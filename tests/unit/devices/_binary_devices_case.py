"""spin_detector, correlospinmatrix_detector and spike_dilutor scenarios, run under NEST and
jaxnest (see test_binary_devices.py). spike_generator senders encode binary transitions as
NEST's binary neurons do: two spikes in a step are an up transition, one a down transition."""
import numpy as np

UP_DOWN = {  # sender -> spike times (ms); doubled times: up transitions
    0: [2.0, 2.0, 5.0, 9.0, 9.0, 9.5, 14.0, 14.0, 21.3],
    1: [2.0, 2.0, 5.0, 11.0, 11.0, 14.0, 14.5, 14.5, 21.3],
    2: [3.0, 3.0, 5.0, 6.0, 6.0, 14.0, 17.0, 17.0, 21.3],
    3: [1.0, 1.0, 5.0, 5.5, 5.5, 14.0, 19.0, 21.3],
}


def _flat(out, prefix, dev, skip=("model_id", "global_id", "thread_local_id", "element_type",
                                  "model", "label", "record_to")):
    st = dev.get()
    out[prefix + "_keys"] = np.asarray(sorted(st))
    for k, v in st.items():
        if k in skip:
            continue
        if k == "events":
            out[prefix + "_event_keys"] = np.asarray(sorted(v))
            for kk, vv in v.items():
                out[f"{prefix}_ev_{kk}"] = np.asarray(vv, float)
            continue
        a = np.atleast_1d(np.asarray(v, dtype=float))
        out[f"{prefix}_{k}"] = np.where(a > 1e308, np.inf, a)


def spin(nest):
    """Generators into spin detectors: NEST's pytest scenario, several down transitions in
    one slice (every second one dropped), windows, time_in_steps, a reset between runs."""
    out = {}
    nest.ResetKernel()
    sgs = nest.Create("spike_generator", len(UP_DOWN))
    for i, t in UP_DOWN.items():
        sgs[i].spike_times = t
    sds = [nest.Create("spin_detector"),
           nest.Create("spin_detector", params={"start": 4.0, "stop": 15.0}),
           nest.Create("spin_detector", params={"time_in_steps": True, "origin": 1.0,
                                                "start": 1.0}),
           nest.Create("spin_detector")]
    _flat(out, "fresh", sds[2])
    for sd in sds[:3]:
        nest.Connect(sgs, sd)
    nest.Connect(sgs[1:3], sds[3], syn_spec={"delay": 2.0})
    nest.Simulate(10.0)
    _flat(out, "mid", sds[0])
    sds[1].n_events = 0
    nest.Simulate(15.0)
    for i, sd in enumerate(sds):
        _flat(out, f"sd{i}", sd)
    return out


def spin_errors(nest):
    out = []
    for params in ({"n_events": 3}, {"start": 0.05}, {"stop": -1.0}, {"events": {}},
                   {"record_to": "nowhere"}):
        nest.ResetKernel()
        try:
            nest.Create("spin_detector", params=params)
            out.append("ok")
        except Exception as e:  # noqa: BLE001
            out.append(type(e).__name__)
    nest.ResetKernel()
    try:
        nest.Connect(nest.Create("spike_generator"), nest.Create("spin_detector"),
                     syn_spec={"receptor_type": 1})
        out.append("ok")
    except Exception as e:  # noqa: BLE001
        out.append(type(e).__name__)
    return {"errors": np.asarray(out)}


PULSES = {0: [10.0, 10.0, 16.0, 30.0, 30.0, 33.3],
          1: [15.0, 15.0, 20.0, 31.0, 31.0, 40.0],
          2: [12.0, 12.0, 18.5, 25.0],
          3: [50.0]}


def correlospin(nest):
    """Generator pulses into correlospinmatrix detectors: NEST's pytest case, more channels
    and pulses, bins of 0.3 ms, a window, pooled senders, a reset between runs."""
    out = {}
    nest.ResetKernel()
    sgs = nest.Create("spike_generator", len(PULSES))
    for i, t in PULSES.items():
        sgs[i].spike_times = t
    csd = [nest.Create("correlospinmatrix_detector"),
           nest.Create("correlospinmatrix_detector"),
           nest.Create("correlospinmatrix_detector")]
    _flat(out, "fresh", csd[0])
    csd[0].set(N_channels=3, tau_max=10.0, delta_tau=1.0)
    csd[1].set(N_channels=2, tau_max=6.0, delta_tau=0.3, start=11.0, stop=45.0)
    csd[2].set(N_channels=2, tau_max=3.0, delta_tau=0.1, Tstart=5.0)
    for i in range(3):
        nest.Connect(sgs[i], csd[0], syn_spec={"receptor_type": i})
    nest.Connect(sgs[3], csd[0], syn_spec={"receptor_type": 2})
    nest.Connect(sgs[0:2], csd[1], syn_spec={"receptor_type": 0})
    nest.Connect(sgs[2:4], csd[1], syn_spec={"receptor_type": 1})
    nest.Connect(sgs[1], csd[2], syn_spec={"receptor_type": 1, "delay": 3.0})
    nest.Connect(sgs[0], csd[2], syn_spec={"receptor_type": 0})
    nest.Connect(sgs[3], csd[2], syn_spec={"receptor_type": 0})
    nest.Simulate(26.0)
    _flat(out, "mid", csd[2])
    nest.Simulate(60.0)
    for i, c in enumerate(csd):
        _flat(out, f"csd{i}", c)
    return out


def correlospin_errors(nest):
    out = []
    for params in ({"N_channels": 0}, {"N_channels": 1.5}, {"delta_tau": -0.1},
                   {"delta_tau": 0.15}, {"tau_max": 1.05}, {"Tstart": -1.0}, {"Tstop": -1.0},
                   {"count_covariance": []}, {"start": 0.05}):
        nest.ResetKernel()
        try:
            nest.Create("correlospinmatrix_detector", params=params)
            out.append("ok")
        except Exception as e:  # noqa: BLE001
            out.append(type(e).__name__)
    nest.ResetKernel()
    try:
        nest.Connect(nest.Create("spike_generator"),
                     nest.Create("correlospinmatrix_detector"),
                     syn_spec={"receptor_type": 1})
        out.append("ok")
    except Exception as e:  # noqa: BLE001
        out.append(type(e).__name__)
    return {"errors": np.asarray(out)}


def correlospin_neurons(nest, seed=1):
    """Two independent ginzburg neurons (p(up) = 0.5 and 0.25) into a correlospinmatrix
    detector for 4 s: the count covariance of random pulses."""
    nest.ResetKernel()
    nest.rng_seed = seed
    a = nest.Create("ginzburg_neuron", params={"tau_m": 5.0, "c_2": 1.0, "c_3": 1.0})
    b = nest.Create("ginzburg_neuron", params={"tau_m": 3.0, "c_2": 0.5, "c_3": 1.0})
    c = nest.Create("correlospinmatrix_detector",
                    params={"N_channels": 2, "tau_max": 10.0, "delta_tau": 0.5})
    nest.Connect(a, c, syn_spec={"receptor_type": 0})
    nest.Connect(b, c, syn_spec={"receptor_type": 1})
    nest.Simulate(4000.0)
    return {"count": np.asarray(c.get("count_covariance"), float)}


def dilutor(nest, seed=1):
    """A spike_generator into a spike_dilutor (delays, a window that holds spikes back in
    NEST's ring buffer, two Simulate calls) into 400 parrots: times and counts of copies."""
    out = {"status": np.asarray([nest.GetDefaults("spike_dilutor")["p_copy"]])}
    nest.ResetKernel()
    nest.rng_seed = seed
    sg = nest.Create("spike_generator", params={
        "spike_times": [1.0, 2.0, 2.0, 3.5, 7.0, 9.9, 11.1, 15.0],
        "spike_multiplicities": [1, 2, 1, 3, 1, 2, 1, 2]})
    d = [nest.Create("spike_dilutor", params={"p_copy": 0.4, "start": 3.0, "stop": 13.0}),
         nest.Create("spike_dilutor", params={"p_copy": 1.0})]
    p = nest.Create("parrot_neuron", 400)
    sr = nest.Create("spike_recorder")
    nest.Connect(sg, d[0], syn_spec={"delay": 1.5})
    nest.Connect(sg, d[1], syn_spec={"delay": 0.7})
    nest.Connect(d[0], p[:300], syn_spec={"delay": 1.0})
    nest.Connect(d[1], p[300:], syn_spec={"delay": 2.0})
    nest.Connect(p, sr)
    nest.Simulate(8.2)
    nest.Simulate(20.0)
    ev = sr.get("events")
    out.update(senders=np.asarray(ev["senders"], float), times=np.asarray(ev["times"], float),
               p_copy=np.asarray([x.get("p_copy") for x in d]))
    return out


def all_cases(nest, seeds=(1, 2, 3, 4)):
    out = {}
    runs = [("spin", spin, {}), ("spin_err", spin_errors, {}), ("csd", correlospin, {}),
            ("csd_err", correlospin_errors, {})]
    for seed in seeds:
        runs += [(f"csdn{seed}", correlospin_neurons, {"seed": seed}),
                 (f"dil{seed}", dilutor, {"seed": seed})]
    for prefix, fn, kw in runs:
        out.update({f"{prefix}:{k}": v for k, v in fn(nest, **kw).items()})
    return out
