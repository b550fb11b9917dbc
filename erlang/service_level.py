"""The three service-level definitions found in contact-center contracts.

There is no single industry formula once callers abandon, so every service-level figure in
this package says which of these it is (``SLDefinition``) and its threshold in seconds.
"""

from __future__ import annotations

from enum import Enum


class SLDefinition(str, Enum):
    """How "X% answered within Y seconds" is counted.

    * ``OF_OFFERED`` -- answered within the threshold / offered (all arriving contacts). The
      default, and the strictest: an abandoned contact counts against the standard.
    * ``EXCL_SHORT_ABANDONS`` -- answered within the threshold / (offered - abandoned within
      the threshold): callers who hang up before the threshold are left out.
    * ``OF_ANSWERED`` -- answered within the threshold / answered: every abandon is left out.

    Without abandonment (Erlang C) the three coincide. The two excluding definitions reward
    hang-ups and can fall as agents are added; see ``required_agents``.
    """

    OF_OFFERED = "of_offered"
    EXCL_SHORT_ABANDONS = "excl_short_abandons"
    OF_ANSWERED = "of_answered"

    @property
    def formula(self) -> str:
        """The definition in words, with "T" for the threshold."""
        return {
            SLDefinition.OF_OFFERED: "answered within T / offered",
            SLDefinition.EXCL_SHORT_ABANDONS: "answered within T / (offered - abandoned within T)",
            SLDefinition.OF_ANSWERED: "answered within T / answered",
        }[self]

    def describe(self, threshold_s: float) -> str:
        """E.g. ``"answered within 20 s / offered"``."""
        return self.formula.replace("T", f"{threshold_s:g} s")

    @property
    def field(self) -> str:
        """Name of the matching ``QueueKPIs`` field."""
        return {
            SLDefinition.OF_OFFERED: "service_level",
            SLDefinition.EXCL_SHORT_ABANDONS: "service_level_excl_short_abandons",
            SLDefinition.OF_ANSWERED: "service_level_of_answered",
        }[self]
