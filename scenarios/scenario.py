"""The scenario schema: channels and their demand, targets, workforce and pricing.

Units are in the field names (``_s`` seconds, ``_minutes``, ``_per_day``); shares and targets
are fractions in [0, 1]. Unknown fields are rejected. Every cross-field rule raises one plain
sentence naming the field.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from erlang import SLDefinition

from ._base import Amount, Fraction, OccupancyCap, StrictModel
from .distributions import DistributionSpec

#: A scenario name: 1 to 80 letters (any script), digits, spaces and ``-_.,()&'/%:`` (no
#: markup: ``[]!<>*`$#|`` would be links, images or formatting in Markdown, HTML or plot titles).
NAME_PATTERN = r"^[\w\-.,()&'/%: ]+$"
#: Planned days must lie in these years: dates outside are typos (9999-12-31), and the
#: calendar arithmetic of a plan must stay within ``datetime``'s range.
FIRST_YEAR, LAST_YEAR = 1900, 2200

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
INTRADAY_SHAPES = ("flat", "business_day", "two_peaks", "evening")


def _clock_minutes(text: str, field: str) -> int:
    try:
        hours, minutes = (int(part) for part in text.split(":"))
    except ValueError:
        raise ValueError(f"{field} must be a time of day 'HH:MM', got {text!r}") from None
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or hours * 60 + minutes > 24 * 60:
        raise ValueError(f"{field} must be between 00:00 and 24:00, got {text!r}")
    return hours * 60 + minutes


def parse_standard(text: str) -> tuple[float, float]:
    """``"80/20"`` -> ``(0.8, 20.0)``: an SL standard as "percent within seconds" (the form
    contracts and online calculators use; ``0.8/20`` is read as 0.8%, so give percent).

    >>> parse_standard("85/30"), parse_standard(" 92.5 / 15 ")
    ((0.85, 30.0), (0.925, 15.0))
    """
    shown = str(text).strip()
    try:
        percent, threshold_s = (float(p) for p in shown.replace("%", "").split("/"))
    except ValueError:
        raise ValueError(
            f"standard {shown!r}: write it as 'percent/seconds' (SL%/threshold_s), e.g. '80/20' "
            "(80% within 20 s)"
        ) from None
    if not 0 < percent < 100:
        raise ValueError(
            f"standard {shown!r}: the service level must be between 0% and 100% (in percent)"
        )
    if not 0 <= threshold_s <= 86_400:
        raise ValueError(f"standard {shown!r}: the threshold must be between 0 and 86,400 s")
    return percent / 100.0, threshold_s


def _check_horizon(start_date: dt.date, days: int) -> None:
    """The planned days lie within ``FIRST_YEAR`` .. ``LAST_YEAR``."""
    if start_date.year < FIRST_YEAR:
        raise ValueError(f"start_date {start_date} is before {FIRST_YEAR}-01-01")
    last = dt.date(LAST_YEAR, 12, 31)
    if start_date > last - dt.timedelta(days=days - 1):
        raise ValueError(
            f"start_date {start_date} with days {days}: the horizon must end by {last}"
        )


class SpecialPeriod(StrictModel):
    """A date range whose volume is multiplied (a campaign, an outage, a holiday)."""

    label: str = ""
    """What it is, e.g. "storm outage"."""
    start_date: dt.date
    """First day (inclusive)."""
    end_date: dt.date | None = None
    """Last day (inclusive); defaults to ``start_date``."""
    start_time: str = "00:00"
    """Time of day the multiplier starts on each day of the range, 'HH:MM'."""
    end_time: str = "24:00"
    """Time of day it ends, 'HH:MM'."""
    multiplier: float = Field(ge=0, le=100)
    """Volume multiplier (0.2 for a quiet holiday, 4 for an outage spike)."""
    excluded_from_sla: bool = False
    """Whether the contract excludes these intervals from SLA measurement."""

    @model_validator(mode="after")
    def _order(self):
        end = self.end_date or self.start_date
        if end < self.start_date:
            raise ValueError(f"`end_date` {end} is before `start_date` {self.start_date}")
        if _clock_minutes(self.start_time, "`start_time`") >= _clock_minutes(
            self.end_time, "`end_time`"
        ):
            raise ValueError("`start_time` must be before `end_time`")
        return self


class ForecastError(StrictModel):
    """How far real volumes and handle times stray from the forecast (for the simulator)."""

    day_volume_cv: float = Field(default=0.0, ge=0, le=2)
    """Coefficient of variation of a day-level volume multiplier (e.g. 0.08)."""
    interval_volume_cv: float = Field(default=0.0, ge=0, le=2)
    """Coefficient of variation of an interval-level volume multiplier."""
    day_aht_cv: float = Field(default=0.0, ge=0, le=2)
    """Coefficient of variation of a day-level AHT multiplier (AHT drift)."""


class Demand(StrictModel):
    """The forecast of one channel.

    Contacts in an interval = ``volume_per_day`` x day-of-week factor x monthly factor x growth
    x special-period multiplier x the interval's share of the day (``intraday_profile``), or
    read from ``csv`` (columns ``start``, ``volume``).
    """

    volume_per_day: float | None = Field(default=None, ge=0, le=10_000_000)
    """Contacts on a day whose factors are all 1."""
    intraday_profile: (
        Literal["flat", "business_day", "two_peaks", "evening"] | tuple[float, ...]
    ) = "business_day"
    """A named shape, or the share of the day's contacts in each interval (summing to 1)."""
    day_of_week_factors: tuple[float, float, float, float, float, float, float] = (1,) * 7
    """Multipliers for Monday .. Sunday."""
    monthly_factors: tuple[float, ...] = (1,) * 12
    """Multipliers for January .. December (seasonality)."""
    growth_per_year: float = Field(default=0.0, ge=-0.9, le=10)
    """Compound volume growth per year from ``start_date`` (0.05 = +5% a year)."""
    special_periods: tuple[SpecialPeriod, ...] = ()
    """Campaigns, outages, holidays."""
    forecast_error: ForecastError = ForecastError()
    """Forecast error used by the simulator."""
    csv: str | None = None
    """Interval volumes instead of the above: a CSV file with columns ``start`` (ISO date and
    time) and ``volume`` (contacts in the interval), relative to the scenario file."""

    @field_validator("day_of_week_factors", "monthly_factors")
    @classmethod
    def _nonnegative(cls, value):
        if any(not 0 <= v <= 100 for v in value):  # also NaN
            raise ValueError("factors must be numbers in [0, 100] (1 = an ordinary day/month)")
        return value

    @field_validator("monthly_factors")
    @classmethod
    def _twelve(cls, value):
        if len(value) != 12:
            raise ValueError(f"needs 12 values (January .. December), got {len(value)}")
        return value

    @field_validator("intraday_profile")
    @classmethod
    def _shares(cls, value):
        if isinstance(value, tuple):
            if any(v < 0 for v in value):
                raise ValueError("intraday shares must be >= 0")
            total = sum(value)
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"intraday shares must add up to 1, they add up to {total:.6g}")
        return value

    @model_validator(mode="after")
    def _source(self):
        if (self.volume_per_day is None) == (self.csv is None):
            raise ValueError("give either `volume_per_day` (with factors) or `csv`, not both")
        return self


