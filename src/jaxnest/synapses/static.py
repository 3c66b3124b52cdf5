"""static_synapse: fixed weight and delay.

Plastic rules will live beside it, one file per family, each a spec plus pure functions over
edge arrays.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class SynapseModel:
    """A NEST synapse model: name and defaults (weight in pA/nS as the target expects, delay ms)."""

    name: str
    params: Mapping[str, object] = field(default_factory=dict)


COMMON = {"weight": 1.0, "delay": 1.0, "receptor_type": 0}

MODELS = {m.name: m for m in (
    SynapseModel("static_synapse", dict(COMMON)),
    SynapseModel("static_synapse_hom_w", dict(COMMON)),
)}
