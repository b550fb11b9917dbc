"""Breach risk: how likely each clause's measured KPI misses its standard per reporting period
(simulation with the scenario's forecast error), what that costs in penalties and earns in
bonuses, how likely several breaches a year are, and the staffing that caps the risk."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from erlang import SLDefinition

from ..periods import (
    excluded_intervals,
    periods_of,
    pooled_ratio,
    ratio_of_counts,
    sl_denominator,
)
from ..pipeline import PlanResult
from ..scenario import Scenario, parse_standard
from ._common import (
    DAYS_PER_YEAR,
    PERIODS_PER_YEAR,
    as_plan,
    clause_description,
    clause_terms,
    higher_is_better,
    points_per_unit,
    target_clauses,
)
from .memo import SimulationMemo, digest, seed_key

#: The k of "P(at least k breached periods a year)" and "P(k consecutive breaches)" reported.
BREACH_COUNTS = (1, 2, 3)


@dataclass(frozen=True)
class BreachRisk:
    """Distribution of one clause's measured KPI per reporting period over replications.

    ``measured[r, p]`` is the KPI measured in reporting period ``p`` of replication ``r``:
    ``numerator[r, p] / denominator[r, p]``, the period's pooled counts (service level under
    ``sl_definition``, abandonment = abandoned / offered, ASA = total wait of answered /
    answered, occupancy = busy agent time / present agent time), with the contract's
    exclusions applied (intervals of special periods flagged ``excluded_from_sla`` and the
    target's ``excluded_periods`` count nothing); NaN where the period has nothing to measure.
    ``counted[p]`` says which periods are measured at all (some offered contact outside the
    exclusions): the others are neither met nor missed and carry no penalty, no bonus and no
    breach probability (NaN). ``p_breach[p]`` is the share of replications in which period
    ``p`` misses the standard, with a 95% Wilson interval; ``p_breach_normal`` is the same
    from a normal approximation of the measured KPI.

    Money, in ``currency``: ``expected_penalty[p]`` / ``expected_bonus[p]`` per period (the
    per-period cap applied), averaged over replications; ``penalty_per_year`` is the mean over
    replications of a year's penalties (``per_year_totals``: the horizon's measured periods
    read as representative of the year), each capped at the clause's ``cap_per_year``;
    ``expected_breaches_per_year`` and ``bonus_per_year`` likewise. The yearly counts
    (``p_at_least[k]``: P(at least k breached periods in a year); ``p_consecutive[k]``: P(a run
    of k breached periods in a row within a year)) take a year of periods with the measured
    periods' breach probabilities in turn (the horizon's periods repeated when it is shorter
    than a year), breaches independent between periods (the simulation draws the forecast
    error independently per day), computed exactly (``p_at_least_k``, ``p_run_of_k``).
    """

    channel: str
    clause: str
    description: str
    model: str
    standard: float
    reporting_period: str
    periods: np.ndarray
    counted: np.ndarray
    replications: int
    seed: int
    measured: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    p_breach: np.ndarray
    p_breach_low: np.ndarray
    p_breach_high: np.ndarray
    p_breach_normal: np.ndarray
    expected_breaches_per_year: float
    expected_penalty: np.ndarray
    expected_bonus: np.ndarray
    penalty_per_year: float
    bonus_per_year: float
    currency: str
    sl_definition: SLDefinition | None = None
    threshold_s: float | None = None
    p_at_least: dict[int, float] = field(default_factory=dict)
    p_consecutive: dict[int, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    engine: str = ""  # the simulation engine that ran the replications ("compiled", "simpy")
    #: Each replication's penalties of a year (the per-year cap applied): what a contract-wide
    #: liability cap acts on (``scenarios.contract.term``).
    penalty_per_year_by_replication: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def method(self) -> str:
        """How the figures were obtained (the "model" the JSON and the report print), the
        engine named: e.g. "simulation (compiled engine), 30 replications (seed 1)"."""
        engine = f" ({self.engine} engine)" if self.engine else ""
        return f"simulation{engine}, {self.replications} replications (seed {self.seed})"

    @property
    def standard_text(self) -> str:
        """The clause in the contract's words, e.g. "service level 80% (answered within 20 s
        / offered)"."""
        return self.description

    def pooled(self, confidence: float = 0.95):
        """The clause's KPI per period pooled over replications (sum of numerators / sum of
        denominators) with its ``confidence`` interval (``periods.pooled_ratio``, replications
        as clusters): ``(pooled, low, high)``, NaN where not measured."""
        pooled, half = pooled_ratio(self.numerator, self.denominator, confidence)
        pooled = np.where(self.counted, pooled, np.nan)
        return pooled, pooled - half, pooled + half

    def meets_on_average(self, confidence: float = 0.95) -> bool:
        """Whether every measured period's pooled KPI is on the right side of the standard
        with ``confidence`` (its lower bound above an SL floor, its upper bound below a cap):
        the standard is met in expectation, whatever one period's luck."""
        _, low, high = self.pooled(confidence)
        bound = low if higher_is_better(self.clause) else high
        ok = bound >= self.standard if higher_is_better(self.clause) else bound <= self.standard
        return bool(np.all(ok[self.counted]))

    @property
    def worst_p_breach(self) -> float:
        """The largest P(breach) over the measured periods (0 when none is measured)."""
        p = self.p_breach[self.counted]
        return float(p.max()) if p.size else 0.0


