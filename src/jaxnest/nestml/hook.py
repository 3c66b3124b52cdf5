"""Redirect pynestml's NEST-target frontend functions to jaxnest once jaxnest is imported.

``generate_nest_target`` and ``generate_target(..., target_platform="NEST")`` of
``pynestml.frontend.pynestml_frontend`` then generate a jaxnest module (frontend.py) instead of
NEST C++. pynestml is not imported here (importing jaxnest stays fast): if it is not loaded
yet, a finder on ``sys.meta_path`` patches the module right after Python loads it, so
``from pynestml.frontend.pynestml_frontend import generate_nest_target`` written after
``import nest`` (``jaxnest run``) or ``import jaxnest`` gets jaxnest's function.
"""
from __future__ import annotations

import functools
import importlib.abc
import sys

TARGET = "pynestml.frontend.pynestml_frontend"


def _patch(mod) -> None:
    if getattr(mod, "_jaxnest_patched", False):
        return
    from . import frontend
    original = mod.generate_target
    mod.generate_target = functools.wraps(original)(
        functools.partial(frontend.generate_target, _original=original))
    mod.generate_nest_target = functools.wraps(mod.generate_nest_target)(
        frontend.generate_nest_target)
    mod._jaxnest_patched = True


class _Loader(importlib.abc.Loader):
    def __init__(self, inner):
        self.inner = inner

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module):
        self.inner.exec_module(module)
        _patch(module)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != TARGET:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                spec.loader = _Loader(spec.loader)
                return spec
        return None


def install() -> None:
    """Patch now if pynestml's frontend is loaded, else when it is."""
    if TARGET in sys.modules:
        _patch(sys.modules[TARGET])
    elif not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
