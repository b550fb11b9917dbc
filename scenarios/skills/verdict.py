"""The verdict on a multi-skill design: every clause of every channel's target measured per
reporting period on a simulation of the whole design (all channels and pools at once, since
they share agents), its breach risk, and the design's FTE and cost.

The statistics are the verdict's (``scenarios.verdict.breach``): per reporting period, the
clause's KPI is the ratio of pooled counts (answered within T over the SL definition's
denominator, abandoned over offered, ...), breach risk is the share of replications missing
the standard with a Wilson interval, and a clause "holds" when the pooled KPI's 95% bound is
on the right side of the standard in every measured period (``BreachRisk.meets_on_average``).
A channel's occupancy clause is measured on its primary pool.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..pipeline import PlanResult
from ..verdict.breach import BreachRisk, _risks_of, worst_p_breach
from .design import design_config, design_cost
from .schema import Skills, primary_pools

__all__ = ["DesignCheck", "SkillsVerdict", "check_design", "skills_verdict"]


class _PrimaryPoolOf:
    """Replications whose pool KPIs are asked by channel name (the verdict's occupancy
    clause asks for the pool named after the channel) answered from the channel's primary
    pool."""

    def __init__(self, reps, primary: dict[str, str]):
        self._reps, self._primary = reps, primary
        self.runs, self.engine = reps.runs, reps.engine

    def samples(self, name, **where):
        if "pool" in where:
            where["pool"] = self._primary.get(where["pool"], where["pool"])
        return self._reps.samples(name, **where)


@dataclass(frozen=True)
class DesignCheck:
    """One design at given pool sizes, simulated.

    ``agents[pool]``: agents on duty per interval; ``fte`` and ``cost_per_year`` (365 days, in
    the workforce currency) as the pipeline schedules and pays them; ``risks[channel][clause]``
    the breach risk of every clause of every channel with a target (``BreachRisk``);
    ``occupancy[pool]`` the pool's simulated occupancy over the horizon (busy over present
    agent time, pooled over replications)."""

    agents: dict[str, np.ndarray]
    fte: float
    cost_per_year: float
    risks: dict[str, dict[str, BreachRisk]]
    occupancy: dict[str, float]
    replications: int
    seed: int
    engine: str
    currency: str = ""
    skills: Skills | None = field(default=None, repr=False)

    @property
    def meets(self) -> bool:
        """Whether every clause of every channel holds with 95% confidence in every measured
        period (pooled counts, ``BreachRisk.meets_on_average``)."""
        return all(r.meets_on_average() for rs in self.risks.values() for r in rs.values())

    @property
    def worst_p_breach(self) -> float:
        """The largest P(breach) over every clause, channel and measured period."""
        return max((worst_p_breach(rs) for rs in self.risks.values()), default=0.0)

    def failing(self) -> list[str]:
        """The clauses that do not hold on average, as "channel: clause"."""
        return [
            f"{ch}: {clause}"
            for ch, rs in self.risks.items()
            for clause, r in rs.items()
            if not r.meets_on_average()
        ]

    def to_dict(self) -> dict:
        """Plain data for the JSON output (``ccplan skills --json``)."""
        channels = {}
        for ch, rs in self.risks.items():
            channels[ch] = []
            for clause, r in rs.items():
                pooled, low, high = r.pooled()
                measured = r.counted
                channels[ch].append(
                    {
                        "clause": clause,
                        "standard": r.standard_text,
                        "holds_with_95pct_confidence": r.meets_on_average(),
                        "periods": [
                            {
                                "period": str(p),
                                "measured": bool(m),
                                "simulated": float(v) if m else None,
                                "ci_low": float(lo) if m else None,
                                "ci_high": float(hi) if m else None,
                                "p_breach": float(pb) if m else None,
                                "p_breach_high": float(pbh) if m else None,
                            }
                            for p, m, v, lo, hi, pb, pbh in zip(
                                r.periods,
                                measured,
                                pooled,
                                low,
                                high,
                                r.p_breach,
                                r.p_breach_high,
                                strict=True,
                            )
                        ],
                    }
                )
        return {
            "pools": {
                name: {
                    "agents_mean": float(np.mean(a)),
                    "agents_max": int(np.max(a)) if a.size else 0,
                    "occupancy": self.occupancy.get(name),
                }
                for name, a in self.agents.items()
            },
            "fte": self.fte,
            "cost_per_year": self.cost_per_year,
            "meets_every_clause": self.meets,
            "p_breach_worst": self.worst_p_breach,
            "replications": self.replications,
            "seed": self.seed,
            "engine": self.engine,
            "clauses": channels,
        }


def check_design(
    result: PlanResult,
    agents: dict[str, np.ndarray],
    skills: Skills | None = None,
    *,
    replications: int = 30,
    seed: int = 1,
    executor=None,
) -> DesignCheck:
    """Simulate the design ``skills`` (default: the scenario's) with ``agents[pool]`` on duty
    per interval (``design.design_config``: every channel and pool together), ``replications``
    replications from ``seed`` run by ``executor``, and measure every clause of every target
    as the contract does (``verdict.breach``)."""
    from simulator import replicate

    from ..periods import pooled_ratio

    if replications < 2:
        raise ValueError(f"`replications` must be at least 2, got {replications}")
    scenario = result.scenario
    skills = scenario.skills if skills is None else skills
    agents = {name: np.asarray(a, dtype=np.int64) for name, a in agents.items()}
    config = design_config(result, agents, skills)
    reps = replicate(config, replications, seed, executor=executor)
    view = _PrimaryPoolOf(reps, primary_pools(skills))
    risks = {t.channel: _risks_of(result, t.channel, view, seed) for t in scenario.targets}
    occupancy = {}
    for pool in skills.pools:
        busy = reps.samples("mean_busy", pool=pool.name, level="interval").sum(axis=1)
        present = reps.samples("mean_agents", pool=pool.name, level="interval").sum(axis=1)
        value = pooled_ratio(busy[:, None], present[:, None])[0][0]
        occupancy[pool.name] = None if np.isnan(value) else float(value)
    fte, cost = design_cost(result, agents)
    return DesignCheck(
        agents=agents,
        fte=fte,
        cost_per_year=cost,
        risks=risks,
        occupancy=occupancy,
        replications=replications,
        seed=seed,
        engine=reps.engine,
        currency=scenario.workforce.currency,
        skills=skills,
    )


@dataclass(frozen=True)
class SkillsVerdict:
    """The verdict on a scenario's ``skills:`` design: ``design`` (the pools at their given
    sizes, simulated: feasibility, breach risk and cost) and ``gains`` (the pooling gain per
    standard: separate teams against the shared design, both sized by ``search.search_design``;
    empty when not searched)."""

    scenario: str
    currency: str
    pools: tuple[dict, ...]
    design: DesignCheck
    gains: tuple = ()

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "currency": self.currency,
            "pools": list(self.pools),
            "method": (
                f"simulation ({self.design.engine} engine) of every channel and pool together, "
                f"{self.design.replications} replications (seed {self.design.seed}); a clause "
                "holds when its KPI pooled over replications (sum of counts, ratio estimator) "
                "has its 95% bound on the right side of the standard in every measured period"
            ),
            "design": self.design.to_dict(),
            "pooling_gain": [g.to_dict() for g in self.gains],
        }


def _pool_row(pool) -> dict:
    return {
        "name": pool.name,
        "skills": [{"channel": s.channel, "after_s": s.after_s} for s in pool.skills],
        "reserve_agents": pool.reserve_agents,
        "agents": pool.agents if isinstance(pool.agents, (str, int)) else "per interval",
    }


def skills_verdict(
    result: PlanResult,
    *,
    search: bool = True,
    standards: tuple[str, ...] = (),
    replications: int = 20,
    seed: int = 1,
    executor=None,
) -> SkillsVerdict:
    """The verdict on ``result``'s scenario's skills: its design at the given sizes
    (``check_design``), and with ``search`` the pooling gain at its own targets and at each of
    ``standards`` (``search.pooling_gain``)."""
    from .design import pool_sizes
    from .search import pooling_gain

    scenario = result.scenario
    if scenario.skills is None:
        raise ValueError(f"scenario {scenario.name!r} has no `skills:` section")
    design = check_design(
        result, pool_sizes(result), replications=replications, seed=seed, executor=executor
    )
    gains = ()
    if search:
        gains = tuple(
            pooling_gain(result, standards, replications=replications, seed=seed, executor=executor)
        )
    return SkillsVerdict(
        scenario=scenario.name,
        currency=scenario.workforce.currency,
        pools=tuple(_pool_row(p) for p in scenario.skills.pools),
        design=design,
        gains=gains,
    )
