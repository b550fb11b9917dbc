"""The value of each demand driver: what +5 points of FCR or of deflection save in FTE and
money, and what the bot's uptime clause does to the breach risk of the channel's SL.

* Driver value: the scenario re-planned (``overrides.apply_overrides``) with the driver
  raised by ``POINTS`` (capped at its range), everything else equal; FTE and cost of the
  whole scenario (repeats may land on another channel) before and after, cost per year =
  horizon cost x 365 / days.
* Outage month (``outage_risk``): the bot is down ``(1 - bot_uptime)`` of every month of the
  horizon (0.5% of a 30-day month: 3.6 h), in outages of ``outage_duration_s`` (the month's
  downtime split into ``max(1, round(downtime / duration))`` equal outages), placed where they
  hurt most: each centred on the busiest interval of one of the month's busiest days (an
  outage at night, when the line is closed, would cost nothing; the clause allows the worst
  placement). While the bot is down, the contacts it would have deflected (``deflection`` x
  forecast) reach the agents with the channel's own AHT. The channel is simulated at the same
  staffing with and without the outages (``breach.breach_risks``, same replications and seed:
  common random numbers) and the headline clause's largest monthly P(breach) is compared.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from ..drivers import with_offered
from ..overrides import apply_overrides
from ..periods import periods_of
from ..pipeline import PlanResult, plan
from ._common import DAYS_PER_YEAR
from .breach import breach_risks, headline_clause

#: Points a driver is raised by for its value (0.05 = +5 percentage points).
POINTS = 0.05


@dataclass(frozen=True)
class DriverMix:
    """Where a channel's contacts over the horizon come from (totals, contacts)."""

    channel: str
    forecast: float
    deflected: float
    repeats: float
    retrials: float

    @property
    def offered(self) -> float:
        """Contacts reaching the agents: forecast - deflected + repeats + retrials."""
        return self.forecast - self.deflected + self.repeats + self.retrials


@dataclass(frozen=True)
class DriverValue:
    """The whole scenario re-planned with one driver of one channel raised."""

    channel: str
    driver: str
    """``fcr`` (first-contact resolution) or ``deflection`` (self-service)."""
    before: float
    after: float
    fte_before: float
    fte_after: float
    cost_per_year_before: float
    cost_per_year_after: float
    currency: str

    @property
    def fte_saved(self) -> float:
        return self.fte_before - self.fte_after

    @property
    def cost_saved_per_year(self) -> float:
        return self.cost_per_year_before - self.cost_per_year_after

    @property
    def sentence(self) -> str:
        """E.g. "+5 points FCR on voice (80% -> 85%) saves 5.3 FTE / 180,000 EUR per year"."""
        what = "FCR" if self.driver == "fcr" else "self-service deflection"
        points = (self.after - self.before) * 100
        verb = "saves" if self.fte_saved >= 0 else "costs"
        return (
            f"+{points:.0f} points {what} on {self.channel} ({self.before:.0%} -> "
            f"{self.after:.0%}) {verb} {abs(self.fte_saved):.1f} FTE / "
            f"{abs(self.cost_saved_per_year):,.0f} {self.currency} per year"
        )


@dataclass(frozen=True)
class OutageRisk:
    """The channel's headline clause in an outage month of its bot (module docstring)."""

    channel: str
    clause: str
    """The clause in the contract's words (SL definition and threshold)."""
    bot_uptime: float
    outage_hours_per_month: float
    """Downtime in a 30-day month [h]."""
    outages_per_month: int
    extra_contacts: float
    """Contacts the outages put on the agents over the horizon."""
    p_breach_without: float
    """Largest monthly P(breach) with the bot always up."""
    p_breach_with: float
    """Largest monthly P(breach) in the outage month(s)."""
    p_breach_with_low: float
    p_breach_with_high: float
    """95% Wilson interval of ``p_breach_with``."""
    kpi_without: float
    kpi_with: float
    """The clause's KPI pooled over replications in that month, without and with outages."""
    method: str

    @property
    def sentence(self) -> str:
        return (
            f"the bot's uptime clause at {self.bot_uptime:.1%} ({self.outage_hours_per_month:.1f}"
            f" h of outages in a 30-day month, at the busiest hours: {self.extra_contacts:,.0f} "
            "contacts back on the agents over the horizon) puts P(breach of the "
            f"{self.channel} {self.clause}) at {self.p_breach_with:.2f} (95% CI "
            f"{self.p_breach_with_low:.2f}-{self.p_breach_with_high:.2f}) in an outage month, "
            f"against {self.p_breach_without:.2f} with the bot always up; measured KPI in the "
            f"worst month {self.kpi_without:.2%} -> {self.kpi_with:.2%} ({self.method})"
        )


