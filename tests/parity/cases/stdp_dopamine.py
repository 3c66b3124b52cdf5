"""stdp_dopamine_synapse with volume_transmitters: fixed spike trains through parrots."""
import numpy as np

PRE = [[3.0, 11.0, 12.5, 30.0, 47.3, 61.0, 88.8, 90.0, 131.2, 150.0, 151.0, 190.4, 230.0],
       [5.5, 20.0, 33.3, 58.0, 59.0, 99.9, 120.0, 170.0, 171.1, 205.0, 260.0]]
POST = [[4.0, 13.0, 14.0, 28.0, 49.0, 62.5, 91.0, 130.0, 152.0, 153.0, 200.0, 231.0],
        [1.0, 21.0, 35.0, 57.0, 101.0, 102.3, 121.0, 169.0, 172.0, 206.0, 250.0]]
DOPA = [[2.0, 2.1, 15.0, 31.0, 31.1, 31.2, 60.0, 60.5, 95.0, 140.0, 141.0, 142.0, 180.0,
         210.0, 211.0, 212.0, 213.0],
        [2.0, 16.0, 31.1, 45.0, 60.0, 96.0, 140.0, 181.0, 199.0, 240.0]]


def _parrots(nest, trains):
    out = []
    for times in trains:
        sg = nest.Create("spike_generator", params={"spike_times": times})
        p = nest.Create("parrot_neuron")
        nest.Connect(sg, p)
        out.append(p)
    return sum(out[1:], out[0])


def _read(conns):
    """State of the connections, ordered by (source, target, delay) (GetConnections' order
    aside)."""
    def col(k):
        return np.atleast_1d(np.array(conns.get(k), float))
    order = np.lexsort((col("delay"), col("target"), col("source")))
    return {k: col(k)[order] for k in ("weight", "c", "n", "Kplus")}


def trains(nest, deliver_interval=1, d_min=1.0, resolution=0.1, pieces=(37.0, 50.0, 43.3,
                                                                       69.7, 80.0)):
    """Two presynaptic, two postsynaptic and two dopamine parrots; two volume_transmitters
    (one per synapse model), delays of d_min and more; state read after each Simulate, c and
    n set once, a connection added between runs; weight_recorder events."""
    nest.ResetKernel()
    nest.resolution = resolution
    pre, post, dopa = _parrots(nest, PRE), _parrots(nest, POST), _parrots(nest, DOPA)
    vt = nest.Create("volume_transmitter", 2, params={"deliver_interval": deliver_interval})
    vt[1].set(deliver_interval=deliver_interval + 1)
    wr = nest.Create("weight_recorder")
    nest.CopyModel("stdp_dopamine_synapse", "dopa_a",
                   {"volume_transmitter": vt[0], "A_plus": 0.8, "A_minus": 1.2, "tau_c": 40.0,
                    "tau_n": 30.0, "b": 0.02, "Wmin": 1.0, "Wmax": 60.0, "tau_plus": 15.0,
                    "weight_recorder": wr})
    nest.CopyModel("stdp_dopamine_synapse", "dopa_b",
                   {"volume_transmitter": vt[1], "tau_c": 25.0, "tau_n": 80.0, "b": 0.0,
                    "Wmax": 30.0, "Wmin": -5.0, "weight_recorder": wr})
    nest.Connect(dopa, vt[0], syn_spec={"delay": d_min})
    nest.Connect(dopa[1], vt[1], syn_spec={"delay": d_min + 0.7})
    nest.Connect(dopa[0], vt[1], syn_spec={"delay": 2 * d_min})
    delays = np.array([[d_min, d_min + 0.3], [2 * d_min + 0.1, d_min]])
    nest.Connect(pre, post, "all_to_all",
                 syn_spec={"synapse_model": "dopa_a", "weight": 20.0, "delay": delays,
                           "receptor_type": 1})
    nest.Connect(pre[0], post[1], syn_spec={"synapse_model": "dopa_b", "weight": 10.0,
                                            "delay": d_min + 0.5, "receptor_type": 1,
                                            "c": 0.5, "n": 0.1})
    out = []
    for i, t in enumerate(pieces):
        nest.Simulate(t)
        c = nest.GetConnections(pre, post)
        out.append(_read(c))
        if i == 1:
            nest.GetConnections(pre[1], post[0]).set(c=0.3, n=0.05, Kplus=0.5)
            nest.Connect(pre[1], post[1], syn_spec={"synapse_model": "dopa_b", "weight": 5.0,
                                                    "delay": d_min, "receptor_type": 1})
    res = {k: np.concatenate([o[k] for o in out[2:]]) for k in out[0]}
    res.update({k + "_first": np.concatenate([o[k] for o in out[:2]]) for k in out[0]})
    ev = wr.events
    res.update({"wr_" + k: np.asarray(ev[k], float) for k in ("senders", "targets", "times",
                                                                 "weights")})
    return res


