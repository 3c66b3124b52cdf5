"""Kernel settings as NEST's own tests use them: time base, delay extrema, waveform-relaxation
and thread settings, connect_arrays. Values are returned plainly so both backends compare."""
import numpy as np


def _err(fn):
    try:
        out = fn()
    except Exception as e:  # the class name is what a script sees
        return type(e).__name__
    return "ok" if out is None else repr(out)


def _time(nest):
    return [nest.resolution, nest.tics_per_ms, nest.ms_per_tic, nest.tics_per_step,
            nest.min_delay, nest.max_delay]


def time_base(nest):
    out = {}
    cases = [dict(tics_per_ms=2**14, resolution=2**-4), dict(tics_per_ms=1024, resolution=0.25),
             dict(tics_per_ms=3, resolution=2 / 3), dict(tics_per_ms=10**7, resolution=0.1),
             dict(tics_per_ms=1024, resolution=0.1), dict(tics_per_ms=1000.5, resolution=0.1),
             dict(tics_per_ms=1000.0, resolution=0.1), dict(tics_per_ms=2**14),
             dict(tics_per_ms=1024, resolution=2**-11)]
    for v in [0.7, 0.3 - 5e-17, 0.1 + 0.2, 2.3, 0.035, 12345.678, 0.001, 1,
              0.1 + 1e-13, 0.1 - 3e-15, 0.0015, 0.0001, -0.1]:
        cases.append(dict(resolution=v))
    for i, params in enumerate(cases):
        nest.ResetKernel()
        out[f"set{i}"] = [_err(lambda: nest.set(**params))] + [repr(x) for x in _time(nest)]
    # the time base is fixed once nodes exist, after Simulate, after SetDefaults/CopyModel
    setups = [lambda: nest.Create("iaf_psc_alpha"), lambda: nest.Simulate(1.0),
              lambda: nest.SetDefaults("iaf_psc_alpha", {"C_m": 200.0}),
              lambda: nest.CopyModel("static_synapse", "syn2"),
              lambda: (nest.Create("iaf_psc_alpha"), nest.Simulate(1.0))]
    for i, setup in enumerate(setups):
        nest.ResetKernel()
        setup()
        out[f"fixed{i}"] = [_err(lambda: nest.set(resolution=0.5)),
                            _err(lambda: nest.set(tics_per_ms=100, resolution=0.5)),
                            nest.resolution]
    # simulation times on the tic grid; biological time in a changed tic base
    nest.ResetKernel()
    nest.set(tics_per_ms=2**10, resolution=2**-3)
    out["sim"] = [_err(lambda: nest.Simulate(t)) for t in (0.25, 0.3, 0.125 + 1e-5, -1.0)]
    out["sim_time"] = [nest.biological_time]
    nest.ResetKernel()
    out["sim_default"] = [_err(lambda: nest.Simulate(t)) for t in (0.15, 0.1004, 0.2)]
    out["sim_default_time"] = [nest.biological_time]
    return out


