"""Spatial build benchmark: a grid layer connected to a second one through a circular mask
with a Gaussian probability and distance-dependent weights, under real NEST and jaxnest.

    python benchmarks/spatial_build.py --side 300 --radius 0.05 --backend both

Each backend runs in a subprocess of its own and prints one JSON line (``create``,
``connect``: wall seconds; ``connections``; ``maxrss_mb``: peak resident memory); with
``--backend both`` a final line adds the ratios jaxnest / NEST and the load average.
NEST runs with one thread (its default), as jaxnest builds on one core.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

_RUN = """
import json, resource, sys, time
backend, side, radius = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
if backend == "nest":
    import nest
    nest.set_verbosity("M_ERROR")
else:
    import jaxnest as nest
t0 = time.perf_counter()
pos = nest.spatial.grid(shape=[side, side], extent=[1.0, 1.0], edge_wrap=True)
a = nest.Create("iaf_psc_alpha", positions=pos)
b = nest.Create("iaf_psc_alpha", positions=pos)
t1 = time.perf_counter()
nest.Connect(a, b, {"rule": "pairwise_bernoulli", "mask": {"circular": {"radius": radius}},
                    "p": nest.spatial_distributions.gaussian(nest.spatial.distance,
                                                             std=radius / 2)},
             {"weight": 1.0 + nest.spatial.distance, "delay": 1.5})
t2 = time.perf_counter()
print(json.dumps({"backend": backend, "nodes": 2 * side * side, "create": t1 - t0,
                  "connect": t2 - t1, "connections": nest.num_connections,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""


def run(backend: str, side: int, radius: float) -> dict:
    p = subprocess.run([sys.executable, "-c", _RUN, backend, str(side), str(radius)],
                       capture_output=True, text=True, check=True)
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", type=int, default=300)
    ap.add_argument("--radius", type=float, default=0.05)
    ap.add_argument("--backend", choices=("nest", "jaxnest", "both"), default="both")
    args = ap.parse_args()
    backends = ("nest", "jaxnest") if args.backend == "both" else (args.backend,)
    out = {b: run(b, args.side, args.radius) for b in backends}
    for r in out.values():
        print(json.dumps(r))
    if len(out) == 2:
        n, j = out["nest"], out["jaxnest"]
        print(json.dumps({"ratio_create": j["create"] / n["create"],
                          "ratio_connect": j["connect"] / n["connect"],
                          "ratio_total": (j["create"] + j["connect"]) /
                          (n["create"] + n["connect"]),
                          "ratio_maxrss": j["maxrss_mb"] / n["maxrss_mb"],
                          "loadavg": os.getloadavg()}))


if __name__ == "__main__":
    main()
