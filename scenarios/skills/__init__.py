"""Multi-skill and blended teams (issue 20): pools that serve several channels, channels served
by several pools, and the staffing that needs.

* ``schema``: the scenario's ``skills:`` block (pools, their channels in priority order,
  overflow ``after_s``, blending ``reserve_agents``, pool sizes) and its cross-field checks;
* ``design``: a planned scenario with skills as the simulator's multi-pool configuration, and
  the pool sizes it starts from (the plan's per-channel requirement, a roster, the user's);
* ``search``: the simulation-based staffing search (shrink each pool while every clause holds
  with 95% confidence on pooled counts, verified on a fresh seed) and the pooling gain
  against separate teams;
* ``verdict``: feasibility, breach risk and cost of a standard for a design (``ccplan skills``,
  ``ccplan check``, the report and the app render it).

Only ``schema`` is imported here: ``scenarios.scenario`` imports it, and the other modules
need the pipeline (import them by name).
"""

from .schema import Skill, SkillPool, Skills, check_skills

__all__ = ["Skill", "SkillPool", "Skills", "check_skills"]
