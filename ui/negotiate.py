"""The negotiator's answer, computed from ``scenarios.verdict`` (no Streamlit here): whether the
standards are realistic at the headcount on offer, what they need in FTE and cost per year,
which clause binds, and alternative standards side by side.

Rows of the comparison have the keys of the verdict's ``compare[]`` (``standard``,
``staffing``, ``fte``, ``cost_per_year``, ``cost_difference_per_year``, ``p_breach_worst``,
``expected_breaches_per_year``, ``expected_penalty_per_year``, ``expected_bonus_per_year``,
``binding``), so the page renders the verdict's own rows when it offers them and these
otherwise. The closed forms give FTE, cost and realism (fast); the breach figures come from a
simulation run on demand (``breach_row``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenarios.overrides import apply_overrides
from scenarios.scenario import Scenario
from ui.format import per_year, standard_text

#: Plain words for the clauses the verdict names.
CLAUSES = {
    "service_level": "service level",
    "max_asa_s": "average wait (ASA)",
    "max_abandon": "abandonment",
    "max_occupancy": "occupancy cap",
}


def with_standard(scenario: Scenario, channel: str, service_level: float, threshold_s: float):
    """``scenario`` with ``channel``'s SL standard replaced, through ``apply_overrides``."""
    return apply_overrides(
        scenario,
        {
            f"targets.{channel}.service_level": service_level,
            f"targets.{channel}.threshold_s": threshold_s,
        },
    )


@dataclass(frozen=True)
class Answer:
    """The headline: realistic or not at ``fte_offered``; what the standards need."""

    realistic: bool
    fte_offered: float
    fte_needed: float
    cost_per_year: float
    cost_offered_per_year: float
    binding: dict[str, str]
    missed: list[str]
    """Clauses missed in some period at the FTE on offer ("voice abandonment at most 5.0%")."""


def answer(plan_result, feas) -> Answer:
    """The headline from a plan and its feasibility at the FTE on offer."""
    days = plan_result.scenario.days
    needed = float(plan_result.total.fte[0])
    cost_year = per_year(float(plan_result.total.cost[0]), days)
    missed = [f"{c.channel}: {c.description}" for c in feas.checks if not bool(np.all(c.met))]
    return Answer(
        realistic=not missed,
        fte_offered=float(feas.fte_offered),
        fte_needed=needed,
        cost_per_year=cost_year,
        cost_offered_per_year=cost_year * feas.fte_offered / needed if needed > 0 else 0.0,
        binding=dict(feas.binding),
        missed=missed,
    )


def clause_rows(feas) -> list[dict]:
    """One row per clause at the FTE on offer: met or missed (in how many periods), the worst
    period's predicted value, and the FTE the clause alone costs (its price)."""
    rows = []
    for c in feas.checks:
        periods = len(c.met)
        missed = int(np.sum(~np.asarray(c.met)))
        worst = int(np.nanargmax(c.gap)) if np.isfinite(c.gap).any() else 0
        value = c.measured[worst]
        shown = f"{value:.1f} s" if c.clause == "max_asa_s" else f"{value * 100:.1f}%"
        rows.append(
            {
                "channel": c.channel,
                "standard": c.description,
                "at the FTE on offer": (
                    f"met in all {periods} period(s)"
                    if missed == 0
                    else f"missed in {missed} of {periods} period(s)"
                ),
                "worst period": f"{c.periods[worst]}: {shown}",
                "FTE this clause costs": f"{c.fte_saved:.1f}",
                "binding": "yes" if feas.binding.get(c.channel) == c.clause else "",
            }
        )
    return rows


