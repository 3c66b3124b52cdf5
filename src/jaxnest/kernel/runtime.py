"""Runs the compiled kernel for a Simulate call and brings its results back to the host.

Holds what persists between Simulate calls: the plan of the current structure, compiled chunk
functions (cached by structure signature, so value changes and ResetKernel + rebuild of the same
shape reuse them), and the ring buffers. Neuron state lives on the host between calls (it is
O(neurons)); the ring buffers stay on the device.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from ..devices.generators import spike_steps
from ..devices.recorders import in_window, sample_mask, write_ascii
from .engine import make_chunk_fn
from .plan import Plan, build_plan

_COMPILED: dict[tuple, tuple] = {}   # signature -> (fn, steps_cap); survives ResetKernel
_CHUNK_BYTES = 64 * 2**20           # bound on per-chunk inputs/outputs held on the device


class Runtime:
    """The execution side of one kernel instance (replaced by ResetKernel)."""

    def __init__(self) -> None:
        self.plan: Plan | None = None
        self.plan_key = None
        self.buf = None
        self.cbuf = None
        self.ev_cap = 1024

    # --- structure -----------------------------------------------------------------------
    def ensure_plan(self, net, h: float) -> Plan:
        key = (net.version, net.conns.version)
        if self.plan is None or key != self.plan_key:
            new = build_plan(net, h)
            self._relayout_buffers(new)
            self.plan, self.plan_key = new, key
        return self.plan

    def _relayout_buffers(self, new: Plan) -> None:
        """Carry pending ring-buffer events into a new layout (rows may move when nodes are
        created between Simulate calls)."""
        old = self.plan
        L, C, N = new.L, new.C, new.n_neurons
        buf = np.zeros((L, C, N))
        cbuf = np.zeros((L, N))
        if old is not None and self.buf is not None and old.n_neurons:
            ob = np.asarray(self.buf).reshape(old.L, old.C, old.n_neurons)
            oc = np.asarray(self.cbuf).reshape(old.L, old.n_neurons)
            gids = np.concatenate([g.gids for g in old.groups])
            rows_new = new.row_of[gids]
            for step in range(self._step, self._step + old.L):
                buf[step % L][: old.C][:, rows_new] = ob[step % old.L]
                cbuf[step % L][rows_new] = oc[step % old.L]
        self.buf = jnp.asarray(buf.ravel())
        self.cbuf = jnp.asarray(cbuf.ravel())

    # --- running -------------------------------------------------------------------------
    def run(self, kernel, n_steps: int) -> None:
        """Advance the network by ``n_steps`` steps from ``kernel.step``."""
        net, h = kernel.network, kernel.resolution
        self._step = kernel.step
        plan = self.ensure_plan(net, h)
        fn, steps_cap = self._compiled(plan)
        args = self._args(plan, net, kernel)
        carry = dict(states=self._states(plan, net), buf=self.buf, cbuf=self.cbuf,
                     step=jnp.int64(kernel.step))
        done = 0
        while done < n_steps:
            todo = min(steps_cap, n_steps - done)
            args["sg_input"] = self._sg_input(plan, net, kernel.step + done, steps_cap, h)
            new, out = fn(carry, args, jnp.int64(todo))
            if int(out["n_ev"]) > self.ev_cap:
                self.ev_cap = 2 ** math.ceil(math.log2(int(out["n_ev"])))
                fn, steps_cap = self._compiled(plan)
                continue  # run the same chunk again from the same state
            self._collect(plan, net, kernel, out, kernel.step + done, todo)
            carry, done = new, done + todo
        self.buf, self.cbuf = carry["buf"], carry["cbuf"]
        self._store_states(plan, net, carry["states"])
        self._flush_samples(kernel, net, kernel.step + n_steps)

    def _compiled(self, plan: Plan):
        per_step = 8 * (plan.sg_gids.size + plan.sample_gids.size / max(plan.sample_period, 1))
        slices_cap = max(1, min(4096, int(_CHUNK_BYTES / max(per_step * plan.D, 1))))
        slices_cap = 2 ** int(math.log2(slices_cap))
        key = (plan.signature(), slices_cap, self.ev_cap)
        if key not in _COMPILED:
            _COMPILED[key] = make_chunk_fn(plan, slices_cap, self.ev_cap)
        return _COMPILED[key]

    # --- host <-> device -----------------------------------------------------------------
    def _states(self, plan: Plan, net) -> list:
        out = []
        for g in plan.groups:
            st = net.neurons[g.name]
            out.append({k: jnp.asarray(v) for k, v in {**st.state, **st.hidden}.items()})
        return out

    def _store_states(self, plan: Plan, net, states) -> None:
        for g, s in zip(plan.groups, states):
            st = net.neurons[g.name]
            for k in st.state:
                st.state[k] = np.asarray(s[k])
            for k in st.hidden:
                st.hidden[k] = np.asarray(s[k])

    def _args(self, plan: Plan, net, kernel) -> dict:
        h = kernel.resolution
        cols = net.conns.cols
        args = dict(
            params=[{k: jnp.asarray(v) for k, v in net.neurons[g.name].params.items()}
                    for g in plan.groups],
            seed=jnp.uint32(kernel.rng_seed % 2**32),
            rec_rows=jnp.asarray(plan.rec_rows),
            sample_idx=[jnp.asarray(i) for _, _, i in plan.samples],
        )
        sp = plan.spike
        if sp["n_edges"]:
            args["spike"] = {k: jnp.asarray(sp[k]) for k in
                             ("seg_row", "seg_start", "seg_count", "tgt", "w", "d")}
        for name, gids in (("poisson", plan.pg_gids), ("current", plan.cg_gids)):
            e = getattr(plan, name)
            if e["n_edges"]:
                args[name] = {k: jnp.asarray(e[k]) for k in ("gen", "tgt", "w", "d")}
        del cols
        status = [net.devices[int(g)].status for g in plan.pg_gids]
        if plan.poisson["n_edges"]:
            args["pg_lo"], args["pg_hi"] = _windows(status, h)
            args["pg_cdf"] = jnp.asarray(_poisson_cdf(np.array([s["rate"] for s in status]) * h
                                                      / 1000.0))
        status = [net.devices[int(g)].status for g in plan.cg_gids]
        if plan.current["n_edges"]:
            args["cg_lo"], args["cg_hi"] = _windows(status, h)
            args["cg_amp"] = jnp.asarray(np.array([s["amplitude"] for s in status], float))
        return args

    def _sg_input(self, plan: Plan, net, step0: int, steps_cap: int, h: float):
        """Dense (steps, generators) spike multiplicities of the spike generators for a chunk."""
        inp = np.zeros((steps_cap, plan.sg_gids.size))
        for j, gid in enumerate(plan.sg_gids.tolist()):
            steps, value = spike_steps(net.devices[gid].status, h)
            sel = (steps >= step0) & (steps < step0 + steps_cap)
            np.add.at(inp[:, j], steps[sel] - step0, value[sel])
        return jnp.asarray(inp)

    # --- recordings ----------------------------------------------------------------------
    def _collect(self, plan: Plan, net, kernel, out, step0: int, n_steps: int) -> None:
        h = kernel.resolution
        n_ev = int(out["n_ev"])
        row_gid = np.zeros(plan.n_rows, dtype=np.int64)
        for g in plan.groups:
            row_gid[g.offset:g.offset + g.n] = g.gids
        row_gid[plan.n_neurons:] = plan.sg_gids
        if n_ev:
            steps = np.asarray(out["ev_step"][:n_ev])
            senders = row_gid[plan.rec_rows[np.asarray(out["ev_row"][:n_ev])]]
            mult = np.rint(np.asarray(out["ev_mult"][:n_ev])).astype(np.int64)
            order = np.lexsort((steps, senders, steps // kernel.min_delay_steps()))
            steps = np.repeat(steps[order], np.maximum(mult[order], 1))
            senders = np.repeat(senders[order], np.maximum(mult[order], 1))
        n_samp = int(out["n_samples"])
        if n_samp:
            samples = np.asarray(out["samples"][:n_samp])
            first = ((step0 // plan.sample_period) + 1) * plan.sample_period
            sample_steps = first + plan.sample_period * np.arange(n_samp)
        for gid, nodes in plan.recorders.items():
            dev = net.devices[gid]
            if dev.entry.impl.kind == "spike_recorder" and n_ev:
                times = kernel.ms_of_steps(steps + 1)
                sel = np.isin(senders, nodes) & in_window(times, dev.status)
                self._emit(kernel, dev, {"senders": senders[sel], "times": times[sel]}, [])
            elif dev.entry.impl.kind == "sampler" and n_samp and nodes.size:
                rows = sample_mask(sample_steps, dev.status, h, kernel.ms_of_steps)
                keys = list(dev.status["record_from"])
                cols = np.isin(plan.sample_gids, nodes)
                times = kernel.ms_of_steps(sample_steps[rows])
                n_t, n_n = times.size, int(nodes.size)
                block = {"senders": np.tile(nodes, n_t), "times": np.repeat(times, n_n),
                         "_step": np.repeat(sample_steps[rows], n_n)}
                for var in keys:
                    c = cols & (np.array(plan.sample_vars) == var)
                    block[var] = samples[rows][:, c].ravel()
                dev.pending.append(block)

    def _flush_samples(self, kernel, net, end: int) -> None:
        """Hand samplers their samples up to the start of the last min_delay slice.

        NEST delivers a slice's samples to a multimeter at the start of the next slice (its
        slices are aligned to multiples of min_delay), so the samples of the last slice run
        appear only after the next Simulate call. Reproduced here for identical event counts.
        """
        min_delay = kernel.min_delay_steps()
        cutoff = ((end - 1) // min_delay) * min_delay
        for dev in net.devices.values():
            if not dev.pending:
                continue
            keys = list(dev.status["record_from"])
            block = {k: np.concatenate([b[k] for b in dev.pending]) for k in dev.pending[0]}
            # NEST's order: by min_delay slice, then sender, then time
            order = np.lexsort((block["_step"], block["senders"],
                                (block["_step"] - 1) // min_delay))
            block = {k: v[order] for k, v in block.items()}
            ready = block["_step"] <= cutoff
            dev.pending = [{k: v[~ready] for k, v in block.items()}] if (~ready).any() else []
            self._emit(kernel, dev, {k: v[ready] for k, v in block.items() if k != "_step"},
                       keys)

    def _emit(self, kernel, dev, cols: dict, keys: list) -> None:
        if dev.status["time_in_steps"]:
            cols = dict(cols, times=np.rint(cols["times"] / kernel.resolution).astype(np.int64))
        if dev.status["record_to"] == "ascii":
            write_ascii(dev.ascii_path, cols, keys, dev.status["time_in_steps"])
            dev.log.n += len(cols["senders"])
        elif dev.status["record_to"] == "screen":
            for i in range(len(cols["senders"])):
                print(cols["senders"][i], cols["times"][i], *[cols[k][i] for k in keys])
            dev.log.n += len(cols["senders"])
        else:
            dev.log.append(cols)


def _windows(status: list[dict], h: float):
    """Active window of stimulators, (origin + start, origin + stop] in steps; the engine
    compares it with each generator's own step convention."""
    lo = np.array([(s["origin"] + s["start"]) / h for s in status])
    hi = np.array([(s["origin"] + s["stop"]) / h for s in status])
    return jnp.asarray(np.rint(lo)), jnp.asarray(np.where(np.isinf(hi), 1e300, np.rint(hi)))


def _poisson_cdf(lam: np.ndarray) -> np.ndarray:
    """Poisson CDF tables (generators x K): a count is the number of entries below a uniform."""
    lam_max = float(lam.max()) if lam.size else 0.0
    need = math.ceil(lam_max + 12 * math.sqrt(lam_max) + 12)
    K = 2 ** math.ceil(math.log2(max(need, 16)))  # bucketed: rate changes rarely retrace
    k = np.arange(K)
    logp = k[None, :] * np.log(np.maximum(lam[:, None], 1e-300)) - lam[:, None] \
        - np.array([math.lgamma(i + 1) for i in k])[None, :]
    cdf = np.cumsum(np.exp(logp), axis=1)
    cdf[lam == 0] = 1.0
    return np.minimum(cdf, 1.0)
