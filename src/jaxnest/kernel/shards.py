"""Plastic edge sets split over several devices: the kernel on more than one CPU core.

XLA:CPU runs a loop that holds a scatter one operation after another on one core, and the
plastic deliveries are such loops: a network whose time goes there (Brunel with STDP, NEST's
store_restore_network, hpc_benchmark) used one core of two while NEST used two threads.
Two host devices run such loops side by side (benchmarks/two_devices.py), so where a script
asks for threads (``local_num_threads``) and the network's plastic sets are large, the chunk
runs on that many devices (``jax.shard_map``):

- every device runs the whole chunk (the neurons, the static and generator deliveries, the
  spike archives, the recording) on the same values, so these stay equal on all devices;
- each plastic set's source rows have their segments cut into contiguous parts, one per
  device (the plan chooses segments for a k-th of a row; a row of fewer segments than
  devices goes whole to one): ``seg_first``/``nseg``/``valid`` per device, the per-edge
  state a copy per device whose own lanes are the current ones; each device delivers its
  part of every fired row into a ring of its own (``pbuf``) instead of the ring buffer;
- at each slice's start, once the slice's deliveries are in, the rows the slice reads are
  summed over the devices (one ``psum`` of D rows) into the ring buffer; at the chunk's end
  the whole of ``pbuf`` is (it holds what later slices read);
- an archive overflow ends the chunk on all devices together (``pmax``); the archive keeps
  what any device's connections may still read (``pmin`` of their needs).

The sums add the devices' parts in a fixed order, so a run is reproducible, but the ring
buffer's additions come in another order than on one device: results agree with one device's
to rounding, and spike trains of a chaotic network drift apart over time, as NEST's do when
its number of threads changes. Networks with one device compile exactly as before.

Not split (they run on one device): sets with weight recorders, volume transmitters, flush
events, per-step rules or voltage histories, sets into precise receivers, batched runs,
networks compiled whole, and networks whose further copies would not fit in memory
(:func:`affordable`).
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.sharding import Mesh, NamedSharding, PartitionSpec

AXIS = "shard"
MIN_EDGES = 1 << 17  # plastic connections below which a network stays on one device (the
# per-slice sums and a second copy of the work outside the deliveries then cost more)
PER_DEVICE = ("seg_first", "nseg", "valid")  # a plastic set's arguments that differ per device
EDGE_BYTES = 64  # what a further device holds per plastic connection (see affordable)


def available(threads: int) -> int:
    """Devices a run may use: the script's ``local_num_threads``, at most the CPU devices JAX
    has (jaxenv asks for one per core), 1 on other platforms."""
    if threads < 2 or jax.default_backend() != "cpu":
        return 1
    return max(1, min(threads, jax.local_device_count()))


def can_split(entry) -> bool:
    """Whether a synapse model's deliveries can run in parts on several devices: not where
    its rule reads more than its own lanes and the archive, nor where a weight_recorder
    takes its events (one buffer)."""
    impl = entry.impl
    return not (impl.neuromodulated or impl.on_flush is not None or impl.on_step is not None
                or impl.voltage_archive or entry.defaults.get("weight_recorder", 0))


def affordable(n_edges: int, k: int, available: int) -> bool:
    """Whether k devices may hold n_edges plastic connections: each further device holds its
    own copy of the sets' edge arrays and, while a chunk runs, its per-edge state twice,
    about EDGE_BYTES per connection (hpc_benchmark's 100M plastic connections: 6.6 GB more
    at the peak); allowed within a quarter of the memory available."""
    return (k - 1) * EDGE_BYTES * n_edges < available // 4


def split_rows(seg_first: np.ndarray, nseg: np.ndarray, k: int) -> tuple:
    """Each row's segments in k parts: a row of k segments or more cut into contiguous parts
    (the first ones a segment longer; the plan chose segments for a k-th of each row), a
    shorter one whole to device ``row mod k``. ((k, R) first segment, (k, R) count)."""
    firsts, counts, at = [], [], seg_first.astype(np.int64)
    whole = nseg < k
    mine = np.arange(nseg.size) % k
    for d in range(k):
        n = np.where(whole, np.where(mine == d, nseg, 0), (nseg + (k - 1 - d)) // k)
        firsts.append(np.where(whole, seg_first, at).astype(seg_first.dtype))
        counts.append(n.astype(nseg.dtype))
        at = at + np.where(whole, 0, n)
    return np.stack(firsts), np.stack(counts)


def part_valid(valid: np.ndarray, first: np.ndarray, count: np.ndarray, seg_len: int
               ) -> np.ndarray:
    """(k, lanes): each device's ``valid``, the set's own on its lanes, 0 elsewhere (a
    device's rule reads its lanes only; the archive's needs count its lanes only)."""
    k = first.shape[0]
    owner = np.full(valid.size // seg_len, k, np.int32)
    for d in range(k):
        n = count[d].astype(np.int64)
        seg = np.repeat(first[d].astype(np.int64), n) + (
            np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n))
        owner[seg] = d
    lane_owner = np.repeat(owner, seg_len)
    return np.stack([np.where(lane_owner == d, valid, 0).astype(valid.dtype)
                     for d in range(k)])


def merged(stacked: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """One set's per-edge state from the devices' copies: each lane from its owner."""
    out = np.array(stacked[0])
    for d in range(1, stacked.shape[0]):
        own = valid[d] != 0
        out[own] = stacked[d][own]
    return out


@functools.lru_cache(maxsize=None)
def mesh(k: int) -> Mesh:
    """The first k host devices, along AXIS."""
    return Mesh(np.array(jax.local_devices()[:k]), (AXIS,))


def put_parts(x: np.ndarray):
    """A host array whose first axis runs over the devices, each device's part put on it
    (no whole copy on one device first: the per-edge state of 100M connections is GBs)."""
    return jax.device_put(x, NamedSharding(mesh(x.shape[0]), PartitionSpec(AXIS)))


def _spec(path) -> PartitionSpec:
    """Split along the devices: the per-edge state (``syn``) and the plastic sets' per-device
    arguments; everything else is the same on all."""
    keys = [getattr(p, "key", getattr(p, "idx", None)) for p in path]
    if keys[:1] == ["syn"] or (keys[:1] == ["plastic"] and len(keys) == 3
                               and keys[2] in PER_DEVICE):
        return PartitionSpec(AXIS)
    return PartitionSpec()


def specs(tree):
    return jax.tree_util.tree_map_with_path(lambda p, _: _spec(p), tree)


def place(k: int, carry: dict, args: dict) -> tuple:
    """The chunk's inputs on the devices as the sharded chunk takes them (arrays already
    there are not copied)."""
    m = mesh(k)

    def one(x, spec):
        where = NamedSharding(m, spec)
        if isinstance(x, jax.ShapeDtypeStruct):  # (compiled ahead from shapes)
            return jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=where)
        return jax.device_put(x, where)

    def put(tree):
        return jax.tree.map(one, tree, specs(tree))
    return put(carry), put(args)


def sharded(chunk, k: int):
    """``chunk(carry, args, n_steps)`` run on k devices: the per-device leaves arrive with a
    leading axis of k, each device's body sees its own part without it; the outputs other
    than the per-edge state are the same on all devices (taken from the first)."""
    def body(carry, args, n_steps):
        new, out = chunk(_own(carry), _own(args), n_steps)
        syn = jax.tree.map(lambda x: x[None], new.pop("syn"))
        return (syn, new), out

    def run(carry, args, n_steps):
        f = jax.shard_map(body, mesh=mesh(k),
                          in_specs=(specs(carry), specs(args), PartitionSpec()),
                          out_specs=((PartitionSpec(AXIS), PartitionSpec()), PartitionSpec()),
                          check_vma=False)
        (syn, new), out = f(carry, args, n_steps)
        return dict(new, syn=syn), out
    return run


def _own(tree):
    """A device's part of its inputs: the per-device leaves without their leading axis."""
    return jax.tree_util.tree_map_with_path(
        lambda p, x: x[0] if _spec(p) != PartitionSpec() else x, tree)


def total(x):
    """A device's part summed over all devices."""
    return lax.psum(x, AXIS)


def any_of(flag):
    """A flag set on any device."""
    return lax.pmax(flag.astype(jnp.int32), AXIS) != 0


def least(x):
    """The least over all devices."""
    return lax.pmin(x, AXIS)
