"""Say why a run failed: what jaxnest lacks, or what NEST itself would need to run the script.

The reasons are read off the exception a run ended with (type, message, missing module name).
Each is a short phrase; :func:`missing_items` turns jaxnest's errors into countable items
(``model:aeif_cond_exp``, ``function:nest.Disconnect``, ...) for the "what to build next" list.
"""
from __future__ import annotations

import re

from .runner import RunResult

# Modules NEST examples import that are not part of NEST or its dependencies.
OPTIONAL_PACKAGES = {"IPython", "imageio", "pydot", "csa", "h5py", "mpi4py", "music",
                     "sklearn", "PIL", "networkx", "seaborn", "elephant", "neo", "quantities",
                     "tensorflow", "torch", "gzip_", "nestml"}

_NEST_NEEDS = (
    (re.compile(r"music", re.I), "needs MUSIC"),
    (re.compile(r"\bmpi\b|mpirun|mpi4py", re.I), "needs MPI"),
    (re.compile(r"hdf5|sonata", re.I), "needs NEST built with HDF5 (SONATA)"),
    (re.compile(r"libneurosim|\bcsa\b|ConnectionGenerator", re.I), "needs CSA/libneurosim"),
    (re.compile(r"No such file|FileNotFound|not found.*\.(txt|dat|npy|h5|pkl)|urlopen|"
                r"URLError|download", re.I), "needs external data"),
)


def nest_needs(run: RunResult) -> str:
    """Why real NEST could not run the script (MUSIC, MPI, data, an optional package...)."""
    if run.timed_out:
        return "NEST exceeds the time limit"
    err = run.error or {}
    message = f"{err.get('type', '')}: {err.get('message', '')}"
    for pattern, reason in _NEST_NEEDS:  # the error's own words first, then the log
        if pattern.search(message):
            return reason
    if err.get("type") in ("ModuleNotFoundError", "ImportError"):
        name = (err.get("name") or _module_in(err.get("message", "")) or "").split(".")[0]
        if name and name != "nest":
            return f"needs optional package {name}"
    for pattern, reason in _NEST_NEEDS:  # e.g. a script that prints why and calls sys.exit
        if pattern.search(run.stderr_tail[-800:] + run.stdout_tail[-800:]):
            return reason
    return f"NEST fails: {_short(err.get('type'), err.get('message'))}"


def _module_in(message: str) -> str | None:
    m = re.search(r"No module named '([^']+)'", message or "")
    return m.group(1) if m else None


def _short(kind, message, n: int = 160) -> str:
    msg = " ".join(str(message or "").split())
    return f"{kind}: {msg[:n]}" + ("..." if len(msg) > n else "")


# PyNEST's submodules: a missing ``nest.spatial`` is a module, not a function.
NEST_SUBMODULES = frozenset({"spatial", "spatial_distributions", "visualization", "raster_plot",
                             "voltage_trace", "lib", "ll_api", "server", "logic", "math",
                             "random"})

_MISSING_PATTERNS = (
    (re.compile(r"(\w+) is a NEST model that jaxnest does not support"), "model"),
    (re.compile(r"module 'jaxnest' has no attribute '([^']+)'"), "function"),
    (re.compile(r"module 'jaxnest\.(\w+)' has no attribute '([^']+)'"), "function"),
    (re.compile(r"'(NodeCollection|SynapseCollection|Parameter)' object has no attribute "
                r"'([^']+)'"), "method"),
    (re.compile(r"No module named '(nest\.[\w.]+)'"), "module"),
    (re.compile(r"cannot import name '([^']+)' from 'jaxnest"), "function"),
    (re.compile(r"`(\w+)` is not a valid kernel parameter"), "kernel-parameter"),
    (re.compile(r"Unaccessed elements in \w+, in function [\w:]+:\s*(\w+)"), "parameter"),
)


# "setup: jaxnest.errors.NotImplemented: ..." (pytest's words) -> "..."
_EXC_PREFIX = re.compile(r"^(?:(?:setup|teardown|collection): )?(?:[\w.]+: )?")


def missing_item(run: RunResult) -> str | None:
    """``kind:name`` of the missing thing a jaxnest run stopped at, when it says so."""
    err = run.error or {}
    msg = _EXC_PREFIX.sub("", str(err.get("message", "")))
    for pattern, kind in _MISSING_PATTERNS:
        m = pattern.search(msg)
        if not m:
            continue
        if kind == "function" and m.lastindex == 2:
            return f"function:nest.{m.group(1)}.{m.group(2)}"
        if kind == "function":
            kind = "module" if m.group(1) in NEST_SUBMODULES else "function"
            return f"{kind}:nest.{m.group(1)}"
        if kind == "method":
            return f"method:{m.group(1)}.{m.group(2)}"
        return f"{kind}:{m.group(1)}"
    if err.get("type") == "NotImplemented" or "not supported by jaxnest" in msg \
            or "not support" in msg and "jaxnest" in msg:
        return "feature:" + " ".join(msg.split())[:120]
    if err.get("type") == "UnknownModelName":
        m = re.match(r"(\S+) is not a known model name", msg)
        if m:
            return f"model:{m.group(1)}"
    return None


def jaxnest_status(run: RunResult) -> tuple[str, str]:
    """(status, reason) of a failed jaxnest run: unsupported, timeout or error (a bug)."""
    if run.timed_out:
        return "timeout", "jaxnest exceeds the time limit"
    item = missing_item(run)
    err = run.error or {}
    where = f" (line {err['line']})" if err.get("line") else ""
    if item:
        return "unsupported", item + where
    return "error", _short(err.get("type"), err.get("message")) + where
