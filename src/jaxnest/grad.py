"""Gradients of a loss on recorded state with respect to network parameters (forward mode).

    def loss(rec):                       # rec[multimeter]["V_m"]: (samples, nodes), JAX
        return jnp.mean((rec[mm]["V_m"][:, 0] - target) ** 2)

    f = nest.value_and_grad(loss, [(neuron, "C_m"), (neuron, "tau_m"), (dc, "amplitude")])
    value, (d_C_m, d_tau_m, d_amplitude) = f(200.0)   # simulates 200 ms from the current state

Each derivative is with respect to one value added to the property of every element of its
collection (for one neuron: the parameter itself). The network is left as it was. What the
derivative means across spikes, and which parameters can be differentiated: docs/batch.md.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import errors
from .api import _state
from .api.node_collection import NodeCollection
from .api.synapse_collection import SynapseCollection
from .devices.recorders import in_window, sample_mask
from .jaxenv import scoped
from .kernel import batched, tangent
from .kernel import surrogate as surrogate_mod
from .units import time_to_ms


class Records(dict):
    """Recorder gid -> its recordings of the run; indexed by the recorder's NodeCollection
    too. Multimeters: ``times`` (T,), ``senders`` (n,) and per recorded variable a (T, n)
    JAX array (differentiable); spike recorders: NEST's events dict (numpy, constant)."""

    def __getitem__(self, key):
        if isinstance(key, NodeCollection):
            key = key.tolist()[0]
        return dict.__getitem__(self, int(key))


def _name(target, key) -> str:
    kind = "connections" if isinstance(target, SynapseCollection) else \
        f"nodes {target.tolist()[:3]}{'...' if len(target) > 3 else ''}"
    return f"{key} of {kind}"


def _values(target, key):
    v = target.get(key)
    v = list(v) if isinstance(v, tuple) else v
    arr = np.asarray(v, dtype=object)
    if any(isinstance(x, (list, tuple, np.ndarray)) for x in np.atleast_1d(arr)):
        raise errors.NotImplemented(f"Gradient with respect to a vector property ({key}).")
    return v


def _shift(v, d):
    return [x + d for x in v] if isinstance(v, list) else v + d


