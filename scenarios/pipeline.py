"""The planning pipeline: scenario -> interval table -> required and scheduled agents -> hours,
FTE, cost and revenue per day, week and month. The one entry point the CLI and the app share.

Formulas (stated here once, tested independently):

* required agents per interval and channel: ``erlang.required_agents`` with the channel's
  targets and the occupancy cap (the stricter of the workforce cap and the target's);
  chat: ``concurrency`` chats per agent, each with the handle time stretched to
  ``aht x (1 + stretch x (concurrency - 1))``, staffed as ``agents x concurrency`` parallel
  slots (an M/M/n approximation of chat concurrency); deferred: see ``deferred_staffing``;
* scheduled agents = ceil(required / (1 - total shrinkage)), then the maximum within each
  shift-granularity block (staff changes only at those boundaries);
* paid hours = scheduled agents x interval length [h]; cost = paid hours x hourly cost;
* FTE over a period = paid hours / (hours per FTE per week x days in the period / 7);
* handled contacts = offered x (1 - predicted abandonment); cost per contact = cost / handled;
* demand drivers (``scenarios.drivers``): offered = forecast less self-service deflection
  plus FCR repeats and retrials, at the fixed point of staffing and abandonment; a voice
  channel's callbacks are staffed with its calls as one queue (``_with_callbacks``);
* revenue: per_contact = rate x handled; per_hour = rate x paid hours; fixed_monthly = fee
  spread evenly over the days of each calendar month; hybrid = fixed monthly + per contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from erlang import SLDefinition, erlang_a_kpis, erlang_c_kpis, required_agents

from .demand import ChannelDemand, IntervalTable, expand
from .drivers import DriverLoad, fixed_point, has_drivers
from .periods import periods_of
from .scenario import Channel, Scenario

MODELS = ("erlang_a", "erlang_c")


@dataclass(frozen=True)
class ChannelPlan:
    """Per-interval staffing of one channel (arrays of length ``n_intervals``).

    ``model`` is the method used: ``erlang_a``, ``erlang_c`` (voice and chat) or ``workload``
    (deferred). Predicted KPIs: ``service_level`` under ``sl_definition`` with ``threshold_s``
    (deferred: 1 where the interval's contacts can be answered within the response time in
    the fluid workload plan, 0 where no open time falls within it), ``asa_s`` (deferred: time
    until the channel opens, 0 when open), ``p_abandon``, ``occupancy``.
    """

    name: str
    kind: str
    model: str
    sl_definition: SLDefinition
    threshold_s: float
    required_agents: np.ndarray
    scheduled_agents: np.ndarray
    reachable: np.ndarray
    binding: np.ndarray
    service_level: np.ndarray
    asa_s: np.ndarray
    p_abandon: np.ndarray
    occupancy: np.ndarray
    handled: np.ndarray
    paid_hours: np.ndarray
    cost: np.ndarray


@dataclass(frozen=True)
class PeriodSummary:
    """Totals per period (day, ISO week or calendar month), all channels together."""

    label: np.ndarray
    days: np.ndarray
    offered: np.ndarray
    handled: np.ndarray
    paid_hours: np.ndarray
    fte: np.ndarray
    cost: np.ndarray
    revenue: np.ndarray
    cost_per_contact: np.ndarray


@dataclass(frozen=True)
class Peak:
    """The busiest interval of a channel and how sharp the peak is."""

    start: str
    calls_per_hour: float
    peak_to_average: float


@dataclass(frozen=True)
class PlanResult:
    """Everything ``plan`` computed; ``currency`` applies to every cost and revenue."""

    scenario: Scenario
    model: str
    table: IntervalTable
    channels: dict[str, ChannelPlan]
    days: PeriodSummary
    weeks: PeriodSummary
    months: PeriodSummary
    total: PeriodSummary
    peaks: dict[str, Peak]
    currency: str
    drivers: DriverLoad | None = None
    """Where the offered contacts come from (FCR repeats, self-service, retrials; None when
    the scenario has no demand drivers: offered = forecast)."""


def occupancy_cap(scenario: Scenario, channel: Channel) -> float | None:
    """The channel's occupancy cap: the stricter of the workforce's and its target's (None when
    it is 100%, i.e. no cap)."""
    target = scenario.target_for(channel.name)
    caps = [scenario.workforce.max_occupancy]
    if target is not None and target.max_occupancy is not None:
        caps.append(target.max_occupancy)
    cap = min(caps)
    return None if cap >= 1.0 else cap


def slot_aht_s(channel: Channel, demand: ChannelDemand) -> np.ndarray:
    """Handle time of one chat slot [s] per interval: ``aht x (1 + stretch x (concurrency - 1))``
    (voice: the AHT itself)."""
    return demand.aht_s * (1.0 + channel.concurrency_stretch * (channel.concurrency - 1))


def _queue_staffing(
    scenario,
    channel,
    demand: ChannelDemand,
    model: str,
    service_levels=None,
    with_asa=True,
    floor=None,
):
    """Voice and chat: Erlang A (with patience, unless ``model`` is erlang_c) or Erlang C.

    ``service_levels`` (optional) replaces the target's SL with several at once: every array
    returned then has one row per SL target (``required_agents`` broadcasts). Without
    ``with_asa`` the ASA is not computed (NaN) unless a clause needs it.

    Each interval's answer depends only on its own (arrival rate, slot handle time, patience,
    floor): a horizon repeats the same few weekly profiles (the default's 2,688 voice
    intervals hold 189 distinct ones), so each distinct interval is staffed once and the
    answers are copied to the intervals that share it (the same numbers, element by element:
    the closed forms are elementwise, and the default agent cap depends only on the largest
    load, which the distinct intervals keep)."""
    aht = slot_aht_s(channel, demand)
    patience = demand.patience_s if model == "erlang_a" else None
    (cph, aht_d, patience_d, floor_d), inverse = distinct_intervals(
        demand.calls_per_hour, aht, patience, floor
    )
    fields = _queue_staffing_rows(
        scenario, channel, model, cph, aht_d, patience_d, service_levels, with_asa, floor_d
    )
    return copied_back(fields, inverse)


def distinct_intervals(*columns):
    """The distinct intervals of per-interval ``columns`` (1-D, or 2-D with one row per
    interval; None for a column not given) and where each interval's row is among them:
    ``(distinct columns, inverse)``, ``inverse`` None when every interval is distinct (the
    columns come back as given). Closed forms that answer each interval from its own row alone
    are computed once per distinct row and copied back with ``copied_back``."""
    given = [np.asarray(c) for c in columns if c is not None]
    size = given[0].shape[0]
    matrix = np.hstack([c.reshape(size, -1).astype(float) for c in given])
    # ``np.unique(matrix, axis=0, return_inverse=True)``, by one lexsort (6-18x faster: no
    # structured view): rows in the same order, the first column first.
    order = np.lexsort(matrix.T[::-1])
    ranked = matrix[order]
    new = np.ones(size, dtype=bool)
    new[1:] = np.any(ranked[1:] != ranked[:-1], axis=1)
    distinct = ranked[new]
    if distinct.shape[0] == size:
        return list(columns), None
    inverse = np.empty(size, dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    out, at = [], 0
    for c in columns:
        if c is None:
            out.append(None)
            continue
        c = np.asarray(c)
        width = int(np.prod(c.shape[1:], dtype=int))
        out.append(distinct[:, at : at + width].reshape((-1, *c.shape[1:])).astype(c.dtype))
        at += width
    return out, inverse.reshape(-1)


def copied_back(values, inverse, axis: int = -1):
    """``values`` (an array, or a dict of them; other entries as they are) of the distinct
    rows of ``distinct_intervals`` copied back to every interval along ``axis`` (the
    interval axis: last for the planning fields, first for ``[interval, k]`` tables)."""
    if inverse is None:
        return values
    if isinstance(values, dict):
        return {k: copied_back(v, inverse, axis) for k, v in values.items()}
    if isinstance(values, np.ndarray) and values.ndim >= 1:
        return np.take(values, inverse, axis=axis)
    return values


def _queue_staffing_rows(
    scenario, channel, model, calls_per_hour, aht, patience, service_levels, with_asa, floor
):
    """``_queue_staffing`` of the intervals given by their arrival rates [contacts/h], slot
    handle times [s], mean patience [s] (None: Erlang C) and agent floors (or None)."""
    target = scenario.target_for(channel.name)
    conc = channel.concurrency
    kwargs = {"max_occupancy": occupancy_cap(scenario, channel)}
    if target is not None:
        kwargs.update(
            service_level=target.service_level,
            threshold_s=target.threshold_s,
            sl_definition=target.sl_definition,
            max_asa_s=target.max_asa_s,
            max_abandon=target.max_abandon if patience is not None else None,
        )
    if all(
        kwargs.get(k) is None
        for k in ("service_level", "max_asa_s", "max_abandon", "max_occupancy")
    ):
        # No standard at all: staff to carry the load (occupancy below 100%).
        kwargs["max_occupancy"] = 1.0
    if service_levels is not None:
        kwargs["service_level"] = np.asarray(service_levels, dtype=float)[:, None]
    result = required_agents(calls_per_hour, aht, patience_s=patience, with_asa=with_asa, **kwargs)
    slots = result.agents
    agents = -(-slots // conc)  # ceil: whole agents for the chat slots
    raised = floor is not None and bool(np.any(floor > agents))
    if raised:  # at least ``floor`` agents (the drivers' fixed point holding staffing up)
        agents = np.maximum(agents, floor)
    if conc > 1 or raised:
        t = kwargs.get("threshold_s") or 0.0
        k = (
            erlang_a_kpis(calls_per_hour, aht, patience, agents * conc, t)
            if patience is not None
            else erlang_c_kpis(calls_per_hour, aht, agents * conc, t)
        )
    else:
        k = result.kpis
    definition = target.sl_definition if target is not None else SLDefinition.OF_OFFERED
    return dict(
        model="erlang_a" if patience is not None else "erlang_c",
        sl_definition=definition,
        threshold_s=float(kwargs.get("threshold_s") or 0.0),
        required_agents=agents,
        reachable=np.asarray(result.reachable),
        binding=np.asarray(result.binding, dtype=object),
        service_level=np.asarray(k.service_level_for(definition), dtype=float),
        asa_s=np.asarray(k.asa_s, dtype=float),
        p_abandon=np.asarray(k.p_abandon, dtype=float),
        occupancy=np.asarray(k.occupancy, dtype=float),
    )


def deferred_staffing(
    work_s, is_open, interval_s, deadline_s, max_occupancy=1.0, *, business_hours=False
):
    """Agents per interval so that deferred work is done within its response-time deadline.

    Fluid first-come-first-served plan: the work arriving in interval k (contacts x AHT
    [agent-s]) is spread evenly over the open intervals starting within ``deadline_s`` of k
    (k included); the deadline is wall-clock time, so work arriving shortly before closing
    needs its capacity before closing. Where no open interval falls within the deadline (a
    night, a weekend) the interval's contacts miss it and their work is spread the same way
    from the next opening. Returns fractional agents (after the occupancy cap, before
    rounding), the met flag per interval and the wait until the next opening [s] (inf when
    nothing opens before the horizon ends). With ``business_hours`` the deadline runs only
    while the channel is open: the work is spread over the next ``deadline_s`` of open time,
    which always meets it (unless the horizon ends first).
    """
    n = work_s.size
    window = max(1, int(np.ceil(deadline_s / interval_s - 1e-9)))
    open_idx = np.flatnonzero(is_open)
    open_count = np.concatenate([[0], np.cumsum(is_open)])
    first = np.searchsorted(open_idx, np.arange(n))  # first open interval at or after k
    load = np.zeros(n)
    met = np.ones(n, dtype=bool)
    wait_s = np.full(n, np.inf)
    reachable = first < open_idx.size
    wait_s[reachable] = (open_idx[first[reachable]] - np.arange(n)[reachable]) * interval_s
    has_work = work_s > 0
    met[has_work & ~reachable] = False
    k = np.flatnonzero(has_work & reachable)
    # The open intervals each interval's work is spread over are consecutive among the open
    # ones: open positions ``start`` to ``stop`` (exclusive; the n-th open interval is
    # ``open_idx[n]``).
    if business_hours:
        start = first[k]
        stop = np.minimum(start + window, open_idx.size)
        met[k] = stop - start == window
    else:
        # Work with an opening within its deadline starts where it arrives; other work (a
        # night, a weekend) at the next opening, and misses the deadline.
        on_time = open_count[np.minimum(k + window, n)] > open_count[k]
        anchor = np.where(on_time, k, open_idx[first[k]])
        met[k] = on_time
        start, stop = open_count[anchor], open_count[np.minimum(anchor + window, n)]
    size = stop - start
    # Every (interval, open interval) share, added in the order of the arriving intervals
    # (``np.add.at`` adds unbuffered, in order): the sums of a loop over them, to the bit.
    position = np.repeat(start - np.cumsum(size) + size, size) + np.arange(size.sum())
    share = np.repeat(work_s[k] / (size * interval_s), size)
    np.add.at(load, open_idx[position], share)
    return load / max_occupancy, met, wait_s


def _deferred(scenario, channel, demand: ChannelDemand):
    target = scenario.target_for(channel.name)
    deadline = (
        target.threshold_s if target is not None and target.threshold_s else scenario.interval_s
    )
    cap = occupancy_cap(scenario, channel) or 1.0
    business = target is not None and target.deadline_clock == "opening_hours"
    load, met, wait = deferred_staffing(
        demand.offered * demand.aht_s,
        demand.open,
        scenario.interval_s,
        deadline,
        cap,
        business_hours=business,
    )
    agents = np.ceil(load - 1e-9).astype(np.int64)
    work_agents = demand.offered * demand.aht_s / scenario.interval_s
    with np.errstate(invalid="ignore", divide="ignore"):
        occupancy = np.where(agents > 0, load * cap / np.maximum(agents, 1), 0.0)
    return dict(
        model="workload",
        sl_definition=SLDefinition.OF_OFFERED,
        threshold_s=float(deadline),
        required_agents=agents,
        reachable=np.ones(agents.size, dtype=bool),
        binding=np.where(work_agents > 0, "service_level", "none").astype(object),
        service_level=met.astype(float),
        asa_s=wait,
        p_abandon=np.zeros(agents.size),
        occupancy=occupancy,
    )


def schedule(required: np.ndarray, shrinkage: float, block: int) -> np.ndarray:
    """Scheduled agents: ``ceil(required / (1 - shrinkage))``, then the block maximum."""
    scheduled = np.ceil(required / (1.0 - shrinkage) - 1e-9).astype(np.int64)
    n = scheduled.size
    pad = (-n) % block
    blocks = np.concatenate([scheduled, np.zeros(pad, dtype=np.int64)]).reshape(-1, block)
    return np.repeat(blocks.max(axis=1), block)[:n]


def schedule_cost(scenario: Scenario, required: np.ndarray):
    """Scheduled agents, paid hours and cost per interval of ``required`` agents on duty:
    ``schedule`` with the workforce's shrinkage and shift granularity, paid hours = scheduled x
    interval length [h], cost = paid hours x hourly cost."""
    wf = scenario.workforce
    block = max(1, wf.shift_granularity_minutes // scenario.interval_minutes)
    scheduled = schedule(required, wf.total_shrinkage, block)
    paid_hours = scheduled * (scenario.interval_s / 3600.0)
    return scheduled, paid_hours, paid_hours * wf.hourly_cost


def daily_fixed_fee(scenario: Scenario) -> np.ndarray:
    """The pricing's fixed monthly fee spread evenly over the days of each calendar month."""
    fee = scenario.pricing.fixed_monthly if scenario.pricing is not None else 0.0
    months = periods_of(scenario.start_date, scenario.days, scenario.interval_minutes, "month")
    return fee / months.calendar_days[months.of_day]


