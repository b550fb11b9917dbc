"""Breach risk: how likely the measured KPI misses the standard per reporting period
(simulation with the scenario's forecast error), and the staffing that caps that risk."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from erlang import SLDefinition

from ..periods import excluded_intervals, periods_of, service_level_from_counts
from ..pipeline import PlanResult
from ..scenario import Scenario
from ._common import DAYS_PER_YEAR, as_plan


@dataclass(frozen=True)
class BreachRisk:
    """Distribution of the measured KPI per reporting period over simulated replications.

    ``measured[r, p]`` is the service level (under ``sl_definition``) measured in reporting
    period ``p`` of replication ``r``, with the contract's exclusions applied (intervals of
    special periods flagged ``excluded_from_sla`` and the target's ``excluded_periods``),
    from the period's pooled counts (``periods.service_level_from_counts``); NaN where the
    period has nothing to measure (``scenarios.periods``' convention: neither met nor missed,
    no penalty, no bonus). ``p_breach[p]`` is the share of replications in which period ``p``
    misses the standard (with a 95% Wilson interval ``p_breach_low``/``p_breach_high``);
    ``p_breach_normal`` is the same probability from a normal approximation of the measured SL
    (NaN where a replication leaves the period unmeasured). Money is per period, averaged over
    replications, in ``currency``.
    """

    channel: str
    model: str
    sl_definition: SLDefinition
    threshold_s: float
    standard: float
    reporting_period: str
    periods: np.ndarray
    replications: int
    seed: int
    measured: np.ndarray
    p_breach: np.ndarray
    p_breach_low: np.ndarray
    p_breach_high: np.ndarray
    p_breach_normal: np.ndarray
    expected_breaches_per_year: float
    expected_penalty: np.ndarray
    expected_bonus: np.ndarray
    currency: str
    warnings: tuple[str, ...] = ()

    @property
    def method(self) -> str:
        """How the figures were obtained (the "model" the JSON and the report print)."""
        return f"simulation, {self.replications} replications (seed {self.seed})"

    @property
    def standard_text(self) -> str:
        """The standard with its SL definition, e.g. "80% answered within 20 s / offered"."""
        return f"{self.standard:.0%} {self.sl_definition.describe(self.threshold_s)}"


def _wilson(k: np.ndarray, n: int, z: float = 1.959963984540054):
    """95% Wilson score interval of a binomial proportion ``k / n`` (Wilson 1927, JASA 22)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # Mathematically low <= p <= high; clip the rounding at p = 0 and p = 1.
    return np.minimum(centre - half, p), np.maximum(centre + half, p)


