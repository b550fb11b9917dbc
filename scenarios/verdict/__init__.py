"""The SLA verdict (first part): what a standard costs.

``cost_curve`` re-plans one channel over a grid of service-level targets and thresholds with
the closed forms (everything else in the scenario as it is), so a negotiator sees what 80/20
costs against 70/30 or 90/15, and what one more point of service level costs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from erlang import SLDefinition

from ..demand import expand
from ..pipeline import MODELS, _revenue, daily_fixed_fee, plan_channel
from ..scenario import Scenario, Target

DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class CostCurve:
    """Cost of the whole scenario when one channel's SL standard is set to each grid point.

    Arrays are indexed ``[service level, threshold]``. ``cost`` and ``revenue`` are over the
    scenario's horizon, ``cost_per_year`` scales the cost to 365 days; FTE is the average over
    the horizon. Where a grid point cannot be staffed (``reachable`` False in some interval),
    its figures use ``max_agents`` there and should not be read as a price.
    """

    channel: str
    model: str
    sl_definition: SLDefinition
    currency: str
    service_levels: np.ndarray
    thresholds_s: np.ndarray
    fte: np.ndarray
    cost: np.ndarray
    cost_per_year: np.ndarray
    revenue: np.ndarray
    cost_per_contact: np.ndarray
    reachable: np.ndarray
    current: tuple[float, float] | None

    def marginal_cost_per_point(self) -> np.ndarray:
        """Cost per year of one more percentage point of SL between consecutive grid targets,
        ``[service level interval, threshold]``."""
        points = np.diff(self.service_levels) * 100.0
        return np.diff(self.cost_per_year, axis=0) / points[:, None]


def cost_curve(
    scenario: Scenario,
    channel: str,
    service_levels=(0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95),
    thresholds_s=(10, 15, 20, 30, 45, 60),
    model: str = "erlang_a",
    *,
    base_dir=None,
) -> CostCurve:
    """Re-plan ``channel`` for every (service level, threshold) pair; other clauses of its
    target (ASA, abandonment, occupancy caps, SL definition) and all other channels stay."""
    if model not in MODELS:
        raise ValueError(f"`model` must be one of {', '.join(MODELS)}, got {model!r}")
    names = [c.name for c in scenario.channels]
    if channel not in names:
        raise ValueError(
            f"`channel` {channel!r} is not a channel; channels are: {', '.join(names)}"
        )
    ch = scenario.channel(channel)
    if ch.kind == "deferred":
        raise ValueError(f"channel {channel!r} is deferred: its standard is a response time")
    sls = np.asarray(service_levels, dtype=float)
    thresholds = np.asarray(thresholds_s, dtype=float)
    if np.any((sls <= 0) | (sls >= 1)) or np.any(thresholds < 0) or np.any(np.diff(sls) <= 0):
        raise ValueError(
            "`service_levels` must increase strictly within (0, 1) and `thresholds_s` be >= 0"
        )
    table = expand(scenario, base_dir)
    others = [
        plan_channel(scenario, c, table.channels[c.name], model)
        for c in scenario.channels
        if c.name != channel
    ]
    base_target = scenario.target_for(channel) or Target(
        channel=channel, service_level=0.8, threshold_s=20
    )
    wf = scenario.workforce
    weeks = scenario.days / 7.0
    shape = (sls.size, thresholds.size)
    fte, cost, revenue, per_contact = (np.zeros(shape) for _ in range(4))
    reachable = np.zeros(shape, dtype=bool)
    other_hours = sum(p.paid_hours.sum() for p in others)
    other_cost = sum(p.cost.sum() for p in others)
    other_handled = sum(p.handled.sum() for p in others)
    per_day = scenario.intervals_per_day
    fixed = daily_fixed_fee(scenario)
    for i, sl in enumerate(sls):
        for j, threshold in enumerate(thresholds):
            target = base_target.model_copy(
                update={"service_level": float(sl), "threshold_s": float(threshold)}
            )
            variant = scenario.model_copy(
                update={
                    "targets": tuple(t for t in scenario.targets if t.channel != channel)
                    + (target,)
                }
            )
            p = plan_channel(variant, ch, table.channels[channel], model)
            hours = other_hours + p.paid_hours.sum()
            total_cost = other_cost + p.cost.sum()
            handled = other_handled + p.handled.sum()
            fte[i, j] = hours / (wf.hours_per_fte_per_week * weeks)
            cost[i, j] = total_cost
            per_contact[i, j] = total_cost / handled if handled > 0 else 0.0
            reachable[i, j] = bool(np.all(p.reachable))
            daily_hours = sum(
                q.paid_hours.reshape(scenario.days, per_day).sum(1) for q in [*others, p]
            )
            daily_handled = sum(
                q.handled.reshape(scenario.days, per_day).sum(1) for q in [*others, p]
            )
            revenue[i, j] = _revenue(scenario, daily_handled, daily_hours, fixed).sum()
    current = (
        (float(base_target.service_level), float(base_target.threshold_s))
        if scenario.target_for(channel) is not None and base_target.service_level is not None
        else None
    )
    return CostCurve(
        channel=channel,
        model=model,
        sl_definition=base_target.sl_definition,
        currency=wf.currency,
        service_levels=sls,
        thresholds_s=thresholds,
        fte=fte,
        cost=cost,
        cost_per_year=cost * DAYS_PER_YEAR / scenario.days,
        revenue=revenue,
        cost_per_contact=per_contact,
        reachable=reachable,
        current=current,
    )


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
    scenario: Scenario,
    channel: str,
    *,
    model: str = "erlang_a",
    replications: int = 20,
    seed: int = 1,
    confidence: float = 0.95,
    max_iterations: int = 25,
    executor=None,
) -> PeakCheck:
    """Simulate the period-by-period Erlang staffing of ``channel`` (backlog carried from one
    interval into the next), then iterate staffing until the simulated system meets the SL
    target in every interval.

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

    from ..simulation import sim_channel

    target = scenario.target_for(channel)
    ch = scenario.channel(channel)
    if ch.kind == "deferred" or target is None or target.service_level is None:
        raise ValueError(f"channel {channel!r} needs an SL target (service_level, threshold_s)")
    table = expand(scenario)
    demand = table.channels[channel]
    erlang = plan_channel(scenario, ch, demand, model)
    definition = target.sl_definition

    sim = sim_channel(ch, demand, target.threshold_s)

    def simulate_sl(agents):
        config = SimConfig(scenario.interval_s, [sim], [Pool(channel, agents, (channel,))])
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


