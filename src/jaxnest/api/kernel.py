"""ResetKernel, Get/SetKernelStatus, verbosity, Install."""
from __future__ import annotations

from .. import errors, messages
from .. import units as unit_table
from ..jaxenv import scoped
from . import _state


VerbosityLevel = messages.VerbosityLevel


@scoped
def ResetKernel() -> None:
    """Remove all nodes and connections and restore every default."""
    _state.reset()


@scoped
def GetKernelStatus(keys=None, units: bool = False):
    """Kernel properties: all (a dict), one, or a tuple of several; ``units=True`` gives
    times and other dimensioned values as brainunit quantities in NEST's units."""
    d = _state.kernel().status()
    if units:
        d = unit_table.kernel_as_quantities(d)
    if keys is None:
        return d
    if not isinstance(keys, (str, list, tuple)):
        raise TypeError("keys should be either a string or an iterable")
    if isinstance(keys, str):
        if keys not in d:
            raise KeyError(keys)  # PyNEST raises the built-in KeyError here
        return d[keys]
    missing = [k for k in keys if k not in d]
    if missing:
        raise KeyError(missing[0])
    return tuple(d[k] for k in keys)


@scoped
def SetKernelStatus(params: dict) -> None:
    """Set kernel properties; quantities (``resolution=0.1 * u.ms``) in NEST's units."""
    _state.kernel().set_status(unit_table.kernel_params_to_nest(dict(params)))


def set_verbosity(level) -> None:
    """Old form: ``set_verbosity("M_ERROR")``; the level of NEST's messages to show (they go
    through the ``logging`` logger "jaxnest" and ``warnings``: jaxnest/messages.py)."""
    if isinstance(level, str):
        name = level[2:] if level.startswith("M_") else level
        if name not in VerbosityLevel.__members__:
            raise errors.BadParameter(f"Unknown verbosity level {level}.")
        level = VerbosityLevel[name]
    messages.set_verbosity(level)


def get_verbosity() -> VerbosityLevel:
    return messages.get_verbosity()


def Rank() -> int:
    """MPI rank of this process: always 0 (jaxnest runs in one process)."""
    return int(_state.kernel().status()["mpi_rank"])


def NumProcesses() -> int:
    """Number of MPI processes: always 1."""
    return int(_state.kernel().status()["num_processes"])


def SyncProcesses() -> None:
    """Synchronize MPI processes: nothing to do in one process."""


def GetLocalVPs():
    """The virtual processes of this rank (NEST's round-robin over ranks)."""
    return range(Rank(), int(_state.kernel().status()["total_num_virtual_procs"]),
                 NumProcesses())


def message(message: str, severity=VerbosityLevel.INFO, *, function=None, filename=None,
            lineno=None) -> None:
    """Log a message as NEST's logger does: shown when ``severity`` reaches the verbosity."""
    messages.message(message, severity)


def Install(module_name: str) -> None:
    """Load a module generated from NESTML (``generate_nest_target(..., module_name=...)``
    under jaxnest, docs/nestml.md) and register its models; compiled NEST C++ modules
    cannot be loaded (DynamicModuleManagementError)."""
    from ..nestml import install
    install(module_name)
