"""The compiled simulation loop: one iteration per min_delay slice.

A chunk runs ``n_steps`` steps (a traced value, so any Simulate length reuses one compilation)
as slices of at most D steps. Inside a slice the neuron updates run in a fori_loop with no
delivery; at its end the slice's spikes, Poisson draws and currents are written into the ring
buffers, each event at slot (emission step + delay) mod L. A spike emitted in step s is read by
its target in step s + delay, as in NEST.

Everything the loop reads that can change between Simulate calls (parameters, weights, rates,
spike-generator input) is an argument, never a closed-over constant: values change without a
new trace, and large edge arrays do not become XLA constants.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from . import rng
from .plan import Plan

DELIVERY_BATCH = 32  # fired segments delivered per inner iteration
TRACES = [0]  # how many times a chunk function has been traced (compile-reuse tests read it)


def make_chunk_fn(plan: Plan, slices_cap: int, ev_cap: int):
    """A jitted ``chunk(carry, args, n_steps) -> (carry, out)`` for this plan's structure."""
    D, L, C, N = plan.D, plan.L, plan.C, plan.n_neurons
    R = plan.n_rows
    steps_cap = slices_cap * D
    n_rec = plan.rec_rows.size
    rec_slice_cap = D * n_rec
    period = plan.sample_period
    n_sample_rows = steps_cap // period + 1 if period else 0
    sp, pe, ce = plan.spike, plan.poisson, plan.current
    groups = plan.groups

    def update_step(k, sc, args, a, s0):
        states, buf, cbuf, S, samples, n_samp = sc
        s = a + k
        slot = s % L
        x_all = lax.dynamic_slice_in_dim(buf, slot * C * N, C * N).reshape(C, N)
        i_all = lax.dynamic_slice_in_dim(cbuf, slot * N, N)
        new_states, spikes = [], []
        for g, st, p, pr in zip(groups, states, args["params"], args["props"]):
            x = x_all[: g.impl.n_channels, g.offset:g.offset + g.n]
            new, spk = g.impl.update(p, pr, st, x, i_all[g.offset:g.offset + g.n], plan.h)
            new_states.append(new)
            spikes.append(jnp.asarray(spk, jnp.float64))
        buf = lax.dynamic_update_slice_in_dim(buf, jnp.zeros(C * N), slot * C * N, 0)
        cbuf = lax.dynamic_update_slice_in_dim(cbuf, jnp.zeros(N), slot * N, 0)
        row = jnp.concatenate(spikes + [args["sg_input"][s - s0]])
        S = S.at[k].set(row)
        if period:
            vals = jnp.concatenate([new_states[gi][var][idx] for (gi, var, _), idx in
                                    zip(plan.samples, args["sample_idx"])])
            take = (s + 1) % period == 0
            samples = samples.at[n_samp].set(jnp.where(take, vals, samples[n_samp]))
            n_samp = n_samp + take.astype(jnp.int32)
        return new_states, buf, cbuf, S, samples, n_samp

    def deliver_spikes(buf, S, a, e):
        """Scatter every spike of the slice along its source's edge segments."""
        r_idx = jnp.arange(R)
        lane = jnp.arange(sp["seg_len"])

        def one_rank(c):
            buf, rem = c
            has = rem != 0
            k = jnp.argmax(has, axis=0)
            m = rem[k, r_idx]
            rem = rem.at[k, r_idx].set(0.0)
            seg_fired = m[e["seg_row"]] != 0
            count = seg_fired.sum()
            idx = jnp.nonzero(seg_fired, size=sp["n_seg"] + DELIVERY_BATCH, fill_value=0)[0]

            def batch(i, buf):
                segs = lax.dynamic_slice_in_dim(idx, i * DELIVERY_BATCH, DELIVERY_BATCH)
                valid = i * DELIVERY_BATCH + jnp.arange(DELIVERY_BATCH) < count
                ok = valid[:, None] & (lane[None, :] < e["seg_count"][segs][:, None])
                edge = jnp.where(ok, e["seg_start"][segs][:, None] + lane[None, :], 0)
                row = e["seg_row"][segs][:, None]
                val = jnp.where(ok, e["w"][edge] * m[row], 0.0)
                slot = (a + k[row] + e["d"][edge]) % L
                return buf.at[(slot * (C * N) + e["tgt"][edge]).ravel()].add(val.ravel())

            n_batches = (count + DELIVERY_BATCH - 1) // DELIVERY_BATCH
            return lax.fori_loop(0, n_batches, batch, buf), rem

        return lax.while_loop(lambda c: jnp.any(c[1] != 0), one_rank, (buf, S))[0]

    def deliver_generators(buf, cbuf, a, n, args):
        k = jnp.arange(D)
        steps = a + k
        live = (k < n)[:, None]
        if pe["n_edges"]:
            e = args["poisson"]
            gen = e["gen"]
            t = steps[:, None]  # NEST: a poisson_generator draws in steps lo < s <= hi
            active = live & (t > args["pg_lo"][gen][None]) & (t <= args["pg_hi"][gen][None])
            u = rng.uniform(args["seed"], steps[:, None], jnp.arange(pe["n_edges"])[None])
            count = jnp.sum(u[..., None] > args["pg_cdf"][gen][None], axis=-1)
            val = jnp.where(active, count * e["w"][None], 0.0)
            slot = (steps[:, None] + e["d"][None]) % L
            buf = buf.at[(slot * (C * N) + e["tgt"][None]).ravel()].add(val.ravel())
        if ce["n_edges"]:
            e = args["current"]
            gen = e["gen"]
            t = steps[:, None] + 2  # NEST: a current generator sends in steps lo < s + 2 <= hi
            active = live & (t > args["cg_lo"][gen][None]) & (t <= args["cg_hi"][gen][None])
            val = jnp.where(active, args["cg_amp"][gen][None] * e["w"][None], 0.0)
            slot = (steps[:, None] + e["d"][None]) % L
            cbuf = cbuf.at[(slot * N + e["tgt"][None]).ravel()].add(val.ravel())
        return buf, cbuf

    def record_spikes(S, n, rec, a, args):
        """Append the recorded rows' spikes of this slice to the chunk's event buffers."""
        ev_step, ev_row, ev_mult, n_ev = rec
        live = (jnp.arange(D) < n)[:, None]
        Sr = jnp.where(live, S[:, args["rec_rows"]], 0.0)
        flat = jnp.nonzero(Sr.ravel() != 0, size=rec_slice_cap, fill_value=0)[0]
        n_new = jnp.sum(Sr != 0)
        pos = jnp.minimum(n_ev, ev_cap)
        ev_step = lax.dynamic_update_slice_in_dim(ev_step, (a + flat // n_rec), pos, 0)
        ev_row = lax.dynamic_update_slice_in_dim(ev_row, flat % n_rec, pos, 0)
        ev_mult = lax.dynamic_update_slice_in_dim(ev_mult, Sr.ravel()[flat], pos, 0)
        return ev_step, ev_row, ev_mult, n_ev + n_new

    def chunk(carry, args, n_steps):
        TRACES[0] += 1
        s0 = carry["step"]
        params = args["params"]
        props = [g.impl.propagators(p, plan.h) for g, p in zip(groups, params)]
        args = dict(args, props=props)
        rec0 = (jnp.zeros(ev_cap + rec_slice_cap, jnp.int64),
                jnp.zeros(ev_cap + rec_slice_cap, jnp.int64),
                jnp.zeros(ev_cap + rec_slice_cap), jnp.int64(0))
        samples0 = jnp.zeros((n_sample_rows + 1, plan.sample_gids.size))
        n_slices = (n_steps + D - 1) // D

        def one_slice(j, c):
            states, buf, cbuf, rec, samples, n_samp = c
            a = s0 + j * D
            n = jnp.minimum(D, n_steps - j * D)
            S = jnp.zeros((D, R))
            states, buf, cbuf, S, samples, n_samp = lax.fori_loop(
                0, n, lambda k, sc: update_step(k, sc, args, a, s0),
                (states, buf, cbuf, S, samples, n_samp))
            if sp["n_edges"]:
                buf = deliver_spikes(buf, S, a, args["spike"])
            buf, cbuf = deliver_generators(buf, cbuf, a, n, args)
            if n_rec:
                rec = record_spikes(S, n, rec, a, args)
            return states, buf, cbuf, rec, samples, n_samp

        init = (carry["states"], carry["buf"], carry["cbuf"], rec0, samples0, jnp.int32(0))
        states, buf, cbuf, rec, samples, n_samp = lax.fori_loop(0, n_slices, one_slice, init)
        out = dict(ev_step=rec[0], ev_row=rec[1], ev_mult=rec[2], n_ev=rec[3],
                   samples=samples, n_samples=n_samp)
        return dict(states=states, buf=buf, cbuf=cbuf, step=s0 + n_steps), out

    return jax.jit(chunk), steps_cap
