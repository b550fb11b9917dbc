"""Volume scenarios: the forecast's P10/P50/P90 and the plan re-staffed at a volume.

The volume risk a price carries is the forecast's *level* error (the whole month 10% above
forecast), not the day-to-day noise the simulator draws around it: with independent days,
``day_volume_cv`` of 8% would move a month's volume by only 8% / sqrt(days). So, unless the
pricing gives an explicit ``volume_band``, each channel's ``forecast_error.day_volume_cv`` is
read as the coefficient of variation of a lognormal level multiplier whose median is the
forecast (the conservative reading: days fully correlated): ``sigma^2 = ln(1 + cv^2)``,
quantile ``q_p = exp(z_p sigma)``; channels move together (all at their P10 at once).

A plan at another volume is re-planned, not scaled: staffing to a service level has economies
of scale (square-root staffing: agents ~ load + beta sqrt(load), Gans, Koole & Mandelbaum
2003, *M&SOM* 5(2), section 4.1), so cost grows less than proportionally with volume, and
the integer agents and shift blocks make it a step function. The volume is changed through
``scenarios.overrides.apply_overrides`` as a special period over the whole horizon with the
multiplier (works for ``volume_per_day`` and CSV demand alike).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import special

from ..overrides import apply_overrides
from ..pipeline import PlanResult, plan
from ..scenario import Scenario

__all__ = ["QUANTILES", "VolumePlans", "volume_multipliers"]

#: The volume quantiles priced.
QUANTILES = ("P10", "P50", "P90")
# Standard normal quantiles (scipy.special.ndtri, what scipy.stats.norm.ppf computes: the
# check imports this module for a liability cap, and scipy.stats costs ~0.7 s to import).
_Z = {"P10": special.ndtri(0.10), "P50": 0.0, "P90": special.ndtri(0.90)}


def volume_multipliers(scenario: Scenario) -> dict[str, dict[str, float]]:
    """Per quantile, each channel's volume multiplier of the forecast (see module docstring)."""
    band = scenario.pricing.volume_band if scenario.pricing is not None else None
    if band is not None:
        values = {"P10": band.p10, "P50": band.p50, "P90": band.p90}
        return {q: {c.name: values[q] for c in scenario.channels} for q in QUANTILES}
    out = {}
    for q in QUANTILES:
        out[q] = {}
        for c in scenario.channels:
            cv = c.demand.forecast_error.day_volume_cv
            sigma = np.sqrt(np.log1p(cv**2))
            out[q][c.name] = float(np.exp(_Z[q] * sigma))
    return out


def volume_source(scenario: Scenario) -> str:
    """Where the volume quantiles come from, in words."""
    band = scenario.pricing.volume_band if scenario.pricing is not None else None
    if band is not None:
        return (
            f"the pricing's volume band: P10 {band.p10:g}, P50 {band.p50:g}, P90 {band.p90:g} x "
            "forecast"
        )
    cvs = ", ".join(
        f"{c.name} {c.demand.forecast_error.day_volume_cv:g}" for c in scenario.channels
    )
    return (
        "each channel's day_volume_cv read as the CV of a lognormal volume level, median = "
        f"forecast ({cvs})"
    )


def scaled(scenario: Scenario, multipliers: dict[str, float]) -> Scenario:
    """``scenario`` with each channel's volume multiplied (a whole-horizon special period)."""
    changes = {}
    last = scenario.start_date.toordinal() + scenario.days - 1
    end = type(scenario.start_date).fromordinal(last)
    for ch in scenario.channels:
        m = multipliers.get(ch.name, 1.0)
        if m == 1.0:
            continue
        existing = [p.model_dump(mode="json") for p in ch.demand.special_periods]
        period = {
            "label": f"volume x {m:.4g}",
            "start_date": scenario.start_date.isoformat(),
            "end_date": end.isoformat(),
            "multiplier": m,
        }
        changes[f"channels.{ch.name}.demand.special_periods"] = existing + [period]
    return apply_overrides(scenario, changes) if changes else scenario


@dataclass
class VolumePlans:
    """Plans of one scenario at several volumes, each computed once (keyed by the channels'
    multipliers). ``base`` is the plan at the forecast."""

    base: PlanResult
    base_dir: Path | None = None
    _cache: dict = field(default_factory=dict)

    def at(self, multipliers: dict[str, float] | float) -> PlanResult:
        """The plan re-staffed at ``multipliers`` (per channel, or one for every channel)."""
        scenario = self.base.scenario
        if not isinstance(multipliers, dict):
            multipliers = {c.name: float(multipliers) for c in scenario.channels}
        key = tuple(round(multipliers.get(c.name, 1.0), 9) for c in scenario.channels)
        if all(k == 1.0 for k in key):
            return self.base
        if key not in self._cache:
            self._cache[key] = plan(
                scaled(scenario, multipliers), self.base.model, base_dir=self.base_dir
            )
        return self._cache[key]

    @property
    def plans_computed(self) -> int:
        return len(self._cache) + 1
