"""Recording backends: the ascii files, screen lines and memory events recorders produce.

Every function returns text (file lines, printed lines) or event arrays, compared between the
two backends exactly.
"""
import os
import sys
import tempfile


def _network(nest, rec_params, resolution):
    """Two neurons that spike, a spike_recorder, a voltmeter and an offset multimeter with a
    window, all with the same backend parameters."""
    nest.ResetKernel()
    nest.resolution = resolution
    n = nest.Create("iaf_psc_alpha", 2, params={"I_e": 500.0})
    n[1].I_e = 420.0
    sr = nest.Create("spike_recorder", params=dict(rec_params))
    vm = nest.Create("voltmeter", params=dict(rec_params, interval=0.3))
    mm = nest.Create("multimeter", params=dict(rec_params, record_from=["V_m", "I_syn_ex"],
                                               interval=0.5, offset=0.2, start=3.0,
                                               stop=60.0))
    nest.Connect(n, sr)
    nest.Connect(vm, n)
    nest.Connect(mm, n)
    nest.Connect(n[0], n[1], syn_spec={"weight": 300.0, "delay": 1.5})
    return sr, vm, mm


def ascii_files(nest, time_in_steps=False, precision=None, resolution=0.1, label="",
                file_extension=None, two_runs=False):
    """The files of three ascii recorders, line by line, and their names."""
    params = {"record_to": "ascii", "time_in_steps": time_in_steps}
    if precision is not None:
        params["precision"] = precision
    if file_extension is not None:
        params["file_extension"] = file_extension
    if label:
        params["label"] = label
    sr, vm, mm = _network(nest, params, resolution)
    tmp = tempfile.mkdtemp()
    nest.data_path = tmp
    nest.data_prefix = "pre_"
    nest.overwrite_files = True
    nest.Simulate(40.0)
    if two_runs:
        nest.Simulate(35.0)
    out = {}
    for dev in (sr, vm, mm):
        name = dev.get("model")
        fname = dev.get("filenames")[0]
        out[f"{name}_file"] = [os.path.relpath(fname, tmp)]
        with open(fname) as f:
            out[f"{name}_lines"] = f.read().split("\n")
        out[f"{name}_status"] = [dev.get("precision"), dev.get("time_in_steps"),
                                 dev.get("file_extension"),
                                 "events" in dev.get()]  # memory recorders only
    return out


def memory_events(nest, time_in_steps=True):
    """The events dicts of memory recorders, keys and values."""
    sr, vm, mm = _network(nest, {"time_in_steps": time_in_steps}, 0.1)
    nest.Simulate(40.0)
    out = {}
    for dev in (sr, vm, mm):
        ev = dev.get("events")
        name = dev.get("model")
        out[f"{name}_keys"] = sorted(ev)
        for k, v in ev.items():
            out[f"{name}_{k}"] = v
            out[f"{name}_{k}_kind"] = [v.dtype.kind]
    return out


def screen_lines(nest, time_in_steps=False, precision=None):
    """What recorders with record_to='screen' print (fd 1, where NEST's C++ writes)."""
    params = {"record_to": "screen", "time_in_steps": time_in_steps}
    if precision is not None:
        params["precision"] = precision
    _network(nest, params, 0.1)
    sys.stdout.flush()
    with tempfile.TemporaryFile(mode="w+") as f:
        saved = os.dup(1)
        os.dup2(f.fileno(), 1)
        try:
            nest.Simulate(20.0)
            sys.stdout.flush()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        f.seek(0)
        lines = f.read().split("\n")
    return {"lines": sorted(lines)}


DEVICE_SETTINGS = [
    ("voltmeter", "interval", 0.3), ("voltmeter", "interval", 0.1), ("voltmeter", "interval", 0.0),
    ("voltmeter", "interval", 0.5000000001), ("multimeter", "interval", 1.25),
    ("voltmeter", "offset", 0.3), ("voltmeter", "offset", 0.2504), ("voltmeter", "offset", 0.2506),
    ("voltmeter", "offset", 0.0001), ("voltmeter", "offset", -0.5), ("multimeter", "offset", 2.0),
    *[(m, k, v) for m in ("spike_recorder", "multimeter", "poisson_generator", "dc_generator",
                          "spike_generator")
      for k in ("start", "stop", "origin") for v in (0.3, 0.2500000001, 0.75)],
    ("spike_recorder", "start", -0.5),
    ("spike_recorder", "precision", 2.5), ("spike_recorder", "precision", 7),
]


def device_validation(nest, resolution=0.25):
    """Which device times NEST accepts at a coarse resolution, and how it stores them."""
    nest.ResetKernel()
    nest.resolution = resolution
    out = {}
    for i, (model, key, value) in enumerate(DEVICE_SETTINGS):
        params = {key: value}
        if key == "precision":
            params["record_to"] = "ascii"
        try:
            dev = nest.Create(model, params=params)
            out[f"{i}_{model}_{key}_{value}"] = ["ok", repr(dev.get(key))]
        except Exception as e:  # noqa: BLE001
            out[f"{i}_{model}_{key}_{value}"] = [type(e).__name__, ""]
    return out


def ascii_filenames(nest):
    """An ascii recorder's filenames follow the settings as they are now: at Create, after
    data_prefix and label change, after a Simulate (NEST's test_recording_backend_ascii)."""
    nest.ResetKernel()
    tmp = tempfile.mkdtemp()
    nest.data_path, nest.overwrite_files = tmp, True
    mm = nest.Create("multimeter", params={"record_to": "ascii", "record_from": ["V_m"]})
    sr = nest.Create("spike_recorder")
    names = [mm.filenames, "filenames" in sr.get()]
    sr.record_to = "ascii"
    nest.data_prefix = "pre_"
    names += [mm.filenames, sr.filenames]
    nest.Connect(mm, nest.Create("iaf_psc_alpha"))
    nest.Simulate(2.0)
    mm.label = "lab"
    nest.data_prefix = "q_"
    names += [mm.filenames, sr.get("filenames")]
    return {"names": [str(n).replace(tmp, "<tmp>") for n in names]}
