"""The domain layer: scenario schema and its one validated edit, demand, plan, and beside them
the packages ``verdict/``, ``history/``, ``output/`` and ``cli/`` (README: Layout).

Flow: ``io.load_scenario`` -> ``Scenario`` -> ``demand.expand`` -> ``pipeline.plan`` ->
``PlanResult`` -> ``simulation`` / ``verdict``. ``overrides.apply_overrides`` changes a
scenario (revalidated); ``periods`` groups intervals into reporting periods.

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
