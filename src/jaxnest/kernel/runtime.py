"""Runs the compiled kernel for a Simulate call and brings its results back to the host.

Holds what persists between Simulate calls: the plan of the current structure, compiled chunk
functions (cached by structure signature, so value changes and ResetKernel + rebuild of the same
shape reuse them), the device copies of the edge arrays, and the ring buffers. Neuron state
lives on the host between calls (it is O(neurons)); the ring buffers stay on the device.

The compiled-function cache holds functions that close over a small
:class:`~jaxnest.kernel.plan.Static` only, so an old plan's (large) edge arrays are freed as
soon as the runtime lets go of the plan.
"""
from __future__ import annotations

import functools
import math
import sys
import threading
import time

import jax
import jax.numpy as jnp
import numpy as np

from ..devices.base import DeviceContext
from ..devices.chunks import status_key
from .. import errors, jaxenv, streams
from ..jaxenv import put
from ..streams import HostDraws
from ..devices.recorders import format_rows, in_window, on_sample_grid, write_ascii
from . import rng
from . import eprop_archive, eprop_history, neuromod, plastic, voltage_archive
from . import continuous, exec_cache, precise_host, shards, structural
from .engine import COUNTS, make_chunk_fn
from .packed import Packed, as_dict, as_packed
from .plan import Plan, build_plan

_COMPILED: dict[tuple, tuple] = {}   # (Static, slices_cap, ev_cap) -> (fn, steps_cap)
_KEEP_COMPILED = 12  # chunk functions kept, the most recently used: each executable maps
# ~2,000 memory regions, and a process that kept every one it compiled (NEST's
# test_issue_77: 50 models after ResetKernel) died at Linux's 65,530 (LLVM "Cannot allocate
# memory"); one evicted is loaded from the disk cache when needed again
_WARM: set = set()                    # keys of _COMPILED whose function has run (compiled)
_CHUNK_BYTES = 64 * 2**20           # bound on per-chunk inputs/outputs held on the device
_ARCHIVE_CHUNK = 4000  # steps per chunk at most where spike or voltage archives are kept: an
# archive ring holds what its connections may read from the chunk's start on (plastic.py), so
# shorter chunks need shorter rings, and a ring that overflows reruns its chunk; a
# Simulate(1000) in one chunk grew store_restore_network's rings to 512 entries, rerunning
# seconds of simulation at each growth (at most 4,000 steps: 128 entries)