def delay_extrema(nest):
    out = {}

    def md():
        return [nest.min_delay, nest.max_delay]

    out["user"] = [_err(lambda: nest.set(min_delay=0.81, max_delay=1.49))] + md()
    n = nest.Create("iaf_psc_alpha", 2)
    out["user_conn"] = [_err(lambda: nest.Connect(n, n, syn_spec={"delay": d}))
                        for d in (0.5, 1.7, 1.0, 0.81, 1.49)] + md() + [nest.num_connections]
    out["user_after"] = [_err(lambda: nest.set(min_delay=0.5, max_delay=1.49))] + md()
    nest.ResetKernel()
    out["bad_user"] = [_err(lambda: nest.set(min_delay=0.5)),
                       _err(lambda: nest.set(min_delay=0.05, max_delay=1.0)),
                       _err(lambda: nest.set(min_delay=1.0, max_delay=0.5))] + md()
    # resolution changes move user-set extrema (min down, max up) and default delays
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 0.1, "min_delay": 2.1, "max_delay": 12.3})
    nest.resolution = 1.0
    out["res_change"] = md() + [nest.GetDefaults("static_synapse", "delay")]
    nest.SetDefaults("static_synapse", {"delay": 3.5})
    out["res_change_default"] = md() + [nest.GetDefaults("static_synapse", "delay")]
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 0.1, "min_delay": 2.1, "max_delay": 12.3})
    nest.SetKernelStatus({"resolution": 0.001})
    out["res_finer"] = md()
    nest.ResetKernel()
    nest.SetKernelStatus({"tics_per_ms": 10000, "resolution": 0.001, "min_delay": 2.1,
                          "max_delay": 12.3})
    out["tics_change"] = md()
    nest.ResetKernel()
    nest.resolution = 0.3
    n = nest.Create("iaf_psc_alpha", 2)
    nest.Connect(n[0], n[1])
    out["coarse_default"] = md() + [nest.GetConnections().delay]
    # extrema never shrink; they freeze at the first Simulate
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 2)
    nest.Connect(n[0], n[1], syn_spec={"delay": 2.0})
    c = nest.GetConnections()
    out["grow"] = []
    for d in (0.1, 5.0, 1.0):
        c.delay = d
        out["grow"] += md()
    nest.SetDefaults("static_synapse", {"delay": 10.0})
    out["grow"] += md()
    nest.Simulate(1.0)
    out["frozen"] = [_err(lambda: nest.Connect(n[1], n[0], syn_spec={"delay": 7.0})),
                     _err(lambda: nest.Connect(n[1], n[0], syn_spec={"delay": 0.1})),
                     _err(lambda: setattr(c, "delay", 9.0)), nest.num_connections] + md()
    nest.ResetKernel()
    sr = nest.Create("spike_recorder")
    nest.Connect(nest.Create("iaf_psc_alpha"), sr)
    out["recorder"] = md()
    nest.ResetKernel()
    nest.SetDefaults("static_synapse", {"delay": 0.84})
    out["default_rounded"] = [nest.GetDefaults("static_synapse", "delay")] + md()
    # a user min_delay below every connection delay sets NEST's slices: multimeter samples
    # reach the recorder one step after they are taken, not one slice
    nest.ResetKernel()
    nest.set(min_delay=0.1, max_delay=2.0)
    a = nest.Create("iaf_psc_alpha", params={"I_e": 500.0})
    b = nest.Create("iaf_psc_alpha")
    nest.Connect(a, b, syn_spec={"delay": 1.5})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
    nest.Connect(mm, b)
    nest.Simulate(5.0)
    out["mm_times"] = list(mm.events["times"])
    out["mm_V"] = list(mm.events["V_m"])
    out["sliced"] = md()
    return out


