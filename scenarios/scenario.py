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
from .roster.rules import ShiftRules, check_rules
from .skills.schema import Skills, check_skills

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


#: The most SL standards a scenario compares side by side (``Scenario.compare_standards``).
MAX_COMPARED_STANDARDS = 12


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
    weekday_profiles: (
        dict[
            Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
            tuple[float, ...],
        ]
        | None
    ) = None
    """The intraday profile of particular weekdays (shares per interval summing to 1, as a
    listed ``intraday_profile``), e.g. a Friday that closes at 14:00; weekdays not listed use
    ``intraday_profile``. Calibrated from history; omitted: one profile for every day."""
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

    @field_validator("weekday_profiles")
    @classmethod
    def _weekday_shares(cls, value):
        for day, shares in (value or {}).items():
            if any(not v >= 0 for v in shares):  # also NaN
                raise ValueError(f"{day}: intraday shares must be >= 0")
            if abs(sum(shares) - 1.0) > 1e-6:
                raise ValueError(
                    f"{day}: intraday shares must add up to 1, they add up to {sum(shares):.6g}"
                )
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
    weekdays: tuple[
        Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"], ...
    ] = ()
    """The weekdays the band applies on; empty: every day. On its weekdays a band naming them
    takes precedence over an every-day band at the same time (e.g. Friday's own AHT)."""

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


class FirstContactResolution(StrictModel):
    """First-contact resolution: the unresolved share of answered contacts comes back as
    repeat contacts after ``repeat_delay``, on this channel or ``repeat_channel``."""

    rate: float = Field(ge=0.1, le=1)
    """Share of answered contacts resolved at the first contact, 0.1 to 1 (0.8 for 80%)."""
    repeat_share: Fraction = 1.0
    """Share of the unresolved contacts that contact again (the rest give up or go elsewhere)."""
    repeat_delay: DistributionSpec
    """Time from the answered contact to its repeat [s]."""
    repeat_channel: str | None = None
    """Channel the repeats arrive on (none: this channel)."""


class SelfService(StrictModel):
    """A bot or self-service front: it resolves ``deflection`` of the channel's forecast
    contacts; the rest reach agents with handle time x ``aht_multiplier`` (the easy ones were
    deflected). While the bot is down its contacts fall on the agents."""

    deflection: Fraction
    """Share of forecast contacts resolved by self-service while it is up (0.2 for 20%)."""
    aht_multiplier: float = Field(default=1.0, ge=0.5, le=5)
    """Handle time of the contacts left for agents, as a multiple of the channel's AHT."""
    bot_uptime: float = Field(default=1.0, ge=0.5, le=1)
    """Contracted availability of the bot, 0.5 to 1 (0.995 for 99.5%)."""
    outage_duration_s: float = Field(default=4 * 3600.0, gt=0, le=7 * 86_400)
    """Mean length of one outage [s]; a month's downtime comes in outages of this length."""


class Callback(StrictModel):
    """Virtual hold / voicemail: a share of callers leave the queue for a callback, served as
    deferred work by the channel's agents within ``deadline_s``."""

    share: Fraction
    """Share of offered callers who take a callback instead of waiting (0.1 for 10%)."""
    deadline_s: float = Field(ge=60, le=7 * 86_400)
    """Callbacks are made within this time of the call [s], 60 s to 7 days."""