def _wilson(k: np.ndarray, n: int, z: float = 1.959963984540054):
    """95% Wilson score interval of a binomial proportion ``k / n`` (Wilson 1927, JASA 22)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # Mathematically low <= p <= high; clip the rounding at p = 0 and p = 1.
    return np.minimum(centre - half, p), np.maximum(centre + half, p)


def p_at_least_k(p, k: int) -> float:
    """P(at least ``k`` of independent events with probabilities ``p`` happen): the tail of
    the Poisson-binomial distribution, by the exact recursion over events (the distribution
    of the count after each event is the previous one shifted with probability p_i)."""
    dist = np.zeros(len(p) + 1)
    dist[0] = 1.0
    for pi in p:
        dist[1:] = dist[1:] * (1 - pi) + dist[:-1] * pi
        dist[0] *= 1 - pi
    return float(dist[k:].sum())


def p_run_of_k(p, k: int) -> float:
    """P(some run of at least ``k`` consecutive events) in a sequence of independent events
    with probabilities ``p``: a Markov chain on the length of the current run (0..k-1), the
    run reaching ``k`` absorbing."""
    state = np.zeros(k)
    state[0] = 1.0
    hit = 0.0
    for pi in p:
        hit += state[k - 1] * pi
        nxt = np.zeros(k)
        nxt[0] = state.sum() * (1 - pi)
        nxt[1:] = state[:-1] * pi
        state = nxt
    return float(hit)


def year_of_periods(p_breach: np.ndarray, counted: np.ndarray, reporting_period: str):
    """The breach probabilities of a year of periods in time order: the measured periods'
    ``p_breach`` repeated from the first (a year-long horizon: its first year). None for an
    interval-level clause or when no period is measured."""
    n = PERIODS_PER_YEAR.get(reporting_period)
    measured = p_breach[counted]
    if n is None or measured.size == 0:
        return None
    if counted.size >= n:  # a whole year: excluded periods are not breached
        return np.where(counted, p_breach, 0.0)[:n]
    return np.resize(measured, n)


def per_year_totals(values, counted, reporting_period: str, days: int) -> np.ndarray:
    """Per replication, the sum of ``values[r, p]`` over a year of reporting periods: the
    first year's periods of a horizon a year or longer; a shorter horizon's measured periods
    scaled to the periods of a year (12 months: one measured month counts 12 times, whatever
    its days); interval-level clauses by days (365 / ``days``)."""
    values = np.asarray(values, dtype=float)
    n = PERIODS_PER_YEAR.get(reporting_period)
    if n is None:
        return values.sum(axis=1) * DAYS_PER_YEAR / days
    if counted.size >= n:
        return np.where(counted, values, 0.0)[:, :n].sum(axis=1)
    measured = int(counted.sum())
    if measured == 0:
        return np.zeros(values.shape[0])
    return np.where(counted, values, 0.0).sum(axis=1) * n / measured


def compared_thresholds_s(scenario: Scenario, channel: str) -> tuple[float, ...]:
    """The SL thresholds [s] the scenario's compared standards (``compare_standards``) give
    ``channel`` other than its target's, sorted: a voice or chat channel with an SL clause
    takes every compared standard's (``verdict.compare``), other channels none."""
    target = scenario.target_for(channel)
    if scenario.channel(channel).kind == "deferred" or target.service_level is None:
        return ()
    found = {parse_standard(s)[1] for s in scenario.compare_standards}
    return tuple(sorted(found - {target.threshold_s}))