class IntradayBand(StrictModel):
    """Handle time and patience in a band of the day (a morning rush of short calls, evening
    callers who wait longer). The distribution keeps its shape (CV); its mean becomes the
    band's. Intervals outside every band use the channel's own means."""

    start: str
    """Start of the band, 'HH:MM' (inclusive)."""
    end: str
    """End of the band, 'HH:MM' (exclusive; '24:00' for midnight)."""
    aht_s: float | None = Field(default=None, gt=0, le=86_400)
    """Mean handle time in the band [s]; none: the channel's."""
    patience_s: float | None = Field(default=None, gt=0, le=86_400)
    """Mean patience in the band [s]; none: the channel's (needs a channel patience)."""

    @model_validator(mode="after")
    def _sane(self):
        if _clock_minutes(self.start, "`start`") >= _clock_minutes(self.end, "`end`"):
            raise ValueError(f"`start` {self.start} must be before `end` {self.end}")
        if self.aht_s is None and self.patience_s is None:
            raise ValueError("a band needs `aht_s`, `patience_s` or both")
        return self

    @property
    def minutes(self) -> tuple[int, int]:
        """(start, end) in minutes after midnight."""
        return _clock_minutes(self.start, "start"), _clock_minutes(self.end, "end")


class Channel(StrictModel):
    """One contact channel."""

    name: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_\- ]+$")
    """Unique name, e.g. "voice"."""
    kind: Literal["voice", "chat", "deferred"]
    """voice (one contact per agent, callers abandon), chat (several at once per agent),
    deferred (email, web forms: no abandonment, answered within hours)."""
    handle_time: DistributionSpec
    """Handle time (talk + hold + after-contact work) [s]; its mean is the AHT."""
    patience: DistributionSpec | None = None
    """Patience [s] (voice and chat); none: contacts never abandon (Erlang C)."""
    concurrency: int = Field(default=1, ge=1, le=20)
    """Chats one agent handles at once (chat only)."""
    concurrency_stretch: float = Field(default=0.0, ge=0, le=5)
    """Each chat's handle time grows by this fraction per extra concurrent chat."""
    opening_hours: (
        dict[
            Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
            tuple[str, str],
        ]
        | None
    ) = None
    """Per weekday ['HH:MM', 'HH:MM']; days left out are closed; omitted: open 24/7."""
    demand: Demand
    """The forecast."""
    intraday_bands: tuple[IntradayBand, ...] = ()
    """Handle time and patience by time of day (e.g. calibrated from history)."""

    @model_validator(mode="after")
    def _kind_rules(self):
        if self.kind == "deferred" and self.patience is not None:
            raise ValueError("deferred contacts do not abandon: remove `patience`")
        if self.kind != "chat" and self.concurrency != 1:
            raise ValueError("`concurrency` applies to chat channels only")
        if self.patience is None and any(b.patience_s is not None for b in self.intraday_bands):
            raise ValueError("intraday_bands give `patience_s` but the channel has no `patience`")
        spans = sorted(b.minutes for b in self.intraday_bands)
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            if start < end:
                raise ValueError("intraday_bands overlap; each time of day may be in one band")
        for day, (start, end) in (self.opening_hours or {}).items():
            if _clock_minutes(start, f"opening_hours.{day}") >= _clock_minutes(
                end, f"opening_hours.{day}"
            ):
                raise ValueError(
                    f"opening_hours.{day}: opening {start} must be before closing {end}"
                )
        return self

    @property
    def aht_s(self) -> float:
        return self.handle_time.mean

    @property
    def patience_s(self) -> float | None:
        return None if self.patience is None else self.patience.mean