def kernel_settings(nest):
    out = {}
    keys = ["use_wfr", "wfr_comm_interval", "wfr_tol", "wfr_max_iterations",
            "wfr_interpolation_order"]
    out["wfr_defaults"] = [repr(nest.GetKernelStatus(k)) for k in keys]
    out["wfr_errors"] = [_err(lambda: nest.set(wfr_comm_interval=0.05)),
                         _err(lambda: nest.set(wfr_tol=-1.0)),
                         _err(lambda: nest.set(wfr_max_iterations=0)),
                         _err(lambda: nest.set(wfr_interpolation_order=2)),
                         _err(lambda: nest.set(wfr_max_iterations=3.0)),
                         _err(lambda: nest.set(use_wfr=1))]
    out["wfr_set"] = [_err(lambda: nest.set(wfr_comm_interval=2.5, wfr_tol=0.01,
                                            wfr_max_iterations=7, wfr_interpolation_order=1))]
    nest.resolution = 0.5
    out["wfr_after_res"] = [repr(nest.GetKernelStatus(k)) for k in keys]
    nest.ResetKernel()
    out["no_wfr"] = [_err(lambda: nest.set(use_wfr=False)), nest.wfr_comm_interval,
                     _err(lambda: nest.set(wfr_comm_interval=2.0))]
    nest.resolution = 0.25
    out["no_wfr_res"] = [nest.wfr_comm_interval]
    nest.Create("iaf_psc_alpha")
    out["wfr_after_nodes"] = [_err(lambda: nest.set(use_wfr=True))]
    nest.ResetKernel()
    out["processes"] = [nest.Rank(), nest.NumProcesses(), nest.num_processes,
                        list(nest.GetLocalVPs()), _err(lambda: nest.SyncProcesses())]
    out["memory"] = [nest.memory_size > 0, isinstance(nest.memory_size, int)]
    out["readonly"] = [_err(lambda: setattr(nest, "network_size", 3)),
                       _err(lambda: setattr(nest, "no_such_thing", 3)),
                       _err(lambda: nest.get("no_such_thing")),
                       _err(lambda: nest.GetKernelStatus("no_such_thing")),
                       _err(lambda: nest.SetKernelStatus({"network_size": 3}))]
    out["misc"] = [repr(nest.GetKernelStatus(k)) for k in
                   ("connection_rules", "rng_types", "recording_backends", "max_num_syn_models",
                    "keep_source_table", "eprop_learning_window", "off_grid_spiking",
                    "growth_curves", "stimulation_backends", "mpi_rank")]
    out["have_threads"] = [nest.build_info["have_threads"]]
    # threads: vps as NEST numbers them; the thread count is fixed once nodes exist
    nest.set(local_num_threads=3)
    n = nest.Create("iaf_psc_alpha", 4)
    sr = nest.Create("spike_recorder")
    out["threads"] = [nest.local_num_threads, nest.total_num_virtual_procs,
                      _err(lambda: nest.set(local_num_threads=2)),
                      _err(lambda: nest.set(local_num_threads=3))]
    out["vp"] = [list(n.vp), list(n.thread), sr.vp, sr.thread]
    nest.ResetKernel()
    out["vps"] = [_err(lambda: nest.set(total_num_virtual_procs=4)), nest.local_num_threads,
                  _err(lambda: nest.set(total_num_virtual_procs=2, local_num_threads=3)),
                  nest.local_num_threads]
    nest.ResetKernel()
    nest.set(min_delay=0.5, max_delay=2.0)
    out["threads_after_delays"] = [_err(lambda: nest.set(local_num_threads=2))]
    nest.ResetKernel()
    timers = [f"time_{k}{c}" for k in ("construction_create", "construction_connect",
                                       "simulate") for c in ("", "_cpu")]
    out["timers_reset"] = [nest.GetKernelStatus(k) for k in timers]
    n = nest.Create("iaf_psc_alpha", 10)
    nest.Connect(n, n)
    nest.Simulate(10.0)
    out["timers"] = [isinstance(nest.GetKernelStatus(k), float) and nest.GetKernelStatus(k) > 0
                     for k in timers]
    return out


