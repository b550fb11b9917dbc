"""Staffing for multi-skill designs by simulation, and the pooling gain over separate teams.

The search (``search_design``) starts from per-channel Erlang staffing (``agents: plan``: each
pool gets the plan's requirement of the channels it is primary for) or the user's sizes, and:

1. if the start misses a clause, adds the same number of agents to every pool in every staffed
   interval (doubling, then bisecting) until every clause holds;
2. shrinks one pool at a time (largest first) in proportion: ``k`` steps of ``STEP`` (2%)
   off its agents in every interval, rounded up, never below the real-time load it is primary
   for (``design.load_floor``), with ``k`` the largest that keeps every clause holding
   (bisection), then moves to the next pool (peaks lose more agents than quiet intervals,
   as the requirement scales with the load);
3. verifies the result on a fresh seed, and gives back a step of every shrunk pool at a time
   until the fresh simulation agrees.

"Holds" is the verdict's statistical rule: in every measured reporting period, the clause's
KPI from counts pooled over replications has its 95% bound on the right side of the standard
(``DesignCheck.meets``). All candidates share a seed (common random numbers), so the search
compares designs on the same arrivals; the final answer is checked on other arrivals.

``pooling_gain`` runs the same search on separate teams (one pool per channel) and on the
shared design, per SL standard, and reports the FTE and cost saved: a like-for-like
comparison, since both are cut to the edge of the same clauses by the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..pipeline import PlanResult
from .design import load_floor, pool_sizes, separate_teams
from .schema import Skills
from .verdict import DesignCheck, check_design

__all__ = ["PoolingGain", "SearchedDesign", "pooling_gain", "search_design"]

#: Share of a pool's agents one shrinking step takes off.
STEP = 0.02
#: Largest number of agents step 1 adds to every pool before it calls the standard out of
#: reach.
MAX_EXTRA = 50


@dataclass(frozen=True)
class SearchedDesign:
    """The outcome of ``search_design``: ``start`` (the sizes it started from, simulated),
    ``final`` (the searched sizes on the search's seed), ``fresh`` (the same sizes on a fresh
    seed), ``verified`` whether ``fresh`` meets every clause, ``reached`` whether any staffing
    up to ``MAX_EXTRA`` more agents met them, ``simulations`` how many designs were
    simulated, ``cut[pool]`` how the search changed each pool: ``k`` > 0 is ``k`` steps of
    ``STEP`` taken off its agents, ``-e`` is ``e`` agents added in every staffed interval."""

    label: str
    start: DesignCheck
    final: DesignCheck
    fresh: DesignCheck
    verified: bool
    reached: bool
    simulations: int
    cut: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "design": self.label,
            "start": {
                "fte": self.start.fte,
                "cost_per_year": self.start.cost_per_year,
                "meets_every_clause": self.start.meets,
            },  # fmt: skip
            "pools": {
                name: {"share_cut": max(k, 0) * STEP, "agents_added": max(-k, 0)}
                for name, k in self.cut.items()
            },
            "final": self.final.to_dict(),
            "fresh_seed": self.fresh.to_dict(),
            "verified_on_fresh_seed": self.verified,
            "reached": self.reached,
            "simulations": self.simulations,
        }


def search_design(
    result: PlanResult,
    skills: Skills | None = None,
    *,
    start: dict[str, np.ndarray] | None = None,
    label: str = "shared",
    replications: int = 20,
    seed: int = 1,
    fresh_seed: int | None = None,
    executor=None,
) -> SearchedDesign:
    """The cheapest pool sizes of ``skills`` (default: the scenario's) the search finds that
    meet every clause (see the module docstring), from ``start`` (default:
    ``design.pool_sizes``), with ``replications`` replications per candidate on ``seed`` and
    the answer checked on ``fresh_seed`` (default ``seed + 1000``)."""
    skills = result.scenario.skills if skills is None else skills
    start = pool_sizes(result, skills) if start is None else start
    start = {name: np.asarray(a, dtype=np.int64) for name, a in start.items()}
    fresh_seed = seed + 1000 if fresh_seed is None else fresh_seed
    seen: dict[tuple, DesignCheck] = {}

    def check(removed: dict[str, int], on_seed: int) -> DesignCheck:
        key = (tuple(sorted(removed.items())), on_seed)
        if key not in seen:
            seen[key] = check_design(
                result,
                sized(removed),
                skills,
                replications=replications,
                seed=on_seed,
                executor=executor,
            )
        return seen[key]

    floors = {
        p.name: np.minimum(load_floor(result, skills, p.name), start[p.name]) for p in skills.pools
    }
    staffed = {name: a > 0 for name, a in start.items()}

    def sized(removed: dict[str, int]) -> dict[str, np.ndarray]:
        out = {}
        for name, a in start.items():
            k = removed.get(name, 0)
            if k >= 0:  # k steps off, rounded up, at least the floor
                kept = np.ceil(a * (1.0 - k * STEP) - 1e-9).astype(np.int64)
                out[name] = np.where(staffed[name], np.maximum(kept, floors[name]), 0)
            else:  # -k agents added wherever the pool works at all
                out[name] = a - k * staffed[name]
        return out

    def ok(removed: dict[str, int]) -> bool:
        return check(removed, seed).meets

    removed = {p.name: 0 for p in skills.pools}
    first = check(removed, seed)
    reached = first.meets
    if not reached:  # 1. grow every pool until the clauses hold
        failing, passing = 0, 1
        while not ok({n: -passing for n in removed}):
            if passing >= MAX_EXTRA:
                break
            failing, passing = passing, min(2 * passing, MAX_EXTRA)
        else:
            reached = True
        if reached:
            while passing - failing > 1:
                middle = (failing + passing) // 2
                if ok({n: -middle for n in removed}):
                    passing = middle
                else:
                    failing = middle
            removed = {n: -passing for n in removed}
    if reached:  # 2. shrink each pool in turn, largest first
        for name in sorted(start, key=lambda n: -int(start[n].sum())):
            low, high = removed[name], int(round(1 / STEP))
            if low < 0:  # grown in step 1: not shrunk again
                continue
            if ok({**removed, name: high}):
                removed[name] = high
                continue
            while high - low > 1:
                middle = (low + high) // 2
                if ok({**removed, name: middle}):
                    low = middle
                else:
                    high = middle
            removed[name] = low
    final = check(removed, seed)
    fresh = check(removed, fresh_seed)
    # 3. the fresh seed must agree; else give agents back to the shrunk pools one by one.
    while reached and not fresh.meets and any(d > 0 for d in removed.values()):
        removed = {n: d - 1 if d > 0 else d for n, d in removed.items()}
        final, fresh = check(removed, seed), check(removed, fresh_seed)
    return SearchedDesign(
        label=label,
        start=first,
        final=final,
        fresh=fresh,
        verified=fresh.meets,
        reached=reached,
        simulations=len(seen),
        cut=removed,
    )


@dataclass(frozen=True)
class PoolingGain:
    """Separate teams against the shared design at one SL ``standard`` (None: the scenario's
    own targets), both searched by the same rule (``search_design``): ``fte_saved`` and
    ``cost_saved_per_year`` are separate minus shared (positive: sharing saves)."""

    standard: str | None
    separate: SearchedDesign
    shared: SearchedDesign

    @property
    def fte_saved(self) -> float:
        return self.separate.final.fte - self.shared.final.fte

    @property
    def cost_saved_per_year(self) -> float:
        return self.separate.final.cost_per_year - self.shared.final.cost_per_year

    def to_dict(self) -> dict:
        return {
            "standard": self.standard,
            "separate_fte": self.separate.final.fte,
            "shared_fte": self.shared.final.fte,
            "fte_saved": self.fte_saved,
            "separate_cost_per_year": self.separate.final.cost_per_year,
            "shared_cost_per_year": self.shared.final.cost_per_year,
            "cost_saved_per_year": self.cost_saved_per_year,
            "both_verified": self.separate.verified and self.shared.verified,
            "separate": self.separate.to_dict(),
            "shared": self.shared.to_dict(),
        }


def pooling_gain(
    result: PlanResult,
    standards: tuple[str, ...] = (),
    *,
    replications: int = 20,
    seed: int = 1,
    executor=None,
) -> list[PoolingGain]:
    """The pooling gain at the scenario's own targets and at each of ``standards`` ("85/30",
    applied to every voice and chat SL clause as ``ccplan check``'s comparison does):
    ``search_design`` on separate teams and on the scenario's skills."""
    from ..verdict.compare import with_standard

    gains = []
    for standard in (None, *standards):
        planned = result if standard is None else with_standard(result, standard)
        kwargs = dict(replications=replications, seed=seed, executor=executor)
        separate = search_design(
            planned, separate_teams(planned.scenario), label="separate teams", **kwargs
        )
        shared = search_design(planned, label="shared", **kwargs)
        gains.append(PoolingGain(standard, separate, shared))
    return gains
