"""Standards side by side: what each proposed SL standard needs in FTE and money, and how
likely it is to be missed, under per-interval and period-optimal staffing.

A standard "85/30" (``scenario.parse_standard``) replaces the SL target and threshold of every
voice and chat channel that has an SL clause (other clauses, the SL definition, the reporting
period, exclusions and penalties stay); deferred channels keep their response-time standard.
Only the changed channels are re-planned, from the plan's demand (a target changes neither
volume, handle time nor patience).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..overrides import apply_overrides
from ..pipeline import PlanResult, plan_channel
from ..scenario import MAX_COMPARED_STANDARDS, Scenario, parse_standard
from ._common import DAYS_PER_YEAR, channel_fte
from .breach import BreachRisk, breach_risks, worst_p_breach
from .memo import SimulationMemo

#: The staffing rules a standard is compared under.
STAFFINGS = ("per_interval", "period_optimal")


@dataclass(frozen=True)
class StandardComparison:
    """One row of the comparison: a standard under one staffing rule.

    ``fte`` and ``cost_per_year`` are the whole scenario's (every channel), the cost scaled
    to 365 days; ``cost_difference_per_year`` is against the current standard under
    per-interval staffing (the plan). The risk figures (every clause of every changed
    channel, simulated with the scenario's forecast error) are the largest P(breach) over
    clauses and measured periods, and the sums over clauses and channels of the expected
    breached periods, penalties (each clause's yearly cap, then the contract term's liability
    cap per year over all of them, applied) and bonuses per year. ``binding`` names
    the clause that sets most of the per-interval staffing ("voice: service_level"); under
    period-optimal staffing, which meets every clause at its edge, the clause most likely to
    be missed.
    """

    standard: str
    staffing: str
    fte: float
    cost_per_year: float
    cost_difference_per_year: float
    p_breach_worst: float
    expected_breaches_per_year: float
    expected_penalty_per_year: float
    expected_bonus_per_year: float
    binding: str
    current: bool

    def to_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def sl_channels(scenario: Scenario) -> list[str]:
    """The channels a compared standard applies to: voice and chat with an SL clause."""
    return [
        ch.name
        for ch in scenario.channels
        if ch.kind != "deferred"
        and (t := scenario.target_for(ch.name)) is not None
        and t.service_level is not None
    ]


def current_standard(scenario: Scenario) -> str | None:
    """The scenario's standard as "SL%/threshold" when every SL channel has the same one."""
    found = {
        (scenario.target_for(n).service_level, scenario.target_for(n).threshold_s)
        for n in sl_channels(scenario)
    }
    if len(found) != 1:
        return None
    sl, threshold_s = found.pop()
    return f"{sl * 100:g}/{threshold_s:g}"


def with_standard(result: PlanResult, standard: str) -> PlanResult:
    """The plan with ``standard`` applied to every SL channel (``sl_channels``), only those
    channels re-planned. The period summaries (days, weeks, months, total) are those of the
    original plan: read FTE and cost from the channels (``plan_fte``, ``plan_cost``). The
    standards replaced join the ones it is compared with (``compare_standards``, while there
    is room), so that its simulations count their thresholds too and serve the original
    plan's standard at the same staffing (``breach.compared_thresholds_s``)."""
    sl, threshold_s = parse_standard(standard)
    scenario = result.scenario
    names = sl_channels(scenario)
    changes = {}
    compared = list(scenario.compare_standards)
    for k, target in enumerate(scenario.targets):
        if target.channel in names:
            changes[f"targets[{k}].service_level"] = sl
            changes[f"targets[{k}].threshold_s"] = threshold_s
            replaced = f"{target.service_level * 100:g}/{target.threshold_s:g}"
            if replaced not in compared and len(compared) < MAX_COMPARED_STANDARDS:
                compared.append(replaced)
    changes["compare_standards"] = compared
    changed = apply_overrides(scenario, changes)
    channels = dict(result.channels)
    for name in names:
        channels[name] = plan_channel(
            changed, changed.channel(name), result.table.channels[name], result.model
        )
    return replace(result, scenario=changed, channels=channels)


def plan_fte(result: PlanResult, agents: dict[str, np.ndarray] | None = None) -> float:
    """FTE of every channel's paid hours (``agents``: scheduled agents replacing the plan's
    for some channels)."""
    hours = sum(_paid_hours(result, n, agents) for n in result.channels)
    return channel_fte(result, hours)


def plan_cost_per_year(result: PlanResult, agents: dict[str, np.ndarray] | None = None) -> float:
    """Staffing cost of every channel per 365 days."""
    hours = sum(_paid_hours(result, n, agents) for n in result.channels)
    return float(
        hours * result.scenario.workforce.hourly_cost * DAYS_PER_YEAR / result.scenario.days
    )


def _paid_hours(result: PlanResult, name: str, agents) -> float:
    if agents is not None and name in agents:
        return float(np.sum(agents[name]) * result.scenario.interval_s / 3600.0)
    return float(result.channels[name].paid_hours.sum())


def binding_clause(result: PlanResult, names) -> str:
    """The clause that sets the staffing in most staffed intervals of the ``names`` channels
    (ties: the first), as "channel: clause"."""
    counts: dict[str, int] = {}
    for name in names:
        p = result.channels[name]
        for clause in p.binding[p.required_agents > 0]:
            if clause != "none":
                key = f"{name}: {clause}"
                counts[key] = counts.get(key, 0) + 1
    return max(counts, key=counts.get) if counts else ""


def most_at_risk(risks: dict[str, dict[str, BreachRisk]]) -> str:
    """The clause with the largest P(breach) in some measured period, as "channel: clause"."""
    best = max(
        ((r.worst_p_breach, f"{ch}: {c}") for ch, per in risks.items() for c, r in per.items()),
        default=(0.0, ""),
    )
    return best[1]


def _risk_totals(
    risks: dict[str, dict[str, BreachRisk]], liability_cap: float | None = None
) -> tuple[float, float, float, float]:
    """Worst P(breach), expected breaches, penalty and bonus per year over every clause; with
    the contract's ``liability_cap`` (per year, every clause together) the penalty is
    ``E[min(yearly penalties, cap)]`` over replications (``contract.term``)."""
    clauses = [r for per in risks.values() for r in per.values()]
    penalty = float(sum(r.penalty_per_year for r in clauses))
    if liability_cap is not None:
        # Only here: the contract package imports scipy.stats (a second of a check's start).
        from ..contract.term import capped_penalties, yearly_penalties

        yearly = yearly_penalties(risks)
        if yearly is not None:
            penalty = capped_penalties(yearly, liability_cap)[0]
    return (
        max((worst_p_breach(per) for per in risks.values()), default=0.0),
        float(sum(r.expected_breaches_per_year for r in clauses)),
        penalty,
        float(sum(r.bonus_per_year for r in clauses)),
    )


def compare_standards(
    result: PlanResult,
    standards,
    *,
    staffings=STAFFINGS,
    replications: int = 30,
    seed: int = 1,
    executor=None,
    known: dict[str, dict[str, BreachRisk]] | None = None,
    optimal: Callable | None = None,
    memo: SimulationMemo | None = None,
    side_by_side: int = 1,
) -> list[StandardComparison]:
    """Each standard in ``standards`` (texts like "85/30") under each rule in ``staffings``.

    ``per_interval``: the plan's staffing for the standard (every interval meets it);
    ``period_optimal``: the cheapest staffing meeting it as the contract measures it
    (``optimal(plan, channel) -> (on-duty agents, scheduled agents, breach risks or None)``:
    risks already simulated at that staffing with these replications and seed are reused; that
    row is left out when ``optimal`` is None). ``known`` maps channel -> clause risks already
    simulated for the current standard under per-interval staffing with the same replications
    and seed (the verdict's own), reused for the current standard's row; ``memo``
    (``SimulationMemo``) answers any staffing simulated before. ``side_by_side`` > 1: the
    standards are worked on at once in threads (a process executor's workers stay
    busy while one standard is re-planned); the rows are the same, in the same order.
    """
    unknown = set(staffings) - set(STAFFINGS)
    if unknown:
        raise ValueError(f"unknown staffing rule(s) {sorted(unknown)}; rules: {STAFFINGS}")
    names = sl_channels(result.scenario)
    if not names:
        raise ValueError("no voice or chat channel has an SL target to compare standards on")
    base_cost = plan_cost_per_year(result)
    current = current_standard(result.scenario)

    def standard_rows(standard) -> list[StandardComparison]:
        rows = []
        is_current = current is not None and parse_standard(standard) == parse_standard(current)
        changed = result if is_current else with_standard(result, standard)
        for rule in staffings:
            if rule == "period_optimal" and optimal is None:
                continue
            risks, scheduled = {}, {}
            for name in names:
                if rule == "per_interval":
                    agents = changed.channels[name].required_agents
                    if is_current and known is not None and name in known:
                        risks[name] = known[name]
                        continue
                else:
                    agents, scheduled[name], simulated = optimal(changed, name)
                    if simulated is not None:
                        risks[name] = simulated
                        continue
                risks[name] = breach_risks(
                    changed,
                    name,
                    agents=agents,
                    replications=replications,
                    seed=seed,
                    executor=executor,
                    memo=memo,
                )
            cost = plan_cost_per_year(changed, scheduled)
            term = changed.scenario.term
            worst, breaches, penalty, bonus = _risk_totals(
                risks, term.liability_cap_per_year if term is not None else None
            )
            rows.append(
                StandardComparison(
                    standard=standard,
                    staffing=rule,
                    fte=plan_fte(changed, scheduled),
                    cost_per_year=cost,
                    cost_difference_per_year=cost - base_cost,
                    p_breach_worst=worst,
                    expected_breaches_per_year=breaches,
                    expected_penalty_per_year=penalty,
                    expected_bonus_per_year=bonus,
                    binding=binding_clause(changed, names)
                    if rule == "per_interval"
                    else most_at_risk(risks),
                    current=is_current,
                )
            )
        return rows

    if side_by_side <= 1 or len(standards) <= 1:
        return [row for standard in standards for row in standard_rows(standard)]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(len(standards), side_by_side + 1)) as threads:
        return [row for rows in threads.map(standard_rows, standards) for row in rows]