def connect_arrays(nest):
    out = {}
    n = nest.Create("iaf_psc_alpha", 5)
    nest.Create("spike_recorder")
    out["pairs"] = [_err(lambda: nest.Connect([3, 1, 2, 1], [1, 1, 2, 5], "one_to_one",
                                              {"weight": [1.0, 2.0, 3.0, 4.0],
                                               "delay": [1.0, 2.0, 3.0, 0.5]}))]
    c = nest.GetConnections()
    out["pairs_conns"] = [c.source, c.target, c.weight, c.delay, nest.min_delay,
                          nest.max_delay]
    calls = [
        lambda: nest.Connect(np.array([1, 2]), np.array([3, 4])),
        lambda: nest.Connect(np.array([2, 1]), np.array([3, 4])),
        lambda: nest.Connect(np.array([1, 1]), np.array([3, 4])),
        lambda: nest.Connect(np.array([1.0, 1]), np.array([3, 4]), "one_to_one"),
        lambda: nest.Connect(np.array([1, 2]), np.array([3, 4, 5]), "one_to_one"),
        lambda: nest.Connect(np.array([1, 2]), np.array([3, 9]), "one_to_one"),
        lambda: nest.Connect(np.array([1, 2]), np.array([3, 4]), "one_to_one",
                             return_synapsecollection=True),
        lambda: nest.Connect(np.array([1, 2]), np.array([3, 4]), "one_to_one",
                             {"weight": [1.0, 2.0, 3.0]}),
        lambda: nest.Connect(np.array([1, 2]), np.array([3, 4]), "one_to_one",
                             {"receptor_type": [1.5, 1]}),
        lambda: nest.Connect(np.array([1, 2]), np.array([3, 4]), "one_to_one",
                             {"synapse_model": "static_synapse", "weights": [1.0, 2.0]}),
        lambda: nest.Connect([1, 2], [6, 6], "one_to_one"),
        lambda: nest.Connect(np.array([1, 2]), np.array([3, 4]), "one_to_one", {"delay": 0.5}),
        lambda: nest.Connect(np.array([1, 2]), np.array([3, 4]), "one_to_one", {"weight": 5.0}),
        lambda: nest.Connect(np.array([1, 2]), np.array([3, 4]), "one_to_one",
                             "static_synapse"),
        lambda: nest.Connect(np.array([1, 2]), np.array([3, 4]),
                             {"rule": "one_to_one", "allow_autapses": False}),
        lambda: nest.Connect(np.array([[1, 2]]), np.array([[3, 4]]), "one_to_one"),
        lambda: nest.Connect(np.array([2, 1], dtype=np.uint64), n[2:4], "one_to_one",
                             {"weight": np.array([7.0, 8.0])}),
        lambda: nest.Connect(np.array([4, 4]), np.array([4, 5]), "one_to_one",
                             {"delay": np.array([0.05, 1.0])}),
    ]
    out["calls"] = []
    for call in calls:
        out["calls"] += [_err(call), nest.num_connections]
    # NEST lists connections by source across Connect calls; compare them as a set
    c = nest.GetConnections()
    out["all_conns"] = sorted(zip(c.source, c.target, c.weight, c.delay))
    return out


def node_collection_more(nest):
    out = {}
    nest.local_num_threads = 3
    a = nest.Create("iaf_psc_alpha", 10)
    b = nest.Create("iaf_psc_exp", 3)
    out["sum"] = [sum([a, b]) == a + b, sum(a[0:1]) == a[0:1], a + 0 == a, 0 + a == a]
    out["bad_add"] = [_err(lambda: a + v) for v in (1, [], [0], (0,))] + \
        [_err(lambda: v + a) for v in (1, [], [0], (0,))]
    out["to_array"] = [repr(a[::3]._to_array()), repr(a[::3]._to_array("rank")),
                       repr(sorted(a[1:8:2]._to_array("thread").items()))]
    out["from_generator"] = [nest.NodeCollection(n.global_id for n in a[2:5]).tolist()]
    out["set_lists"] = [_err(lambda: a.set(V_reset=[-85.0, -82.0])),
                        _err(lambda: setattr(b, "V_reset", [-85.0, -82.0, -80.0, -77.0]))]
    out["V_reset"] = list(b.V_reset)
    a[0].set({"V_m": [-13.0], "C_m": [222.0]})
    out["single_lists"] = [a[0].V_m, a[0].C_m]
    out["readonly_keys"] = [_err(lambda: a.set({k: v})) for k, v in
                            (("vp", 2), ("global_id", 2), ("local", True), ("frozen", False),
                             ("model", "x"), ("thread", 0))]
    sg = nest.Create("spike_generator", 2)
    sg.set({"spike_times": [1.0, 2.0]})
    out["shared_list"] = [list(x) for x in sg.spike_times]
    d = nest.GetDefaults("static_synapse")
    out["syn_defaults"] = sorted(d)
    nest.CopyModel("static_synapse", "static_synapse_copy")
    out["syn_copy"] = [nest.GetDefaults("static_synapse_copy")["synapse_modelid"] >
                       d["synapse_modelid"],
                       nest.GetDefaults("static_synapse_copy")["synapse_model"]]
    nest.Connect(a[0:2], a[2:3])
    out["syn_id"] = [nest.GetConnections().synapse_id == [d["synapse_modelid"]] * 2]
    return out