def breach_risk(
    source: Scenario | PlanResult,
    channel: str,
    *,
    agents=None,
    model: str | None = None,
    replications: int = 30,
    seed: int = 1,
    executor=None,
) -> BreachRisk:
    """How likely the measured service level misses the standard in each reporting period.

    ``source`` is the plan (its demand and staffing are reused; a scenario is planned first).
    The channel is simulated with ``agents`` on duty per interval (default: the plan's
    required agents), including the scenario's forecast error (day-level volume CV and AHT
    drift), over ``replications`` replications, run by ``executor`` (``simulator.executors``;
    default: one after the other in this process; the results do not depend on it).
    """
    from scipy import special

    from simulator import Pool, SimConfig, replicate

    from ..simulation import sim_channel, warmup_s

    result = as_plan(source, model)
    scenario = result.scenario
    target = scenario.target_for(channel)
    ch = scenario.channel(channel)
    if target is None or target.service_level is None:
        raise ValueError(f"channel {channel!r} needs an SL target (service_level, threshold_s)")
    if replications < 2:
        raise ValueError(f"`replications` must be at least 2, got {replications}")
    demand = result.table.channels[channel]
    if agents is None:
        agents = result.channels[channel].required_agents
    agents = np.asarray(agents)
    error = ch.demand.forecast_error
    sim = sim_channel(ch, demand, target.threshold_s, target.deadline_clock)
    config = SimConfig(
        scenario.interval_s,
        [sim],
        [Pool(channel, agents, (channel,))],
        day_volume_cv=error.day_volume_cv,
        interval_volume_cv=error.interval_volume_cv,
        day_aht_cv=error.day_aht_cv,
        warmup_s=warmup_s(scenario, result.table, [channel]),
    )
    reps = replicate(config, replications, seed, executor=executor)

    # The contract's exclusions (flagged special periods, the target's excluded dates) count
    # nothing; the counts are pooled per period before the ratio is taken.
    grid = (scenario.start_date, scenario.days, scenario.interval_minutes)
    periods = periods_of(*grid, target.reporting_period)
    counted = ~excluded_intervals(*grid, target.excluded_periods, flagged=demand.excluded)

    def per_period(name):
        return periods.total(reps.samples(name, channel=channel, level="interval") * counted)

    offered = per_period("offered")
    measured = service_level_from_counts(
        target.sl_definition,
        per_period("answered_within"),
        offered,
        per_period("abandoned_within"),
        per_period("answered"),
    )
    standard = float(target.service_level)
    breached = measured < standard  # a period not measured (NaN) is not breached
    k = breached.sum(axis=0)
    low, high = _wilson(k.astype(float), replications)
    mean, sd = measured.mean(axis=0), measured.std(axis=0, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(
            sd > 0,
            (standard - mean) / np.where(sd > 0, sd, 1),
            np.where(mean < standard, np.inf, -np.inf),
        )
    p_normal = special.ndtr(z)
    terms = target.penalty
    gap_points = np.nan_to_num((standard - measured) * 100.0)  # not measured: no money
    penalty = terms.per_breached_period * breached + terms.per_point_below * np.maximum(
        gap_points, 0
    )
    if terms.cap_per_period is not None:
        penalty = np.minimum(penalty, terms.cap_per_period)
    bonus = terms.bonus_per_point_above * np.maximum(-gap_points, 0)
    warnings = []
    horizon_s = scenario.days * 86_400.0
    if horizon_s < 50 * ch.aht_s:
        warnings.append(
            f"{channel}: the simulated window ({horizon_s / 3600:g} h) is short against the "
            f"handle time ({ch.aht_s:g} s): the start-up transient dominates"
        )
    thin = np.flatnonzero(offered.mean(axis=0) < 30) if offered.size else []
    thin = [i for i in thin if np.any(offered[:, i] > 0)]
    if thin:
        warnings.append(
            f"{channel}: {len(thin)} reporting period(s) see fewer than 30 contacts on average; "
            "their measured SL is too noisy to read much into"
        )
    return BreachRisk(
        channel=channel,
        model=result.model,
        sl_definition=target.sl_definition,
        threshold_s=float(target.threshold_s),
        standard=standard,
        reporting_period=target.reporting_period,
        periods=periods.labels,
        replications=replications,
        seed=seed,
        measured=measured,
        p_breach=k / replications,
        p_breach_low=low,
        p_breach_high=high,
        p_breach_normal=p_normal,
        expected_breaches_per_year=float(
            breached.sum(axis=1).mean() * DAYS_PER_YEAR / scenario.days
        ),
        expected_penalty=penalty.mean(axis=0),
        expected_bonus=bonus.mean(axis=0),
        currency=scenario.workforce.currency,
        warnings=tuple(warnings),
    )


@dataclass(frozen=True)
class RiskStaffing:
    """The staffing that caps the breach risk: ``extra_agents`` more agents in every staffed
    interval keep every reporting period's P(breach) at most ``max_p_breach``; ``risk`` is the
    breach risk there."""

    channel: str
    max_p_breach: float
    extra_agents: int
    risk: BreachRisk


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
    known: dict[int, BreachRisk] | None = None,
) -> tuple[int, BreachRisk]:
    """The inverse question: how many agents to add to every staffed interval (on top of
    ``agents``, default the plan's) so that no reporting period's breach probability exceeds
    ``max_p_breach``. Returns the extra agents per interval and the breach risk there; all
    candidates use the same seed (common random numbers), so the search is monotone in
    practice.

    ``known`` maps extra agents to breach risks already simulated with these ``agents``,
    ``replications`` and ``seed`` (the verdict passes its own breach risk as ``{0: risk}``);
    they are not simulated again, and every new candidate is added to it.
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
    for extra in range(max_extra + 1):
        if extra not in risks:
            risks[extra] = breach_risk(
                result,
                channel,
                agents=agents + extra * busy,
                replications=replications,
                seed=seed,
                executor=executor,
            )
        if np.all(risks[extra].p_breach <= max_p_breach):
            return extra, risks[extra]
    raise ValueError(f"P(breach) stays above {max_p_breach:g} even with {max_extra} extra agents")
