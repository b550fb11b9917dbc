"""Shift rosters: from interval requirements to shifts people can work (issue 19).

``rules`` is the schema (``ShiftRules`` on ``Scenario.roster``); ``optimize`` builds the
minimum-cost roster as an integer program (HiGHS through ``scipy.optimize.milp``); ``result``
holds the typed roster and its tables; ``verdict`` simulates the roster and measures each
clause on it. Only the schema is imported here (the scenario module needs it); import the
optimizer from ``scenarios.roster.optimize``.
"""

from .rules import DEFAULT_CONTRACTS, BreakRule, Contract, ShiftRules, ShiftTemplate

__all__ = ["DEFAULT_CONTRACTS", "BreakRule", "Contract", "ShiftRules", "ShiftTemplate"]