@dataclass(frozen=True)
class BreachRisk:
    """Distribution of the measured KPI per reporting period over simulated replications.

    ``measured[r, p]`` is the service level (under ``sl_definition``) measured in reporting
    period ``p`` of replication ``r``, with the contract's exclusions applied (intervals of
    special periods flagged ``excluded_from_sla`` and the target's ``excluded_periods``).
    ``p_breach[p]`` is the share of replications in which period ``p`` misses the standard
    (with a 95% Wilson interval ``p_breach_low``/``p_breach_high``); ``p_breach_normal`` is the
    same probability from a normal approximation of the measured SL. Money is per period,
    averaged over replications, in ``currency``.
    """

    channel: str
    model: str
    sl_definition: SLDefinition
    threshold_s: float
    standard: float
    reporting_period: str
    periods: np.ndarray
    replications: int
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


def _period_of_intervals(scenario: Scenario, period: str) -> tuple[np.ndarray, np.ndarray]:
    """Label per interval and the ordered unique labels for a reporting period."""
    import datetime as dt

    per_day = scenario.intervals_per_day
    days = [scenario.start_date + dt.timedelta(days=d) for d in range(scenario.days)]
    if period == "interval":
        starts = expand_starts(scenario)
        return starts, starts
    label = {
        "day": lambda d: d.isoformat(),
        "week": lambda d: f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}",
        "month": lambda d: f"{d.year}-{d.month:02d}",
    }[period]
    per_interval = np.repeat(np.array([label(d) for d in days]), per_day)
    _, first = np.unique(per_interval, return_index=True)
    return per_interval, per_interval[np.sort(first)]


def expand_starts(scenario: Scenario) -> np.ndarray:
    origin = np.datetime64(scenario.start_date, "m")
    n = scenario.days * scenario.intervals_per_day
    return (origin + np.arange(n) * np.timedelta64(scenario.interval_minutes, "m")).astype(str)


def _wilson(k: np.ndarray, n: int, z: float = 1.959963984540054):
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # Mathematically low <= p <= high; clip the rounding at p = 0 and p = 1.
    return np.minimum(centre - half, p), np.maximum(centre + half, p)


