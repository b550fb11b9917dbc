"""The contract over its term: yearly volume, FTE, cost, price, penalties and margin.

The planned horizon is read as representative of a contract year (its totals x 365 / days,
as the verdict's money per year). For contract year ``y`` (1-based):

* volume: the P50 forecast x ``(1 + volume_growth_per_year)^(y - 1)``; the staffing is
  re-planned at that volume (``volume.VolumePlans``: economies of scale, not linear);
* cost: that plan's cost x ``(1 + wage_inflation_per_year)^(y - 1)`` (the hourly cost
  inflates; hours follow the re-planned staffing);
* price: the contract's pricing with its indexed components (``Indexation.components``)
  multiplied by the index factor ``F_y``: ``F_1 = 1``, ``F_y = F_(y-1) x (1 + clamp(r_y,
  floor, cap))`` with ``r_y`` the year's index rate; so no indexed rate rises by more than
  ``cap`` or falls by more than ``-floor`` from one year to the next;
* penalties: when a simulation's yearly penalties are given (per replication, every clause
  together), the expected yearly penalty after the liability cap, ``E[min(P, cap)]`` over
  replications (the cap applies to each year's total, so it is taken per replication before
  averaging); the breach risk is read as the same every year (the plan re-staffs each year
  to the same standards);
* margin: price - cost - penalties.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from pydantic import ValidationError

from ..scenario import ContractTerm, Indexation, Pricing
from ..verdict._common import DAYS_PER_YEAR
from .billing import charges
from .volume import VolumePlans, volume_multipliers

__all__ = [
    "TermResult",
    "TermYear",
    "contract_term",
    "index_factors",
    "indexed_pricing",
    "yearly_penalties",
]


def index_factors(indexation: Indexation, years: int) -> np.ndarray:
    """The cumulative price factor of each contract year (year 1: 1), the yearly index rate
    clamped to [``floor``, ``cap``]."""
    rates = indexation.rate_per_year
    yearly = np.array(rates * (years - 1) if len(rates) == 1 else rates, dtype=float)[: years - 1]
    low = -np.inf if indexation.floor is None else indexation.floor
    high = np.inf if indexation.cap is None else indexation.cap
    steps = 1.0 + np.clip(yearly, low, high)
    return np.concatenate([[1.0], np.cumprod(steps)])


def indexed_pricing(pricing: Pricing, indexation: Indexation, factor: float) -> Pricing:
    """``pricing`` with its indexed components multiplied by ``factor`` (a new validated
    ``Pricing``; minimum contacts are a volume and stay)."""
    data = pricing.model_dump(mode="json")
    parts = set(indexation.components)
    for name in ("per_contact", "per_hour", "fixed_monthly"):
        if name in parts:
            data[name] *= factor
    if "minimum" in parts and data["minimum_monthly_amount"] is not None:
        data["minimum_monthly_amount"] *= factor
    if "bands" in parts:
        for band in data["bands"]:
            band["per_contact"] *= factor
    try:
        return Pricing.model_validate(data)
    except ValidationError as err:  # an index that carries a rate past the largest amount
        first = err.errors(include_url=False)[0]
        where = ".".join(str(k) for k in first["loc"])
        raise ValueError(
            f"indexation by {factor:g} takes pricing.{where} out of range: {first['msg']}"
        ) from None


@dataclass(frozen=True)
class TermYear:
    """One contract year (money in the workforce currency, contacts per year)."""

    year: int
    start: dt.date
    volume_multiplier: float
    offered: float
    billable: float
    fte: float
    price_factor: float
    price: float
    cost: float
    penalties: float | None
    penalties_uncapped: float | None

    @property
    def margin(self) -> float:
        return self.price - self.cost - (self.penalties or 0.0)


@dataclass(frozen=True)
class TermResult:
    """The contract year by year and in total (see the module docstring)."""

    start_date: dt.date
    currency: str
    years: tuple[TermYear, ...]
    liability_cap_per_year: float | None
    penalties_source: str

    def total(self, field: str) -> float | None:
        """Sum over the term of a ``TermYear`` field (None: penalties not computed)."""
        values = [getattr(y, field) for y in self.years]
        if all(v is None for v in values):
            return None
        return float(sum(v for v in values if v is not None))

    def to_dict(self) -> dict:
        return {
            "start_date": self.start_date.isoformat(),
            "currency": self.currency,
            "liability_cap_per_year": self.liability_cap_per_year,
            "penalties": self.penalties_source,
            "years": [
                {
                    "year": y.year,
                    "start": y.start.isoformat(),
                    "volume_multiplier": y.volume_multiplier,
                    "offered": y.offered,
                    "billable": y.billable,
                    "fte": y.fte,
                    "price_factor": y.price_factor,
                    "price": y.price,
                    "cost": y.cost,
                    "penalties": y.penalties,
                    "penalties_uncapped": y.penalties_uncapped,
                    "margin": y.margin,
                }
                for y in self.years
            ],
            "total": {
                k: self.total(k)
                for k in ("offered", "billable", "price", "cost", "penalties", "margin")
            },
        }


def _year_start(start: dt.date, k: int) -> dt.date:
    """``start`` plus ``k`` years (29 February -> 28 February)."""
    try:
        return start.replace(year=start.year + k)
    except ValueError:
        return start.replace(year=start.year + k, day=28)


def capped_penalties(yearly_by_replication, cap: float | None) -> tuple[float, float]:
    """(expected yearly penalty after the liability cap, before it) over replications."""
    values = np.asarray(yearly_by_replication, dtype=float)
    capped = values if cap is None else np.minimum(values, cap)
    return float(capped.mean()), float(values.mean())


def contract_term(
    plans: VolumePlans,
    term: ContractTerm | None = None,
    pricing: Pricing | None = None,
    penalties_by_replication=None,
) -> TermResult:
    """The contract year by year (module docstring). ``plans`` holds the plan at the
    forecast (its scenario's ``term`` and ``pricing`` unless given); ``penalties_by_replication``:
    each simulated replication's penalties of a year, all clauses together (none: penalties
    not computed)."""
    scenario = plans.base.scenario
    term = term or scenario.term
    pricing = pricing or scenario.pricing
    if term is None:
        raise ValueError(f"scenario {scenario.name!r} has no `term`: add one to plan the term")
    per_year = DAYS_PER_YEAR / scenario.days
    p50 = volume_multipliers(scenario)["P50"]
    factors = index_factors(term.indexation, term.years)
    if penalties_by_replication is None:
        penalty, uncapped, source = None, None, "not computed (no simulation of breaches)"
    else:
        penalty, uncapped = capped_penalties(penalties_by_replication, term.liability_cap_per_year)
        n = np.asarray(penalties_by_replication).size
        source = (
            f"expected over {n} simulated replications, every clause, per year capped at the "
            "liability cap; the breach risk of the planned horizon every year"
        )
    years = []
    for k in range(term.years):
        growth = (1.0 + term.volume_growth_per_year) ** k
        result = plans.at({name: m * growth for name, m in p50.items()})
        bill = (
            charges(result, indexed_pricing(pricing, term.indexation, factors[k]))
            if pricing is not None
            else None
        )
        years.append(
            TermYear(
                year=k + 1,
                start=_year_start(term.start_date, k),
                volume_multiplier=growth,
                offered=float(result.total.offered[0]) * per_year,
                billable=(bill.billable.sum() * per_year) if bill is not None else 0.0,
                fte=float(result.total.fte[0]),
                price_factor=float(factors[k]),
                price=(bill.grand_total * per_year) if bill is not None else 0.0,
                cost=float(result.total.cost[0])
                * per_year
                * (1.0 + term.wage_inflation_per_year) ** k,
                penalties=penalty,
                penalties_uncapped=uncapped,
            )
        )
    return TermResult(
        start_date=term.start_date,
        currency=scenario.workforce.currency,
        years=tuple(years),
        liability_cap_per_year=term.liability_cap_per_year,
        penalties_source=source,
    )


def yearly_penalties(clause_risks) -> np.ndarray | None:
    """Each replication's penalties of a year over every clause of every channel
    (``Verdict.clause_risks``: channel -> clause -> ``BreachRisk``), the clauses' own caps
    applied; None when nothing was simulated. Channels are simulated independently, so their
    replications are summed index by index."""
    arrays = [
        r.penalty_per_year_by_replication
        for clauses in clause_risks.values()
        for r in clauses.values()
        if r.penalty_per_year_by_replication.size
    ]
    if not arrays:
        return None
    n = min(a.size for a in arrays)
    return np.sum([a[:n] for a in arrays], axis=0)
