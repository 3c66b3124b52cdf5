"""ResetKernel, Get/SetKernelStatus, verbosity, Install."""
from __future__ import annotations

from .. import errors
from . import _state

_VERBOSITY = {"M_ALL": 0, "M_DEBUG": 5, "M_STATUS": 7, "M_INFO": 10, "M_DEPRECATED": 18,
              "M_WARNING": 20, "M_ERROR": 30, "M_FATAL": 40, "M_QUIET": 100}
_verbosity = ["M_INFO"]


def ResetKernel() -> None:
    """Remove all nodes and connections and restore every default."""
    _state.reset()


def GetKernelStatus(keys=None):
    d = _state.kernel().status()
    if keys is None:
        return d
    if isinstance(keys, str):
        if keys not in d:
            raise errors.KeyError(f"'{keys}' is not a kernel property.")
        return d[keys]
    return tuple(d[k] for k in keys)


def SetKernelStatus(params: dict) -> None:
    _state.kernel().set_status(dict(params))


def set_verbosity(level) -> None:
    if isinstance(level, str) and level not in _VERBOSITY:
        raise errors.BadParameter(f"Unknown verbosity level {level}.")
    _verbosity[0] = level


def get_verbosity():
    return _verbosity[0]


def Install(module_name: str) -> None:
    raise errors.DynamicModuleManagementError(
        f"Install('{module_name}'): extension modules are compiled NEST C++ code and cannot be "
        "loaded into jaxnest. Models from NESTML modules are not supported yet.")