class ExcludedPeriod(StrictModel):
    """A date range excluded from SLA measurement (force majeure, an agreed peak)."""

    label: str = ""
    start_date: dt.date
    end_date: dt.date


class PenaltyTerms(StrictModel):
    """Money attached to the measured KPI per reporting period (in the workforce currency).

    "Points" are percentage points of a share (service level, abandonment, occupancy) and
    seconds of an ASA cap, counted on the wrong side of the standard ("below" an SL target,
    above a cap) for penalties and on the right side for bonuses."""

    per_breached_period: Amount = 0.0
    """Penalty for each reporting period in which the standard is missed."""
    per_point_below: Amount = 0.0
    """Penalty per point the measured KPI is on the wrong side of the standard."""
    bonus_per_point_above: Amount = 0.0
    """Bonus per point the measured KPI is on the right side of the standard."""
    cap_per_period: Amount | None = None
    """Largest penalty in one period."""
    cap_per_year: Amount | None = None
    """Largest penalty in one year (all periods of the clause together)."""


class Target(StrictModel):
    """The standards one channel must meet, as a contract would state them."""

    channel: str
    """Name of the channel."""
    service_level: Fraction | None = None
    """Share of contacts answered within ``threshold_s`` (0.8 for 80%)."""
    threshold_s: float | None = Field(default=None, ge=0, le=30 * 86_400)
    """The "within Y seconds"; for deferred channels the response time (14400 = 4 hours)."""
    sl_definition: SLDefinition = SLDefinition.OF_OFFERED
    """How the service level is counted: of_offered, excl_short_abandons or of_answered."""
    max_asa_s: float | None = Field(default=None, gt=0)
    """Largest average speed of answer [s]."""
    max_abandon: Fraction | None = None
    """Largest share of offered contacts that abandon."""
    max_occupancy: OccupancyCap | None = None
    """Occupancy cap for this channel's agents (the workforce cap applies too)."""
    deadline_clock: Literal["wall_clock", "opening_hours"] = "wall_clock"
    """Deferred channels: whether ``threshold_s`` runs around the clock ("within 24 hours") or
    only while the channel is open ("within 4 business hours")."""
    reporting_period: Literal["interval", "day", "week", "month", "quarter", "year"] = "month"
    """The period over which the contract measures the KPI (weeks are ISO weeks; quarters and
    years are calendar ones; ``scenarios.periods``)."""
    excluded_periods: tuple[ExcludedPeriod, ...] = ()
    """Dates excluded from measurement."""
    penalty: PenaltyTerms = PenaltyTerms()
    """Penalty and bonus terms of the service-level clause."""
    clause_penalties: dict[Literal["max_asa_s", "max_abandon", "max_occupancy"], PenaltyTerms] = (
        Field(default_factory=dict)
    )
    """Penalty and bonus terms of the other clauses, by clause name (per percentage point of
    abandonment or occupancy, per second of ASA)."""

    @model_validator(mode="after")
    def _pairs(self):
        if self.service_level is not None and self.threshold_s is None:
            raise ValueError("`service_level` needs `threshold_s` (the Y of 'X% within Y s')")
        if all(
            v is None
            for v in (self.service_level, self.max_asa_s, self.max_abandon, self.max_occupancy)
        ):
            raise ValueError(
                "give at least one of `service_level`, `max_asa_s`, `max_abandon`, `max_occupancy`"
            )
        for clause in self.clause_penalties:
            if getattr(self, clause) is None:
                raise ValueError(
                    f"clause_penalties.{clause}: the target has no `{clause}` clause to attach "
                    "it to"
                )
        return self


