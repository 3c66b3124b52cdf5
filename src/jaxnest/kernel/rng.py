"""The kernel's view of :mod:`jaxnest.streams` (counter-based random streams)."""
from ..streams import (Draws, bits, bits_from_keys, index_key, key_of,  # noqa: F401
                       step_key, uniform)
