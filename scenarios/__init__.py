"""Scenarios and the planning pipeline: schema, demand curves, planning, examples, CLI.

Units: seconds unless a name says otherwise (``interval_minutes``, ``volume_per_day``);
shares and targets are fractions in [0, 1].
"""

from .demand import IntervalTable, expand
from .io import ScenarioError, load_scenario, parse_scenario, save_scenario
from .pipeline import PlanResult, plan
from .scenario import Scenario

__all__ = [
    "IntervalTable",
    "PlanResult",
    "Scenario",
    "ScenarioError",
    "expand",
    "load_scenario",
    "parse_scenario",
    "plan",
    "save_scenario",
]