class Workforce(StrictModel):
    """From required agents to paid staff, hours and cost."""

    shrinkage: dict[str, Fraction] = Field(default_factory=dict)
    """Named components of paid time not available for contacts (breaks, training, absence),
    as fractions of paid time; they add up."""
    max_occupancy: OccupancyCap = 1.0
    """Occupancy cap for every channel (0.85 keeps agents below 85% busy)."""
    hours_per_fte_per_week: float = Field(default=38.0, ge=1, le=80)
    """Paid hours of one full-time equivalent per week, 1 to 80 (1e-300 would turn a plan into
    5e302 FTE)."""
    hourly_cost: Amount = 0.0
    """Fully loaded cost of one paid agent hour."""
    currency: str = Field(default="EUR", min_length=1, max_length=8)
    """Currency of costs, prices and penalties: a code of up to 8 letters or digits (EUR,
    USD, kr) or one symbol (€ £ ¥ ₹ $); it ends up in CSV column names and plot labels."""
    shift_granularity_minutes: Literal[15, 30, 60] = 30
    """Staff can change only at these boundaries (the schedule is the maximum within each)."""
    fte_offered: float | None = Field(default=None, ge=0, le=1_000_000)
    """Headcount on offer [FTE] for the SLA verdict (default: what the plan needs)."""

    @field_validator("currency")
    @classmethod
    def _currency(cls, value):
        if not re.fullmatch(r"[^\W_]{1,8}|[€£¥₹$]", value):
            raise ValueError(
                f"must be a code of up to 8 letters or digits (EUR) or one of € £ ¥ ₹ $, "
                f"got {value!r}"
            )
        return value

    @field_validator("shrinkage")
    @classmethod
    def _total(cls, value):
        total = sum(value.values())
        if total >= 1.0:
            raise ValueError(f"shrinkage components add up to {total:.2f}; they must stay below 1")
        return value

    @property
    def total_shrinkage(self) -> float:
        return float(sum(self.shrinkage.values()))


