"""Closed-form queueing for contact centers: Erlang B, C and A, and staffing search.

Units: every duration is in seconds (``aht_s``, ``patience_s``, ``threshold_s``, ``asa_s``),
arrival rates in contacts per hour (``calls_per_hour``), load in erlangs. Probabilities and
service levels are fractions in [0, 1]. Every function broadcasts over numpy arrays (one
element per interval); scalar inputs give scalar outputs. Service-level definitions are named
by ``SLDefinition``.
"""

from .erlang_a import erlang_a_kpis
from .erlang_b import erlang_b
from .erlang_c import erlang_c, erlang_c_kpis
from .load import offered_load_erlangs
from .results import QueueKPIs, StaffingResult
from .service_level import (
    SLDefinition,
    ratio_of_counts,
    service_level_from_counts,
    sl_denominator,
)
from .staffing import required_agents

__all__ = [
    "QueueKPIs",
    "SLDefinition",
    "StaffingResult",
    "erlang_a_kpis",
    "erlang_b",
    "erlang_c",
    "erlang_c_kpis",
    "offered_load_erlangs",
    "ratio_of_counts",
    "required_agents",
    "service_level_from_counts",
    "sl_denominator",
]
