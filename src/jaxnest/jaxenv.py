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
  ``~/.cache/jaxnest/xla``; empty disables it). JAX has no per-function cache setting and opens
  its one cache once per process, so jaxnest installs its cache object only while it is inside
  the scope and removes it on the way out (see :func:`_cache_on`); the user's compilations
  outside see JAX's own setting. A user who configures ``jax_compilation_cache_dir`` themselves
  gets jaxnest's functions in that cache too (JAX's process-wide choice), and jaxnest leaves
  their settings alone. Functions compiled by another thread while jaxnest runs could see
  jaxnest's cache (JAX's cache is process-wide).

Nothing here initialises a JAX backend: that happens at the first computation (the first
Simulate), so ``jax.config.update("jax_platforms", ...)`` after ``import jaxnest`` still works.
"""
from __future__ import annotations

import functools
import os
import threading

import jax

_MIN_COMPILE_SECS = 0.2  # jaxnest's functions worth keeping (JAX's default is 1 s)
_DEFAULT_DIR = os.path.join("~", ".cache", "jaxnest", "xla")

_lock = threading.Lock()
_depth = 0          # scopes open (all threads): the cache is swapped in while > 0
_installed = False  # jaxnest's cache object is JAX's current one
_cache = None       # jaxnest's cache object, made on first use
_cache_failed = False


def cache_dir() -> str:
    """jaxnest's persistent cache directory ("" when disabled by ``JAXNEST_CACHE_DIR=""``)."""
    d = os.environ.get("JAXNEST_CACHE_DIR")
    return os.path.expanduser(_DEFAULT_DIR if d is None else d)


def _jax_cache_module():
    try:
        from jax._src import compilation_cache as cc
    except ImportError:  # pragma: no cover - a JAX without it: no persistent cache
        return None
    if not all(hasattr(cc, a) for a in ("_cache", "get_file_cache")):
        return None  # pragma: no cover - JAX's internals changed: run without the cache
    return cc


def _cache_on() -> None:
    """Make jaxnest's cache JAX's persistent cache, unless the user has one (their
    ``jax_compilation_cache_dir`` or an initialised cache) or the cache is disabled."""
    global _installed, _cache, _cache_failed
    if _cache_failed or jax.config.jax_compilation_cache_dir or \
            not jax.config.jax_enable_compilation_cache:
        return
    d = cache_dir()
    cc = _jax_cache_module()
    if not d or cc is None or cc._cache is not None:
        return
    if _cache is None:
        try:
            _cache = cc.get_file_cache(d)[0]
        except Exception:  # noqa: BLE001 - an unwritable directory: run without the cache
            _cache_failed = True
            return
    cc._cache = _cache
    _installed = True


def _cache_off() -> None:
    global _installed
    if _installed:
        cc = _jax_cache_module()
        if cc is not None and cc._cache is _cache:
            cc._cache = None
        _installed = False


def _min_compile_time():
    """Thread-local ``jax_persistent_cache_min_compile_time_secs`` for jaxnest's compilations
    (None when this JAX has no such context manager)."""
    try:
        from jax._src import config as jcfg
        return jcfg.persistent_cache_min_compile_time_secs(_MIN_COMPILE_SECS)
    except (ImportError, AttributeError, TypeError):  # pragma: no cover
        return None


class scope:  # noqa: N801 - used like a function: ``with jaxenv.scope(): ...``
    """Context for jaxnest's JAX work: float64 and jaxnest's compilation cache (module doc).
    Re-entrant and cheap (about 4 us); a thread jaxnest starts enters its own."""

    __slots__ = ("_x64", "_mct")

    def __enter__(self):
        global _depth
        with _lock:
            if _depth == 0:
                _cache_on()
            _depth += 1
        self._x64 = jax.enable_x64(True)
        self._x64.__enter__()
        self._mct = _min_compile_time() if _installed else None
        if self._mct is not None:
            self._mct.__enter__()
        return self

    def __exit__(self, *exc):
        global _depth
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