def syn_arrays(nest):
    """Parameter arrays in syn_spec: 2-d for all_to_all (n_target x n_source), with and
    without autapses, and PyNEST's shape errors."""
    out = {}
    a = nest.Create("iaf_psc_alpha", 3)
    b = nest.Create("iaf_psc_alpha", 2)
    w = np.arange(6, dtype=float).reshape(2, 3) + 1.0
    nest.Connect(a, b, syn_spec={"weight": w})
    c = nest.GetConnections(a, b)
    out["a2a"] = sorted(zip(c.source, c.target, c.weight))
    d = (np.arange(9, dtype=float).reshape(3, 3) + 1.0) * 0.5
    nest.Connect(a, a, {"rule": "all_to_all", "allow_autapses": False}, {"delay": d})
    c = nest.GetConnections(a, a)
    out["a2a_noauto"] = sorted(zip(c.source, c.target, c.delay))
    out["errors"] = [
        _err(lambda: nest.Connect(a, b, syn_spec={"weight": w.T})),
        _err(lambda: nest.Connect(a, b, syn_spec={"weight": [1.0, 2.0]})),
        _err(lambda: nest.Connect(a, b, "one_to_one", {"weight": w})),
        _err(lambda: nest.Connect(a, a, "one_to_one", {"weight": [1.0, 2.0]})),
        _err(lambda: nest.Connect(a, b, {"rule": "fixed_indegree", "indegree": 2},
                                  {"weight": np.ones((3, 2))})),
        _err(lambda: nest.Connect(a, b, {"rule": "fixed_total_number", "N": 4},
                                  {"weight": [1.0, 2.0]}))]
    nest.Connect(a, b, {"rule": "fixed_indegree", "indegree": 2},
                 {"weight": np.array([[10.0, 11.0], [12.0, 13.0]])})
    c = nest.GetConnections(a, b)
    out["indegree_weights"] = sorted(zip(c.target, c.weight))[-4:]
    out["n"] = [nest.num_connections]
    return out


def status_forms(nest):
    """GetStatus/get/GetDefaults with output='json', hierarchical get, NodeCollection from
    ids of nodes that do not exist."""
    out = {"unknown": [_err(lambda: nest.NodeCollection([1, 2])),
                       _err(lambda: nest.NodeCollection([0])),
                       repr(nest.NodeCollection([]))]}
    n = nest.Create("iaf_psc_alpha", 3, params={"I_e": [100.0, 200.0, 300.0]})
    out["unknown_after"] = [_err(lambda: nest.NodeCollection([1, 2, 5])),
                            nest.NodeCollection([2]).tolist(), _err(lambda: n[[2, 0]])]
    mm = nest.Create("multimeter", 3, params={"record_from": ["V_m", "I_syn_ex"]})
    nest.Connect(mm, n, "one_to_one")
    nest.Simulate(3.0)
    import json
    out["json"] = [json.loads(nest.GetStatus(mm, "record_from", output="json")),
                   json.loads(nest.GetStatus(mm[0], ["start", "origin"], output="json")),
                   json.loads(mm.get("record_from", output="json")),
                   json.loads(nest.GetDefaults("iaf_psc_alpha", "C_m", output="json")),
                   json.loads(nest.to_json({"a": np.arange(3), "b": n}))]
    out["getstatus"] = [nest.GetStatus(mm, "interval"), nest.GetStatus(mm[1], ["interval"]),
                        nest.GetStatus(n, ["I_e", "C_m"])]
    out["nested"] = [repr(mm.get("events", "times")), repr(mm[0].get("events", "times", "V_m")),
                     sorted(mm.get("events", ["times", "senders"])),
                     repr(mm[0].get("events", ["senders"]))]
    c = n + nest.Create("iaf_psc_delta")
    out["composite"] = [repr(c.get("refractory_input")), _err(lambda: c.get("no_such_key")),
                        _err(lambda: c.no_such_key),
                        _err(lambda: n[0].get("refractory_input")),
                        repr(c.get(["C_m", "refractory_input"]))]
    out["pandas"] = [repr(mm.get("events", "times", output="pandas").columns.tolist()),
                     repr(mm[0].get("events", ["senders", "times"], output="pandas").shape),
                     repr(n.get(["I_e", "C_m"], output="pandas").index.tolist()),
                     repr(n[1].get("I_e", output="pandas").to_dict())]
    return out


