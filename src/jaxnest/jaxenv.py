"""jaxnest's JAX settings, scoped to jaxnest's own work so that it lives beside other JAX code.

jaxnest needs double precision (NEST computes in double) and benefits from a persistent
compilation cache (a second run of a script reuses compiled code). Both are process-wide JAX
settings; setting them at import would change every JAX computation of the user's (their
``jnp.arange(3.0)`` would become float64, their jitted functions would land in jaxnest's cache).
Instead every API call that traces, compiles or runs JAX code, or creates device arrays, runs
inside :func:`scope`:

- ``jax.enable_x64(True)``, JAX's thread-local context for double precision (it is part of
  jit's cache key, so jaxnest's functions compile and run in float64 however the user sets
  ``jax_enable_x64``); nothing jaxnest returns is a JAX array (the API hands out numpy arrays
  and Python numbers).
- jaxnest's persistent compilation cache: ``JAXNEST_CACHE_DIR`` (default
  ``~/.cache/jaxnest/xla``; empty disables it; read at jaxnest's first JAX work), keeping
  jaxnest's functions that took 0.2 s or more to compile. JAX has no per-function cache
  setting and opens its one cache once per process, so jaxnest installs its cache object
  (``jax._src.compilation_cache._cache``: a JAX internal; without it jaxnest runs uncached)
  only while a thread is inside a scope and removes it on the way out (:func:`_cache_on`); the
  user's compilations outside see JAX's own setting. A user who configures
  ``jax_compilation_cache_dir`` themselves gets jaxnest's functions in that cache too (JAX's
  process-wide choice), and jaxnest leaves their settings alone. Functions compiled by another thread while jaxnest runs could see
  jaxnest's cache (JAX's cache is process-wide).

Nothing here initialises a JAX backend: that happens at the first computation (the first
Simulate), so ``jax.config.update("jax_platforms", ...)`` after ``import jaxnest`` still works.

Process-wide settings: on a CPU-only JAX, importing jaxnest before any JAX backend starts
raises XLA:CPU's limit for compiling a small while loop into one function, and with
``JAXNEST_FMA=0`` turns fused multiply-adds off (:func:`_cpu_flags`).
"""
from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import importlib.util
import os
import sys
import threading

import numpy as np


@contextlib.contextmanager
def _no_rocm_scan():
    """JAX's first import reads the metadata of every installed distribution, looking for a
    ROCm plugin by name (jax._src.numpy.array_constructors: ~130 METADATA files here, ~45 ms
    of a 0.37 s ``import jax``). Where no ``jax_rocm*`` package lies on ``sys.path`` that
    scan can find nothing, so while JAX imports, and only then, it sees no distributions.
    Left alone where JAX is already imported or other threads run (they might read
    distributions in that window)."""
    if "jax" in sys.modules or threading.active_count() > 1 or _rocm_installed():
        yield
        return
    distributions = importlib.metadata.distributions
    importlib.metadata.distributions = lambda *args, **kwargs: iter(())
    try:
        yield
    finally:
        importlib.metadata.distributions = distributions


def _rocm_installed() -> bool:
    """Whether a directory on sys.path holds a jax_rocm* package (or its metadata)."""
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        if any(n.startswith(("jax_rocm", "jax-rocm")) for n in names):
            return True
    return False


with _no_rocm_scan():
    import jax

_SMALL_LOOP_BYTES = 10 ** 12  # XLA:CPU's limit is 1 kB; this one: any size
_ACCELERATOR_PLUGINS = ("jax_cuda12_plugin", "jax_cuda13_plugin", "jax_rocm60_plugin",
                        "jax_rocm7_plugin", "libtpu", "jax_plugins")
_CPU_DEVICES = 8  # host devices at most (kernel/shards.py)
_MIN_COMPILE_SECS = 0.2  # jaxnest's functions worth keeping (JAX's default is 1 s)
_DEFAULT_DIR = os.path.join("~", ".cache", "jaxnest", "xla")

