"""The three service-level definitions found in contact-center contracts.

There is no single industry formula once callers abandon, so every service-level figure in
this package says which of these it is (``SLDefinition``) and its threshold in seconds.
"""

from __future__ import annotations

from enum import Enum

import numpy as np


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


def ratio_of_counts(numerator, denominator):
    """``numerator / denominator`` elementwise, NaN where the denominator is 0 (not measured).

    The one convention for a period with nothing to count: its KPI is not measured (NaN), so it
    is neither met nor missed; never 1.0 ("perfect") or 0.0 ("failed").

    >>> ratio_of_counts([8, 0], [10, 0]).tolist()
    [0.8, nan]
    """
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def service_level_from_counts(
    definition: SLDefinition, answered_within, offered, abandoned_within, answered
):
    """Measured service level from pooled counts under ``definition`` (NaN: not measured).

    * ``OF_OFFERED``: answered within T / offered;
    * ``EXCL_SHORT_ABANDONS``: answered within T / (offered - abandoned within T);
    * ``OF_ANSWERED``: answered within T / answered.

    Counts are summed over whatever the caller pools (intervals of a period, replications),
    never averaged as ratios. A period with an empty denominator is not measured (NaN).

    >>> service_level_from_counts(SLDefinition.EXCL_SHORT_ABANDONS, 80, 110, 10, 90)
    array(0.8)
    """
    return ratio_of_counts(
        answered_within, sl_denominator(definition, offered, abandoned_within, answered)
    )


def sl_denominator(definition: SLDefinition, offered, abandoned_within, answered):
    """The count a service level under ``definition`` is taken of (its numerator is always
    answered within T): offered, offered - abandoned within T, or answered."""
    definition = SLDefinition(definition)
    if definition is SLDefinition.OF_OFFERED:
        return offered
    if definition is SLDefinition.EXCL_SHORT_ABANDONS:
        return np.asarray(offered, dtype=float) - np.asarray(abandoned_within, dtype=float)
    return answered
