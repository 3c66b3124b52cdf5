"""Would neurons partitioned over two host devices speed up a Brunel-like network?

    python benchmarks/partition.py [--neurons 12500] [--slices 134] [--repeat 5]

Issue 12 asks for the slice loop on every core, neurons partitioned over the local CPU
devices. Before building that into the kernel, this prototype runs a stand-in of its slice
loop (the kernel's shapes: one exact LIF update per step with two exponential currents and
a counter-hash Poisson drive, spikes delivered one fired row per loop iteration from
source-sorted segments into a ring buffer of two channels, D = 15 steps per slice, the
delay one slice; not NEST's equations, not a NEST comparison) three ways:

- ``one``: all neurons on one device (as jaxnest runs Brunel today);
- ``targets``: neurons in halves, one per device; each device receives every spike of the
  slice (all_gather) and delivers every fired row's edges that end on its own neurons;
- ``sources``: neurons in halves; each device delivers the spikes of its own neurons to all
  targets into a ring of its own, and at each slice start the slice's rows are summed over
  the devices and scattered back by neuron (psum_scatter).

The three give the same spikes (checked: ``spikes`` equal). One JSON line per variant (wall
and CPU seconds, microseconds per step, the spike count), a last line with the load average
before and after. Not a timed test: run it on a quiet machine.
"""
from __future__ import annotations

import argparse
import json
import os
import time

import jaxnest  # noqa: F401  (jaxnest's XLA:CPU settings and one host device per core)
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

D = 15                  # steps per slice (min_delay 1.5 ms at 0.1 ms)
L = 2 * D               # ring rows: the delay is one slice
CAP = 4096              # fired (step, row) events per slice
H, TAU_M, TAU_S, C_M = 0.1, 20.0, 0.5, 250.0
THETA, V_RESET, T_REF = 20.0, 10.0, 20
J, G, J_EXT = 50.0, 5.0, 120.0  # pA: recurrent excitatory, inhibitory factor, drive (~36 Hz)
P22, P11 = np.exp(-H / TAU_S), np.exp(-H / TAU_M)
P21 = TAU_S * TAU_M / (C_M * (TAU_M - TAU_S)) * (P11 - P22)


