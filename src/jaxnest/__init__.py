"""jaxnest: the PyNEST 3.x interface on a JAX kernel.

``import jaxnest as nest`` and run a PyNEST script unchanged. Kernel properties are module
attributes (``nest.resolution = 0.1``), read from and written to the hidden global kernel, as
PyNEST does by making its module an object.
"""
from __future__ import annotations

import os
import sys
import types

import jax

jax.config.update("jax_enable_x64", True)  # NEST computes in double precision
# A second run of the same script reuses compiled code from disk (JAXNEST_CACHE_DIR="" disables).
_cache = os.environ.get("JAXNEST_CACHE_DIR", os.path.expanduser("~/.cache/jaxnest/xla"))
if _cache:
    jax.config.update("jax_compilation_cache_dir", _cache)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.2)

from . import errors  # noqa: E402
from .api.connect import Connect, Disconnect, GetConnections  # noqa: E402
from .api.kernel import (GetKernelStatus, Install, ResetKernel, SetKernelStatus,  # noqa: E402
                         VerbosityLevel, get_verbosity, set_verbosity)
from .api.node_collection import NodeCollection  # noqa: E402
from .api.nodes import Create, GetNodes, PrintNodes  # noqa: E402
from .api.simulate import Cleanup, Prepare, Run, RunManager, Simulate  # noqa: E402
from .api.status import (CopyModel, GetDefaults, GetStatus, Models, SetDefaults,  # noqa: E402
                         SetStatus)
from .api.synapse_collection import SynapseCollection  # noqa: E402
from .errors import NESTError, NESTErrors  # noqa: E402

__version__ = "0.1.0"

# Kernel properties exposed as module attributes: name -> docstring.
KERNEL_ATTRIBUTES = {
    "resolution": "Simulation time step (ms).",
    "rng_seed": "Seed of the kernel's random streams.",
    "biological_time": "Simulated time so far (ms); read-only.",
    "network_size": "Number of nodes (plus one, as NEST counts); read-only.",
    "num_connections": "Number of connections; read-only.",
    "local_num_threads": "Accepted for compatibility; jaxnest parallelises through XLA.",
    "total_num_virtual_procs": "Accepted for compatibility.",
    "min_delay": "Smallest connection delay (ms).",
    "max_delay": "Largest connection delay (ms).",
    "print_time": "Print progress during Simulate (accepted; jaxnest prints nothing).",
    "overwrite_files": "Whether recorders may overwrite existing data files.",
    "data_path": "Directory for recorder files.",
    "data_prefix": "Prefix of recorder file names.",
    "tics_per_ms": "Tics per millisecond of the time grid.",
    "ms_per_tic": "Length of one tic (ms); read-only.",
    "dict_miss_is_error": "Accepted for compatibility.",
    "float_precision": "jaxnest's float dtype of state ('float64').",
}


# What NEST's own test suite asks of a build (nest.build_info): jaxnest emulates NEST's GSL
# solvers, has no MPI, HDF5, MUSIC or SIONlib, and parallelises through XLA, not threads.
BUILD_INFO = {
    "version": "3.10.0", "built": "jaxnest " + __version__, "exitcode": 0, "ndebug": True,
    "have_boost": True, "have_gsl": True, "have_hdf5": False, "have_libneurosim": False,
    "have_mpi": False, "have_music": False, "have_sionlib": False, "have_threads": False,
    "threads_model": "none",
}


def set(**kwargs) -> None:  # noqa: A001 - PyNEST's name
    """``nest.set(resolution=0.1, rng_seed=1)``: set kernel properties."""
    SetKernelStatus(kwargs)


def get(*keys):
    """``nest.get("resolution")`` or ``nest.get("min_delay", "max_delay")``: kernel properties."""
    if not keys:
        return GetKernelStatus()
    if len(keys) == 1:
        return GetKernelStatus(keys[0])
    return tuple(GetKernelStatus(k) for k in keys)


def _models(kind: str):
    return Models(kind)


class _NestModule(types.ModuleType):
    """Module type whose kernel attributes read and write the global kernel."""

    def __getattr__(self, name):
        if name in KERNEL_ATTRIBUTES:
            return GetKernelStatus(name)
        if name == "node_models":
            return _models("nodes")
        if name == "synapse_models":
            return _models("synapses")
        if name == "kernel_status":
            return GetKernelStatus()
        if name == "verbosity":
            return get_verbosity()
        if name == "build_info":
            return dict(BUILD_INFO)
        if name in ("raster_plot", "voltage_trace"):  # PyNEST exposes them without an import
            import importlib
            return importlib.import_module(f"{__name__}.{name}")
        raise AttributeError(f"module 'jaxnest' has no attribute {name!r}")

    def __setattr__(self, name, value):
        if name in KERNEL_ATTRIBUTES:
            SetKernelStatus({name: value})
        elif name == "verbosity":
            set_verbosity(value)
        else:
            super().__setattr__(name, value)


sys.modules[__name__].__class__ = _NestModule

from . import random  # noqa: E402,F401  (nest.random.uniform, ...)
from . import math  # noqa: E402,F401