class Retrials(StrictModel):
    """Callers who abandon and call again."""

    share: Fraction
    """Share of abandoning callers who call again (0.5 for 50%)."""
    delay: DistributionSpec
    """Time from abandoning to calling again [s]."""


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
    fcr: FirstContactResolution | None = None
    """First-contact resolution and the repeat contacts it leaves (none: no repeats)."""
    self_service: SelfService | None = None
    """Self-service deflection in front of the agents (none: every contact reaches agents)."""
    callback: Callback | None = None
    """Callback offer for waiting callers (voice only; none: no callbacks)."""
    retrials: Retrials | None = None
    """Abandoning callers who call again, in planning and simulation (needs `patience`)."""

    @model_validator(mode="after")
    def _kind_rules(self):
        if self.kind == "deferred" and self.patience is not None:
            raise ValueError("deferred contacts do not abandon: remove `patience`")
        if self.kind != "chat" and self.concurrency != 1:
            raise ValueError("`concurrency` applies to chat channels only")
        if self.patience is None and any(b.patience_s is not None for b in self.intraday_bands):
            raise ValueError("intraday_bands give `patience_s` but the channel has no `patience`")
        if self.callback is not None and self.kind != "voice":
            raise ValueError("`callback` applies to voice channels only")
        if self.retrials is not None and self.patience is None:
            raise ValueError("`retrials` needs `patience`: without it no caller abandons")
        scopes = [()] + [(day,) for day in WEEKDAYS]  # every day, then each weekday's own
        for scope in scopes:
            spans = sorted(
                b.minutes
                for b in self.intraday_bands
                if (not b.weekdays if not scope else scope[0] in b.weekdays)
            )
            for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
                if start < end:
                    where = f" on {scope[0]}" if scope else ""
                    raise ValueError(
                        f"intraday_bands overlap{where}; each time of day may be in one band "
                        "(a band naming weekdays may overlap an every-day band)"
                    )
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


class BillableContacts(StrictModel):
    """Which contacts the client pays for (the contract's contact definition).

    Handled contacts are always billable; abandoned ones only when they waited at least
    ``abandoned_after_s`` (a caller who hung up after a long wait still cost the line);
    repeat contacts (the same issue again, unresolved at first contact) are billed unless
    ``repeats_billed`` is false."""

    abandoned_after_s: float | None = Field(default=None, ge=0, le=86_400)
    """Abandoned contacts that waited at least this long are billed too [s], 0 to 86,400;
    none: handled contacts only."""
    repeats_billed: bool = True
    """Whether repeat contacts are billed (false: only first contacts)."""
    repeat_share: Fraction = 0.0
    """Share of handled contacts that are repeats, a fraction in [0, 1] (what
    ``repeats_billed: false`` leaves out of the bill)."""


class PriceBand(StrictModel):
    """An overage (or volume-discount) band: contacts of a calendar month beyond
    ``from_contacts_per_month`` are billed at ``per_contact`` (marginal, like tax brackets)."""

    from_contacts_per_month: float = Field(gt=0, le=1e9)
    """Billable contacts in the month above which this rate applies, > 0 (up to 1e9)."""
    per_contact: Amount
    """Price of each contact in the band."""


class PeakRate(StrictModel):
    """A rate multiplier for contacts billed and hours paid in given hours of given days."""

    start: str
    """Start, 'HH:MM' (inclusive)."""
    end: str
    """End, 'HH:MM' (exclusive; '24:00' for midnight)."""
    multiplier: float = Field(ge=0, le=10)
    """Rate multiplier in these hours, 0 to 10 (1.25 = +25%)."""
    days: tuple[
        Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
        ...,
    ] = WEEKDAYS
    """Weekdays it applies on (default: every day)."""

    @model_validator(mode="after")
    def _span(self):
        if _clock_minutes(self.start, "`start`") >= _clock_minutes(self.end, "`end`"):
            raise ValueError(f"`start` {self.start} must be before `end` {self.end}")
        if not self.days:
            raise ValueError("`days` must name at least one weekday")
        return self

    @property
    def minutes(self) -> tuple[int, int]:
        """(start, end) in minutes after midnight."""
        return _clock_minutes(self.start, "start"), _clock_minutes(self.end, "end")


class VolumeBand(StrictModel):
    """A volume forecast's uncertainty as P10/P50/P90 multipliers of the forecast volume (the
    same multiplier for every channel): 0.85, 1.0, 1.2 = P10 15% below, P90 20% above."""

    p10: float = Field(gt=0, le=10)
    """10th percentile of the volume, as a multiplier of the forecast, in (0, 10]."""
    p50: float = Field(default=1.0, gt=0, le=10)
    """Median volume, as a multiplier of the forecast, in (0, 10]."""
    p90: float = Field(gt=0, le=10)
    """90th percentile of the volume, as a multiplier of the forecast, in (0, 10]."""

    @model_validator(mode="after")
    def _order(self):
        if not self.p10 <= self.p50 <= self.p90:
            raise ValueError(
                f"needs p10 <= p50 <= p90, got {self.p10:g}, {self.p50:g}, {self.p90:g}"
            )
        return self


