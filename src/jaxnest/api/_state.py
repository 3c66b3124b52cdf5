"""The one global kernel behind the PyNEST surface, and the thin bridges the API uses."""
from __future__ import annotations

import numpy as np

from .. import errors
from ..kernel import nodes as knodes
from ..kernel.kernel import Kernel

_kernel = Kernel()
_kernel_id = 0


def kernel() -> Kernel:
    return _kernel


def kernel_id() -> int:
    return _kernel_id


KEPT_ON_RESET = ("eprop_learning_window", "eprop_reset_neurons_on_update",
                 "eprop_update_interval")
"""Kernel settings NEST 3.10's ResetKernel keeps (its SimulationManager does not reset them)."""


def reset() -> None:
    global _kernel, _kernel_id
    kept = {k: _kernel.settings[k] for k in KEPT_ON_RESET}
    _kernel = Kernel()
    _kernel.settings.update(kept)
    _kernel_id += 1


def connection_epoch() -> int:
    """How many Disconnects the current kernel has seen (SynapseCollections remap by it)."""
    return len(_kernel.network.conns.deletions)


RESET_INVALIDATES = "note that ResetKernel invalidates all previously created NodeCollections."


def check_current(collection, why: str = RESET_INVALIDATES) -> None:
    """Collections from before a ResetKernel cannot be sliced, joined or connected (NEST's
    InvalidNodeCollection; their get and set read the nodes with those ids now)."""
    if collection._kernel_id != _kernel_id and len(collection):
        raise errors.KernelException(f"InvalidNodeCollection: {why}")


def node_statuses(ids: np.ndarray, keys: tuple[str, ...] = ()) -> list[dict]:
    return [knodes.get_status(_kernel, int(g), keys) for g in ids]


def set_node_statuses(ids: np.ndarray, per_node: list[dict]) -> None:
    knodes.set_status(_kernel, ids, per_node)


def models_of(ids: np.ndarray) -> list[str]:
    net = _kernel.network
    return [net.model_of(int(g)) if 0 < g <= net.size else "<unknown>" for g in ids]