def _summaries(scenario, plans, table, groupings, pricing_daily_fixed):
    """PeriodSummary for each grouping of days (``periods.Periods``, or None for the total)."""
    per_day = scenario.intervals_per_day
    n_days = scenario.days

    def daily(values):
        return values.reshape(n_days, per_day).sum(axis=1)

    offered = sum(daily(table.channels[name].offered) for name in plans)
    handled = sum(daily(p.handled) for p in plans.values())
    hours = sum(daily(p.paid_hours) for p in plans.values())
    cost = sum(daily(p.cost) for p in plans.values())
    revenue = _revenue(scenario, handled, hours, pricing_daily_fixed)
    wf = scenario.workforce
    out = {}
    for key, grouping in groupings.items():
        if grouping is None:  # the whole horizon as one period
            labels, of_day = np.array(["total"]), np.zeros(n_days, dtype=np.int64)
        else:
            labels, of_day = grouping.labels, grouping.of_day

        def total(values, of_day=of_day, size=labels.size):
            return np.bincount(of_day, weights=values, minlength=size)

        days = total(np.ones(n_days))
        h, c, hd = total(hours), total(cost), total(handled)
        with np.errstate(invalid="ignore", divide="ignore"):
            cpc = np.where(hd > 0, c / np.where(hd > 0, hd, 1), 0.0)
        out[key] = PeriodSummary(
            label=labels,
            days=days,
            offered=total(offered),
            handled=hd,
            paid_hours=h,
            fte=h / (wf.hours_per_fte_per_week * days / 7.0),
            cost=c,
            revenue=total(revenue),
            cost_per_contact=cpc,
        )
    return out


