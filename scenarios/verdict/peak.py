"""The busiest day's peak check: per-interval Erlang staffing against the simulated
time-varying system, and the iterated staffing that meets the target in every interval.

Every decision is statistical and made from pooled counts: an interval's service level over
the replications is the ratio of summed counts (answered within T over the denominator of
the target's SL definition), with a confidence interval from the ratio estimator over
replications (``pooled_interval_sl``). An interval is *short* when its upper bound is below
the target and *meets* the target only when its lower bound clears it; the staffing is
``converged`` only when every measured interval meets the target on fresh seeds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from erlang import SLDefinition, required_agents

from ..overrides import apply_overrides
from ..periods import excluded_intervals, pooled_ratio, sl_denominator
from ..pipeline import PlanResult
from ..scenario import Scenario
from ._common import MODEL_NAMES, as_plan
from .memo import extend_replications, seed_key

#: Highest effective SL target used to size an increment from the closed form.
_MAX_EFFECTIVE_TARGET = 0.99


@dataclass(frozen=True)
class IntervalSL:
    """Pooled service level per interval over replications, with its confidence interval.

    ``pooled`` = sum over replications of the numerator / sum of the denominator (NaN where
    the denominator is 0 in every replication: not measured); ``low`` / ``high`` =
    ``pooled`` -/+ ``half_width``; ``denominator``: the pooled denominator (contacts).
    """

    pooled: np.ndarray
    half_width: np.ndarray
    denominator: np.ndarray
    replications: int

    @property
    def low(self) -> np.ndarray:
        return self.pooled - self.half_width

    @property
    def high(self) -> np.ndarray:
        return self.pooled + self.half_width


def pooled_interval_sl(
    reps, channel: str, definition: SLDefinition, confidence: float = 0.95
) -> IntervalSL:
    """Pooled per-interval SL of ``channel`` under ``definition`` from the replications
    ``reps`` (a ``simulator.ReplicationResult``), with a two-sided ``confidence`` interval:
    answered within T over the definition's denominator (offered, offered - abandoned within
    T, or answered), pooled over replications with the ratio estimator's interval
    (``periods.pooled_ratio``: replications as clusters, not a binomial interval on contacts
    that share a queue).
    """

    def counts(name):
        return reps.samples(name, channel=channel, level="interval")

    within = counts("answered_within")
    denominator = sl_denominator(
        definition, counts("offered"), counts("abandoned_within"), counts("answered")
    )
    pooled, half = pooled_ratio(within, denominator, confidence)
    return IntervalSL(pooled, half, denominator.sum(axis=0), int(within.shape[0]))


@dataclass(frozen=True)
class PeakCheck:
    """Per-interval staffing and service level of one channel on one day: period-by-period
    Erlang vs the simulated time-varying system, before and after iterative staffing.

    ``sl_formula`` is the closed-form prediction at the Erlang staffing (``model``).
    ``sl_sim_erlang`` is the pooled simulated SL at the Erlang staffing (``replications``
    replications, the working seed) with its confidence half-width; ``short_intervals`` are
    the measured intervals whose upper bound is below the target there. ``isa_agents`` is the
    proposed staffing; ``sl_sim_isa`` / ``sl_isa_low`` / ``sl_isa_high`` are its pooled SL
    and bounds on fresh seeds (the last verification; the working seed if none ran).
    ``converged``: every measured interval's lower bound at the proposed staffing clears the
    target on fresh seeds. ``measured``: open, with contacts, not excluded from the SLA.
    """

    channel: str
    date: dt.date
    model: str
    sl_definition: SLDefinition
    threshold_s: float
    target: float
    replications: int
    confidence: float
    start: np.ndarray
    offered_per_hour: np.ndarray
    aht_s: np.ndarray
    patience_s: np.ndarray | None
    measured: np.ndarray
    erlang_agents: np.ndarray
    isa_agents: np.ndarray
    sl_formula: np.ndarray
    sl_sim_erlang: np.ndarray
    sl_sim_erlang_half_width: np.ndarray
    sl_sim_isa: np.ndarray
    sl_sim_isa_half_width: np.ndarray
    short_intervals: np.ndarray
    iterations: int
    verifications: int
    converged: bool
    extra_agent_hours: float

    @property
    def sl_erlang_high(self) -> np.ndarray:
        return self.sl_sim_erlang + self.sl_sim_erlang_half_width

    @property
    def sl_isa_low(self) -> np.ndarray:
        return self.sl_sim_isa - self.sl_sim_isa_half_width

    @property
    def sl_isa_high(self) -> np.ndarray:
        return self.sl_sim_isa + self.sl_sim_isa_half_width

    @property
    def still_short(self) -> np.ndarray:
        """Measured intervals whose lower bound at the proposed staffing is below target."""
        return np.flatnonzero(self.measured & (self.sl_isa_low < self.target))

    def to_dict(self) -> dict:
        """The check as plain data (the ``peak_day`` entry of ``ccplan check``'s JSON)."""

        def number(v):
            return None if not np.isfinite(v) else float(v)

        short = set(int(i) for i in self.short_intervals)
        return {
            "date": str(self.date),
            "model": (
                f"simulation of the whole day, {self.replications} replications, pooled counts "
                f"with {self.confidence:.0%} ratio-estimator bounds; Erlang staffing by "
                f"{MODEL_NAMES.get(self.model, self.model)}"
            ),
            "sl_definition": self.sl_definition.describe(self.threshold_s),
            "target": self.target,
            "converged": bool(self.converged),
            "iterations": self.iterations,
            "extra_agent_hours": self.extra_agent_hours,
            "replications": self.replications,
            "intervals_short_of_target_at_erlang_staffing": sorted(short),
            "intervals_still_short": [int(i) for i in self.still_short],
            "intervals": [
                {
                    "start": str(self.start[i]),
                    "measured": bool(self.measured[i]),
                    "offered_per_hour": float(self.offered_per_hour[i]),
                    "aht_s": float(self.aht_s[i]),
                    "patience_s": None if self.patience_s is None else float(self.patience_s[i]),
                    "agents_erlang": int(self.erlang_agents[i]),
                    "agents_proposed": int(self.isa_agents[i]),
                    "sl_formula": number(self.sl_formula[i]),
                    "sl_pooled_erlang": number(self.sl_sim_erlang[i]),
                    "sl_pooled_proposed": number(self.sl_sim_isa[i]),
                    "sl_lower_bound": number(self.sl_isa_low[i]),
                    "sl_upper_bound": number(self.sl_isa_high[i]),
                    "short_at_erlang": i in short,
                }
                for i in range(self.start.size)
            ],
        }


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
    contacts_per_interval: float = 2000.0,
    max_replications: int | None = None,
) -> PeakCheck:
    """Simulate the period-by-period Erlang staffing of ``channel`` in the plan ``source`` (a
    scenario is planned first; backlog carried from one interval into the next), then add
    staff until every measured interval meets the SL target with confidence.

    Replications: at least ``replications``, and enough that the median measured interval
    pools ``contacts_per_interval`` offered contacts; raised to ``max_replications`` (default:
    twice that sizing) as soon as an interval is undecided (its bounds on both sides of the
    target), before any staff is added, so that the Erlang staffing's verdict is as decisive
    as the cap allows. Every interval is judged by
    ``pooled_interval_sl``: short when its upper bound is below target, met only when its
    lower bound clears it.

    The iteration follows the simulation-based iterative staffing algorithm (ISA) of Feldman,
    Mandelbaum, Massey & Whitt (2008), "Staffing of time-varying queues to achieve
    time-stable performance", *Management Science* 54(2): simulate the whole day with the
    current staffing, restaff each interval from what the simulation shows, repeat. Here the
    measure is the contract's own SL, and each pass only adds staff (so it ends):

    * a short interval gets the agents the closed form needs at an effective target raised by
      its shortfall (target + target - pooled SL, at most 0.99), at least one more: with long
      handle times one agent at a time moves the shortfall along rather than clearing it;
    * an undecided interval gets one agent (the replications are at their cap by then);
    * the preceding interval: a backlog carried into a short interval shows as the one
      before it short or undecided, which then gets its own agents in the same pass. An
      interval that meets the target gets none for its successor's sake: under the
      simulator's staffing rules (busy agents finish their contact before leaving) the
      agents staying on at the boundary are busy either way, so staff added before the
      boundary barely helps after it (the exact chain of the tests, on their peak day:
      5 agents added to the interval before the first short one raise that one's SL by
      0.013, 5 added to it by 0.126);
    * when every interval meets the target on the working seed (common random numbers across
      passes, so differences are due to staffing), the staffing is simulated again on fresh
      seeds; it is ``converged`` only if every interval meets the target there too, else
      those results drive the next pass. From then on each new staffing (the verified one
      plus agents) is simulated on the next fresh seed only: it met the target on the working
      seed before the agents were added, so under common random numbers a working-seed pass
      would only confirm that (it did on every bundled example: same staffing, same verdict,
      one simulation less per failed verification).

    After ``max_iterations`` passes the check stops with ``converged=False``. ``executor``
    (``simulator.executors``) runs the replications; the results do not depend on it.
    """
    from simulator import Pool, SimConfig

    from ..simulation import channel_and_pool, planned_retrials, warmup_s

    result = as_plan(source, model)
    scenario = result.scenario
    target = scenario.target_for(channel)
    ch = scenario.channel(channel)
    if ch.kind == "deferred" or target is None or target.service_level is None:
        raise ValueError(f"channel {channel!r} needs an SL target (service_level, threshold_s)")
    if not 0 < confidence < 1:
        raise ValueError(f"`confidence` must be in (0, 1), got {confidence!r}")
    for name, value, low in (
        ("replications", replications, 2),
        ("max_iterations", max_iterations, 0),
        ("max_replications", 2 if max_replications is None else max_replications, 2),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"`{name}` must be a whole number >= {low}, got {value!r}")
    if not (np.isfinite(contacts_per_interval) and contacts_per_interval > 0):
        raise ValueError(
            f"`contacts_per_interval` must be a number > 0, got {contacts_per_interval!r}"
        )
    demand = result.table.channels[channel]
    erlang = result.channels[channel]
    definition = target.sl_definition
    goal = float(target.service_level)
    measured = (demand.offered > 0) & ~excluded_intervals(
        scenario.start_date,
        scenario.days,
        scenario.interval_minutes,
        target.excluded_periods,
        demand.excluded,
    )
    sims, pool = channel_and_pool(
        ch,
        demand,
        erlang.required_agents,
        target.threshold_s,
        planned_retrials=planned_retrials(result, channel),
    )
    warm_s = warmup_s(scenario, result.table, [channel])

    simulated = {}  # (staffing, seed) -> its replications: more are added, not redone

    def simulate(agents, n, seed_used) -> IntervalSL:
        config = SimConfig(
            scenario.interval_s, sims, [Pool(channel, agents, pool.channels)], warmup_s=warm_s
        )
        key = (np.asarray(agents).tobytes(), seed_key(seed_used))
        reps = extend_replications(config, simulated.get(key), n, seed_used, executor)
        simulated[key] = reps
        return pooled_interval_sl(reps, channel, definition, confidence)

    def fresh_seed(v: int):
        # Children (v, i) of the seed: never the working replications' children (i,).
        return np.random.SeedSequence(seed, spawn_key=(v,))

    typical = float(np.median(demand.offered[measured])) if measured.any() else 1.0
    sized = int(np.ceil(contacts_per_interval / max(typical, 1e-9)))
    reps_n = max(replications, sized)
    cap = max(reps_n, 2 * sized if max_replications is None else max_replications)
    agents = erlang.required_agents.copy()
    working = simulate(agents, reps_n, seed)
    first = None  # the Erlang staffing's simulation, once its replications are settled
    iterations = verifications = 0
    converged = False
    while True:
        if working is not None:
            judged = working
            short, undecided = _judge(working, measured, goal)
            if undecided.any() and reps_n < cap:  # precision first, then staff
                reps_n = cap
                working = simulate(agents, reps_n, seed)
                continue
            if first is None:
                first = working
        if working is None or not (short.any() or undecided.any()):
            verifications += 1
            judged = simulate(agents, reps_n, fresh_seed(verifications))
            short, undecided = _judge(judged, measured, goal)
            if not (short.any() or undecided.any()):
                converged = True
                break
        if iterations >= max_iterations:
            break
        extra = _increments(result, channel, agents, judged, short, goal)
        # Undecided with the replications at their cap: one more agent (an interval is
        # accepted only when its lower bound clears the target).
        agents = agents + extra + undecided
        iterations += 1
        # After a failed verification the staffing met the target on the working seed and
        # only gains agents: it goes straight to the next fresh seed (see the docstring).
        working = None if verifications else simulate(agents, reps_n, seed)
    return PeakCheck(
        channel=channel,
        date=scenario.start_date,
        model=erlang.model,
        sl_definition=definition,
        threshold_s=float(target.threshold_s),
        target=goal,
        replications=reps_n,
        confidence=confidence,
        start=result.table.start,
        offered_per_hour=demand.calls_per_hour,
        aht_s=demand.aht_s,
        patience_s=demand.patience_s,
        measured=measured,
        erlang_agents=erlang.required_agents,
        isa_agents=agents,
        sl_formula=erlang.service_level,
        sl_sim_erlang=first.pooled,
        sl_sim_erlang_half_width=first.half_width,
        sl_sim_isa=judged.pooled,
        sl_sim_isa_half_width=judged.half_width,
        short_intervals=np.flatnonzero(_judge(first, measured, goal)[0]),
        iterations=iterations,
        verifications=verifications,
        converged=converged,
        extra_agent_hours=float(
            (agents - erlang.required_agents).sum() * scenario.interval_s / 3600
        ),
    )


