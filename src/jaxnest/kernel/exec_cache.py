"""Compiled chunk functions kept on disk, found again without tracing or lowering.

JAX's persistent cache (jaxenv) skips XLA's compilation in a later process, but finds an entry
only by its lowered module: every script still traces and lowers its chunk function first,
about 0.35 s for a network of a few neurons, most of a small script's first Simulate. Here the
executable is stored under a digest of what the trace depends on, so a later process loads it
directly:

- the chunk's Static (kernel/plan.py: "everything a compiled chunk function depends on besides
  argument values"), its capacities, written out field by field (:func:`canonical`; the
  models and synapse rules in it with their parameters and functions);
- the source of the jaxnest package (any edit gives new digests), and the versions, XLA flags,
  JAX settings and device that the compiled code is for.

A Static holding anything that cannot be written out exactly (an object of a class from
elsewhere that is not a dataclass, code from outside jaxnest, JAX and numpy whose source file
cannot be read: a NESTML model's generated module) gets no digest and is compiled as before.
Each signature of the arguments (structure, shapes, dtypes) has its own entry. Entries live in
``chunks/`` of jaxnest's cache directory (``JAXNEST_CACHE_DIR``; empty: off).

Module constants that the trace reads are part of the source digest, not of the key: code that
patches one at run time (a test trying small ring sizes) must turn this cache off
(``key_of`` returning None), or it may run an executable traced without the patch.
"""
from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import os
import pickle
import sys
import threading
import types

import jax
import numpy as np

from .. import jaxenv

_VERSION = "2"
_CODE_MODULES = ("jaxnest.", "jax.", "jaxlib.", "numpy.")  # code covered by digest/versions
_BUILTIN_MODULES = ("builtins", "math", "operator", "functools", "numpy", "jax")
_JAX_SETTINGS = ("jax_default_matmul_precision", "jax_numpy_rank_promotion",
                 "jax_numpy_dtype_promotion", "jax_default_prng_impl",
                 "jax_threefry_partitionable", "jax_enable_x64")


class _Unstable(Exception):
    """Something in a Static that cannot be written out exactly."""


def canonical(obj) -> str:
    """A text that equals another's exactly when the two objects trace the same chunk
    (given the same jaxnest source); raises _Unstable where that cannot be promised."""
    out: list[str] = []
    _write(obj, out, set())
    return "".join(out)


def _write(o, out: list, seen: set) -> None:
    if o is None or isinstance(o, (bool, int, str, bytes)):
        out.append(f"{type(o).__name__}:{o!r};")
    elif isinstance(o, float):
        out.append(f"f:{o.hex()};")
    elif isinstance(o, (np.generic, np.dtype)):
        out.append(f"np:{o.dtype if isinstance(o, np.generic) else ''}:{o!r};")
    elif isinstance(o, np.ndarray):
        out.append(f"arr:{o.dtype}:{o.shape}:{hashlib.sha256(o.tobytes()).hexdigest()};")
    elif isinstance(o, (tuple, list)):
        out.append("(")
        for x in o:
            _write(x, out, seen)
        out.append(")")
    elif isinstance(o, dict):
        out.append("{")
        for k in sorted(o, key=repr):
            _write(k, out, seen)
            _write(o[k], out, seen)
        out.append("}")
    elif isinstance(o, (set, frozenset)):
        out.append("set{" + "".join(sorted(canonical(x) for x in o)) + "}")
    elif isinstance(o, enum.Enum):
        out.append(f"enum:{_path(type(o))}.{o.name};")
    elif isinstance(o, type):
        out.append(f"type:{_code_path(o)};")
    elif isinstance(o, functools.partial):
        out.append("partial:")
        _write((o.func, o.args, o.keywords), out, seen)
    elif isinstance(o, types.MethodType):
        out.append("method:")
        _write((o.__func__, o.__self__), out, seen)
    elif isinstance(o, types.FunctionType):
        _write_function(o, out, seen)
    elif isinstance(o, (types.BuiltinFunctionType, np.ufunc)):
        mod = getattr(o, "__module__", None) or ""
        if mod.split(".")[0] not in _BUILTIN_MODULES:
            raise _Unstable(f"builtin {o!r}")
        out.append(f"builtin:{mod}.{getattr(o, '__qualname__', o.__name__)};")
    elif dataclasses.is_dataclass(o) or _own(type(o)):
        _write_object(o, out, seen)
    else:
        raise _Unstable(f"{type(o).__module__}.{type(o).__qualname__}")