def _revenue(scenario, handled, hours, daily_fixed):
    p = scenario.pricing
    if p is None:
        return np.zeros_like(handled)
    return {
        "per_contact": p.per_contact * handled,
        "per_hour": p.per_hour * hours,
        "fixed_monthly": daily_fixed,
        "hybrid": daily_fixed + p.per_contact * handled,
    }[p.model]


def _peak(table: IntervalTable, demand: ChannelDemand) -> Peak:
    cph = demand.calls_per_hour
    k = int(np.argmax(cph))
    active = cph[cph > 0]
    ratio = float(cph[k] / active.mean()) if active.size else 0.0
    return Peak(start=str(table.start[k]), calls_per_hour=float(cph[k]), peak_to_average=ratio)


def _with_callbacks(scenario, channel, demand: ChannelDemand, model: str, floor=None):
    """Voice with a callback offer: ``share`` of the offered callers take a callback instead
    of waiting; the callbacks are made by the same agents, after the waiting callers (lower
    priority), within ``deadline_s``. A callback once started holds its agent like a call
    (no preemption), so the agents are staffed for the whole offered load as one queue
    (Erlang A/C on calls and callbacks together): with equal handle times the chance that
    every agent is busy is about that queue's; priority shortens the callers' waits, while
    callbacks never abandon (a little more work than the queue's): the SL and ASA reported
    for the callers who wait agree with the simulator within its confidence interval on a
    stationary case (tests). The abandonment is the queue's times ``1 - share``; the gain of
    a callback offer is callers who do not abandon (nor retry), not fewer agents."""
    keep = 1.0 - channel.callback.share
    fields = _queue_staffing(scenario, channel, demand, model, floor=floor)
    return {**fields, "p_abandon": fields["p_abandon"] * keep}