def _sampled(kernel, m: dict, outs: list, n_steps: int):
    """All samples of the run (steps, columns) and their tangents (P, steps, columns)."""
    plan = m["plan"]
    period = plan.sample_period
    S, T, steps = [], [], []
    step0 = kernel.step
    for done, _, out, tg in outs:
        st = tg["samples"]
        n = int(out["n_samples"])
        if not n:
            continue
        first = (((step0 + done) // period) + 1) * period
        steps.append(first + period * np.arange(n))
        S.append(jnp.asarray(out["samples"][:n]))
        T.append(st[:, :n])
    if not S:
        return None
    return jnp.concatenate(S), jnp.concatenate(T, axis=1), np.concatenate(steps)


def _record_layout(kernel, m: dict, steps: np.ndarray, n_steps: int) -> dict:
    """Multimeter gid -> (rows, {var: cols}, times, senders), as its events would show the
    samples of the run (window, interval; NEST's samples of the last slice come later)."""
    plan, net = m["plan"], kernel.network
    md = kernel.min_delay_steps()
    cutoff = ((kernel.step + n_steps - 1) // md) * md
    out = {}
    for gid, nodes in plan.recorders.items():
        dev = net.devices[gid]
        if dev.entry.impl.kind != "sampler":
            continue
        rows = sample_mask(steps, dev.status, kernel.resolution, kernel.ms_of_steps) \
            & (steps <= cutoff)
        cols = {var: np.flatnonzero(np.isin(plan.sample_gids, nodes)
                                    & (np.array(plan.sample_vars) == var))
                for var in dev.status["record_from"]}
        first = next(iter(cols.values()), np.zeros(0, np.int64))
        out[gid] = (np.flatnonzero(rows), cols, kernel.ms_of_steps(steps[rows]),
                    plan.sample_gids[first])
    return out


def _tangents(k, n: int, base: dict, base_leaves: list, target, key: str) -> list[dict]:
    """Per chunk, leaf index -> tangent of a (collection, key) parameter: the inputs built at
    theta + delta and theta + 2 delta (kernel/tangent.py)."""
    name = _name(target, key)
    orig = _values(target, key)
    delta = tangent.delta_for(orig)
    try:
        target.set({key: _shift(orig, delta)})
        plus = batched.member(k, n)
        target.set({key: _shift(orig, 2 * delta)})
        plus2 = batched.member(k, n)
    finally:
        target.set({key: orig})
    if len(plus["chunks"]) != len(base_leaves) or plus["static"] != base["static"] \
            or plus2["static"] != base["static"]:
        raise errors.NotImplemented(f"Gradient with respect to {name}: changing it changes "
                                    "the structure of the run.")
    return [tangent.tangents(name, base_leaves[c], tangent.chunk_leaves(plus, c)[0],
                             tangent.chunk_leaves(plus2, c)[0], delta)
            for c in range(len(base_leaves))]


def _poisson_rate(k, target, key: str) -> bool:
    net = k.network
    return key == "rate" and isinstance(target, NodeCollection) and all(
        int(g) in net.devices and net.devices[int(g)].entry.name == "poisson_generator"
        for g in target.tolist())


def _rate_tangents(k, n, base, base_leaves, target, surrogate) -> list[dict]:
    """A poisson_generator's rate: counts are integers (no derivative); with a surrogate,
    the pathwise one of a Poisson count c of mean r h, dc/dr = c / r: the input it sends,
    w c, moves as if its weights were scaled by 1 + dr / r."""
    if surrogate is None:
        raise errors.NotImplemented(
            "Gradient with respect to rate of a poisson_generator: its counts are integers "
            "(no derivative); value_and_grad(..., surrogate=beta) uses a pathwise surrogate.")
    from .api.connect import GetConnections  # noqa: PLC0415
    total = [dict() for _ in base_leaves]
    for g in target:
        rate = float(g.get("rate"))
        conns = GetConnections(source=g)
        if not len(conns) or rate <= 0:
            continue
        wt = _tangents(k, n, base, base_leaves, conns, "weight")
        for c, per in enumerate(wt):
            for i, t in per.items():
                add = t * np.asarray(base_leaves[c][i]) / rate
                total[c][i] = total[c][i] + add if i in total[c] else add
    return total


def _spike_counts(kernel, m: dict, outs: list):
    """Per spike recorder: the events' positions in the run's concatenated multiplicities
    (a differentiable count: sum of |multiplicity|); (multiplicities, their tangents)."""
    plan, net = m["plan"], kernel.network
    node, rec, _ = plan.spike_links if plan.spike_links else ((), (), ())
    mult, tang, owner, stamp = [], [], [], []
    for done, _, out, tg in outs:
        n_ev = int(out["n_ev"])
        rows = plan.rec_rows[np.asarray(out["ev_row"])[:n_ev]]
        mult.append(jnp.asarray(out["ev_mult"][:n_ev]))
        tang.append(tg["ev_mult"][:, :n_ev])
        owner.append(rows)
        stamp.append(kernel.step + done + np.asarray(out["ev_step"])[:n_ev] + 1)
    if not mult:
        return {}, None, None
    rows, stamps = np.concatenate(owner), np.concatenate(stamp)
    sel = {}
    for gid in plan.recorders:
        dev = net.devices[gid]
        if dev.entry.impl.kind != "spike_recorder":
            continue
        linked = np.asarray(node)[np.asarray(rec) == gid]
        keep = np.isin(rows, linked) & in_window(kernel.ms_of_steps(stamps), dev.status)
        sel[gid] = np.flatnonzero(keep)
    return sel, jnp.concatenate(mult), jnp.concatenate(tang, axis=1)


@scoped
def _value_and_grad(loss, params, t, surrogate=None):
    t = float(time_to_ms(t, "value_and_grad"))
    k = _state.kernel()
    n = batched.steps_of_run(k, t, "value_and_grad")
    base = batched.member(k, n)
    n_chunks = len(base["chunks"])
    base_leaves = [tangent.chunk_leaves(base, c)[0] for c in range(n_chunks)]
    param_t = []
    for target, key in params:
        if not isinstance(target, (NodeCollection, SynapseCollection)):
            raise TypeError("value_and_grad takes (NodeCollection or SynapseCollection, key) "
                            "pairs")
        if _poisson_rate(k, target, key):
            param_t.append(_rate_tangents(k, n, base, base_leaves, target, surrogate))
        else:
            param_t.append(_tangents(k, n, base, base_leaves, target, key))
    make_fn = None
    if surrogate is not None:
        def make_fn(plan):
            return surrogate_mod.chunk_fn(k.runtime, plan, surrogate)
    outs = tangent.run(k, base, param_t, n, make_fn)
    spikes = batched.collect(k, base, [(d, td, o) for d, td, o, _ in outs], None, n)
    sampled = _sampled(k, base, outs, n)
    layout = _record_layout(k, base, sampled[2], n) if sampled is not None else {}
    counted, M, Mt = _spike_counts(k, base, outs)

    def with_records(S, M):
        rec = Records({g: dict(ev) for g, ev in spikes.items() if g not in layout})
        for gid, idx in counted.items():
            rec[gid]["n_events"] = jnp.sum(jnp.abs(M[idx]))
        for gid, (rows, cols, times, senders) in layout.items():
            d = {"times": times, "senders": senders}
            for var, c in cols.items():
                d[var] = S[rows][:, c]
            rec[gid] = d
        return jnp.asarray(loss(rec), jnp.float64)

    P = len(params)
    S, St = (sampled[0], sampled[1]) if sampled is not None else (jnp.zeros(0), jnp.zeros((P, 0)))
    if M is None:
        M, Mt = jnp.zeros(0), jnp.zeros((P, 0))
    value, grads = jax.vmap(lambda a, b: jax.jvp(with_records, (S, M), (a, b)))(St, Mt)
    return float(value[0]), [float(g) for g in grads]


def value_and_grad(loss, params, surrogate: float | None = None):
    """``f = nest.value_and_grad(loss, [(collection, key), ...])``; ``f(t)`` simulates ``t`` ms
    from the network's current state and returns ``(loss, [d loss / d param, ...])``. ``params``
    may also be a dict name -> (collection, key): the gradients are then a dict.
    ``surrogate=beta`` (mV): spikes carry the derivative of sigmoid((V - V_th) / beta), so
    spike counts (``rec[spike_recorder]["n_events"]``) and what spikes cause downstream have
    derivatives, and a poisson_generator's rate gets the pathwise derivative of its counts
    (kernel/surrogate.py, docs/batch.md). The values computed are the ordinary run's."""
    names = list(params) if isinstance(params, dict) else None
    pairs = list(params.values()) if names is not None else list(params)
    if not pairs:
        raise errors.BadProperty("value_and_grad needs at least one parameter.")

    def f(t):
        value, grads = _value_and_grad(loss, pairs, t, surrogate)
        return value, dict(zip(names, grads)) if names is not None else grads

    return f
