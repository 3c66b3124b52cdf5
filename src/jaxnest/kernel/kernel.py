"""The hidden global kernel: settings, model registry, network and simulation clock.

The API layer calls these methods with plain Python/numpy values; everything NEST validates is
validated here or in the model specs, before any simulation.
"""
from __future__ import annotations

import copy
import os

import numpy as np

from .. import errors
from ..devices.recorders import ascii_path, open_ascii
from ..models.registry import Entry, builtin_models, lookup
from .network import Network
from .runtime import Runtime

TICS_PER_MS = 1000.0

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
}


class Kernel:
    """One simulation kernel; ``ResetKernel`` replaces it with a fresh one."""

    def __init__(self) -> None:
        self.settings = {k: v for k, (v, _) in KERNEL_DEFAULTS.items()}
        self.models: dict[str, Entry] = builtin_models()
        self.network = Network()
        self.runtime = Runtime()
        self.step = 0                 # simulation clock, in steps of the resolution
        self.rng = np.random.default_rng(self.settings["rng_seed"])
        self.simulated = False
        self.prepared = False

    # --- settings -----------------------------------------------------------------------
    @property
    def resolution(self) -> float:
        return self.settings["resolution"]

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
        cols = self.network.conns.cols
        d = dict(self.settings)
        now = float(self.ms_of_steps(self.step))
        d.update(biological_time=now, network_size=self.network.size,
                 num_connections=len(cols["source"]), to_do=0,
                 T_max=1152921504606846.8, T_min=-1152921504606846.8,
                 tics_per_step=int(round(self.resolution * TICS_PER_MS)),
                 ms_per_tic=1.0 / TICS_PER_MS, local_spike_counter=0, num_processes=1)
        if len(cols["delay"]):
            d["min_delay"] = float(cols["delay"].min())
            d["max_delay"] = float(cols["delay"].max())
        return d

    def set_status(self, params: dict) -> None:
        readable = self.status()
        for key in params:  # PyNEST checks keys in Python and raises ValueError
            if key not in readable:
                raise ValueError(f"`{key}` is not a valid kernel parameter, valid parameters "
                                 f"are: {', '.join(repr(k) for k in sorted(readable))}")
            if key not in KERNEL_DEFAULTS or not KERNEL_DEFAULTS[key][1]:
                raise ValueError(f"`{key}` is a readonly kernel parameter")
        if "resolution" in params:
            self._set_resolution(float(params["resolution"]))
        if "rng_seed" in params:
            seed = int(params["rng_seed"])
            if not 1 <= seed < 2**32:
                raise errors.BadProperty("RNG seed must be in (0, 2^32-1).")
            self.settings["rng_seed"] = seed
            self.rng = np.random.default_rng(seed)
        if "float_precision" in params:
            self._check_float_precision(params["float_precision"])
        if "tics_per_ms" in params and params["tics_per_ms"] != TICS_PER_MS:
            raise errors.NotImplemented("jaxnest uses NEST's default time grid of 1000 tics "
                                        "per ms; tics_per_ms cannot be changed.")
        for key, value in params.items():
            if key not in ("resolution", "rng_seed"):
                self.settings[key] = value
        if "local_num_threads" in params:
            self.settings["total_num_virtual_procs"] = params["local_num_threads"]

    def _set_resolution(self, h: float) -> None:
        if self.network.size:
            raise errors.KernelException(
                "Cannot change resolution after nodes have been created.")
        if self.simulated:
            raise errors.KernelException("Cannot change resolution after simulation.")
        tics = h * TICS_PER_MS
        if h <= 0 or abs(tics - round(tics)) > 1e-9 * max(1.0, tics):
            raise errors.BadProperty("Resolution must be a multiple of the tic length "
                                     f"({1.0 / TICS_PER_MS} ms).")
        self.settings["resolution"] = h
        self.settings["min_delay"] = self.settings["max_delay"] = h

    # --- time ---------------------------------------------------------------------------
    def steps_of(self, ms: float, what: str = "Simulation time") -> int:
        """Steps of a duration that must lie on the grid (NEST's TimeMultipleRequired rule)."""
        steps = float(ms) / self.resolution
        if ms < 0:
            raise errors.BadParameter(f"{what} must not be negative.")
        if abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
            raise errors.BadParameter(f"{what} ({ms} ms) must be a multiple of the "
                                      f"resolution ({self.resolution} ms).")
        return int(round(steps))

    def _check_float_precision(self, value) -> None:
        """jaxnest's opt-in float32 (state, weights, ring buffers; NEST computes in double):
        chosen before the first Simulate, since the buffers live on the device from then."""
        if value not in ("float64", "float32"):
            raise errors.BadProperty("float_precision must be 'float64' or 'float32'.")
        if self.simulated and value != self.settings["float_precision"]:
            raise errors.KernelException("Cannot change float_precision after simulation.")

    def delay_steps(self, delay: np.ndarray) -> np.ndarray:
        """NEST's rounding of delays to the grid: ms -> tics (nearest) -> steps (half up)."""
        tics = np.rint(np.asarray(delay, float) * TICS_PER_MS)
        per_step = round(self.resolution * TICS_PER_MS)
        return np.floor(tics / per_step + 0.5).astype(np.int64)

    def ms_of_steps(self, steps):
        """Times as NEST computes them: steps -> tics -> tics * ms_per_tic."""
        tics = np.asarray(steps, dtype=np.int64) * int(round(self.resolution * TICS_PER_MS))
        return tics * (1.0 / TICS_PER_MS)

    def min_delay_steps(self) -> int:
        """NEST's min_delay in steps: the smallest delay of any connection (recorder links
        included), one step when there are none."""
        delay = self.network.conns.cols["delay"]
        return int(self.delay_steps(delay.min())) if delay.size else 1

    def prepare(self) -> None:
        """NEST's Prepare: recorders writing to ascii open (truncate) their files."""
        self.prepared = True
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

    def run(self, ms: float) -> None:
        n = self.steps_of(ms)
        if n:
            self.runtime.run(self, n)
        self.step += n
        self.simulated = True

    # --- models -------------------------------------------------------------------------
    def model(self, name: str, synapse: bool | None = None) -> Entry:
        return lookup(self.models, name, synapse)

    def copy_model(self, old: str, new: str, params: dict | None) -> None:
        if new in self.models:
            raise errors.NewModelNameExists(f"/{new} is the name of an existing model.")
        base = self.model(old)
        entry = Entry(new, base.impl, copy.deepcopy(base.defaults), builtin=False)
        self.models[new] = entry
        if params:
            self.set_defaults(new, params)

    def set_defaults(self, name: str, params: dict) -> None:
        entry = self.model(name)
        unknown = [k for k in params if k not in entry.defaults]
        if unknown:
            raise errors.BadProperty(f"{name} has no parameter {unknown[0]!r}.")
        new = dict(entry.defaults)
        new.update(params)
        check = getattr(entry.impl, "check", None)
        if check is not None and entry.element_type == "neuron":
            check({k: np.asarray([v]) if np.isscalar(v) else v for k, v in new.items()})
        elif check is not None and not entry.is_synapse:  # devices: (status, resolution)
            check(new, self.resolution)
        entry.defaults = new
