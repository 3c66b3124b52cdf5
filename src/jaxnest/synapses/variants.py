"""The ``_hpc`` and ``_lbl`` variants NEST registers for its synapse models.

NEST builds each synapse model three times: the plain one, ``<name>_hpc`` (the target stored
as a thread-local index: a smaller connection, same rule, parameters and status; receptor
port 0 only) and ``<name>_lbl`` (a ``synapse_label`` per connection, -1 unless set, by which
GetConnections can select). Here a variant is the base model under the other name (labels as
one more per-connection value), made for every model of this package that NEST has the
variant of, so new synapse families get theirs without a line here.
"""
from __future__ import annotations

import dataclasses
import importlib
import pkgutil

import numpy as np

from .. import errors
from ..models.nest_names import SYNAPSE_MODELS
from .base import SynapseModel


def check_label(v: dict) -> None:
    """NEST's ConnectionLabel: an integer, not negative (-1 is what an unlabelled one shows)."""
    label = np.asarray(v["synapse_label"], float)
    if np.any(label != np.round(label)):
        raise RuntimeError("The dictionary value with key synapse_label does not hold a "
                           "numeric integer type.")
    if np.any(label < 0) and not np.all(label == -1):
        raise errors.BadProperty("Connection label must not be negative.")


def _labelled_check(base_check):
    def check(v: dict) -> None:
        if base_check is not None:  # NEST: the model's set_status first, then the label
            base_check(v)
        if "synapse_label" in v:
            check_label(v)
    return check


def hpc(base: SynapseModel) -> SynapseModel:
    return dataclasses.replace(base, name=base.name + "_hpc")


def lbl(base: SynapseModel) -> SynapseModel:
    return dataclasses.replace(base, name=base.name + "_lbl",
                               params={**base.params, "synapse_label": -1},
                               check=_labelled_check(base.check))


def _bases() -> list[SynapseModel]:
    out = []
    pkg = importlib.import_module(__package__)
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name == __name__.rsplit(".", 1)[1]:
            continue
        mod = importlib.import_module(f"{__package__}.{info.name}")
        out += [m for m in getattr(mod, "MODELS", {}).values() if isinstance(m, SynapseModel)]
    return out


def _variants() -> dict[str, SynapseModel]:
    out = {}
    for base in _bases():
        for suffix, make in (("_hpc", hpc), ("_lbl", lbl)):
            if base.name + suffix in SYNAPSE_MODELS:
                out[base.name + suffix] = make(base)
    return out


MODELS = _variants()
