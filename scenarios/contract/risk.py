"""Pricing under volume risk: what each pricing model costs the client and earns the provider
at the forecast's P10/P50/P90 volume, who carries the risk, and where the provider breaks
even.

The models compared are the contract's own pricing as written (with its contact definition,
minimum offtake, bands and peak rates) and the four plain models (per contact, per hour,
fixed monthly, hybrid), each with its rate set so that the client pays, at the P50 volume,
what the contract's pricing charges there (equal-revenue calibration: the models then differ
only in who carries the volume risk). The hybrid keeps the contract's fixed share of the P50
charge when the contract is hybrid, else half fixed and half per contact. The plain models
bill the contract's billable contacts.

At each volume the provider's staffing is re-planned (``volume.VolumePlans``): Erlang
staffing has economies of scale, so the cost at P90 is below the linearly scaled cost, and
``linear_cost`` is shown beside it. Money is per year: the horizon's totals x 365 / days.

* spread: P90 minus P10 of the client's cost and of the provider's margin;
* ``client_share_of_risk``: (client's cost at P90 - at P10) / (provider's cost at P90 - at
  P10): 0 for a fixed fee (the provider carries the volume risk), about hourly price / hourly
  cost for per-hour pricing (the client carries it);
* break-even: the volume (one multiplier of the forecast for every channel) at which the
  provider's margin crosses 0: margins are computed on a geometric grid of multipliers from
  0.25 to 4 (``GRID``), and the sign change nearest the forecast is refined by bisection to
  0.5% of volume (staffing is a step function of volume, so the margin may cross 0 more than
  once; the crossing nearest the forecast is the one a negotiation is about);
* who is cheaper for whom: per quantile, the model the client pays least under and the one
  the provider earns most under, and over the grid the ranges of volume in which each model
  is the client's cheapest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..pipeline import PlanResult
from ..scenario import Pricing
from ..verdict._common import DAYS_PER_YEAR
from .billing import MonthlyCharges, charges
from .volume import QUANTILES, VolumePlans, volume_multipliers, volume_source

__all__ = [
    "GRID",
    "BreakEven",
    "ModelRisk",
    "PricingAnalysis",
    "break_even",
    "calibrated_models",
    "price_under_volume_risk",
]

#: Volume multipliers (of the forecast, every channel alike) the break-even scan plans at.
GRID = tuple(float(m) for m in np.geomspace(0.25, 4.0, 13))
#: Relative width of the bracket the break-even bisection stops at.
BREAK_EVEN_TOLERANCE = 0.005


@dataclass(frozen=True)
class BreakEven:
    """Where the provider's margin crosses 0 under one pricing model.

    ``multiplier``: the volume as a multiplier of the forecast (every channel alike), None
    when the margin keeps one sign over ``GRID``; ``offered_per_year``: contacts offered per
    year at that volume; ``profitable``: "above" or "below" the break-even volume, or
    "always" / "never" over the whole grid. Staffing is a step function of volume, so when
    the price is close to the cost per contact the margin can cross 0 several times in a
    zone of volumes; this is one crossing of that zone."""

    multiplier: float | None
    offered_per_year: float | None
    profitable: str
    bracket: tuple[float, float] | None = None
    """The multipliers the bisection ended on: the margin has opposite signs at the two."""

    def describe(self) -> str:
        lo, hi = GRID[0], GRID[-1]
        if self.multiplier is None:
            word = "profitable" if self.profitable == "always" else "loss-making"
            return f"{word} at every volume from {lo:g}x to {hi:g}x the forecast"
        return (
            f"{self.multiplier:.3f}x the forecast ({self.offered_per_year:,.0f} contacts/yr); "
            f"profitable {self.profitable}"
        )


@dataclass(frozen=True)
class ModelRisk:
    """One pricing model at the volume quantiles (arrays in ``QUANTILES`` order, money per
    year): ``client_cost`` (what the client pays), ``margin`` (client cost - provider cost)."""

    name: str
    description: str
    pricing: Pricing
    client_cost: np.ndarray
    margin: np.ndarray
    break_even: BreakEven

    @property
    def client_spread(self) -> float:
        return float(self.client_cost[-1] - self.client_cost[0])

    @property
    def margin_spread(self) -> float:
        return float(self.margin[-1] - self.margin[0])


@dataclass(frozen=True)
class PricingAnalysis:
    """Pricing under volume risk for one scenario (see the module docstring).

    Per quantile (``QUANTILES``): ``multipliers`` (each channel's volume multiplier),
    ``offered`` and ``billable`` contacts per year, ``provider_cost`` per year re-planned and
    ``linear_cost`` (the P50 cost scaled by offered volume), ``fte``. Over ``grid`` (volume
    multipliers, every channel alike): ``grid_offered`` contacts and ``grid_cost`` per year,
    ``grid_client_cost[model]``; ``cheapest_ranges``: (from multiplier, to multiplier, model)
    runs of the client's cheapest model."""

    scenario: str
    currency: str
    model: str
    days: int
    source: str
    multipliers: dict[str, dict[str, float]]
    offered: np.ndarray
    billable: np.ndarray
    fte: np.ndarray
    provider_cost: np.ndarray
    linear_cost: np.ndarray
    models: tuple[ModelRisk, ...]
    grid: np.ndarray
    grid_offered: np.ndarray
    grid_cost: np.ndarray
    grid_client_cost: dict[str, np.ndarray]
    cheapest_ranges: tuple[tuple[float, float, str], ...]
    plans_computed: int

    def named(self, name: str) -> ModelRisk:
        return next(m for m in self.models if m.name == name)

    @property
    def cheapest_for_client(self) -> dict[str, str]:
        """Per quantile, the model(s) the client pays least under ("a = b" for a tie)."""
        return {
            q: _best({m.name: -m.client_cost[i] for m in self.models})
            for i, q in enumerate(QUANTILES)
        }

    @property
    def best_for_provider(self) -> dict[str, str]:
        """Per quantile, the model(s) the provider earns most under ("a = b" for a tie)."""
        return {
            q: _best({m.name: m.margin[i] for m in self.models}) for i, q in enumerate(QUANTILES)
        }

    def client_share_of_risk(self, model: ModelRisk) -> float | None:
        """Client's cost spread over the provider's cost spread (None: no cost spread)."""
        cost_spread = float(self.provider_cost[-1] - self.provider_cost[0])
        return model.client_spread / cost_spread if cost_spread > 0 else None

    @property
    def economies_of_scale(self) -> float:
        """Re-planned cost at P90 over the linearly scaled cost (below 1: economies of scale)."""
        return float(self.provider_cost[-1] / self.linear_cost[-1]) if self.linear_cost[-1] else 1.0

    def to_dict(self) -> dict:
        """Plain data for ``ccplan price --format json`` and the report."""

        def by_q(values):
            return {q: float(v) for q, v in zip(QUANTILES, values, strict=True)}

        return {
            "scenario": self.scenario,
            "currency": self.currency,
            "model": self.model,
            "money": f"per year ({self.currency}; the {self.days}-day horizon x 365 / days)",
            "volume_source": self.source,
            "volume_multipliers": self.multipliers,
            "offered_per_year": by_q(self.offered),
            "billable_per_year": by_q(self.billable),
            "fte": by_q(self.fte),
            "provider_cost_per_year": by_q(self.provider_cost),
            "linear_cost_per_year": by_q(self.linear_cost),
            "economies_of_scale_at_p90": self.economies_of_scale,
            "models": [
                {
                    "name": m.name,
                    "description": m.description,
                    "client_cost_per_year": by_q(m.client_cost),
                    "margin_per_year": by_q(m.margin),
                    "client_spread": m.client_spread,
                    "margin_spread": m.margin_spread,
                    "client_share_of_risk": self.client_share_of_risk(m),
                    "break_even_multiplier": m.break_even.multiplier,
                    "break_even_offered_per_year": m.break_even.offered_per_year,
                    "profitable": m.break_even.profitable,
                    "break_even": m.break_even.describe(),
                }
                for m in self.models
            ],
            "cheapest_for_client": self.cheapest_for_client,
            "best_for_provider": self.best_for_provider,
            "client_cheapest_by_volume": [
                {"from_multiplier": a, "to_multiplier": b, "model": name}
                for a, b, name in self.cheapest_ranges
            ],
            "plans_computed": self.plans_computed,
        }


def _best(scores: dict[str, float]) -> str:
    """The name(s) with the highest score, ties (within 1e-9 relative: the calibrated models
    at P50) joined by " = " ("all equal" when every model ties)."""
    top = max(scores.values())
    tol = 1e-9 * max(abs(top), 1.0)
    names = [name for name, v in scores.items() if v >= top - tol]
    if len(names) == len(scores) > 2:
        return "all equal"
    return " = ".join(names)


def describe_pricing(p: Pricing, currency: str) -> str:
    """A pricing in a few words, e.g. "60,000 EUR/month + 4.20 EUR/contact"."""
    parts = []
    if p.model in ("fixed_monthly", "hybrid"):
        parts.append(f"{p.fixed_monthly:,.0f} {currency}/month")
    if p.model in ("per_contact", "hybrid"):
        parts.append(f"{p.per_contact:,.2f} {currency}/contact")
    if p.model == "per_hour":
        parts.append(f"{p.per_hour:,.2f} {currency}/paid hour")
    extras = []
    if p.bands:
        extras.append(f"{len(p.bands)} band(s)")
    if p.minimum_monthly_contacts is not None:
        extras.append(f"minimum {p.minimum_monthly_contacts:,.0f} contacts/month")
    if p.minimum_monthly_amount is not None:
        extras.append(f"minimum {p.minimum_monthly_amount:,.0f} {currency}/month")
    if p.peak_rates:
        extras.append(f"{len(p.peak_rates)} peak rate(s)")
    if p.billable.abandoned_after_s is not None:
        extras.append(f"abandons after {p.billable.abandoned_after_s:g} s billed")
    if not p.billable.repeats_billed:
        extras.append("repeats not billed")
    return " + ".join(parts) + (f" ({', '.join(extras)})" if extras else "")


def calibrated_models(pricing: Pricing, at_p50: PlanResult) -> dict[str, Pricing]:
    """The plain models charging at ``at_p50`` what ``pricing`` charges there (module
    docstring); each a new validated ``Pricing`` with ``pricing``'s contact definition. The
    contract's own model is left out when the contract has no extras (it would be itself)."""
    target = charges(at_p50, pricing).grand_total
    unit = {
        name: charges(at_p50, _plain(pricing, name, 1.0)).grand_total
        for name in ("per_contact", "per_hour", "fixed_monthly")
    }
    out = {}
    # The contact definition is kept by every calibrated model, so it does not count here.
    plain = not (
        pricing.bands
        or pricing.peak_rates
        or pricing.minimum_monthly_amount is not None
        or pricing.minimum_monthly_contacts is not None
    )
    for name in ("per_contact", "per_hour", "fixed_monthly"):
        if unit[name] > 0 and target > 0 and not (plain and name == pricing.model):
            out[name] = _plain(pricing, name, target / unit[name])
    hybrid_needed = not (plain and pricing.model == "hybrid")
    if hybrid_needed and target > 0 and unit["per_contact"] > 0 and unit["fixed_monthly"] > 0:
        fixed_share = 0.5
        if pricing.model == "hybrid":
            fixed_share = charges(at_p50, pricing).fixed.sum() / target
        fixed_share = min(max(fixed_share, 0.01), 0.99)
        out["hybrid"] = Pricing.model_validate(
            {
                "model": "hybrid",
                "fixed_monthly": fixed_share * target / unit["fixed_monthly"],
                "per_contact": (1 - fixed_share) * target / unit["per_contact"],
                "billable": pricing.billable.model_dump(),
            }
        )
    return out


def _plain(pricing: Pricing, model: str, rate: float) -> Pricing:
    return Pricing.model_validate(
        {"model": model, model: rate, "billable": pricing.billable.model_dump()}
    )


def _margin(result: PlanResult, pricing: Pricing) -> float:
    return charges(result, pricing).grand_total - float(result.total.cost[0])


def break_even(plans: VolumePlans, pricing: Pricing, grid=GRID) -> BreakEven:
    """The break-even volume of ``pricing`` (module docstring), ``plans`` re-staffing."""
    margins = np.array([_margin(plans.at(m), pricing) for m in grid])
    per_year = DAYS_PER_YEAR / plans.base.scenario.days
    sign = margins >= 0
    flips = np.flatnonzero(sign[1:] != sign[:-1])
    if flips.size == 0:
        return BreakEven(None, None, "always" if sign[0] else "never")
    i = int(flips[np.argmin(np.abs(np.log(np.asarray(grid)[flips])))])
    lo, hi = grid[i], grid[i + 1]
    lo_positive = bool(sign[i])
    while hi / lo - 1 > BREAK_EVEN_TOLERANCE:
        mid = float(np.sqrt(lo * hi))
        if (_margin(plans.at(mid), pricing) >= 0) == lo_positive:
            lo = mid
        else:
            hi = mid
    m = float(np.sqrt(lo * hi))
    offered = float(plans.at(m).total.offered[0]) * per_year
    return BreakEven(m, offered, "below" if lo_positive else "above", (lo, hi))


def _cheapest_ranges(grid, client_cost: dict[str, np.ndarray]):
    """(from, to, model) runs of the client's cheapest model over ``grid``."""
    best = [_best({n: -c[k] for n, c in client_cost.items()}) for k in range(len(grid))]
    runs, start = [], 0
    for k in range(1, len(grid) + 1):
        if k == len(grid) or best[k] != best[start]:
            runs.append((float(grid[start]), float(grid[k - 1]), best[start]))
            start = k
    return tuple(runs)


def price_under_volume_risk(
    result: PlanResult,
    *,
    base_dir: Path | None = None,
    plans: VolumePlans | None = None,
) -> PricingAnalysis:
    """Every pricing model at the P10/P50/P90 volume, with break-even volumes.

    ``result`` is the plan at the forecast (``scenarios.pipeline.plan``); its scenario must
    have a ``pricing``. ``plans`` may carry plans already computed at other volumes.
    """
    scenario = result.scenario
    if scenario.pricing is None:
        raise ValueError(
            f"scenario {scenario.name!r} has no `pricing`: add one (model and rates) to price it"
        )
    plans = plans or VolumePlans(result, base_dir)
    per_year = DAYS_PER_YEAR / scenario.days
    cur = scenario.workforce.currency
    mults = volume_multipliers(scenario)
    at_q = [plans.at(mults[q]) for q in QUANTILES]
    offered = np.array([float(r.total.offered[0]) for r in at_q]) * per_year
    cost = np.array([float(r.total.cost[0]) for r in at_q]) * per_year
    p50 = QUANTILES.index("P50")
    linear = cost[p50] * offered / offered[p50] if offered[p50] > 0 else cost
    pricings = {"contract": scenario.pricing} | calibrated_models(scenario.pricing, at_q[p50])
    bills: dict[str, list[MonthlyCharges]] = {
        name: [charges(r, p) for r in at_q] for name, p in pricings.items()
    }
    models = []
    for name, p in pricings.items():
        client = np.array([b.grand_total for b in bills[name]]) * per_year
        description = describe_pricing(p, cur)
        if name == "contract":
            description = f"the contract's {p.model}: {description}"
        models.append(
            ModelRisk(
                name=name,
                description=description,
                pricing=p,
                client_cost=client,
                margin=client - cost,
                break_even=break_even(plans, p),
            )
        )
    grid_client = {
        name: np.array([charges(plans.at(m), p).grand_total for m in GRID]) * per_year
        for name, p in pricings.items()
    }
    return PricingAnalysis(
        scenario=scenario.name,
        currency=cur,
        model=result.model,
        days=scenario.days,
        source=volume_source(scenario),
        multipliers=mults,
        offered=offered,
        billable=np.array([b.billable.sum() for b in bills["contract"]]) * per_year,
        fte=np.array([float(r.total.fte[0]) for r in at_q]),
        provider_cost=cost,
        linear_cost=linear,
        models=tuple(models),
        grid=np.asarray(GRID),
        grid_offered=np.array([float(plans.at(m).total.offered[0]) for m in GRID]) * per_year,
        grid_cost=np.array([float(plans.at(m).total.cost[0]) for m in GRID]) * per_year,
        grid_client_cost=grid_client,
        cheapest_ranges=_cheapest_ranges(GRID, grid_client),
        plans_computed=plans.plans_computed,
    )
