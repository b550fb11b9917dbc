"""What the parts of the verdict share: the plan they work from and the names they print."""

from __future__ import annotations

from erlang import SLDefinition

from ..pipeline import PlanResult, plan
from ..scenario import PenaltyTerms, Scenario, Target

DAYS_PER_YEAR = 365.0
#: How the JSON and the report name the closed-form models.
MODEL_NAMES = {"erlang_a": "Erlang A", "erlang_c": "Erlang C"}


def as_plan(source: Scenario | PlanResult, model: str | None = None, base_dir=None) -> PlanResult:
    """The plan a verdict part works from: ``source`` itself when it is a ``PlanResult`` (the
    verdict plans once and hands the plan to every part), else ``plan(source, model)`` for a
    one-off call on a scenario (default model: Erlang A)."""
    if isinstance(source, PlanResult):
        if model is not None and model != source.model:
            raise ValueError(
                f"`model` {model!r} is not the plan's model {source.model!r}: plan with it"
            )
        return source
    return plan(source, model or "erlang_a", base_dir=base_dir)


def channel_fte(result: PlanResult, paid_hours) -> float:
    """FTE over the plan's horizon of ``paid_hours`` (paid hours / (hours per FTE per week x
    days / 7), the pipeline's FTE formula)."""
    scenario = result.scenario
    return float(paid_hours / (scenario.workforce.hours_per_fte_per_week * scenario.days / 7.0))


#: The clauses a target can carry, in the order the verdict reports them.
CLAUSES = ("service_level", "max_asa_s", "max_abandon", "max_occupancy")
#: Reporting periods in a year, for the yearly figures (``interval`` has no yearly count).
PERIODS_PER_YEAR = {"day": 365, "week": 52, "month": 12, "quarter": 4, "year": 1}


def target_clauses(target: Target) -> list[tuple[str, float]]:
    """``(clause, standard)`` for each clause ``target`` states, in ``CLAUSES`` order."""
    return [
        (name, float(getattr(target, name)))
        for name in CLAUSES
        if getattr(target, name) is not None
    ]


def higher_is_better(clause: str) -> bool:
    """The service level is a floor; ASA, abandonment and occupancy are caps."""
    return clause == "service_level"


def points_per_unit(clause: str) -> float:
    """What one penalty "point" is: a percentage point of a share, a second of ASA."""
    return 1.0 if clause == "max_asa_s" else 100.0


def clause_terms(target: Target, clause: str) -> PenaltyTerms:
    """The penalty terms of one clause (``penalty`` for the SL clause, else
    ``clause_penalties``; none given: no money)."""
    if clause == "service_level":
        return target.penalty
    return target.clause_penalties.get(clause, PenaltyTerms())


def sl_words(definition: SLDefinition, threshold_s: float, clock: str = "wall_clock") -> str:
    """An SL definition with its threshold as a contract states it: whole hours in hours
    ("answered within 4 h / offered", not "14400 s"), and the deadline's clock when it runs
    only in opening hours ("within 8 h of opening hours")."""
    when = f"{threshold_s:g} s"
    if threshold_s >= 3600 and threshold_s % 3600 == 0:
        when = f"{threshold_s / 3600:g} h"
    if clock == "opening_hours":
        when += " of opening hours"
    return definition.describe(threshold_s).replace(f"{threshold_s:g} s", when)


def clause_description(target: Target, clause: str) -> str:
    """The clause in the contract's words, SL definition included."""
    standard = getattr(target, clause)
    if clause == "service_level":
        t = target.threshold_s if target.threshold_s is not None else 0.0
        words = sl_words(target.sl_definition, t, target.deadline_clock)
        return f"service level {standard:.0%} ({words})"
    if clause == "max_asa_s":
        return f"ASA at most {standard:g} s"
    if clause == "max_abandon":
        return f"abandonment at most {standard:.1%} of offered"
    return f"occupancy at most {standard:.0%}"


def exclusions(scenario: Scenario) -> tuple[dict, ...]:
    """What the contract leaves out of measurement, and why: each target's excluded date
    ranges and each special period flagged ``excluded_from_sla``."""
    out = []
    for k, target in enumerate(scenario.targets):
        for p in target.excluded_periods:
            out.append(
                {
                    "channel": target.channel,
                    "label": p.label,
                    "start": str(p.start_date),
                    "end": str(p.end_date),
                    "reason": f"excluded from measurement by the contract "
                    f"(targets[{k}].excluded_periods)",
                }
            )
    for ch in scenario.channels:
        for j, p in enumerate(ch.demand.special_periods):
            if p.excluded_from_sla:
                end = p.end_date or p.start_date
                out.append(
                    {
                        "channel": ch.name,
                        "label": p.label,
                        "start": f"{p.start_date} {p.start_time}",
                        "end": f"{end} {p.end_time}",
                        "reason": "special period excluded from the SLA "
                        f"(channels[{ch.name}].demand.special_periods[{j}])",
                    }
                )
    return tuple(out)
