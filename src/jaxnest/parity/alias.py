"""Make ``import nest`` (and ``nest.X``, ``from nest import ...``) resolve to jaxnest.

An unmodified PyNEST script imports ``nest``; a meta-path finder maps every ``nest[.sub]`` to the
already-imported ``jaxnest[.sub]`` module object, so the script and jaxnest share one module (and
one kernel) instead of a second copy of the package under another name.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import os
import sys
import warnings

# Submodules PyNEST imports lazily on attribute access (nest.raster_plot without an import).
_LAZY_SUBMODULES = ("raster_plot", "voltage_trace")


class _AliasLoader(importlib.abc.Loader):
    """Hands back the existing ``jaxnest...`` module under the ``nest...`` name."""

    def __init__(self, target):
        self.target = target
        self.spec = getattr(target, "__spec__", None)

    def create_module(self, spec):
        return self.target

    def exec_module(self, module):
        # importlib set __spec__ to the alias spec; keep jaxnest's own.
        if self.spec is not None:
            module.__spec__ = self.spec


class NestAliasFinder(importlib.abc.MetaPathFinder):
    """``nest`` -> ``jaxnest``, ``nest.a.b`` -> ``jaxnest.a.b``."""

    def __init__(self, prefix: str = "nest", target: str = "jaxnest"):
        self.prefix, self.target = prefix, target

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.prefix and not fullname.startswith(self.prefix + "."):
            return None
        real = self.target + fullname[len(self.prefix):]
        try:
            module = importlib.import_module(real)
        except ModuleNotFoundError as e:
            if e.name != real and not real.startswith(str(e.name) + "."):
                raise  # a dependency of the jaxnest module is missing: say which
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: jaxnest has no counterpart of {fullname} "
                f"(looked for {real})", name=fullname) from None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(module))


def install_nest_alias(prefix: str = "nest"):
    """Route ``import nest`` to jaxnest for the rest of this process; returns the module."""
    import jaxnest
    if not any(isinstance(f, NestAliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, NestAliasFinder(prefix))
    for name in list(sys.modules):
        if name == prefix or name.startswith(prefix + "."):
            del sys.modules[name]
    for sub in _LAZY_SUBMODULES:  # cheap: they import matplotlib only when plotting
        try:
            importlib.import_module(f"jaxnest.{sub}")
        except ImportError:  # pragma: no cover - partial installs
            pass
    sys.modules[prefix] = jaxnest
    return jaxnest


def headless_matplotlib() -> None:
    """Make matplotlib render off-screen so ``plt.show()`` returns at once."""
    os.environ["MPLBACKEND"] = "Agg"
    warnings.filterwarnings("ignore", message=".*non-interactive.*")
    warnings.filterwarnings("ignore", message=".*cannot be shown.*")
    if "matplotlib" in sys.modules:
        import matplotlib
        matplotlib.use("Agg", force=True)
