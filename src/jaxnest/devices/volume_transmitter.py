"""volume_transmitter: collects the spikes of dopamine neurons for neuromodulated synapses.

As NEST's volume_transmitter (Potjans et al. 2010): the spikes sent to it (their
multiplicities; weights play no part) are kept with their arrival times, and every
``deliver_interval`` min_delay slices it hands them to the stdp_dopamine_synapse connections
whose model names it (common property ``volume_transmitter``, set with SetDefaults or
CopyModel), which then update; each synapse also reads them at its own presynaptic spikes.
The kernel does the work (jaxnest.kernel.neuromod); this is the node's spec.
"""
from __future__ import annotations

import numpy as np

from .. import errors
from .base import DeviceModel


def _check(d: dict, h: float) -> None:
    """deliver_interval is an integer (NEST's TypeMismatch otherwise); NEST takes any."""
    v = d["deliver_interval"]
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise errors.TypeMismatch("Expected datatype: Failed to cast 'deliver_interval' from "
                                  f"{'double' if isinstance(v, float) else type(v).__name__}"
                                  " to type long")
    d["deliver_interval"] = int(v)


MODELS = {"volume_transmitter": DeviceModel("volume_transmitter", {"deliver_interval": 1},
                                            "other", "volume_transmitter", check=_check)}
