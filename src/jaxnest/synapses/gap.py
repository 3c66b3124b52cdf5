"""gap_junction: NEST's electrical synapse between ``*_gap`` neurons (hh_psc_alpha_gap,
hh_cond_beta_gap_traub). The weight is the junction's conductance (nS); the connection has no
delay (NEST: BadProperty when one is given; it counts toward min_delay with the kernel's
``wfr_comm_interval``). NEST requires symmetric connectivity: ``one_to_one`` with
``make_symmetric``, ``symmetric_pairwise_bernoulli``, or ``all_to_all`` of a population onto
itself with scalar parameters (checked at Connect, kernel/connections.py). The kernel couples
the neurons in its gap phase (kernel/gap.py), never through the spike edges.
"""
from __future__ import annotations

from dataclasses import dataclass

from .base import COMMON
from .rate import SecondarySynapse


@dataclass(frozen=True)
class GapSynapse(SecondarySynapse):
    requires_symmetric: bool = True
    """NEST's REQUIRES_SYMMETRIC model property (GetDefaults shows it)."""


gap_junction = GapSynapse("gap_junction", dict(COMMON), secondary="gap_junction",
                          has_delay=False, event_name="gap junction",
                          no_delay="gap_junction connection has no delay")

MODELS = {gap_junction.name: gap_junction}
