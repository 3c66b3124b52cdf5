"""CollocatedSynapses (several synapse specs per drawn pair) and GetConnections by
synapse_label: what Connect creates, per rule, and what the label filter selects."""
import numpy as np


def _table(nest, conns=None):
    """The connections as sorted (source, target, weight, delay, model, receptor) rows."""
    c = nest.GetConnections() if conns is None else conns
    if len(c) == 0:
        return np.zeros((0, 6))
    models = sorted(set(c.get("synapse_model")) if len(c) > 1 else {c.get("synapse_model")})
    g = c.get(["source", "target", "weight", "delay", "synapse_model", "receptor"])
    g = {k: (v if isinstance(v, list) else [v]) for k, v in g.items()}
    rows = [(s, t, round(w, 12), round(d, 12), models.index(m), r) for s, t, w, d, m, r in
            zip(g["source"], g["target"], g["weight"], g["delay"], g["synapse_model"],
                g["receptor"])]
    return np.array(sorted(rows), dtype=float)


def rules(nest):
    """Deterministic rules: the whole table; fixed_indegree: per-target counts by spec."""
    out = {}
    specs = ({"weight": -2.0}, {"synapse_model": "stdp_synapse", "weight": 3.0, "delay": 1.5},
             {"synapse_model": "tsodyks_synapse", "weight": 0.5})
    for rule in ("one_to_one", "all_to_all", {"rule": "one_to_one", "make_symmetric": True}):
        nest.ResetKernel()
        a, b = nest.Create("iaf_psc_alpha", 4), nest.Create("iaf_psc_alpha", 4)
        nest.Connect(a, b, rule, nest.CollocatedSynapses(*specs))
        key = rule if isinstance(rule, str) else "symmetric"
        out[key] = _table(nest)
        out[key + ":num"] = np.array([nest.num_connections])
    nest.ResetKernel()
    a, b = nest.Create("iaf_psc_alpha", 5), nest.Create("iaf_psc_alpha", 3)
    nest.Connect(a, b, {"rule": "fixed_indegree", "indegree": 2},
                 nest.CollocatedSynapses(*specs))
    t = _table(nest)
    out["indegree:per_target_spec"] = np.array(
        [[np.sum((t[:, 1] == tg) & (t[:, 2] == w)) for w in (-2.0, 3.0, 0.5)]
         for tg in b.tolist()])
    # every drawn pair carries all three specs
    pairs = {tuple(r[:2]) for r in t}
    out["indegree:pairs_complete"] = np.array(
        [max(sum(1 for r in t if tuple(r[:2]) == p) % 3 for p in pairs)])
    nest.ResetKernel()
    m = nest.Create("iaf_psc_exp_multisynapse", 3, {"tau_syn": [1.0, 2.0, 3.0, 4.0]})
    nest.Connect(m, m, "one_to_one", nest.CollocatedSynapses(
        {"receptor_type": 2, "weight": 1.0}, {"receptor_type": 4, "weight": 2.0}))
    out["receptors"] = _table(nest)
    nest.ResetKernel()
    a = nest.Create("iaf_psc_alpha", 2)
    nest.Connect(a, a, syn_spec=nest.CollocatedSynapses())
    out["empty:num"] = np.array([nest.num_connections])
    sc = nest.Connect(a[0], a[1], syn_spec=nest.CollocatedSynapses(
        {"weight": 1.0}, {"synapse_model": "stdp_synapse"}), return_synapsecollection=True)
    out["returned"] = _table(nest, sc)
    return out


def labels(nest):
    """GetConnections(synapse_label=...) and the type checks of its label and model."""
    nest.ResetKernel()
    a = nest.Create("iaf_psc_alpha", 4)
    nest.Connect(a[0], a[1])
    nest.Connect(a[0], a[2], syn_spec={"synapse_model": "static_synapse_lbl",
                                       "synapse_label": 3})
    nest.Connect(a[1], a[2], syn_spec={"synapse_model": "stdp_synapse_lbl"})
    nest.Connect(a[2], a[3], syn_spec=nest.CollocatedSynapses(
        {"synapse_model": "stdp_synapse_lbl", "synapse_label": 7},
        {"synapse_model": "static_synapse_lbl", "synapse_label": 3, "weight": 2.0}))
    out = {}
    for lab in (3, 7, -1, 0, -3):
        out[f"label{lab}"] = _table(nest, nest.GetConnections(synapse_label=lab))
    out["source_label"] = _table(nest, nest.GetConnections(a[0], synapse_label=3))
    errs = []
    bad_args = [{"synapse_label": 2.5}, {"synapse_label": "x"},
                {"synapse_model": ["static_synapse"]}, {"synapse_model": 3},
                {"synapse_model": 2.5}]
    for bad in bad_args:
        try:
            nest.GetConnections(**bad)
            errs.append("none")
        except Exception as e:  # noqa: BLE001 - the class is what is compared
            errs.append(type(e).__name__)
    out["errors"] = np.array(errs)
    return out