def breach_risk(
    scenario: Scenario,
    channel: str,
    *,
    agents=None,
    model: str = "erlang_a",
    replications: int = 30,
    seed: int = 1,
    executor=None,
) -> BreachRisk:
    """How likely the measured service level misses the standard in each reporting period.

    The channel is simulated with ``agents`` on duty per interval (default: the plan's
    required agents), including the scenario's forecast error (day-level volume CV and AHT
    drift), over ``replications`` replications, run by ``executor`` (``simulator.executors``;
    default: one after the other in this process; the results do not depend on it).
    """
    import datetime as dt

    from scipy import special

    from simulator import Pool, SimConfig, replicate

    from ..simulation import sim_channel

    target = scenario.target_for(channel)
    ch = scenario.channel(channel)
    if target is None or target.service_level is None:
        raise ValueError(f"channel {channel!r} needs an SL target (service_level, threshold_s)")
    if replications < 2:
        raise ValueError(f"`replications` must be at least 2, got {replications}")
    table = expand(scenario)
    demand = table.channels[channel]
    if agents is None:
        agents = plan_channel(scenario, ch, demand, model).required_agents
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
    )
    reps = replicate(config, replications, seed, executor=executor)

    # Exclusions: flagged special periods and the target's excluded dates.
    excluded = demand.excluded.copy()
    per_day = scenario.intervals_per_day
    for period in target.excluded_periods:
        for d in range(scenario.days):
            date = scenario.start_date + dt.timedelta(days=d)
            if period.start_date <= date <= period.end_date:
                excluded[d * per_day : (d + 1) * per_day] = True
    labels, periods = _period_of_intervals(scenario, target.reporting_period)
    group = _group_index(labels, periods)
    keep = ~excluded

    def per_period(counts):
        return np.array(
            [np.bincount(group[keep], weights=c[keep], minlength=periods.size) for c in counts]
        )

    def counts(name):
        return reps.samples(name, channel=channel, level="interval")

    within = per_period(counts("answered_within"))
    offered = per_period(counts("offered"))
    if target.sl_definition is SLDefinition.OF_OFFERED:
        denominator = offered
    elif target.sl_definition is SLDefinition.EXCL_SHORT_ABANDONS:
        denominator = offered - per_period(counts("abandoned_within"))
    else:
        denominator = per_period(counts("answered"))
    with np.errstate(invalid="ignore", divide="ignore"):
        measured = np.where(
            denominator > 0, within / np.where(denominator > 0, denominator, 1), 1.0
        )
    standard = float(target.service_level)
    breached = measured < standard
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
    gap_points = (standard - measured) * 100.0
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
        model=model,
        sl_definition=target.sl_definition,
        threshold_s=float(target.threshold_s),
        standard=standard,
        reporting_period=target.reporting_period,
        periods=periods,
        replications=replications,
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


