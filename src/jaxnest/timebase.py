"""NEST's time base: ``tics_per_ms`` (default 1000, a tic is 1 us) and its conversions.

The kernel owns the time base and may change it (``nest.set(tics_per_ms=..., resolution=...)``
before any node exists). Two ways carry it to code that converts ms to tics or steps:

- neuron models get it as the parameter :data:`TICS_KEY`, which the kernel fills in for every
  neuron (hidden from the status). Models compute their step counts inside the compiled
  update, so it must be a traced argument, not a Python constant baked into a cached trace;
  read it with :func:`of_params`;
- host code (devices' grid checks and schedules, run outside any trace) reads the kernel's
  current value with :func:`tics_per_ms`; the kernel sets it with :func:`set_tics_per_ms`.
"""
TICS_PER_MS = 1000.0
"""NEST's default tics per ms."""

TICS_KEY = "__tics_per_ms"
"""Name of the per-neuron parameter that holds the kernel's tics per ms."""

_current = [TICS_PER_MS]


def tics_per_ms() -> float:
    """The current kernel's tics per ms (host code)."""
    return _current[0]


def set_tics_per_ms(value: float) -> None:
    """Called by the kernel when it is created or its time base changes."""
    _current[0] = float(value)


def of_params(p) -> float:
    """The tics per ms a model's parameters carry (NEST's default when absent, e.g. when a
    test calls a model's functions directly)."""
    return p[TICS_KEY] if TICS_KEY in p else TICS_PER_MS
