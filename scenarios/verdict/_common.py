"""What the parts of the verdict share: the plan they work from and the names they print."""

from __future__ import annotations

from ..pipeline import PlanResult, plan
from ..scenario import Scenario

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