def _sim_config(result: PlanResult, channel: str, agents):
    """The simulation of the channel at ``agents`` on duty with the scenario's forecast
    error, counting its target's SL threshold and those of the compared standards
    (``compared_thresholds_s``: one simulation serves every standard at the same staffing,
    ``_shared_replications``)."""
    from simulator import SimConfig

    from ..simulation import channel_and_pool, planned_retrials, warmup_s

    scenario = result.scenario
    ch = scenario.channel(channel)
    target = scenario.target_for(channel)
    demand = result.table.channels[channel]
    error = ch.demand.forecast_error
    threshold_s = target.threshold_s if target.threshold_s is not None else 0.0
    sims, pool = channel_and_pool(
        ch, demand, agents, threshold_s, target.deadline_clock, planned_retrials(result, channel)
    )
    sims[0] = replace(sims[0], also_thresholds_s=compared_thresholds_s(scenario, channel))
    return SimConfig(
        scenario.interval_s,
        sims,
        [pool],
        day_volume_cv=error.day_volume_cv,
        interval_volume_cv=error.interval_volume_cv,
        day_aht_cv=error.day_aht_cv,
        warmup_s=warmup_s(scenario, result.table, [channel]),
    )


def _clause_counts(reps, channel: str, target, clause: str, periods, counted):
    """The clause's pooled counts per replication and period, ``(numerator, denominator)``:
    its KPI is their ratio (service level under the target's definition, abandoned / offered,
    total wait of the answered / answered, busy / present agent time)."""

    def total(name, pool=False):
        owner = {"pool": channel} if pool else {"channel": channel}
        return periods.total(reps.samples(name, level="interval", **owner) * counted)

    if clause == "service_level":
        denominator = sl_denominator(
            target.sl_definition, total("offered"), total("abandoned_within"), total("answered")
        )
        return total("answered_within"), denominator
    if clause == "max_abandon":
        return total("abandoned"), total("offered")
    if clause == "max_asa_s":
        # Total wait of the answered per interval = ASA x answered (0 where none answered).
        answered = reps.samples("answered", channel=channel, level="interval")
        asa_s = np.nan_to_num(reps.samples("asa_s", channel=channel, level="interval"))
        return periods.total(asa_s * answered * counted), total("answered")
    # Occupancy: busy agent time over present agent time, both pooled over the period.
    return total("mean_busy", pool=True), total("mean_agents", pool=True)


