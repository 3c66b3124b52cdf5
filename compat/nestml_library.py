"""Generate, install and run every model of NESTML's shipped model library under jaxnest;
writes compat/nestml_library.json and .md beside this file.

    python compat/nestml_library.py [--only NAME ...] [--timeout S]

Each model runs in its own subprocess (a crash or a hang is that model's row). A neuron gets
spikes of both signs on each of its spike receptors and a dc current where it has a
continuous port, 50 ms; "runs" means no error and a finite V_m. A synapse is generated
paired with the library's iaf_psc_exp_neuron (as NESTML's tests pair them; stdsp_synapse
with the sequence_learning tutorial's neuron, its continuous port ``dAP_trace``; noisy and
static alone) and carries two parrots' spike trains into it for 100 ms; "runs" means finite
weights. These are runs, not parity: NESTML's library has no NEST built-in for most models
(the ones that have are compared in tests/unit/nestml)."""
from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))

NEURON_RUN = textwrap.dedent(r"""
    import json, sys, time
    import numpy as np
    import jaxnest as nest
    from pynestml.frontend.pynestml_frontend import generate_nest_target
    path, name = sys.argv[1], sys.argv[2]
    t0 = time.time()
    generate_nest_target(input_path=path, module_name="libmodule")
    gen = time.time() - t0
    nest.Install("libmodule")
    n = nest.Create(name)
    rt = n.get("receptor_types") if "receptor_types" in n.get() else {}
    for r in (sorted(rt.values()) or [0]):
        for w, t in ((300.0, [5.0, 15.0, 25.0]), (-300.0, [10.0, 30.0])):
            sg = nest.Create("spike_generator", params={"spike_times": t})
            try:
                nest.Connect(sg, n, syn_spec={"weight": w, "receptor_type": r})
            except nest.NESTErrors.NESTError:
                pass  # a port of one sign
    try:
        nest.Connect(nest.Create("dc_generator", params={"amplitude": 200.0,
                                                         "start": 20.0}), n)
    except nest.NESTErrors.NESTError:
        pass  # no continuous port
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    rec = [r for r in n.get("recordables") if r == "V_m"]
    mm = nest.Create("multimeter", params={"record_from": rec, "interval": 0.1})
    nest.Connect(mm, n)
    t0 = time.time()
    nest.Simulate(50.0)
    sim = time.time() - t0
    v = np.asarray(mm.get("events").get("V_m", [])) if rec else np.zeros(0)
    print(json.dumps({"generate_s": round(gen, 1), "simulate_s": round(sim, 1),
                      "spikes": int(sr.n_events), "finite": bool(np.all(np.isfinite(v))),
                      "V_m": [float(v.min()), float(v.max())] if v.size else None}))
""")

SYNAPSE_RUN = textwrap.dedent(r"""
    import json, sys, time
    import numpy as np
    import jaxnest as nest
    from pynestml.frontend.pynestml_frontend import generate_nest_target
    paths, opts, model, target, rport = json.loads(sys.argv[1])
    t0 = time.time()
    generate_nest_target(input_path=paths, module_name="libsynmodule", codegen_opts=opts,
                         suffix="_nestml")
    gen = time.time() - t0
    nest.Install("libsynmodule")
    pre = nest.Create("parrot_neuron", 2)
    post = nest.Create(target) if target else nest.Create("parrot_neuron")
    for p, times in zip(pre, ([3.0, 21.0, 40.0, 66.0, 90.0], [8.0, 30.0, 55.0, 71.0])):
        sg = nest.Create("spike_generator", params={"spike_times": times})
        nest.Connect(sg, p)
    drive = nest.Create("spike_generator", params={"spike_times": [12.0, 45.0, 80.0]})
    nest.Connect(drive, post, syn_spec={"weight": 5000.0, "receptor_type": rport["drive"]})
    syn = {"synapse_model": model, "weight": 2.0, "receptor_type": rport["synapse"]}
    if "neuromodulated" in model:
        vt = nest.Create("volume_transmitter")
        dopa = nest.Create("spike_generator", params={"spike_times": [20.0, 60.0]})
        dp = nest.Create("parrot_neuron")
        nest.Connect(dopa, dp)
        nest.Connect(dp, vt)
        nest.SetDefaults(model, {"volume_transmitter": vt})
    nest.Connect(pre, post, syn_spec=syn)
    t0 = time.time()
    nest.Simulate(100.0)
    sim = time.time() - t0
    w = np.asarray(nest.GetConnections(pre, post).get("weight"), float)
    print(json.dumps({"generate_s": round(gen, 1), "simulate_s": round(sim, 1),
                      "finite": bool(np.all(np.isfinite(w))),
                      "weights": [float(x) for x in np.atleast_1d(w)]}))
""")