_lock = threading.Lock()
_local = threading.local()  # .depth: scopes open in this thread (inner ones cost nothing);
#                            .bypass: inside bypass()
_depth = 0          # threads inside a scope: the cache is swapped in while > 0
_installed = False  # jaxnest's cache object is JAX's current one
_cache = None       # jaxnest's cache object, made on first use
_no_cache = False   # disabled (JAXNEST_CACHE_DIR=""), unwritable, or JAX lacks the hooks
_cc = None          # jax._src.compilation_cache, once found
_mct = None         # JAX's thread-local persistent_cache_min_compile_time_secs context


def cache_dir() -> str:
    """jaxnest's persistent cache directory ("" when disabled by ``JAXNEST_CACHE_DIR=""``);
    read once, at jaxnest's first JAX work."""
    d = os.environ.get("JAXNEST_CACHE_DIR")
    return os.path.expanduser(_DEFAULT_DIR if d is None else d)


def _setup() -> None:
    """Find JAX's cache hooks and open jaxnest's cache (first scope only)."""
    global _cache, _no_cache, _cc, _mct
    try:
        from jax._src import compilation_cache as cc
        from jax._src import config as jcfg
        _mct = jcfg.persistent_cache_min_compile_time_secs
        _mct(_MIN_COMPILE_SECS)  # a context manager in this JAX?
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - JAX changed
        _no_cache = True
        return
    d = cache_dir()
    if not d or not all(hasattr(cc, a) for a in ("_cache", "get_file_cache")):
        _no_cache = True
        return
    try:
        _cache = _Declining(cc.get_file_cache(d)[0])
    except Exception:  # noqa: BLE001 - an unwritable directory: run without the cache
        _no_cache = True
        return
    _cc = cc


class _Declining:
    """jaxnest's cache object as JAX sees it: JAX's file cache, except that a thread inside
    :func:`bypass` neither reads nor writes it."""

    def __init__(self, inner) -> None:
        self._inner = inner

    @property
    def _path(self):
        return self._inner._path

    def get(self, key):
        return None if getattr(_local, "bypass", False) else self._inner.get(key)

    def put(self, key, value) -> None:
        if not getattr(_local, "bypass", False):
            self._inner.put(key, value)

    def __getattr__(self, name):
        return getattr(self._inner, name)


class bypass:  # noqa: N801 - used like a function: ``with jaxenv.bypass(): ...``
    """Compilations of this thread skip JAX's persistent cache (kernel/exec_cache.py keeps
    their executables itself; one that JAX read back could not be stored there)."""

    def __enter__(self):
        self._old = getattr(_local, "bypass", False)
        _local.bypass = True
        return self

    def __exit__(self, *exc):
        _local.bypass = self._old
        return False


def _cache_on() -> None:
    """Make jaxnest's cache JAX's persistent cache, unless the user has one (their
    ``jax_compilation_cache_dir`` or an initialised cache) or the cache is disabled."""
    global _installed
    if _cc is None and not _no_cache:
        _setup()
    if _no_cache or _cc._cache is not None or jax.config.jax_compilation_cache_dir or \
            not jax.config.jax_enable_compilation_cache:
        return
    _cc._cache = _cache
    _installed = True


def _cache_off() -> None:
    global _installed
    if _installed:
        if _cc._cache is _cache:
            _cc._cache = None
        _installed = False


class scope:  # noqa: N801 - used like a function: ``with jaxenv.scope(): ...``
    """Context for jaxnest's JAX work: float64 and jaxnest's compilation cache (module doc).
    Re-entrant: only a thread's outermost scope does anything (a thread jaxnest starts
    enters its own)."""

    __slots__ = ("_x64", "_mct")

    def __enter__(self):
        global _depth
        depth = getattr(_local, "depth", 0)
        _local.depth = depth + 1
        self._x64 = self._mct = None
        if depth:
            return self
        with _lock:
            if _depth == 0:
                _cache_on()
            _depth += 1
        self._x64 = jax.enable_x64(True)
        self._x64.__enter__()
        if _installed:
            self._mct = _mct(_MIN_COMPILE_SECS)
            self._mct.__enter__()
        return self

    def __exit__(self, *exc):
        global _depth
        _local.depth -= 1
        if self._x64 is None:
            return False
        try:
            if self._mct is not None:
                self._mct.__exit__(*exc)
            self._x64.__exit__(*exc)
        finally:
            with _lock:
                _depth -= 1
                if _depth == 0:
                    _cache_off()
        return False


