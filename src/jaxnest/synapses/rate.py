"""rate_connection_delayed, rate_connection_instantaneous and diffusion_connection:
connections that carry a value per step (NEST's DelayedRateConnectionEvent,
InstantaneousRateConnectionEvent, DiffusionConnectionEvent) between rate neurons, rate
transformers, siegert neurons and step_rate_generator. The kernel delivers them in its
continuous phase (kernel/continuous.py), never through the spike edges.

rate_connection_instantaneous has no delay (NEST: BadProperty when one is given); its
connections count toward min_delay with the kernel's ``wfr_comm_interval`` (the resolution
when ``use_wfr`` is off), and GetStatus shows the model's default delay. diffusion_connection (siegert_neuron) has no
delay either and carries two factors instead of a weight: the value times ``drift_factor``
goes to the target's drift input, times ``diffusion_factor`` to its diffusion input (the
weight is shown but refused, as in NEST).
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
    no_delay: str = ""
    """NEST's BadProperty message when a delay is given to a model without one."""
    channel_weights: tuple[str, ...] = ()
    """Per-connection factors that replace the weight, one per target input channel (the
    connection delivers value x factor_c into channel c); empty: the weight."""
    no_weight: str = ""
    """NEST's BadProperty message when a weight is given (models with channel_weights)."""



MODELS = {m.name: m for m in (
    SecondarySynapse("rate_connection_delayed", dict(COMMON), secondary="rate_delayed",
                     event_name="delayed rate"),
    SecondarySynapse("rate_connection_instantaneous", dict(COMMON),
                     secondary="rate_instantaneous", has_delay=False,
                     event_name="instantaneous rate",
                     no_delay="rate_connection_instantaneous has no delay. Please use "
                              "rate_connection_delayed."),
    SecondarySynapse("diffusion_connection", {**COMMON, "weight": 2.0, "drift_factor": 1.0,
                                              "diffusion_factor": 1.0},
                     secondary="diffusion", has_delay=False, event_name="diffusion",
                     no_delay="diffusion_connection has no delay.",
                     channel_weights=("drift_factor", "diffusion_factor"),
                     no_weight="Please use the parameters drift_factor and diffusion_factor "
                               "to specifiy the weights."),
)}