def _clause_risk(counts, *, result, channel, target, clause, standard, periods, counted, seed):
    """One clause's ``BreachRisk`` from its pooled counts ``[replication, period]``."""
    from scipy import special

    numerator, denominator = counts
    values = np.where(counted, ratio_of_counts(numerator, denominator), np.nan)
    scenario = result.scenario
    n = values.shape[0]
    better_high = higher_is_better(clause)
    wrong_side = (standard - values) if better_high else (values - standard)
    breached = wrong_side > 1e-12  # NaN (not measured) is not breached
    k = breached.sum(axis=0).astype(float)
    low, high = _wilson(k, n)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: not measured
        mean, sd = np.nanmean(values, axis=0), np.nanstd(values, axis=0, ddof=1)
        # z of the standard's distance on the wrong side, in standard deviations; no spread:
        # the breach is certain or impossible.
        distance = (standard - mean) if better_high else (mean - standard)
        z = np.where(
            sd > 0, distance / np.where(sd > 0, sd, 1), np.where(distance > 0, np.inf, -np.inf)
        )
    p_normal = special.ndtr(z)
    nan = np.full(k.shape, np.nan)
    p_breach = np.where(counted, k / n, nan)

    terms = clause_terms(target, clause)
    points = np.nan_to_num(wrong_side * points_per_unit(clause))  # not measured: no money
    penalty = terms.per_breached_period * breached + terms.per_point_below * np.maximum(points, 0)
    if terms.cap_per_period is not None:
        penalty = np.minimum(penalty, terms.cap_per_period)
    bonus = terms.bonus_per_point_above * np.maximum(-points, 0)
    yearly_penalty = per_year_totals(penalty, counted, target.reporting_period, scenario.days)
    if terms.cap_per_year is not None:
        yearly_penalty = np.minimum(yearly_penalty, terms.cap_per_year)
    yearly_bonus = per_year_totals(bonus, counted, target.reporting_period, scenario.days)
    yearly_breaches = per_year_totals(breached, counted, target.reporting_period, scenario.days)
    year = year_of_periods(np.where(counted, k / n, 0.0), counted, target.reporting_period)
    return BreachRisk(
        channel=channel,
        clause=clause,
        description=clause_description(target, clause),
        model=result.model,
        standard=standard,
        reporting_period=target.reporting_period,
        periods=periods.labels,
        counted=counted,
        replications=n,
        seed=seed,
        measured=values,
        numerator=numerator,
        denominator=denominator,
        p_breach=p_breach,
        p_breach_low=np.where(counted, low, nan),
        p_breach_high=np.where(counted, high, nan),
        p_breach_normal=np.where(counted, p_normal, nan),
        expected_breaches_per_year=float(yearly_breaches.mean()),
        expected_penalty=penalty.mean(axis=0),
        expected_bonus=bonus.mean(axis=0),
        penalty_per_year=float(yearly_penalty.mean()),
        penalty_per_year_by_replication=yearly_penalty,
        bonus_per_year=float(yearly_bonus.mean()),
        currency=scenario.workforce.currency,
        sl_definition=target.sl_definition if clause == "service_level" else None,
        threshold_s=target.threshold_s if clause == "service_level" else None,
        p_at_least={} if year is None else {j: p_at_least_k(year, j) for j in BREACH_COUNTS},
        p_consecutive={} if year is None else {j: p_run_of_k(year, j) for j in BREACH_COUNTS},
    )


def breach_risks(
    source: Scenario | PlanResult,
    channel: str,
    *,
    agents=None,
    model: str | None = None,
    replications: int = 30,
    seed: int = 1,
    executor=None,
    memo: SimulationMemo | None = None,
) -> dict[str, BreachRisk]:
    """The breach risk of every clause of ``channel``'s target, from one simulation.

    ``source`` is the plan (its demand and staffing are reused; a scenario is planned first).
    The channel is simulated with ``agents`` on duty per interval (default: the plan's
    required agents), including the scenario's forecast error (day-level volume CV and AHT
    drift), over ``replications`` replications (``seed``), run by ``executor``
    (``simulator.executors``; default: one after the other in this process; the results do not
    depend on it). Keys: the clauses in ``CLAUSES`` order. ``memo`` (``SimulationMemo``):
    the same question asked before is answered from it, not simulated again.
    """
    result, config = _simulation(source, channel, agents, model, replications)
    scenario = result.scenario
    target = scenario.target_for(channel)

    def simulated() -> dict[str, BreachRisk]:
        return _risks(result, channel, config, replications, seed, executor, memo)

    if memo is None:
        return simulated()
    grid = (scenario.start_date, scenario.days, scenario.interval_minutes)
    demand = result.table.channels[channel]
    what = digest(
        config,
        target.model_dump_json(),
        grid,
        demand.excluded,
        result.model,
        scenario.workforce.currency,
    )
    return memo.get((what, replications, seed_key(seed)), simulated)


