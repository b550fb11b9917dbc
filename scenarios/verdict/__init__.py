"""The SLA verdict: computed once, from a plan, into one typed result.

``verdict(plan_result, ...)`` takes a ``PlanResult`` (the scenario's demand expanded once and
each channel planned once) and returns a ``Verdict``: every clause of every target at the
headcount on offer with its price (``feasibility``), the cost of each SL standard
(``cost``), the breach risk per reporting period and the staffing that caps it (``breach``),
and the busiest day's peak check (``peak``). The CLI's JSON (``Verdict.to_dict``), the
Markdown report and the app render from it. The parts take the plan too; given a scenario
they plan it first (a one-off call).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace

import numpy as np

from erlang import SLDefinition

from ..pipeline import PlanResult, plan
from ._common import DAYS_PER_YEAR, MODEL_NAMES, as_plan
from .breach import (
    BreachRisk,
    RiskStaffing,
    breach_risk,
    staffing_for_risk,
)
from .cost import CostCurve, cost_curve
from .feasibility import Feasibility, TargetCheck, clause_price, feasibility
from .peak import PeakCheck, busiest_day, one_day, peak_check

__all__ = [
    "DAYS_PER_YEAR",
    "MODEL_NAMES",
    "SECTIONS",
    "BreachRisk",
    "CostCurve",
    "Feasibility",
    "PeakCheck",
    "PeakDay",
    "RiskStaffing",
    "TargetCheck",
    "Verdict",
    "as_plan",
    "breach_risk",
    "busiest_day",
    "clause_price",
    "cost_curve",
    "feasibility",
    "one_day",
    "peak_check",
    "staffing_for_risk",
    "verdict",
]

#: The sections ``verdict`` can compute besides the feasibility (always computed).
SECTIONS = ("cost", "breach", "risk_staffing", "peak")


@dataclass(frozen=True)
class PeakDay:
    """The peak check of one channel on the busiest day of the horizon (``date``)."""

    date: dt.date
    check: PeakCheck


@dataclass(frozen=True)
class Verdict:
    """Everything ``ccplan check`` reports, per channel where it applies.

    ``feasibility``: every clause at the headcount on offer with its price (closed forms of
    ``model``); ``cost_curves``: cost of each SL standard; ``breach_risks``: P(breach) per
    reporting period at the offered staffing (simulation); ``risk_staffing``: the extra agents
    that cap it; ``peak_days``: the busiest day's peak check; ``warnings``: the feasibility's,
    then each breach risk's. Sections not computed (or not reached) are empty.
    """

    scenario: str
    model: str
    currency: str
    days: int
    interval_minutes: int
    feasibility: Feasibility
    cost_curves: dict[str, CostCurve] = field(default_factory=dict)
    breach_risks: dict[str, BreachRisk] = field(default_factory=dict)
    risk_staffing: dict[str, RiskStaffing] = field(default_factory=dict)
    peak_days: dict[str, PeakDay] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def sl_definitions(self) -> dict[str, SLDefinition]:
        """The SL definition of each channel's service-level clause."""
        return {
            c.channel: c.sl_definition
            for c in self.feasibility.checks
            if c.sl_definition is not None
        }

    def to_dict(self) -> dict:
        """The verdict as plain data: the JSON document ``ccplan check --format json`` prints
        (numpy arrays and values still to be converted by the JSON writer)."""
        feas = self.feasibility
        per_year = DAYS_PER_YEAR / self.days
        name = MODEL_NAMES[self.model]
        return {
            "scenario": self.scenario,
            "model": self.model,
            "currency": self.currency,
            "fte_required": feas.fte_required,
            "fte_offered": feas.fte_offered,
            "targets": [_check_dict(c, name, per_year) for c in feas.checks],
            "binding": feas.binding,
            "cost_of_standard": {ch: _curve_dict(c, name) for ch, c in self.cost_curves.items()},
            "breach_risk": {ch: _risk_dict(r, per_year) for ch, r in self.breach_risks.items()},
            "peak_day": {ch: _peak_dict(p) for ch, p in self.peak_days.items()},
            "staffing_for_risk": {
                ch: {
                    "max_p_breach": s.max_p_breach,
                    "extra_agents_per_staffed_interval": s.extra_agents,
                    "model": s.risk.method,
                    "standard": s.risk.standard_text,
                    "p_breach": s.risk.p_breach,
                }
                for ch, s in self.risk_staffing.items()
            },
            "warnings": list(self.warnings),
        }


def _check_dict(c: TargetCheck, model_name: str, per_year: float) -> dict:
    return {
        "channel": c.channel,
        "clause": c.clause,
        "standard": c.description,
        "model": model_name,
        "met_every_period": bool(np.all(c.met)),
        "periods": [
            {"period": str(p), "predicted": m, "gap": g, "met": bool(ok)}
            for p, m, g, ok in zip(c.periods, c.measured, c.gap, c.met, strict=True)
        ],
        "failing_intervals": c.failing_intervals,
        "failing_interval_starts": list(c.failing_starts),
        "worst_interval": {"start": c.worst_start, "predicted": c.worst_value},
        "per_interval": c.per_interval,
        "price_fte": c.fte_saved,
        "price_per_year": c.cost_saved * per_year,
    }


def _curve_dict(curve: CostCurve, model_name: str) -> dict:
    i, j = curve.current_index()
    return {
        "model": model_name,
        "sl_definition": curve.sl_definition.value,
        "service_levels": curve.service_levels,
        "thresholds_s": curve.thresholds_s,
        "cost_per_year": curve.cost_per_year,
        "fte": curve.fte,
        "current": {
            "service_level": curve.service_levels[i],
            "threshold_s": curve.thresholds_s[j],
            "cost_per_year": curve.cost_per_year[i, j],
        },
    }


