"""Feasibility: every clause of every target at the headcount on offer, and its price."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from erlang import SLDefinition, erlang_a_kpis, erlang_c_kpis

from .._base import MAX_AMOUNT
from ..overrides import REMOVE, apply_overrides
from ..periods import excluded_intervals, periods_of, ratio_of_counts
from ..pipeline import PlanResult, plan_channel
from ..scenario import Scenario
from ._common import (
    as_plan,
    channel_fte,
    clause_description,
    higher_is_better,
    target_clauses,
)

#: Largest headcount offer checked [FTE] (the schema's cap on ``workforce.fte_offered``).
MAX_FTE = 1_000_000.0
#: Largest budget checked: the schema's cap on money amounts x a year of ten million hours.
MAX_BUDGET = MAX_AMOUNT * 1e7


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
    sl_definition: SLDefinition | None = None
    """How the service level is counted (the ``service_level`` clause; None for the others)."""
    counted: np.ndarray | None = None
    """Which periods are measured: False where every offered contact of the period falls in
    an excluded interval (or none is offered); such a period is neither met nor missed."""
    excluded_intervals: int = 0
    """Intervals with offered contacts the contract leaves out of measurement."""

    @property
    def met_every_period(self) -> bool:
        """Met in every measured period."""
        counted = np.ones(self.met.size, bool) if self.counted is None else self.counted
        return bool(np.all(self.met[counted]))


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
    allocation: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    """Per channel, when a headcount is on offer: (FTE allocated, share of the offer, FTE the
    plan needs). The offer is split in proportion to need."""


def allocate_agents(capacity, working) -> np.ndarray:
    """Whole agents per interval from fractional ``capacity``, keeping the total.

    Hamilton's largest-remainder method: every interval gets the floor of its capacity and the
    units left over (``round(sum) - sum of floors``) go to the largest fractional parts, so the
    total matches the offer and no interval moves by more than one agent from its share. An
    interval with work (``working``) is never left at 0 while the total allows: it gets one
    agent, taken from the largest intervals (where one agent less matters least); only when
    no interval has two agents left to give is the total exceeded.
    """
    capacity = np.asarray(capacity, dtype=float)
    working = np.asarray(working, dtype=bool)
    total = int(round(capacity.sum()))
    agents = np.floor(capacity + 1e-9).astype(np.int64)
    lifted = working & (agents == 0)
    agents[lifted] = 1
    excess = int(agents.sum()) - total
    if excess < 0:  # hand out the remainders, largest fractional part first (stable)
        order = np.argsort(-(capacity - agents), kind="stable")
        agents[order[:-excess]] += 1
    while excess > 0:  # the lifted intervals' agents come from the largest ones
        donors = np.flatnonzero(agents >= 2)
        if donors.size == 0:  # the offer cannot staff every working interval: it is exceeded
            break
        take = donors[np.argsort(-capacity[donors], kind="stable")][:excess]
        agents[take] -= 1
        excess -= take.size
    return agents


def feasibility(
    source: Scenario | PlanResult, *, fte=None, budget=None, model: str | None = None
) -> Feasibility:
    """Check every target at the headcount on offer (``fte``, or ``budget`` over the horizon in
    the workforce currency; default: the scenario's ``workforce.fte_offered``, else the plan's
    own staffing).

    The offered FTE are spread like the plan's schedule (each interval's scheduled staff scaled
    by offered / required FTE, rounded down), and shrinkage is taken off to get the agents on
    duty; the KPIs then come from the closed forms (the plan's model). ``source`` is the plan
    (a scenario is planned first with ``model``); its demand and staffing are reused, and each
    clause's price re-plans only its own channel (``clause_price``).
    """
    if fte is not None and budget is not None:
        raise ValueError("give `fte` or `budget`, not both")
    # Checked before any arithmetic: NaN, inf or 1e300 would reach numpy casts as warnings.
    if fte is not None and not 0 <= fte <= MAX_FTE:
        raise ValueError(f"`fte` must be a number in [0, {MAX_FTE:,.0f}] FTE, got {fte!r}")
    if budget is not None and not 0 <= budget <= MAX_BUDGET:
        raise ValueError(f"`budget` must be a number in [0, {MAX_BUDGET:g}], got {budget!r}")
    result = as_plan(source, model)
    scenario, model = result.scenario, result.model
    wf = scenario.workforce
    weeks = scenario.days / 7.0
    if fte is None and budget is None:
        fte = wf.fte_offered
    if budget is not None:
        if wf.hourly_cost <= 0:
            raise ValueError("a `budget` needs workforce.hourly_cost > 0")
        fte = budget / (wf.hourly_cost * wf.hours_per_fte_per_week * weeks)
        if fte > MAX_FTE:
            raise ValueError(
                f"`budget` {budget:g} buys {fte:,.0f} FTE at the scenario's hourly cost; "
                f"at most {MAX_FTE:,.0f} FTE can be checked"
            )
    required = float(result.total.fte[0])
    offered = required if fte is None else float(fte)
    if offered < 0:
        raise ValueError(f"`fte` must be >= 0, got {offered:g}")
    scale = offered / required if required > 0 else 0.0
    allocation = {}
    if fte is not None:  # the offer split in proportion to each channel's need
        for name, p in result.channels.items():
            need = channel_fte(result, p.paid_hours.sum())
            share = need / required if required > 0 else 0.0
            allocation[name] = (offered * share, share, need)
    starts = result.table.start.astype(str)
    grid = (scenario.start_date, scenario.days, scenario.interval_minutes)
    warnings = []
    checks, binding, duty = [], {}, {}
    for ch in scenario.channels:
        demand = result.table.channels[ch.name]
        plan_ch = result.channels[ch.name]
        if fte is None:  # the plan's own staffing: exactly its required agents on duty
            on_duty = plan_ch.required_agents.astype(float)
        else:  # the channel's share of the offer, shrinkage off, as whole agents on duty
            capacity = plan_ch.scheduled_agents * scale * (1 - wf.total_shrinkage)
            on_duty = allocate_agents(capacity, plan_ch.required_agents > 0).astype(float)
            idle = int(np.sum((plan_ch.required_agents > 0) & (on_duty == 0)))
            if idle:
                warnings.append(
                    f"{ch.name}: the offer is too small to put one agent in each of the "
                    f"plan's staffed intervals: {idle} are left with none"
                )
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
        periods = periods_of(*grid, target.reporting_period)
        excluded = excluded_intervals(*grid, target.excluded_periods, flagged=demand.excluded)
        keep = busy & ~excluded
        counted = periods.total(keep) > 0
        answered = demand.offered * (1 - k.p_abandon)

        def weighted(values, weights, periods=periods, keep=keep):
            """Weighted mean per period over the measured intervals (NaN: none measured)."""
            num = periods.total(np.where(keep, values * weights, 0.0))
            den = periods.total(np.where(keep, weights, 0.0))
            return ratio_of_counts(num, den), den > 0

        for clause, standard in target_clauses(target):
            values, weights = {
                "service_level": (k.service_level_for(target.sl_definition), demand.offered),
                "max_asa_s": (k.asa_s, answered),
                "max_abandon": (k.p_abandon, demand.offered),
                "max_occupancy": (k.occupancy, on_duty),
            }[clause]
            lower_is_better = not higher_is_better(clause)
            measured, has = weighted(np.asarray(values, dtype=float), weights)
            gap = (measured - standard) if lower_is_better else (standard - measured)
            gap = np.where(has, gap, 0.0)
            per_interval_gap = (values - standard) if lower_is_better else (standard - values)
            ranked = np.where(keep, per_interval_gap, -np.inf)
            worst = int(np.argmax(ranked)) if np.any(keep) else None
            fte_saved, cost_saved = clause_price(result, ch.name, clause)
            checks.append(
                TargetCheck(
                    channel=ch.name,
                    clause=clause,
                    description=clause_description(target, clause),
                    standard=float(standard),
                    periods=periods.labels,
                    measured=np.where(has, measured, np.nan),
                    gap=gap,
                    met=gap <= 1e-12,
                    failing_intervals=int(np.sum(keep & (per_interval_gap > 1e-12))),
                    fte_saved=fte_saved,
                    cost_saved=cost_saved,
                    failing_starts=tuple(starts[keep & (per_interval_gap > 1e-12)]),
                    worst_start=str(starts[worst]) if worst is not None else "",
                    worst_value=float(np.asarray(values)[worst]) if worst is not None else np.nan,
                    per_interval=np.where(busy, np.asarray(values, dtype=float), np.nan),
                    sl_definition=target.sl_definition if clause == "service_level" else None,
                    counted=counted,
                    excluded_intervals=int(np.sum(busy & excluded)),
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
        allocation=allocation,
    )


def _without_clause(scenario: Scenario, channel: str, clause: str) -> Scenario:
    """The scenario with one clause of one channel's target dropped (the whole target when it
    was the last clause: a target needs at least one), through ``apply_overrides``."""
    k = next(k for k, t in enumerate(scenario.targets) if t.channel == channel)
    target = scenario.targets[k]
    left = [name for name, _ in target_clauses(target) if name != clause]
    if not left:
        return apply_overrides(scenario, {f"targets[{k}]": REMOVE})
    return apply_overrides(scenario, {f"targets[{k}].{clause}": REMOVE})


def clause_price(result: PlanResult, channel: str, clause: str) -> tuple[float, float]:
    """FTE and cost over the horizon saved if ``clause`` of ``channel``'s target were dropped.

    A target constrains only its own channel's staffing, and dropping it changes no demand, so
    only that channel is re-planned, from the plan's demand: saved = the channel's paid hours
    (as FTE) and cost in the plan minus those of the relaxed channel.
    """
    relaxed = _without_clause(result.scenario, channel, clause)
    ch = relaxed.channel(channel)
    before = result.channels[channel]
    after = plan_channel(relaxed, ch, result.table.channels[channel], result.model)
    fte_saved = channel_fte(result, before.paid_hours.sum() - after.paid_hours.sum())
    return fte_saved, float(before.cost.sum() - after.cost.sum())