def breach_risks_in_batches(
    source: Scenario | PlanResult,
    channel: str,
    *,
    agents=None,
    model: str | None = None,
    replications: int = 30,
    seed: int = 1,
    executor=None,
):
    """``breach_risks`` as its replications finish, for a caller that shows results while
    they come in: yields ``(done, risks)``, every clause's breach risk from the first ``done``
    replications, after each batch (one replication per worker of ``executor``) from the
    second replication on. Replication ``i`` is the same whatever the batches (its seed is
    child ``i`` of ``seed``), so the last ``risks`` are exactly ``breach_risks``'s and a
    run stopped midway keeps its first ``done`` replications."""
    from simulator import ReplicationResult, replicate_in_batches

    result, config = _simulation(source, channel, agents, model, replications)
    runs = []
    for batch in replicate_in_batches(config, replications, seed, executor=executor):
        runs.extend(batch)
        if len(runs) >= 2:
            yield len(runs), _risks_of(result, channel, ReplicationResult(tuple(runs)), seed)


def _simulation(source, channel, agents, model, replications):
    """The plan of ``source`` and the simulation of ``channel`` with ``agents`` on duty
    (default: the plan's required agents), checked: the channel has a target, and at least
    2 replications (``breach_risks`` and ``breach_risks_in_batches``)."""
    result = as_plan(source, model)
    if result.scenario.target_for(channel) is None:
        raise ValueError(f"channel {channel!r} has no target to measure")
    if replications < 2:
        raise ValueError(f"`replications` must be at least 2, got {replications}")
    if agents is None:
        agents = result.channels[channel].required_agents
    return result, _sim_config(result, channel, np.asarray(agents))


def _risks(result, channel, config, replications, seed, executor, memo) -> dict[str, BreachRisk]:
    """Every clause's breach risk from ``replications`` of ``config`` (``breach_risks``)."""
    reps = _shared_replications(config, channel, replications, seed, executor, memo)
    return _risks_of(result, channel, reps, seed)


def _shared_replications(config, channel: str, replications: int, seed, executor, memo):
    """``simulator.replicate(config, replications, seed)``, shared through ``memo`` (if any)
    by every config that differs from it only in which of ``channel``'s counted thresholds is
    its SL threshold: a threshold counts waits and changes nothing in the queue, so those
    configs simulate the same replications, and ``ReplicationResult.at_threshold`` reads them
    at each one's threshold (the same counts, exactly, as a simulation of its own)."""
    from simulator import replicate

    channels = list(config.channels)
    i = [c.name for c in channels].index(channel)
    sim = channels[i]
    if memo is None or not sim.also_thresholds_s:  # nothing to share with
        return replicate(config, replications, seed, executor=executor)
    thresholds = sorted({sim.threshold_s, *sim.also_thresholds_s})
    channels[i] = replace(sim, threshold_s=thresholds[0], also_thresholds_s=tuple(thresholds[1:]))
    shared = replace(config, channels=channels)
    reps = memo.replications(
        shared,
        replications,
        seed,
        lambda: replicate(shared, replications, seed, executor=executor),
    )
    return reps.at_threshold(channel, sim.threshold_s)


