"""Parity defects of the kernel's API (issue 9): the time base in models and devices,
GetConnections order/port/synapse ids after CopyModel, device times NEST reports as its largest
double, and the error classes of bad Create/SetStatus/SetDefaults input."""
import numpy as np


def _err(fn):
    try:
        fn()
        return "none"
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__


def time_base(nest, tics_per_ms=16, resolution=0.0625):
    """Refractory counts of models and devices' grid checks in a time base other than NEST's
    default: spike times, and which device times on the tic grid are accepted."""
    nest.ResetKernel()
    nest.set(tics_per_ms=tics_per_ms, resolution=resolution)
    tic = 1.0 / tics_per_ms
    t_ref = 2.0 + 0.47 * tic  # rounds to 2 ms + 0 tics (half-tic rules differ per base)
    models = [("iaf_psc_alpha", {"I_e": 1000.0, "t_ref": t_ref}),
              ("iaf_psc_exp", {"I_e": 1000.0, "t_ref": t_ref + 0.6 * tic}),
              ("iaf_psc_delta", {"I_e": 1000.0, "t_ref": 1.0 + 0.55 * tic}),
              ("iaf_cond_exp", {"I_e": 1000.0, "t_ref": 1.5 + 0.51 * tic}),
              ("aeif_cond_alpha", {"I_e": 1000.0, "t_ref": 0.8 + 0.49 * tic}),
              ("mat2_psc_exp", {"I_e": 500.0, "t_ref": 1.5 + 0.5 * tic}),
              ("iaf_psc_exp_htum", {"I_e": 1000.0, "t_ref_abs": 1.0 + 0.6 * tic,
                                    "t_ref_tot": 2.0 + 0.6 * tic}),
              ("ignore_and_fire", {"rate": 1000.0 / (3.0 + 1.4 * tic), "phase": 0.5}),
              ("iaf_psc_delta", {"ignore_and_spike": True,
                                 "ignore_and_spike_offset": 2.0 + 0.6 * tic,
                                 "ignore_and_spike_interval": 4.0 + 1.4 * tic})]
    sr = nest.Create("spike_recorder")
    for model, params in models:
        nest.Connect(nest.Create(model, params=params), sr)
    out = {}
    # devices: start/stop/origin on the tic grid but not the default's (accepted or not)
    sg = nest.Create("spike_generator", params={"spike_times": [1.0, 3.0, 5.0 + 3 * resolution]})
    accepted = []
    for key, value in (("start", 3 * resolution), ("origin", 2 * resolution),
                       ("stop", 40 * resolution), ("start", 0.5 * resolution)):
        accepted.append(_err(lambda: sg.set({key: value})))
    out["accepted"] = accepted
    out["sg_window"] = [sg.origin, sg.start, sg.stop]
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 3 * resolution})
    out["mm_interval"] = [mm.interval]
    step = nest.Create("step_current_generator",
                       params={"amplitude_times": [2 * resolution, 5 * resolution],
                               "amplitude_values": [100.0, 200.0]})
    out["step_times"] = list(step.amplitude_times)
    nest.Connect(mm, nest.Create("iaf_psc_alpha"))
    nest.Simulate(30.0)
    ev = sr.events
    out.update(senders=ev["senders"], times=ev["times"], mm_times=mm.events["times"])
    return out


