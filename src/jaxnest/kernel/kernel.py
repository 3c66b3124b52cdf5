"""The hidden global kernel: settings, model registry, network and simulation clock.

The API layer calls these methods with plain Python/numpy values; everything NEST validates is
validated here or in the model specs, before any simulation.
"""
from __future__ import annotations

import contextlib
import copy
import os
import time

import numpy as np

from .. import errors, messages
from ..devices.recorders import ascii_path, open_ascii
from ..models.nest_names import NODE_MODEL_IDS, SYNAPSE_MODEL_IDS
from ..models.registry import Entry, builtin_models, lookup
from .. import timebase
from ..timebase import TICS_PER_MS
from .network import Network, pad_rows, resident_bytes
from .runtime import Runtime
from ..synapses.base import resolve_aliases


# Kernel status keys: name -> (default, writable)
KERNEL_DEFAULTS = {
    "resolution": (0.1, True), "rng_seed": (143202461, True), "local_num_threads": (1, True),
    "total_num_virtual_procs": (1, True), "num_processes": (1, False), "print_time": (False, True),
    "overwrite_files": (False, True), "data_path": ("", True), "data_prefix": ("", True),
    "dict_miss_is_error": (True, True), "tics_per_ms": (TICS_PER_MS, True),
    "ms_per_tic": (1.0 / TICS_PER_MS, False), "tics_per_step": (100, False),
    "min_delay": (0.1, True), "max_delay": (0.1, True), "rng_type": ("mt19937_64", True),
    "keep_source_table": (True, True), "sort_connections_by_source": (True, True),
    "use_compressed_spikes": (True, True), "structural_plasticity_update_interval": (10000.0, True),
    "float_precision": ("float64", True),
    "use_wfr": (True, True), "wfr_comm_interval": (1.0, True), "wfr_tol": (0.0001, True),
    "wfr_max_iterations": (15, True), "wfr_interpolation_order": (3, True),
    "mpi_rank": (0, False), "biological_time": (0.0, True),
    # NEST's communication-buffer and e-prop settings: stored, without effect in jaxnest
    "adaptive_target_buffers": (True, True), "buffer_size_spike_data": (2, True),
    "buffer_size_target_data": (2, True), "growth_factor_buffer_spike_data": (1.5, True),
    "growth_factor_buffer_target_data": (1.5, True),
    "max_buffer_size_target_data": (16777216, True), "spike_buffer_grow_extra": (0.5, True),
    "spike_buffer_shrink_limit": (0.2, True), "spike_buffer_shrink_spare": (0.1, True),
    "update_time_limit": (float("inf"), True), "eprop_learning_window": (1000.0, True),
    "eprop_reset_neurons_on_update": (True, True), "eprop_update_interval": (1000.0, True),
    "structural_plasticity_synapses": ({}, True),
    "off_grid_spiking": (False, False), "max_num_syn_models": (511, False),
    "rng_types": (["Philox_32", "Philox_64", "Threefry_32", "Threefry_64", "mt19937",
                   "mt19937_64"], False),
    "recording_backends": (["ascii", "memory", "screen"], False),
    "stimulation_backends": ([], False), "growth_curves": (["gaussian", "linear", "sigmoid"], False),
    "recv_buffer_size_secondary_events": (0, False),
    "send_buffer_size_secondary_events": (0, False),
    "max_update_time": (-float("inf"), False), "min_update_time": (float("inf"), False),
    "modules": ([], False),
}
# keys set_status handles itself rather than storing as given
_SET_ELSEWHERE = ("local_num_threads", "total_num_virtual_procs", "resolution", "tics_per_ms",
                  "rng_seed", "min_delay", "max_delay", "biological_time", "use_wfr",
                  "wfr_comm_interval", "wfr_tol", "wfr_max_iterations",
                  "wfr_interpolation_order")
_TYPE_NAMES = {bool: "bool", int: "long", float: "double"}


def _typed(key: str, value, kind: type):
    """NEST's typed dictionary read: an int is read as a double, but a double is not read as
    an integer, nor an integer as a bool (TypeMismatch)."""
    if kind is bool and isinstance(value, (bool, np.bool_)):
        return bool(value)
    is_int = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if kind is int and is_int:
        return int(value)
    if kind is float and (is_int or isinstance(value, (float, np.floating))):
        return float(value)
    got = ("bool" if isinstance(value, (bool, np.bool_)) else "long" if is_int else
           "double" if isinstance(value, (float, np.floating)) else type(value).__name__)
    raise errors.TypeMismatch(f"Expected datatype: Failed to cast '{key}' from {got} to type "
                              f"{_TYPE_NAMES[kind]}")


def _warn_ignored_settings(params: dict) -> None:
    """Settings NEST has that jaxnest stores but does not act on yet: say so (remove an entry
    once it is implemented)."""
    if params.get("rng_type", KERNEL_DEFAULTS["rng_type"][0]) != KERNEL_DEFAULTS["rng_type"][0]:
        messages.warn(f"rng_type={params['rng_type']!r}: jaxnest draws its random numbers from "
                      "its own counter-based generator (Squares), not NEST's; the setting is "
                      "stored and has no effect.")


