"""Astrocyte scenarios run by both NEST (subprocess) and jaxnest (test_astrocyte.py): each takes
the simulator module and returns JSON-able results."""
from __future__ import annotations

ASTRO = "astrocyte_lr_1994"
NEURON = "aeif_cond_alpha_astro"
T3 = "third_factor_bernoulli_with_pool"


def _events(mm, keys):
    ev = mm.events
    order = sorted(range(len(ev["times"])), key=lambda i: (int(ev["senders"][i]),
                                                           float(ev["times"][i])))
    return {k: [float(ev[k][i]) for i in order] for k in list(keys) + ["times", "senders"]}


def single(nest) -> dict:
    """Astrocytes driven by spike generators (weights, multiplicities, delays) and a
    dc_generator (J_noise), at two resolutions; one starts from NEST's test state."""
    out = {}
    for h, init in ((0.1, {}), (0.05, {"IP3": 1.0, "Ca_astro": 1.0, "h_IP3R": 1.0}),
                    (0.1, {"Ca_astro": 0.3, "delta_IP3": 0.05, "SIC_scale": 2.0})):
        nest.ResetKernel()
        nest.resolution = h
        a = nest.Create(ASTRO, 2, params=init)
        sg = nest.Create("spike_generator", params={
            "spike_times": [5.0, 5.0, 12.3, 40.0, 41.0, 80.0],
            "spike_multiplicities": [1, 2, 1, 3, 1, 1]})
        nest.Connect(sg, a, syn_spec={"weight": 400.0, "delay": 1.5})
        sg2 = nest.Create("spike_generator", params={"spike_times": [20.0 + i for i in range(30)]})
        nest.Connect(sg2, a[1], syn_spec={"weight": 150.0, "delay": 0.3})
        dc = nest.Create("dc_generator", params={"amplitude": 0.002, "start": 50.0,
                                                 "stop": 120.0})
        nest.Connect(dc, a[0], syn_spec={"delay": 0.7})
        mm = nest.Create("multimeter", params={"interval": h,
                                               "record_from": ["IP3", "Ca_astro", "h_IP3R"]})
        nest.Connect(mm, a)
        nest.Simulate(200.0)
        out[f"{h}/{sorted(init)}"] = _events(mm, ["IP3", "Ca_astro", "h_IP3R"])
    return out


def sic(nest) -> dict:
    """Astrocytes -> aeif_cond_alpha_astro over sic_connections of several delays and weights
    (one negative; parallel edges of one pair, as TripartiteConnect's pools make), neurons
    also driven by spikes; one Simulate, and the same in split calls
    that cut min_delay slices."""
    out = {}
    for split in (False, True):
        nest.ResetKernel()
        nest.resolution = 0.1
        a = nest.Create(ASTRO, 2, params=[{"Ca_astro": 0.2}, {"Ca_astro": 0.35}])
        n = nest.Create(NEURON, 3, params={"I_e": 650.0, "t_ref": 1.0})
        sg = nest.Create("spike_generator", params={"spike_times": [3.0 + 4 * i
                                                                    for i in range(10)]})
        nest.Connect(sg, a, syn_spec={"weight": 500.0})
        nest.Connect(sg, n, syn_spec={"weight": 3.0, "delay": 0.5})
        nest.Connect(a[0], n[0], syn_spec={"synapse_model": "sic_connection", "weight": 40.0,
                                           "delay": 1.0})
        nest.Connect(a[1], n[0], syn_spec={"synapse_model": "sic_connection", "weight": 25.0,
                                           "delay": 2.3})
        nest.Connect(a[1], n[1], syn_spec={"synapse_model": "sic_connection", "weight": -30.0,
                                           "delay": 0.5})
        for w, d in ((10.0, 1.0), (15.0, 1.0), (5.0, 1.0), (20.0, 2.3)):  # parallel edges
            nest.Connect(a[0], n[2], syn_spec={"synapse_model": "sic_connection", "weight": w,
                                               "delay": d})
        mm = nest.Create("multimeter", params={"interval": 0.1, "record_from": [
            "I_SIC", "V_m", "g_ex", "w"]})
        nest.Connect(mm, n)
        sr = nest.Create("spike_recorder")
        nest.Connect(n, sr)
        if split:
            for t in (1.5, 1.5, 0.2, 56.8):
                nest.Simulate(t)
        else:
            nest.Simulate(60.0)
        r = _events(mm, ["I_SIC", "V_m", "g_ex", "w"])
        r["spikes"] = sorted(zip([int(s) for s in sr.events["senders"]],
                                 [float(t) for t in sr.events["times"]]))
        out[str(split)] = r
    return out


