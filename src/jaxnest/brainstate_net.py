"""A built network as a brainstate module: its neuron states are brainstate States, and one
``update`` advances it by an interval, so brainstate's transforms (jit, for_loop, grad, ...)
and brainstate models drive it beside other JAX code.

    net = nest.to_brainstate(interval=5.0, n_intervals=200)   # up to 1 s from now
    with nest.jax_scope():                # double precision, as the kernel computes
        @brainstate.transform.jit
        def run():
            return brainstate.transform.for_loop(net.update, jnp.arange(200))
        out = run()                       # out["spikes"]: (200, steps, recorded neurons)
    net.write_back()                      # GetStatus and the next Simulate continue from here

The module runs the kernel's ordinary chunk function (kernel/engine.py) once per interval
with the network's own arguments; a state written between updates (a V_m, an ``I_e`` of
``net.params``) is what the next update starts from. What it leaves out: recorders do not
record during its updates (``update`` returns the spikes of the neurons connected to spike
recorders and the multimeters' samples instead), and what only an ordinary Simulate can do
(plastic synapses, off-grid spikes, secondary events, ...) is refused, as in batched runs.
"""
from __future__ import annotations

import copy

import jax

_X64 = jax.config.jax_enable_x64
import brainstate  # noqa: E402 - its import sets jax_enable_x64 to its default precision
jax.config.update("jax_enable_x64", _X64)  # the user's setting stays theirs
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from . import errors  # noqa: E402
from .api import _state
from .api.node_collection import NodeCollection
from .jaxenv import scope, scoped
from .kernel import batched
from .kernel.engine import make_chunk_fn
from .units import time_to_ms

_FNS: dict = {}  # (Static, slices, ev_cap) -> chunk fn


