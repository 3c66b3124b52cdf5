"""The kernel's view of :mod:`jaxnest.streams` (counter-based random streams)."""
from ..streams import (Draws, bits, bits_from_keys, index_key, step_key,  # noqa: F401
                       uniform)
