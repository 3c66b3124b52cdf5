"""rate_connection_delayed and rate_connection_instantaneous: connections that carry a value
per step (NEST's DelayedRateConnectionEvent / InstantaneousRateConnectionEvent) between rate
neurons, rate transformers and step_rate_generator. The kernel delivers them in its
continuous phase (kernel/continuous.py), never through the spike edges.

rate_connection_instantaneous has no delay (NEST: BadProperty when one is given); its
connections count toward min_delay with the kernel's ``wfr_comm_interval`` (the resolution
when ``use_wfr`` is off), and GetStatus shows the model's default delay.
"""
from __future__ import annotations

from dataclasses import dataclass

from .base import COMMON, SynapseModel


@dataclass(frozen=True)
class SecondarySynapse(SynapseModel):
    """A synapse model that carries a secondary event type instead of spikes."""

    secondary: str = ""
    """The event type: what the source must send and the target accept."""
    has_delay: bool = True
    """False: the connection has no delay of its own (instantaneous)."""
    event_name: str = ""
    """How NEST names the event in its IllegalConnection messages."""


NO_DELAY = "{} has no delay. Please use rate_connection_delayed."

MODELS = {m.name: m for m in (
    SecondarySynapse("rate_connection_delayed", dict(COMMON), secondary="rate_delayed",
                     event_name="delayed rate"),
    SecondarySynapse("rate_connection_instantaneous", dict(COMMON),
                     secondary="rate_instantaneous", has_delay=False,
                     event_name="instantaneous rate"),
)}