@dataclass(frozen=True)
class DriversVerdict:
    """The demand drivers of a plan: the contact mix, each driver's value, the outage risk."""

    mix: dict[str, DriverMix]
    values: list[DriverValue]
    outages: dict[str, OutageRisk]
    iterations: int
    converged: bool
    flipping_intervals: int
    tolerance: float

    def to_dict(self) -> dict:
        return {
            "fixed_point": {
                "iterations": self.iterations,
                "converged": self.converged,
                "tolerance_contacts_per_interval": self.tolerance,
                "flipping_intervals": self.flipping_intervals,
            },
            "contacts": {
                ch: {
                    "forecast": m.forecast,
                    "deflected": m.deflected,
                    "repeats": m.repeats,
                    "retrials": m.retrials,
                    "offered": m.offered,
                }
                for ch, m in self.mix.items()
            },
            "values": [
                {
                    "channel": v.channel,
                    "driver": v.driver,
                    "before": v.before,
                    "after": v.after,
                    "fte_saved": v.fte_saved,
                    "cost_saved_per_year": v.cost_saved_per_year,
                    "currency": v.currency,
                    "text": v.sentence,
                }
                for v in self.values
            ],
            "bot_outages": {
                ch: {
                    "clause": o.clause,
                    "bot_uptime": o.bot_uptime,
                    "outage_hours_per_month": o.outage_hours_per_month,
                    "outages_per_month": o.outages_per_month,
                    "extra_contacts": o.extra_contacts,
                    "p_breach_without_outages": o.p_breach_without,
                    "p_breach_in_outage_month": o.p_breach_with,
                    "p_breach_in_outage_month_ci": [o.p_breach_with_low, o.p_breach_with_high],
                    "kpi_without_outages": o.kpi_without,
                    "kpi_in_outage_month": o.kpi_with,
                    "model": o.method,
                    "text": o.sentence,
                }
                for ch, o in self.outages.items()
            },
        }


def fixed_point_text(fixed_point: dict) -> str:
    """How the drivers' fixed point ended, from ``DriversVerdict.to_dict()["fixed_point"]``."""
    how = (
        f"converged to {fixed_point['tolerance_contacts_per_interval']:g} contacts per interval"
        if fixed_point["converged"]
        else "NOT converged"
    )
    if fixed_point["flipping_intervals"]:
        how += (
            f"; staffing held at the larger of n and n + 1 agents in "
            f"{fixed_point['flipping_intervals']} interval(s) where whole agents flip"
        )
    return how


def _per_year(result: PlanResult) -> tuple[float, float]:
    """(FTE, cost per year) of the whole plan."""
    return float(result.total.fte[0]), float(result.total.cost[0]) * DAYS_PER_YEAR / (
        result.scenario.days
    )


def driver_value(
    result: PlanResult, channel: str, driver: str, points: float = POINTS, base_dir=None
) -> DriverValue | None:
    """The plan re-made with ``driver`` (``fcr`` or ``deflection``) of ``channel`` raised by
    ``points`` (to at most 1); None when the channel has no such driver or it is at 1."""
    ch = result.scenario.channel(channel)
    if driver == "fcr":
        if ch.fcr is None or ch.fcr.rate >= 1.0:
            return None
        path, before = f"channels.{channel}.fcr.rate", ch.fcr.rate
    elif driver == "deflection":
        if ch.self_service is None or ch.self_service.deflection >= 1.0:
            return None
        path, before = f"channels.{channel}.self_service.deflection", ch.self_service.deflection
    else:
        raise ValueError(f"`driver` must be 'fcr' or 'deflection', got {driver!r}")
    after = min(1.0, before + points)
    changed = plan(apply_overrides(result.scenario, {path: after}), result.model, base_dir=base_dir)
    fte_before, cost_before = _per_year(result)
    fte_after, cost_after = _per_year(changed)
    return DriverValue(
        channel, driver, before, after, fte_before, fte_after, cost_before, cost_after,
        result.currency,
    )  # fmt: skip