class Pricing(StrictModel):
    """What the client pays, to set against the staffing cost (``scenarios.contract``)."""

    model: Literal["per_contact", "per_hour", "fixed_monthly", "hybrid"]
    """per_contact (per billable contact), per_hour (per paid agent hour), fixed_monthly, or
    hybrid (fixed monthly fee plus a rate per billable contact)."""
    per_contact: Amount = 0.0
    per_hour: Amount = 0.0
    fixed_monthly: Amount = 0.0
    billable: BillableContacts = BillableContacts()
    """Which contacts are billed (default: handled contacts, repeats included)."""
    minimum_monthly_contacts: float | None = Field(default=None, ge=0, le=1e9)
    """Minimum offtake: billable contacts billed per calendar month at least (the shortfall at
    ``per_contact``), 0 to 1e9; prorated for a month the horizon covers in part."""
    minimum_monthly_amount: Amount | None = None
    """Minimum offtake: the least the client pays per calendar month (prorated likewise)."""
    bands: tuple[PriceBand, ...] = ()
    """Overage bands by billable contacts per calendar month (per_contact and hybrid only)."""
    peak_rates: tuple[PeakRate, ...] = ()
    """Rate multipliers by time of day for the per-contact and per-hour rates."""
    volume_band: VolumeBand | None = None
    """The volume's P10/P50/P90 for pricing under volume risk (default: from each channel's
    ``forecast_error.day_volume_cv``)."""

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
        if self.bands and self.model not in ("per_contact", "hybrid"):
            raise ValueError(
                f"`bands` price contacts: they apply to per_contact and hybrid, not {self.model}"
            )
        starts = [b.from_contacts_per_month for b in self.bands]
        if any(b <= a for a, b in zip(starts, starts[1:], strict=False)):
            raise ValueError("`bands` must be in increasing order of from_contacts_per_month")
        if self.minimum_monthly_contacts is not None and self.model not in (
            "per_contact",
            "hybrid",
        ):
            raise ValueError(
                "`minimum_monthly_contacts` applies to per_contact and hybrid pricing; use "
                "`minimum_monthly_amount` for other models"
            )
        spans = sorted((p.minutes, set(p.days)) for p in self.peak_rates)
        for i, ((s1, e1), d1) in enumerate(spans):
            for (s2, e2), d2 in spans[i + 1 :]:
                if s2 < e1 and s1 < e2 and d1 & d2:
                    raise ValueError("`peak_rates` overlap; each hour of a day may have one rate")
        return self

    @property
    def is_rate_card(self) -> bool:
        """Whether the bill is the plain rate card the plan's ``revenue`` computes: no bands,
        peak rates or minimum offtake, and only handled contacts billed (``billable``'s
        abandoned contacts need ``scenarios.contract.billing``)."""
        return not (
            self.bands
            or self.peak_rates
            or self.minimum_monthly_amount is not None
            or self.minimum_monthly_contacts is not None
            or self.billable.abandoned_after_s is not None
        )


class Indexation(StrictModel):
    """Yearly price indexation: each year after the first, the indexed price components move
    by the index, limited to [``floor``, ``cap``]."""

    rate_per_year: tuple[float, ...] = (0.0,)
    """Index change per year (0.03 = +3%), each in [-0.5, 1]: one value for every year, or one
    per year after the first (years - 1 values)."""
    cap: float | None = Field(default=None, ge=-0.5, le=1)
    """Largest yearly price change, in [-0.5, 1] (0.025: prices rise at most 2.5% a year)."""
    floor: float | None = Field(default=None, ge=-0.5, le=1)
    """Smallest yearly price change, in [-0.5, 1] (0: prices never fall)."""
    components: tuple[
        Literal["per_contact", "per_hour", "fixed_monthly", "minimum", "bands"], ...
    ] = ("per_contact", "per_hour", "fixed_monthly", "minimum", "bands")
    """Which price components are indexed (default: all)."""

    @field_validator("rate_per_year")
    @classmethod
    def _rates(cls, value):
        if not value:
            raise ValueError("give at least one yearly index rate (0 for none)")
        if any(not -0.5 <= v <= 1 for v in value):
            raise ValueError("each yearly index rate must be in [-0.5, 1] (0.03 for +3%)")
        return value

    @model_validator(mode="after")
    def _bounds(self):
        if self.cap is not None and self.floor is not None and self.floor > self.cap:
            raise ValueError(f"`floor` {self.floor:g} is above `cap` {self.cap:g}")
        return self