def connections(nest):
    """GetConnections' order, ports and synapse ids: neurons, devices, synapse copies made
    before and after connecting, filters by source, target and both."""
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 5)
    nest.CopyModel("static_synapse", "zz_syn")
    nest.CopyModel("static_synapse", "aa_syn", {"weight": 2.0})
    sg = nest.Create("spike_generator")
    pg = nest.Create("poisson_generator")
    sr = nest.Create("spike_recorder")
    mm = nest.Create("multimeter", params={"record_from": ["V_m"]})
    nest.Connect(n[2], n[0], syn_spec="zz_syn")
    nest.Connect(n[0], n[1], syn_spec="aa_syn")
    nest.Connect(n[4], n[2], syn_spec="zz_syn")
    nest.Connect(n[1], n[3])
    nest.Connect(n[0], n[3])
    nest.Connect(n[3], sr)
    nest.Connect(n[3], n[0], syn_spec="aa_syn")
    nest.Connect(n[0], sr)
    nest.Connect(pg, n[1:3])
    nest.Connect(sg, n[4])
    err = _err(lambda: nest.Connect(sg, n[0], syn_spec="zz_syn"))  # one model per device
    nest.Connect(nest.Create("spike_generator"), n[0], syn_spec="zz_syn")
    nest.Connect(mm, n[::2])
    nest.Connect(n[0], n[1])
    nest.Connect(sg, sr)
    nest.Connect(n[1], sr)
    nest.CopyModel("static_synapse", "bb_syn")
    nest.Connect(n[2], n[1], syn_spec="bb_syn")
    keys = ["source", "target", "synapse_model", "port", "synapse_id"]
    out = {"device_second_model": [err]}
    for label, kw in (("all", {}), ("src", {"source": n[0] + sg}), ("tgt", {"target": n[1] + sr}),
                      ("both", {"source": n[0:2] + sg, "target": n[3] + sr}),
                      ("model", {"synapse_model": "zz_syn"})):
        c = nest.GetConnections(**kw)
        got = c.get(keys)
        for k in keys:
            out[f"{label}_{k}"] = got[k]
    out["modelids"] = [nest.GetDefaults(m)["synapse_modelid"]
                       for m in ("static_synapse", "zz_syn", "aa_syn", "bb_syn")]
    nest.Simulate(2.0)
    c = nest.GetConnections()
    got = c.get(keys)
    for k in keys:
        out[f"after_{k}"] = got[k]
    nest.CopyModel("iaf_psc_alpha", "my_neuron")
    out["node_model_ids"] = [nest.GetDefaults(m)["model_id"] for m in
                             ("iaf_psc_alpha", "spike_recorder", "my_neuron")]
    out["node_status_id"] = [nest.Create("my_neuron").model_id, n[0].model_id]
    return out


def device_times(nest):
    """origin/start/stop of devices as GetStatus and GetDefaults show them (NEST: its largest
    double for an infinite stop), also after setting huge or infinite values."""
    nest.ResetKernel()
    out = {}
    for model in ("spike_generator", "dc_generator", "poisson_generator", "spike_recorder",
                  "multimeter"):
        d = nest.GetDefaults(model)
        out[f"{model}_defaults"] = [d["origin"], d["start"], d["stop"]]
        dev = nest.Create(model)
        out[f"{model}_status"] = list(nest.GetStatus(dev, ["origin", "start", "stop"])[0])
    dev = nest.Create("dc_generator")
    values = []
    for v in (1e300, float("inf"), 1.5e15, 100.0):
        dev.stop = v
        values.append(dev.stop)
    out["stop_set"] = values
    return out


def shift_now_spikes(nest):
    """spike_generator with shift_now_spikes: a spike time set at the current time (at 0, or
    after a Simulate; origin added) is stored and sent one step later; others are kept."""
    nest.ResetKernel()
    nest.resolution = 0.1
    out = {}
    first = nest.Create("spike_generator", params={"spike_times": [0.0, 10.0, 10.50001],
                                                   "shift_now_spikes": True})
    out["at_create"] = first.get("spike_times")
    sg = nest.Create("spike_generator", params={"shift_now_spikes": True, "origin": 2.0})
    sr = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(sg, sr, syn_spec={"delay": 1.0})
    nest.Simulate(12.0)
    sg.set({"spike_times": [10.0001, 11.0001]})
    out["after_run"] = sg.get("spike_times")
    later = nest.Create("spike_generator", params={"spike_times": [0.0, 12.0, 15.0],
                                                   "shift_now_spikes": True})
    out["created_later"] = later.get("spike_times")
    nest.Simulate(10.0)
    out["sent"] = sr.events["times"]
    return out