def _rules():
    from ..connect import rules
    return rules


def _is_integer(n: float) -> bool:
    """NEST's is_integer: n is within four ulps (relative) of an integer."""
    frac = n - np.floor(n)
    if frac > 0.5:
        frac = 1.0 - frac
    return bool(frac < 4 * n * np.finfo(float).eps)


class Kernel:
    """One simulation kernel; ``ResetKernel`` replaces it with a fresh one."""

    def __init__(self) -> None:
        self.settings = {k: copy.copy(v) for k, (v, _) in KERNEL_DEFAULTS.items()}
        self.models: dict[str, Entry] = builtin_models()
        # NEST's model ids (model_id of nodes, synapse_modelid and connections' synapse_id):
        # NEST's numbering of its built-in models, copies numbered on from there
        self.model_ids: dict[str, int] = {}
        for names, synapse in ((NODE_MODEL_IDS, False), (SYNAPSE_MODEL_IDS, True)):
            ids = {n: i for i, n in enumerate(names)}
            extra = sorted(n for n, e in self.models.items()
                           if e.is_synapse == synapse and n not in ids)
            ids.update({n: len(names) + i for i, n in enumerate(extra)})
            self.model_ids.update({n: i for n, i in ids.items() if n in self.models})
        self._next_id = {s: len(ids) for s, ids in ((False, NODE_MODEL_IDS),
                                                     (True, SYNAPSE_MODEL_IDS))}
        for n, e in self.models.items():
            self._next_id[e.is_synapse] = max(self._next_id[e.is_synapse],
                                              self.model_ids[n] + 1)
        self.network = Network()
        self._spike_targets = None  # (conns, version, targets): nodes.spike_connected's cache
        self.runtime = Runtime()
        self.step = 0                 # simulation clock, in steps of the resolution
        self.rng = np.random.default_rng(self.settings["rng_seed"])
        self.simulated = False
        self.local_spike_counter = 0  # spikes of the neurons in the last run (NEST's)
        self.prepared = False
        self.prepared_size = 0  # nodes at the last Prepare: NEST initialised their buffers
        # NEST's time base (Time::Range): tics per ms and tics per step; see _set_time
        self.tics_per_ms = TICS_PER_MS
        self.tics_per_step = 100
        timebase.set_tics_per_ms(self.tics_per_ms)  # what host code (devices) reads
        # NEST's DelayChecker: the extrema (in steps) of every delay ever checked (they never
        # shrink), whether the user set them, and their values frozen at the first Simulate
        self.delay_extrema: list = [None, None]
        self.user_delay_extrema = False
        self.frozen_delays: tuple[int, int] | None = None
        self.defaults_modified = False  # SetDefaults/CopyModel: time base is then fixed
        # NEST's build and run timers (s): wall and CPU time of Create, Connect and Simulate
        self.timers = {f"time_{k}{c}": 0.0 for k in ("construction_create",
                                                     "construction_connect", "simulate")
                       for c in ("", "_cpu")}

    # --- settings -----------------------------------------------------------------------
    @property
    def resolution(self) -> float:
        """The step in ms as NEST computes it (Time::get_resolution().get_ms())."""
        return self.tics_per_step * self.ms_per_tic

    @property
    def ms_per_tic(self) -> float:
        return 1.0 / self.tics_per_ms

    @property
    def ms_per_step(self) -> float:
        """NEST's Range::MS_PER_STEP, the factor of delay_steps_to_ms."""
        return self.tics_per_step / self.tics_per_ms

    @property
    def rng_seed(self) -> int:
        return self.settings["rng_seed"]

    @property
    def data_path(self) -> str:
        return self.settings["data_path"]

    @property
    def data_prefix(self) -> str:
        return self.settings["data_prefix"]

    def status(self) -> dict:
        d = dict(self.settings)
        now = float(self.ms_of_steps(self.step))
        d.update(biological_time=now, network_size=self.network.size,
                 num_connections=len(self.network.conns), to_do=0,
                 T_max=1152921504606846.8, T_min=-1152921504606846.8,
                 tics_per_step=int(self.tics_per_step), tics_per_ms=float(self.tics_per_ms),
                 ms_per_tic=self.ms_per_tic, resolution=self.resolution,
                 local_spike_counter=self.local_spike_counter, num_processes=1, mpi_rank=0,
                 memory_size=resident_bytes() // 1024, prepared=self.prepared, **self.timers,
                 time_communicate_prepare=np.zeros(1), time_communicate_prepare_cpu=np.zeros(1),
                 spike_buffer_resize_log={k: np.zeros(0) for k in (
                     "global_max_spikes_sent", "new_buffer_size", "times")},
                 connection_rules=sorted(_rules().RULES),
                 node_models=sorted(n for n, e in self.models.items() if not e.is_synapse),
                 synapse_models=sorted(n for n, e in self.models.items() if e.is_synapse))
        lo, hi = self.delay_range()
        d["min_delay"], d["max_delay"] = float(self.ms_of_steps(lo)), float(self.ms_of_steps(hi))
        return d

    def set_status(self, params: dict) -> None:
        readable = self.status()
        for key in params:  # PyNEST checks keys in Python and raises ValueError
            if key not in readable:
                raise ValueError(f"`{key}` is not a valid kernel parameter, valid parameters "
                                 f"are: {', '.join(repr(k) for k in sorted(readable))}")
            if key not in KERNEL_DEFAULTS or not KERNEL_DEFAULTS[key][1]:
                raise ValueError(f"`{key}` is a readonly kernel parameter")
        if "print_time" in params:
            params["print_time"] = _typed("print_time", params["print_time"], bool)
        if "rng_type" in params and params["rng_type"] not in self.settings["rng_types"]:
            raise errors.BadProperty(f"'{params['rng_type']}' is not a known RNG type. See "
                                     "/rng_types for available types")
        _warn_ignored_settings(params)
        from . import sp_manager  # structural plasticity: its settings, checked as NEST's
        sp_manager.check_threads(self, params)
        if "structural_plasticity_synapses" in params:
            params["structural_plasticity_synapses"] = sp_manager.set_synapses(
                self, params["structural_plasticity_synapses"])
        if "structural_plasticity_update_interval" in params:
            params["structural_plasticity_update_interval"] = _typed(
                "structural_plasticity_update_interval",
                params["structural_plasticity_update_interval"], float)
        self._set_threads(params)
        self._set_time(params)
        self._reset_clock(params)
        if "rng_seed" in params:
            seed = int(params["rng_seed"])
            if not 1 <= seed < 2**32:
                raise errors.BadProperty("RNG seed must be in (0, 2^32-1).")
            self.settings["rng_seed"] = seed
            self.rng = np.random.default_rng(seed)
        if "float_precision" in params:
            self._check_float_precision(params["float_precision"])
        self._set_wfr(params)
        if "min_delay" in params or "max_delay" in params:
            self._set_delay_extrema(params)
        for key, value in params.items():
            if key not in _SET_ELSEWHERE:
                self.settings[key] = value

    def _set_threads(self, params: dict) -> None:
        """NEST's VPManager::set_status (one process: total_num_virtual_procs equals
        local_num_threads). Nodes report NEST's vp and thread; with more than one thread,
        large plastic edge sets are delivered on that many devices (kernel/shards.py), which
        adds the ring buffer's terms in another order: results agree with one thread's to
        rounding."""
        has_t, has_v = "local_num_threads" in params, "total_num_virtual_procs" in params
        if not (has_t or has_v):
            return
        threads = vps = int(self.settings["local_num_threads"])
        if has_t:
            threads = _typed("local_num_threads", params["local_num_threads"], int)
        if has_v:
            vps = _typed("total_num_virtual_procs", params["total_num_virtual_procs"], int)
            if not has_t:
                threads = vps
            if vps != threads:
                raise errors.BadProperty(
                    "Requested total_num_virtual_procs is incompatible with the number of "
                    "processes and threads.It must be an integer multiple of num_processes and "
                    "equal to local_num_threads * num_processes. Value unchanged.")
        if threads < 1:
            raise errors.BadProperty("Number of threads must be positive.")
        if threads == self.settings["local_num_threads"]:
            return
        problems = [m for m, bad in (("Nodes exist", self.network.size),
                                     ("Delay extrema have been set", self.user_delay_extrema),
                                     ("Network has been simulated", self.simulated),
                                     ("Model defaults were modified", self.defaults_modified))
                    if bad]
        if problems:
            raise errors.KernelException("Number of threads unchanged. Error conditions:"
                                         + "".join(f" {p}." for p in problems))
        self.settings["local_num_threads"] = self.settings["total_num_virtual_procs"] = threads

    def _reset_clock(self, params: dict) -> None:
        """NEST accepts biological_time only as 0.0; it then resets its clock, dropping the
        spikes not yet delivered. jaxnest accepts it before any time has passed and refuses
        the reset after, rather than run on with state made for the old clock."""
        if "biological_time" not in params:
            return
        if _typed("biological_time", params["biological_time"], float) != 0.0:
            raise errors.BadProperty("The simulation time can only be set to 0.0.")
        if self.step > 0:
            raise errors.NotImplemented(
                "jaxnest cannot reset the simulation time to 0.0 after time has passed "
                f"(biological_time is {self.ms_of_steps(self.step)} ms); use ResetKernel.")

    def _set_time(self, params: dict) -> None:
        """NEST's SimulationManager::set_status for tics_per_ms and resolution."""
        has_tpm, has_res = "tics_per_ms" in params, "resolution" in params
        if not (has_tpm or has_res):
            return
        tpm = _typed("tics_per_ms", params["tics_per_ms"], int) if has_tpm else None
        res = _typed("resolution", params["resolution"], float) if has_res else None
        problems = [m for m, bad in (("Nodes have already been created", self.network.size),
                                     ("Network has been simulated", self.simulated),
                                     ("Model defaults were modified", self.defaults_modified))
                    if bad]
        if len(problems) == 1:
            raise errors.KernelException(f"{problems[0]}: time representation cannot be changed.")
        if problems:
            raise errors.KernelException("Time representation unchanged. Error conditions: "
                                         + " ".join(p + "." for p in problems))
        if not has_res:
            raise errors.KernelException("Change of tics_per_ms requires simultaneous "
                                         "specification of resolution.")
        tpm = float(tpm) if has_tpm else self.tics_per_ms
        if res < 1.0 / tpm:
            raise errors.KernelException("Resolution must be greater than or equal to one tic. "
                                         "Value unchanged.")
        if not _is_integer(res * tpm if has_tpm else res / self.ms_per_tic):
            raise errors.KernelException("Resolution must be a multiple of the tic length. "
                                         "Value unchanged.")
        old_tpm, old_tps = self.tics_per_ms, self.tics_per_step
        old_extrema = [self.ms_of_steps(v) for v in self.delay_range()]
        self.tics_per_ms = tpm
        self.tics_per_step = int(np.floor(tpm * res + 0.5))
        timebase.set_tics_per_ms(tpm)
        # NEST's calibrate(TimeConverter): default synapse delays move to the new grid (old
        # steps -> ms -> tics, rounded up to steps); user-set delay extrema are set again
        for entry in self.models.values():
            if entry.is_synapse and "delay" in entry.defaults:
                old = np.floor(float(entry.defaults["delay"]) * old_tpm / old_tps + 0.5)
                steps = self._steps_up(np.floor(old * old_tps / old_tpm * tpm + 0.5))
                entry.defaults = dict(entry.defaults, delay=max(steps, 1) * self.ms_per_step)
        if self.user_delay_extrema:
            self._set_delay_extrema({"min_delay": old_extrema[0], "max_delay": old_extrema[1]})
        if self.settings["wfr_comm_interval"] < self.resolution or not self.settings["use_wfr"]:
            self.settings["wfr_comm_interval"] = self.resolution

    def _steps_up(self, tics: float) -> int:
        """Time(tic).get_steps(): tics rounded up to whole steps."""
        return int((tics + self.tics_per_step - 1) // self.tics_per_step)

    def _set_wfr(self, params: dict) -> None:
        """Waveform-relaxation settings, stored and checked as NEST does (rate models'
        instantaneous connections and gap junctions use them, kernel/continuous.py and
        kernel/gap.py; wfr_interpolation_order: the V_m interpolation gap junctions send)."""
        if "use_wfr" in params:
            use = _typed("use_wfr", params["use_wfr"], bool)
            if self.network.size:
                raise errors.KernelException(
                    "Cannot enable/disable usage of waveform relaxation after nodes have been "
                    "created. Please call ResetKernel first.")
            self.settings["use_wfr"] = use
            if not use:
                self.settings["wfr_comm_interval"] = self.resolution
        if "wfr_comm_interval" in params:
            value = _typed("wfr_comm_interval", params["wfr_comm_interval"], float)
            if not self.settings["use_wfr"]:
                raise errors.KernelException(
                    "Cannot set waveform communication interval when usage of waveform "
                    "relaxation is disabled. Set use_wfr to true first.")
            if len(self.network.conns):
                raise errors.KernelException(
                    "Cannot change waveform communication interval after connections have "
                    "been created. Please call ResetKernel first.")
            if value < self.resolution:
                raise errors.KernelException(
                    "Communication interval of the waveform relaxation must be greater or "
                    "equal to the resolution of the simulation.")
            self.settings["wfr_comm_interval"] = value
        checks = (("wfr_tol", float, lambda v: v >= 0.0, "Tolerance must be zero or positive"),
                  ("wfr_max_iterations", int, lambda v: v > 0,
                   "Maximal number of iterations  for the waveform relaxation must be positive. "
                   "To disable waveform relaxation set use_wfr instead."),
                  ("wfr_interpolation_order", int, lambda v: v in (0, 1, 3),
                   "Interpolation order must be 0, 1, or 3."))
        for key, kind, ok, message in checks:
            if key in params:
                value = _typed(key, params[key], kind)
                if not ok(value):
                    raise errors.KernelException(message)
                if key == "wfr_interpolation_order" and value != self.settings[key]:
                    rt = getattr(self, "runtime", None)  # gap junctions' layout (plan) has it
                    if rt is not None:
                        rt.plan_key = rt.edge_key = None
                self.settings[key] = value

    # --- delays (NEST's DelayChecker) -------------------------------------------------------
    def _set_delay_extrema(self, params: dict) -> None:
        if ("min_delay" in params) != ("max_delay" in params):
            raise errors.BadProperty("Both min_delay and max_delay have to be specified")
        if len(self.network.conns):
            raise errors.BadProperty("Connections already exist. Please call ResetKernel first")
        lo_ms = _typed("min_delay", params["min_delay"], float)
        hi_ms = _typed("max_delay", params["max_delay"], float)
        # min_delay rounds down, max_delay up (Time::ms_stamp)
        lo = self._steps_of_stamp(lo_ms)
        if self.ms_of_steps(lo) > lo_ms:
            lo -= 1
        hi = self._steps_of_stamp(hi_ms)
        if lo < 1:
            raise errors.BadDelay(f"Delay value {self.ms_of_steps(lo):g} is invalid: min_delay "
                                  "must be greater than or equal to resolution.")
        if hi < lo:
            raise errors.BadDelay(f"Delay value {self.ms_of_steps(lo):g} is invalid: min_delay "
                                  "must be smaller than or equal to max_delay.")
        self.delay_extrema = [lo, hi]
        self.user_delay_extrema = True

    def _steps_of_stamp(self, ms: float) -> int:
        """Time(Time::ms_stamp(ms)).get_steps(): the first grid point at or after ms."""
        n = int(ms * self.tics_per_ms)
        n -= n % self.tics_per_step
        if n * (1.0 / self.tics_per_step) * self.ms_per_step < ms:
            n += self.tics_per_step
        return n // self.tics_per_step

    def delay_range(self) -> tuple[int, int]:
        """NEST's min_delay and max_delay in steps (ConnectionManager::update_delay_extrema_):
        one step when no delay has been checked; frozen from the first Simulate on."""
        if self.frozen_delays is not None:
            return self.frozen_delays
        lo, hi = self.delay_extrema
        return (1 if lo is None else lo), max(1, -1 if hi is None else hi)

    def check_delays(self, steps, before: bool = True) -> None:
        """NEST's DelayChecker::assert_valid_delay_ms for delays (in steps) about to be used:
        raises BadDelay where NEST does; with ``before=False`` records the new extrema."""
        steps = np.asarray(steps)
        if not steps.size:
            return
        lo_new, hi_new = int(steps.min()), int(steps.max())
        if before:
            def bad(n, why):
                return errors.BadDelay(f"Delay value {self.ms_of_steps(n):g} is invalid: {why}")
            if lo_new < 1:
                raise bad(lo_new, "Delay must be greater than or equal to resolution")
            if self.frozen_delays is not None:
                lo, hi = self.frozen_delays
                for n in (lo_new, hi_new):
                    if not lo <= n <= hi:
                        raise bad(n, "Minimum and maximum delay cannot be changed after "
                                     "Simulate has been called.")
            if self.user_delay_extrema:
                lo, hi = self.delay_extrema
                if lo_new < lo:
                    raise bad(lo_new, "Delay must be greater than or equal to min_delay. You "
                                      "may set min_delay before creating connections.")
                if hi_new > hi:
                    raise bad(hi_new, "Delay must be smaller than or equal to max_delay. You "
                                      "may set min_delay before creating connections.")
            return
        if not self.user_delay_extrema and self.frozen_delays is None:
            lo, hi = self.delay_extrema
            self.delay_extrema = [lo_new if lo is None else min(lo, lo_new),
                                  hi_new if hi is None else max(hi, hi_new)]

    def note_connections(self, idx, checked: bool = True) -> None:
        """After Connect or a delay change: NEST's delay checks on the connections ``idx``
        (indices or a slice; checked before, unless ``checked`` is False) and the new delay
        extrema."""
        conns = self.network.conns
        offset = conns.extra.get("delay_offset")
        if isinstance(idx, slice) and offset is None:  # Connect's new rows: two values
            ends = conns.extrema("delay", idx)
            if ends is None:
                return
            steps = np.rint(np.asarray(ends) / self.resolution)  # monotone: the ends' steps
        else:
            if not isinstance(idx, slice):
                idx = np.asarray(idx)
            delay = conns.take("delay", idx)
            if not delay.size:
                return
            steps = np.rint(delay / self.resolution)
            lower = steps - (offset[idx] > 0) if offset is not None else steps  # NaN: False
            steps = np.array([lower.min(), steps.max()])
        if not checked:
            self.check_delays(steps)
        self.check_delays(steps, before=False)

    # --- time ---------------------------------------------------------------------------
    def steps_of(self, ms: float) -> int:
        """Steps of a simulation time, checked as NEST's run() checks it: ms -> tics (half
        up), which must be a whole number of steps."""
        ms = float(ms)
        if ms < 0:
            raise errors.BadParameter("The simulation time cannot be negative.")
        if not np.isfinite(ms):
            raise errors.BadParameter("The simulation time must be finite.")
        tics = int(ms * self.tics_per_ms + 0.5)
        if tics % self.tics_per_step:
            raise errors.BadParameter("The simulation time must be a multiple of the "
                                      "simulation resolution.")
        return tics // self.tics_per_step

    def _check_float_precision(self, value) -> None:
        """jaxnest's opt-in float32 (state, weights, ring buffers; NEST computes in double):
        chosen before the first Simulate, since the buffers live on the device from then."""
        if value not in ("float64", "float32"):
            raise errors.BadProperty("float_precision must be 'float64' or 'float32'.")
        if self.simulated and value != self.settings["float_precision"]:
            raise errors.KernelException("Cannot change float_precision after simulation.")

    def unaccessed(self, where: str, key: str) -> None:
        """NEST's check that every given key was read (``where``: NEST's function name): an
        UnaccessedDictionaryEntry, or with dict_miss_is_error False a warning (the caller
        then ignores the key)."""
        text = f"Unaccessed elements in {where}:  {key}"
        if self.settings["dict_miss_is_error"]:
            raise errors.UnaccessedDictionaryEntry(text)
        messages.warn(text)

    def delay_steps(self, delay: np.ndarray) -> np.ndarray:
        """NEST's rounding of delays to the grid (Time::delay_ms_to_steps): ms x steps per ms,
        rounded half up (0.85 ms at h = 0.1 is 9 steps, 0.8499 ms is 8)."""
        steps_per_ms = self.tics_per_ms / self.tics_per_step
        return np.floor(np.asarray(delay, float) * steps_per_ms + 0.5).astype(np.int64)

    def off_grid_delay(self, delay) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """cont_delay_synapse's delays (synapses/cont_delay.py): (whole steps it delivers
        after, offset ms, lower bound in steps) as NEST splits d / h = n + f: n + 1 steps and
        h (1 - f) where f > 0, else n steps and no offset."""
        h = self.resolution
        x = np.asarray(delay, float) / h
        lower = np.floor(x)
        frac = x - lower
        on = frac == 0
        return (np.where(on, lower, lower + 1).astype(np.int64),
                np.where(on, 0.0, h * (1.0 - frac)), lower.astype(np.int64))

    def ms_of_steps(self, steps):
        """Times as NEST computes them: steps -> tics -> tics * ms_per_tic."""
        tics = np.asarray(steps, dtype=np.int64) * self.tics_per_step
        return tics * self.ms_per_tic

    def min_delay_steps(self) -> int:
        """NEST's min_delay in steps: the smallest delay ever checked (recorder links
        included) or the user's min_delay; one step when there is none."""
        return self.delay_range()[0]

    def prepare(self) -> None:
        """NEST's Prepare: the neurons' pre-run checks (an error leaves the kernel unprepared,
        as NEST's prepare_nodes), then recorders writing to ascii open (truncate) their
        files."""
        self._pre_run()
        self.prepared = True
        self.prepared_size = self.network.size
        self._thread_local_ids = (self.network.size, None)  # computed when first asked
        for dev in self.network.devices.values():
            if dev.status.get("record_to") == "ascii":
                path = ascii_path(dev.status, dev.entry.name, dev.gid, self.data_path,
                                  self.data_prefix)
                if os.path.exists(path) and not self.settings["overwrite_files"]:
                    raise errors.IOError(
                        f"The file '{path}' already exists and overwriting files is disabled. "
                        "To overwrite files, set the kernel property overwrite_files to true.")
                open_ascii(path, list(dev.status.get("record_from", [])),
                           dev.status["time_in_steps"])
                dev.ascii_path = path

    def cleanup(self) -> None:
        self.prepared = False

    @contextlib.contextmanager
    def timed(self, what: str):
        """Add the wall and CPU time of the block to NEST's timer ``time_<what>``."""
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.timers[f"time_{what}"] += time.perf_counter() - t0
            self.timers[f"time_{what}_cpu"] += time.process_time() - c0

    def run(self, ms: float) -> None:
        with self.timed("simulate"):
            self._run(ms)

    def _run(self, ms: float) -> None:
        n = self.steps_of(ms)
        if self.frozen_delays is None:  # NEST's update_delay_extrema_ stops at Simulate
            self.frozen_delays = self.delay_range()
        if n:
            self.local_spike_counter = 0  # NEST's: the neurons' spikes of the last run
            from .sp_manager import run as run_structural  # structural plasticity
            try:
                if not run_structural(self, n):
                    self.runtime.run(self, n)
                self._synapses_after_run()
            except BaseException as e:  # a run that ended early (a numerical instability:
                # at that slice's start; an interrupt): the clock where its state is
                if isinstance(e, errors.NumericalInstability) or hasattr(e, "steps_done"):
                    self.step += getattr(e, "steps_done", 0)
                    self.simulated = True
                raise
        self.step += n
        self.simulated = True

    def _local_ids(self, n: int) -> np.ndarray:
        """NEST's thread_local_id of nodes 0..n: its index among the nodes of its thread
        (neuron g on thread g % vps, devices on every thread); a node's id depends only on
        the nodes before it."""
        vps = int(self.settings["total_num_virtual_procs"])
        gids = np.arange(n + 1)
        dev = np.zeros(n + 1, dtype=bool)
        dev[[g for g in self.network.devices if g <= n]] = True
        dev_before = np.cumsum(dev) - dev
        thread = np.where(dev, 0, gids % vps)
        out = np.full(n + 1, -1, dtype=np.int64)
        for t in range(vps):
            neuron_t = ~dev & (gids % vps == t) & (gids > 0)
            before = np.cumsum(neuron_t) - neuron_t
            sel = thread == t
            out[sel] = before[sel] + dev_before[sel]
        return out

    def thread_local_id(self, gid: int) -> int:
        """A node's thread_local_id: set at Prepare and at Connect, -1 for nodes created
        since."""
        n, ids = getattr(self, "_thread_local_ids", (-1, None))
        if gid > n:
            return -1
        if ids is None:
            ids = self._local_ids(n)
            self._thread_local_ids = (n, ids)
        return int(ids[gid])

    def _pre_run(self) -> None:
        """NEST's pre_run_hook checks of the neuron models (errors NEST raises at Simulate,
        in Prepare); synapse models whose connections jaxnest simulates only in some cases
        (``unsupported_when``: e-prop) check theirs, and those that follow something on the
        host during runs (``before_run``: e-prop's history counts) set it up."""
        if not self.settings["keep_source_table"]:
            self._check_source_table()
        tests = self._synapse_hooks("unsupported_when")
        syn = self.network.conns.cols["syn"] if tests else None
        for name, entry, when in tests:
            conn = np.flatnonzero(syn == self.model_ids[name])
            why = when(self.network, conn, entry.defaults, self.synapse_entries())
            if why:
                raise errors.NotImplemented(f"{name} cannot be simulated by jaxnest yet: "
                                            f"{why}.")
        for _, _, hook in self._synapse_hooks("before_run"):
            hook(self)
        for store in self.network.neurons.values():
            keys = [k for k in store.entry.impl.params  # __<setting>: the kernel's, now
                    if k.startswith("__") and k[2:] in self.settings]
            if keys and len(store):
                params = store.params
                for k in keys:
                    params[k][:] = float(self.settings[k[2:]])
            hook = store.entry.impl.pre_run
            if hook is not None and len(store):
                hook(store.params, self.resolution)

    def _check_source_table(self) -> None:
        """NEST's binary neurons read each spike's sender from the source table, which
        ``keep_source_table: False`` drops: NEST raises when a neuron's spike (not a device's)
        first reaches a binary neuron. jaxnest cannot stop a compiled run there, so it raises
        before the run for any such connection (NEST lets a network run on whose senders never
        change state)."""
        net = self.network
        binary = [st.gids for st in net.neurons.values() if st.entry.impl.signal == "binary"]
        if not binary or not len(net.conns):
            return
        cols = net.conns.cols
        src = cols["source"][np.isin(cols["target"], np.concatenate(binary))]
        if np.any(~np.isin(src, np.fromiter(net.devices, np.int64, len(net.devices)))):
            raise errors.KernelException("Cannot use SourceTable::get_node_id when "
                                         "get_keep_source_table is false (a neuron's spike "
                                         "reaches a binary neuron).")

    def _synapses_after_run(self) -> None:
        """Synapse models with connections whose shared state follows from the run
        (``after_run``: stdp_facetshw's synapse count)."""
        for name, _, hook in self._synapse_hooks("after_run"):
            hook(self, name)

    def _synapse_hooks(self, attr: str) -> list:
        """(name, entry, hook) of the synapse models with connections and a hook ``attr``,
        found once per structure and model set: a network without such models pays
        nothing per call (and the table's deferred plastic state is not fetched)."""
        conns = self.network.conns
        key = (id(conns), conns.version, len(self.model_ids))
        cache = self.__dict__.setdefault("_hooks", {})
        if cache.get(attr, (None,))[0] != key:
            hooks = [(name, e, getattr(e.impl, attr)) for name, e in self.models.items()
                     if e.is_synapse and getattr(e.impl, attr, None)]
            if hooks:
                used = conns.distinct("syn") if len(conns) else set()
                hooks = [h for h in hooks if self.model_ids[h[0]] in used]
            cache[attr] = (key, hooks)
        return cache[attr][1]

    # --- models -------------------------------------------------------------------------
    def synapse_entries(self) -> list:
        """The synapse model entry of each synapse id (the ``syn`` column of connections,
        NEST's numbering); None for ids of NEST models jaxnest lacks."""
        out = [None] * self._next_id[True]
        for name, i in self.model_ids.items():
            entry = self.models[name]
            if entry.is_synapse:
                out[i] = entry
        return out

    def model(self, name: str, synapse: bool | None = None) -> Entry:
        return lookup(self.models, name, synapse)

    def synapse_name(self, syn_id: int) -> str:
        """The synapse model of a connection's ``syn`` column (NEST's synapse_id)."""
        if getattr(self, "_syn_names", (None,))[0] != len(self.model_ids):
            self._syn_names = (len(self.model_ids), {
                i: n for n, i in self.model_ids.items() if self.models[n].is_synapse})
        return self._syn_names[1][int(syn_id)]

    def copy_model(self, old: str, new: str, params: dict | None) -> None:
        if new in self.models:
            raise errors.NewModelNameExists(f"/{new} is the name of an existing model.")
        base = self.model(old)
        if base.is_synapse and self._next_id[True] >= self.settings["max_num_syn_models"]:
            raise errors.KernelException("Synapse model count exceeded")
        entry = Entry(new, base.impl, copy.deepcopy(base.defaults), builtin=False)
        self.models[new] = entry
        self.model_ids[new] = self._next_id[entry.is_synapse]
        self._next_id[entry.is_synapse] += 1
        self.defaults_modified = True
        from .structural import copy_model_defaults  # a neuron's Ca, synaptic elements
        copy_model_defaults(self, old, new)
        if params:
            self.set_defaults(new, params)

    def set_defaults(self, name: str, params: dict) -> None:
        entry = self.model(name)
        neuron = not entry.is_synapse and entry.element_type == "neuron"
        if neuron:
            return self._set_neuron_defaults(entry, params)
        if entry.is_synapse:
            params = resolve_aliases(entry.impl.aliases, params)
        unknown = [k for k in params if k not in entry.defaults]
        if unknown and type(params[unknown[0]]).__name__ == "NodeCollection":
            raise KeyError(unknown[0])  # PyNEST's, converting an unknown node-valued key
        for k in unknown:
            where = "synapse" if entry.is_synapse else "node"
            self.unaccessed(f"params, in function ModelManager::set_{where}_defaults_", k)
        params = {k: v for k, v in params.items() if k not in unknown}
        merge = getattr(entry.impl, "merge_defaults", None)  # nested dicts (e-prop optimizer)
        new = merge(entry.defaults, params) if merge is not None else dict(entry.defaults)
        if merge is None:
            new.update(params)
        if entry.is_synapse and "weight_recorder" in params:  # a NodeCollection: its id
            value = params["weight_recorder"]
            ids = value.tolist() if hasattr(value, "tolist") else value
            ids = ids if isinstance(ids, (list, tuple)) else [ids]
            new["weight_recorder"] = int(ids[0]) if len(ids) else 0
        if entry.is_synapse and "volume_transmitter" in params:
            new["volume_transmitter"] = self._volume_transmitter(params["volume_transmitter"])
        if entry.is_synapse and "delay" in params and np.ndim(params["delay"]) == 0:
            if getattr(entry.impl, "off_grid_delay", False):  # kept as given, checked
                if self.off_grid_delay(float(params["delay"]))[2] < 1:
                    raise errors.BadDelay("Delay must be greater than or equal to "
                                          "resolution.")
            else:  # NEST keeps a synapse's delay in steps (Time::delay_ms_to_steps)
                new["delay"] = float(self.delay_steps(float(params["delay"]))) \
                    * self.ms_per_step
        self.defaults_modified = True
        check = getattr(entry.impl, "check", None)
        if check is not None and not entry.is_synapse:  # devices: (status, resolution)
            check(new, self.resolution)
        elif check is not None:  # plastic synapses: their per-connection checks
            check({k: np.atleast_1d(v) for k, v in new.items() if np.ndim(v) == 0})
        entry.defaults = new
        if entry.is_synapse:
            self._common_changed(entry, params)

    def _common_changed(self, entry: Entry, params: dict) -> None:
        """NEST's connections read their model's common properties (stdp_synapse_hom's
        lambda, static_synapse_hom_w's weight, ...) when they deliver: a SetDefaults after
        Connect applies to the existing connections. Their weight column takes a shared
        weight, and the next Simulate plans again (the edge sets hold the values)."""
        shared = set(entry.impl.common)
        conns = self.network.conns
        if not shared & set(params) or not len(conns):
            return
        mine = conns.cols["syn"] == self.model_ids[entry.name]
        if not mine.any():
            return
        if "weight" in shared and "weight" in params:
            conns.assign("weight", mine, float(entry.defaults["weight"]))
        conns.version += 1

    def _volume_transmitter(self, value) -> int:
        """The node id a neuromodulated synapse model is given, checked as NEST does."""
        ids = value.tolist() if hasattr(value, "tolist") else value
        ids = ids if isinstance(ids, (list, tuple)) else [ids]
        if len(ids) != 1:
            raise errors.BadProperty("Property volume_transmitter must be a single element "
                                     "NodeCollection")
        dev = self.network.devices.get(int(ids[0]))
        if dev is None or dev.entry.impl.kind != "volume_transmitter":
            raise errors.BadProperty("Property volume_transmitter must be set to a node of "
                                     "type volume_transmitter")
        return int(ids[0])

    def _set_neuron_defaults(self, entry: Entry, params: dict) -> None:
        """SetDefaults of a neuron model: NEST's typed values and checks on the new defaults;
        derived values the model's check brings up to date (mat2's ``V_th``) are kept."""
        from .nodes import _vector, typed_scalar  # nodes imports this module
        impl = entry.impl
        from . import structural
        params, sp_params = structural.split_params(params)
        if sp_params:
            structural.set_model_defaults(self, entry.name, sp_params)
        from_nest = getattr(impl, "from_nest", None)
        params = from_nest(params) if from_nest is not None else params
        if getattr(impl, "expand_given", None) is not None:  # NESTML's vectors resized by
            params = impl.expand_given(entry.defaults.get, params)  # their size parameter
        for k in list(params):
            if k not in impl.set_only and (k not in entry.defaults or k in impl.readonly):
                self.unaccessed("params, in function ModelManager::set_node_defaults_", k)
                params = {q: v for q, v in params.items() if q != k}
        new = dict(entry.defaults)
        vector = impl.vector_params
        for k, v in params.items():
            if k not in impl.set_only:
                new[k] = _vector(v, k) if k in vector else typed_scalar(k, v, new[k])
        self.defaults_modified = True
        arrays = {k: pad_rows([v]) if k in vector else np.asarray([float(v)])
                  for k, v in new.items()}
        arrays[timebase.TICS_KEY] = np.asarray([self.tics_per_ms])
        try:
            impl.validate(arrays)
        except errors.BadProperty as e:
            raise errors.BadProperty(f"Setting status of model '{entry.name}': {e}") from None
        for k, v in new.items():  # values the check derived in place
            if k not in vector:
                value = arrays[k][0]
                new[k] = bool(value) if isinstance(v, bool) else float(value)
        entry.defaults = new