def int_overflow(nest):
    n = nest.Create("iaf_psc_alpha")
    out = {"set": [_err(lambda: setattr(n, "V_m", v)) for v in
                   (-2**63, 2**63 - 1, -2**63 - 1, 2**63)]}
    out["attrs"] = [repr(type(nest).keep_source_table._default), repr(nest.keep_source_table),
                    _err(lambda: setattr(nest, "get", 5))]
    out["set_defaults"] = [
        _err(lambda: nest.SetDefaults("iaf_psc_alpha", {"tau_syn_ex": [1.0, 2.0]})),
        _err(lambda: nest.SetDefaults("iaf_psc_alpha", "tau_syn_ex", nest.random.uniform(0, 1))),
        _err(lambda: nest.SetDefaults("iaf_psc_alpha", "tau_syn_ex", 3.0)),
        _err(lambda: nest.SetDefaults("spike_generator", {"spike_times": [1.0, 2.0]})),
        _err(lambda: nest.SetDefaults("iaf_psc_alpha", ["tau_syn_ex"], 3.0)),
        _err(lambda: nest.SetDefaults("iaf_psc_alpha", 3.0)),
        nest.GetDefaults("iaf_psc_alpha", "tau_syn_ex")]
    out["create_counts"] = [_err(lambda: len(nest.Create("iaf_psc_alpha", n)))
                            for n in (3.0, 3.5, True, 0, -1)]
    return out


def slicing_and_misc(nest):
    nc = nest.Create("iaf_psc_alpha", 10)
    keys = [slice(-15, None), slice(None, 15), slice(-13, 17), slice(None, None, -3),
            slice(10, None), slice(5, 3), slice(-10, None), slice(None, 10), slice(3, -1),
            slice(11, 12), slice(0, 0), slice(2, 9, 3), slice(-3, None), slice(3, 4),
            slice(1, None, 2)]
    out = {"slices": [_err(lambda: nc[k].tolist()) for k in keys]}
    out["nested_slice"] = [_err(lambda: nc[1::2][1:3].tolist()), nc[2:8][::2].tolist(),
                           repr(nc[::3])]
    out["cleanup"] = [_err(lambda: nest.Cleanup())]
    out["hom_w"] = [
        _err(lambda: nest.Connect(nc[0], nc[1], "one_to_one",
                                  {"synapse_model": "static_synapse_hom_w", "weight": 2.0})),
        _err(lambda: nest.CopyModel("static_synapse_hom_w", "mysyn")),
        _err(lambda: nest.Connect(nc[0], nc[1], "one_to_one",
                                  {"synapse_model": "mysyn", "weight": 2.0})),
        _err(lambda: nest.Connect(nc[0], nc[1], "one_to_one",
                                  {"synapse_model": "mysyn", "delay": 2.0})),
        nest.num_connections]
    hom = nest.GetConnections(synapse_model="mysyn")   # NEST hides the common weight
    out["hom_w_status"] = [sorted(hom.get()), _err(lambda: hom.get("weight")),
                           _err(lambda: hom.set(weight=3.0)), _err(lambda: hom.weight),
                           _err(lambda: hom.set(delay=3.0)), hom.get("delay")]
    nest.Connect(nc[2], nc[3])
    mixed = nest.GetConnections(source=nc[0:3])     # shown as None beside a static weight
    out["hom_w_mixed"] = [_err(lambda: mixed.get("weight")), sorted(mixed.get()),
                          _err(lambda: mixed.set(weight=3.0)), _err(lambda: mixed.weight)]
    s = nc[::2]
    out["stepped"] = [_err(lambda: s[k].tolist()) for k in
                      (1, slice(1, 3), slice(0, 1), slice(1, 2), slice(None), slice(None, None, 1))]
    b = nest.Create("iaf_psc_exp", 3)
    out["add_stepped"] = [_err(lambda: (nc + b)[::2] + nest.Create("iaf_psc_delta")),
                          _err(lambda: (nc[1:3] + b).tolist())]
    idx = [[1, 3], (0, 2), [3, 1], [1, 1], [True] * 10, [True, False], [1.0, 2.0], [],
           np.array([1, 4]), np.array([[1]]), np.array([0.5]), np.array([2, 2]),
           np.array([True, False] * 5), {1}, -10, -11, 10]
    out["index"] = [_err(lambda: nc[k].tolist()) for k in idx]
    out["compare"] = [_err(lambda: nc == 5), _err(lambda: nc[0:2] == nc[0:2])]
    out["lookups"] = [_err(lambda: nest.GetDefaults("iaf_psc_alpha", 42)),
                      _err(lambda: sorted(nest.GetDefaults("iaf_psc_alpha", {"C_m", "E_L"}))),
                      _err(lambda: nest.GetKernelStatus(42)),
                      _err(lambda: nest.SetDefaults("iaf_psc_alpha", "no_such_key", 0)),
                      _err(lambda: nest.SetDefaults("static_synapse", {"no_such_key": 0})),
                      sorted(nest.GetKernelStatus("spike_buffer_resize_log"))]
    return out