def network(n: int, seed: int = 0):
    """Fixed in-degree (10 % of each population), sorted by source: (sources, targets)."""
    rng = np.random.default_rng(seed)
    ne = n * 4 // 5
    src = np.concatenate([rng.integers(0, ne, (n, ne // 10)),
                          rng.integers(ne, n, (n, (n - ne) // 10))], 1).ravel()
    tgt = np.repeat(np.arange(n), src.size // n)
    order = np.argsort(src, kind="stable")
    return src[order], tgt[order], ne


def row_lengths(src, tgt, n_rows: int, lo: int, hi: int) -> np.ndarray:
    """Each source row's number of edges into targets [lo, hi)."""
    return np.bincount(src[(tgt >= lo) & (tgt < hi)], minlength=n_rows)


def segments(src, tgt, ne: int, n_rows: int, lo: int, hi: int, seg: int):
    """One segment of seg lanes per source row of its edges into targets [lo, hi): ring
    offsets (channel * (hi - lo) + local target; padding out of range, dropped) and
    weights, flat."""
    keep = (tgt >= lo) & (tgt < hi)
    s, t, n = src[keep], tgt[keep] - lo, hi - lo
    counts = np.bincount(s, minlength=n_rows)
    pos = np.arange(s.size) - np.concatenate([[0], np.cumsum(counts)[:-1]])[s]
    inhib = s >= ne
    off = np.full((n_rows + 1, seg), 2 * L * n, np.int32)
    w = np.zeros((n_rows + 1, seg))
    off[s, pos] = inhib * n + t
    w[s, pos] = np.where(inhib, -G * J, J)
    return off.ravel(), w.ravel()


def update(state, rows, A, first):
    """D steps of the local neurons (ids first..first+n) reading their ring rows (D, 2, n);
    returns the new state and the slice's spikes (D, n)."""
    n = state[0].shape[0]
    ids = jnp.asarray(first).astype(jnp.uint32) + jnp.arange(n, dtype=jnp.uint32)

    def step(k, c):
        V, Ie, Ii, ref, S = c
        x = ids * jnp.uint32(0x9E3779B1) ^ ((A + k).astype(jnp.uint32) * jnp.uint32(0x85EBCA77))
        x = (x ^ (x >> 15)) * jnp.uint32(0x2C1B3C6D)
        u = (x ^ (x >> 12)).astype(jnp.float64) / 4294967296.0
        drive = ((u > 0.4).astype(jnp.float64) + (u > 0.8) + (u > 0.95)) * J_EXT
        V_new = jnp.where(ref > 0, V_RESET, V * P11 + (Ie + Ii) * P21)
        spike = V_new >= THETA
        return (jnp.where(spike, V_RESET, V_new), Ie * P22 + rows[k, 0] + drive,
                Ii * P22 + rows[k, 1], jnp.where(spike, T_REF, jnp.maximum(ref - 1, 0)),
                S.at[k].set(spike.astype(jnp.float64)))
    *state, S = lax.fori_loop(0, D, step, (*state, jnp.zeros((D, n))))
    return tuple(state), S


def deliver(ring, S, A, off, w, seg: int, row0, n_ring: int):
    """The fired rows of S (D, rows from row0) into the ring (L x 2 x n_ring), one row's
    segment per loop iteration, delay one slice."""
    rows = S.shape[1]
    (ev,) = jnp.nonzero(S.ravel(), size=CAP, fill_value=0)
    total = jnp.minimum(jnp.count_nonzero(S).astype(jnp.int32), CAP)
    k, r = (ev // rows).astype(jnp.int32), (ev % rows + row0).astype(jnp.int32)
    size = L * 2 * n_ring

    def body(i, ring):
        idx = ((A + k[i] + D) % L) * 2 * n_ring + lax.dynamic_slice_in_dim(off, r[i] * seg, seg)
        idx = jnp.where(idx >= size, idx - size, idx)
        return ring.at[idx].add(lax.dynamic_slice_in_dim(w, r[i] * seg, seg), mode="drop")
    return lax.fori_loop(0, total, body, ring)


def slice_rows(ring, A, n: int):
    """The slice's ring rows (D, 2, n), and the ring with them cleared."""
    at = (A % L) * 2 * n
    rows = lax.dynamic_slice_in_dim(ring, at, D * 2 * n).reshape(D, 2, n)
    return rows, lax.dynamic_update_slice_in_dim(ring, jnp.zeros(D * 2 * n), at, 0)


def chunk_fn(variant: str, n: int, seg: int, n_slices: int):
    """The chunk (n_slices slices) of one device's n neurons."""
    def chunk(V, Ie, Ii, ref, ring, off, w):
        d = lax.axis_index("d") if variant != "one" else 0
        first = d * n

        def body(j, c):
            state, ring, count = c[:4], c[4], c[5]
            A = j * D
            if variant == "sources":
                rows, ring = slice_rows(ring, A, 2 * n)
                rows = lax.psum_scatter(rows, "d", scatter_dimension=2, tiled=True)
                state, S = update(state, rows, A, first)
                ring = deliver(ring, S, A, off, w, seg, first, 2 * n)
            else:
                rows, ring = slice_rows(ring, A, n)
                state, S = update(state, rows, A, first)
                S_all = lax.all_gather(S, "d", axis=1, tiled=True) if variant == "targets" else S
                ring = deliver(ring, S_all, A, off, w, seg, 0, n)
            return (*state, ring, count + jnp.sum(S))
        out = lax.fori_loop(0, n_slices, body, (V, Ie, Ii, ref, ring, 0.0))
        return out[:5] + (out[5][None],)
    return chunk


def build(variant: str, n_neurons: int, n_slices: int):
    """(jitted chunk, its fresh arguments as a function) for a variant."""
    src, tgt, ne = network(n_neurons)
    V0 = np.random.default_rng(1).uniform(0, THETA, n_neurons)
    state = (V0, np.zeros(n_neurons), np.zeros(n_neurons), np.zeros(n_neurons, np.int32))
    if variant == "one":
        seg = int(row_lengths(src, tgt, n_neurons, 0, n_neurons).max())
        off, w = segments(src, tgt, ne, n_neurons, 0, n_neurons, seg)
        f = jax.jit(chunk_fn(variant, n_neurons, seg, n_slices), donate_argnums=(0, 1, 2, 3, 4))
        return f, lambda: tuple(map(jnp.asarray, state + (np.zeros(L * 2 * n_neurons), off, w)))
    half = n_neurons // 2
    mesh = Mesh(np.array(jax.devices()[:2]), ("d",))
    split, whole = NamedSharding(mesh, P("d")), NamedSharding(mesh, P())
    if variant == "targets":  # each device: the edges into its own half
        seg = max(int(row_lengths(src, tgt, n_neurons, lo, lo + half).max())
                  for lo in (0, half))
        parts = [segments(src, tgt, ne, n_neurons, lo, lo + half, seg) for lo in (0, half)]
        table = tuple(np.concatenate(x) for x in zip(*parts))
        ring, table_spec = np.zeros(2 * L * 2 * half), P("d")
    else:  # sources: every device the whole table (it delivers its own rows' edges)
        seg = int(row_lengths(src, tgt, n_neurons, 0, n_neurons).max())
        table = segments(src, tgt, ne, n_neurons, 0, n_neurons, seg)
        ring, table_spec = np.zeros(2 * L * 2 * n_neurons), P()
    f = jax.jit(jax.shard_map(chunk_fn(variant, half, seg, n_slices), mesh=mesh,
                              in_specs=(P("d"),) * 5 + (table_spec,) * 2,
                              out_specs=(P("d"),) * 6, check_vma=False),
                donate_argnums=(0, 1, 2, 3, 4))
    tsh = split if table_spec == P("d") else whole
    return f, lambda: (tuple(jax.device_put(x, split) for x in state + (ring,))
                       + tuple(jax.device_put(x, tsh) for x in table))


def measure(variant: str, n_neurons: int, n_slices: int, repeat: int) -> dict:
    f, args = build(variant, n_neurons, n_slices)
    jax.block_until_ready(f(*args()))
    runs = []
    for _ in range(repeat):
        a = args()
        jax.block_until_ready(a)
        t, c = time.perf_counter(), time.process_time()
        out = jax.block_until_ready(f(*a))
        runs.append((time.perf_counter() - t, time.process_time() - c))
    wall, cpu = sorted(runs)[len(runs) // 2]
    spikes = int(np.sum(np.asarray(out[5])))
    steps = n_slices * D
    return {"variant": variant, "neurons": n_neurons, "steps": steps, "spikes": spikes,
            "rate_hz": round(spikes / n_neurons / (steps * H / 1000), 1),
            "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
            "us_per_step": round(wall / steps * 1e6, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--neurons", type=int, default=12500)
    ap.add_argument("--slices", type=int, default=134)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--variants", nargs="+", default=["one", "targets", "sources"])
    a = ap.parse_args()
    jax.config.update("jax_enable_x64", True)  # float64, as the kernel's default
    if len(jax.devices()) < 2:
        raise SystemExit("needs two host devices (a machine with two cores or more)")
    load = os.getloadavg()[0]
    for v in a.variants:
        print(json.dumps(measure(v, a.neurons, a.slices, a.repeat)), flush=True)
    print(json.dumps({"load_before": load, "load_after": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
