"""Do two XLA:CPU host devices run a loop of small operations side by side?

    python benchmarks/two_devices.py [--iters N] [--lanes W ...] [--repeat K]

The question behind sharding the kernel over this machine's cores (issue 12): XLA:CPU spreads
one device's large operations over the cores, but a loop that holds a scatter runs its
operations one after the other as separate thunks (kernel/blocks.py), which is where the
plastic deliveries and the per-slice work of small-delay networks spend their time. Here two
such loops (a scatter-add of W lanes and a few vector operations per iteration) run in one
computation on one device, then one on each of two devices (``jax.shard_map``). Not a NEST
comparison: one JSON line per width with wall and CPU milliseconds of each and the wall
ratio, and a last line with the load average before and after.
"""
from __future__ import annotations

import argparse
import json
import os
import time

os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                           + " --xla_force_host_platform_device_count=2").strip()

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax import lax  # noqa: E402
from jax.sharding import Mesh, PartitionSpec  # noqa: E402

N = 4096  # entries of each loop's buffer


def _loop(buf, idx, val, iters: int):
    def body(i, b):
        b = b.at[(idx + i * 7) % N].add(jnp.sin(val * i) * 0.5)
        return b * 0.999 + jnp.roll(b, 1) * 0.001
    return lax.fori_loop(0, iters, body, buf)


def _best(f, args, repeat: int):
    out = f(*args).block_until_ready()
    runs = []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        f(*args).block_until_ready()
        runs.append((time.perf_counter() - t, time.process_time() - c))
    return min(r[0] for r in runs), min(r[1] for r in runs), np.asarray(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iters", type=int, default=2000)
    ap.add_argument("--lanes", type=int, nargs="+", default=[256, 4096])
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    load = os.getloadavg()[0]
    mesh = Mesh(np.array(jax.devices()[:2]), ("d",))
    for W in a.lanes:
        rng = np.random.default_rng(0)
        args = (jnp.zeros((2, N)), jnp.asarray(rng.integers(0, N, (2, W)), jnp.int32),
                jnp.asarray(rng.random((2, W))))
        one = jax.jit(lambda b, i, v: jnp.stack(
            [_loop(b[k], i[k], v[k], a.iters) for k in range(2)]))
        two = jax.jit(jax.shard_map(lambda b, i, v: _loop(b[0], i[0], v[0], a.iters)[None],
                                    mesh=mesh, in_specs=PartitionSpec("d"),
                                    out_specs=PartitionSpec("d")))
        w1, c1, r1 = _best(one, args, a.repeat)
        w2, c2, r2 = _best(two, args, a.repeat)
        print(json.dumps({"lanes": W, "iters": a.iters, "one_device_ms": round(w1 * 1e3, 2),
                          "one_device_cpu_ms": round(c1 * 1e3, 2),
                          "two_devices_ms": round(w2 * 1e3, 2),
                          "two_devices_cpu_ms": round(c2 * 1e3, 2),
                          "wall_ratio": round(w2 / w1, 3), "same": bool(np.array_equal(r1, r2))}))
    print(json.dumps({"load_before": load, "load_after": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