def spatial(nest):
    """Spatial collocated specs: counts per spec, constant weights, labels, receptors."""
    out = {}
    nest.ResetKernel()
    pos = nest.spatial.free(nest.random.uniform(), num_dimensions=2)
    s = nest.Create("iaf_psc_exp_multisynapse", 11, {"tau_syn": [1.0, 2.0, 3.0]}, positions=pos)
    t = nest.Create("iaf_psc_exp_multisynapse", 17, {"tau_syn": [1.0, 2.0, 3.0]}, positions=pos)
    nest.Connect(s, t, {"rule": "fixed_indegree", "indegree": 3}, nest.CollocatedSynapses(
        {"weight": -3.0, "receptor_type": 1, "synapse_model": "static_synapse_lbl",
         "synapse_label": 5},
        {"weight": nest.spatial_distributions.exponential(nest.spatial.distance),
         "delay": 1.4, "receptor_type": 3}))
    c = nest.GetConnections()
    w, r = np.array(c.weight), np.array(c.receptor)
    out["num"] = np.array([len(c)])
    out["neg_weights"] = np.sort(w[w < 0])
    out["receptors"] = np.sort(r)
    out["label5"] = np.array([len(nest.GetConnections(synapse_label=5))])
    out["delays"] = np.sort(np.round(c.delay, 12))
    out["pairs_complete"] = np.array([max(np.sum(
        (np.array(c.source) == a) & (np.array(c.target) == b)) % 2
        for a, b in set(zip(c.source, c.target)))])
    return out


def rports(nest):
    """The receptor GetConnections shows (NEST's rport): receptor_type less the target's
    offset (ht_neuron, iaf_cond_alpha_mc), a multimeter's logger number in its target."""
    nest.ResetKernel()
    mc, ht = nest.Create("iaf_cond_alpha_mc", 2), nest.Create("ht_neuron", 2)
    n = nest.Create("iaf_psc_alpha", 2)
    dc = nest.Create("dc_generator")
    mm = [nest.Create("multimeter", params={"record_from": ["V_m"]}) for _ in range(2)]
    vm = nest.Create("voltmeter")
    nest.Connect(mc[0], mc[1], syn_spec={"receptor_type": 3})
    nest.Connect(dc, mc[1], syn_spec={"receptor_type": 8})
    nest.Connect(ht[0], ht[1], syn_spec={"receptor_type": 2})
    nest.Connect(dc, ht[0])
    nest.Connect(mm[0], n)
    nest.Connect(mm[1], n[0])
    nest.Connect(vm, n[1])
    nest.Connect(nest.Create("multimeter", params={"record_from": ["V_m.s"]}), mc[0])
    c = nest.GetConnections()
    return {"rows": np.array(sorted(zip(c.source, c.target, c.receptor)))}


def empty(nest):
    """get and str of empty collections, and of one after ResetKernel emptied the network."""
    nest.ResetKernel()
    out = {"get_all": np.array([repr(nest.GetConnections().get())]),
           "get_key": np.array([repr(nest.GetConnections().get("weight"))]),
           "str": np.array([str(nest.GetConnections())])}
    a = nest.Create("iaf_psc_alpha", 2)
    nest.Connect(a, a, syn_spec={"synapse_model": "stdp_synapse", "alpha": 2.0})
    nest.Connect(a[0], a[1])
    c = nest.GetConnections()
    out["alpha"] = np.array([repr(c.get("alpha"))])
    try:
        c.get(["alpha", "weight"])
        out["alpha_list"] = np.array(["none"])
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        out["alpha_list"] = np.array([type(e).__name__])
    pd = c.get(["weight", "target"], output="pandas")
    out["pandas_index"] = np.asarray(pd.index, dtype=float)
    nest.ResetKernel()
    c.set(weight=10.0)
    out["after_reset"] = np.array([repr(c.get()), repr(c.get("weight"))])
    return out
