"""A planned scenario with skills as the simulator's multi-pool configuration, and the pool
sizes a design starts from.

The channels are simulated exactly as ``scenarios.simulation.simulation_config`` makes them
(arrivals, handle times, patience, retrials, repeats, callbacks, forecast error, warm-up); only
who answers them changes: each channel's contacts go first to its primary pool
(``schema.primary_pools``), then to the other pools listing it, after their ``after_s`` (a
voice channel's callbacks follow its voice, one step lower in each pool's priority). The
routing itself is the simulator's (``simulator.Pool``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from simulator import Pool, SimConfig

from ..pipeline import PlanResult, schedule_cost, slot_aht_s
from ..simulation import simulation_config
from ..verdict._common import DAYS_PER_YEAR, channel_fte
from .schema import SkillPool, Skills, primary_pools

__all__ = [
    "design_config",
    "design_cost",
    "load_floor",
    "pool_sizes",
    "separate_teams",
]


def separate_teams(scenario) -> Skills:
    """The design without skills: one pool per channel, named after it, sized by the plan."""
    return Skills(
        pools=tuple(
            SkillPool(name=c.name, skills=({"channel": c.name},)) for c in scenario.channels
        )
    )


def _horizon(scenario, values) -> np.ndarray:
    """A pool's agents per interval of the horizon from a number or a per-day list."""
    n = scenario.days * scenario.intervals_per_day
    arr = np.asarray(values, dtype=np.int64)
    if arr.ndim == 0:
        return np.full(n, int(arr), dtype=np.int64)
    return np.tile(arr, scenario.days) if arr.size != n else arr


def pool_sizes(result: PlanResult, skills: Skills | None = None) -> dict[str, np.ndarray]:
    """Agents on duty per interval of every pool of ``skills`` (default: the scenario's), as
    the ``agents`` field says: ``plan`` sums the plan's required (on-duty) agents of the
    channels whose primary pool it is (separate teams' staffing, the search's start);
    ``roster`` the roster's productive agents of those channels (``scenarios.roster``); numbers
    are the user's."""
    scenario = result.scenario
    skills = scenario.skills if skills is None else skills
    primary = primary_pools(skills)
    roster = None
    out = {}
    for pool in skills.pools:
        mine = [c for c, p in primary.items() if p == pool.name]
        if pool.agents == "plan":
            out[pool.name] = sum(result.channels[c].required_agents for c in mine).astype(np.int64)
        elif pool.agents == "roster":
            if roster is None:
                from ..roster.optimize import optimize_roster

                roster = optimize_roster(result, [c.name for c in scenario.channels])
            out[pool.name] = sum(roster.channels[c].productive for c in mine).astype(np.int64)
        else:
            out[pool.name] = _horizon(scenario, pool.agents)
    return out


def load_floor(result: PlanResult, skills: Skills, pool: str) -> np.ndarray:
    """The fewest agents ``pool`` may have per interval in a search: the offered load [erlangs]
    of the voice and chat channels it is primary for, rounded up (chat: per ``concurrency``
    slots). Fewer agents than the real-time load cannot keep up; deferred work may wait for
    quieter intervals, so it sets no floor."""
    scenario = result.scenario
    n = scenario.days * scenario.intervals_per_day
    load = np.zeros(n)
    for name, owner in primary_pools(skills).items():
        ch = scenario.channel(name)
        if owner != pool or ch.kind == "deferred":
            continue
        demand = result.table.channels[name]
        load += demand.offered * slot_aht_s(ch, demand) / scenario.interval_s / ch.concurrency
    return np.ceil(load - 1e-9).astype(np.int64)


def design_config(
    result: PlanResult, agents: dict[str, np.ndarray], skills: Skills | None = None
) -> SimConfig:
    """The simulation of ``result``'s scenario with ``skills`` (default: the scenario's) and
    ``agents[pool]`` on duty per interval: ``simulation_config``'s channels, answered by the
    design's pools (``simulator.Pool`` with ``after_s`` and ``reserve_agents``)."""
    skills = result.scenario.skills if skills is None else skills
    base = simulation_config(result)
    # simulation_config's pools: one per scenario channel, named after it, listing the
    # simulator's channels it makes of it (the channel, then its callbacks).
    made = {pool.name: pool.channels for pool in base.pools}
    owner = {sim: name for name, sims in made.items() for sim in sims}
    primary = primary_pools(skills)
    channels = [replace(c, pool=primary[owner[c.name]]) for c in base.channels]
    pools = []
    for pool in skills.pools:
        listed = [(sim, s.after_s) for s in pool.skills for sim in made[s.channel]]
        pools.append(
            Pool(
                pool.name,
                np.asarray(agents[pool.name]),
                tuple(sim for sim, _ in listed),
                after_s=tuple(after for _, after in listed),
                reserve_agents=pool.reserve_agents,
            )
        )
    return replace(base, channels=tuple(channels), pools=tuple(pools))


def design_cost(result: PlanResult, agents: dict[str, np.ndarray]) -> tuple[float, float]:
    """FTE and staffing cost per 365 days of pools with ``agents`` on duty per interval, each
    scheduled as the pipeline schedules a channel (``pipeline.schedule_cost``: shrinkage, shift
    blocks, hourly cost; FTE = paid hours / (hours per FTE per week x days / 7))."""
    scenario = result.scenario
    hours = cost = 0.0
    for on_duty in agents.values():
        _, paid_hours, paid_cost = schedule_cost(scenario, np.asarray(on_duty))
        hours += float(paid_hours.sum())
        cost += float(paid_cost.sum())
    return channel_fte(result, hours), cost * DAYS_PER_YEAR / scenario.days