def delay_rounding(nest):
    """Delays on the grid as NEST rounds them (ms x steps per ms, half up) and stores them
    (steps x ms per step), at several resolutions."""
    out = {}
    for h in (0.1, 0.7, 0.25):
        nest.ResetKernel()
        nest.resolution = h
        n = nest.Create("iaf_psc_alpha", 2)
        ds = [0.8499, 0.85, 0.84999999, 1.05, 1.4, 2.1, 3 * h]
        for d in ds:
            nest.Connect(n[0], n[1], syn_spec={"delay": d})
        out[f"h{h}"] = [repr(x) for x in nest.GetConnections().delay]
    return out


def clock_and_model_limits(nest):
    """biological_time is settable to 0.0 only (NEST's test_ticket_619); CopyModel stops at
    max_num_syn_models synapse models (test_ticket_573)."""
    out = {"bio_time": [_err(lambda: nest.SetKernelStatus({"biological_time": 0.0,
                                                           "rng_seed": 1})),
                        _err(lambda: setattr(nest, "biological_time", 0.0)),
                        _err(lambda: nest.SetKernelStatus({"biological_time": 2.0})),
                        nest.biological_time, nest.rng_seed]}
    free = nest.max_num_syn_models - len(nest.synapse_models)
    for i in range(free):
        nest.CopyModel("static_synapse", f"syn_{i}")
    out["syn_limit"] = [free > 0, _err(lambda: nest.CopyModel("static_synapse", "one_more")),
                        _err(lambda: nest.CopyModel("iaf_psc_alpha", "a_neuron_copy")),
                        len(nest.synapse_models)]
    return out


def target_threads(nest):
    """target_thread with two threads: the target's thread, a neuron's own for a device it
    reaches (devices have a copy per thread); NEST's test_issue_211."""
    nest.ResetKernel()
    nest.local_num_threads = 2
    n = nest.Create("iaf_psc_delta", 3)
    sr, sg = nest.Create("spike_recorder", 2), nest.Create("spike_generator")
    nest.Connect(n, n, "all_to_all")
    nest.Connect(n, sr[1])
    nest.Connect(sg, n + sr[0])
    c = nest.GetConnections()
    rows = sorted(zip(c.source, c.target, c.target_thread))
    return {"rows": np.array(rows), "vps": np.array([nest.total_num_virtual_procs])}


