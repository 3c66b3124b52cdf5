"""Per-call cost of small networks under real NEST and under jaxnest.

    python benchmarks/per_call.py [--calls N] [--repeat K]

What scripts that drive a small network call by call pay for each call (hh_phaseplane sets a
neuron's state, reads it, simulates one step and reads it again 6,000 times; others change a
generator between short runs). Each case runs in a fresh process per backend, after warm-up
calls (jaxnest's compilation is not timed); one JSON line per case: milliseconds of wall and
CPU time per call under each backend (best of ``--repeat`` processes) and the ratios
jaxnest / NEST. A last line gives the load average before and after: ratios from a loaded
machine are not comparable (see docs/performance.md).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CASES = {
    "simulate_one_step": "one iaf_psc_alpha, Simulate(resolution) per call",
    "hh_phaseplane_round": "one hh_psc_alpha: set V_m, Act_n, Act_m, Inact_h; read V_m and "
                           "Act_n; Simulate(0.1); read them again",
    "device_set_round": "200 iaf_psc_alpha with recurrent, Poisson and dc input, a spike "
                        "recorder and a multimeter: set the dc amplitude, Simulate(10)",
    "stdp_round": "5,000 iaf_psc_alpha with recurrent stdp_synapse (in-degree 100) and "
                  "Poisson input, a spike recorder: Simulate(2)",
}

_CHILD = r"""
import json, sys, time
backend, case, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
if backend == "nest":
    import nest
    nest.set_verbosity("M_ERROR")
else:
    import jaxnest as nest
nest.ResetKernel()
nest.resolution = 0.1
if case == "simulate_one_step":
    nest.Create("iaf_psc_alpha", params={"I_e": 400.0})
    nest.Simulate(10.0)

    def call(k):
        nest.Simulate(0.1)
elif case == "hh_phaseplane_round":
    n = nest.Create("hh_psc_alpha")
    nest.Simulate(100.0)
    m_eq, h_eq = n.Act_m, n.Inact_h
    n.I_e = 100.0

    def call(k):
        V, a = -100.0 + 2.0 * (k % 71), 0.1 + 0.01 * (k % 71)
        n.set(V_m=V, Act_n=a, Act_m=m_eq, Inact_h=h_eq)
        n.V_m, n.Act_n
        nest.Simulate(0.1)
        n.V_m - V, n.Act_n - a
elif case == "stdp_round":
    n = nest.Create("iaf_psc_alpha", 5000)
    pg = nest.Create("poisson_generator", params={"rate": 15000.0})
    nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": 100},
                 {"synapse_model": "stdp_synapse", "weight": 5.0, "delay": 1.5})
    nest.Connect(pg, n, syn_spec={"weight": 20.0})
    nest.Connect(n, nest.Create("spike_recorder"))
    nest.Simulate(50.0)

    def call(k):
        nest.Simulate(2.0)
else:
    n = nest.Create("iaf_psc_alpha", 200)
    pg = nest.Create("poisson_generator", params={"rate": 8000.0})
    dc = nest.Create("dc_generator")
    nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": 20},
                 {"weight": 10.0, "delay": 1.5})
    nest.Connect(pg, n, syn_spec={"weight": 20.0})
    nest.Connect(dc, n)
    nest.Connect(n, nest.Create("spike_recorder"))
    nest.Connect(nest.Create("multimeter", params={"record_from": ["V_m"]}), n[:5])
    nest.Simulate(50.0)

    def call(k):
        dc.amplitude = 10.0 * (k % 5)
        nest.Simulate(10.0)
for k in range(max(calls // 10, 5)):
    call(k)
t0, c0 = time.perf_counter(), time.process_time()
for k in range(calls):
    call(k)
print(json.dumps({"wall_ms": (time.perf_counter() - t0) / calls * 1e3,
                  "cpu_ms": (time.process_time() - c0) / calls * 1e3}))
"""


def _run(backend: str, case: str, calls: int) -> dict:
    env = dict(os.environ, MPLBACKEND="Agg", PYNEST_QUIET="1")
    p = subprocess.run([sys.executable, "-c", _CHILD, backend, case, str(calls)],
                       capture_output=True, text=True, env=env, timeout=900)
    if p.returncode:
        return {"error": (p.stderr or p.stdout).strip().splitlines()[-1][:200]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=2000, help="timed calls per process "
                    "(device_set_round, stdp_round: a tenth)")
    ap.add_argument("--only", nargs="*", default=None, help="these cases only")
    ap.add_argument("--repeat", type=int, default=3, help="processes per backend and case "
                    "(alternating; the best is reported)")
    a = ap.parse_args()
    load0 = os.getloadavg()
    for case, what in CASES.items():
        if a.only and case not in a.only:
            continue
        calls = a.calls // 10 if case in ("device_set_round", "stdp_round") else a.calls
        runs = {"nest": [], "jaxnest": []}
        for _ in range(a.repeat):
            for backend in runs:
                runs[backend].append(_run(backend, case, calls))
        line = {"case": case, "what": what, "calls": calls}
        for backend, rs in runs.items():
            ok = [r for r in rs if "error" not in r]
            line[backend] = min(ok, key=lambda r: r["wall_ms"]) if ok else rs[0]
        if all("error" not in line[b] for b in runs):
            for k in ("wall_ms", "cpu_ms"):
                line[f"ratio_{k[:-3]}"] = line["jaxnest"][k] / line["nest"][k]
        print(json.dumps(line), flush=True)
    print(json.dumps({"load_before": load0, "load_after": os.getloadavg()}))


if __name__ == "__main__":
    main()