def network(nest) -> dict:
    """A recurrent copy of astrocyte_brunel_fixed_indegree with its randomness fixed: input
    trains of Poisson counts (spike_generator), tripartite wiring drawn here (random pools of 10,
    p = 0.5) and made one_to_one (tsodyks_synapse primary and third_in, sic_connection
    third_out), astrocytes starting above the SIC threshold; two threads."""
    import numpy as np
    rs = np.random.RandomState(11)
    n_ex, n_in, n_astro, c_e, c_i, scale, t_sim = 40, 10, 50, 40, 10, 20.0, 200.0
    nest.ResetKernel()
    nest.resolution = 0.1
    nest.local_num_threads = 2
    prm = {"tau_syn_ex": 2.0, "tau_syn_in": 4.0}
    ex, inh = nest.Create(NEURON, n_ex, params=prm), nest.Create(NEURON, n_in, params=prm)
    astro = nest.Create(ASTRO, n_astro, params={"IP3": 0.4, "Ca_astro": 0.25})
    neur = ex + inh
    for n in neur.tolist():
        cnt = rs.poisson(0.2, int(t_sim * 10) - 20)
        idx = np.nonzero(cnt)[0]
        sg = nest.Create("spike_generator", params={
            "spike_times": [round((k + 10) * 0.1, 1) for k in idx],
            "spike_multiplicities": [int(c) for c in cnt[idx]]})
        nest.Connect(sg, nest.NodeCollection([n]), syn_spec={"weight": 1.0})
    ex_ids, in_ids, a_ids = (np.array(x.tolist()) for x in (ex, inh, astro))
    src, tgt, trip = [], [], []
    for t in neur.tolist():
        pool = np.sort(rs.choice(a_ids, 10, replace=False))
        for s in rs.choice(ex_ids, c_e):
            src.append(s)
            tgt.append(t)
            if rs.rand() < 0.5:
                trip.append((s, t, rs.choice(pool)))
    src, tgt, trip = np.array(src), np.array(tgt), np.array(trip)

    def tso(w, d, tau, n):
        return {"synapse_model": "tsodyks_synapse", "tau_psc": tau, "weight": np.full(n, w),
                "delay": np.full(n, d)}
    nest.Connect(src, tgt, "one_to_one", tso(scale, 2.0, 2.0, len(src)))
    nest.Connect(trip[:, 2], trip[:, 1], "one_to_one", {
        "synapse_model": "sic_connection", "weight": np.full(len(trip), 0.05 * scale),
        "delay": np.full(len(trip), 1.0)})
    nest.Connect(trip[:, 0], trip[:, 2], "one_to_one", tso(scale, 2.0, 2.0, len(trip)))
    i_src = np.array([s for _ in neur.tolist() for s in rs.choice(in_ids, c_i)])
    nest.Connect(i_src, np.repeat(neur.tolist(), c_i), "one_to_one",
                 tso(-4.0 * scale, 1.0, 4.0, len(i_src)))
    mm_n = nest.Create("multimeter", params={"interval": 0.1, "record_from": ["V_m", "I_SIC"]})
    mm_a = nest.Create("multimeter", params={"interval": 0.1,
                                             "record_from": ["IP3", "Ca_astro"]})
    sr = nest.Create("spike_recorder")
    nest.Connect(mm_n, neur[::5])
    nest.Connect(mm_a, astro[::5])
    nest.Connect(neur, sr)
    nest.Simulate(t_sim)
    out = {"neurons": _events(mm_n, ["V_m", "I_SIC"]),
           "astrocytes": _events(mm_a, ["IP3", "Ca_astro"])}
    out["spikes"] = sorted(zip([int(s) for s in sr.events["senders"]],
                               [float(t) for t in sr.events["times"]]))
    return out


def _conns(nest, **kw):
    c = nest.GetConnections(**kw)
    return sorted(zip(c.sources(), c.targets(), [str(m) for m in c.get("synapse_model")]))