def _risks_of(result, channel, reps, seed) -> dict[str, BreachRisk]:
    """Every clause's breach risk from the replications ``reps``."""
    scenario = result.scenario
    target = scenario.target_for(channel)
    demand = result.table.channels[channel]
    grid = (scenario.start_date, scenario.days, scenario.interval_minutes)
    periods = periods_of(*grid, target.reporting_period)
    counted_interval = ~excluded_intervals(*grid, target.excluded_periods, flagged=demand.excluded)
    counted = periods.total(counted_interval * demand.offered) > 0
    risks = {}
    for clause, standard in target_clauses(target):
        risks[clause] = _clause_risk(
            _clause_counts(reps, channel, target, clause, periods, counted_interval),
            result=result,
            channel=channel,
            target=target,
            clause=clause,
            standard=standard,
            periods=periods,
            counted=counted,
            seed=seed,
        )
    notes = _warnings(result, channel, reps, periods, counted_interval)
    return {c: replace(r, warnings=notes, engine=reps.engine) for c, r in risks.items()}


def _warnings(result, channel, reps, periods, counted_interval) -> tuple[str, ...]:
    scenario = result.scenario
    ch = scenario.channel(channel)
    notes = []
    horizon_s = scenario.days * 86_400.0
    if horizon_s < 50 * ch.aht_s:
        notes.append(
            f"{channel}: the simulated window ({horizon_s / 3600:g} h) is short against the "
            f"handle time ({ch.aht_s:g} s): the start-up transient dominates"
        )
    offered = periods.total(
        reps.samples("offered", channel=channel, level="interval") * counted_interval
    )
    thin = [i for i in np.flatnonzero(offered.mean(axis=0) < 30) if np.any(offered[:, i] > 0)]
    if thin:
        notes.append(
            f"{channel}: {len(thin)} reporting period(s) see fewer than 30 contacts on average; "
            "their measured KPIs are too noisy to read much into"
        )
    return tuple(notes)


def headline_clause(risks: dict[str, BreachRisk]) -> BreachRisk:
    """The clause a channel's breach risk is shown by: the service level where the target has
    one, else its first clause."""
    return risks.get("service_level") or next(iter(risks.values()))


def breach_risk(
    source: Scenario | PlanResult,
    channel: str,
    *,
    clause: str | None = None,
    agents=None,
    model: str | None = None,
    replications: int = 30,
    seed: int = 1,
    executor=None,
) -> BreachRisk:
    """The breach risk of one clause of ``channel``'s target (default: the service level, else
    the target's first clause); see ``breach_risks``, which computes every clause at once."""
    risks = breach_risks(
        source,
        channel,
        agents=agents,
        model=model,
        replications=replications,
        seed=seed,
        executor=executor,
    )
    if clause is None:
        return headline_clause(risks)
    if clause not in risks:
        raise ValueError(f"channel {channel!r} has no {clause!r} clause; it has {list(risks)}")
    return risks[clause]


def worst_p_breach(risks: dict[str, BreachRisk]) -> float:
    """The largest P(breach) over every clause and measured period."""
    return max((r.worst_p_breach for r in risks.values()), default=0.0)


@dataclass(frozen=True)
class RiskStaffing:
    """The staffing that caps the breach risk: ``extra_agents`` more agents in every staffed
    interval keep every clause's P(breach) at most ``max_p_breach`` in every measured period;
    ``risks`` are the breach risks there (``risk``: the headline clause's). ``extra_agents`` is
    None when even ``max_extra`` more agents do not cap it (``risks`` are then those at
    ``max_extra``): an answer, e.g. contacts that arrive while the channel is closed miss their
    deadline whatever the staffing."""

    channel: str
    max_p_breach: float
    extra_agents: int | None
    risks: dict[str, BreachRisk]
    max_extra: int = 50

    @property
    def risk(self) -> BreachRisk:
        return headline_clause(self.risks)

    def to_dict(self) -> dict:
        return {
            "max_p_breach": self.max_p_breach,
            "extra_agents_per_staffed_interval": self.extra_agents,
            "capped": self.extra_agents is not None,
            "max_extra_agents": self.max_extra,
            "model": self.risk.method,
            "standard": self.risk.standard_text,
            "p_breach": self.risk.p_breach,
            "p_breach_worst": max(r.worst_p_breach for r in self.risks.values()),
        }


