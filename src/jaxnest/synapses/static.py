"""static_synapse and static_synapse_hom_w: fixed weight and delay (the kernel's fast path)."""
from __future__ import annotations

from .base import COMMON, SynapseModel

MODELS = {m.name: m for m in (
    SynapseModel("static_synapse", dict(COMMON)),
    SynapseModel("static_synapse_hom_w", dict(COMMON), common=("weight",)),
)}
