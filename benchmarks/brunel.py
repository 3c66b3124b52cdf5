"""Brunel (2000) benchmark: the same PyNEST script under real NEST and under jaxnest.

    python benchmarks/brunel.py --order 2500 --simtime 1000 --backend both --threads 2
    python benchmarks/brunel.py --order 2500 --ee-synapse stdp_synapse     (plastic E->E)

Each backend runs in a subprocess of its own (fresh interpreter, fresh kernel) and prints one
JSON line; with ``--backend both`` a final JSON line holds both results and the ratios
jaxnest / NEST. The network is examples/pynest/brunel.py's (iaf_psc_alpha, fixed in-degree,
one Poisson generator, 50 recorded excitatory neurons), built by :func:`brunel` for both.

Times (seconds, wall clock):

- ``build``: ResetKernel .. last Connect (Create, Connect);
- ``simulate_first``: the first ``Simulate(simtime)``, everything included;
- ``compile`` (jaxnest): tracing, lowering and XLA compilation inside the first Simulate,
  summed from JAX's own monitoring events (the persistent compilation cache is off unless
  ``--xla-cache`` is given, so this is a cold compile). It runs in a thread while the spike
  edges are sorted, so it overlaps ``plan``;
- ``plan`` (jaxnest): building the flat edge arrays (sorting 15.6M edges...) inside the first
  Simulate, including any wait for the compilation running alongside; ``plan_work`` the
  plan's own work (classifying and sorting the edges), without that wait;
- ``simulate``: NEST: the first Simulate (NEST prepares its connection tables in it too);
  jaxnest: ``run``, the first Simulate without plan and compilation (the runtime's own
  measurement of its chunk loop);
- ``simulate_again`` (``--repeat``): a second, equal ``Simulate(simtime)`` continuing the run,
  nothing built or compiled any more;
- ``total``: after the imports to the end of the first Simulate (build included);
- ``*_cpu_s``: CPU time of the process (all its threads) in the same interval. On a shared
  machine wall time includes waiting for a core; CPU time does not (but a thread pool that
  spins counts).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time


def psc_for_psp(tau_m, tau_syn, C_m):
    """PSC amplitude (pA) that gives a 1 mV PSP peak in iaf_psc_alpha."""
    a = 1.0 / tau_syn - 1.0 / tau_m

    def psp(t):
        return (math.e / tau_syn / C_m / a) * ((math.exp(-t / tau_m) - math.exp(-t / tau_syn))
                                               / a - t * math.exp(-t / tau_syn))

    lo, hi = 0.0, 10 * tau_m
    for _ in range(200):
        m1, m2 = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        lo, hi = (m1, hi) if psp(m1) < psp(m2) else (lo, m2)
    return 1.0 / psp(0.5 * (lo + hi))


def brunel(nest, order: int, seed: int, threads: int = 1, float_precision: str = "",
           ee_synapse: str = ""):
    """examples/pynest/brunel.py's network; returns the spike recorder (50 exc. neurons).
    ``float_precision``: jaxnest's kernel setting ('float32' opt-in), not set when empty;
    ``ee_synapse``: a synapse model (e.g. stdp_synapse) for the E->E connections, with the
    excitatory weight and delay (E->I stays static; connected in two calls then)."""
    nest.ResetKernel()
    if threads > 1:
        nest.local_num_threads = threads
    if float_precision:
        nest.float_precision = float_precision
    nest.resolution = 0.1
    nest.rng_seed = seed
    NE, NI = 4 * order, order
    epsilon, g, eta, delay = 0.1, 5.0, 2.0, 1.5
    CE, CI = int(epsilon * NE), int(epsilon * NI)
    tau_m, V_th, C_m, tau_syn = 20.0, 20.0, 250.0, 0.5
    J = 0.1
    J_ex = J * psc_for_psp(tau_m, tau_syn, C_m)
    J_in = -g * J_ex
    nu_th = V_th / (J * CE * tau_m)
    p_rate = 1000.0 * eta * nu_th * CE
    params = {"C_m": C_m, "tau_m": tau_m, "tau_syn_ex": tau_syn, "tau_syn_in": tau_syn,
              "t_ref": 2.0, "E_L": 0.0, "V_reset": 10.0, "V_m": 0.0, "V_th": V_th}
    exc = nest.Create("iaf_psc_alpha", NE, params=params)
    inh = nest.Create("iaf_psc_alpha", NI, params=params)
    noise = nest.Create("poisson_generator", params={"rate": p_rate})
    spikes = nest.Create("spike_recorder")
    nest.CopyModel("static_synapse", "excitatory", {"weight": J_ex, "delay": delay})
    nest.CopyModel("static_synapse", "inhibitory", {"weight": J_in, "delay": delay})
    nest.Connect(noise, exc + inh, syn_spec="excitatory")
    nest.Connect(exc[:50], spikes)
    if ee_synapse:
        nest.CopyModel(ee_synapse, "excitatory_ee", {"weight": J_ex, "delay": delay})
        nest.Connect(exc, exc, {"rule": "fixed_indegree", "indegree": CE}, "excitatory_ee")
        nest.Connect(exc, inh, {"rule": "fixed_indegree", "indegree": CE}, "excitatory")
    else:
        nest.Connect(exc, exc + inh, {"rule": "fixed_indegree", "indegree": CE}, "excitatory")
    nest.Connect(inh, exc + inh, {"rule": "fixed_indegree", "indegree": CI}, "inhibitory")
    return spikes


def _peak_rss_gib() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def run_one(backend: str, build, simtime: float, repeat: bool, n_rec: int, meta: dict) -> dict:
    """Build (``build(nest)`` returns the spike recorder of ``n_rec`` neurons) and simulate in
    this process; returns the measurements, after ``meta``."""
    t0 = time.perf_counter()
    compile_s = [0.0]
    if backend == "nest":
        import nest
        nest.set_verbosity("M_ERROR")
    else:
        import jax
        import jax.monitoring

        def listener(event, duration, **kw):
            if event in ("/jax/core/compile/jaxpr_trace_duration",
                         "/jax/core/compile/jaxpr_to_mlir_module_duration",
                         "/jax/core/compile/backend_compile_duration"):
                compile_s[0] += duration

        jax.monitoring.register_event_duration_secs_listener(listener)
        import jaxnest as nest
    t_import = time.perf_counter()
    c_build = time.process_time()
    spikes = build(nest)
    t_built = time.perf_counter()
    c_build = time.process_time() - c_build
    compile_s[0] = 0.0
    c0 = time.process_time()
    nest.Simulate(simtime)
    t_sim = time.perf_counter()
    cpu_sim = time.process_time() - c0
    n_ev1 = spikes.n_events
    out = dict(backend=backend, **meta, simtime_ms=simtime,
               n_synapses=int(nest.num_connections),
               import_s=round(t_import - t0, 3), build_s=round(t_built - t_import, 3),
               build_cpu_s=round(c_build, 3),
               simulate_first_s=round(t_sim - t_built, 3),
               simulate_first_cpu_s=round(cpu_sim, 3),
               rate_hz=round(n_ev1 / n_rec / simtime * 1000.0, 3))
    if backend == "jaxnest":
        from jaxnest.api import _state
        timings = getattr(_state.kernel().runtime, "timings", {})
        out["compile_s"] = round(compile_s[0], 3)
        out["plan_s"] = round(timings.get("plan_s", 0.0), 3)
        parts = timings.get("plan_parts", {})  # the plan's own work, without the compilation
        out["plan_work_s"] = round(parts.get("total", 0.0) + parts.get("spike_sort", 0.0), 3)
        out["simulate_s"] = round(timings.get("run_s", t_sim - t_built - compile_s[0]), 3)
        out["device"] = str(jax.devices()[0])
        out["float_precision"] = nest.float_precision
    else:
        out["compile_s"] = 0.0
        out["simulate_s"] = out["simulate_first_s"]
    out["total_s"] = round(t_sim - t_import, 3)
    if repeat:
        t1 = time.perf_counter()
        c1 = time.process_time()
        nest.Simulate(simtime)
        out["simulate_again_s"] = round(time.perf_counter() - t1, 3)
        out["simulate_again_cpu_s"] = round(time.process_time() - c1, 3)
        out["rate_again_hz"] = round((spikes.n_events - n_ev1) / n_rec / simtime * 1000.0, 3)
    out["peak_rss_gib"] = round(_peak_rss_gib(), 2)
    return out


def _subprocess(script: str, backend: str, argv: list, a) -> dict:
    """Run ``script`` for one backend in a fresh interpreter; its JSON line."""
    cmd = [sys.executable, os.path.abspath(script)] + argv + ["--backend", backend, "--child"]
    env = dict(os.environ)
    if not a.xla_cache:
        env["JAXNEST_CACHE_DIR"] = ""
    if backend == "nest":
        env.setdefault("OMP_NUM_THREADS", str(a.threads))
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
    if res.returncode or not lines:
        raise RuntimeError(f"{backend} failed ({res.returncode}):\n{res.stdout[-3000:]}\n"
                           f"{res.stderr[-3000:]}")
    return json.loads(lines[-1])


def compare(script: str, a, argv: list) -> None:
    """Each backend of ``a.backend`` in a subprocess of ``script`` (one JSON line each), then,
    for both, one line with both and the ratios jaxnest / NEST."""
    argv = [x for i, x in enumerate(argv)
            if x != "--backend" and (i == 0 or argv[i - 1] != "--backend")]
    backends = ("nest", "jaxnest") if a.backend == "both" else (a.backend,)
    res = {}
    for b in backends:
        res[b] = _subprocess(script, b, argv, a)
        print(json.dumps(res[b]), flush=True)
    if len(res) == 2:
        n, j = res["nest"], res["jaxnest"]
        keys = ["build_s", "build_cpu_s", "simulate_first_s", "simulate_s", "total_s"] + (
            ["simulate_again_s", "simulate_again_cpu_s"] if a.repeat else [])
        ratio = {k: round(j[k] / n[k], 3) if n[k] else None for k in keys}
        ratio["build_plus_plan_s"] = round((j["build_s"] + j["plan_s"]) / n["build_s"], 3)
        ratio["build_plus_plan_work_s"] = round((j["build_s"] + j["plan_work_s"]) / n["build_s"],
                                                3)
        ratio["rate"] = round(j["rate_hz"] / n["rate_hz"], 3) if n["rate_hz"] else None
        print(json.dumps(dict(ratio_jaxnest_over_nest=ratio, nest=n, jaxnest=j,
                              host=_host())), flush=True)


def add_common_options(p) -> None:
    p.add_argument("--simtime", type=float, default=1000.0)
    p.add_argument("--seed", type=int, default=12345)
    p.add_argument("--backend", choices=("nest", "jaxnest", "both"), default="both")
    p.add_argument("--threads", type=int, default=2,
                   help="the script's local_num_threads (jaxnest: the devices that large "
                   "plastic sets are split over, kernel/shards.py)")
    p.add_argument("--repeat", action="store_true", help="time a second, equal Simulate")
    p.add_argument("--xla-cache", action="store_true",
                   help="keep jaxnest's persistent XLA cache (default: cold compile)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--order", type=int, default=2500)
    add_common_options(p)
    p.add_argument("--float-precision", choices=("float64", "float32"), default="",
                   help="jaxnest's float_precision kernel setting (default: float64)")
    p.add_argument("--ee-synapse", default="",
                   help="synapse model of the E->E connections (e.g. stdp_synapse)")
    a = p.parse_args(argv)
    if a.child:
        nest_side = a.backend == "nest"
        print(json.dumps(run_one(
            a.backend, lambda nest: brunel(nest, a.order, a.seed, a.threads,
                                           "" if nest_side else a.float_precision,
                                           a.ee_synapse),
            a.simtime, a.repeat, 50,
            dict(order=a.order, seed=a.seed, threads=a.threads,
                 ee_synapse=a.ee_synapse or None, n_neurons=5 * a.order))), flush=True)
        return
    compare(__file__, a, argv)


def _host() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            model = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        model = "?"
    return f"{model}, {os.cpu_count()} cores"


if __name__ == "__main__":
    main()
