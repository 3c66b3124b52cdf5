"""Batched parameter sweeps: one network, B sets of values, one compiled (vmapped) run.

    sweep = nest.batch(64)
    sweep.set(neurons, I_e=np.linspace(300.0, 500.0, 64))    # B values (or B rows per node)
    sweep.set(conns_inh, weight=-g * J)                       # a SynapseCollection
    sweep.set(noise, rate=rates)                              # a generator
    sweep.set(rng_seed=np.arange(1, 65))                      # B random streams
    runs = sweep.simulate(1000.0)
    runs.events(spike_recorder)[b]                            # NEST's events dict of run b

See docs/batch.md. The network and the kernel are left as they were: a sweep is a function of
the network's current state (time, neuron state, pending spikes), as B independent
``Simulate(t)`` calls from it would be.
"""
from __future__ import annotations

import numpy as np

from . import errors
from .api import _state
from .api.node_collection import NodeCollection
from .api.synapse_collection import SynapseCollection
from .jaxenv import scoped
from .kernel import batched
from .units import time_to_ms


class Setting:
    """B values of one property of a NodeCollection, a SynapseCollection or the kernel."""

    def __init__(self, target, key: str, values, size: int) -> None:
        if key in ("rng_seed",) and target is not None:
            raise errors.BadProperty("rng_seed is a kernel property: sweep.set(rng_seed=...).")
        if target is None and key != "rng_seed":
            raise errors.NotImplemented(f"Batched kernel property {key!r} (only rng_seed).")
        if isinstance(target, SynapseCollection) and key != "weight":
            raise errors.NotImplemented(f"Batched synapse property {key!r} (only weight: a "
                                        "delay changes the compiled structure).")
        if len(values) != size:
            raise errors.BadProperty(f"{key} needs one value per run: {size} values, got "
                                     f"{len(values)}.")
        self.target, self.key, self.values = target, key, values
        self.original = None
        self.applied = False  # a member's value is set: restore() puts the original back
        self._read()  # a key the target lacks fails here, as in set

    @property
    def device(self) -> bool:
        """Kernel settings and devices matter for recording too (windows, rates, seeds)."""
        if self.target is None:
            return True
        if isinstance(self.target, SynapseCollection):
            return False
        net = _state.kernel().network
        return any(int(g) in net.devices for g in self.target.tolist())

    def _read(self):
        if self.target is None:
            k = _state.kernel()
            return k.settings["rng_seed"], k.rng
        v = self.target.get(self.key)
        return list(v) if isinstance(v, tuple) else v

    def save(self) -> None:
        """Remember the value the network has now (restored after the sweep)."""
        self.original = self._read()

    def apply(self, b: int) -> None:
        v = self.values[b]
        if self.target is None:
            k = _state.kernel()
            k.set_status({"rng_seed": int(v)})
            return
        v = v.tolist() if isinstance(v, np.ndarray) else v
        self.target.set({self.key: v})
        self.applied = True

    def restore(self) -> None:
        if self.target is None:
            k = _state.kernel()
            k.settings["rng_seed"], k.rng = self.original
            return
        if self.applied:  # (a set NEST refuses, e.g. a connected multimeter's interval,
            self.target.set({self.key: self.original})  # is refused again: not retried)
            self.applied = False


class BatchResult:
    """The recordings and final states of the B runs of a sweep."""

    def __init__(self, size, recordings, states, plan) -> None:
        self.size = size
        self._rec = recordings   # per run: recorder gid -> events dict
        self._states = states    # per group: {state name: (B, n) array}
        self._plan = plan

    def events(self, recorder) -> list[dict]:
        """NEST's ``recorder.get("events")`` of each run (a list of B dicts); for several
        recorders a list per recorder."""
        gids = recorder.tolist() if isinstance(recorder, NodeCollection) else [int(recorder)]
        out = []
        for g in gids:
            if g not in self._rec[0]:
                raise errors.BadProperty(f"Node {g} is not a recorder connected in this sweep.")
            out.append([r[g] for r in self._rec])
        return out[0] if len(out) == 1 else out

    def get(self, nodes: NodeCollection, key: str) -> np.ndarray:
        """A state variable of neurons after each run: (B, len(nodes)), NEST's units."""
        ids = np.asarray(nodes.tolist())
        out = np.zeros((self.size, ids.size))
        rows = self._plan.row_of[ids]
        for gi, g in enumerate(self._plan.groups):
            sel = (rows >= g.offset) & (rows < g.offset + g.n)
            if not sel.any():
                continue
            if key not in self._states[gi]:
                raise errors.BadProperty(f"{key} is not a state variable of {g.name}.")
            if self._states[gi][key].ndim != 2:
                raise errors.NotImplemented(f"Batch results of the vector state {key}.")
            out[:, sel] = self._states[gi][key][:, rows[sel] - g.offset]
        return out


class Batch:
    """A sweep of ``size`` runs of the current network (``nest.batch(size)``)."""

    def __init__(self, size: int) -> None:
        if int(size) < 1:
            raise errors.BadProperty("A batch needs at least one run.")
        self.size = int(size)
        self.settings: list[Setting] = []

    @scoped
    def set(self, target=None, params: dict | None = None, **kwargs) -> "Batch":
        """B values per property: ``set(nodes, {"I_e": values})``, ``set(nodes, I_e=values)``,
        ``set(synapse_collection, weight=values)``, ``set(rng_seed=seeds)``. ``values[b]`` is
        run b's value: a scalar, or one value per node / connection."""
        if isinstance(target, dict):
            target, params = None, target
        params = dict(params or {}, **kwargs)
        if target is not None and not isinstance(target, (NodeCollection, SynapseCollection)):
            raise TypeError("batch.set takes a NodeCollection, a SynapseCollection or kernel "
                            "keywords")
        for key, values in params.items():
            self.settings.append(Setting(target, key, values, self.size))
        return self

    def _apply(self, b: int, devices_only: bool = False) -> None:
        for s in self.settings:
            if not devices_only or s.device:
                s.apply(b)

    def _restore(self) -> None:
        for s in reversed(self.settings):
            s.restore()

    @scoped
    def simulate(self, t) -> BatchResult:
        """Run the B runs for ``t`` ms from the network's current state, as one vmapped
        compiled run; the network and the kernel are left as they were."""
        t = float(time_to_ms(t, "simulate"))
        k = _state.kernel()
        n = batched.steps_of_run(k, t, "A batch")
        for s in self.settings:
            s.save()
        members = []
        try:
            for b in range(self.size):
                self._apply(b)
                members.append(batched.member(k, n))
            self._restore()
            outs, carry = batched.run(k, members, n)
            recs = []
            for b in range(self.size):
                self._apply(b, devices_only=True)
                recs.append(batched.collect(k, members[b], outs, b, n))
        finally:
            self._restore()
        plan = members[0]["plan"]
        states = [{name: np.asarray(v) for name, v in s.items()} for s in carry["states"]]
        return BatchResult(self.size, recs, states, plan)


def batch(size: int) -> Batch:
    """``nest.batch(B)``: a sweep of B runs of the current network; see :class:`Batch`."""
    return Batch(size)