def dict_miss(nest):
    """dict_miss_is_error False: unknown keys are ignored (a warning), the others applied, in
    Create, set, SetDefaults, Connect and a connection's set; True again: an error."""
    nest.ResetKernel()
    nest.set(dict_miss_is_error=False)
    n = nest.Create("iaf_psc_alpha", params={"bar": 2.0, "C_m": 200.0})
    n.set({"tau_syn_ex": 3.0, "foo": 1.0})
    sg = nest.Create("spike_generator")
    sg.set({"baz": 1, "spike_times": [1.0]})
    nest.SetDefaults("iaf_psc_exp", {"yy": 1.0, "C_m": 100.0})
    nest.Connect(n, n, syn_spec={"weight": 2.0, "qq": 1.0})
    conns = nest.GetConnections()
    conns.set({"zz": 1.0, "weight": 3.0})
    out = {"values": [n.C_m, n.tau_syn_ex, sg.spike_times[0],
                      nest.GetDefaults("iaf_psc_exp")["C_m"], conns.weight]}
    nest.set(dict_miss_is_error=True)
    out["errors"] = [_err(lambda: n.set({"foo": 1.0})),
                     _err(lambda: nest.Connect(n, n, syn_spec={"qq": 1.0}))]
    return out


def bad_input(nest):
    """Error classes of bad Create, SetStatus and SetDefaults input."""
    nest.ResetKernel()
    cases = [
        lambda: nest.Create("iaf_psc_alpha", 2, {"V_m": "abc"}),
        lambda: nest.Create("dc_generator", 1, {"amplitude": "abc"}),
        lambda: nest.Create("iaf_psc_alpha", 3, {"V_m": [1.0, 2.0]}),
        lambda: nest.Create("iaf_psc_alpha", 2, {"V_m": [-60.0, -61.0, -62.0]}),
        lambda: nest.Create("dc_generator", 3, {"amplitude": [1.0, 2.0]}),
        lambda: nest.Create("iaf_psc_alpha", 3, [{"V_m": 1.0}]),
        lambda: nest.Create("iaf_psc_alpha", 1, {"C_m": None}),
        lambda: nest.Create("iaf_psc_alpha", 1, {"ignore_and_spike": 1}),
        lambda: nest.Create("iaf_psc_alpha", 1, {"ignore_and_spike_offset": 0.0}),
        lambda: nest.Create("iaf_cond_exp", 1, {"tau_minus": 0.0}),
        lambda: nest.Create("iaf_psc_exp_multisynapse", 1, {"tau_syn": 2.0}),
        lambda: nest.SetDefaults("no_such_model", {"V_m": 1.0}),
        lambda: nest.GetDefaults("no_such_model"),
        lambda: nest.CopyModel("no_such_model", "x"),
        lambda: nest.Create("no_such_model"),
        lambda: nest.SetDefaults("iaf_psc_alpha", {"C_m": "x"}),
        lambda: nest.SetDefaults("iaf_psc_alpha", {"ignore_and_spike": 1}),
        lambda: nest.SetDefaults("iaf_psc_alpha", {"ignore_and_spike_interval": -1.0}),
        lambda: nest.Create("iaf_psc_alpha").set(C_m="x"),
        lambda: nest.Create("iaf_psc_alpha", 3).set(V_m=[1.0, 2.0]),
        # receptors of spike-recording devices among many targets
        lambda: nest.Connect(nest.Create("iaf_psc_alpha", 3), nest.Create("spike_recorder"),
                             syn_spec={"receptor_type": 1}),
        lambda: nest.Connect(nest.Create("iaf_psc_alpha", 2),
                             nest.Create("iaf_psc_alpha", 50) + nest.Create("spike_recorder"),
                             syn_spec={"receptor_type": 0}),
        lambda: nest.Connect(nest.Create("iaf_psc_alpha", 2),
                             nest.Create("spike_recorder") + nest.Create("iaf_psc_exp_multisynapse",
                                                                         params={"tau_syn": [1.0, 2.0]}),
                             syn_spec={"receptor_type": 2}),
        # devices created after the Connects above (the kernel's device index follows)
        lambda: nest.Connect(nest.Create("iaf_psc_alpha"), nest.Create("spin_detector")),
        lambda: nest.Connect(nest.Create("iaf_psc_alpha", 2), nest.Create("spike_recorder"),
                             syn_spec={"receptor_type": 1}),
    ]
    out = {"errors": [_err(f) for f in cases]}
    n = nest.Create("iaf_psc_alpha", 2, {"V_m": [-60.0, -61.0, -62.0], "C_m": 200})
    out["values"] = list(n.V_m) + list(n.C_m)
    ias = nest.Create("iaf_cond_exp", params={"ignore_and_spike_offset": 3.0})
    ias.set(ignore_and_spike=True, ignore_and_spike_interval=7.5)
    d = ias.get(["ignore_and_spike", "ignore_and_spike_offset", "ignore_and_spike_interval"])
    out["ias"] = [d["ignore_and_spike"], d["ignore_and_spike_offset"],
                  d["ignore_and_spike_interval"]]
    out["ias_defaults"] = [nest.GetDefaults("iaf_psc_alpha")[k] for k in
                           ("ignore_and_spike", "ignore_and_spike_offset",
                            "ignore_and_spike_interval", "tau_minus", "tau_minus_triplet")]
    ias.set(tau_minus=15.0)
    out["tau_minus"] = [ias.tau_minus, ias.tau_minus_triplet]
    return out


