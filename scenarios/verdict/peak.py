"""The busiest day's peak check: per-interval Erlang staffing against the simulated
time-varying system, and the iterated staffing that meets the target in every interval."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from erlang import SLDefinition

from ..overrides import apply_overrides
from ..pipeline import PlanResult
from ..scenario import Scenario
from ._common import as_plan


@dataclass(frozen=True)
class PeakCheck:
    """Per-interval staffing and service level of one channel: period-by-period Erlang vs the
    simulated time-varying system, before and after simulation-based iterative staffing.

    ``sl_formula`` is the closed-form prediction at the Erlang staffing; ``sl_sim_erlang`` and
    ``sl_sim_isa`` are simulated means (``replications`` replications, common random numbers)
    at the Erlang and at the iterated staffing, with the half-widths of their
    ``confidence`` intervals. ``short_intervals`` are where the simulation of the Erlang
    staffing falls short of the target with that confidence.
    """

    channel: str
    sl_definition: SLDefinition
    threshold_s: float
    target: float
    replications: int
    confidence: float
    erlang_agents: np.ndarray
    isa_agents: np.ndarray
    sl_formula: np.ndarray
    sl_sim_erlang: np.ndarray
    sl_sim_erlang_half_width: np.ndarray
    sl_sim_isa: np.ndarray
    sl_sim_isa_half_width: np.ndarray
    short_intervals: np.ndarray
    iterations: int
    converged: bool
    extra_agent_hours: float


def peak_check(
    source: Scenario | PlanResult,
    channel: str,
    *,
    model: str | None = None,
    replications: int = 20,
    seed: int = 1,
    confidence: float = 0.95,
    max_iterations: int = 25,
    executor=None,
) -> PeakCheck:
    """Simulate the period-by-period Erlang staffing of ``channel`` in the plan ``source`` (a
    scenario is planned first; backlog carried from one interval into the next), then iterate
    staffing until the simulated system meets the SL target in every interval.

    The iteration follows the simulation-based iterative staffing algorithm (ISA) of Feldman,
    Mandelbaum, Massey & Whitt (2008), "Staffing of time-varying queues to achieve
    time-stable performance", *Management Science* 54(2): simulate the time-varying system
    with the current staffing, restaff each interval from what the simulation shows, repeat
    until stable. Their update sets staff from the simulated number in system and a delay
    probability; here the performance measure is the contract's own (the interval's simulated
    SL under its definition), and each pass adds one agent to every interval whose simulated
    mean SL is below target. Staff is only ever added, so the iteration ends; all passes
    use the same seed (common random numbers), so differences are due to staffing alone.
    ``executor`` (``simulator.executors``) runs the replications; the results do not depend
    on it.
    """
    from simulator import Pool, SimConfig, replicate

    from ..simulation import sim_channel, warmup_s

    result = as_plan(source, model)
    scenario = result.scenario
    target = scenario.target_for(channel)
    ch = scenario.channel(channel)
    if ch.kind == "deferred" or target is None or target.service_level is None:
        raise ValueError(f"channel {channel!r} needs an SL target (service_level, threshold_s)")
    demand = result.table.channels[channel]
    erlang = result.channels[channel]
    definition = target.sl_definition

    sim = sim_channel(ch, demand, target.threshold_s)

    def simulate_sl(agents):
        config = SimConfig(
            scenario.interval_s,
            [sim],
            [Pool(channel, agents, (channel,))],
            warmup_s=warmup_s(scenario, result.table, [channel]),
        )
        reps = replicate(config, replications, seed, executor=executor)
        return reps.estimate(
            definition.field, channel=channel, level="interval", confidence=confidence
        )

    active = demand.offered > 0
    agents = erlang.required_agents.copy()
    first = simulate_sl(agents)
    current, iterations, converged = first, 0, False
    while iterations < max_iterations:
        short = active & (current.mean < target.service_level)
        if not short.any():
            converged = True
            break
        agents = agents + short
        iterations += 1
        current = simulate_sl(agents)
    else:
        converged = not np.any(active & (current.mean < target.service_level))
    return PeakCheck(
        channel=channel,
        sl_definition=definition,
        threshold_s=float(target.threshold_s),
        target=float(target.service_level),
        replications=replications,
        confidence=confidence,
        erlang_agents=erlang.required_agents,
        isa_agents=agents,
        sl_formula=erlang.service_level,
        sl_sim_erlang=first.mean,
        sl_sim_erlang_half_width=first.half_width,
        sl_sim_isa=current.mean,
        sl_sim_isa_half_width=current.half_width,
        short_intervals=np.flatnonzero(active & (first.high < target.service_level)),
        iterations=iterations,
        converged=converged,
        extra_agent_hours=float(
            (agents - erlang.required_agents).sum() * scenario.interval_s / 3600
        ),
    )


def busiest_day(source: Scenario | PlanResult, channel: str) -> int:
    """Index of the day with the most offered contacts on ``channel`` (from the plan's
    demand; a scenario is planned first)."""
    result = as_plan(source)
    offered = result.table.channels[channel].offered
    return int(np.argmax(offered.reshape(result.scenario.days, -1).sum(axis=1)))


def one_day(scenario: Scenario, day: int) -> Scenario:
    """The scenario restricted to one of its days (same demand shape, factors and targets)."""
    changes: dict = {
        "start_date": (scenario.start_date + dt.timedelta(days=day)).isoformat(),
        "days": 1,
    }
    # Growth compounds from the original start: scale the day's base volume so it keeps the
    # volume it has in the full horizon.
    years = day / 365.25
    for i, ch in enumerate(scenario.channels):
        growth = ch.demand.growth_per_year
        if ch.demand.volume_per_day is not None and growth:
            changes[f"channels[{i}].demand.volume_per_day"] = (
                ch.demand.volume_per_day * (1 + growth) ** years
            )
    return apply_overrides(scenario, changes)
