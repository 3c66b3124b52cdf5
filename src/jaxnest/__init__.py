"""jaxnest: the PyNEST 3.x interface on a JAX kernel.

``import jaxnest as nest`` and run a PyNEST script unchanged. Kernel properties are module
attributes (``nest.resolution = 0.1``), read from and written to the hidden global kernel, as
PyNEST does by making its module an object.
"""
from __future__ import annotations

import gc as _gc
import sys
import types

# Importing JAX and the models makes about a million objects that live as long as the process.
# Python's collector walks all of them in every full collection: during the import (~0.1 s),
# during the script, and at exit (0.2-0.3 s, a third of a small NEST example's whole run). So
# it pauses while jaxnest imports, and what the import made is then frozen (gc.freeze, as
# servers that fork do): never walked again, never collected (its few hundred cycles of garbage
# stay, ~0.1 MB).
_gc_was_enabled = _gc.isenabled()
_gc.disable()

# No global JAX settings here: double precision and the persistent compilation cache are scoped
# to jaxnest's own calls (jaxnest/jaxenv.py), and no backend starts before the first Simulate.
from . import errors  # noqa: E402
from .api.connect import (CollocatedSynapses, Connect, Disconnect,  # noqa: E402
                          GetConnections, TripartiteConnect)
from .api.kernel import (GetKernelStatus, GetLocalVPs, Install, NumProcesses,  # noqa: E402
                         Rank, ResetKernel, SetKernelStatus, SyncProcesses, VerbosityLevel,
                         get_verbosity, message, set_verbosity)
from .api.node_collection import NodeCollection  # noqa: E402
from .api.cm_elements import Compartments, Receptors  # noqa: E402,F401
from .api.nodes import Create, GetLocalNodeCollection, GetNodes, PrintNodes  # noqa: E402
from .api.simulate import Cleanup, Prepare, Run, RunManager, Simulate  # noqa: E402
from .api.spatial import (CreateMask, Displacement, Distance,  # noqa: E402
                          DumpLayerConnections, DumpLayerNodes, FindCenterElement,
                          FindNearestElement, GetPosition, GetSourceNodes, GetSourcePositions,
                          GetTargetNodes, GetTargetPositions, SelectNodesByMask)
from .api.status import (CopyModel, GetDefaults, GetStatus, Models, SetDefaults,  # noqa: E402
                         SetStatus, serialize_data, to_json)
from .api.synapse_collection import SynapseCollection  # noqa: E402
from .api.structural import (DisableStructuralPlasticity,  # noqa: E402
                             EnableStructuralPlasticity)
from .batch import batch  # noqa: E402  (jaxnest's: batched sweeps, docs/batch.md)
from .grad import value_and_grad  # noqa: E402  (jaxnest's: gradients, docs/batch.md)
from .jaxenv import scope as jax_scope  # noqa: E402  (jaxnest's JAX settings, for own JAX code)
from .connect.parameters import Parameter  # noqa: E402
from .connect.parameters import create_parameter as CreateParameter  # noqa: E402,N812
from .connect.spatial.masks import Mask  # noqa: E402
from .errors import NESTError, NESTErrors  # noqa: E402
from .spatial_plot import (PlotLayer, PlotProbabilityParameter, PlotSources,  # noqa: E402
                           PlotTargets)

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
    "print_time": "Print NEST's progress line during Simulate.",
    "overwrite_files": "Whether recorders may overwrite existing data files.",
    "data_path": "Directory for recorder files.",
    "data_prefix": "Prefix of recorder file names.",
    "tics_per_ms": "Tics per millisecond of the time grid.",
    "ms_per_tic": "Length of one tic (ms); read-only.",
    "dict_miss_is_error": "Unknown keys in status dicts: an error (True) or a warning.",
    "float_precision": "jaxnest's float dtype of state, weights and buffers: 'float64' "
                       "(default) or 'float32'.",
}


def to_brainstate(interval, n_intervals: int = 1):
    """The network as a brainstate module (jaxnest's; docs/batch.md): ``update(i)`` advances
    it ``interval`` ms, its neuron states are brainstate States. Imports brainstate."""
    from .brainstate_net import to_brainstate as make  # noqa: PLC0415 - brainstate is slow to import
    return make(interval, n_intervals)


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


class _NestModule(types.ModuleType):
    """Module type whose kernel attributes read and write the global kernel."""

    # Kernel properties (every key of the kernel status, node_models included) are
    # _KernelAttribute descriptors on this type: reads never reach __getattr__.
    def __getattr__(self, name):
        if name == "kernel_status":
            return GetKernelStatus()
        if name == "verbosity":
            return get_verbosity()
        if name == "build_info":  # this installation, under the keys NEST's tests read
            from .build import build_info
            return build_info()
        if name in ("raster_plot", "voltage_trace"):  # PyNEST exposes them without an import
            import importlib
            return importlib.import_module(f"{__name__}.{name}")
        raise AttributeError(f"module 'jaxnest' has no attribute {name!r}")

    def __setattr__(self, name, value):
        if name == "verbosity":
            set_verbosity(value)
        elif isinstance(value, types.ModuleType) or name.startswith("_"):
            super().__setattr__(name, value)  # the import machinery, private state
        elif hasattr(type(self).__dict__.get(name), "__set__"):  # a descriptor, as PyNEST
            type(self).__dict__[name].__set__(self, value)
        else:  # PyNEST freezes its module against typos
            raise AttributeError(f"Cannot set attribute '{name}' on module 'nest'")


class _KernelAttribute:
    """A kernel property on the module type, as PyNEST's KernelAttribute: ``nest.x`` reads
    the kernel, ``type(nest).x._default`` is NEST's default."""

    def __init__(self, name: str, default, readonly: bool) -> None:
        self._name, self._default, self._readonly = name, default, readonly

    def __get__(self, obj, objtype=None):
        return self if obj is None else GetKernelStatus(self._name)

    def __set__(self, obj, value) -> None:
        if self._readonly:
            raise AttributeError(f"`{self._name}` is a read only kernel attribute.")
        SetKernelStatus({self._name: value})


def _kernel_attributes() -> None:
    from .kernel.kernel import KERNEL_DEFAULTS
    for name in GetKernelStatus():
        default, writable = KERNEL_DEFAULTS.get(name, (None, False))
        setattr(_NestModule, name, _KernelAttribute(name, default if writable else None,
                                                    not writable))


_kernel_attributes()
sys.modules[__name__].__class__ = _NestModule

from . import random  # noqa: E402,F401  (nest.random.uniform, ...)
from . import math  # noqa: E402,F401
from . import logic, spatial, spatial_distributions  # noqa: E402,F401

from .nestml import hook as _nestml_hook  # noqa: E402

_nestml_hook.install()  # pynestml's generate_nest_target generates for jaxnest (docs/nestml.md)

_gc.freeze()
if _gc_was_enabled:
    _gc.enable()