def risk_staffing_text(staffing: dict) -> str:
    """One sentence for ``RiskStaffing.to_dict()`` (the CLI and the report say the same)."""
    cap = f"P(breach) <= {staffing['max_p_breach']:.0%} in every period"
    where = f"({staffing['standard']}, {staffing['model']})"
    if staffing["extra_agents_per_staffed_interval"] is None:
        return (
            f"{cap} is not reached even with {staffing['max_extra_agents']} more agents in every "
            f"staffed interval {where}: the worst P(breach) stays "
            f"{staffing['p_breach_worst']:.0%}; agents do not fix it (e.g. contacts arriving "
            "while the channel is closed miss their deadline whatever the staffing)"
        )
    return (
        f"to keep {cap} {where}: {staffing['extra_agents_per_staffed_interval']} more agent(s) "
        "in every staffed interval"
    )


class RiskNotCapped(ValueError):
    """``staffing_for_risk`` found no extra agents up to ``max_extra`` that cap the breach risk;
    ``risks`` are the breach risks at ``max_extra``."""

    def __init__(self, message: str, max_extra: int, risks: dict[str, BreachRisk]):
        super().__init__(message)
        self.max_extra = max_extra
        self.risks = risks


def staffing_for_risk(
    source: Scenario | PlanResult,
    channel: str,
    *,
    max_p_breach: float = 0.1,
    agents=None,
    model: str | None = None,
    replications: int = 30,
    seed: int = 1,
    max_extra: int = 50,
    executor=None,
    known: dict[int, dict[str, BreachRisk]] | None = None,
    memo: SimulationMemo | None = None,
) -> tuple[int, dict[str, BreachRisk]]:
    """The inverse question: how many agents to add to every staffed interval (on top of
    ``agents``, default the plan's) so that no clause's breach probability exceeds
    ``max_p_breach`` in any measured period. Returns the extra agents per interval and the
    breach risks there; all candidates use the same seed (common random numbers), so the
    search is monotone in practice. It doubles the extra agents until the cap holds, then
    bisects between the last failing and the first passing count.

    ``known`` maps extra agents to breach risks already simulated with these ``agents``,
    ``replications`` and ``seed`` (the verdict passes its own breach risks as ``{0: risks}``);
    they are not simulated again, and every new candidate is added to it; ``memo``
    (``SimulationMemo``) answers the candidates simulated before anywhere else.
    """
    if not 0 < max_p_breach < 1:
        raise ValueError(f"`max_p_breach` must be a fraction in (0, 1), got {max_p_breach!r}")
    result = as_plan(source, model)
    demand = result.table.channels[channel]
    if agents is None:
        agents = result.channels[channel].required_agents
    agents = np.asarray(agents)
    busy = (agents > 0) | (demand.offered > 0)
    risks = {} if known is None else known

    def ok(extra: int) -> bool:
        if extra not in risks:
            risks[extra] = breach_risks(
                result,
                channel,
                agents=agents + extra * busy,
                replications=replications,
                seed=seed,
                executor=executor,
                memo=memo,
            )
        return worst_p_breach(risks[extra]) <= max_p_breach

    if ok(0):
        return 0, risks[0]
    failing, passing = 0, 1
    while not ok(passing):
        if passing >= max_extra:
            raise RiskNotCapped(
                f"P(breach) stays above {max_p_breach:g} even with {max_extra} extra agents",
                max_extra,
                risks[passing],
            )
        failing, passing = passing, min(2 * passing, max_extra)
    while passing - failing > 1:
        middle = (failing + passing) // 2
        if ok(middle):
            passing = middle
        else:
            failing = middle
    return passing, risks[passing]
