"""PyNEST API semantics, returned as plain values so both backends can be compared exactly."""
import numpy as np


def _err(fn):
    try:
        fn()
    except Exception as e:  # the class name is what a script sees
        return type(e).__name__
    return "no error"


def node_collections(nest):
    a = nest.Create("iaf_psc_alpha", 3)
    b = nest.Create("iaf_psc_exp", 2)
    c = nest.Create("iaf_psc_alpha", 4)
    out = {
        "len": [len(a), len(a + b), len(c[::2])],
        "join": (c + a).tolist(),
        "slice": c[1:4:2].tolist() + a[-1:].tolist(),
        "index_list": c[[0, 3]].tolist(),
        "index_bool": a[np.array([True, False, True])].tolist(),
        "iter": [n.global_id for n in b],
        "contains": [2 in a, 4 in a, 6 in (a + c)],
        "eq": [a == a[0:3], a == b, a[0] == a[0:1]],
        "global_id": list(a.global_id),
        "index_of": [a.index(2), c.index(9)],
        "repr": [repr(a), repr(c[::2]), repr(a[1])],
        "overlap_error": [_err(lambda: a + a[1])],
        "unsorted_error": [_err(lambda: nest.NodeCollection([3, 1]))],
        "get_one": [a[0].get("V_m"), a.get("C_m")[2]],
        "get_mixed_V_m": list((a + b).get("V_m")),
        "get_keys": sorted(a.get(["V_m", "C_m"]).keys()),
        "nodes": nest.GetNodes().tolist(),
        "nodes_model": nest.GetNodes({"model": "iaf_psc_exp"}).tolist(),
    }
    a.set(V_m=[-60.0, -61.0, -62.0])
    out["set_list"] = list(a.V_m)
    a.set({"V_m": -55.0})
    out["set_dict"] = list(a.get("V_m"))
    a.set([{"V_m": 1.0}, {"V_m": 2.0}, {"V_m": 3.0}])
    out["set_dicts"] = list(a.V_m)
    a.C_m = 200.0
    out["set_attr"] = list(a.C_m)
    nest.SetStatus(b, {"I_e": 5.0})
    out["setstatus"] = [nest.GetStatus(b, "I_e")[1], nest.GetStatus(b[0])[0]["I_e"]]
    frame = a.get(["V_m", "C_m"], output="pandas")
    out["pandas"] = [list(frame.columns), list(frame.index), float(frame["V_m"].iloc[2])]
    return out


def errors(nest):
    n = nest.Create("iaf_psc_alpha", 2)
    return {"errors": [
        _err(lambda: nest.Create("no_such_model")),
        _err(lambda: nest.Create("iaf_psc_alpha", params={"C_m": -1.0})),
        _err(lambda: n.set(no_such_param=1.0)),
        _err(lambda: nest.Connect(n, n, syn_spec={"synapse_model": "no_such_synapse"})),
        _err(lambda: nest.Connect(n, n, {"rule": "one_to_one"}) or
             nest.Connect(n, n[0:1], "one_to_one")),
        _err(lambda: nest.Connect(n, n, {"rule": "no_such_rule"})),
        _err(lambda: nest.Simulate(0.05)),
        _err(lambda: nest.CopyModel("iaf_psc_alpha", "iaf_psc_alpha")),
        _err(lambda: nest.Connect(n, nest.Create("dc_generator"))),
        _err(lambda: nest.Create("iaf_psc_alpha", params={"t_ref": -1.0})),
        _err(lambda: nest.Create("iaf_psc_exp", params={"tau_syn_ex": 0.0})),
        _err(lambda: nest.SetKernelStatus({"no_such_key": 1})),
    ]}


def defaults_and_models(nest):
    nest.CopyModel("iaf_psc_alpha", "my_neuron", {"C_m": 100.0})
    nest.SetDefaults("iaf_psc_exp", {"tau_m": 15.0})
    n = nest.Create("my_neuron")
    e = nest.Create("iaf_psc_exp")
    nest.CopyModel("static_synapse", "exc", {"weight": 3.0, "delay": 2.0})
    nest.Connect(n, e, syn_spec="exc")
    c = nest.GetConnections()
    keys = ["C_m", "E_L", "I_e", "V_m", "V_reset", "V_th", "t_ref", "tau_m"]
    return {
        "copied": [n.C_m, n.tau_m, e.tau_m, nest.GetDefaults("my_neuron", "C_m")],
        "model": [n.get("model"), str(c.get("synapse_model"))],
        "conn": [c.get("weight"), c.get("delay"), c.source, c.target],
        "defaults": [nest.GetDefaults(m)[k] for m in ("iaf_psc_alpha", "iaf_psc_exp",
                                                      "iaf_psc_delta") for k in keys],
        "recordables": [str(nest.GetDefaults(m)["recordables"]) for m in
                        ("iaf_psc_alpha", "iaf_psc_exp", "iaf_psc_delta")],
        "in_models": ["my_neuron" in nest.node_models, "exc" in nest.synapse_models,
                      "iaf_psc_alpha" in nest.node_models],
    }


def kernel_attributes(nest):
    nest.ResetKernel()
    nest.resolution = 0.05
    nest.rng_seed = 42
    n = nest.Create("iaf_psc_alpha", 4)
    nest.Connect(n[:2], n[2:], syn_spec={"delay": 0.33})
    nest.Connect(n[2:], n[:2], syn_spec={"delay": 2.0})
    before = [nest.biological_time, nest.network_size, nest.num_connections]
    nest.Simulate(12.5)
    return {
        "kernel": [nest.resolution, nest.rng_seed, nest.min_delay, nest.max_delay]
        + before + [nest.biological_time, nest.GetKernelStatus("biological_time")],
        "status_keys": [k in nest.GetKernelStatus() for k in
                        ("resolution", "rng_seed", "min_delay", "max_delay", "biological_time",
                         "local_num_threads", "data_path", "overwrite_files")],
    }
