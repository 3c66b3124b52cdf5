"""Gap-junction scenarios run under NEST and jaxnest alike (``nest`` is either module)."""
from __future__ import annotations

import numpy as np

TWO = [  # two coupled neurons: (model, wfr_interpolation_order, use_wfr, wfr_tol, comm interval)
    ("hh_psc_alpha_gap", 3, True, 1e-4, 1.0), ("hh_psc_alpha_gap", 1, True, 1e-4, 1.0),
    ("hh_psc_alpha_gap", 0, True, 1e-4, 1.0), ("hh_psc_alpha_gap", 3, False, 1e-4, 1.0),
    ("hh_psc_alpha_gap", 3, True, 1e-8, 0.5), ("hh_psc_alpha_gap", 1, True, 1e-2, 0.1),
    ("hh_cond_beta_gap_traub", 3, True, 1e-4, 1.0), ("hh_cond_beta_gap_traub", 0, True, 1e-6, 1.0),
    ("hh_cond_beta_gap_traub", 3, False, 1e-4, 1.0),
]
I_E = {"hh_psc_alpha_gap": 200.0, "hh_cond_beta_gap_traub": 600.0}
G = {"hh_psc_alpha_gap": 20.0, "hh_cond_beta_gap_traub": 10.0}


def two(nest, model, order, wfr, tol, comm, T=60.0):
    nest.ResetKernel()
    nest.set(resolution=0.1, use_wfr=wfr)
    if wfr:
        nest.set(wfr_tol=tol, wfr_interpolation_order=order, wfr_max_iterations=10,
                 wfr_comm_interval=comm)
    n = nest.Create(model, 2)
    n[0].I_e = I_E[model]
    nest.Connect(n[0], n[1], {"rule": "one_to_one", "make_symmetric": True},
                 {"synapse_model": "gap_junction", "weight": G[model]})
    return _record(nest, n, T, 0.1)


def network(nest, T=80.0):
    """A small inhibitory network (NEST's gap_junctions_inhibitory_network, shrunk), with
    explicit connectivity so that both simulators build the same one."""
    rng = np.random.default_rng(3)
    N = 16
    nest.ResetKernel()
    nest.set(resolution=0.05, wfr_max_iterations=6)
    n = nest.Create("hh_psc_alpha_gap", N)
    n.set(I_e=list(rng.uniform(150.0, 300.0, N)), V_m=list(rng.uniform(-75.0, -65.0, N)))
    pre = rng.integers(0, N, 40)
    post = rng.integers(0, N, 40)
    keep = pre != post
    for i, j in zip(pre[keep].tolist(), post[keep].tolist()):
        nest.Connect(n[i], n[j], syn_spec={"weight": -50.0, "delay": 1.0})
    pairs = {(int(min(a, b)), int(max(a, b))) for a, b in zip(rng.integers(0, N, 20),
                                                             rng.integers(0, N, 20)) if a != b}
    for i, j in sorted(pairs):
        nest.Connect(n[i], n[j], {"rule": "one_to_one", "make_symmetric": True},
                     {"synapse_model": "gap_junction", "weight": 0.5})
    return _record(nest, n, T, 0.05)


def example_like(nest, T=40.0):
    """NEST's gap_junctions_inhibitory_network made deterministic and small: gap pairs drawn
    with replacement (self pairs and duplicate pairs, each connected with make_symmetric),
    inhibitory static synapses, excitatory spike_generator input with repeated times (spike
    multiplicity), the example's waveform-relaxation settings."""
    rng = np.random.default_rng(11)
    N = 24
    nest.ResetKernel()
    nest.set(resolution=0.05, use_wfr=True)
    nest.set(wfr_comm_interval=1.0, wfr_tol=1e-4, wfr_max_iterations=15,
             wfr_interpolation_order=3)
    n = nest.Create("hh_psc_alpha_gap", N)
    n.set(V_m=list(rng.uniform(-80.0, -40.0, N)))
    for i in range(N):
        for j in rng.choice(np.delete(np.arange(N), i), 5).tolist():  # multapses too
            nest.Connect(n[j], n[i], syn_spec={"weight": -50.0, "delay": 1.0})
    sg = nest.Create("spike_generator", N)
    for i in range(N):
        t = np.round(np.sort(rng.uniform(0.1, T, rng.poisson(T))), 1)
        sg[i].spike_times = t.tolist()  # repeated times: multiplicity
    nest.Connect(sg, n, "one_to_one", {"weight": 300.0, "delay": 1.0})
    pairs = rng.integers(0, N, (3 * N, 2))
    pairs[:3, 1] = pairs[:3, 0]   # self pairs
    pairs[3:6] = pairs[6:9]       # duplicate pairs
    for a, b in pairs.tolist():
        nest.Connect(n[a], n[b], {"rule": "one_to_one", "make_symmetric": True},
                     {"synapse_model": "gap_junction", "weight": 0.3})
    return _record(nest, n, T, 0.05)