class ContractTerm(StrictModel):
    """The contract over its whole term: the planned horizon is read as representative of a
    year, then volumes grow, wages inflate and prices are indexed year by year."""

    start_date: dt.date
    """First day of the contract."""
    years: int = Field(ge=1, le=10)
    """Length of the term in years, 1 to 10."""
    indexation: Indexation = Indexation()
    """How prices are indexed each year."""
    wage_inflation_per_year: float = Field(default=0.0, ge=-0.5, le=1)
    """Yearly change of the hourly cost, in [-0.5, 1] (0.03 = +3% a year)."""
    volume_growth_per_year: float = Field(default=0.0, ge=-0.9, le=10)
    """Yearly compound volume growth over the term, in [-0.9, 10] (0.05 = +5% a year)."""
    liability_cap_per_year: Amount | None = None
    """Largest total of penalties in one contract year (all clauses together)."""

    @model_validator(mode="after")
    def _consistent(self):
        n = len(self.indexation.rate_per_year)
        if n not in (1, self.years - 1):
            raise ValueError(
                f"indexation.rate_per_year has {n} values; give 1 (every year) or "
                f"{max(self.years - 1, 1)} (one per year after the first) for {self.years} years"
            )
        if self.start_date.year < FIRST_YEAR or self.start_date.year + self.years > LAST_YEAR:
            raise ValueError(
                f"start_date {self.start_date} with years {self.years}: the term must lie in "
                f"{FIRST_YEAR} .. {LAST_YEAR}"
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
    term: ContractTerm | None = None
    """The contract term (years, indexation, wage inflation, growth, liability cap)."""
    compare_standards: tuple[str, ...] = Field(default=(), max_length=MAX_COMPARED_STANDARDS)
    """Alternative SL standards the verdict compares side by side, as "SL%/threshold_s"
    (e.g. "85/30": 85% within 30 s), applied to every voice and chat SL clause."""
    roster: ShiftRules | None = None
    """Shift rules for ``ccplan roster`` (templates, breaks, weekly patterns, costs); none:
    ``roster.rules.DEFAULT_CONTRACTS`` (full time 5 x 8 h, part time 4 or 6 h)."""
    skills: Skills | None = None
    """Multi-skill and blended pools (``scenarios.skills``); none: one pool per channel."""

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
        for c in self.channels:
            if c.fcr is not None and c.fcr.repeat_channel not in (None, *names):
                raise ValueError(
                    f"channel {c.name!r}: fcr.repeat_channel {c.fcr.repeat_channel!r} is not a "
                    f"channel; channels are: {', '.join(names)}"
                )
        per_day = 24 * 60 // self.interval_minutes
        for c in self.channels:
            profile = c.demand.intraday_profile
            if isinstance(profile, tuple) and len(profile) != per_day:
                raise ValueError(
                    f"channel {c.name!r}: intraday_profile has {len(profile)} shares; "
                    f"{self.interval_minutes}-minute intervals need {per_day}"
                )
            for day, shares in (c.demand.weekday_profiles or {}).items():
                if len(shares) != per_day:
                    raise ValueError(
                        f"channel {c.name!r}: weekday_profiles.{day} has {len(shares)} shares; "
                        f"{self.interval_minutes}-minute intervals need {per_day}"
                    )
        if self.roster is not None:
            check_rules(self.roster, self.interval_minutes, names)
        return self

    @model_validator(mode="after")
    def _skills(self):
        if self.skills is not None:
            kinds = {c.name: c.kind for c in self.channels}
            check_skills(self.skills, kinds, self.intervals_per_day, self.days)
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