def compare_row(plan_result, feas, channel: str, base_cost_per_year: float) -> dict:
    """A comparison row (the verdict's ``compare[]`` keys) for one standard, closed forms."""
    target = plan_result.scenario.target_for(channel)
    cost_year = per_year(float(plan_result.total.cost[0]), plan_result.scenario.days)
    met = all(bool(np.all(c.met)) for c in feas.checks if c.channel == channel)
    return {
        "standard": standard_text(target.service_level, target.threshold_s),
        "staffing": "per_interval",
        "fte": float(plan_result.total.fte[0]),
        "cost_per_year": cost_year,
        "cost_difference_per_year": cost_year - base_cost_per_year,
        "realistic": met,
        "binding": feas.binding.get(channel, ""),
        "p_breach_worst": None,
        "expected_breaches_per_year": None,
        "expected_penalty_per_year": None,
        "expected_bonus_per_year": None,
    }


def breach_row(risks: dict) -> dict:
    """The breach figures of a comparison row from every clause's ``BreachRisk`` of the
    changed channel (``verdict.breach_risks``): the largest P(breach) over clauses and measured
    periods, and the sums over clauses of the expected breached periods, penalties and bonuses
    per year (yearly caps applied), as the verdict's own comparison sums them."""
    from scenarios.verdict.breach import worst_p_breach

    clauses = list(risks.values())
    return {
        "p_breach_worst": worst_p_breach(risks),
        "expected_breaches_per_year": float(sum(r.expected_breaches_per_year for r in clauses)),
        "expected_penalty_per_year": float(sum(r.penalty_per_year for r in clauses)),
        "expected_bonus_per_year": float(sum(r.bonus_per_year for r in clauses)),
    }


def optimal_row(plan_result, channel: str, base_cost_per_year: float, verified=None) -> dict:
    """The comparison row of the same standard under period-optimal staffing (the cheapest
    staffing meeting every clause as the contract measures it, per reporting period): the
    whole scenario's FTE and cost with ``channel`` staffed that way. Without ``verified`` the
    closed forms alone (``scenarios.verdict.optimal.period_optimal``, margin 0: not yet
    checked); with it (``period_optimal_verified``) the staffing the simulation confirmed on
    average, its realism and its breach figures."""
    from scenarios.verdict.optimal import period_optimal

    optimal = period_optimal(plan_result, channel) if verified is None else verified.staffing
    target = plan_result.scenario.target_for(channel)
    total_fte = float(plan_result.total.fte[0])
    cost_year = per_year(float(plan_result.total.cost[0]), plan_result.scenario.days)
    fte_needed = total_fte - (optimal.fte_per_interval_staffing - optimal.fte)
    cost = cost_year - optimal.saving_per_year
    return {
        "standard": standard_text(target.service_level, target.threshold_s),
        "staffing": "period_optimal",
        "fte": fte_needed,
        "cost_per_year": cost,
        "cost_difference_per_year": cost - base_cost_per_year,
        "realistic": None if verified is None else verified.verified,
        "binding": "",
        "p_breach_worst": None,
        "expected_breaches_per_year": None,
        "expected_penalty_per_year": None,
        "expected_bonus_per_year": None,
        **({} if verified is None else breach_row(verified.risks)),
    }


def risk_periods(risk) -> list[dict]:
    """P(breach) of one clause per reporting period as numbers, with the 95% range and the
    expected money; periods with nothing to measure say so (no probability, no money)."""
    rows = []
    for k, p in enumerate(risk.periods):
        if not risk.counted[k]:
            rows.append(
                {
                    "period": str(p),
                    "P(breach)": "not measured",
                    "95% range": "",
                    "expected penalty": 0.0,
                    "expected bonus": 0.0,
                }
            )
            continue
        rows.append(
            {
                "period": str(p),
                "P(breach)": f"{risk.p_breach[k] * 100:.1f}%",
                "95% range": (
                    f"{risk.p_breach_low[k] * 100:.1f}% – {risk.p_breach_high[k] * 100:.1f}%"
                ),
                "expected penalty": float(risk.expected_penalty[k]),
                "expected bonus": float(risk.expected_bonus[k]),
            }
        )
    return rows