def status_keys(nest, threads=1):
    """thread_local_id (set at Prepare, -1 for nodes created since) and the recording
    backend's keys a recorder shows (memory: none, screen: precision, ascii: both)."""
    nest.ResetKernel()
    nest.local_num_threads = threads
    n = nest.Create("iaf_psc_alpha", 4)
    d = nest.Create("dc_generator", 2)
    n2 = nest.Create("iaf_psc_alpha", 3)
    out = {"before": list((n + d + n2).thread_local_id)}
    nest.Simulate(1.0)
    late = nest.Create("iaf_psc_alpha")
    out["after"] = list((n + d + n2 + late).thread_local_id)
    keys = ("precision", "file_extension")
    mm = nest.Create("multimeter")
    for to in ("memory", "screen", "ascii", "memory"):
        mm.record_to = to
        out[f"keys_{to}"] = [k for k in keys if k in mm.get()]
    out["keys_defaults"] = [k for k in keys if k in nest.GetDefaults("spike_recorder")]
    return out


COMPUTED_DEFAULTS = ("recordables", "y_0", "y_1", "histogram", "histogram_correction",
                     "count_histogram", "covariance", "count_covariance", "n_events", "events")


def device_defaults(nest):
    """The keys a device computes, in its model's defaults (NEST shows them there too)."""
    out = {}
    for m in ("ac_generator", "dc_generator", "noise_generator", "step_current_generator",
              "step_rate_generator", "sinusoidal_poisson_generator",
              "sinusoidal_gamma_generator", "correlation_detector", "correlomatrix_detector",
              "correlospinmatrix_detector", "spike_recorder", "multimeter", "voltmeter",
              "weight_recorder", "spin_detector"):
        d = nest.GetDefaults(m)
        for k in COMPUTED_DEFAULTS:
            if k in d:
                v = d[k]
                if isinstance(v, dict):
                    out[f"{m}:{k}:keys"] = sorted(v)
                    v = [x for key in sorted(v) for x in list(v[key])]
                out[f"{m}:{k}"] = [str(x) for x in v] if k == "recordables" else \
                    np.asarray(v, float).ravel()
    return out