def structure(nest) -> dict:
    """TripartiteConnect with block pools (exact), p = 1 with random pools (counts), and
    syn_specs that pick models, weights and delays."""
    out = {}
    nest.ResetKernel()
    pre = nest.Create("parrot_neuron", 5)
    post = nest.Create(NEURON, 6)
    third = nest.Create(ASTRO, 3)
    nest.TripartiteConnect(pre, post, third, {"rule": "all_to_all"},
                           {"rule": T3, "pool_type": "block", "pool_size": 1},
                           {"primary": {"weight": 2.0, "delay": 1.5},
                            "third_in": {"weight": 3.0},
                            "third_out": {"synapse_model": "sic_connection", "weight": 0.5}})
    out["block1"] = _conns(nest)
    out["block1_w"] = sorted(set(nest.GetConnections().weight))
    out["block1_d"] = sorted(set(nest.GetConnections().delay))
    nest.ResetKernel()
    pre = nest.Create("parrot_neuron", 40)
    post = nest.Create("parrot_neuron", 2)
    third = nest.Create("parrot_neuron", 8)
    nest.TripartiteConnect(pre, post, third, {"rule": "all_to_all"},
                           {"rule": T3, "pool_type": "block", "pool_size": 4})
    out["block4_primary"] = _conns(nest, source=pre, target=post)
    out["block4_pools"] = {str(t): sorted(set(nest.GetConnections(
        source=third, target=post[i]).sources())) for i, t in enumerate(post.tolist())}
    out["block4_in"] = len(nest.GetConnections(source=pre, target=third))
    nest.ResetKernel()
    nest.rng_seed = 3
    pre = nest.Create("parrot_neuron", 4)
    post = nest.Create("parrot_neuron", 3)
    third = nest.Create("parrot_neuron", 5)
    nest.TripartiteConnect(pre, post, third, {"rule": "fixed_indegree", "indegree": 2},
                           {"rule": T3, "pool_type": "random", "pool_size": 2},
                           {"primary": nest.CollocatedSynapses({"weight": 1.0},
                                                               {"synapse_model": "stdp_synapse"})})
    c = nest.GetConnections(source=pre, target=post)
    out["random_counts"] = [len(c), len(nest.GetConnections(source=pre, target=third)),
                            len(nest.GetConnections(source=third, target=post))]
    out["random_pools_le"] = all(
        len(set(nest.GetConnections(source=third, target=t).sources())) <= 2 for t in post)
    return out


def statistics(nest, seeds=range(12)) -> dict:
    """Random pools over seeds: per run the fraction of primary connections with a third
    factor, the mean number of distinct third-factor nodes per target, and how often each
    third-factor node is used."""
    frac, distinct, use = [], [], []
    for seed in seeds:
        nest.ResetKernel()
        nest.rng_seed = seed + 1
        pre = nest.Create("parrot_neuron", 30)
        post = nest.Create("parrot_neuron", 20)
        third = nest.Create("parrot_neuron", 10)
        nest.TripartiteConnect(pre, post, third, {"rule": "pairwise_bernoulli", "p": 0.5},
                               {"rule": T3, "p": 0.4, "pool_type": "random", "pool_size": 3})
        n_pri = len(nest.GetConnections(source=pre, target=post))
        out_c = nest.GetConnections(source=third, target=post)
        n_in = len(nest.GetConnections(source=pre, target=third))
        assert n_in == len(out_c)
        frac.append(len(out_c) / n_pri)
        pairs = set(zip(out_c.sources(), out_c.targets()))
        distinct.append(len(pairs) / len(set(out_c.targets())))
        src = list(out_c.sources())
        use.append([src.count(t) / len(src) for t in third.tolist()])
    return {"frac": frac, "distinct": distinct, "use": use}