class Runtime:
    """The execution side of one kernel instance (replaced by ResetKernel)."""

    def __init__(self) -> None:
        self.plan: Plan | None = None
        self.plan_key = None
        self.buf = None
        self.cbuf = None
        self.ev_cap = 0            # 0: not chosen yet (see _initial_ev_cap)
        self.edge_key = None       # the structure the plan's edge sets were built for
        self.dev = None            # (plan, device copies of its edge arrays)
        self.pg_args = None        # (poisson_generator settings, their device arguments)
        self.dev_small: dict = {}  # name -> (host value, device copy), see _put_again
        self.dev_sets = None       # (the plan's edge sets, their device copies): kept by a
        #                            plan that reuses them (device settings changed only)
        self.timings: dict = {}    # seconds spent in the parts of the last run()
        self.syn = None            # (plastic layouts, their per-edge state on the device)
        self.arch = None           # spike archives by gid (host), see plastic.new_archive
        self.arch_H = plastic.ARCHIVE_H
        self.arch_dev = None       # (rows' gids, the last run's spike archives on the
        #                            device): newer than arch until _sync_arch
        self.arch_rate = 0.0       # entries per step the busiest ring took in the last chunk
        self.arch_cv: dict = {}      # the value columns the archives hold (Plan.arch_cv)
        self.carch = None          # voltage archives by gid (host), see voltage_archive
        self.carch_dev = None      # (rows' gids, the last run's voltage archives on the
        #                            device): newer than carch until _sync_carch
        self.clop_H = voltage_archive.HIST_H
        self.pend = None           # (plan, spikes of the last slice run, not delivered yet)
        self.wr_cap = 4096         # weight recorders' events per chunk (grown on overflow)
        self.wr_sized = False      # wr_cap chosen for the recorded connections (_first_wr_cap)
        self.vt_host: dict = {}    # volume_transmitters' archives by gid (neuromod.to_host)
        self.vt_K = neuromod.VT_K  # their archive entries (grown on overflow)
        self.dev_states: dict = {}  # group name -> (_group_key, device state)
        self.dev_params: dict = {}  # group name -> (_group_key, device params)
        self.varied: set = set()    # (group name, parameter) once not shared by the group
        self.pcaps = dict(precise_host.CAPS)  # precise spike capacities (grown on overflow)
        self.pring = None          # (plan, event ring of the precise receivers)
        self.cont = None           # (plan, secondary input rings; kernel/continuous.py)
        self.held = None           # (plan, input frozen neurons hold; engine._held_input)
        self.port_w = {}           # group -> (gids, its per-connection ports' weights) last run
        self.chunk_key = None      # key of the chunk function last chosen (_compiled)

    # --- structure -----------------------------------------------------------------------
    def ensure_plan(self, kernel, defer: bool = False) -> Plan:
        """The plan of the current structure (built when the structure changed). ``defer``:
        the spike edges may be left unsorted (``plan.pending``), see :meth:`run`."""
        net, h = kernel.network, kernel.resolution
        float_type = kernel.settings["float_precision"]
        key = (net.version, net.conns.version, float_type)
        if self.plan is None or key != self.plan_key:
            t0 = time.perf_counter()
            edge_key = (net.version, net.conns.version, h, float_type,
                        precise_host.wanted(net))
            # device settings changed only (plan_key reset by SetStatus): keep the edge sets
            reuse = self.plan if self.plan is not None and edge_key == self.edge_key else None
            new = build_plan(net, h, reuse=reuse, defer=True, float_type=float_type,
                             synapses=kernel.synapse_entries(),
                             time_base=(kernel.tics_per_step, kernel.ms_per_tic),
                             min_delay=kernel.min_delay_steps(),
                             use_wfr=bool(kernel.settings["use_wfr"]),
                             wfr_order=int(kernel.settings["wfr_interpolation_order"]),
                             max_delay=kernel.delay_range()[1], prev=self.plan,
                             devices=shards.available(int(kernel.settings["local_num_threads"])))
            if reuse is None or new.spike is not reuse.spike:  # (reused: the same rows)
                self._relayout_buffers(new)
            self.plan, self.plan_key, self.edge_key = new, key, edge_key
            self.timings["plan_s"] = self.timings.get("plan_s", 0.0) + time.perf_counter() - t0
            self.timings["plan_parts"] = new.timings
        if net.frozen_ever:  # NEST's ring buffer length, whatever the plan's own
            self.plan.frozen_L = int(sum(kernel.delay_range()))
        if not defer and self.plan.pending is not None:
            t0 = time.perf_counter()
            self.plan.pending()
            self.timings["plan_s"] = self.timings.get("plan_s", 0.0) + time.perf_counter() - t0
        return self.plan

    def _relayout_buffers(self, new: Plan) -> None:
        """Carry pending ring-buffer events into a new layout (rows may move when nodes are
        created between Simulate calls).

        The ring buffers hold L + D rows of C x N (spike input) and N (current input): row
        ``step mod L`` for each step, plus a spare block. Events are pending for the steps
        [step, step + L - D) only: rows of the current block before ``step`` were read by a
        slice cut short by the end of the last run and are not cleared yet."""
        old = self.plan
        L, D, C, CC, N = new.L, new.D, new.C, new.CC, new.n_neurons
        buf = np.zeros((L + D, C, N), new.float_type)
        cbuf = np.zeros((L + D, CC, N), new.float_type)
        if old is not None and self.buf is not None and old.n_neurons:
            ob = np.asarray(self.buf).reshape(old.L + old.D, old.C, old.n_neurons)
            oc = np.asarray(self.cbuf).reshape(old.L + old.D, old.CC, old.n_neurons)
            gids = np.concatenate([g.gids for g in old.groups])
            rows_new = new.row_of[gids]
            for step in range(self._step, self._step + old.L - old.D):
                buf[step % L][: old.C][:, rows_new] = ob[step % old.L]
                cbuf[step % L][: old.CC][:, rows_new] = oc[step % old.L]
        self.buf = put(buf.ravel())
        self.cbuf = put(cbuf.ravel())

    # --- running -------------------------------------------------------------------------
    def run(self, kernel, n_steps: int) -> None:
        """Advance the network by ``n_steps`` steps from ``kernel.step``."""
        net = kernel.network
        self._step, self._n_steps = kernel.step, n_steps
        self.timings = {}
        plan = self.ensure_plan(kernel, defer=True)
        if self.vt_host:  # room for the archived dopamine spikes
            K = max(len(h["t"]) for h in self.vt_host.values())
            self.vt_K = max(self.vt_K, 2 ** math.ceil(math.log2(max(K, 1))))
        if self.arch is None and plan.arch_mask.any():  # the first archives
            self.arch_H = max(self.arch_H, plastic.first_length(net.size + 1))
        if plan.arch_mask.any():  # room for what the last chunks' rates would push
            self.arch_H = plastic.ahead_length(self.arch_H, self.arch_rate,
                                               min(n_steps, _ARCHIVE_CHUNK))
        if not self.wr_sized:  # (until connections with weight recorders run)
            self.wr_sized, self.wr_cap = _first_wr_cap(plan, self.wr_cap)
        plan.arch_H, plan.wr_cap, plan.vt_K = self.arch_H, self.wr_cap, self.vt_K
        if plan.clop_mask.size:
            self._ensure_clop(kernel, plan, net)
        plan.precise_caps = self.pcaps
        pend = self._pending(plan)
        fn, steps_cap = self._compiled(plan)
        carry = dict(states=self._states(plan, net, packed=True), buf=self.buf, cbuf=self.cbuf,
                     step=np.int64(kernel.step), pend=pend,
                     **self._plastic_carry(plan, net, kernel.step))
        if plan.precise is not None:  # the event ring and the last slice's off-grid spikes
            pend["P"] = precise_host.pending_list(plan, self.pend, pend, _match_rows)
            carry["precise"] = precise_host.ring_for(plan, self.pring, kernel.step)
        if plan.cont is not None:  # secondary input pending from the last run
            carry["cont"] = continuous.carry_for(plan, self.cont, kernel.step)
        if plan.frozen_L:
            carry["frozen"] = self._held_input(plan)
        if plan.pending is not None and self.chunk_key in _WARM:  # compiled: just sort
            t0 = time.perf_counter()
            plan.pending()
            self.timings["plan_s"] = self.timings.get("plan_s", 0.0) + time.perf_counter() - t0
        elif plan.pending is not None:
            self._finish_plan_while_compiling(plan, net, kernel, fn, carry, steps_cap)
        t0 = time.perf_counter()
        args = self._args(plan, net, kernel, packed=True)
        self.timings["args_s"] = time.perf_counter() - t0
        t_run = time.perf_counter()
        done = 0
        inputs_for = None
        progress = Progress(kernel, n_steps) if kernel.settings["print_time"] else None
        wr_cap = self.chunk_key[0].wr_cap  # the Static of _compiled(plan) above
        stop = n_steps  # a numerical instability ends the run early (NEST's slice start)
        most = _ARCHIVE_CHUNK if plan.arch_mask.any() or plan.clop_mask.size else n_steps
        ahead = None  # steps the carry is past ``done`` once a donating chunk took one
        try:
            while done < stop:
                todo = min(steps_cap, stop - done, progress.chunk if progress else n_steps, most)
                if done and plan.arch_mask.any() and self._archive_ahead(plan, carry, todo):
                    fn, steps_cap = self._compiled(plan)
                if inputs_for != done:  # once per chunk: devices may keep state across chunks
                    args.update(self._device_inputs(plan, net, kernel, kernel.step + done,
                                                    steps_cap, todo))
                    inputs_for = done
                if plan.shards > 1:  # inputs where the devices take them (kernel/shards.py)
                    carry, args = shards.place(plan.shards, carry, args)
                # a chunk that takes the carry's buffers gets a copy while its events may
                # outgrow their buffer (run again from the same carry, below)
                spare = fn.donates and plan.rec_rows.size * todo > self.ev_cap
                new, out = fn(_copy(carry) if spare else carry, args, np.int64(todo))
                if fn.donates and not spare:  # the carry given is gone
                    carry, ahead = new, todo
                _WARM.add(self.chunk_key)
                counts = _host_counts(out)  # one sync
                if self._grow(plan, carry, counts, todo, min(n_steps - done, steps_cap)):
                    fn, steps_cap = self._compiled(plan)  # one rerun for all that grew
                    continue
                if plan.arch_mask.any():
                    self.arch_rate = counts["arch_pushed"] / todo
                if counts["unstable_step"] >= 0 and stop == n_steps:  # run to its slice's start
                    stop = self._unstable_stop(kernel, counts["unstable_step"], done)
                    unstable = plan.groups[counts["unstable_group"]].name
                    if done + todo > stop:
                        continue
                t1 = time.perf_counter()
                self._collect(plan, net, kernel, out, counts, kernel.step + done, todo)
                if plan.device_samples:
                    self._device_samples(plan, net, kernel, kernel.step + done, todo)
                if wr_cap:
                    self._weight_records(net, kernel, out["wrec"])
                self.timings["collect_s"] = self.timings.get("collect_s", 0.0) \
                    + time.perf_counter() - t1
                kernel.local_spike_counter += counts["n_spikes"]
                carry, done, ahead = new, done + todo, ahead if ahead is None else 0
                if progress:
                    progress.show(done)
        except BaseException as e:  # an interrupt, an error in collecting
            if ahead is not None:  # the carry at the start is gone: keep the newest, with
                # its clock
                self.keep(plan, net, carry)
                e.steps_done = done + ahead
            raise
        self.keep(plan, net, carry)
        self._flush_samples(kernel, net, kernel.step + done)
        self.timings["run_s"] = time.perf_counter() - t_run
        if done < n_steps:
            e = errors.NumericalInstability(f"NEST detected a numerical instability while "
                                            f"updating {unstable}.")
            e.steps_done = done
            raise e

    def _grow(self, plan: Plan, carry: dict, counts: dict, todo: int, rest: int) -> bool:
        """Whether a chunk just run outgrew a buffer; if so, every buffer it outgrew is made
        larger (``carry`` refitted in place) so that one rerun of the same chunk from the same
        carry suffices (grown one per rerun, NEST's e-prop sine-waves example ran its first
        chunk four times: archives, weight records, events). A plastic chunk ends at its first
        overflow (``slices_run`` of ``slices``): its events, weight records and archive
        pushes so far are scaled to the whole chunk (at most 16x) and every buffer they
        would outgrow grows now.
        ``rest``: the steps the run may still take in chunks of this size."""
        grew = False
        ran, of = counts["slices_run"], counts["slices"]
        scale = min(of / ran, 16.0) if 0 < ran < of else 1.0
        if counts["vt_over"]:  # a dopamine archive ran full: longer ones
            self.vt_K = plan.vt_K = 2 * plan.vt_K
            carry["vt"] = neuromod.regrow(carry["vt"], self.vt_K)
            grew = True
        if plan.precise is not None and precise_host.grow(self.pcaps, [
                counts["precise_Q"], counts["precise_P"], counts["precise_K"]]):
            # a spike list, delivery or event ring overflowed: larger ones
            carry["precise"] = precise_host.fit_ring(carry["precise"], self.pcaps["K"])
            carry["pend"] = dict(carry["pend"], P=precise_host.fit_list(carry["pend"]["P"],
                                                                        self.pcaps["Q"]))
            grew = True
        if plan.plastic and (counts["overflow"] or scale > 1.0):
            grew |= self._longer_rings(plan, carry, counts)
        wr_cap = self.chunk_key[0].wr_cap
        if wr_cap and counts["n_wr"] * scale > plan.wr_cap:
            self.wr_cap = plan.wr_cap = 2 ** math.ceil(math.log2(counts["n_wr"] * scale * 1.25))
            grew = True
        n_ev = counts["n_ev"] * scale
        if n_ev > self.ev_cap:
            # room for the rest of the run at the rate just seen (state is functional: the
            # rerun is exact)
            need = n_ev * max(1.0, rest / max(todo, 1))
            self.ev_cap = 2 ** math.ceil(math.log2(need * 1.25))
            grew = True
        return grew

    def _longer_rings(self, plan: Plan, carry: dict, counts: dict) -> bool:
        """Longer archive rings for a chunk to be run again (``carry`` refitted): where one
        would drop an entry a connection may still read (``overflow``; all kinds grow, which
        one is not known) and, in a chunk that ended early, the spike archives that would
        at the rate they filled in the slices run. Whether any grew."""
        over = bool(counts["overflow"])
        spikes = plan.arch_mask.any() and (over or plastic.outgrown(
            np.asarray(carry["arch"]["count"]), self.arch_H, counts))
        if not (spikes or over):
            return False
        if spikes:
            self._regrow_archive(plan, carry, lambda host: plastic.longer_archive(host, counts))
        clop = carry["arch"].get("clop")
        if clop is not None and over:  # voltage and e-prop histories
            self.clop_H *= 4
            plan.clop_shape = (self.clop_H,) + tuple(plan.clop_shape[1:])
            host = jax.tree.map(np.asarray, clop)
            carry["arch"] = dict(carry["arch"], clop=jax.tree.map(put, voltage_archive.resize(
                host, self.clop_H, host["ub_plus"].shape[0], host["ub_idx"].size)))
        return True

    def _archive_ahead(self, plan: Plan, carry: dict, todo: int) -> bool:
        """Longer spike archive rings (``carry`` refitted) before a chunk of ``todo`` steps
        that the last chunk's rate would fill (plastic.ahead_length); whether they grew."""
        H = plastic.ahead_length(self.arch_H, self.arch_rate, todo)
        if H == self.arch_H:
            return False
        self._regrow_archive(plan, carry, lambda host: H)
        return True

    def _regrow_archive(self, plan: Plan, carry: dict, length) -> None:
        """The carry's spike archives in rings of ``length(host copy)`` entries, H noted;
        only they go to the host and back (the voltage archives stay as they are)."""
        arch = dict(carry["arch"])
        clop = arch.pop("clop", None)
        host = jax.tree.map(np.asarray, arch)
        self.arch_H = plan.arch_H = length(host)
        arch = jax.tree.map(put, plastic.regrow(host, self.arch_H))
        carry["arch"] = arch if clop is None else dict(arch, clop=clop)

    @staticmethod
    def _unstable_stop(kernel, step: int, done: int) -> int:
        """Where a run with a numerical instability in ``step`` ends, in steps from its start
        (``done`` of them run and collected): NEST raises after the min_delay slice (aligned
        to multiples of min_delay) without advancing its clock, so the run ends where that
        slice starts, with the samples and spikes of the slices before it."""
        D = kernel.min_delay_steps()
        return max((step // D) * D - kernel.step, done)

    def keep(self, plan: Plan, net, carry) -> None:
        """Take a run's final carry as the network's state: the next run starts from it."""
        self.buf, self.cbuf = carry["buf"], carry["cbuf"]
        if plan.precise is not None:
            self.pring = (plan, carry["precise"])
        if plan.cont is not None:
            self.cont = (plan, carry["cont"])
        if plan.frozen_L:
            self.held = (plan, carry["frozen"])
        self._store_states(plan, net, carry["states"])
        self._store_plastic(plan, net, carry)

    def _finish_plan_while_compiling(self, plan, net, kernel, fn, carry, steps_cap) -> None:
        """Sort the spike edges (numpy, which releases the GIL) while another thread traces
        and compiles the chunk function for their known shapes (XLA, which releases it too);
        the run then finds the compiled code in jax's caches. Without a pending compilation
        (cached already) this is just ``plan.pending()``."""
        t0 = time.perf_counter()
        args = self._args(plan, net, kernel, abstract_spikes=True, packed=True)
        for key, n in (("sg_input", plan.sg_gids.size), ("cg_input", plan.cg_gids.size)) + (
                (("rg_input", _rate_rows(plan)),) if plan.cont is not None else ()):
            args[key] = jax.ShapeDtypeStruct((steps_cap, n), plan.float_type)
        if plan.precise is not None and plan.precise["n_dev"]:
            args["precise_dev"] = precise_host.abstract_device_events(self.pcaps,
                                                                      plan.float_type)
        n = jax.ShapeDtypeStruct((), jnp.int64)
        if plan.shards > 1:
            carry, args = shards.place(plan.shards, carry, args)

        def compile_ahead():
            try:
                with jaxenv.scope():  # JAX's x64 setting is per thread: float64 here too
                    fn.compile_ahead(carry, args, n)
            except Exception:  # noqa: BLE001 - the real call reports any error
                pass

        worker = threading.Thread(target=compile_ahead, name="jaxnest-compile", daemon=True)
        worker.start()
        try:
            plan.pending()
        finally:
            worker.join()
        self.timings["plan_s"] = self.timings.get("plan_s", 0.0) + time.perf_counter() - t0

    def _compiled(self, plan: Plan):
        per_step = 8 * (plan.sg_gids.size + plan.cg_gids.size
                        + plan.sample_gids.size / max(plan.sample_period, 1))
        slices_cap = max(1, min(4096, int(_CHUNK_BYTES / max(per_step * plan.D, 1))))
        slices_cap = 2 ** int(math.log2(slices_cap))
        if not self.ev_cap:
            self.ev_cap = _initial_ev_cap(plan.rec_rows.size, slices_cap * plan.D)
        key = self.chunk_key = (plan.static(), slices_cap, self.ev_cap)
        found = _COMPILED.pop(key, None)
        if found is None:
            donates = _donates(key[0])
            jitted, steps_cap = make_chunk_fn(key[0], slices_cap, self.ev_cap, donate=donates)
            found = (exec_cache.ChunkFn(jitted, exec_cache.key_of(*key), donates),
                     steps_cap)
        _COMPILED[key] = found  # the most recent last
        while len(_COMPILED) > _KEEP_COMPILED:
            _WARM.discard(next(iter(_COMPILED)))
            del _COMPILED[next(iter(_COMPILED))]
        return found

    def _held_input(self, plan: Plan) -> dict:
        """The input frozen neurons hold (engine._held_input), in this plan's rows: slot by
        slot from the last plan's (new neurons hold none; a slot count changed with the
        delays keeps the slots both have, as NEST's resized ring buffers do)."""
        if self.held is not None and self.held[0] is plan:
            return self.held[1]
        L, N, ft = plan.frozen_L, plan.n_neurons, plan.float_type
        held = {"x": np.zeros((L, plan.C, N), ft), "i": np.zeros((L, plan.CC, N), ft)}
        if self.held is not None:
            old, values = self.held
            rows = plan.row_of[np.concatenate([g.gids for g in old.groups])]
            for k, v in values.items():
                v = np.asarray(v)
                n_slots, n_ch = min(L, v.shape[0]), min(held[k].shape[1], v.shape[1])
                held[k][:n_slots, :n_ch][:, :, rows] = v[:n_slots, :n_ch]
        return {k: put(v) for k, v in held.items()}

    # --- host <-> device -----------------------------------------------------------------
    def _plastic_carry(self, plan: Plan, net, step: int) -> dict:
        """Per-edge state of the plastic sets (kept on the device while the plan lasts), the
        archives of the plan's neurons and its volume_transmitters (host copies by gid
        between runs)."""
        out = {}
        if plan.vt_gids.size:
            out["vt"] = neuromod.to_device(self.vt_host, plan.vt_gids, plan.vt_K, plan.L, step,
                                           plan.float_type)
        if plan.plastic:
            if self.syn is None or self.syn[0] is not plan.plastic:
                self.syn = (plan.plastic, [plastic.device_state(x) for x in plan.plastic])
            out["syn"] = self.syn[1]
        if plan.arch_mask.any():
            gids = plan.row_gids[:plan.n_neurons]
            kept = self.arch_dev
            if kept is not None and np.array_equal(kept[0], gids) \
                    and kept[1]["t"].shape[0] == self.arch_H and plan.arch_cv == self.arch_cv:
                out["arch"] = dict(kept[1])  # the same rows, rings and columns: as run
            else:
                self._sync_arch()
                self._ensure_archive(net.size + 1, plan.arch_cv, step)
                out["arch"] = {k: put(v[..., gids]) for k, v in self.arch.items()}
        if plan.clop_mask.size:
            gids = plan.row_gids[:plan.n_neurons]
            kept = self.carch_dev
            if kept is not None and np.array_equal(kept[0], gids):  # the same rows: as run
                clop = kept[1]
            else:
                self._sync_carch()
                clop = {k: put(v[..., gids]) for k, v in self.carch.items()}
            out.setdefault("arch", {})["clop"] = clop
        return out

    def host_archive(self) -> dict | None:
        """The spike archives by gid on the host, brought up to the last run's."""
        self._sync_arch()
        return self.arch

    def _sync_arch(self) -> None:
        """The host's spike archives brought up to the last run's, which stay on the device
        while runs follow on the same rows (Brunel order 2500 with stdp_synapse: 10 MB of
        rings, ~7 ms per Simulate copied out and back)."""
        if self.arch_dev is None:
            return
        gids, arch = self.arch_dev
        self.arch_dev = None
        H = arch["t"].shape[0]
        if self.arch["t"].shape[0] != H:  # the run grew the rings
            self.arch = plastic.regrow(self.arch, H)
        for k, v in arch.items():
            self.arch[k][..., gids] = np.asarray(v)

    def _sync_carch(self) -> None:
        """The host's voltage archives brought up to the last run's, which stay on the device
        while runs follow on the same rows (a few MB per ring: copying them out and back took
        ~0.1 s per Simulate in urbanczik_synapse_example)."""
        if self.carch_dev is None:
            return
        gids, clop = self.carch_dev
        self.carch_dev = None
        if self.carch["ltp_t"].shape[0] != self.clop_H:  # the run grew the ring
            self.carch = voltage_archive.resize(self.carch, self.clop_H,
                                                self.carch["ub_plus"].shape[0],
                                                self.carch["ub_idx"].size)
        for k, v in clop.items():
            self.carch[k][..., gids] = np.asarray(v)

    def _clop_fits(self, n: int, ub, eprop: bool) -> bool:
        """Whether the voltage archives serve a run as they are: rows, rings and delayed
        u_bar lengths unchanged (:meth:`_ensure_clop` changes nothing)."""
        c = self.carch
        return (c is not None and (not eprop or "ep_t" in c) and c["ub_idx"].size == n
                and c["ub_plus"].shape[0] >= ub.max(initial=0)
                and c["ltp_t"].shape[0] == self.clop_H
                and not np.any((c["ub_len"] == 0) & (ub > 0)))

    def _ensure_clop(self, kernel, plan: Plan, net) -> None:
        """Clopath archives for every node (host, by gid), sized as NEST sizes them at a
        node's first Simulate: LTD ring max_delay + 1 steps, delayed u_bars
        delay_u_bars (in steps) + 1; ``plan.clop_shape``."""
        n = net.size + 1
        ub = np.zeros(n, np.int32)
        for g in plan.groups:
            if voltage_archive.is_archiver(g.impl, "clopath"):
                d = np.broadcast_to(net.neurons[g.name].current()[0]["delay_u_bars"], (g.n,))
                ub[g.gids] = [kernel.delay_steps(float(x)) + 1 for x in d]
        n_ltd = kernel.delay_range()[1] + 1
        eprop = "eprop" in plan.clop_kinds  # e-prop history rings (kernel/eprop_archive.py)
        if "urbanczik" in plan.clop_kinds:  # long rings at once, not after reruns
            self.clop_H = max(self.clop_H, voltage_archive.URBANCZIK_H)
        if eprop and any(eprop_archive.is_bsshslm(g.impl) for g in plan.groups):
            # bsshslm histories hold an update interval (+ the signals' delays): rings that
            # fit it at once (NEST's lemniscate example grew 256 -> 1,024 -> 4,096 entries in
            # two reruns of its first chunk; 2,048 fit its interval of 1,258 steps)
            U = kernel.steps_of(kernel.settings["eprop_update_interval"])
            self.clop_H = max(self.clop_H, 1 << math.ceil(math.log2(U + 16)))
        if not self._clop_fits(n, ub, eprop):
            self._sync_carch()
        if self.carch is None:
            self.carch = voltage_archive.new_archive(self.clop_H, n_ltd, int(ub.max(initial=1)),
                                                     n, eprop)
        elif eprop and "ep_t" not in self.carch:  # e-prop synapses since the last run
            rings = eprop_archive.new_rings(self.carch["ltp_t"].shape[0],
                                            self.carch["ub_idx"].size)
            self.carch = voltage_archive.resize(dict(self.carch, **rings), self.clop_H,
                                                int(ub.max(initial=1)),
                                                max(n, self.carch["ub_idx"].size))
        elif (self.carch["ub_idx"].size < n or self.carch["ub_plus"].shape[0] < ub.max()
              or self.carch["ltp_t"].shape[0] != self.clop_H):
            self.carch = voltage_archive.resize(self.carch, self.clop_H, int(ub.max(initial=1)),
                                                max(n, self.carch["ub_idx"].size))
        fresh = self.carch["ub_len"] == 0  # rows not run yet: their rings are sized now
        self.carch["ub_len"][fresh] = ub[fresh]
        plan.clop_shape = (self.clop_H, self.carch["ltd_t"].shape[0],
                           self.carch["ub_plus"].shape[0])

    def _pending(self, plan: Plan) -> dict:
        """The spikes of the last slice run, not delivered yet (NEST delivers them at the
        start of the next slice), in this plan's rows; sets ``plan.pend_D``, their rows.

        The slice a run ended inside continues in the next run (``cont``) unless the slice
        length changed (new delays): then the spikes are delivered first, as a whole."""
        old = self.pend
        if old is not None and old[0] is plan:
            plan.pend_D = old[1]["S"].shape[0]
            return old[1]
        if old is None or not bool(old[1]["on"]):
            plan.pend_D = plan.D
            out = {"S": put(np.zeros((plan.D, plan.n_rows), plan.float_type)),
                   "A": put(0, np.int64), "on": put(False, bool), "cont": put(False, bool)}
            if plan.payload is not None:  # spike payloads (kernel/payload.py)
                out["O"] = put(np.zeros((plan.D, plan.n_rows), plan.float_type))
            return out
        o_plan, o = old
        if o_plan.D == plan.D and ("O" in o) == (plan.payload is not None) \
                and np.array_equal(o_plan.row_gids, plan.row_gids):
            plan.pend_D = o["S"].shape[0]  # the same rows (a device's SetStatus): as they are
            return o
        oS = np.asarray(o["S"])
        used = int(np.flatnonzero(oS.any(axis=1)).max(initial=-1)) + 1
        plan.pend_D = max(plan.D, used)
        new_rows, old_rows = _match_rows(plan, o_plan)
        out = {"A": o["A"], "on": put(True, bool),
               "cont": put(bool(o["cont"]) and o_plan.D == plan.D, bool)}
        for key in ("S", "O") if plan.payload is not None else ("S",):
            new = np.zeros((plan.pend_D, plan.n_rows), plan.float_type)
            if key in o:
                new[:used, new_rows] = np.asarray(o[key])[:used, old_rows]
            out[key] = put(new)
        return out

    def _ensure_archive(self, n: int, values: dict | None = None, step: int = 0) -> None:
        """Archives for n nodes, ring length arch_H; ``values``: the value columns a plan
        needs (Plan.arch_cv; ``step`` the next step to run)."""
        if self.arch is None:
            self.arch = plastic.new_archive(self.arch_H, n)
        if self.arch["t"].shape[0] != self.arch_H:
            self.arch = plastic.regrow(self.arch, self.arch_H)
        size = self.arch["count"].size
        if n > size:  # nodes were created: archives for them
            more = plastic.new_archive(self.arch_H, n - size)
            for k, v in self.arch.items():  # value columns: none kept, no entry noted
                if k not in more:
                    more[k] = np.full(v.shape[:-1] + (n - size,), -1 if k == "cv_line" else 0,
                                      v.dtype)
            self.arch = {k: np.concatenate([v, more[k]], axis=-1) for k, v in self.arch.items()}
        if values is not None and values != self.arch_cv:
            self.arch = plastic.fit_values(self.arch, values, self.arch_cv, step)
            self.arch_cv = dict(values)

    def _store_plastic(self, plan: Plan, net, carry) -> None:
        self.pend = (plan, carry["pend"])
        if "vt" in carry:
            self.vt_host.update(neuromod.to_host(carry["vt"], plan.vt_gids, plan.L,
                                                 int(carry["step"])))
        if plan.plastic:
            self.syn = (plan.plastic, carry["syn"])
            net.conns.defer(functools.partial(plastic.write_back, plan.plastic, carry["syn"],
                                              net.conns))
        if "arch" in carry:
            gids = plan.row_gids[:plan.n_neurons]
            arch = dict(carry["arch"])
            clop = arch.pop("clop", None)
            if clop is not None:  # kept on the device (see _sync_carch)
                self.carch_dev = (gids.copy(), clop)
            if arch:  # the same (see _sync_arch)
                self.arch_dev = (gids.copy(), arch)

    def _states(self, plan: Plan, net, packed: bool = False) -> list:
        """Group states on the device (the last run's, while the host has not touched them);
        vector hidden state (n, width) -> (channels, n). ``packed``: each group's as a
        Packed (the runtime's own chunk calls), else as a dict (batched runs, tangents)."""
        out = []
        for g in plan.groups:
            st = net.neurons[g.name]
            kept = self.dev_states.get(g.name)
            if kept is not None and kept[0] == _group_key(st, g, plan):
                out.append(as_packed(kept[1]) if packed else as_dict(kept[1]))
                continue
            params, state, hidden = st.current()
            widths = g.impl.hidden_widths(params, plan.h)  # SetStatus may change them
            host = _host_float({k: _fit(v, widths.get(k, g.C)).T if v.ndim == 2 else v
                                for k, v in {**state, **hidden}.items()}, plan.float_type)
            # small states go to the chunk call as they are: its dispatch copies them (~5 us
            # a value; a device_put costs ~30 us a value), and its results stay on the device
            # for the next run
            if packed:
                host = Packed.of(host)
            out.append(host if _nbytes(host) <= _STACK_BYTES else jax.device_put(host))
        return out

    def _store_states(self, plan: Plan, net, states) -> None:
        """Leave the new states on the device; the stores fetch them when the host reads."""
        for g, s in zip(plan.groups, states):
            st = net.neurons[g.name]
            names = (list(g.impl.state), list(g.impl.store_hidden))
            st.defer(lambda s=s, names=names: _host_states(s, *names))
            self.dev_states[g.name] = (_group_key(st, g, plan), s)

    def _edge_args(self, plan: Plan, abstract_spikes: bool = False) -> dict:
        """Device copies of the plan's edge arrays, made once per plan (not per Simulate).
        ``abstract_spikes``: shapes only for the spike edge arrays (not sorted yet)."""
        if self.dev is not None and self.dev[0] is plan and not abstract_spikes:
            return self.dev[1]
        out = {}
        sp = plan.spike
        if sp["n_edges"] and abstract_spikes:
            it = jnp.int64 if sp["idx64"] else jnp.int32
            out["spike"] = dict(seg_first=put(sp["seg_first"]),
                                nseg=put(sp["nseg"]),
                                off=jax.ShapeDtypeStruct((sp["size"],), it),
                                w=jax.ShapeDtypeStruct((sp["size"],), plan.float_type))
            if plan.signed:
                out["spike"]["flip"] = jax.ShapeDtypeStruct((sp["size"],), it)
            if sp["decode"]:
                out["spike"]["dec"] = jax.ShapeDtypeStruct((sp["size"],), bool)
        out.update(self._edge_sets(plan, abstract_spikes))
        out["rec_rows"] = self._put_again("rec_rows", plan.rec_rows.astype(np.int32))
        if plan.precise is not None:
            out.update(precise_host.device_args(plan))
        out["sample_idx"] = [self._put_again(("sample_idx", j), i)
                             for j, (_, _, i) in enumerate(plan.samples)]
        if not abstract_spikes:
            self.dev = (plan, out)
        return out

    def _put_again(self, name, value: np.ndarray):
        """``value`` on the device, the last copy of ``name`` where it is equal (a plan
        rebuilt for a device's SetStatus wires its recorders as before)."""
        kept = self.dev_small.get(name)
        if kept is None or not np.array_equal(kept[0], value) or kept[0].dtype != value.dtype:
            kept = self.dev_small[name] = (value, put(value))
        return kept[1]

    def _edge_sets(self, plan: Plan, abstract_spikes: bool) -> dict:
        """Device copies of the edge sets (spike, poisson, current, payload, secondary),
        the same as the last plan's where it reused them (a SetStatus of a device rebuilds
        the plan, not its edges)."""
        sp, pe, ce = plan.spike, plan.poisson, plan.current
        sets = (sp, pe, ce, plan.payload, plan.cont)
        if not abstract_spikes and self.dev_sets is not None and all(
                a is b for a, b in zip(sets, self.dev_sets[0])):
            return self.dev_sets[1]
        out = {}
        if sp["n_edges"] and not abstract_spikes:
            out["spike"] = {k: put(sp[k]) for k in ("seg_first", "nseg", "off", "w",
                                                    "flip", "dec") if k in sp}
        if pe["n_edges"]:
            out["poisson"] = dict(gen=put(pe["gen"]),
                                  hidx=put(pe["hidx"].astype(np.uint64)),
                                  w=put(pe["w"]))
            if pe["dense"]:
                out["poisson"].update(lo=put(pe["lo"], np.int32), d0=put(pe["d0"], np.int32))
            else:
                out["poisson"].update(tgt=put(pe["tgt"]), d=put(pe["d"]))
        if ce["n_edges"]:
            out["current"] = {k: put(ce[k]) for k in ("row", "tgt", "w", "d")}
        if plan.payload is not None and plan.payload["n_edges"]:
            out["payload"] = {k: put(plan.payload[k])
                              for k in ("seg_first", "nseg", "off", "w")}
        if plan.cont is not None:
            out["cont"] = continuous.edge_args(plan.cont)
        if not abstract_spikes:
            self.dev_sets = (sets, out)
        return out

    def _args(self, plan: Plan, net, kernel, abstract_spikes: bool = False,
              packed: bool = False) -> dict:
        """The chunk's arguments; ``packed``: each group's parameters as one Packed (the
        runtime's own calls), else as dicts (batched runs, tangents)."""
        h = kernel.resolution
        args = dict(
            params=[self._group_params(plan, g, net, packed) for g in plan.groups],
            keys=_stream_keys(kernel.rng_seed),
            **self._edge_args(plan, abstract_spikes),
        )
        if plan.plastic:
            rows = functools.partial(_row_values, plan, net)
            recorded = functools.partial(_recorded_lanes, net)
            args["plastic"] = [plastic.device_args(x, rows, recorded) for x in plan.plastic]
        if plan.arch_mask.any():
            args["archive"] = self._archive_args(plan, net)
        if plan.clop_mask.size:
            consts = voltage_archive.target_constants(
                plan.groups, lambda g: net.neurons[g.name].current()[0], plan.n_neurons)
            args["clop"] = {"mask": put(plan.clop_mask),
                            "consts": {k: put(v) for k, v in consts.items()}}
        if plan.vt_gids.size:
            args["vt"] = self._vt_args(plan, net)
        if plan.cont is not None:  # waveform relaxation settings: values, not structure
            args["cont"] = dict(args["cont"], tol=put(kernel.settings["wfr_tol"], np.float64),
                                max_iter=put(kernel.settings["wfr_max_iterations"], np.int32),
                                run=put([kernel.step, kernel.step + self._n_steps], np.int64))
        if plan.poisson["n_edges"]:
            args.update(self._poisson_args(plan, net, h))
        if plan.frozen_L:
            frozen = np.zeros(plan.n_neurons, bool)
            gids = np.fromiter(net.frozen, np.int64, len(net.frozen))
            frozen[plan.row_of[gids[gids < plan.row_of.size]]] = True
            args["frozen"] = put(frozen)
        return args

    def _poisson_args(self, plan: Plan, net, h: float) -> dict:
        """The poisson_generators' windows and count tables on the device, made again only
        when their settings changed (four transfers and the tables at every Simulate)."""
        status = [net.devices[int(g)].status for g in plan.pg_gids]
        key = (h, tuple((s["rate"], s["origin"], s["start"], s["stop"]) for s in status))
        if self.pg_args is None or self.pg_args[0] != key:
            lo, hi = _windows(status, h)
            thr, c0 = poisson_thresholds(
                _poisson_cdf(np.array([s["rate"] for s in status]) * h / 1000.0))
            self.pg_args = (key, dict(pg_lo=put(lo), pg_hi=put(hi), pg_thr=put(thr),
                                      pg_c0=put(c0)))
        return self.pg_args[1]

    def _params(self, plan: Plan, g, store, packed: bool = False):
        """A group's parameters on the device (kept while the host has not touched them):
        one Packed (``packed``: the runtime's own chunk calls, which then need no compiled
        split of stacked values, ~0.1 s to compile in every new process), else a dict."""
        kept = self._host_params(plan, g, store)
        if kept[2 + packed] is None:
            kept[2 + packed] = (jax.device_put(Packed.of(kept[1])) if packed
                                else _device_dict(kept[1]))
        return kept[2 + packed]

    def _host_params(self, plan: Plan, g, store) -> list:
        """[key, the group's parameters on the host as the chunk takes them, their dict
        and their Packed on the device once made]."""
        key = _group_key(store, g, plan, params=True)
        kept = self.dev_params.get(g.name)
        if kept is None or kept[0] != key:
            params = store.current()[0]
            ports = g.impl.ports()
            host = _host_float({k: _vector_arg(v, g.impl.vector_params[k],
                                               g.C if k in ports else v.shape[1], k in ports)
                                if k in g.impl.vector_params else self._column(g.name, k, v)
                                for k, v in params.items()}, plan.float_type)
            kept = self.dev_params[g.name] = [key, host, None, None]
        return kept

    def _group_params(self, plan: Plan, g, net, packed: bool = False):
        """A group's parameters on the device, with its ports' weights where it has
        per-connection ports."""
        if not g.impl.connection_ports:
            return self._params(plan, g, net.neurons[g.name], packed)
        w = _host_float({"port_weight": self._port_weights(plan, g, net)}, plan.float_type)
        host = dict(self._host_params(plan, g, net.neurons[g.name])[1], **w)
        return jax.device_put(Packed.of(host)) if packed else _device_dict(host)

    def _port_weights(self, plan: Plan, g, net) -> np.ndarray:
        """(C, n) weights of a group's per-connection ports (NeuronModel.connection_ports;
        0 where none). NEST takes a port's weight from its first spike and raises when a
        later spike brings another: here a weight changed since a run is refused."""
        w = np.zeros((g.C, g.n))
        conns = net.conns
        idx = conns.ports_into(g.gids, g.impl.connection_ports)
        w[conns.take("receptor", idx) - 1, plan.row_of[conns.take("target", idx)] - g.offset] = \
            conns.take("weight", idx)
        if g.name in self.port_w:  # the neurons of the last run (gids ascending)
            gids, last = self.port_w[g.name]
            old = np.isin(g.gids, gids)
            was = last[:g.C, np.isin(gids, g.gids)]
            now = w[:was.shape[0], old]
            if np.any((was != now) & (was != 0)):
                raise errors.KernelException(f"{g.impl.name} requires constant weights.")
        self.port_w[g.name] = (g.gids, w)
        return w

    def _column(self, group: str, name: str, v: np.ndarray) -> np.ndarray:
        """A parameter column as the kernel takes it: a scalar while the group shares the
        value (less memory traffic per step), the array from the first run where it does
        not on (scripts that set one neuron's value and reset it every run would otherwise
        switch between two executables every run)."""
        v = np.asarray(v)
        if (group, name) not in self.varied and v.ndim == 1 and v.size and (v == v[0]).all():
            return v[0]
        if v.ndim == 1:
            self.varied.add((group, name))
        return v

    def _archive_args(self, plan: Plan, net) -> dict:
        """Which rows archive, and their trace time constants' inverses (NEST's
        tau_minus_inv_), one value per neuron row."""
        def inv(key):
            return 1.0 / _row_values(plan, net, key)
        return {"mask": put(plan.arch_mask), "tau_minus_inv": put(inv("tau_minus")),
                "tau_minus_triplet_inv": put(inv("tau_minus_triplet"))}

    def _vt_args(self, plan: Plan, net) -> dict:
        """Edges into the volume_transmitters and their delivery periods (steps: NEST's
        deliver_interval min_delay slices; the plan's slices are min_delay long)."""
        di = np.array([net.devices[int(g)].status["deliver_interval"] for g in plan.vt_gids])
        if np.any(di < 1):  # NEST crashes (division by zero) or fails to reserve memory
            raise errors.BadProperty("deliver_interval must be a positive number of "
                                     "min_delay slices.")
        e = plan.vt_edges
        return {"src": put(e["src"]), "vt": put(e["vt"]),
                "d": put(e["d"]), "period": put(di.astype(np.int64) * plan.D)}

    def _device_inputs(self, plan: Plan, net, kernel, step0: int, steps_cap: int,
                       todo: int) -> dict:
        """The chunk's host-computed device inputs, dense (steps, rows): spike multiplicities
        of the device spike rows (``sg_input``) and currents of the current rows
        (``cg_input``), each device filling its rows through its model's hook. Only the
        ``todo`` steps the chunk runs are computed (the rest of the compiled chunk's capacity
        is zeros): a short Simulate does not pay for the capacity, and devices with a state
        resume exactly where the chunk ended."""
        steps = step0 + np.arange(todo, dtype=np.int64)
        out, events = {}, []
        rates = ()  # rate_source devices (kernel/continuous.py): only with that phase
        if plan.cont is not None:
            rg = plan.cont["dev_gids"]
            rates = (("rg_input", rg, np.full(rg.size, -1), "rates"),)
        for key, gids, conn, hook in (("sg_input", plan.sg_gids, plan.sg_conn, "spikes"),
                                      ("cg_input", plan.cg_gids, plan.cg_conn, "current"),
                                      ) + rates:
            if not gids.size:
                out[key] = _empty(steps_cap, plan.float_type)
                continue
            inp = np.zeros((steps_cap, gids.size), plan.float_type)
            shared = {}  # computed together: (model, status) -> [(columns, context, device)]
            for gid, cols in _columns_of(gids):
                dev = net.devices[gid]
                ctx = DeviceContext(h=kernel.resolution, gid=gid, conns=conn[cols],
                                    draws=HostDraws(kernel.rng_seed, gid), state=dev.state,
                                    min_delay_steps=kernel.min_delay_steps(),
                                    run_start=self._step, tics_per_ms=kernel.tics_per_ms)
                impl = dev.entry.impl
                spike_events = getattr(impl, "spike_events", None)
                if key == "sg_input" and plan.precise is not None and spike_events is not None:
                    # off-grid spikes: each event with its offset; grid targets read the sums
                    ev = spike_events(dev.status, steps, ctx)
                    inp[:, cols] = precise_host.dense(ev, steps_cap, cols.size)
                    events.append((ev[1], plan.n_neurons + cols[ev[0]], ev[2], ev[3]))
                    continue
                if key == "sg_input" and getattr(impl, "spikes_many", None) is not None:
                    shared.setdefault((impl.name, status_key(dev.status)), []).append(
                        (cols, ctx, dev))
                    continue
                inp[:todo, cols] = getattr(impl, hook)(dev.status, steps, ctx)
            for group in shared.values():
                dev = group[0][2]
                outs = dev.entry.impl.spikes_many(dev.status, steps, [c for _, c, _ in group])
                inp[:todo, np.concatenate([cols for cols, _, _ in group])] = \
                    np.concatenate(outs, axis=1)
            out[key] = put(inp)
        if plan.precise is not None and plan.precise["n_dev"]:
            out["precise_dev"] = precise_host.device_events(events, plan.float_type,
                                                            self.pcaps)
        return out

    # --- recordings ----------------------------------------------------------------------
    def _collect(self, plan: Plan, net, kernel, out, counts, step0: int, n_steps: int) -> None:
        h = kernel.resolution
        n_ev, n_samp = int(counts["n_ev"]), int(counts["n_samples"])
        if not (n_ev or n_samp or plan.pg_records or net.all_spikes):
            return  # nothing recorded in this chunk

        def events(key):  # a chunk without events fetches none of its (ev_cap) arrays
            return np.asarray(out[key])[:n_ev] if n_ev else np.zeros(0, out[key].dtype)
        steps = step0 + events("ev_step").astype(np.int64)
        rows = plan.rec_rows[events("ev_row")]
        mult = np.maximum(np.rint(np.abs(events("ev_mult"))).astype(np.int64), 1)
        offs = events("ev_off") if "ev_off" in out else np.zeros(n_ev)
        steps, rows, offs = np.repeat(steps, mult), np.repeat(rows, mult), np.repeat(offs, mult)
        senders = plan.row_gids[rows]
        from_pg = self._poisson_records(plan, net, kernel, step0, n_steps)
        if n_samp:
            samples = np.asarray(out["samples"])[:n_samp]
            first = ((step0 // plan.sample_period) + 1) * plan.sample_period
            sample_steps = first + plan.sample_period * np.arange(n_samp)
        if net.sp_tracking:  # structural plasticity: calcium
            structural.on_spikes(kernel, senders, kernel.ms_of_steps(steps + 1) - offs)
        if net.eprop_counts is not None:
            net.eprop_counts.run(steps, senders, step0 + n_steps)
        routed = _route_spikes(plan, rows)
        for gid, nodes in plan.recorders.items():
            dev = net.devices[gid]
            if dev.entry.impl.kind == "spike_recorder" and (gid in routed or gid in from_pg):
                sel, ports = routed.get(gid, (np.zeros(0, np.int64), np.zeros(0, np.int64)))
                st, se, of = steps[sel], senders[sel], offs[sel]
                if gid in from_pg:
                    st, se = np.r_[st, from_pg[gid][0]], np.r_[se, from_pg[gid][1]]
                    ports = np.r_[ports, np.zeros(from_pg[gid][0].size, np.int64)]
                    of = np.r_[of, np.zeros(from_pg[gid][0].size)]
                # NEST's order: by min_delay slice, then sender, then time
                order = np.lexsort((-of, st, se, st // kernel.min_delay_steps()))
                st, se, ports, of = st[order], se[order], ports[order], of[order]
                stamps = kernel.ms_of_steps(st + 1)
                times = stamps - of  # off-grid spikes: stamp - offset, as NEST records them
                receive = getattr(dev.entry.impl, "receive", None)
                if receive is not None:  # a device that computes from the spikes it gets
                    receive(dev.status, dev.state, dict(senders=se, steps=st, times=times,
                                                        receptors=ports), h)
                    continue
                keep = in_window(stamps, dev.status)  # NEST's window: on the stamp
                cols = {"senders": se[keep], "times": times[keep]}
                if "ev_off" in out:
                    cols["offsets"] = of[keep]
                self._emit(kernel, dev, cols, [])
            elif dev.entry.impl.kind == "sampler" and n_samp and nodes.size:
                if net.frozen:  # NEST samples in a node's update, which a frozen one skips
                    nodes = nodes[~np.isin(nodes, list(net.frozen))]
                rows = on_sample_grid(sample_steps, dev.status, h)  # window: when handed
                keys = list(dev.status["record_from"])
                cols = np.isin(plan.sample_gids, nodes)
                times = kernel.ms_of_steps(sample_steps[rows])
                n_t, n_n = times.size, int(nodes.size)
                block = {"senders": np.tile(nodes, n_t), "times": np.repeat(times, n_n),
                         "_step": np.repeat(sample_steps[rows], n_n)}
                for var in keys:  # columns in node order (groups interleave node ids)
                    c = np.flatnonzero(cols & (np.array(plan.sample_vars) == var))
                    c = c[np.argsort(plan.sample_gids[c], kind="stable")]
                    block[var] = samples[rows][:, c].ravel()
                if eprop_history.RECORDABLE in keys and net.eprop_counts is not None:
                    block[eprop_history.RECORDABLE] = h * net.eprop_counts.take(
                        block["senders"], block["_step"])
                dev.pending.append(block)

    def _device_samples(self, plan: Plan, net, kernel, step0: int, n_steps: int) -> None:
        """Multimeters sampling devices (a generator's rate or current): the device's
        ``sample`` hook gives the values at the sample stamps of this chunk."""
        h = kernel.resolution
        stamps = step0 + 1 + np.arange(n_steps, dtype=np.int64)
        for gid, devices in plan.device_samples.items():
            dev = net.devices[gid]
            stamp = stamps[on_sample_grid(stamps, dev.status, h)]  # window: when handed
            if not stamp.size:
                continue
            keys = list(dev.status["record_from"])
            for target in devices.tolist():
                sampled = net.devices[target]
                values = sampled.entry.impl.sample(sampled.status, stamp - 1, h, sampled.state)
                block = {"senders": np.full(stamp.size, target), "_step": stamp,
                         "times": kernel.ms_of_steps(stamp)}
                block.update({k: np.asarray(values[k], float) for k in keys})
                dev.pending.append(block)

    def _weight_records(self, net, kernel, wrec) -> None:
        """Hand the weight recorders their events (stamps in their window; senders/targets
        filters), as NEST's weight_recorder::handle."""
        from .connections import _ports, _rports  # noqa: PLC0415 (connections imports us)
        n = int(wrec[3])
        if not n:
            return
        step, conn, w = (np.asarray(x)[:n] for x in wrec[:3])
        cols = net.conns.cols
        rec_of_syn = np.array([int(e.defaults.get("weight_recorder", 0)) if e is not None else 0
                               for e in kernel.synapse_entries()])
        owner = rec_of_syn[cols["syn"][conn]]
        times = kernel.ms_of_steps(step + 1)
        for gid in np.unique(owner).tolist():
            dev = net.devices.get(gid)
            if dev is None or dev.entry.impl.kind != "weight_recorder":
                continue
            sel = np.flatnonzero((owner == gid) & in_window(times, dev.status))
            sel = sel[_wr_keeps(dev, net.conns, conn[sel])]
            c = conn[sel]
            ev = {"senders": cols["source"][c], "times": times[sel], "targets": cols["target"][c],
                  "weights": w[sel], "receptors": _rports(kernel, cols, c).astype(np.int64),
                  "ports": _ports(kernel, cols, c)}
            self._emit(kernel, dev, ev, list(dev.entry.impl.event_keys))

    def _poisson_records(self, plan: Plan, net, kernel, step0: int, n_steps: int) -> dict:
        """What spike recorders record from poisson_generators: NEST sends every target of a
        generator, a recorder too, a train of its own. One train per (recorder, generator)
        link, drawn from a stream of their own (index: the link), so that neither chunks nor
        Simulate calls change it. Returns recorder gid -> (steps, senders)."""
        if not plan.pg_records:
            return {}
        status = [net.devices[g].status for _, g in plan.pg_records]
        h = kernel.resolution
        lo, hi = (x[None] for x in _windows(status, h))
        thr, c0 = poisson_thresholds(
            _poisson_cdf(np.array([s["rate"] for s in status]) * h / 1000.0))
        steps = step0 + np.arange(n_steps, dtype=np.int64)
        link = np.arange(len(status), dtype=np.uint64)
        key = np.uint64(rng.key_of(kernel.rng_seed, streams.RECORDER_TRAINS))
        b = rng.bits(key, steps[:, None], link[None, :])
        count = c0[None] + (b[:, :, None] > thr[None]).sum(axis=-1)
        t = steps[:, None]  # NEST: a poisson_generator draws in steps lo < s <= hi
        count = np.where((t > lo) & (t <= hi), count, 0)
        out: dict = {}
        for j, (rec, gen) in enumerate(plan.pg_records):
            st = np.repeat(steps, count[:, j])
            old = out.get(rec, (np.zeros(0, np.int64), np.zeros(0, np.int64)))
            out[rec] = (np.r_[old[0], st], np.r_[old[1], np.full(st.size, gen)])
        return out

    def _flush_samples(self, kernel, net, end: int) -> None:
        """Hand samplers their samples up to the start of the last min_delay slice, those in
        the sampler's window as it is now.

        NEST delivers a slice's samples to a multimeter at the start of the next slice (its
        slices are aligned to multiples of min_delay), so the samples of the last slice run
        appear only after the next Simulate call, filtered by the start and stop set then
        (multimeter::handle). Reproduced here for identical event counts.
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
            ready &= in_window(kernel.ms_of_steps(block["_step"]), dev.status)
            self._emit(kernel, dev, {k: v[ready] for k, v in block.items() if k != "_step"},
                       keys)

    def _emit(self, kernel, dev, cols: dict, keys: list) -> None:
        if dev.status["time_in_steps"]:  # steps of the stamps; off-grid spikes: offsets
            stamps = cols["times"] + cols.get("offsets", 0.0)
            cols = dict(cols, times=np.rint(stamps / kernel.resolution).astype(np.int64))
        else:
            cols.pop("offsets", None)
        tis, precision = dev.status["time_in_steps"], dev.status["precision"]
        if dev.status["record_to"] == "ascii":
            write_ascii(dev.ascii_path, cols, keys, tis, precision)
            dev.log.n += len(cols["senders"])
        elif dev.status["record_to"] == "screen":
            sys.stdout.write(format_rows(cols, keys, tis, precision))
            dev.log.n += len(cols["senders"])
        else:
            dev.log.append(cols)


def _wr_keeps(dev, conns, conn: np.ndarray) -> np.ndarray:
    """Which of the connections ``conn`` pass the weight recorder's ``senders`` and
    ``targets`` filters (NEST's weight_recorder::handle); reads those connections only."""
    keep = np.ones(conn.size, bool)
    for key, col in (("senders", "source"), ("targets", "target")):
        if dev.status[key]:
            keep &= np.isin(conns.take(col, conn), dev.status[key])
    return keep


def _recorded_lanes(net, wr: np.ndarray, conn: np.ndarray) -> np.ndarray:
    """A plastic set's lanes' weight recorders (``wr``), 0 where the recorder's filters drop
    the lane's connection: its events then take no room in the chunk's buffer (the e-prop
    sine-waves example records 60 of 20,100 connections; with every event kept, its
    1.8 M events per 2,000 steps grew the buffer to 4 M entries and ran each chunk twice).
    Read at each Simulate: SetStatus may change the filters between runs."""
    out = wr.copy()
    for gid in np.unique(wr[wr != 0]).tolist():
        dev = net.devices.get(gid)
        if dev is None or dev.entry.impl.kind != "weight_recorder":
            continue
        lanes = np.flatnonzero(wr == gid)
        c = np.clip(conn[lanes], 0, len(net.conns) - 1)
        out[lanes[~_wr_keeps(dev, net.conns, c)]] = 0
    return out


def _route_spikes(plan: Plan, rows: np.ndarray) -> dict:
    """Spike-recording device gid -> (indices in event order of the events it gets, their
    receptor types), for events from ``rows``.

    A binary search per event in the plan's sorted (row, recorder, receptor) links: the cost
    grows with the events and links, not with events x recorders (scripts with hundreds of
    recorders, such as NEST's sudoku example, spent most of their time here)."""
    node, rec, port = plan.spike_links
    if not rows.size or not node.size:
        return {}
    lo = np.searchsorted(node, rows, "left")
    n_links = np.searchsorted(node, rows, "right") - lo
    event = np.repeat(np.arange(rows.size), n_links)
    first = np.repeat(np.cumsum(n_links) - n_links, n_links)
    link = np.repeat(lo, n_links) + np.arange(event.size) - first
    owner = rec[link]
    by_rec = np.argsort(owner, kind="stable")  # events stay in order per recorder
    gids, starts = np.unique(owner[by_rec], return_index=True)
    parts = np.split(event[by_rec], starts[1:])
    ports = np.split(port[link][by_rec], starts[1:])
    return dict(zip(gids.tolist(), zip(parts, ports)))


def _host_counts(out: dict) -> dict:
    """A chunk's counts (engine.COUNTS) on the host, by name."""
    return dict(zip(COUNTS, np.asarray(out["counts"]).tolist()))


def _rate_rows(plan: Plan) -> int:
    """Rows of host-computed secondary values (rate_source devices, kernel/continuous.py)."""
    return int(plan.cont["n_dev"]) if plan.cont is not None else 0


def _device_dict(host: dict) -> dict:
    """Host values (:func:`_host_float`) on the device, as a dict (batched runs, tangents).
    Small values go stacked, one transfer per dtype and shape, split on the device by one
    compiled call: JAX puts a dict leaf by leaf (~0.1 ms each)."""
    if len(host) < 3 or _nbytes(host) > _STACK_BYTES:
        return jax.device_put(host)
    same = {}
    for k, v in host.items():
        same.setdefault((v.dtype.str, v.shape), []).append(k)
    keys = list(same.values())
    split = _unstack(tuple((len(ks),) + sig for sig, ks in same.items()))
    parts = split(jax.device_put([np.stack([host[k] for k in ks]) for ks in keys]))
    return {k: p for ks, ps in zip(keys, parts) for k, p in zip(ks, ps)}


_STACK_BYTES = 1 << 16  # above this the copies of stacking cost more than the dispatches


def _host_float(values: dict, float_type: str) -> dict:
    """Host values as numpy arrays, floating point ones in the kernel's float type."""
    host = {}
    for k, v in values.items():
        v = np.asarray(v)
        host[k] = v.astype(float_type, copy=False) if v.dtype.kind == "f" else v
    return host


def _nbytes(values) -> int:
    return sum(v.nbytes for v in jax.tree.leaves(values))


def _fetch(values: dict) -> dict:
    """Device arrays on the host, each by ``np.asarray`` (~2 us a small array once its chunk
    is done): ``jax.device_get`` on a dict costs ~20 us a value, and joining small values
    on the device first cost a compiled call (~100 us) each time a script read a neuron
    after a short Simulate (hh_phaseplane: 6,000 times)."""
    return {k: np.asarray(v) for k, v in values.items()}


@functools.lru_cache(maxsize=None)
def _unstack(stacks: tuple[tuple, ...]):
    """A compiled split of stacked arrays (``(rows, dtype, shape of a row)`` each) into rows;
    kept in exec_cache: compiling it anew took 50-400 ms in every process, loading it 6 ms."""
    fn = jax.jit(lambda arrays: [tuple(a[i] for i in range(s[0]))
                                 for a, s in zip(arrays, stacks)])
    return exec_cache.ChunkFn(fn, exec_cache.key_of("unstack", stacks))


class Progress:
    """NEST's print_time line, ``[ pp% ] Model time: t ms, Real-time factor: f``, rewritten
    in place (carriage return) after each chunk. Chunks start at 1 % of the run and double
    while one takes less than ``EVERY_S``: each chunk costs a host sync and a copy of the
    network's buffers, which at 1 % made print_time runs several times slower (an order-250
    Brunel network with 100 receptor ports: 6.0 s instead of 1.5 s)."""

    EVERY_S = 1.0

    def __init__(self, kernel, n_steps: int) -> None:
        self.kernel, self.n_steps = kernel, n_steps
        self.step0 = kernel.step
        self.chunk = max(1, n_steps // 100)
        self.t0 = self.t_last = time.perf_counter()
        self.show(0)

    def show(self, done: int) -> None:
        now = time.perf_counter()
        if done and now - self.t_last < self.EVERY_S:
            self.chunk *= 2
        self.t_last = now
        k = self.kernel
        model_ms = float(k.ms_of_steps(self.step0 + done))
        sim_ms = float(k.ms_of_steps(done))
        wall_ms = (time.perf_counter() - self.t0) * 1000.0
        factor = wall_ms / sim_ms if done else 0.0
        pct = 100 - int((self.n_steps - done) / self.n_steps * 100)
        sys.stdout.write(f"\r[ {pct:>3}% ] Model time: {model_ms:.1f} ms, Real-time factor: "
                         f"{factor:.4f}" + ("\n" if done == self.n_steps else ""))
        sys.stdout.flush()


def _group_key(store, g, plan: Plan, params: bool = False) -> tuple:
    """What a group's device copies (state; ``params``: parameters) depend on: its store's
    values and its shape, not the plan (a structure change elsewhere keeps them)."""
    return (store.param_version if params else store.version), g.n, g.C, g.CC, \
        plan.float_type


@functools.lru_cache(maxsize=8)
def _empty(steps: int, float_type: str):
    """A (steps, 0) input on the device (no device rows)."""
    return put(np.zeros((steps, 0), float_type))


@functools.lru_cache(maxsize=8)
def _stream_keys(seed: int) -> dict:
    """The kernel's stream keys for an rng_seed, on the device."""
    return {name: put(rng.key_of(seed, stream), np.uint64) for name, stream in
            (("poisson", streams.POISSON), ("neurons", streams.NEURONS),
             ("synapses", streams.SYNAPSES))}


def _host_states(s: dict, state_names: list, hidden_names: list) -> tuple[dict, dict]:
    """A group's device state as the store keeps it: numpy, vector hidden (n, width)."""
    s = s.fetch() if isinstance(s, Packed) else _fetch(s)
    state = {k: np.array(s[k]) for k in state_names}
    hidden = {k: np.array(s[k]).T if np.ndim(s[k]) == 2 else np.array(s[k])
              for k in hidden_names}
    return state, hidden


def _match_rows(new: Plan, old: Plan) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the same node (and connection, for per-connection device rows) in two plans:
    (rows in ``new``, rows in ``old``)."""
    def keys(plan):
        conn = np.concatenate([np.full(plan.n_neurons, -1), plan.sg_conn])
        return plan.row_gids * (1 << 32) + (conn + 1)
    k_new, k_old = keys(new), keys(old)
    order = np.argsort(k_new)
    pos = np.searchsorted(k_new[order], k_old)
    pos = np.minimum(pos, max(k_new.size - 1, 0))
    hit = (k_new.size > 0) & (k_new[order][pos] == k_old) if k_new.size else \
        np.zeros(k_old.size, bool)
    return order[pos[hit]], np.flatnonzero(hit)


def _columns_of(gids: np.ndarray):
    """(gid, its columns) for each distinct gid, in gid order (one sort, not a scan each)."""
    order = np.argsort(gids, kind="stable")
    uniq, first = np.unique(gids[order], return_index=True)
    return zip(uniq.tolist(), np.split(order, first[1:]))


def _fit(v: np.ndarray, width: int) -> np.ndarray:
    """An (n, k) array with exactly ``width`` columns (zeros added or columns dropped)."""
    if v.shape[1] >= width:
        return v[:, :width]
    return np.concatenate([v, np.zeros((v.shape[0], width - v.shape[1]))], axis=1)


def _vector_arg(v: np.ndarray, pad: float, width: int, port: bool) -> np.ndarray:
    """A vector parameter (n, k), NaN-padded, as the kernel takes it: (width, n), the ports a
    neuron lacks filled with the model's padding value (they never receive input). A per-port
    parameter all neurons share is (width, 1): with many ports the per-port propagators are
    the largest arrays a step reads (brunel_exp_multisynapse: 100 ports)."""
    v = np.where(np.isnan(v), pad, v)
    if v.shape[1] < width:
        v = np.concatenate([v, np.full((v.shape[0], width - v.shape[1]), pad)], axis=1)
    v = v[:, :width].T
    if port and v.shape[1] > 1 and (v == v[:, :1]).all():
        v = v[:, :1]
    return np.ascontiguousarray(v)


def _donates(st) -> bool:
    """Whether a chunk of this structure takes the carry's buffers for its results
    (engine.make_chunk_fn ``donate``): where Runtime.run never runs it again from the same
    carry (archives, spike lists, dopamine or weight records it outgrew; a numerical
    instability), or only when its events may outgrow their buffer, seen before the call
    (it then gets a copy)."""
    return (st.shards == 1 and not st.plastic and st.precise is None and not st.vt
            and not st.wr_cap and all(g.impl.unstable is None for g in st.groups))


@jax.jit
def _copy(tree):
    """A copy of ``tree`` on the device, in one call."""
    return jax.tree.map(jnp.copy, tree)


def _first_wr_cap(plan: Plan, cap: int) -> tuple[bool, int]:
    """(sized, weight-record buffer) for the first plan with connections whose model has a
    weight_recorder (their plastic lanes' ``wr``): room for an event from each of them,
    4,096 to 32,768 (NEST's e-prop examples record ~5,000-8,000 events per 4,000-step chunk
    from 20,000-60,000 such connections; from 4,096 their first chunk ran twice)."""
    n = sum(int(np.count_nonzero(x["wr"])) for x in plan.plastic if "wr" in x)
    if not n:
        return False, cap
    return True, max(cap, min(1 << 15, 1 << math.ceil(math.log2(n))))


def _initial_ev_cap(n_rec: int, steps_cap: int) -> int:
    """Event-buffer size for a chunk: every recorded row spiking every step fits when that is
    small; else a 1-in-32-steps rate (312 Hz at 0.1 ms), at most 4M events. A chunk that
    overflows is run again with a larger buffer."""
    upper = n_rec * steps_cap
    cap = min(upper, max(4096, min(upper // 32, 1 << 22)))
    return 2 ** math.ceil(math.log2(max(cap, 1)))


def _windows(status: list[dict], h: float):
    """Active window of stimulators, (origin + start, origin + stop] in steps; the engine
    compares it with each generator's own step convention."""
    lo = np.array([(s["origin"] + s["start"]) / h for s in status])
    hi = np.array([(s["origin"] + s["stop"]) / h for s in status])
    return np.rint(lo), np.where(np.isinf(hi), 1e300, np.rint(hi))


def poisson_thresholds(cdf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer form of the CDF table for 32-bit draws: (thresholds, base counts).

    The kernel's uniform is ``u = (b + 0.5) / 2**32`` for 32 random bits b, and the count is
    the number of table entries below u. Exactly: ``u > c  <=>  b >= T`` with
    ``T = floor(c * 2**32 - 0.5) + 1`` (both sides scaled by a power of two, c * 2**32 - 0.5
    exact in float64), so ``count = c0 + #{j : b > thr_j}`` where c0 counts the entries every
    b passes (T = 0) and ``thr_j = T_j - 1`` lists the others (T = 2**32: never passed, never
    listed). Thresholds are padded with 0xFFFFFFFF (never passed) to a power-of-two width, so
    that a rate change rarely changes the shape (and retraces)."""
    cdf = np.atleast_2d(np.asarray(cdf, dtype=np.float64))
    T = np.floor(cdf * 4294967296.0 - 0.5) + 1.0     # in [0, 2**32]
    c0 = (T <= 0).sum(axis=1)
    live = (T > 0) & (T < 4294967296.0)
    width = int(live.sum(axis=1).max()) if live.size else 0
    K = 2 ** math.ceil(math.log2(max(width, 4)))
    thr = np.full((cdf.shape[0], K), 0xFFFFFFFF, dtype=np.uint32)
    for g in range(cdf.shape[0]):
        t = T[g][live[g]] - 1.0
        thr[g, :t.size] = t.astype(np.uint32)
    return thr, c0.astype(np.int32)


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


def _row_values(plan: Plan, net, name: str) -> np.ndarray:
    """A neuron parameter per row of the plan (NaN in groups whose model lacks it)."""
    def of(g):
        params = net.neurons[g.name].current()[0]
        return np.broadcast_to(np.asarray(params[name], float) if name in params else np.nan,
                               (g.n,))
    return np.concatenate([of(g) for g in plan.groups] or [np.zeros(0)])