def _judge(sl: IntervalSL, measured, goal: float) -> tuple[np.ndarray, np.ndarray]:
    """``(short, undecided)`` per interval: short where the upper bound is below ``goal``,
    undecided where the bounds straddle it; only measured intervals with simulated contacts
    are judged (the rest are neither)."""
    judged = measured & (sl.denominator > 0)
    short = judged & (sl.high < goal)
    undecided = judged & ~short & (sl.low < goal)
    return short, undecided


def _increments(
    result: PlanResult, channel: str, agents, judged: IntervalSL, short, goal: float
) -> np.ndarray:
    """Agents to add to each ``short`` interval: what the closed form (the plan's model)
    needs at an effective target raised by the interval's shortfall, less what it has, and
    at least one (0 elsewhere)."""
    extra = np.zeros(agents.size, dtype=np.int64)
    if not short.any():
        return extra
    scenario = result.scenario
    ch = scenario.channel(channel)
    target = scenario.target_for(channel)
    demand = result.table.channels[channel]
    effective = np.minimum(goal + (goal - judged.pooled[short]), _MAX_EFFECTIVE_TARGET)
    conc = ch.concurrency
    aht = demand.aht_s[short] * (1.0 + ch.concurrency_stretch * (conc - 1))
    patience = None
    if result.model == "erlang_a" and demand.patience_s is not None:
        patience = demand.patience_s[short]
    slots = required_agents(
        demand.calls_per_hour[short],
        aht,
        patience_s=patience,
        service_level=np.maximum(effective, goal),
        threshold_s=target.threshold_s,
        sl_definition=target.sl_definition,
    ).agents
    needed = -(-np.asarray(slots) // conc)
    extra[short] = np.maximum(needed - agents[short], 1)
    return extra


def busiest_day(source: Scenario | PlanResult, channel: str) -> int:
    """Index of the measured day with the most offered contacts on ``channel`` in its measured
    intervals (from the plan's demand; a scenario is planned first). Intervals the contract
    excludes (the target's ``excluded_periods``, special periods flagged
    ``excluded_from_sla``) do not count, and a day wholly excluded is never the busiest."""
    result = as_plan(source)
    scenario = result.scenario
    demand = result.table.channels[channel]
    target = scenario.target_for(channel)
    excluded = excluded_intervals(
        scenario.start_date,
        scenario.days,
        scenario.interval_minutes,
        target.excluded_periods if target is not None else (),
        demand.excluded,
    ).reshape(scenario.days, -1)
    offered = np.where(excluded, 0.0, demand.offered.reshape(scenario.days, -1)).sum(axis=1)
    offered = np.where(excluded.all(axis=1), -np.inf, offered)
    if not np.isfinite(offered).any():
        raise ValueError(
            f"every day of the horizon is excluded from the SLA for channel {channel!r}: "
            "no measured day to check"
        )
    return int(np.argmax(offered))


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