def plan_channel(
    scenario: Scenario, channel: Channel, demand: ChannelDemand, model: str, floor=None
):
    """Staffing, hours and cost of one channel (the per-channel step of ``plan``); voice and
    chat with at least ``floor`` agents per interval where given (KPIs at that staffing);
    voice with a ``callback`` offer: ``_with_callbacks``."""
    if channel.kind == "deferred":
        fields = _deferred(scenario, channel, demand)
    elif channel.callback is not None and channel.callback.share > 0:
        fields = _with_callbacks(scenario, channel, demand, model, floor)
    else:
        fields = _queue_staffing(scenario, channel, demand, model, floor=floor)
    return _channel_plan(scenario, channel, demand, fields)


def plan_channel_for_service_levels(
    scenario: Scenario,
    channel: Channel,
    demand: ChannelDemand,
    model: str,
    service_levels,
    *,
    with_asa: bool = True,
) -> list[ChannelPlan]:
    """``plan_channel`` of a voice or chat channel once per SL target in ``service_levels``
    (its target's threshold and other clauses as in ``scenario``), the staffing of all of
    them found in one broadcast ``required_agents`` call. Without ``with_asa`` the plans'
    ``asa_s`` is NaN unless a clause needs it (a cost curve reads agents and cost only)."""
    fields = _queue_staffing(scenario, channel, demand, model, service_levels, with_asa)

    def row(i):
        return {
            k: v[i] if isinstance(v, np.ndarray) and v.ndim == 2 else v for k, v in fields.items()
        }

    return [_channel_plan(scenario, channel, demand, row(i)) for i in range(len(service_levels))]


