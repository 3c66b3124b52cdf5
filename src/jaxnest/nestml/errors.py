"""The error the jaxnest NESTML target raises for constructs it cannot translate yet: at
generation time, naming the construct and the model (never later, at Simulate)."""
from __future__ import annotations

import contextlib
import contextvars

from .. import errors

_model = contextvars.ContextVar("nestml_model", default=None)


class UnsupportedConstruct(errors.NotImplemented):
    """A NESTML construct the jaxnest target does not translate (yet)."""


@contextlib.contextmanager
def model_context(name: str):
    """Errors raised inside name this model."""
    token = _model.set(name)
    try:
        yield
    finally:
        _model.reset(token)


def current_model():
    """The name of the model being generated (None outside ``model_context``)."""
    return _model.get()


def unsupported(construct: str):
    model = _model.get()
    where = f" (model '{model}')" if model else ""
    raise UnsupportedConstruct(
        f"jaxnest's NESTML target cannot translate {construct}{where} yet.")
