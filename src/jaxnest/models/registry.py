"""Registry of everything ``Create`` and ``Connect`` accept, by NEST name.

Every module of the packages ``jaxnest.models``, ``jaxnest.devices`` and ``jaxnest.synapses``
that exports ``MODELS`` (one model family per file) is a family: adding a NEST model is adding
its file. This module merges the families and keeps the models that ``CopyModel`` derives (a
base model plus changed defaults). A model NEST has but jaxnest lacks
raises a clear error naming it (see :func:`lookup`).
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
from dataclasses import dataclass, field

from .. import errors
from ..synapses.base import SynapseModel
from .nest_names import NODE_MODELS, SYNAPSE_MODELS

_PACKAGES = ("jaxnest.models", "jaxnest.devices", "jaxnest.synapses")


@functools.cache
def _families() -> tuple:
    """The family modules, in a fixed order (package, then module name); found once."""
    out = []
    for pkg in _PACKAGES:
        path = importlib.import_module(pkg).__path__
        for info in sorted(pkgutil.iter_modules(path), key=lambda m: m.name):
            mod = importlib.import_module(f"{pkg}.{info.name}")
            if hasattr(mod, "MODELS"):
                out.append(mod)
    return tuple(out)


@dataclass
class Entry:
    """A model name as users see it: the implementation plus its current defaults."""

    name: str
    impl: object  # NeuronModel, DeviceModel or SynapseModel
    defaults: dict = field(default_factory=dict)
    builtin: bool = True

    @property
    def is_synapse(self) -> bool:
        return isinstance(self.impl, SynapseModel)

    @property
    def element_type(self) -> str:
        return "synapse" if self.is_synapse else self.impl.element_type


EXTENSION_MODELS: dict = {}
"""Models that ``nest.Install`` added (NESTML modules, jaxnest/nestml): name -> model. Like
NEST's module models they survive ResetKernel."""


def builtin_models() -> dict[str, Entry]:
    """Fresh entries for every model jaxnest implements and every installed model
    (ResetKernel restores these)."""
    out = {}
    families = [mod.MODELS for mod in _families()] + [EXTENSION_MODELS]
    for models in families:
        for name, impl in models.items():
            defaults = dict(impl.params)
            if hasattr(impl, "state") and not isinstance(impl, SynapseModel):
                defaults.update(impl.state)
            out[name] = Entry(name, impl, defaults)
    return out


def lookup(models: dict[str, Entry], name: str, synapse: bool | None = None) -> Entry:
    """The entry for ``name``, or the NEST error a user of NEST would expect."""
    entry = models.get(name)
    if entry is not None:
        if synapse is None or entry.is_synapse == synapse:
            return entry
    elif name in NODE_MODELS or name in SYNAPSE_MODELS:
        raise errors.NotImplemented(f"{name} is a NEST model that jaxnest does not support yet.")
    if synapse:
        raise errors.UnknownSynapseType(f"Synapse with name {name} does not exist.")
    raise errors.UnknownModelName(f"{name} is not a known model name.")