def _channel_plan(scenario: Scenario, channel: Channel, demand: ChannelDemand, fields: dict):
    """The ``ChannelPlan`` from a channel's staffing ``fields``: schedule, hours, cost."""
    scheduled, paid_hours, cost = schedule_cost(scenario, fields["required_agents"])
    return ChannelPlan(
        name=channel.name,
        kind=channel.kind,
        scheduled_agents=scheduled,
        handled=demand.offered * (1.0 - fields["p_abandon"]),
        paid_hours=paid_hours,
        cost=cost,
        **fields,
    )


def plan(
    scenario: Scenario, model: str = "erlang_a", *, base_dir: Path | None = None
) -> PlanResult:
    """Plan ``scenario``: staffing, hours, FTE, cost and revenue.

    Parameters
    ----------
    scenario : Scenario
    model : "erlang_a" or "erlang_c"
        Erlang A uses each channel's mean patience (channels without patience use Erlang C);
        Erlang C ignores abandonment (conservative).
    base_dir : directory that relative CSV paths in the scenario are read from.
    """
    if model not in MODELS:
        raise ValueError(f"`model` must be one of {', '.join(MODELS)}, got {model!r}")
    table = expand(scenario, base_dir)
    wf = scenario.workforce
    drivers = None
    if has_drivers(scenario):  # repeats, deflection, retrials: a fixed point with the plan
        table, plans, drivers = fixed_point(
            scenario,
            table,
            lambda ch, demand, floor=None: plan_channel(scenario, ch, demand, model, floor),
        )
    else:
        plans = {
            ch.name: plan_channel(scenario, ch, table.channels[ch.name], model)
            for ch in scenario.channels
        }
    groupings = {
        key: periods_of(scenario.start_date, scenario.days, scenario.interval_minutes, key)
        for key in ("day", "week", "month")
    }
    summaries = _summaries(
        scenario, plans, table, {**groupings, "total": None}, daily_fixed_fee(scenario)
    )
    return PlanResult(
        scenario=scenario,
        model=model,
        table=table,
        channels=plans,
        days=summaries["day"],
        weeks=summaries["week"],
        months=summaries["month"],
        total=summaries["total"],
        peaks={name: _peak(table, table.channels[name]) for name in plans},
        currency=wf.currency,
        drivers=drivers,
    )