def _group_index(labels: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """Position in ``periods`` of each interval's label."""
    index = {label: i for i, label in enumerate(periods.tolist())}
    return np.array([index[label] for label in labels.tolist()])


@dataclass(frozen=True)
class TargetCheck:
    """One clause of a channel's target at the staffing on offer, per reporting period.

    ``measured`` is the predicted KPI per period (offered-weighted service level and
    abandonment, answered-weighted ASA, time-weighted occupancy, excluded intervals left out);
    ``gap`` is how far it is on the wrong side of ``standard`` (positive: missed);
    ``failing_intervals`` counts intervals missing it. ``fte_saved`` and ``cost_saved`` are
    what the plan would save if this clause alone were dropped (its price).
    """

    channel: str
    clause: str
    description: str
    standard: float
    periods: np.ndarray
    measured: np.ndarray
    gap: np.ndarray
    met: np.ndarray
    failing_intervals: int
    fte_saved: float
    cost_saved: float
    failing_starts: tuple[str, ...] = ()
    """Start times of the intervals that miss the clause."""
    worst_start: str = ""
    """The interval furthest on the wrong side (the binding peak)."""
    worst_value: float = float("nan")
    per_interval: np.ndarray | None = None
    """The predicted KPI in every interval (NaN where nothing is offered)."""


@dataclass(frozen=True)
class Feasibility:
    """The targets at a given headcount: which hold, which fail and by how much."""

    model: str
    fte_offered: float
    fte_required: float
    checks: list[TargetCheck]
    binding: dict[str, str]
    warnings: list[str]
    currency: str
    on_duty: dict[str, np.ndarray]
    """Agents on duty per interval and channel at the offered headcount."""


def _clauses(target: Target):
    out = []
    if target.service_level is not None:
        out.append(("service_level", target.service_level))
    for name in ("max_asa_s", "max_abandon", "max_occupancy"):
        if getattr(target, name) is not None:
            out.append((name, getattr(target, name)))
    return out


def feasibility(
    scenario: Scenario, *, fte=None, budget=None, model: str = "erlang_a"
) -> Feasibility:
    """Check every target at the headcount on offer (``fte``, or ``budget`` over the horizon in
    the workforce currency; default: the scenario's ``workforce.fte_offered``, else the plan's
    own staffing).

    The offered FTE are spread like the plan's schedule (each interval's scheduled staff scaled
    by offered / required FTE, rounded down), and shrinkage is taken off to get the agents on
    duty; the KPIs then come from the closed forms (``model``).
    """
    from erlang import erlang_a_kpis, erlang_c_kpis

    from ..pipeline import plan

    if fte is not None and budget is not None:
        raise ValueError("give `fte` or `budget`, not both")
    wf = scenario.workforce
    weeks = scenario.days / 7.0
    if fte is None and budget is None:
        fte = wf.fte_offered
    if budget is not None:
        if wf.hourly_cost <= 0:
            raise ValueError("a `budget` needs workforce.hourly_cost > 0")
        fte = budget / (wf.hourly_cost * wf.hours_per_fte_per_week * weeks)
    result = plan(scenario, model)
    required = float(result.total.fte[0])
    offered = required if fte is None else float(fte)
    if offered < 0:
        raise ValueError(f"`fte` must be >= 0, got {offered:g}")
    scale = offered / required if required > 0 else 0.0
    starts = result.table.start.astype(str)
    warnings = []
    checks, binding, duty = [], {}, {}
    for ch in scenario.channels:
        demand = result.table.channels[ch.name]
        plan_ch = result.channels[ch.name]
        scheduled = np.floor(plan_ch.scheduled_agents * scale + 1e-9)
        on_duty = np.floor(scheduled * (1 - wf.total_shrinkage) + 1e-9)
        if fte is None:  # the plan's own staffing: exactly its required agents on duty
            on_duty = plan_ch.required_agents.astype(float)
        duty[ch.name] = on_duty.astype(np.int64)
        target = scenario.target_for(ch.name)
        if target is None:
            continue
        if target.service_level is not None and target.service_level >= 1.0:
            warnings.append(f"{ch.name}: an SL target of 100% cannot be met by any staffing")
        if ch.kind == "deferred":
            continue  # deferred work has no queueing prediction per interval (see the plan)
        conc = ch.concurrency
        aht = demand.aht_s * (1.0 + ch.concurrency_stretch * (conc - 1))
        t = target.threshold_s if target.threshold_s is not None else 0.0
        use_a = model == "erlang_a" and demand.patience_s is not None
        k = (
            erlang_a_kpis(demand.calls_per_hour, aht, demand.patience_s, on_duty * conc, t)
            if use_a
            else erlang_c_kpis(demand.calls_per_hour, aht, on_duty * conc, t)
        )
        busy = demand.offered > 0
        if np.any(busy & (k.occupancy > 0.98)):
            warnings.append(
                f"{ch.name}: occupancy above 98% in {int(np.sum(busy & (k.occupancy > 0.98)))} "
                "intervals: the steady-state formulas are unreliable there"
            )
        labels, periods = _period_of_intervals(scenario, target.reporting_period)
        group = _group_index(labels, periods)
        keep = ~demand.excluded & busy
        answered = demand.offered * (1 - k.p_abandon)

        def weighted(values, weights, group=group, keep=keep, n=periods.size):
            num = np.bincount(group[keep], weights=(values * weights)[keep], minlength=n)
            den = np.bincount(group[keep], weights=weights[keep], minlength=n)
            return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan), den > 0

        for clause, standard in _clauses(target):
            if clause == "service_level":
                values, weights, lower_is_better = (
                    k.service_level_for(target.sl_definition),
                    demand.offered,
                    False,
                )
                text = f"service level {standard:.0%} ({target.sl_definition.describe(t)})"
            elif clause == "max_asa_s":
                values, weights, lower_is_better = k.asa_s, answered, True
                text = f"ASA at most {standard:g} s"
            elif clause == "max_abandon":
                values, weights, lower_is_better = k.p_abandon, demand.offered, True
                text = f"abandonment at most {standard:.1%} of offered"
            else:
                values, weights, lower_is_better = k.occupancy, on_duty, True
                text = f"occupancy at most {standard:.0%}"
            measured, has = weighted(np.asarray(values, dtype=float), weights)
            gap = (measured - standard) if lower_is_better else (standard - measured)
            gap = np.where(has, gap, 0.0)
            per_interval_gap = (values - standard) if lower_is_better else (standard - values)
            ranked = np.where(keep, per_interval_gap, -np.inf)
            worst = int(np.argmax(ranked)) if np.any(keep) else None
            relaxed = _without_clause(scenario, ch.name, clause)
            saved = plan(relaxed, model).total
            checks.append(
                TargetCheck(
                    channel=ch.name,
                    clause=clause,
                    description=text,
                    standard=float(standard),
                    periods=periods,
                    measured=np.where(has, measured, np.nan),
                    gap=gap,
                    met=gap <= 1e-12,
                    failing_intervals=int(np.sum(keep & (per_interval_gap > 1e-12))),
                    fte_saved=required - float(saved.fte[0]),
                    cost_saved=float(result.total.cost[0] - saved.cost[0]),
                    failing_starts=tuple(starts[keep & (per_interval_gap > 1e-12)]),
                    worst_start=str(starts[worst]) if worst is not None else "",
                    worst_value=float(np.asarray(values)[worst]) if worst is not None else np.nan,
                    per_interval=np.where(busy, np.asarray(values, dtype=float), np.nan),
                )
            )
        mine = [c for c in checks if c.channel == ch.name]
        if mine:
            binding[ch.name] = max(mine, key=lambda c: c.fte_saved).clause
    return Feasibility(
        model=model,
        fte_offered=offered,
        fte_required=required,
        checks=checks,
        binding=binding,
        warnings=warnings,
        currency=wf.currency,
        on_duty=duty,
    )