def dense(nest, deliver_interval=20):
    """A dopamine neuron that fires in almost every step of long delivery intervals (the
    archive holds many spikes) and slices of 0.5 ms."""
    nest.ResetKernel()
    rng = np.random.default_rng(3)
    steps = np.arange(1, 600)
    dense_train = np.round(steps[rng.uniform(size=steps.size) < 0.85] * 0.1, 1)
    pre, post = _parrots(nest, PRE[:1]), _parrots(nest, POST[:1])
    dopa = _parrots(nest, [list(dense_train) + [70.0, 120.0]])
    vt = nest.Create("volume_transmitter", params={"deliver_interval": deliver_interval})
    nest.SetDefaults("stdp_dopamine_synapse", {"volume_transmitter": vt, "tau_c": 20.0,
                                               "tau_n": 10.0, "b": 0.5, "Wmax": 100.0})
    nest.Connect(dopa, vt, syn_spec={"delay": 0.5})
    nest.Connect(pre, post, syn_spec={"synapse_model": "stdp_dopamine_synapse", "weight": 50.0,
                                      "delay": 0.7, "receptor_type": 1})
    nest.Simulate(150.0)
    return _read(nest.GetConnections(pre, post))


def issue_410(nest):
    """NEST's regression scenario for issue 410 (driven neurons, 100 dopamine neurons),
    shortened."""
    nest.ResetKernel()
    stim1 = nest.Create("dc_generator", params={"amplitude": 1500.0})
    stim2 = nest.Create("dc_generator", params={"amplitude": 1000.0})
    nrn1 = nest.Create("iaf_psc_alpha", params={"C_m": 100.0, "tau_m": 10.0})
    nrn2 = nest.Create("iaf_psc_alpha", params={"C_m": 100.0, "tau_m": 10.0, "tau_minus": 10.0})
    dopa = nest.Create("iaf_psc_alpha", 100, {"V_reset": -70.0, "C_m": 80.0, "V_th": -60.0})
    vt = nest.Create("volume_transmitter")
    nest.CopyModel("stdp_dopamine_synapse", "syn1",
                   {"Wmax": 1000.0, "Wmin": 0.0, "tau_plus": 10.0, "A_minus": 0.05,
                    "A_plus": 0.05, "b": 45.45, "tau_c": 1.0, "tau_n": 100.0,
                    "volume_transmitter": vt})
    nest.Connect(stim1, nrn1, syn_spec={"weight": 10.0, "delay": 1.0})
    nest.Connect(stim2, dopa, syn_spec={"weight": 10.0, "delay": 1.0})
    nest.Connect(nrn1, nrn2, syn_spec={"synapse_model": "syn1", "weight": 500.0, "delay": 1.0})
    nest.Connect(dopa, vt)
    sr = nest.Create("spike_recorder")
    nest.Connect(nrn2, sr)
    nest.Simulate(500.0)
    c = nest.GetConnections(source=nrn1, target=nrn2)
    return dict(_read(c), times=np.asarray(sr.events["times"], float))


def errors(nest):
    """NEST's errors around volume_transmitters and stdp_dopamine_synapse, and the keys."""
    def kind(f):
        try:
            f()
            return "none"
        except Exception as e:  # noqa: BLE001 - the class is what is compared
            return type(e).__name__

    nest.ResetKernel()
    vt = nest.Create("volume_transmitter")
    n = nest.Create("iaf_psc_alpha", 2)
    syn = "stdp_dopamine_synapse"
    out = [kind(lambda: nest.Connect(n[0], n[1], syn_spec={"synapse_model": syn})),
           kind(lambda: nest.Connect(n[0], n[1], syn_spec={"synapse_model": syn,
                                                            "volume_transmitter": vt})),
           kind(lambda: nest.SetDefaults(syn, {"volume_transmitter": n[0]})),
           kind(lambda: nest.SetDefaults(syn, {"volume_transmitter": n})),
           kind(lambda: nest.Connect(vt, n[0])),
           kind(lambda: nest.Connect(n[0], vt, syn_spec={"receptor_type": 1})),
           kind(lambda: nest.Connect(n[0], vt, syn_spec={"synapse_model": "stdp_synapse"})),
           kind(lambda: vt.set(deliver_interval=2.5)),
           kind(lambda: nest.SetDefaults(syn, {"volume_transmitter": vt}))]
    out += [kind(lambda: nest.Connect(n[0], n[1], syn_spec={"synapse_model": syn, k: 2.0}))
            for k in ("A_plus", "tau_c", "Wmax", "c", "weight")]
    sg, pg = nest.Create("spike_generator"), nest.Create("poisson_generator")
    out += [kind(lambda: nest.Connect(sg, vt)), kind(lambda: nest.Connect(pg, vt)),
            kind(lambda: nest.Connect(pg, n[0], syn_spec=syn)),
            kind(lambda: nest.Connect(sg, n[0], syn_spec=syn))]
    c = nest.GetConnections(synapse_model=syn)
    out += [kind(lambda: c.set(A_plus=2.0)), kind(lambda: c.set(n=-3.0, c=2.0))]
    res = dict(errors=np.array(out), keys=np.array(sorted(c[0].get().keys())),
               defaults=np.array(sorted(nest.GetDefaults(syn).keys())),
               vt_keys=np.array(sorted(vt.get().keys())),
               vt_interval=np.array([vt.get("deliver_interval")]),
               cn=np.array([c.get("c"), c.get("n")], float))
    nest.ResetKernel()  # connections into a volume_transmitter are listed as between neurons
    n = nest.Create("iaf_psc_alpha", 3)
    vt = nest.Create("volume_transmitter")
    sr = nest.Create("spike_recorder")
    nest.Connect(n[2], vt)
    nest.Connect(n, n[0])
    nest.Connect(n[0], vt)
    nest.Connect(n, sr)
    g = nest.GetConnections()
    res["listing"] = np.array([g.get("source"), g.get("target"), g.get("port")], float)
    return res
