"""Batched runs: B copies of one network, each with its own parameter values, advanced by one
``jax.vmap`` of the ordinary chunk function (engine.make_chunk_fn); see docs/batch.md.

Nothing here computes neurons or delivers spikes: each member's arguments, carry and device
inputs are built by the runtime's own functions (kernel/runtime.py) after the member's values
were set on the network through the ordinary set paths, so a member's arguments are exactly
those of the same run done alone. Leaves equal in every member stay unbatched (edge arrays,
usually); the others are stacked on a leading axis. Recordings are handed to the recorders
member by member by the runtime's ``_collect``, and taken back from their logs.
"""
from __future__ import annotations

import copy
import math

import jax
import jax.numpy as jnp
import numpy as np

from .. import errors
from ..devices.recorders import EventLog
from . import nodes as knodes
from . import runtime
from .engine import make_chunk_fn

_VMAPPED: dict = {}  # (id of chunk fn, axes) -> (chunk fn, its vmapped jit)
_FNS: dict = {}      # (Static, slices_cap, ev_cap) -> chunk fn traced for the batch axis
AXIS = "jaxnest_batch"


def chunk_fn(rt, plan):
    """The plan's chunk function for running under vmap (engine.make_chunk_fn's
    ``batch_axis``), with the capacities the runtime chose."""
    _, steps_cap = rt._compiled(plan)
    key = (plan.static(), steps_cap // plan.D, rt.ev_cap)
    if key not in _FNS:
        _FNS[key] = make_chunk_fn(plan.static(), steps_cap // plan.D, rt.ev_cap,
                                  batch_axis=AXIS)[0]
    return _FNS[key]


def unsupported(plan, net) -> list[str]:
    """What in this network a batched run cannot do (empty: all can be batched)."""
    st = plan.static()
    why = []
    if st.plastic:
        why.append("plastic synapses (" + ", ".join(sorted({p.impl.name for p in st.plastic}))
                   + ")")
    if st.precise is not None:
        why.append("precise (off-grid) spike times")
    if st.vt is not None:
        why.append("volume_transmitter")
    if st.payload is not None:
        why.append("spike payloads (iaf_tum_2000, iaf_bw_2001)")
    if st.cont is not None:
        why.append("secondary events (rate models)")
    if plan.device_samples:
        why.append("multimeters sampling devices")
    if net.frozen:
        why.append("frozen neurons")
    for gid in plan.recorders:
        dev = net.devices[gid]
        if getattr(dev.entry.impl, "receive", None) is not None:
            why.append(f"{dev.entry.name} (computes on the host from the spikes it gets)")
        elif dev.status.get("record_to", "memory") != "memory":
            why.append(f"{dev.entry.name} with record_to={dev.status['record_to']!r} "
                       "(only 'memory')")
    return why


def steps_of_run(kernel, t_ms: float, what: str) -> int:
    """The steps of a run of ``t_ms`` outside Simulate (a batch, a gradient), with the delays
    frozen as Simulate freezes them; refused between Prepare and Cleanup."""
    if kernel.prepared:
        raise errors.KernelException(f"{what} cannot run between Prepare and Cleanup.")
    n = kernel.steps_of(t_ms)
    if kernel.frozen_delays is None:
        kernel.frozen_delays = kernel.delay_range()
    return n


def prepared(kernel, what: str = "Batched runs") -> tuple:
    """The network as Runtime.run starts it (the current values set): its plan, carry and
    arguments without device inputs, after NEST's Prepare checks; refused for what only an
    ordinary Simulate can do (:func:`unsupported`)."""
    rt, net = kernel.runtime, kernel.network
    rt._step = kernel.step
    kernel._pre_run()  # NEST's Prepare checks, per member
    plan = rt.ensure_plan(kernel)
    plan.arch_H, plan.wr_cap, plan.vt_K = rt.arch_H, rt.wr_cap, rt.vt_K
    plan.precise_caps = rt.pcaps
    pend = rt._pending(plan)
    why = unsupported(plan, net)
    if why:
        raise errors.NotImplemented(f"{what} do not support " + "; ".join(why) + ".")
    carry = dict(states=rt._states(plan, net), buf=rt.buf, cbuf=rt.cbuf,
                 step=jnp.int64(kernel.step), pend=pend)
    if plan.frozen_L:  # neurons thawed since: the input they still hold
        carry["frozen"] = rt._held_input(plan)
    return plan, carry, rt._args(plan, net, kernel)


def device_chunks(kernel, plan, n_steps: int, chunk: int, steps_cap: int) -> list:
    """[(done, todo, device inputs)] for ``n_steps`` from now in chunks of ``chunk`` steps
    (inputs ``steps_cap`` rows long). Devices keep state across chunks: computed in order,
    then left as they were."""
    rt, net, step0 = kernel.runtime, kernel.network, kernel.step
    saved = {gid: copy.deepcopy(d.state) for gid, d in net.devices.items()}
    chunks, done = [], 0
    try:
        while done < n_steps:
            todo = min(chunk, n_steps - done)
            chunks.append((done, todo, rt._device_inputs(plan, net, kernel, step0 + done,
                                                         steps_cap, todo)))
            done += todo
    finally:
        for gid, s in saved.items():
            net.devices[gid].state = s
    return chunks


def member(kernel, n_steps: int) -> dict:
    """One member's plan, static structure, carry, arguments and per-chunk device inputs, as
    Runtime.run builds them for the network as it is now (the member's values set)."""
    plan, carry, args = prepared(kernel)
    fn, steps_cap = kernel.runtime._compiled(plan)
    return dict(plan=plan, static=plan.static(), fn=fn, steps_cap=steps_cap, carry=carry,
                args=args, chunks=device_chunks(kernel, plan, n_steps, steps_cap, steps_cap))


def _equal(col: list) -> bool:
    first = col[0]
    if all(c is first for c in col[1:]):
        return True
    a = np.asarray(first)
    return all(np.shape(c) == a.shape and np.asarray(c).dtype == a.dtype
               and np.array_equal(np.asarray(c), a) for c in col[1:])


def stack(trees: list, what: str, force: bool = False):
    """One pytree from B equal-structured pytrees: leaves that differ between members (or
    all, with ``force``) stacked on a new axis 0, the others shared. Returns (tree, axes)."""
    leaves0, tdef = jax.tree.flatten(trees[0])
    rows = [leaves0]
    for t in trees[1:]:
        leaves, d = jax.tree.flatten(t)
        if d != tdef:
            raise errors.NotImplemented(f"Batched runs need one structure for all runs; "
                                        f"the runs differ in their {what}.")
        rows.append(leaves)
    out, axes = [], []
    for i, x0 in enumerate(leaves0):
        col = [r[i] for r in rows]
        if not force and _equal(col):
            out.append(x0)
            axes.append(None)
            continue
        try:
            shape = np.broadcast_shapes(*[np.shape(c) for c in col])
        except ValueError:
            raise errors.NotImplemented(f"Batched runs need one structure for all runs; the "
                                        f"runs differ in the shapes of their {what}.") from None
        out.append(jnp.stack([jnp.broadcast_to(jnp.asarray(c), shape) for c in col]))
        axes.append(0)
    return tdef.unflatten(out), tdef.unflatten(axes)


def vmapped(fn, args_axes, carry_axes):
    """The chunk function vmapped over the batched carry and arguments."""
    flat, tdef = jax.tree.flatten((args_axes, carry_axes), is_leaf=lambda x: x is None)
    key = (id(fn), tdef, tuple(flat))
    hit = _VMAPPED.get(key)
    if hit is None or hit[0] is not fn:
        hit = _VMAPPED[key] = (fn, jax.jit(jax.vmap(fn, in_axes=(carry_axes, args_axes, None),
                                                    out_axes=(carry_axes, 0), axis_name=AXIS)))
    return hit[1]


_SHARED = ("step", ("pend", "A"), ("pend", "on"), ("pend", "cont"))


def _stack_carry(carries: list):
    """The members' carries stacked, all batched except the time (``step`` and the pending
    slice's start and flags), which all members share: kept unbatched, the slice loop's
    bounds and ring-buffer rows stay scalars (batched, XLA would turn every slice into
    gathers and scatters over the whole buffer)."""
    for path in _SHARED:
        vals = [c[path] if isinstance(path, str) else c[path[0]][path[1]] for c in carries]
        if not _equal(vals):
            raise errors.NotImplemented("Batched runs need all runs at one time step.")
    carry, axes = stack(carries, "state", force=True)
    axes = dict(axes, step=None, pend=dict(axes["pend"], A=None, on=None, cont=None))
    first = carries[0]
    carry = dict(carry, step=first["step"], pend=dict(carry["pend"], A=first["pend"]["A"],
                                                       on=first["pend"]["on"],
                                                       cont=first["pend"]["cont"]))
    return carry, axes


def run(kernel, members: list[dict], n_steps: int) -> tuple[list, dict]:
    """Run the B members together; returns the chunks' outputs on the host,
    [(done, todo, out with axis 0 = member)], and the final carry (axis 0 = member)."""
    rt = kernel.runtime
    m0 = members[0]
    for m in members[1:]:
        if m["static"] != m0["static"]:
            raise errors.NotImplemented(
                "Batched runs need one structure for all runs; these runs differ in "
                + _static_difference(m0["static"], m["static"]) + ".")
    _pad_poisson_tables(members)
    carry, carry_axes = _stack_carry([m["carry"] for m in members])
    args, args_axes = stack([m["args"] for m in members], "parameters")
    n_chunks = len(m0["chunks"])
    inputs = [stack([m["chunks"][c][2] for m in members], "device inputs") for c in range(n_chunks)]
    if any(jax.tree.leaves(ax) for _, ax in inputs):  # one compilation for all chunks
        inputs = [stack([m["chunks"][c][2] for m in members], "device inputs", force=True)
                  for c in range(n_chunks)]
    plan = m0["plan"]
    fn = chunk_fn(rt, plan)
    outs = []
    for c, (done, todo, _) in enumerate(m0["chunks"]):
        a = dict(args, **inputs[c][0])
        axes = dict(args_axes, **inputs[c][1])
        while True:
            new, out = vmapped(fn, axes, carry_axes)(carry, a, jnp.int64(todo))
            n_ev = int(np.max(np.asarray(out["n_ev"])))
            if n_ev > rt.ev_cap:  # as Runtime.run: grow, run the chunk again (exact)
                need = n_ev * max(1.0, min(n_steps - done, m0["steps_cap"]) / max(todo, 1))
                rt.ev_cap = 2 ** math.ceil(math.log2(need * 1.25))
                fn = chunk_fn(rt, plan)
                continue
            break
        outs.append((done, todo, jax.device_get(out)))
        carry = new
    return outs, carry


def _pad_poisson_tables(members: list[dict]) -> None:
    """Poisson count thresholds of one width for all members: a rate's table is as wide as
    its largest count needs (runtime.poisson_thresholds); the padding (0xFFFFFFFF) is never
    passed, so a member's counts are those of its own table."""
    thr = [m["args"].get("pg_thr") for m in members]
    if thr[0] is None or len({t.shape for t in thr}) == 1:
        return
    K = max(t.shape[1] for t in thr)
    for m, t in zip(members, thr):
        if t.shape[1] < K:
            pad = jnp.full((t.shape[0], K - t.shape[1]), 0xFFFFFFFF, t.dtype)
            m["args"] = dict(m["args"], pg_thr=jnp.concatenate([t, pad], axis=1))


def _static_difference(a, b) -> str:
    names = [f for f in a.__dataclass_fields__ if getattr(a, f) != getattr(b, f)]
    return "their " + ", ".join(names) if names else "their compiled structure"


def collect(kernel, m: dict, outs: list, b: int | None, n_steps: int) -> dict:
    """Member b's recordings (``b=None``: outs of one run, not batched): the events a lone run would add to each recorder (recorder gid
    -> NEST's events dict). The recorders' logs are left as they were."""
    rt, net = kernel.runtime, kernel.network
    plan = m["plan"]
    step0 = kernel.step
    saved = {gid: (d.log, d.pending) for gid, d in net.devices.items()}
    try:
        for d in net.devices.values():
            d.log, d.pending = EventLog(), [dict(p) for p in d.pending]
        for done, todo, out, *_ in outs:
            if b is not None:
                out = jax.tree.map(lambda x: x[b], out)
            rt._collect(plan, net, kernel, out, runtime._host_counts(out), step0 + done, todo)
        rt._flush_samples(kernel, net, step0 + n_steps)
        return {gid: knodes.recorded_events(kernel, gid) for gid in plan.recorders}
    finally:
        for gid, (log, pending) in saved.items():
            net.devices[gid].log, net.devices[gid].pending = log, pending
