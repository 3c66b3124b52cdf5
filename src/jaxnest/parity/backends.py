"""Run PyNEST code under one backend in a fresh subprocess and bring its results back.

Real NEST can be imported once per process and prints a banner, and the two backends must not
share a process, so each run is a subprocess that prints one JSON line.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np

_DRIVER = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    backend, path, func = sys.argv[1:4]
    kwargs = json.loads(sys.argv[4])
    t0 = time.perf_counter()
    if backend == "nest":
        import nest
        nest.set_verbosity("M_ERROR")
    else:
        import jaxnest as nest
    ns = {"__name__": "parity_case"}
    exec(compile(open(path).read(), path, "exec"), ns)
    out = ns[func](nest, **kwargs)
    def plain(v):
        try:
            return np.asarray(v).tolist()
        except ValueError:  # mixed types: compare their text
            return [repr(x) for x in v]
    out = {k: plain(v) for k, v in out.items()}
    print("@@PARITY@@" + json.dumps({"out": out, "wall_s": time.perf_counter() - t0},
                                    default=repr))
""")


class BackendError(RuntimeError):
    """The case failed under one backend; the message carries its stderr."""


def run_case(backend: str, path: str, func: str = "run", timeout: float = 600,
             **kwargs) -> tuple[dict[str, np.ndarray], float]:
    """Run ``func(nest, **kwargs)`` from the file ``path`` under ``backend`` ('nest' or
    'jaxnest'); returns its dict of arrays and the wall time of the run."""
    env = dict(os.environ)
    env.setdefault("PYTHONWARNINGS", "ignore")
    p = subprocess.run([sys.executable, "-c", _DRIVER, backend, path, func, json.dumps(kwargs)],
                       capture_output=True, text=True, timeout=timeout, env=env)
    for line in p.stdout.splitlines():
        if line.startswith("@@PARITY@@"):
            data = json.loads(line[len("@@PARITY@@"):])
            return {k: np.asarray(v) for k, v in data["out"].items()}, data["wall_s"]
    raise BackendError(f"{backend} run of {path}:{func} failed (exit {p.returncode}):\n"
                       f"{p.stderr[-4000:]}")


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Largest absolute difference; inf when shapes differ."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape:
        return float("inf")
    return float(np.max(np.abs(a - b))) if a.size else 0.0
