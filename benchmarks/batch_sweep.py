"""A g/eta sweep of the Brunel network: B variants as one batched jaxnest run, as B sequential
jaxnest runs and as B sequential NEST runs; prints the figures as JSON lines (the last one
holds all three and the ratios).

    python benchmarks/batch_sweep.py --order 100 --simtime 500 --batch 64

The network is benchmarks/brunel.py's (examples/pynest/brunel.py): member b has its own
relative inhibition g (the inhibitory weights, -g J_ex) and external drive eta (the Poisson
generator's rate), on an 8 x 8 grid for B = 64. Times are wall clock, in seconds:

- ``batched_first_s``: ``nest.batch(B).set(...).simulate(T)`` on a network built once,
  compilation included; ``batched_s``: the same sweep again (compiled);
- ``sequential_s``: B times (ResetKernel, build with the member's g and eta, Simulate(T)) in
  one process, the compilation of the first run included (later runs reuse it);
- ``nest_sequential_s``: the same B runs under NEST (one process, ``--threads`` threads).

Every member's spike count of the batched run is compared with its sequential jaxnest run
(``members_equal``: identical spike trains); rates are reported for both backends.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brunel import psc_for_psp  # noqa: E402


def grid(batch: int):
    """(g, eta) of each member: an n x m grid, g in [3, 7], eta in [1, 3]."""
    import numpy as np
    n = int(np.ceil(np.sqrt(batch)))
    g, eta = np.meshgrid(np.linspace(3.0, 7.0, n), np.linspace(1.0, 3.0, n), indexing="ij")
    return g.ravel()[:batch].tolist(), eta.ravel()[:batch].tolist()


def network(nest, order: int, g: float, eta: float, seed: int, threads: int = 1):
    """brunel.py's network with the given g and eta; returns (recorder, inh. connections,
    noise generator, J_ex, rate per unit eta)."""
    nest.ResetKernel()
    if threads > 1:
        nest.local_num_threads = threads
    nest.resolution = 0.1
    nest.rng_seed = seed
    NE, NI = 4 * order, order
    epsilon, delay = 0.1, 1.5
    CE, CI = int(epsilon * NE), int(epsilon * NI)
    tau_m, V_th, C_m, tau_syn = 20.0, 20.0, 250.0, 0.5
    J = 0.1
    J_ex = J * psc_for_psp(tau_m, tau_syn, C_m)
    nu_th = V_th / (J * CE * tau_m)
    rate_per_eta = 1000.0 * nu_th * CE
    params = {"C_m": C_m, "tau_m": tau_m, "tau_syn_ex": tau_syn, "tau_syn_in": tau_syn,
              "t_ref": 2.0, "E_L": 0.0, "V_reset": 10.0, "V_m": 0.0, "V_th": V_th}
    exc = nest.Create("iaf_psc_alpha", NE, params=params)
    inh = nest.Create("iaf_psc_alpha", NI, params=params)
    noise = nest.Create("poisson_generator", params={"rate": eta * rate_per_eta})
    spikes = nest.Create("spike_recorder")
    nest.CopyModel("static_synapse", "excitatory", {"weight": J_ex, "delay": delay})
    nest.CopyModel("static_synapse", "inhibitory", {"weight": -g * J_ex, "delay": delay})
    nest.Connect(noise, exc + inh, syn_spec="excitatory")
    nest.Connect(exc[:50], spikes)
    nest.Connect(exc, exc + inh, {"rule": "fixed_indegree", "indegree": CE}, "excitatory")
    nest.Connect(inh, exc + inh, {"rule": "fixed_indegree", "indegree": CI}, "inhibitory")
    return spikes, nest.GetConnections(inh, exc + inh), noise, J_ex, rate_per_eta


def run_jaxnest(a) -> dict:
    import numpy as np
    import jaxnest as nest
    gs, etas = grid(a.batch)
    out = dict(backend="jaxnest", order=a.order, simtime_ms=a.simtime, batch=a.batch)
    sr, inh, noise, J_ex, rpe = network(nest, a.order, gs[0], etas[0], a.seed)
    sweep = nest.batch(a.batch).set(inh, weight=[-g * J_ex for g in gs]) \
        .set(noise, rate=[e * rpe for e in etas])
    t0 = time.perf_counter()
    runs = sweep.simulate(a.simtime)
    out["batched_first_s"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    runs = sweep.simulate(a.simtime)
    out["batched_s"] = round(time.perf_counter() - t0, 3)
    batched = runs.events(sr)
    t0 = time.perf_counter()
    equal, counts = True, []
    for b, (g, eta) in enumerate(zip(gs, etas)):
        sr, *_ = network(nest, a.order, g, eta, a.seed)
        nest.Simulate(a.simtime)
        e = sr.get("events")
        equal &= bool(np.array_equal(e["times"], batched[b]["times"])
                      and np.array_equal(e["senders"], batched[b]["senders"]))
        counts.append(int(e["times"].size))
    out["sequential_s"] = round(time.perf_counter() - t0, 3)
    out["members_equal"] = equal
    out["rates_hz"] = [round(c / 50 / a.simtime * 1000.0, 2) for c in counts]
    return out


def run_nest(a) -> dict:
    import nest
    nest.set_verbosity("M_ERROR")
    gs, etas = grid(a.batch)
    t0 = time.perf_counter()
    counts = []
    for g, eta in zip(gs, etas):
        sr, *_ = network(nest, a.order, g, eta, a.seed, a.threads)
        nest.Simulate(a.simtime)
        counts.append(int(sr.n_events))
    return dict(backend="nest", nest_sequential_s=round(time.perf_counter() - t0, 3),
                threads=a.threads, rates_hz=[round(c / 50 / a.simtime * 1000.0, 2)
                                             for c in counts])


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--order", type=int, default=100)
    p.add_argument("--simtime", type=float, default=500.0)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seed", type=int, default=12345)
    p.add_argument("--threads", type=int, default=1, help="NEST's local_num_threads")
    p.add_argument("--backend", choices=("nest", "jaxnest", "both"), default="both")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        print(json.dumps(run_nest(a) if a.backend == "nest" else run_jaxnest(a)), flush=True)
        return
    res = {}
    for backend in (("nest", "jaxnest") if a.backend == "both" else (a.backend,)):
        cmd = [sys.executable, os.path.abspath(__file__), "--child", "--backend", backend,
               "--order", str(a.order), "--simtime", str(a.simtime), "--batch", str(a.batch),
               "--seed", str(a.seed), "--threads", str(a.threads)]
        env = dict(os.environ, JAXNEST_CACHE_DIR="")  # cold compilation
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
        if r.returncode or not lines:
            raise RuntimeError(f"{backend} failed:\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}")
        res[backend] = json.loads(lines[-1])
        print(lines[-1], flush=True)
    if len(res) == 2:
        j, n = res["jaxnest"], res["nest"]
        ratio = {
            "sequential_jaxnest_over_batched": round(j["sequential_s"] / j["batched_s"], 2),
            "sequential_jaxnest_over_batched_first": round(j["sequential_s"]
                                                           / j["batched_first_s"], 2),
            "sequential_nest_over_batched": round(n["nest_sequential_s"] / j["batched_s"], 2),
            "sequential_nest_over_batched_first": round(n["nest_sequential_s"]
                                                        / j["batched_first_s"], 2),
            "sequential_jaxnest_over_sequential_nest": round(j["sequential_s"]
                                                             / n["nest_sequential_s"], 2)}
        print(json.dumps(dict(ratios=ratio, jaxnest={k: v for k, v in j.items()
                                                     if k != "rates_hz"},
                              nest={k: v for k, v in n.items() if k != "rates_hz"},
                              mean_rate_hz=dict(jaxnest=round(sum(j["rates_hz"])
                                                              / len(j["rates_hz"]), 2),
                                                nest=round(sum(n["rates_hz"])
                                                           / len(n["rates_hz"]), 2)))),
              flush=True)


if __name__ == "__main__":
    main()