def _write_object(o, out: list, seen: set) -> None:
    if id(o) in seen:  # a cycle: the object is written once
        out.append(f"ref:{_code_path(type(o))};")
        return
    seen.add(id(o))
    out.append(f"obj:{_code_path(type(o))}")
    if dataclasses.is_dataclass(o):
        fields = {f.name: getattr(o, f.name) for f in dataclasses.fields(o)}
    else:
        fields = {}
    fields.update((k, v) for k, v in getattr(o, "__dict__", {}).items()
                  if k != "_hash")  # a hash kept for this process (plan.Static): not content
    for cls in type(o).__mro__:
        for name in getattr(cls, "__slots__", ()):
            if hasattr(o, name):
                fields.setdefault(name, getattr(o, name))
    _write(fields, out, seen)


def _write_function(f, out: list, seen: set) -> None:
    out.append(f"fn:{_code_path(f)}")
    if (f.__module__ or "").startswith(("jax.", "jaxlib.", "numpy.")):  # versions cover it
        out.append(";")
        return
    if id(f) in seen:
        out.append(";")
        return
    seen.add(id(f))
    cells = tuple(c.cell_contents for c in f.__closure__ or () if _filled(c))
    _write((f.__defaults__, f.__kwdefaults__, cells), out, seen)


def _filled(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:  # not assigned yet
        return False
    return True


def _path(obj) -> str:
    return f"{obj.__module__}.{obj.__qualname__}"


def _own(cls) -> bool:
    return (cls.__module__ or "").startswith("jaxnest.")


def _code_path(obj) -> str:
    """Where code comes from: jaxnest's (the source digest covers it), JAX's or numpy's (their
    versions do); code elsewhere (a generated model) is named by its source file's digest."""
    mod = getattr(obj, "__module__", None) or ""
    if mod.startswith(_CODE_MODULES) or mod in _BUILTIN_MODULES:
        return _path(obj)
    src = getattr(sys.modules.get(mod), "__file__", None)
    if not src or not os.path.isfile(src):
        raise _Unstable(f"code of {mod}")
    with open(src, "rb") as fh:
        return f"{_path(obj)}@{hashlib.sha256(fh.read()).hexdigest()}"


@functools.lru_cache(maxsize=1)
def _environment() -> str:
    """What the compiled code is for besides the Static, and does not change while jaxnest
    runs: its source, versions, XLA flags (read once by XLA), device."""
    import jaxlib
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    h = hashlib.sha256()
    for dirpath, dirnames, files in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                h.update(os.path.relpath(path, root).encode())
                with open(path, "rb") as fh:
                    h.update(fh.read())
    dev = jax.devices()[0]
    return repr((_VERSION, h.hexdigest(), jax.__version__, jaxlib.__version__, np.__version__,
                 os.environ.get("XLA_FLAGS", ""), dev.platform, dev.device_kind,
                 dev.client.platform_version, jax.device_count()))


def key_of(*parts) -> str | None:
    """The digest of a chunk function (its Static and capacities), or None when the cache is
    off or the Static cannot be written out exactly."""
    if not jaxenv.cache_dir():
        return None
    try:
        text = canonical(parts)
    except (_Unstable, RecursionError):
        return None
    settings = [(s, str(getattr(jax.config, s, None))) for s in _JAX_SETTINGS]
    env = sorted((k, v) for k, v in os.environ.items() if k.startswith("JAXNEST_"))
    return hashlib.sha256((text + _environment() + repr((settings, env))).encode()).hexdigest()


def _file(key: str) -> str:
    return os.path.join(jaxenv.cache_dir(), "chunks", key + ".pkl")


def load(key: str | None):
    """The stored executable of ``key`` (None if absent or unreadable)."""
    if key is None or not os.path.exists(_file(key)):
        return None
    from jax.experimental import serialize_executable
    try:
        with open(_file(key), "rb") as fh:
            (blob, in_tree, out_tree), ids = pickle.load(fh)
        devices = {d.id: d for d in jax.devices()}
        return serialize_executable.deserialize_and_load(
            blob, in_tree, out_tree, execution_devices=[devices[i] for i in ids])
    except Exception:  # noqa: BLE001 - a damaged or foreign entry: compile instead
        return None


def store(key: str | None, compiled) -> None:
    """Keep ``compiled`` under ``key`` (written whole, then renamed: readers never see part
    of it); failures (a full disk, an executable XLA cannot serialize) leave nothing."""
    if key is None:
        return
    from jax.experimental import serialize_executable
    path = _file(key)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        blob = serialize_executable.serialize(compiled)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as fh:
            pickle.dump((blob, _device_ids(compiled)), fh)
        os.replace(tmp, path)
    except Exception:  # noqa: BLE001
        if os.path.exists(tmp):
            os.remove(tmp)


def _device_ids(compiled) -> list[int]:
    """The devices an executable runs on (its inputs' shardings): loading it for all of the
    process's devices instead fails at the first call where there are several (JAX's
    deserialize default; e.g. jax_num_cpu_devices = 2)."""
    ids = {d.id for s in jax.tree.leaves(compiled.input_shardings) for d in s.device_set}
    return sorted(ids) or [jax.devices()[0].id]


_hits = threading.local()  # .n: JAX persistent-cache hits in this thread
_watching = []


def _on_event(event: str, **kwargs) -> None:
    if event == "/jax/compilation_cache/cache_hits":
        _hits.n = getattr(_hits, "n", 0) + 1


def discard(key: str) -> None:
    """Remove an entry (one that loaded but did not run: compiled again, stored anew)."""
    try:
        os.remove(_file(key))
    except OSError:
        pass


def _signature(args) -> tuple:
    """The arguments' structure, shapes and dtypes: what an executable was compiled for
    besides the Static (e.g. a parameter shared by a group is a scalar, one that differs
    between its neurons a vector; scripts may switch between the two every run)."""
    leaves, tree = jax.tree.flatten(args)
    return tree, tuple((getattr(x, "shape", ()), getattr(x, "dtype", type(x))) for x in leaves)


class ChunkFn:
    """A jitted chunk function whose executables are kept on disk, one per argument
    signature (:func:`_signature`) under the digest of the key and the signature: a call runs
    the executable of the last call, and one with other arguments (TypeError) finds, loads
    or compiles its own. What is stored is only what XLA compiled in this process (an
    executable JAX read from its own persistent cache serializes without its kernels:
    'Function ... not found' when loaded and run), so these compilations bypass JAX's cache
    (jaxenv.bypass), and a hit there all the same (a user's own cache) leaves nothing
    stored. An entry that loads but fails on its first run that way is discarded and the
    chunk compiled again. Without a key (cache off, a Static that cannot be written out)
    executables are compiled through JAX's caches as any jitted function."""

    def __init__(self, jitted, key: str | None, donates: bool = False) -> None:
        self.jitted, self.key = jitted, key
        self.donates = donates  # its executables take the carry's buffers (no reruns)
        self.exe = None  # the executable of the last call
        self.by_signature = {}  # signature -> [executable, disk key, loaded and not yet run]

    def compile_ahead(self, *args) -> None:
        """Find or compile (and store) the executable for these arguments (shapes suffice)."""
        self._entry(args)

    def __call__(self, *args):
        if self.exe is not None:
            try:
                return self.exe(*args)
            except TypeError:  # arguments of another structure, shape or type
                pass
        entry = self._entry(args)
        self.exe = entry[0]
        if not entry[2]:
            return self.exe(*args)
        try:  # a loaded executable's errors surface when results are read: see them here
            out = self.exe(*args)
            jax.block_until_ready(out)
        except jax.errors.JaxRuntimeError as e:  # an entry that loads but cannot run
            if "NOT_FOUND" not in str(e):
                raise
            discard(entry[1])
            entry[0] = self.exe = self._compile(args, entry[1])
            out = self.exe(*args)
        entry[2] = False
        return out

    def _entry(self, args) -> list:
        sig = _signature(args)
        entry = self.by_signature.get(sig)
        if entry is None:
            key = None if self.key is None else hashlib.sha256(
                (self.key + repr(sig)).encode()).hexdigest()
            exe = load(key)
            entry = [exe, key, exe is not None]
            if exe is None:
                entry[0] = self._compile(args, key)
            self.by_signature[sig] = entry
        return entry

    def _compile(self, args, key: str | None):
        """Compile for ``args`` and store the executable under ``key``, before it first runs:
        once run, its sorts hold their comparators resolved, which XLA:CPU cannot serialize
        ('`LessThan` is not serializable')."""
        if key is None:
            return self.jitted.lower(*args).compile()
        if not _watching:
            _watching.append(True)
            jax.monitoring.register_event_listener(_on_event)
        _hits.n = 0
        with jaxenv.bypass():
            compiled = self.jitted.lower(*args).compile()
        if not _hits.n:
            store(key, compiled)
        return compiled