def _without_clause(scenario: Scenario, channel: str, clause: str) -> Scenario:
    """The scenario with one clause of one channel's target dropped."""
    target = scenario.target_for(channel)
    update = {clause: None} if clause != "service_level" else {"service_level": None}
    relaxed = target.model_copy(update=update)
    others = tuple(t for t in scenario.targets if t.channel != channel)
    if all(
        v is None
        for v in (
            relaxed.service_level,
            relaxed.max_asa_s,
            relaxed.max_abandon,
            relaxed.max_occupancy,
        )
    ):
        return scenario.model_copy(update={"targets": others})
    return scenario.model_copy(update={"targets": (*others, relaxed)})


def busiest_day(scenario: Scenario, channel: str) -> int:
    """Index of the day with the most offered contacts on ``channel``."""
    offered = expand(scenario).channels[channel].offered
    return int(np.argmax(offered.reshape(scenario.days, -1).sum(axis=1)))


def one_day(scenario: Scenario, day: int) -> Scenario:
    """The scenario restricted to one of its days (same demand shape, factors and targets)."""
    import datetime as dt

    start = scenario.start_date + dt.timedelta(days=day)
    data = scenario.model_dump()
    data.update(start_date=start, days=1)
    # Growth is measured from the original start: shift it so the day keeps its volume.
    years = day / 365.25
    for ch in data["channels"]:
        growth = ch["demand"]["growth_per_year"]
        if ch["demand"]["volume_per_day"] is not None and growth:
            ch["demand"]["volume_per_day"] *= (1 + growth) ** years
    return Scenario.model_validate(data)


def staffing_for_risk(
    scenario: Scenario,
    channel: str,
    *,
    max_p_breach: float = 0.1,
    agents=None,
    model: str = "erlang_a",
    replications: int = 30,
    seed: int = 1,
    max_extra: int = 50,
    executor=None,
) -> tuple[int, BreachRisk]:
    """The inverse question: how many agents to add to every staffed interval (on top of
    ``agents``, default the plan's) so that no reporting period's breach probability exceeds
    ``max_p_breach``. Returns the extra agents per interval and the breach risk there; all
    candidates use the same seed (common random numbers), so the search is monotone in
    practice."""
    if not 0 < max_p_breach < 1:
        raise ValueError(f"`max_p_breach` must be a fraction in (0, 1), got {max_p_breach!r}")
    demand = expand(scenario).channels[channel]
    if agents is None:
        agents = plan_channel(scenario, scenario.channel(channel), demand, model).required_agents
    busy = (np.asarray(agents) > 0) | (demand.offered > 0)
    for extra in range(max_extra + 1):
        risk = breach_risk(
            scenario,
            channel,
            agents=np.asarray(agents) + extra * busy,
            model=model,
            replications=replications,
            seed=seed,
            executor=executor,
        )
        if np.all(risk.p_breach <= max_p_breach):
            return extra, risk
    raise ValueError(f"P(breach) stays above {max_p_breach:g} even with {max_extra} extra agents")
