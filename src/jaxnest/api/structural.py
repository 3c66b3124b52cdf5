"""EnableStructuralPlasticity and DisableStructuralPlasticity (kernel/sp_manager.py)."""
from __future__ import annotations

from ..jaxenv import scoped
from ..kernel import sp_manager
from . import _state


@scoped
def EnableStructuralPlasticity() -> None:
    """Update the connectivity at every structural_plasticity_update_interval from now on."""
    sp_manager.enable(_state.kernel())


@scoped
def DisableStructuralPlasticity() -> None:
    sp_manager.disable(_state.kernel())
