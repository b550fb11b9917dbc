"""The hiring plan: headcount month by month against the staffing the standard needs.

Rules (stated once, tested in ``tests/scenarios/contract/test_hiring.py``):

* **Cohorts.** The starting headcount (trained) and every hiring class are cohorts. A class is
  on the payroll from its ``start_date``; for ``training_weeks`` it trains (paid, not
  available); then for ``ramp_up_weeks`` its AHT multiplier falls linearly from
  ``ramp_up_aht_multiplier`` to 1, so its capacity is ``1 / multiplier`` of a trained agent's
  (an agent 1.5x as slow handles 2/3 of the contacts); after that it counts fully.
* **Attrition, expected values.** Leavers are expected values, not integer draws: at the end
  of month ``m`` a share ``attrition_per_month`` of everyone present in the month leaves
  (its starting headcount plus its hires), so ``headcount[m + 1] = headcount[m] + hires[m] -
  leavers[m]`` with ``leavers[m] = attrition x (headcount[m] + hires[m])`` (conservation,
  every month). A cohort that joined in month ``j`` has ``size x (1 - attrition)^(m - j)``
  people during month ``m``.
* **Available FTE** on a day = sum over cohorts of people x capacity x (1 - shrinkage): the
  agents on duty the headcount supplies, in FTE (the hiring plan's shrinkage, else the
  workforce's total). A week's is the mean over its 7 days; a **month's is its thinnest
  week's** (any ISO week with a day in the month): the headcount must carry every week.
* **Required FTE** of a week = the agent-hours on duty the plan needs in it
  (``pipeline.plan``'s required agents per interval, all channels, x interval length) / hours
  per FTE per week; a **month's is its busiest week's**. The plan is run over whole ISO weeks
  around the hiring months (the scenario moved there with ``apply_overrides``, in pieces of at
  most 156 weeks). A month whose available FTE covers its required FTE covers every interval.
* **Staffing capped at what is available.** In a week whose requirement exceeds its
  available FTE every interval gets the same share of its required agents, rounded down to
  whole agents (conservative); elsewhere the plan's required agents. The SL per reporting
  period is the closed form per interval at these agents (Erlang A/C as the plan) pooled over
  the period from expected counts (answered within T over the definition's denominator, the
  target's exclusions applied; ``periods``); P(breach) per period is
  ``verdict.breach.breach_risks`` simulated at these agents.
* **The smallest plan** (``optimal_hiring``): one candidate class a month, starting on the
  month's first day with the plan's training weeks, its size an integer in
  ``[0, max_class_size]``. Available FTE is linear in the sizes, so a mixed-integer program
  (``scipy.optimize.milp``, ``smallest_classes``) finds the fewest hires that cover every
  month it can (every week of month ``m``: available >= the month's required FTE), then,
  among plans of that many hires, the one with the fewest paid hours. A month no class can
  reach in time (the first month, while its class trains) is reported, not covered. To keep
  P(breach) at most ``max_p_breach`` the requirement adds the extra agents per staffed
  interval that ``verdict.breach.staffing_for_risk`` finds on the scenario's own horizon.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np

from erlang import SLDefinition

from ..overrides import REMOVE, apply_overrides
from ..periods import excluded_intervals, periods_of, ratio_of_counts
from ..pipeline import PlanResult, plan, slot_aht_s
from ..scenario import HiringClass, HiringPlan, Scenario, hiring_months

DAYS_PER_WEEK = 7.0


@dataclass(frozen=True)
class PeriodService:
    """A channel's service level per reporting period at the staffing the headcount gives.

    ``answered_within[p]`` and ``denominator[p]`` are the period's expected counts over its
    measured intervals (closed form per interval x offered: answered within ``threshold_s``, and
    the ``sl_definition``'s denominator); ``service_level`` is their ratio (NaN: nothing
    measured). ``p_breach[p]`` (NaN without a simulation) is the share of replications in which
    the period's measured SL falls below ``standard``; ``month_of[p]`` is the hiring month
    holding the period's first day in the plan.
    """

    channel: str
    standard: float
    threshold_s: float
    sl_definition: SLDefinition
    reporting_period: str
    labels: np.ndarray
    month_of: np.ndarray
    answered_within: np.ndarray
    denominator: np.ndarray
    p_breach: np.ndarray
    method: str = "closed form"

    @property
    def service_level(self) -> np.ndarray:
        return ratio_of_counts(self.answered_within, self.denominator)


@dataclass(frozen=True)
class HiringResult:
    """Month by month (arrays of length ``months``): ``headcount`` at the start of the month
    [FTE], ``hires`` (classes starting in it), ``leavers`` (expected at its end),
    ``in_training`` (mean people in training over its days), ``available_fte`` and
    ``required_fte`` (agents on duty, see the module's rules), ``gap_fte`` = available -
    required, ``paid_hours`` and ``cost`` (training included). ``services`` holds each voice
    or chat channel's SL per reporting period; ``headline`` names the one the table shows.
    The optimizer's plans also say ``extra_agents`` (the risk margin per staffed interval in the
    requirement), the ``unreachable`` months (no class is trained in time) and the
    ``starting_headcount_needed`` to cover those too, and whether the fewest hires were proven
    (``smallest_proven``; False when the search hit its time limit)."""

    scenario_name: str
    labels: np.ndarray
    days: np.ndarray
    headcount: np.ndarray
    hires: np.ndarray
    leavers: np.ndarray
    in_training: np.ndarray
    available_fte: np.ndarray
    required_fte: np.ndarray
    paid_hours: np.ndarray
    cost: np.ndarray
    classes: tuple[HiringClass, ...]
    shrinkage: float
    currency: str
    services: dict[str, PeriodService] = field(default_factory=dict)
    headline: str | None = None
    extra_agents: int = 0
    unreachable: tuple[str, ...] = ()
    starting_headcount_needed: float | None = None
    smallest_proven: bool | None = None

    @property
    def gap_fte(self) -> np.ndarray:
        return self.available_fte - self.required_fte

    @property
    def next_headcount(self) -> np.ndarray:
        """Headcount at the start of the following month (conservation)."""
        return self.headcount + self.hires - self.leavers

    def month_service(self, channel: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(service level, P(breach))`` per hiring month of ``channel`` (default the
        headline): the worst reporting period starting in the month (NaN: none measured)."""
        service = self.services.get(channel or self.headline)
        n = self.labels.size
        sl, pb = np.full(n, np.nan), np.full(n, np.nan)
        if service is None:
            return sl, pb
        for p, m in enumerate(service.month_of):
            if not np.isnan(service.service_level[p]):
                sl[m] = np.fmin(sl[m], service.service_level[p])
            if not np.isnan(service.p_breach[p]):
                pb[m] = np.fmax(pb[m], service.p_breach[p])
        return sl, pb

    def to_dict(self) -> dict:
        sl, pb = self.month_service()
        return {
            "scenario": self.scenario_name,
            "leavers": "expected values (attrition x people present in the month)",
            "required_rule": "agents on duty in the month's busiest ISO week [FTE]",
            "shrinkage": self.shrinkage,
            "currency": self.currency,
            "extra_agents_for_risk": self.extra_agents,
            "unreachable_months": list(self.unreachable),
            "starting_headcount_needed": self.starting_headcount_needed,
            "smallest_proven": self.smallest_proven,
            "classes": [
                {
                    "size": c.size,
                    "start_date": c.start_date.isoformat(),
                    "training_weeks": c.training_weeks,
                }
                for c in self.classes
            ],
            "total_hires": int(sum(c.size for c in self.classes)),
            "total_paid_hours": float(self.paid_hours.sum()),
            "total_cost": float(self.cost.sum()),
            "months": [
                {
                    "month": str(self.labels[m]),
                    "headcount": float(self.headcount[m]),
                    "hires": float(self.hires[m]),
                    "leavers": float(self.leavers[m]),
                    "in_training": float(self.in_training[m]),
                    "available_fte": float(self.available_fte[m]),
                    "required_fte": float(self.required_fte[m]),
                    "gap_fte": float(self.gap_fte[m]),
                    "paid_hours": float(self.paid_hours[m]),
                    "cost": float(self.cost[m]),
                    "service_level": _num(sl[m]),
                    "p_breach": _num(pb[m]),
                }
                for m in range(self.labels.size)
            ],
            "service": {
                name: {
                    "standard": s.standard,
                    "threshold_s": s.threshold_s,
                    "sl_definition": s.sl_definition.value,
                    "reporting_period": s.reporting_period,
                    "method": s.method,
                    "periods": [
                        {
                            "period": str(s.labels[p]),
                            "service_level": _num(s.service_level[p]),
                            "p_breach": _num(s.p_breach[p]),
                        }
                        for p in range(s.labels.size)
                    ],
                }
                for name, s in self.services.items()
            },
        }