def outage_share(result: PlanResult, channel: str) -> tuple[np.ndarray, int]:
    """Share of each interval the channel's bot is down in an outage month (module
    docstring: each month's downtime in equal outages, each centred on the busiest interval
    of one of the month's busiest days for the bot), and the outages per 30-day month."""
    scenario = result.scenario
    ss = scenario.channel(channel).self_service
    n, interval_s = result.table.n_intervals, scenario.interval_s
    per_day = scenario.intervals_per_day
    months = periods_of(scenario.start_date, scenario.days, scenario.interval_minutes, "month")
    bot = result.drivers.channels[channel].forecast.reshape(scenario.days, per_day)
    down = np.zeros(n)
    edges = np.arange(n + 1) * interval_s
    per_month = max(1, round((1.0 - ss.bot_uptime) * 30 * 86_400 / ss.outage_duration_s))
    for m in range(months.labels.size):
        days = np.flatnonzero(months.of_day == m)
        downtime = (1.0 - ss.bot_uptime) * days.size * 86_400.0
        count = min(days.size, max(1, round(downtime / ss.outage_duration_s)))
        length = downtime / count
        busiest = days[np.argsort(-bot[days].sum(axis=1), kind="stable")[:count]]
        for day in busiest:
            peak = day * per_day + int(np.argmax(bot[day]))
            # Centred on the peak, kept inside the horizon (all of the downtime counts).
            begin = min(max((peak + 0.5) * interval_s - length / 2, 0.0), n * interval_s - length)
            overlap = np.minimum(edges[1:], begin + length) - np.maximum(edges[:-1], begin)
            down += np.clip(overlap, 0, None) / interval_s
    return np.minimum(down, 1.0), per_month


def with_outages(result: PlanResult, channel: str) -> tuple[PlanResult, float, int]:
    """The plan's demand with the bot's outage month added to ``channel`` (its staffing
    unchanged): the deflected contacts of the down time reach the agents with the channel's
    own AHT. Returns the plan, the extra contacts and the outages per 30-day month."""
    ch = result.scenario.channel(channel)
    ss = ch.self_service
    demand = result.table.channels[channel]
    down, per_month = outage_share(result, channel)
    forecast = result.drivers.channels[channel].forecast
    extra = ss.deflection * forecast * down
    offered = demand.offered + extra
    base_aht = demand.aht_s / ss.aht_multiplier
    with np.errstate(invalid="ignore", divide="ignore"):
        aht = np.where(
            offered > 0, (demand.offered * demand.aht_s + extra * base_aht) / offered, demand.aht_s
        )
    changed = replace(with_offered(demand, offered, result.table.interval_s), aht_s=aht)
    table = replace(result.table, channels={**result.table.channels, channel: changed})
    return replace(result, table=table), float(extra.sum()), per_month


