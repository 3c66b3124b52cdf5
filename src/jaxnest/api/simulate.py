"""Simulate, Run, Prepare, Cleanup and the RunManager context."""
from __future__ import annotations

from contextlib import contextmanager

from .. import errors
from ..jaxenv import scoped
from ..units import time_to_ms
from . import _state


@scoped
def Simulate(t: float) -> None:
    """Advance the network by ``t`` ms (a multiple of the resolution; or a brainunit time):
    Prepare, Run, Cleanup."""
    t = time_to_ms(t, "Simulate")
    k = _state.kernel()
    Prepare()  # as NEST: a bad time raises in Run and leaves the kernel prepared
    k.run(float(t))
    k.cleanup()


@scoped
def Prepare() -> None:
    """Open recorder files; a failure leaves the kernel prepared, as in NEST (call Cleanup)."""
    k = _state.kernel()
    if k.prepared:
        raise errors.KernelException("Prepare called twice.")
    k.prepare()


@scoped
def Run(t: float) -> None:
    t = time_to_ms(t, "Run")
    k = _state.kernel()
    if not k.prepared:
        raise errors.KernelException("Run called without calling Prepare first.")
    k.run(float(t))


@scoped
def Cleanup() -> None:
    k = _state.kernel()
    if not k.prepared:
        raise errors.KernelException("Cleanup called without calling Prepare.")
    k.cleanup()


@contextmanager
def RunManager():
    """``with nest.RunManager(): nest.Run(t) ...``: Prepare on entry, Cleanup on exit."""
    Prepare()
    try:
        yield
    finally:
        Cleanup()
