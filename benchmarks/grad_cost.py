"""What a gradient costs: ``nest.value_and_grad`` against the runs a NEST user needs for the
same derivatives by central finite differences (2P + 1 simulations for P parameters), and
against one ordinary jaxnest Simulate; prints JSON lines (the last one holds the ratios).

    python benchmarks/grad_cost.py --neurons 100 --simtime 500

The network: ``--neurons`` iaf_psc_alpha neurons (I_e 300 pA, threshold raised to 0 mV so
that no parameter value makes them spike: the loss is then smooth and finite differences
mean the same as the derivative, docs/batch.md), each receiving a spike train (a
spike_generator, a spike every 5 ms, weight 50 pA), a multimeter on V_m of all of them. The
loss is the mean squared deviation of V_m from -60 mV; the parameters are I_e and C_m of all
neurons and the input weight (P = 3). Times are wall seconds of the second
call (compiled), each backend in its own process:

- ``simulate_s``: one Simulate(T) of the built network (jaxnest: ResetKernel, build, Simulate;
  NEST: the same);
- ``grad_s``: one ``value_and_grad(loss, params)(T)`` (jaxnest);
- ``fd_nest_s``: (2P + 1) x NEST's build + Simulate; ``grad_error``: the largest relative
  difference between jaxnest's derivatives and its own central differences (delta 1e-4 of
  each value).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

V_REF = -60.0


def build(nest, n: int, I_e=300.0, C_m=250.0, w=50.0):
    nest.ResetKernel()
    nrn = nest.Create("iaf_psc_alpha", n, params={"I_e": I_e, "C_m": C_m, "V_th": 0.0})
    sg = nest.Create("spike_generator", params={"spike_times": [5.0 * (k + 1)
                                                                for k in range(200)]})
    nest.Connect(sg, nrn, syn_spec={"weight": w})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 1.0})
    nest.Connect(mm, nrn)
    return nrn, mm, sg


def run_jaxnest(a) -> dict:
    import jax.numpy as jnp
    import numpy as np
    import jaxnest as nest

    def sim(**kw):
        build(nest, a.neurons, **kw)
        nest.Simulate(a.simtime)
    sim()
    t0 = time.perf_counter()
    sim()
    simulate_s = time.perf_counter() - t0

    def loss(rec):
        return jnp.mean((rec[mm]["V_m"] - V_REF) ** 2)

    def mean_sq(**kw):
        _, m, _ = build(nest, a.neurons, **kw)
        nest.Simulate(a.simtime)
        return float(np.mean((np.asarray(m.get("events")["V_m"]) - V_REF) ** 2))

    nrn, mm, sg = build(nest, a.neurons)
    params = [(nrn, "I_e"), (nrn, "C_m"), (nest.GetConnections(source=sg), "weight")]
    f = nest.value_and_grad(loss, params)
    f(a.simtime)
    t0 = time.perf_counter()
    value, grads = f(a.simtime)
    grad_s = time.perf_counter() - t0
    base = {"I_e": 300.0, "C_m": 250.0, "w": 50.0}
    fd = []
    for key in ("I_e", "C_m", "w"):
        d = 1e-4 * base[key]
        hi, lo = dict(base, **{key: base[key] + d}), dict(base, **{key: base[key] - d})
        fd.append((mean_sq(**hi) - mean_sq(**lo)) / (2 * d))
    err = max(abs(g - f_) / abs(f_) for g, f_ in zip(grads, fd))
    return dict(backend="jaxnest", simulate_s=round(simulate_s, 4), grad_s=round(grad_s, 4),
                loss=value, grads=grads, fd=fd, grad_error=float(f"{err:.2e}"))


def run_nest(a) -> dict:
    import nest
    nest.set_verbosity("M_ERROR")

    def sim():
        build(nest, a.neurons)
        nest.local_num_threads = a.threads
        nest.Simulate(a.simtime)
    sim()
    t0 = time.perf_counter()
    sim()
    return dict(backend="nest", simulate_s=round(time.perf_counter() - t0, 4),
                threads=a.threads)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--neurons", type=int, default=100)
    p.add_argument("--simtime", type=float, default=500.0)
    p.add_argument("--threads", type=int, default=1, help="NEST's local_num_threads")
    p.add_argument("--child", choices=("nest", "jaxnest"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        print(json.dumps(run_nest(a) if a.child == "nest" else run_jaxnest(a)), flush=True)
        return
    res = {}
    for backend in ("nest", "jaxnest"):
        cmd = [sys.executable, os.path.abspath(__file__), "--child", backend, "--neurons",
               str(a.neurons), "--simtime", str(a.simtime), "--threads", str(a.threads)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
        if r.returncode or not lines:
            raise RuntimeError(f"{backend} failed:\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}")
        res[backend] = json.loads(lines[-1])
        print(lines[-1], flush=True)
    j, n = res["jaxnest"], res["nest"]
    P = len(j["grads"])
    fd_nest = (2 * P + 1) * n["simulate_s"]
    print(json.dumps(dict(P=P, fd_nest_s=round(fd_nest, 4), ratios=dict(
        grad_over_jaxnest_simulate=round(j["grad_s"] / j["simulate_s"], 2),
        grad_over_nest_finite_differences=round(j["grad_s"] / fd_nest, 3),
        jaxnest_simulate_over_nest=round(j["simulate_s"] / n["simulate_s"], 3)),
        grad_error=j["grad_error"])), flush=True)


if __name__ == "__main__":
    main()