def outage_risk(
    result: PlanResult,
    channel: str,
    *,
    agents=None,
    replications: int = 30,
    seed: int = 1,
    executor=None,
    memo=None,
) -> OutageRisk | None:
    """P(breach) of ``channel``'s headline clause in an outage month of its bot against
    the bot always up, at ``agents`` on duty (default: the plan's); None when the channel
    has no bot with an uptime below 1, or no target."""
    ch = result.scenario.channel(channel)
    ss = ch.self_service
    if ss is None or ss.bot_uptime >= 1.0 or ss.deflection <= 0:
        return None
    if result.scenario.target_for(channel) is None:
        return None
    if agents is None:
        agents = result.channels[channel].required_agents
    kwargs = dict(agents=agents, replications=replications, seed=seed, executor=executor, memo=memo)
    without = headline_clause(breach_risks(result, channel, **kwargs))
    outage_plan, extra, per_month = with_outages(result, channel)
    with_risk = headline_clause(breach_risks(outage_plan, channel, **kwargs))
    worst = int(np.nanargmax(np.where(with_risk.counted, with_risk.p_breach, -1.0)))
    return OutageRisk(
        channel=channel,
        clause=with_risk.description,
        bot_uptime=ss.bot_uptime,
        outage_hours_per_month=(1.0 - ss.bot_uptime) * 30 * 24,
        outages_per_month=per_month,
        extra_contacts=extra,
        p_breach_without=without.worst_p_breach,
        p_breach_with=with_risk.worst_p_breach,
        p_breach_with_low=float(with_risk.p_breach_low[worst]),
        p_breach_with_high=float(with_risk.p_breach_high[worst]),
        kpi_without=float(without.pooled()[0][worst]),
        kpi_with=float(with_risk.pooled()[0][worst]),
        method=with_risk.method,
    )


def _day_slice(obj, lo: int, hi: int):
    """``obj`` (a frozen dataclass of per-interval arrays) with every array cut to
    ``[lo, hi)``."""
    return replace(
        obj,
        **{
            f.name: getattr(obj, f.name)[lo:hi]
            for f in fields(obj)
            if isinstance(getattr(obj, f.name), np.ndarray) and getattr(obj, f.name).ndim == 1
        },
    )


def one_day_plan(result: PlanResult, day: int, base_dir=None) -> PlanResult:
    """The plan of day ``day`` alone (``peak.one_day``) for the busiest-day check. With demand
    drivers, its demand and staffing are the full plan's on that day: planned alone, the day
    would lose the repeats and retrials carried in from the days before (a day-long repeat
    delay brings a fifth of the calls at FCR 80%)."""
    from .peak import one_day

    day_plan = plan(one_day(result.scenario, day), result.model, base_dir=base_dir)
    if result.drivers is None:
        return day_plan
    per_day = result.scenario.intervals_per_day
    lo, hi = day * per_day, (day + 1) * per_day
    table = replace(
        day_plan.table,
        channels={k: _day_slice(d, lo, hi) for k, d in result.table.channels.items()},
    )
    load = replace(
        result.drivers,
        channels={k: _day_slice(d, lo, hi) for k, d in result.drivers.channels.items()},
    )
    channels = {k: _day_slice(c, lo, hi) for k, c in result.channels.items()}
    return replace(day_plan, table=table, channels=channels, drivers=load)


def drivers_verdict(
    result: PlanResult,
    *,
    agents: dict | None = None,
    replications: int = 30,
    seed: int = 1,
    executor=None,
    memo=None,
    base_dir=None,
) -> DriversVerdict | None:
    """The demand drivers of ``result`` (None when the scenario has none): the contact mix
    per channel, the value of +``POINTS`` FCR and deflection per channel that has them, and
    the outage-month breach risk of each channel with a bot (at ``agents[channel]`` on duty,
    default the plan's)."""
    load = result.drivers
    if load is None:
        return None
    mix = {
        name: DriverMix(
            name,
            float(d.forecast.sum()),
            float(d.deflected.sum()),
            float(d.repeats.sum()),
            float(d.retrials.sum()),
        )
        for name, d in load.channels.items()
    }
    values = [
        v
        for ch in result.scenario.channels
        for driver in ("fcr", "deflection")
        if (v := driver_value(result, ch.name, driver, base_dir=base_dir)) is not None
    ]
    outages = {}
    for ch in result.scenario.channels:
        risk = outage_risk(
            result,
            ch.name,
            agents=None if agents is None else agents.get(ch.name),
            replications=replications,
            seed=seed,
            executor=executor,
            memo=memo,
        )
        if risk is not None:
            outages[ch.name] = risk
    return DriversVerdict(
        mix=mix,
        values=values,
        outages=outages,
        iterations=load.iterations,
        converged=load.converged,
        flipping_intervals=load.flipping_intervals,
        tolerance=load.tolerance,
    )