def scoped(fn):
    """Decorator: run ``fn`` inside :class:`scope`."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with scope():
            return fn(*args, **kwargs)

    return wrapper


def put(x, dtype=None) -> jax.Array:
    """A host value (numpy array or scalar) on the device, compiling nothing: ``jnp.asarray``,
    ``jnp.zeros`` or ``jnp.int32(v)`` outside a trace run an eager JAX operation, which JAX
    compiles once per shape and dtype (10-40 ms each; a small script's first Simulate paid
    dozens of them). Call it inside :class:`scope` (64-bit types stay 64-bit)."""
    return jax.device_put(np.asarray(x, dtype))


def _cpu_flags() -> None:
    """XLA:CPU settings, before its backend starts (XLA reads ``XLA_FLAGS`` once):

    - compile while loops into one function instead of running their operations one by one
      (a thunk each, ~0.3-1 us however small), whatever their size (XLA's limit is 1 kB per
      iteration; loops holding a scatter or a sort stay as they are): a network of a few
      neurons runs its time steps 2-3x faster (one hh_psc_alpha: 4.8 -> 1.7-2.4 us per
      step), and the delivery loops, written to hold no scatter (kernel/blocks.py), need
      about half the CPU time. Off with ``JAXNEST_SMALL_LOOP_BYTES=0`` or where
      ``XLA_FLAGS`` already sets backend options;
    - ``JAXNEST_FMA=0``: no fused multiply-adds (``--xla_cpu_max_isa=AVX``). XLA:CPU contracts
      ``a * b + c`` into one rounding where the CPU has FMA, NEST's generic x86-64 build does
      not, so traces drift from NEST's by an ulp now and then; without FMA they are NEST's to
      the bit (iaf_psc_exp), at 10-30 % more time per step (docs/performance.md);
    - one host device per core (at most ``_CPU_DEVICES``; ``JAXNEST_CPU_DEVICES`` sets the
      number, 1 turns it off; left alone where the user set JAX's own): a script that asks for
      threads runs its plastic deliveries on that many (kernel/shards.py); everything else
      runs on the first, as with one.

    Skipped where a GPU or TPU plugin is installed or ``JAX_PLATFORMS`` names another platform
    (their backends hand these options to LLVM, which does not know them)."""
    limit = os.environ.get("JAXNEST_SMALL_LOOP_BYTES", str(_SMALL_LOOP_BYTES))
    flags = os.environ.get("XLA_FLAGS", "")
    platforms = os.environ.get("JAX_PLATFORMS", "cpu").lower()
    if platforms not in ("cpu", ""):
        return
    if any(importlib.util.find_spec(m) is not None for m in _ACCELERATOR_PLUGINS):
        return
    from jax._src import xla_bridge
    if xla_bridge.backends_are_initialized():
        return
    add = []
    if limit not in ("", "0") and "xla_backend_extra_options" not in flags:
        add.append("--xla_backend_extra_options="
                   f"xla_cpu_small_while_loop_byte_threshold={int(limit)}")
    if os.environ.get("JAXNEST_FMA", "1") == "0" and "xla_cpu_max_isa" not in flags:
        add.append("--xla_cpu_max_isa=AVX")
    if add:
        os.environ["XLA_FLAGS"] = " ".join([flags, *add]).strip()
    n = int(os.environ.get("JAXNEST_CPU_DEVICES", min(os.cpu_count() or 1, _CPU_DEVICES)))
    if jax.config.jax_num_cpu_devices == -1 and "device_count" not in flags and n > 1:
        jax.config.update("jax_num_cpu_devices", n)


_cpu_flags()