def library() -> str:
    """NESTML's model library (``<prefix>/models`` beside pynestml)."""
    from jaxnest.nestml.frontend import shipped
    p = shipped("models", "neurons")
    if p is None:
        raise SystemExit("NESTML's model library (<prefix>/models) is not installed")
    return os.path.dirname(p)


def synapse_case(lib: str, name: str):
    """(files, codegen_opts, jaxnest synapse model, target model, receptor types of the drive
    and of the synapse) of a library synapse, generated with the suffix ``_nestml`` (as
    NESTML's tests: static_synapse is a NEST built-in's name)."""
    opts = {"weight_variable": {name: "w"}}
    ports = {"drive": 0, "synapse": 0}
    if name in ("noisy_synapse", "static_synapse"):
        return ([os.path.join(lib, "synapses", name + ".nestml")], opts, name + "_nestml", None,
                ports)
    if name == "stdsp_synapse":
        from jaxnest.nestml.frontend import shipped
        nrn = glob.glob(os.path.join(shipped("doc", "tutorials", "sequence_learning"),
                                     "*.nestml"))[0]
        neuron = os.path.basename(nrn)[:-len(".nestml")]
        post = ["post_spikes", ["dAP_trace", "dAP_trace"]]
        opts["continuous_state_buffering_method"] = "post_spike_based"
        ports = {"drive": 1, "synapse": 2}  # the tutorial's: soma I_1, dendrite I_2
    else:
        nrn = os.path.join(lib, "neurons", "iaf_psc_exp_neuron.nestml")
        neuron, post = "iaf_psc_exp_neuron", ["post_spikes"]
    spec = {"post_ports": post}
    if name == "neuromodulated_stdp_synapse":
        spec["vt_ports"] = ["mod_spikes"]
    opts["neuron_synapse_pairs"] = [{"neuron": neuron, "synapses": {name: spec}}]
    return ([nrn, os.path.join(lib, "synapses", name + ".nestml")], opts,
            f"{name}_nestml__with_{neuron}_nestml", f"{neuron}_nestml__with_{name}_nestml", ports)


def run_one(code: str, args: list, timeout: float) -> dict:
    t0 = time.time()
    try:
        p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "wall_s": round(time.time() - t0)}
    out = {"wall_s": round(time.time() - t0)}
    if p.returncode:
        err = [ln for ln in p.stderr.strip().splitlines() if ln.strip()]
        return dict(out, status="error", error=err[-1][:300] if err else f"exit {p.returncode}")
    res = json.loads(p.stdout.strip().splitlines()[-1])
    return dict(out, status="runs" if res.pop("finite") else "not finite", **res)


def write(rows: dict, path: str) -> None:
    with open(path + ".json", "w") as fh:
        json.dump(rows, fh, indent=1, sort_keys=True)
    lines = ["# NESTML's model library under jaxnest", "",
             "Made by `python compat/nestml_library.py` (see its docstring: runs, not parity;"
             " tests/unit/nestml compares the models that have NEST built-ins).", "",
             "| model | kind | status | generate (s) | simulate (s) | detail |",
             "|---|---|---|---|---|---|"]
    for name, r in sorted(rows.items()):
        detail = r.get("error") or (f"{r['spikes']} spikes, V_m {r['V_m'][0]:.1f} to "
                                    f"{r['V_m'][1]:.1f} mV" if r.get("V_m") else
                                    f"weights {', '.join(f'{w:.4g}' for w in r['weights'])}"
                                    if "weights" in r else "")
        lines.append(f"| {name} | {r['kind']} | {r['status']} | {r.get('generate_s', '')} | "
                     f"{r.get('simulate_s', '')} | {detail} |")
    ok = sum(r["status"] == "runs" for r in rows.values())
    lines += ["", f"{ok} of {len(rows)} run."]
    with open(path + ".md", "w") as fh:
        fh.write("\n".join(lines) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="these models (the rest of the table is kept)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="per model (s)")
    a = ap.parse_args(argv)
    lib = library()
    out = os.path.join(HERE, "nestml_library")
    rows = {}
    if a.only and os.path.exists(out + ".json"):
        with open(out + ".json") as fh:
            rows = json.load(fh)
    for kind in ("neurons", "synapses"):
        for path in sorted(glob.glob(os.path.join(lib, kind, "*.nestml"))):
            name = os.path.basename(path)[:-len(".nestml")]
            if a.only and name not in a.only:
                continue
            if kind == "neurons":
                r = run_one(NEURON_RUN, [path, name], a.timeout)
            else:
                r = run_one(SYNAPSE_RUN, [json.dumps(synapse_case(lib, name))], a.timeout)
            rows[name] = dict(r, kind=kind[:-1])
            print(name, rows[name], flush=True)
            write(rows, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