def _record(nest, n, T, h):
    vm = nest.Create("voltmeter", params={"interval": h})
    sr = nest.Create("spike_recorder")
    nest.Connect(vm, n)
    nest.Connect(n, sr)
    nest.Simulate(T / 2)
    nest.Simulate(T / 2)
    e, s = vm.events, sr.events
    o = np.lexsort((np.asarray(e["senders"]), np.asarray(e["times"])))
    return {"t": np.asarray(e["times"])[o].tolist(), "V": np.asarray(e["V_m"])[o].tolist(),
            "spikes": sorted(zip(np.asarray(s["senders"]).tolist(),
                                 np.asarray(s["times"]).tolist()))}


CONNECT = [  # (conn_spec, syn_spec extras, models, same population)
    ({"rule": "one_to_one"}, {}, "hh_psc_alpha_gap", True),
    ({"rule": "one_to_one", "make_symmetric": True}, {}, "hh_psc_alpha_gap", True),
    ({"rule": "all_to_all"}, {}, "hh_psc_alpha_gap", True),
    ({"rule": "all_to_all"}, {}, "hh_psc_alpha_gap", False),
    ({"rule": "all_to_all", "make_symmetric": True}, {}, "hh_psc_alpha_gap", True),
    ({"rule": "fixed_indegree", "indegree": 1}, {}, "hh_psc_alpha_gap", True),
    ({"rule": "pairwise_bernoulli", "p": 0.5, "make_symmetric": True}, {},
     "hh_psc_alpha_gap", True),
    ({"rule": "symmetric_pairwise_bernoulli", "p": 0.5, "make_symmetric": True,
      "allow_autapses": False}, {}, "hh_psc_alpha_gap", True),
    ({"rule": "one_to_one", "make_symmetric": True}, {"delay": 2.0}, "hh_psc_alpha_gap", True),
    ({"rule": "one_to_one", "make_symmetric": True}, {"receptor_type": 1},
     "hh_psc_alpha_gap", True),
    ({"rule": "one_to_one", "make_symmetric": True}, {}, "iaf_psc_alpha", True),
    ({"rule": "one_to_one", "make_symmetric": True}, {}, "hh_cond_beta_gap_traub", True),
]


def connect_errors(nest):
    out = []
    for cs, extra, model, same in CONNECT:
        nest.ResetKernel()
        a = nest.Create(model, 3)
        try:
            nest.Connect(a, a if same else a[:2], cs,
                         dict({"synapse_model": "gap_junction"}, **extra))
            n = len(nest.GetConnections(synapse_model="gap_junction"))
            out.append(["ok", n if cs["rule"] != "symmetric_pairwise_bernoulli" else n % 2])
        except Exception as e:  # noqa: BLE001
            out.append([type(e).__name__, str(e)])
    nest.ResetKernel()
    a = nest.Create("hh_psc_alpha_gap", 2)
    nest.Connect(a[0], a[1], {"rule": "one_to_one", "make_symmetric": True},
                 {"synapse_model": "gap_junction", "weight": 3.5})
    c = nest.GetConnections()
    got = c.get()
    conns = {k: list(got[k]) for k in ("delay", "receptor", "source", "target", "weight",
                                       "synapse_model")}
    d = nest.GetDefaults("gap_junction")
    defaults = {k: d[k] for k in ("delay", "has_delay", "num_connections", "receptor_type",
                                  "requires_symmetric", "weight")}
    try:
        c.set(delay=2.0)
        setd = "ok"
    except Exception as e:  # noqa: BLE001
        setd = [type(e).__name__, str(e)]
    hd = nest.GetDefaults("hh_psc_alpha_gap")
    model = {k: hd[k] for k in hd if isinstance(hd[k], (int, float, bool))}
    model["recordables"] = [str(r) for r in hd["recordables"]]
    uses = []
    for wfr in (True, False):
        nest.ResetKernel()
        nest.set(use_wfr=wfr)
        uses += [bool(nest.Create(m).get("node_uses_wfr"))
                 for m in ("hh_psc_alpha_gap", "hh_cond_beta_gap_traub", "iaf_psc_alpha")]
    return {"uses_wfr": uses, "connect": out, "conns": conns, "defaults": defaults, "set_delay": setd,
            "model": model}