def recording_rules(nest):
    """A multimeter connects once to a node and keeps its sampling once connected, and
    records a noise_generator on one thread only; no recorder changes time_in_steps after a
    Simulate (the error class of each try)."""
    nest.ResetKernel()
    n = nest.Create("iaf_psc_exp", 3)
    mm = nest.Create("multimeter")
    out = {"set_before": [_err(lambda: mm.set(offset=1.0, interval=2.0))]}
    nest.Connect(mm, n[0])
    out["connect"] = [_err(lambda: nest.Connect(mm, n[0])),
                      _err(lambda: nest.Connect(mm, n)),
                      _err(lambda: nest.Connect(mm, n[1:]))]
    out["set_after"] = [_err(lambda: mm.set({k: v})) for k, v in (
        ("offset", 1.0), ("interval", 2.0), ("record_from", ["V_m"]), ("start", 1.0),
        ("time_in_steps", True))]
    nest.Simulate(2.0)
    sr = nest.Create("spike_recorder")
    out["after_simulate"] = [_err(lambda: mm.set(time_in_steps=False)),
                             _err(lambda: sr.set(time_in_steps=True)),
                             _err(lambda: sr.set(start=1.0))]
    out["n_connections"] = [len(nest.GetConnections(mm))]
    for threads in (1, 2):  # NEST logs a noise_generator's current on one thread only
        nest.ResetKernel()
        nest.local_num_threads = threads
        ng = nest.Create("noise_generator")
        mm = nest.Create("multimeter", params={"record_from": ["I"]})
        out[f"noise_threads_{threads}"] = [_err(lambda: nest.Connect(mm, ng))]
    return out


DEVICE_INPUT = [
    ("spike_generator", {"spike_times": [2.0, 1.0]}),
    ("spike_generator", {"spike_times": [1.0, 2.0], "spike_weights": [1.0]}),
    ("spike_generator", {"spike_times": [1.0, 2.0], "spike_multiplicities": [1]}),
    ("spike_generator", {"spike_times": [1.23]}),
    ("step_current_generator", {"amplitude_times": [2.0, 1.0], "amplitude_values": [1.0, 2.0]}),
    ("step_current_generator", {"amplitude_times": [1.23], "amplitude_values": [1.0]}),
    ("step_current_generator", {"amplitude_times": [0.0], "amplitude_values": [1.0]}),
    ("step_current_generator", {"amplitude_times": [1.0, 2.0], "amplitude_values": [1.0]}),
    ("step_current_generator", {"amplitude_times": [1.0]}),
    ("step_current_generator", {"amplitude_values": [1.0]}),
    ("step_rate_generator", {"amplitude_times": [2.0, 1.0], "amplitude_values": [1.0, 2.0]}),
    ("step_rate_generator", {"amplitude_times": [1.23], "amplitude_values": [1.0]}),
    ("step_rate_generator", {"amplitude_values": [1.0]}),
    ("inhomogeneous_poisson_generator", {"rate_times": [1.23], "rate_values": [1.0]}),
    ("inhomogeneous_poisson_generator", {"rate_times": [1.0, 5.0, 3.0],
                                         "rate_values": [1.0, 2.0, 3.0]}),
    ("inhomogeneous_poisson_generator", {"rate_times": [1.0]}),
    ("inhomogeneous_poisson_generator", {"rate_values": [1.0]}),
    ("poisson_generator", {"rate": -1.0}),
    ("poisson_generator", {"start": 5.0, "stop": 2.0}),
    ("noise_generator", {"dt": 0.15}),
    ("multimeter", {"interval": 0.15}),
]
"""Bad device input whose message NEST's own tests match (stimulating/, devices)."""