class Pricing(StrictModel):
    """What the client pays, to set against the staffing cost."""

    model: Literal["per_contact", "per_hour", "fixed_monthly", "hybrid"]
    """per_contact (per handled contact), per_hour (per paid agent hour), fixed_monthly, or
    hybrid (fixed monthly fee plus a rate per handled contact)."""
    per_contact: Amount = 0.0
    per_hour: Amount = 0.0
    fixed_monthly: Amount = 0.0

    @model_validator(mode="after")
    def _rates(self):
        needed = {
            "per_contact": ("per_contact",),
            "per_hour": ("per_hour",),
            "fixed_monthly": ("fixed_monthly",),
            "hybrid": ("fixed_monthly", "per_contact"),
        }[self.model]
        missing = [name for name in needed if getattr(self, name) <= 0]
        if missing:
            raise ValueError(
                f"pricing model {self.model} needs a rate > 0 for {', '.join(missing)}"
            )
        return self


class HiringClass(StrictModel):
    """A class of new agents who start on one day, train, then ramp up."""

    size: int = Field(ge=1, le=10_000)
    """New agents in the class [agents], 1 to 10,000."""
    start_date: dt.date
    """First paid day (training starts)."""
    training_weeks: int | None = Field(default=None, ge=0, le=52)
    """Weeks of training, paid and not available for contacts, 0 to 52; none: the plan's."""


class HiringPlan(StrictModel):
    """Headcount month by month: starting staff, attrition, hiring classes, training and
    ramp-up (``scenarios.contract.hiring``). Headcount counts full-time agents (FTE)."""

    start_month: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    """First month of the plan, 'YYYY-MM'; none: the month of the scenario's ``start_date``."""
    months: int = Field(default=12, ge=1, le=120)
    """Months planned, 1 to 120."""
    starting_headcount: float = Field(ge=0, le=100_000)
    """Trained agents on the payroll at the start [FTE], 0 to 100,000."""
    attrition_per_month: float = Field(default=0.0, ge=0, le=0.5)
    """Share of the headcount that leaves each month, 0 to 0.5 (0.02 = 2% a month)."""
    classes: tuple[HiringClass, ...] = Field(default=(), max_length=240)
    """Hiring classes already planned (the optimizer adds to them)."""
    training_weeks: int = Field(default=4, ge=0, le=52)
    """Weeks of paid training before a new agent takes contacts, 0 to 52."""
    ramp_up_weeks: int = Field(default=0, ge=0, le=52)
    """Weeks after training over which a new agent's AHT multiplier falls linearly to 1,
    0 to 52 (0: no ramp-up)."""
    ramp_up_aht_multiplier: float = Field(default=1.0, ge=1, le=5)
    """A new agent's AHT multiplier on the first day after training, 1 to 5 (1.5 = handle
    time 50% longer); their capacity is 1 / multiplier of a trained agent's."""
    shrinkage: float | None = Field(default=None, ge=0, lt=1)
    """Share of paid time not available for contacts, in [0, 1); none: the workforce's."""
    max_p_breach: float = Field(default=0.1, gt=0, lt=1)
    """The hiring optimizer keeps P(breach) per reporting period at most this, in (0, 1)."""
    max_class_size: int = Field(default=200, ge=1, le=10_000)
    """Largest class the optimizer may plan [agents], 1 to 10,000."""

    @model_validator(mode="after")
    def _ramp(self):
        if self.ramp_up_weeks == 0 and self.ramp_up_aht_multiplier != 1.0:
            raise ValueError(
                "ramp_up_aht_multiplier needs ramp_up_weeks >= 1 (over which it falls to 1)"
            )
        return self