class BrainstateNetwork(brainstate.nn.Module):
    """The network as it was at :func:`to_brainstate`, advanced ``interval`` ms per update.

    States: ``states[model][var]`` (brainstate.HiddenState, one row per neuron of the model's
    group, as GetStatus's values), ``params[model]`` (brainstate.ParamState, a dict of the
    group's parameters as the kernel reads them), ``ring`` (ShortTermState: the spikes in
    flight and the time step)."""

    def __init__(self, kernel, interval_steps: int, n_intervals: int):
        super().__init__()
        plan, carry, args = batched.prepared(kernel, "Networks as brainstate modules")
        self._kernel, self._plan, self._start = kernel, plan, kernel.step
        self._structure = _structure(kernel)
        self.interval_steps, self.n_intervals = interval_steps, n_intervals
        D = plan.D
        slices = -(-interval_steps // D) + 1  # a run may start inside a slice
        n_rec = int(plan.rec_rows.size)
        ev_cap = max(1, slices * D * n_rec)  # every recorded neuron in every step: no overflow
        key = (plan.static(), slices, ev_cap)
        if key not in _FNS:
            _FNS[key] = make_chunk_fn(plan.static(), slices, ev_cap)[0]
        self._fn = _FNS[key]
        self._inputs, self._dev_states = _device_inputs(kernel, plan, interval_steps,
                                                        n_intervals, slices * D)
        self._args = {k: v for k, v in args.items() if k != "params"}
        names = [g.name for g in plan.groups]
        self.params = {g.name: brainstate.ParamState(  # one value per neuron: settable
            {k: jnp.broadcast_to(v, (g.n,)) if jnp.ndim(v) == 0 else v for k, v in p.items()})
            for g, p in zip(plan.groups, args["params"])}
        self.states = {n: {v: brainstate.HiddenState(x) for v, x in s.items()}
                       for n, s in zip(names, carry["states"])}
        self.ring = brainstate.ShortTermState({k: v for k, v in carry.items() if k != "states"})
        self._rows = {int(gid): (gi, r) for gi, g in enumerate(plan.groups)
                      for r, gid in enumerate(g.gids.tolist())}
        self.recorded = plan.row_gids[plan.rec_rows]  # neuron ids of update's spike columns

    def update(self, i):
        """Advance one interval (the ``i``-th since :func:`to_brainstate`: its device inputs).
        Returns ``spikes`` (steps, recorded neurons: spike counts, columns as
        ``self.recorded``), ``samples`` and ``n_samples`` (the multimeters' samples, as the
        kernel takes them)."""
        names = list(self.states)
        carry = dict(self.ring.value,
                     states=[{v: s.value for v, s in self.states[n].items()} for n in names])
        args = dict(self._args, params=[self.params[n].value for n in names],
                    **{k: v[i] for k, v in self._inputs.items()})
        new, out = self._fn(carry, args, jnp.int64(self.interval_steps))
        for n, s in zip(names, new["states"]):
            for v, x in s.items():
                self.states[n][v].value = x
        self.ring.value = {k: v for k, v in new.items() if k != "states"}
        k = self.interval_steps
        valid = jnp.arange(out["ev_row"].shape[0]) < out["n_ev"]
        spikes = jnp.zeros((k, self.recorded.size), out["ev_mult"].dtype).at[
            jnp.where(valid, out["ev_step"], k), out["ev_row"]].add(
            jnp.abs(out["ev_mult"]), mode="drop")
        return {"spikes": spikes, "samples": out.get("samples"),
                "n_samples": out.get("n_samples")}

    def get(self, nodes: NodeCollection, var: str):
        """``var`` (a state variable) of ``nodes``, in their order (traceable)."""
        return self._gather(nodes, lambda n: self.states[n][var].value, var)

    def get_param(self, nodes: NodeCollection, key: str):
        """Parameter ``key`` of ``nodes`` as the kernel reads it (traceable)."""
        return self._gather(nodes, lambda n: self.params[n].value[key], key)

    def set_param(self, nodes: NodeCollection, key: str, value) -> None:
        """Set parameter ``key`` of ``nodes`` (a value or one per node; traceable): the next
        update uses it. Derived quantities the kernel computes in the update follow."""
        value = jnp.broadcast_to(jnp.asarray(value), (len(nodes),))
        for gi, pos, rows in self._by_group(nodes):
            name = self._plan.groups[gi].name
            p = dict(self.params[name].value)
            if key not in p:
                raise errors.BadProperty(f"{name} has no parameter {key!r}.")
            p[key] = p[key].at[rows].set(value[pos].astype(p[key].dtype))
            self.params[name].value = p

    def write_back(self) -> None:
        """Make the module's state the network's: GetStatus shows it and the next Simulate
        continues from it (at the interval boundary reached). Parameters set through
        ``params`` stay the module's own."""
        with scope():
            k = self._kernel
            if _state.kernel() is not k or _structure(k) != self._structure \
                    or k.step != self._start:
                raise errors.KernelException(
                    "write_back: the network changed since to_brainstate (ResetKernel, "
                    "Create, Connect or Simulate in between).")
            ring = jax.device_get(self.ring.value["step"])
            done = int(ring) - self._start
            if done % self.interval_steps or not 0 <= done <= \
                    self.interval_steps * self.n_intervals:
                raise errors.KernelException("write_back needs the module at an interval "
                                             "boundary.")
            carry = dict(self.ring.value, states=[{v: s.value for v, s in st.items()}
                                                  for st in self.states.values()])
            k.runtime.keep(self._plan, k.network, carry)
            for gid, s in self._dev_states[done // self.interval_steps].items():
                k.network.devices[gid].state = copy.deepcopy(s)
            k.step = self._start + done
            self._start = k.step
            self._dev_states = self._dev_states[done // self.interval_steps:]
            k.simulated = True

    def _by_group(self, nodes: NodeCollection):
        """[(group index, positions in ``nodes``, rows in the group)] for neuron ``nodes``."""
        where = []
        for gid in nodes.tolist():
            if gid not in self._rows:
                raise errors.UnknownNode(f"Node {gid} is not a neuron of this module.")
            where.append(self._rows[gid])
        where = np.array(where, dtype=np.int64).reshape(-1, 2)
        return [(gi, np.flatnonzero(where[:, 0] == gi), where[where[:, 0] == gi, 1])
                for gi in np.unique(where[:, 0]).tolist()]

    def _gather(self, nodes, value_of, what: str):
        parts, order = [], []
        for gi, pos, rows in self._by_group(nodes):
            g = self._plan.groups[gi]
            try:
                v = value_of(g.name)
            except KeyError:
                raise errors.BadProperty(f"{g.name} has no {what!r}.") from None
            parts.append(jnp.broadcast_to(v, (g.n,) + jnp.shape(v)[1:])[rows])
            order.append(pos)
        out = jnp.concatenate(parts)
        return out[np.argsort(np.concatenate(order))]


def _structure(kernel) -> tuple:
    return (id(kernel), kernel.network.version, kernel.network.conns.version)


def _device_states(kernel) -> dict:
    return {gid: copy.deepcopy(d.state) for gid, d in kernel.network.devices.items()}


def _device_inputs(kernel, plan, k: int, n: int, steps_cap: int) -> tuple[dict, list]:
    """The device inputs of n intervals of k steps from now, stacked (n, steps_cap, rows),
    and the devices' states at each interval boundary (devices keep state across runs);
    the devices are left as they were."""
    rt, net = kernel.runtime, kernel.network
    states = [_device_states(kernel)]
    chunks = []
    try:
        for i in range(n):
            chunks.append(rt._device_inputs(plan, net, kernel, kernel.step + i * k,
                                            steps_cap, k))
            states.append(_device_states(kernel))
    finally:
        for gid, s in states[0].items():
            net.devices[gid].state = copy.deepcopy(s)
    return {key: jnp.stack([c[key] for c in chunks]) for key in chunks[0]}, states


@scoped
def to_brainstate(interval: float, n_intervals: int = 1) -> BrainstateNetwork:
    """The network as a brainstate module advancing ``interval`` ms per ``update(i)``, with
    device inputs prepared for ``n_intervals`` intervals from now (module doc)."""
    k = _state.kernel()
    ms = float(time_to_ms(interval, "to_brainstate"))
    steps = batched.steps_of_run(k, ms, "to_brainstate")
    if steps < 1 or int(n_intervals) < 1:
        raise errors.BadProperty("to_brainstate needs an interval of at least one step and "
                                 "n_intervals >= 1.")
    return BrainstateNetwork(k, steps, int(n_intervals))