OPTIONS_AFTER_TIMES = [
    ("spike_generator", {"spike_times": [1.2]}, {"allow_offgrid_times": False}),
    ("spike_generator", {"spike_times": [1.2]}, {"precise_times": True}),
    ("spike_generator", {"spike_times": [1.2]}, {"shift_now_spikes": True}),
    ("spike_generator", {"spike_times": [1.2]}, {"spike_weights": [2.0], "start": 5.0}),
    ("spike_generator", {"spike_times": [1.2]}, {"precise_times": True, "spike_times": [2.0]}),
    ("step_current_generator", {"amplitude_times": [1.2], "amplitude_values": [1.0]},
     {"allow_offgrid_times": False}),
    ("step_rate_generator", {"amplitude_times": [1.2], "amplitude_values": [1.0]},
     {"allow_offgrid_times": True}),
    ("inhomogeneous_poisson_generator", {"rate_times": [1.2], "rate_values": [1.0]},
     {"allow_offgrid_times": True}),
    ("inhomogeneous_poisson_generator", {"rate_times": [1.2], "rate_values": [1.0]},
     {"allow_offgrid_times": False}),
    ("inhomogeneous_poisson_generator", {"rate_times": [1.2], "rate_values": [1.0]},
     {"allow_offgrid_times": True, "rate_times": [1.3], "rate_values": [2.0]}),
]
"""A generator's options set after its times (NEST: only with the times, or before any)."""


def device_messages(nest):
    """The class and message of each bad device SetStatus (after Create, node ID 1), and of
    the same input given to Create after three neurons (the new node's ID named)."""
    out = {"set": [], "create": []}
    for model, params in DEVICE_INPUT:
        nest.ResetKernel()
        try:
            nest.Create(model).set(params)
            out["set"].append("none")
        except Exception as e:  # noqa: BLE001 - class and message are compared
            out["set"].append(f"{type(e).__name__}: {e}")
        nest.ResetKernel()
        nest.Create("iaf_psc_alpha", 3)
        try:
            nest.Create(model, params=params)
            out["create"].append("none")
        except Exception as e:  # noqa: BLE001
            out["create"].append(f"{type(e).__name__}: {e}")
    out["after_times"] = []
    for model, first, then in OPTIONS_AFTER_TIMES:
        nest.ResetKernel()
        gen = nest.Create(model, params=first)
        try:
            gen.set(then)
            out["after_times"].append("none")
        except Exception as e:  # noqa: BLE001
            out["after_times"].append(f"{type(e).__name__}: {e}")
    return out


def plastic_synapse_ends(nest):
    """Which error a plastic synapse's Connect raises, and its message: from devices NEST
    refuses their events before it looks at the targets (clopath, urbanczik), e-prop checks
    the delay first (NEST's test_ticket_478)."""
    out = []
    for src in ("poisson_generator", "spike_generator", "multimeter", "parrot_neuron",
                "dc_generator", "noise_generator"):
        for tgt, syn, delay in (("aeif_psc_delta_clopath", "clopath_synapse", 1.0),
                                ("iaf_psc_alpha", "clopath_synapse", 1.0),
                                ("pp_cond_exp_mc_urbanczik", "urbanczik_synapse", 1.0),
                                ("iaf_psc_alpha", "urbanczik_synapse", 1.0),
                                ("spike_recorder", "clopath_synapse", 1.0),
                                ("iaf_psc_alpha", "stdp_synapse", 1.0),
                                ("eprop_iaf", "eprop_synapse", 1.0),
                                ("iaf_psc_alpha", "eprop_synapse", 0.1),
                                ("eprop_iaf_bsshslm_2020", "eprop_synapse_bsshslm_2020", 1.0)):
            nest.ResetKernel()
            a, b = nest.Create(src), nest.Create(tgt)
            try:
                nest.Connect(a, b, syn_spec={"synapse_model": syn, "delay": delay})
                out.append(f"{src} {syn}: none")
            except Exception as e:  # noqa: BLE001 - class and message are compared
                out.append(f"{src} {syn}: {type(e).__name__} {e}")
    return {"errors": np.array(out)}