def hiring_months(scenario: Scenario) -> tuple[dt.date, dt.date]:
    """First and last day of the hiring plan's months (``HiringPlan.start_month``, default the
    month of the scenario's ``start_date``, for ``months`` months)."""
    plan = scenario.hiring
    if plan.start_month is None:
        year, month = scenario.start_date.year, scenario.start_date.month
    else:
        year, month = (int(part) for part in plan.start_month.split("-"))
    # A year's margin each side: the plan runs over whole weeks with a week's lead-in/out.
    if not FIRST_YEAR + 1 <= year <= LAST_YEAR - 10:
        raise ValueError(
            f"hiring.start_month {year}-{month:02d} must lie in years {FIRST_YEAR + 1} .. "
            f"{LAST_YEAR - 10}"
        )
    end = month - 1 + plan.months  # months after January of `year` when the plan ends
    last = dt.date(year + end // 12, end % 12 + 1, 1) - dt.timedelta(days=1)
    return dt.date(year, month, 1), last


class Scenario(StrictModel):
    """A planning scenario: what arrives, what is promised, who answers and at what cost."""

    name: str
    """Letters, digits, spaces and ``-_.,()&'/%:`` (it is shown in pages, reports and file
    names, always as plain text; no markup or links)."""
    description: str = Field(default="", max_length=2000)
    interval_minutes: Literal[15, 30, 60] = 15
    """Length of a planning interval."""
    start_date: dt.date
    """First planned day."""
    days: int = Field(ge=1, le=1096)
    """Number of planned days."""
    channels: tuple[Channel, ...] = Field(min_length=1)
    targets: tuple[Target, ...] = ()
    workforce: Workforce = Workforce()
    pricing: Pricing | None = None
    hiring: HiringPlan | None = None
    """The hiring plan over the contract (``ccplan hiring``)."""
    compare_standards: tuple[str, ...] = Field(default=(), max_length=12)
    """Alternative SL standards the verdict compares side by side, as "SL%/threshold_s"
    (e.g. "85/30": 85% within 30 s), applied to every voice and chat SL clause."""

    @field_validator("name")
    @classmethod
    def _name(cls, value):
        if not re.fullmatch(NAME_PATTERN, value) or len(value) > 80:
            raise ValueError(
                "must be 1 to 80 letters, digits, spaces or -_.,()&'/%: characters, "
                f"got {value[:40]!r}{'...' if len(value) > 40 else ''}"
            )
        return value

    @field_validator("compare_standards")
    @classmethod
    def _standards(cls, value):
        for text in value:
            parse_standard(text)
        return value

    @model_validator(mode="after")
    def _consistent(self):
        _check_horizon(self.start_date, self.days)
        names = [c.name for c in self.channels]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"channel names must be unique; repeated: {', '.join(dupes)}")
        seen = set()
        for i, target in enumerate(self.targets):
            if target.channel in seen:
                raise ValueError(
                    f"targets[{i}]: channel {target.channel!r} already has a target; "
                    "put all its standards in one entry"
                )
            seen.add(target.channel)
            if target.channel not in names:
                raise ValueError(
                    f"targets[{i}].channel {target.channel!r} is not a channel; "
                    f"channels are: {', '.join(names)}"
                )
        per_day = 24 * 60 // self.interval_minutes
        for c in self.channels:
            profile = c.demand.intraday_profile
            if isinstance(profile, tuple) and len(profile) != per_day:
                raise ValueError(
                    f"channel {c.name!r}: intraday_profile has {len(profile)} shares; "
                    f"{self.interval_minutes}-minute intervals need {per_day}"
                )
        return self

    @model_validator(mode="after")
    def _hiring_dates(self):
        if self.hiring is None:
            return self
        first, last = hiring_months(self)
        for i, c in enumerate(self.hiring.classes):
            if not first <= c.start_date <= last:
                raise ValueError(
                    f"hiring.classes[{i}].start_date {c.start_date} must lie within the hiring "
                    f"plan, {first} to {last}"
                )
        return self

    @property
    def intervals_per_day(self) -> int:
        return 24 * 60 // self.interval_minutes

    @property
    def interval_s(self) -> float:
        return self.interval_minutes * 60.0

    def channel(self, name: str) -> Channel:
        return next(c for c in self.channels if c.name == name)

    def target_for(self, name: str) -> Target | None:
        return next((t for t in self.targets if t.channel == name), None)