def symmetric_arrays(nest):
    """make_symmetric with per-connection arrays (each serves both directions) and with a
    random parameter (refused); NEST's test_symmetric_connections."""
    nest.ResetKernel()
    a, b = nest.Create("iaf_psc_alpha", 4), nest.Create("iaf_psc_alpha", 4)
    spec = {"rule": "one_to_one", "make_symmetric": True}
    nest.Connect(a, b, spec, {"synapse_model": "stdp_synapse", "weight": [1.0, 2.0, 3.0, 4.0],
                              "delay": [1.5, 2.5, 3.5, 4.5], "alpha": [1.2, 2.2, 3.2, 4.2]})
    c = nest.GetConnections()
    rows = sorted(zip(c.source, c.target, c.weight, c.delay, c.alpha))
    errors = [_err(lambda: nest.Connect(a, b, spec, {"weight": nest.random.uniform()})),
              _err(lambda: nest.Connect(a, b, spec, {"synapse_model": "stdp_synapse",
                                                     "alpha": nest.random.uniform()}))]
    return {"rows": np.array(rows), "errors": np.array(errors), "n": np.array([len(c)])}


def stale_node_collections(nest):
    """NodeCollections from before a ResetKernel: slicing, joining and Connect are
    InvalidNodeCollection; get reads the nodes with those ids now (UnknownNode without);
    set is refused; equality compares the models too (NEST's test_errors,
    test_node_collection_operations)."""
    nest.ResetKernel()
    old_a, old_e = nest.Create("iaf_psc_alpha", 3), nest.Create("iaf_psc_exp", 3)
    both = old_a + old_e
    nest.ResetKernel()
    tries = [lambda: old_a + old_a, lambda: old_a.get("V_m"), lambda: len(old_a),
             lambda: old_a[0], lambda: old_a[1:2], lambda: both[2:4],
             lambda: nest.Connect(old_a, old_a), lambda: old_a.tolist(),
             lambda: old_a == old_a, lambda: old_a.set(V_m=-60.0)]
    out = {"empty": [_err(f) for f in tries]}
    new_a = nest.Create("iaf_psc_alpha", 3)
    out["rebuilt"] = [_err(f) for f in tries] + [
        old_a == new_a, new_a == nest.NodeCollection([1, 2, 3]),
        nest.NodeCollection(new_a.tolist()) == new_a]
    nest.ResetKernel()
    new_e = nest.Create("iaf_psc_exp", 3)
    out["models"] = [new_e == new_a, new_a != old_a, new_e != old_a]
    return {k: np.array([str(x) for x in v]) for k, v in out.items()}


def weight_recorder_nodes(nest):
    """A weight_recorder's senders and targets read back as NodeCollections (a CopyModel'd
    one too), after set from collections (NEST's test_weight_recorder)."""
    nest.ResetKernel()
    nest.CopyModel("weight_recorder", "wr_copy")
    wr, wc = nest.Create("weight_recorder"), nest.Create("wr_copy")
    pre = nest.Create("parrot_neuron", 5)
    out = [type(wr.senders).__name__, wr.targets.tolist()]
    wr.senders, wc.targets = pre[1:3], nest.NodeCollection([2, 6])
    both = wr.get(["senders", "targets"])
    out += [type(wc.targets).__name__, wc.targets.tolist(), wr.senders.tolist(),
            type(both["targets"]).__name__, both["senders"].tolist()]
    return {"out": np.array([str(x) for x in out])}


def thread_local_ids_at_connect(nest):
    """thread_local_id: -1 until a Connect (or Prepare) numbers the nodes that exist then, per
    thread (a device on every thread); NEST's test_thread_local_ids."""
    out = []
    for threads in (1, 4):
        nest.ResetKernel()
        nest.local_num_threads = threads
        nc, sr = nest.Create("iaf_psc_alpha", 4), nest.Create("spike_recorder")
        out.append(nc.thread_local_id)
        nest.Connect(nc[:2], nc[2:], syn_spec={"synapse_model": "static_synapse_hpc"})
        out.append((nc + sr).thread_local_id)
        more = nest.Create("iaf_psc_exp", 3)
        out.append(more.thread_local_id)
        nest.Connect(nc, sr)
        out.append((nc + sr + more).thread_local_id)
    return {"ids": np.array([x for t in out for x in t])}