def _risk_dict(risk: BreachRisk, per_year: float) -> dict:
    return {
        "model": risk.method,
        "standard": risk.standard_text,
        "reporting_period": risk.reporting_period,
        "periods": [
            {
                "period": str(p),
                "p_breach": pb,
                "p_breach_low": lo,
                "p_breach_high": hi,
                "expected_penalty": pen,
                "expected_bonus": bon,
            }
            for p, pb, lo, hi, pen, bon in zip(
                risk.periods,
                risk.p_breach,
                risk.p_breach_low,
                risk.p_breach_high,
                risk.expected_penalty,
                risk.expected_bonus,
                strict=True,
            )
        ],
        "expected_breaches_per_year": risk.expected_breaches_per_year,
        "expected_penalty_per_year": float(risk.expected_penalty.sum() * per_year),
        "expected_bonus_per_year": float(risk.expected_bonus.sum() * per_year),
    }


def _peak_dict(peak_day: PeakDay) -> dict:
    peak = peak_day.check
    return {
        "date": str(peak_day.date),
        "model": f"simulation of the whole day, {peak.replications} replications",
        "sl_definition": peak.sl_definition.describe(peak.threshold_s),
        "intervals_short_of_target_at_erlang_staffing": [int(i) for i in peak.short_intervals],
        "sl_formula": peak.sl_formula,
        "sl_simulated_erlang_staffing": peak.sl_sim_erlang,
        "sl_simulated_iterated_staffing": peak.sl_sim_isa,
        "extra_agent_hours": peak.extra_agent_hours,
        "converged": peak.converged,
    }


def verdict(
    plan_result: PlanResult,
    *,
    fte: float | None = None,
    budget: float | None = None,
    replications: int = 30,
    seed: int = 1,
    max_p_breach: float = 0.1,
    executor=None,
    progress: Callable[[str, Verdict | None], None] | None = None,
    sections: Collection[str] = SECTIONS,
    base_dir=None,
) -> Verdict:
    """The SLA verdict of ``plan_result`` at the headcount on offer (``fte``, or ``budget``;
    default: the scenario's ``workforce.fte_offered``, else the plan's own staffing).

    Works from the plan's demand and staffing (nothing is expanded or planned again); the
    what-ifs re-plan only the channel they change: a clause's price (that clause dropped), a
    cost-curve grid point (that standard). Per channel with an SL target, in this order:
    the cost of the standard (not for deferred channels), the breach risk at the offered
    staffing (``replications`` simulations, ``seed``, run by ``executor``), the extra staffing
    that keeps P(breach) <= ``max_p_breach`` (its search starts from that breach risk), and
    the busiest day's peak check (the one new demand: that day alone, read with ``base_dir``;
    channels sharing a busiest day share its plan). ``sections`` picks among ``SECTIONS``.
    ``progress(stage, so_far)`` is called as each stage starts with the verdict computed so far
    (None before the feasibility), so an interrupted caller can still report it.
    """
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown verdict section(s) {sorted(unknown)}; sections: {SECTIONS}")
    scenario = plan_result.scenario

    def stage(text: str, so_far: Verdict | None) -> None:
        if progress is not None:
            progress(text, so_far)

    stage("the targets at the staffing on offer", None)
    feas = feasibility(plan_result, fte=fte, budget=budget)
    result = Verdict(
        scenario=scenario.name,
        model=plan_result.model,
        currency=feas.currency,
        days=scenario.days,
        interval_minutes=scenario.interval_minutes,
        feasibility=feas,
        warnings=tuple(feas.warnings),
    )
    day_plans: dict[int, PlanResult] = {}
    for ch in scenario.channels:
        target = scenario.target_for(ch.name)
        if target is None or target.service_level is None:
            continue
        queue = ch.kind != "deferred"  # a deferred standard is a response time
        if queue and "cost" in sections:
            stage(f"cost of the standard, {ch.name}", result)
            curve = cost_curve(plan_result, ch.name)
            result = replace(result, cost_curves={**result.cost_curves, ch.name: curve})
        known: dict[int, BreachRisk] = {}
        agents = feas.on_duty[ch.name]
        if "breach" in sections:
            stage(f"breach risk, {ch.name} ({replications} replications)", result)
            risk = breach_risk(
                plan_result,
                ch.name,
                agents=agents,
                replications=replications,
                seed=seed,
                executor=executor,
            )
            known[0] = risk  # the inverse question's first candidate: no extra agents
            result = replace(
                result,
                breach_risks={**result.breach_risks, ch.name: risk},
                warnings=result.warnings + risk.warnings,
            )
        if "risk_staffing" in sections:
            stage(f"staffing for P(breach) <= {max_p_breach:.0%}, {ch.name}", result)
            extra, risk_after = staffing_for_risk(
                plan_result,
                ch.name,
                max_p_breach=max_p_breach,
                agents=agents,
                replications=replications,
                seed=seed,
                executor=executor,
                known=known,
            )
            staffing = RiskStaffing(ch.name, max_p_breach, extra, risk_after)
            result = replace(result, risk_staffing={**result.risk_staffing, ch.name: staffing})
        if queue and "peak" in sections:
            day = busiest_day(plan_result, ch.name)
            stage(f"busiest day simulated, {ch.name}", result)
            if day not in day_plans:
                day_plans[day] = plan(one_day(scenario, day), plan_result.model, base_dir=base_dir)
            day_plan = day_plans[day]
            check = peak_check(
                day_plan, ch.name, replications=replications, seed=seed, executor=executor
            )
            peak = PeakDay(day_plan.scenario.start_date, check)
            result = replace(result, peak_days={**result.peak_days, ch.name: peak})
    return result
