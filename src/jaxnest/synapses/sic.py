"""sic_connection: an astrocyte's slow inward current (NEST's SICEvent) to a neuron.

A delayed secondary connection (kernel/continuous.py): the SIC value an astrocyte_lr_1994
computes in step s arrives, times the weight, as I_SIC input of the target
(aeif_cond_alpha_astro) in step s + d.
"""
from __future__ import annotations

from .base import COMMON
from .rate import SecondarySynapse

sic_connection = SecondarySynapse("sic_connection", dict(COMMON), secondary="sic",
                                  event_name="SIC")

MODELS = {sic_connection.name: sic_connection}