def _num(value) -> float | None:
    return None if np.isnan(value) else float(value)


# ----- the calendar -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Calendar:
    """Every day of the whole ISO weeks around the hiring months (so ``day // 7`` is the week):
    ``dates[d]``, ``month_of_day[d]`` (the hiring month; days before the first month count as
    the first, days after the last as the last), ``inside[d]`` (within the hiring months), and
    per month its ``labels`` and ``days``."""

    dates: np.ndarray
    month_of_day: np.ndarray
    inside: np.ndarray
    labels: np.ndarray
    days: np.ndarray

    @property
    def weeks(self) -> int:
        return self.dates.size // 7

    def month_weeks(self) -> list[tuple[int, int]]:
        """``(month, week)`` for every week with a day inside the month."""
        days = np.flatnonzero(self.inside)
        pairs = np.unique(np.stack([self.month_of_day[days], days // 7], axis=1), axis=0)
        return [(int(m), int(w)) for m, w in pairs]


def _calendar(scenario: Scenario) -> _Calendar:
    first, last = hiring_months(scenario)
    before, after = first.weekday(), 6 - last.weekday()  # to Monday / Sunday
    n_inside = (last - first).days + 1
    months = periods_of(first, n_inside, 60, "month")
    dates = np.array(
        [first + dt.timedelta(days=d) for d in range(-before, n_inside + after)], dtype=object
    )
    month_of_day = np.concatenate(
        [np.zeros(before, np.int64), months.of_day, np.full(after, months.size - 1)]
    )
    inside = np.concatenate(
        [np.zeros(before, bool), np.ones(n_inside, bool), np.zeros(after, bool)]
    )
    return _Calendar(dates, month_of_day, inside, months.labels, months.days.astype(float))


def _shrinkage(scenario: Scenario) -> float:
    hiring = scenario.hiring
    if hiring.shrinkage is not None:
        return hiring.shrinkage
    return scenario.workforce.total_shrinkage


# ----- cohorts ----------------------------------------------------------------------------------
def capacity_per_day(hiring: HiringPlan, cohort: HiringClass, dates: np.ndarray):
    """Per day of ``dates``: ``(on payroll, in training, capacity)`` of one member of
    ``cohort`` (0/1, 0/1 and a share of a trained agent's capacity). During ramp-up the AHT
    multiplier falls linearly from ``ramp_up_aht_multiplier`` to 1 over ``ramp_up_weeks``
    (taken at the middle of each day) and capacity is its reciprocal: an agent who takes 1.5x
    as long handles 1/1.5 of the contacts."""
    weeks = cohort.training_weeks if cohort.training_weeks is not None else hiring.training_weeks
    since = np.array([(d - cohort.start_date).days for d in dates], dtype=float)
    paid = since >= 0
    training_days = DAYS_PER_WEEK * weeks
    training = paid & (since < training_days)
    after = since - training_days  # days since training ended
    capacity = np.where(paid & ~training, 1.0, 0.0)
    ramp_days = DAYS_PER_WEEK * hiring.ramp_up_weeks
    if ramp_days > 0:
        ramping = (after >= 0) & (after < ramp_days)
        multiplier = hiring.ramp_up_aht_multiplier - (hiring.ramp_up_aht_multiplier - 1.0) * (
            (after + 0.5) / ramp_days
        )
        capacity = np.where(ramping, 1.0 / np.where(ramping, multiplier, 1.0), capacity)
    return paid.astype(float), training.astype(float), capacity


@dataclass(frozen=True)
class _Cohort:
    """One member of a cohort: the month it joined, per month the people still there
    (``survival``), and per day people on the payroll, in training and their capacity (each
    times the survival of the day's month)."""

    joined: int
    survival: np.ndarray
    paid: np.ndarray
    training: np.ndarray
    capacity: np.ndarray


def _cohort(hiring: HiringPlan, cal: _Calendar, cohort: HiringClass | None) -> _Cohort:
    """One member of ``cohort`` (None: the starting headcount, trained and paid throughout)."""
    steps = np.arange(cal.labels.size)
    if cohort is None:
        joined = 0
        ones = np.ones(cal.dates.size)
        paid, training, capacity = ones, np.zeros(cal.dates.size), ones
    else:
        joined = int(cal.month_of_day[cal.dates == cohort.start_date][0])
        paid, training, capacity = capacity_per_day(hiring, cohort, cal.dates)
    survival = np.where(steps >= joined, (1.0 - hiring.attrition_per_month) ** (steps - joined), 0)
    day = survival[cal.month_of_day]
    return _Cohort(joined, survival, paid * day, training * day, capacity * day)


# ----- the requirement --------------------------------------------------------------------------
#: Days planned in one piece: whole weeks, with the lead-in and lead-out within
#: ``Scenario.days``' 1,096.
CHUNK_DAYS = 154 * 7
#: Days planned before and after each piece: deferred work (email) carries over between days,
#: and a plan that starts or ends at a piece's edge would lose or bunch it.
LEAD_DAYS = 7


@dataclass(frozen=True)
class _Piece:
    """``pipeline.plan`` over calendar days ``first - LEAD_DAYS .. first + days + LEAD_DAYS - 1``:
    days ``first .. first + days - 1`` are the piece's own, the rest lead-in and lead-out."""

    first: int
    days: int
    result: PlanResult

    @property
    def own_days(self) -> slice:
        """The piece's own days within its plan."""
        return slice(LEAD_DAYS, LEAD_DAYS + self.days)

    def own(self, per_interval: np.ndarray) -> np.ndarray:
        per_day = self.result.scenario.intervals_per_day
        return per_interval[LEAD_DAYS * per_day : (LEAD_DAYS + self.days) * per_day]

    def calendar_days(self) -> np.ndarray:
        """Calendar day index of every day of the plan (lead days outside the calendar too)."""
        return self.first - LEAD_DAYS + np.arange(self.result.scenario.days)


def _pieces(scenario: Scenario, cal: _Calendar, model: str, base_dir) -> list[_Piece]:
    """The scenario moved to the calendar's days (``apply_overrides``) and planned, in pieces of
    whole weeks with a week's lead-in and lead-out (a scenario covers at most 1,096 days)."""
    pieces = []
    for first in range(0, cal.dates.size, CHUNK_DAYS):
        days = min(CHUNK_DAYS, cal.dates.size - first)
        start = cal.dates[first] - dt.timedelta(days=LEAD_DAYS)
        moved = apply_overrides(
            scenario,
            {"start_date": start.isoformat(), "days": days + 2 * LEAD_DAYS, "hiring": REMOVE},
        )
        pieces.append(_Piece(first, days, plan(moved, model, base_dir=base_dir)))
    return pieces


def _on_duty(result: PlanResult, extra_agents: int) -> dict[str, np.ndarray]:
    """Agents on duty each channel needs per interval: the plan's required agents, plus
    ``extra_agents`` in every staffed or busy interval of a voice or chat channel."""
    out = {}
    for name, p in result.channels.items():
        agents = p.required_agents.astype(float)
        if extra_agents and p.kind != "deferred":
            busy = (agents > 0) | (result.table.channels[name].offered > 0)
            agents = agents + extra_agents * busy
        out[name] = agents
    return out


def _week_fte(scenario: Scenario, pieces, extra_agents: int) -> np.ndarray:
    """Required agents on duty per week [FTE]: the week's agent-hours / hours per FTE."""
    hours = []
    for piece in pieces:
        s = piece.result.scenario
        on_duty = piece.own(sum(_on_duty(piece.result, extra_agents).values()))
        per_day = on_duty.reshape(piece.days, s.intervals_per_day).sum(axis=1)
        hours.append(per_day * s.interval_minutes / 60.0)
    week_hours = np.concatenate(hours).reshape(-1, 7).sum(axis=1)
    return week_hours / scenario.workforce.hours_per_fte_per_week


# ----- evaluation -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Setup:
    """What every evaluation of a hiring plan on one scenario shares."""

    scenario: Scenario
    calendar: _Calendar
    pieces: tuple[_Piece, ...]
    week_fte: np.ndarray
    month_weeks: list[tuple[int, int]]
    shrinkage: float
    extra_agents: int

    @property
    def required_fte(self) -> np.ndarray:
        """Per month, its busiest week's required FTE."""
        out = np.zeros(self.calendar.labels.size)
        for m, w in self.month_weeks:
            out[m] = max(out[m], self.week_fte[w])
        return out


def _setup(scenario, model, base_dir, extra_agents) -> _Setup:
    if scenario.hiring is None:
        raise ValueError(f"scenario {scenario.name!r} has no `hiring` plan")
    cal = _calendar(scenario)
    pieces = tuple(_pieces(scenario, cal, model, base_dir))
    return _Setup(
        scenario,
        cal,
        pieces,
        _week_fte(scenario, pieces, extra_agents),
        cal.month_weeks(),
        _shrinkage(scenario),
        extra_agents,
    )


def _with_extra(setup: _Setup, extra_agents: int) -> _Setup:
    """``setup`` with ``extra_agents`` per staffed interval in the requirement (same plans)."""
    week_fte = _week_fte(setup.scenario, setup.pieces, extra_agents)
    return replace(setup, week_fte=week_fte, extra_agents=extra_agents)


def _weekly_mean(per_day: np.ndarray) -> np.ndarray:
    return per_day.reshape(-1, 7).mean(axis=-1)


def _thinnest(setup: _Setup, week_values: np.ndarray) -> np.ndarray:
    """Per month, the smallest of ``week_values`` over the weeks with a day in it."""
    out = np.full(setup.calendar.labels.size, np.inf)
    for m, w in setup.month_weeks:
        out[m] = min(out[m], week_values[w])
    return out


def _staff(setup: _Setup, classes) -> dict[str, np.ndarray]:
    """Per month headcount, hires, leavers, in training, paid hours; per day available FTE."""
    hiring, cal = setup.scenario.hiring, setup.calendar
    n = cal.labels.size
    start = _cohort(hiring, cal, None)
    present = hiring.starting_headcount * start.survival  # people during each month
    hires = np.zeros(n)
    training = np.zeros(cal.dates.size)
    capacity = hiring.starting_headcount * start.capacity
    paid = hiring.starting_headcount * start.paid
    for c in classes:
        member = _cohort(hiring, cal, c)
        hires[member.joined] += c.size
        present += c.size * member.survival
        training += c.size * member.training
        capacity += c.size * member.capacity
        paid += c.size * member.paid

    def month_sum(per_day):
        return np.bincount(cal.month_of_day[cal.inside], weights=per_day[cal.inside], minlength=n)

    hours_per_day = setup.scenario.workforce.hours_per_fte_per_week / DAYS_PER_WEEK
    return dict(
        headcount=present - hires,  # at the start of each month
        hires=hires,
        leavers=hiring.attrition_per_month * present,
        in_training=month_sum(training) / cal.days,
        paid_hours=month_sum(paid) * hours_per_day,
        daily_available_fte=capacity * (1.0 - setup.shrinkage),
    )


def capped_agents(required_agents, week_fte, available_fte) -> np.ndarray:
    """Agents on duty per interval at the available staff: where a week's requirement
    ``week_fte`` exceeds its ``available_fte`` (both per interval) every interval of the week
    gets the same share of its required agents, rounded down to whole agents (a short roster
    cannot staff half an agent); elsewhere the required agents."""
    week_fte = np.asarray(week_fte, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(
            week_fte > 0, np.minimum(1.0, available_fte / np.where(week_fte > 0, week_fte, 1)), 1
        )
    return np.floor(np.asarray(required_agents, dtype=float) * share + 1e-9)


def _headline(scenario: Scenario) -> str | None:
    """The first voice or chat channel with a service-level target."""
    for ch in scenario.channels:
        target = scenario.target_for(ch.name)
        if ch.kind != "deferred" and target is not None and target.service_level is not None:
            return ch.name
    return None


def _sl_channels(scenario: Scenario) -> list[str]:
    """Voice and chat channels with a service-level target (the closed forms apply)."""
    return [
        ch.name
        for ch in scenario.channels
        if ch.kind != "deferred"
        and scenario.target_for(ch.name) is not None
        and scenario.target_for(ch.name).service_level is not None
    ]


def _period_service(setup: _Setup, piece: _Piece, channel: str, agents) -> PeriodService:
    """``PeriodService`` of ``channel`` over one piece of the plan at ``agents`` per interval:
    closed form per interval, pooled over the target's reporting periods from expected counts;
    only periods with a day inside the hiring months."""
    from ..verdict.optimal import _kpi_tables

    result, cal = piece.result, setup.calendar
    s = result.scenario
    ch, target = s.channel(channel), s.target_for(channel)
    demand = result.table.channels[channel]
    patience = demand.patience_s if result.model == "erlang_a" else None
    definition = SLDefinition(target.sl_definition)
    tables = _kpi_tables(
        demand.calls_per_hour,
        slot_aht_s(ch, demand),
        patience,
        np.asarray(agents, dtype=float)[:, None],
        ch.concurrency,
        target.threshold_s,
        definition,
        False,
    )
    grid = (s.start_date, s.days, s.interval_minutes)
    periods = periods_of(*grid, target.reporting_period)
    # The piece's own days inside the hiring months (not its lead days, not the edge weeks).
    day = piece.calendar_days()
    mine = np.zeros(s.days, bool)
    mine[piece.own_days] = cal.inside[day[piece.own_days]]
    keep = (demand.offered > 0) & np.repeat(mine, s.intervals_per_day)
    keep &= ~excluded_intervals(*grid, target.excluded_periods, flagged=demand.excluded)
    within = periods.total(np.where(keep, demand.offered * tables.within[:, 0], 0.0))
    denominator = periods.total(np.where(keep, demand.offered * tables.denominator[:, 0], 0.0))
    in_plan = periods.total_by_day(mine) > 0
    # The hiring month of each period: that of its first day in the piece's own days.
    first_day = np.array(
        [
            day[np.flatnonzero(mine & (periods.of_day == p))[0]] if in_plan[p] else 0
            for p in range(periods.size)
        ]
    )
    return PeriodService(
        channel=channel,
        standard=float(target.service_level),
        threshold_s=float(target.threshold_s),
        sl_definition=definition,
        reporting_period=target.reporting_period,
        labels=periods.labels[in_plan],
        month_of=cal.month_of_day[first_day][in_plan],
        answered_within=within[in_plan],
        denominator=denominator[in_plan],
        p_breach=np.full(int(in_plan.sum()), np.nan),
    )


def _with_breach(piece: _Piece, service, agents, replications, seed, executor) -> PeriodService:
    """``service`` with P(breach) per period of its SL clause, simulated at ``agents``."""
    from ..verdict.breach import breach_risks

    risk = breach_risks(
        piece.result,
        service.channel,
        agents=agents.astype(np.int64),
        replications=replications,
        seed=seed,
        executor=executor,
    )["service_level"]
    p_breach = dict(zip(risk.periods.tolist(), risk.p_breach.tolist(), strict=True))
    return replace(
        service,
        p_breach=np.array([p_breach[label] for label in service.labels.tolist()], dtype=float),
        method=risk.method,
    )


def _joined(before: PeriodService | None, after: PeriodService) -> PeriodService:
    """The periods of two consecutive pieces as one ``PeriodService``: a period split between
    them pools its counts and keeps the larger P(breach) of its parts."""
    if before is None:
        return after
    labels = np.concatenate([before.labels, after.labels])
    unique, first, index = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    index = rank[index]

    def pooled(name):
        values = np.concatenate([getattr(before, name), getattr(after, name)])
        return np.bincount(index, weights=values, minlength=unique.size)

    p_breach = np.full(unique.size, np.nan)
    np.fmax.at(p_breach, index, np.concatenate([before.p_breach, after.p_breach]))
    return replace(
        after,
        labels=unique[order],
        month_of=np.concatenate([before.month_of, after.month_of])[np.sort(first)],
        answered_within=pooled("answered_within"),
        denominator=pooled("denominator"),
        p_breach=p_breach,
    )


def _evaluate(setup: _Setup, classes, *, replications: int, seed: int, executor=None):
    scenario, cal = setup.scenario, setup.calendar
    staff = _staff(setup, classes)
    daily = staff.pop("daily_available_fte")
    week_available = _weekly_mean(daily)
    services: dict[str, PeriodService] = {}
    for piece in setup.pieces:
        s = piece.result.scenario
        # Lead days outside the calendar take the first / last week's staffing.
        weeks = np.clip(piece.calendar_days() // 7, 0, cal.weeks - 1)
        per_interval = np.repeat(weeks, s.intervals_per_day)
        wanted = _on_duty(piece.result, setup.extra_agents)
        for name in _sl_channels(scenario):
            agents = capped_agents(
                wanted[name],
                setup.week_fte[per_interval],
                week_available[per_interval],
            )
            service = _period_service(setup, piece, name, agents)
            if replications:
                service = _with_breach(piece, service, agents, replications, seed, executor)
            services[name] = _joined(services.get(name), service)
    return HiringResult(
        scenario_name=scenario.name,
        labels=cal.labels,
        days=cal.days,
        available_fte=_thinnest(setup, week_available),
        required_fte=setup.required_fte,
        cost=staff["paid_hours"] * scenario.workforce.hourly_cost,
        classes=tuple(classes),
        shrinkage=setup.shrinkage,
        currency=scenario.workforce.currency,
        services=services,
        headline=_headline(scenario),
        extra_agents=setup.extra_agents,
        **staff,
    )


# ----- the public functions ---------------------------------------------------------------------
def evaluate_hiring(
    scenario: Scenario,
    *,
    classes=None,
    model: str = "erlang_a",
    replications: int = 0,
    seed: int = 1,
    executor=None,
    base_dir=None,
    extra_agents: int = 0,
) -> HiringResult:
    """The scenario's hiring plan (its ``hiring.classes``, or ``classes``) month by month:
    headcount, hires, expected leavers, in training, available and required FTE, paid hours,
    cost, and the SL per reporting period the available staff gives (closed form). With
    ``replications`` (>= 2) the SL clause's P(breach) per period is simulated too
    (``verdict.breach.breach_risks`` at the capped staffing, ``seed``). ``extra_agents`` are
    added to the requirement in every staffed interval (the risk margin of
    ``optimal_hiring``)."""
    if replications == 1:
        raise ValueError("`replications` must be 0 (no simulation) or at least 2, got 1")
    setup = _setup(scenario, model, base_dir, extra_agents)
    chosen = scenario.hiring.classes if classes is None else tuple(classes)
    return _evaluate(setup, chosen, replications=replications, seed=seed, executor=executor)


#: Longest search for the fewest hires [s] (a 10-year plan with monthly classes takes ~20 s).
PROOF_S = 120.0
#: Longest search for the fewest paid hours among the plans with the fewest hires [s].
TIE_BREAK_S = 5.0


@dataclass(frozen=True)
class ClassSizes:
    """The optimizer's answer: ``sizes[j]`` agents in candidate class ``j``; ``covered[r]`` is
    False for a constraint no hiring can meet (even the largest class in every candidate month
    is still training, or too small); those are left out. ``proven`` is False when the search
    for the fewest hires stopped at its time limit (``PROOF_S``) with a plan not proven
    smallest."""

    sizes: np.ndarray
    covered: np.ndarray
    proven: bool = True


def smallest_classes(base, per_hire, required, max_size: int, paid_hours) -> ClassSizes:
    """The fewest hires that keep ``base + per_hire @ sizes >= required`` in every row that can
    be met, then the fewest paid hours among those (two integer programs,
    ``scipy.optimize.milp``; the second, a tie-break, stops after ``TIE_BREAK_S`` with the
    best plan found).

    Parameters
    ----------
    base : available FTE per row without new classes [FTE]
    per_hire : ``[row, candidate]`` available FTE one hire of each candidate class adds
    required : required FTE per row [FTE]
    max_size : largest class [agents]
    paid_hours : paid hours of one hire of each candidate over the plan [h]
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    base, per_hire = np.asarray(base, float), np.asarray(per_hire, float)
    required = np.asarray(required, float)
    n = per_hire.shape[1]
    # FTE sums carry rounding of ~1e-12 FTE; a row short by less than this is covered.
    tol = 1e-7
    covered = base + per_hire.sum(axis=1) * max_size >= required - tol
    short = covered & (base < required - tol)
    sizes = np.zeros(n)
    proven = True
    if np.any(short):
        rows = LinearConstraint(per_hire[short], lb=(required - base)[short] - tol)
        bounds, integer = Bounds(0, max_size), np.ones(n)
        first = milp(
            np.ones(n),
            constraints=[rows],
            integrality=integer,
            bounds=bounds,
            options={"time_limit": PROOF_S},
        )
        if first.x is None:
            raise ValueError(f"the hiring program found no plan: {first.message}")
        proven = bool(first.success)  # False: the time limit stopped the proof
        hires = round(float(np.round(first.x).sum()))
        # Among plans of exactly that many hires, the one with the fewest paid hours. Many
        # plans tie or nearly tie on hours (a long plan has thousands), and proving the best
        # one can take minutes: the search stops after TIE_BREAK_S with the best plan found,
        # which still has the fewest hires (the constraint), else keeps the first answer.
        total = LinearConstraint(np.ones((1, n)), lb=hires, ub=hires)
        second = milp(
            np.asarray(paid_hours, float),
            constraints=[rows, total],
            integrality=integer,
            bounds=bounds,
            options={"time_limit": TIE_BREAK_S},
        )
        sizes = np.round(second.x if second.x is not None else first.x)
    return ClassSizes(sizes.astype(np.int64), covered, proven)


def _candidates(cal: _Calendar) -> list[HiringClass]:
    """One candidate class a month, starting on its first day, with the plan's training."""
    firsts = np.flatnonzero(cal.inside)
    starts = [
        cal.dates[firsts[np.argmax(cal.month_of_day[firsts] == m)]] for m in range(cal.labels.size)
    ]
    return [HiringClass(size=1, start_date=d) for d in starts]


def optimal_hiring(
    scenario: Scenario,
    *,
    model: str = "erlang_a",
    replications: int = 30,
    seed: int = 1,
    executor=None,
    base_dir=None,
) -> HiringResult:
    """The smallest hiring plan that covers every month's requirement, added to the
    scenario's own classes (``smallest_classes``: fewest hires, then fewest paid hours), then
    evaluated; months no class can cover in time are listed in ``unreachable``.

    The constraints: in every week with a day in month ``m``, the available FTE covers the
    month's required FTE (its busiest week's). With ``replications`` (>= 2) the requirement
    includes the extra agents per staffed interval that keep P(breach) at most
    ``hiring.max_p_breach`` on the scenario's own horizon (``verdict.breach.staffing_for_risk``
    on the headline channel, ``seed``), and the plan's P(breach) per period is then simulated
    on fresh seeds (``seed + 1``). Without, the requirement is the plan's (each interval meets
    the target in the closed form)."""
    if replications == 1:
        raise ValueError("`replications` must be 0 (no simulation) or at least 2, got 1")
    extra = 0
    headline = _headline(scenario)
    simulate = bool(replications) and headline is not None
    if simulate:
        from ..verdict.breach import staffing_for_risk

        own = plan(apply_overrides(scenario, {"hiring": REMOVE}), model, base_dir=base_dir)
        extra, _ = staffing_for_risk(
            own,
            headline,
            max_p_breach=scenario.hiring.max_p_breach,
            replications=replications,
            seed=seed,
            executor=executor,
        )
    setup = _setup(scenario, model, base_dir, extra)
    for _ in range(MAX_RAISES + 1):
        classes, unreachable, needed, proven = _smallest(setup)
        result = _evaluate(
            setup, classes, replications=replications, seed=seed + 1, executor=executor
        )
        result = replace(
            result,
            unreachable=unreachable,
            starting_headcount_needed=needed,
            smallest_proven=proven,
        )
        _, p_breach = result.month_service()
        reachable = ~np.isin(result.labels, unreachable)
        worst = np.nan_to_num(p_breach[reachable])
        if not simulate or np.all(worst <= scenario.hiring.max_p_breach):
            return result
        # A month the scenario's own horizon did not show (another season, a thin week):
        # one more agent per staffed interval everywhere, and plan again.
        setup = _with_extra(setup, setup.extra_agents + 1)
    return result


#: How many times ``optimal_hiring`` raises the risk margin by one agent per staffed interval
#: when the verification finds a month above ``max_p_breach``.
MAX_RAISES = 5


def _smallest(setup: _Setup):
    """The classes of the smallest plan (``smallest_classes`` on one candidate a month, added
    to the scenario's own), the months no class reaches in time, and the starting headcount
    that would cover those too (None when every month is covered)."""
    hiring, cal = setup.scenario.hiring, setup.calendar
    fixed = tuple(hiring.classes)
    rows = setup.month_weeks
    months = np.array([m for m, _ in rows])
    weeks = np.array([w for _, w in rows])
    base = _weekly_mean(_staff(setup, fixed)["daily_available_fte"])[weeks]
    candidates = _candidates(cal)
    per_hire = np.empty((len(rows), len(candidates)))
    hours = np.empty(len(candidates))
    for j, c in enumerate(candidates):
        member = _cohort(hiring, cal, c)
        per_hire[:, j] = _weekly_mean(member.capacity * (1.0 - setup.shrinkage))[weeks]
        hours[j] = member.paid[cal.inside].sum()
    required = setup.required_fte[months]
    found = smallest_classes(base, per_hire, required, hiring.max_class_size, hours)
    added = tuple(
        HiringClass(size=int(k), start_date=c.start_date)
        for k, c in zip(found.sizes, candidates, strict=True)
        if k > 0
    )
    classes = tuple(sorted(fixed + added, key=lambda c: c.start_date))
    needed = None
    if not found.covered.all():
        # Each starting agent adds their (surviving) capacity to every week.
        per_start = _weekly_mean(_cohort(hiring, cal, None).capacity * (1.0 - setup.shrinkage))
        deficit = required - base - per_hire @ found.sizes
        short = ~found.covered
        needed = hiring.starting_headcount + float(np.max(deficit[short] / per_start[weeks][short]))
    unreachable = tuple(str(cal.labels[m]) for m in np.unique(months[~found.covered]))
    return classes, unreachable, needed, found.proven