def errors(nest) -> dict:
    """What NEST says to bad TripartiteConnect calls and bad astrocyte input."""
    def attempt(f):
        try:
            f()
            return None
        except Exception as e:  # noqa: BLE001
            return [type(e).__name__, str(e)]
    out = {}
    cases = {
        "third_rule": ({"rule": "one_to_one"}, {"rule": "one_to_one"}, None),
        "symmetric": ({"rule": "one_to_one", "make_symmetric": True}, {"rule": T3}, None),
        "no_third_rule": ({"rule": "one_to_one"}, {"p": 0.5}, None),
        "no_rule": ({"p": 0.5}, {"rule": T3}, None),
        "pool0": ({"rule": "one_to_one"}, {"rule": T3, "pool_size": 0}, None),
        "pool9": ({"rule": "one_to_one"}, {"rule": T3, "pool_size": 9}, None),
        "pool_type": ({"rule": "one_to_one"}, {"rule": T3, "pool_type": "x"}, None),
        "p": ({"rule": "one_to_one"}, {"rule": T3, "p": 1.5}, None),
        "block": ({"rule": "one_to_one"}, {"rule": T3, "pool_type": "block", "pool_size": 3},
                  None),
        "pool_float": ({"rule": "one_to_one"}, {"rule": T3, "pool_size": 2.0}, None),
        "syn_key": ({"rule": "one_to_one"}, {"rule": T3}, {"third_in": {"foo": 1.0}}),
        "syn_model": ({"rule": "one_to_one"}, {"rule": T3}, {"third_out": "foo_synapse"}),
        "list": ({"rule": "one_to_one"}, {"rule": T3}, {"primary": {"weight": [1.0] * 4}}),
        "sic_from_parrot": ({"rule": "one_to_one"}, {"rule": T3},
                            {"third_out": "sic_connection"}),
    }
    for key, (cs, ts, ss) in cases.items():
        nest.ResetKernel()
        pre, post = nest.Create("parrot_neuron", 4), nest.Create("parrot_neuron", 4)
        third = nest.Create("parrot_neuron", 8)
        out[key] = attempt(lambda: nest.TripartiteConnect(pre, post, third, cs, ts, ss))
    nest.ResetKernel()
    a, n, i = nest.Create(ASTRO), nest.Create(NEURON), nest.Create("iaf_psc_alpha")
    out["astro_static"] = attempt(lambda: nest.Connect(a, n))
    out["sic_to_iaf"] = attempt(lambda: nest.Connect(a, i, syn_spec="sic_connection"))
    out["sic_receptor"] = attempt(lambda: nest.Connect(
        a, n, syn_spec={"synapse_model": "sic_connection", "receptor_type": 1}))
    out["astro_receptor"] = attempt(lambda: nest.Connect(i, a, syn_spec={"receptor_type": 1}))
    out["astro_vm"] = attempt(lambda: nest.Connect(nest.Create("voltmeter"), a))
    out["set_I_SIC"] = attempt(lambda: n.set(I_SIC=1.0))
    for key, value in (("Ca_tot", 0.0), ("IP3_0", -1.0), ("Kd_act", 0.0), ("Kd_inh", -1.0),
                       ("Kd_IP3_1", 0.0), ("Kd_IP3_2", 0.0), ("Km_SERCA", 0.0),
                       ("ratio_ER_cyt", 0.0), ("delta_IP3", -1.0), ("k_IP3R", -1.0),
                       ("SIC_scale", 0.0), ("SIC_th", -1.0), ("rate_L", -1.0),
                       ("rate_IP3R", -1.0), ("rate_SERCA", -1.0), ("tau_IP3", 0.0),
                       ("IP3", -1.0), ("Ca_astro", -1.0), ("h_IP3R", 1.5)):
        nest.ResetKernel()
        a = nest.Create(ASTRO)
        out[f"set_{key}"] = attempt(lambda: a.set({key: value}))
        out[f"create_{key}"] = attempt(lambda: nest.Create(ASTRO, params={key: value}))
    nest.ResetKernel()
    a = nest.Create(ASTRO)
    sg = nest.Create("spike_generator", params={"spike_times": [2.0]})
    nest.Connect(sg, a, syn_spec={"weight": -1.0})
    out["negative_spike"] = attempt(lambda: nest.Simulate(5.0))
    return out


def defaults(nest) -> dict:
    out = {}
    for m in (ASTRO, NEURON, "sic_connection"):
        d = nest.GetDefaults(m)
        out[m] = {k: (list(map(str, v)) if k == "recordables" else v) for k, v in d.items()
                  if k == "recordables" or (isinstance(v, (int, float, bool, str))
                                            and k not in ("synapse_modelid", "sizeof",
                                                          "elementsize", "model_id"))}
    return out
