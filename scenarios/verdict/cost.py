"""The SLA verdict (first part): what a standard costs.

``cost_curve`` re-plans one channel over a grid of service-level targets and thresholds with
the closed forms (everything else in the plan as it is), so a negotiator sees what 80/20
costs against 70/30 or 90/15, and what one more point of service level costs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from erlang import SLDefinition

from ..overrides import apply_overrides
from ..pipeline import (
    PlanResult,
    _revenue,
    daily_fixed_fee,
    plan_channel,
    plan_channel_for_service_levels,
)
from ..scenario import Scenario
from ._common import DAYS_PER_YEAR, as_plan, channel_fte

#: The default grid of voice and chat standards: SL targets and thresholds [s].
QUEUE_GRID = ((0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95), (10, 15, 20, 30, 45, 60))
#: The default response times of a deferred channel's curve [s]: 1, 2, 4, 8, 24, 48, 72 hours.
DEFERRED_THRESHOLDS_S = tuple(h * 3600 for h in (1, 2, 4, 8, 24, 48, 72))


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

    def current_index(self) -> tuple[int, int]:
        """``[service level, threshold]`` of the grid point nearest the channel's current
        standard (the point the JSON, the report and the app mark)."""
        if self.current is None:
            raise ValueError(f"channel {self.channel!r} has no current SL standard")
        sl, threshold_s = self.current
        i = int(np.argmin(np.abs(self.service_levels - sl)))  # exact: the grid holds it
        j = int(np.argmin(np.abs(self.thresholds_s - threshold_s)))
        return i, j


def cost_curve(
    source: Scenario | PlanResult,
    channel: str,
    service_levels=None,
    thresholds_s=None,
    model: str | None = None,
    *,
    base_dir=None,
) -> CostCurve:
    """Re-plan ``channel`` for every (service level, threshold) pair; other clauses of its
    target (ASA, abandonment, occupancy caps, SL definition) and all other channels stay.

    The grid always contains the channel's current standard, so the standard the contract
    states is priced at its own threshold (a chat clause of 90% within 120 s is not read as
    90% within 60 s). Defaults: SL 60-95% by 5 points and 10-60 s for voice and chat
    (``QUEUE_GRID``); for a deferred channel, whose fluid workload plan answers every contact
    within the response time, the SL axis is the current target alone and the thresholds run
    from 1 to 72 hours (``DEFERRED_THRESHOLDS_S``): a response-time curve.

    ``source`` is the plan (a scenario is planned first, reading CSVs from ``base_dir``): its
    demand is reused and only ``channel`` is re-planned per grid point, since a target changes
    neither volume, handle time nor patience. Each grid point is the scenario changed by
    ``apply_overrides`` (``targets[k].service_level`` and ``targets[k].threshold_s``), so a
    value the schema rejects is reported with that field name and its allowed range.
    """
    result = as_plan(source, model, base_dir)
    scenario = result.scenario
    names = [c.name for c in scenario.channels]
    if channel not in names:
        raise ValueError(
            f"`channel` {channel!r} is not a channel; channels are: {', '.join(names)}"
        )
    ch = scenario.channel(channel)
    position = [k for k, t in enumerate(scenario.targets) if t.channel == channel]
    base_target = scenario.targets[position[0]] if position else None
    if base_target is None or base_target.service_level is None:
        raise ValueError(
            f"channel {channel!r} has no SL target: the cost curve varies its service level "
            "and threshold"
        )
    deferred = ch.kind == "deferred"
    current = (float(base_target.service_level), float(base_target.threshold_s))
    if service_levels is None:
        service_levels = (current[0],) if deferred else QUEUE_GRID[0]
    if thresholds_s is None:
        thresholds_s = DEFERRED_THRESHOLDS_S if deferred else QUEUE_GRID[1]
    sls = np.asarray(service_levels, dtype=float)
    thresholds = np.asarray(thresholds_s, dtype=float)
    if current[0] < 1.0:  # the current standard is always a grid point
        sls = np.union1d(sls, [current[0]])
    thresholds = np.union1d(thresholds, [current[1]])
    if np.any((sls <= 0) | (sls >= 1)) or np.any(thresholds < 0) or np.any(np.diff(sls) <= 0):
        raise ValueError(
            "`service_levels` must increase strictly within (0, 1) and `thresholds_s` be >= 0"
        )
    demand = result.table.channels[channel]
    others = [p for name, p in result.channels.items() if name != channel]
    path = f"targets[{position[0]}]"
    shape = (sls.size, thresholds.size)
    fte, cost, revenue, per_contact = (np.zeros(shape) for _ in range(4))
    reachable = np.zeros(shape, dtype=bool)
    other_hours = sum(p.paid_hours.sum() for p in others)
    other_cost = sum(p.cost.sum() for p in others)
    other_handled = sum(p.handled.sum() for p in others)
    per_day = scenario.intervals_per_day
    other_daily_hours = sum(p.paid_hours.reshape(scenario.days, per_day).sum(1) for p in others)
    other_daily_handled = sum(p.handled.reshape(scenario.days, per_day).sum(1) for p in others)
    fixed = daily_fixed_fee(scenario)

    def variant(sl, threshold) -> Scenario:
        return apply_overrides(
            scenario, {f"{path}.service_level": float(sl), f"{path}.threshold_s": float(threshold)}
        )

    # Every value of the grid passes the schema: each SL at the first threshold here, each
    # threshold at the first SL below (a target's checks never combine the two values).
    at_first_threshold = [variant(sl, thresholds[0]) for sl in sls]
    for j, threshold in enumerate(thresholds):
        # The KPIs at n agents do not depend on the SL target: all targets at this threshold
        # are staffed in one broadcast call (same answers as one plan_channel per variant).
        # Deferred work is planned to be answered within the response time (one plan each).
        plans = (
            [plan_channel(variant(sl, threshold), ch, demand, result.model) for sl in sls]
            if deferred
            else plan_channel_for_service_levels(
                at_first_threshold[0] if j == 0 else variant(sls[0], threshold),
                ch,
                demand,
                result.model,
                sls,
                with_asa=False,
            )
        )
        for i, p in enumerate(plans):
            total_cost = other_cost + p.cost.sum()
            handled = other_handled + p.handled.sum()
            fte[i, j] = channel_fte(result, other_hours + p.paid_hours.sum())
            cost[i, j] = total_cost
            per_contact[i, j] = total_cost / handled if handled > 0 else 0.0
            reachable[i, j] = bool(np.all(p.reachable))
            daily_hours = other_daily_hours + p.paid_hours.reshape(scenario.days, per_day).sum(1)
            daily_handled = other_daily_handled + p.handled.reshape(scenario.days, per_day).sum(1)
            revenue[i, j] = _revenue(scenario, daily_handled, daily_hours, fixed).sum()
    return CostCurve(
        channel=channel,
        model=result.model,
        sl_definition=base_target.sl_definition,
        currency=scenario.workforce.currency,
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
