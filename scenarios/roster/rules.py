"""Shift rules: the shapes of shift a roster may use, their breaks, weekly patterns and costs.

Units are in the names (``_minutes`` after the shift's start, ``HH:MM`` clock times); every
rule is checked when the scenario is read, and every rule that depends on the scenario (the
interval grid, the channel names, the shrinkage components) by ``check_rules``.

A shift of a template starts on its start grid (``earliest_start`` .. ``latest_start`` every
``start_step_minutes``), lasts ``length_minutes`` (breaks included) and takes each of its
``breaks`` once, wholly inside the break's window (``window_start_minutes`` ..
``window_end_minutes`` after the shift's start). Windows of one template do not overlap, so an
agent is never on two breaks at once. Each agent has one contract: a weekly pattern of days on
(``min_days_per_week`` .. ``max_days_per_week``, the weekend rule, consecutive days off) and one
shift of one of the contract's templates on each day on.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .._base import Amount, Fraction, StrictModel

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def clock_minutes(text: str, field: str) -> int:
    """``"07:30"`` -> 450 (minutes after midnight); a plain sentence naming ``field`` else."""
    try:
        hours, minutes = (int(part) for part in str(text).split(":"))
    except ValueError:
        raise ValueError(f"`{field}` must be a time of day 'HH:MM', got {text!r}") from None
    if not (0 <= hours <= 23 and 0 <= minutes < 60):
        raise ValueError(f"`{field}` must be between 00:00 and 23:59, got {text!r}")
    return hours * 60 + minutes


class BreakRule(StrictModel):
    """One break every shift of a template takes, placed by the optimizer inside its window."""

    minutes: int = Field(ge=5, le=180)
    """Length of the break [min] (a multiple of the scenario's interval)."""
    paid: bool = False
    """Whether the break is paid time (a 15-minute rest break usually is, a meal break not)."""
    window_start_minutes: int = Field(ge=0, le=1440)
    """Earliest start of the break after the shift's start [min]."""
    window_end_minutes: int = Field(ge=0, le=1440)
    """Latest end of the break after the shift's start [min]."""

    @model_validator(mode="after")
    def _window(self):
        if self.window_end_minutes - self.window_start_minutes < self.minutes:
            raise ValueError(
                f"the break window {self.window_start_minutes}..{self.window_end_minutes} min "
                f"is shorter than the {self.minutes}-minute break"
            )
        return self


class ShiftTemplate(StrictModel):
    """A shape of shift: its length, allowed starts, breaks, days and cost."""

    name: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")
    """Unique name, e.g. "early_8h"."""
    length_minutes: int = Field(ge=60, le=720)
    """From start to end, breaks included [min] (1 to 12 hours)."""
    earliest_start: str = "00:00"
    """First allowed start, 'HH:MM'."""
    latest_start: str = "23:30"
    """Last allowed start, 'HH:MM' (a shift may run past midnight)."""
    start_step_minutes: int = Field(default=30, ge=5, le=1440)
    """Starts lie on this grid from ``earliest_start`` [min]."""
    days: tuple[Weekday, ...] = WEEKDAY_NAMES
    """Weekdays on which the template may start."""
    breaks: tuple[BreakRule, ...] = ()
    """Breaks each shift takes (non-overlapping windows)."""
    hourly_cost: Amount | None = None
    """Cost of one paid hour of this template (an evening premium); none: the workforce's."""
    max_per_day: int | None = Field(default=None, ge=0, le=100_000)
    """Most shifts of this template per day and channel; none: no limit."""
    channels: tuple[str, ...] = ()
    """Channels whose agents may work this template; empty: every channel."""

    @model_validator(mode="after")
    def _consistent(self):
        first = clock_minutes(self.earliest_start, "earliest_start")
        last = clock_minutes(self.latest_start, "latest_start")
        if last < first:
            raise ValueError(
                f"`latest_start` {self.latest_start} is before `earliest_start` "
                f"{self.earliest_start}"
            )
        if not self.days:
            raise ValueError("`days` must name at least one weekday")
        spans = sorted((b.window_start_minutes, b.window_end_minutes) for b in self.breaks)
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            if start < end:
                raise ValueError(
                    f"template {self.name!r}: break windows overlap; give each break its own "
                    "window so no agent takes two breaks at once"
                )
        for b in self.breaks:
            if b.window_end_minutes > self.length_minutes:
                raise ValueError(
                    f"template {self.name!r}: a break window ends at {b.window_end_minutes} "
                    f"min, after the {self.length_minutes}-minute shift"
                )
        if sum(b.minutes for b in self.breaks) >= self.length_minutes:
            raise ValueError(f"template {self.name!r}: the breaks fill the whole shift")
        return self

    @property
    def starts_minutes(self) -> list[int]:
        """Allowed starts [min after midnight]."""
        first = clock_minutes(self.earliest_start, "earliest_start")
        last = clock_minutes(self.latest_start, "latest_start")
        return list(range(first, last + 1, self.start_step_minutes))

    @property
    def paid_minutes(self) -> int:
        """Paid time of one shift [min]: its length less its unpaid breaks."""
        return self.length_minutes - sum(b.minutes for b in self.breaks if not b.paid)


class Contract(StrictModel):
    """A kind of agent (full time, part time): weekly pattern, templates and share of staff."""

    name: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")
    """Unique name, e.g. "full_time"."""
    templates: tuple[ShiftTemplate, ...] = Field(min_length=1)
    """The shifts agents of this contract may work (one a day on)."""
    min_days_per_week: int = Field(default=5, ge=1, le=7)
    """Fewest days on in a week."""
    max_days_per_week: int = Field(default=5, ge=1, le=7)
    """Most days on in a week."""
    weekends: Literal["any", "off", "both_or_neither"] = "any"
    """Saturday and Sunday: any pattern, both always off, or both on or both off."""
    consecutive_days_off: bool = False
    """Whether the days off of a week must be consecutive (Sunday to Monday wraps around)."""
    max_headcount: int | None = Field(default=None, ge=0, le=1_000_000)
    """Most agents of this contract per channel and week; none: no limit."""
    min_share: Fraction | None = None
    """Smallest share of a channel's agents on this contract (0.6: at least 60% full time)."""
    max_share: Fraction | None = None
    """Largest share of a channel's agents on this contract (0.3: at most 30% part time)."""

    @model_validator(mode="after")
    def _consistent(self):
        if self.max_days_per_week < self.min_days_per_week:
            raise ValueError(
                f"contract {self.name!r}: `max_days_per_week` {self.max_days_per_week} is below "
                f"`min_days_per_week` {self.min_days_per_week}"
            )
        if self.weekends == "off" and self.min_days_per_week > 5:
            raise ValueError(
                f"contract {self.name!r}: with weekends off at most 5 days are on, but "
                f"`min_days_per_week` is {self.min_days_per_week}"
            )
        if (
            self.min_share is not None
            and self.max_share is not None
            and self.max_share < self.min_share
        ):
            raise ValueError(f"contract {self.name!r}: `max_share` is below `min_share`")
        names = [t.name for t in self.templates]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"contract {self.name!r}: template names repeat: {', '.join(dupes)}")
        return self


def _break(minutes, paid, start, end) -> BreakRule:
    return BreakRule(minutes=minutes, paid=paid, window_start_minutes=start, window_end_minutes=end)


#: The rules used when a scenario gives none: full-timers work 5 days of 8 paid hours (8.5 h
#: with an unpaid 30-minute meal break between hours 3.5 and 5.5, and a paid 15-minute break
#: before and after it); part-timers work 3 to 5 days of 4 hours (one paid 15-minute break) or
#: 6 hours (a paid 15-minute break and an unpaid 30-minute meal), at most 40% of the agents.
DEFAULT_CONTRACTS = (
    Contract(
        name="full_time",
        min_days_per_week=5,
        max_days_per_week=5,
        templates=(
            ShiftTemplate(
                name="full_8h",
                length_minutes=510,
                breaks=(
                    _break(15, True, 90, 180),
                    _break(30, False, 210, 330),
                    _break(15, True, 360, 480),
                ),
            ),
        ),
    ),
    Contract(
        name="part_time",
        min_days_per_week=3,
        max_days_per_week=5,
        max_share=0.4,
        templates=(
            ShiftTemplate(name="part_4h", length_minutes=240, breaks=(_break(15, True, 60, 180),)),
            ShiftTemplate(
                name="part_6h",
                length_minutes=390,
                breaks=(_break(15, True, 60, 150), _break(30, False, 180, 300)),
            ),
        ),
    ),
)


class ShiftRules(StrictModel):
    """How a channel's agents may be rostered, and how the optimizer builds the roster."""

    contracts: tuple[Contract, ...] = Field(default=DEFAULT_CONTRACTS, min_length=1)
    """Kinds of agent and their shifts (default: full time 5 x 8 h and part time 4 or 6 h)."""
    weekend_premium: float = Field(default=0.0, ge=0, le=3)
    """Extra share of the hourly cost for shifts starting on Saturday or Sunday (0.25: +25%)."""
    breaks_shrinkage: tuple[str, ...] = ("breaks",)
    """Workforce shrinkage components the rostered breaks replace (not counted twice); names
    missing from ``workforce.shrinkage`` are ignored."""
    objective: Literal["cover_intervals", "period_clauses"] = "cover_intervals"
    """cover_intervals: every interval gets its requirement; period_clauses: each clause of the
    channel's target holds per reporting period (some intervals may be short)."""
    mip_rel_gap: float = Field(default=0.01, gt=0, le=0.05)
    """The roster is accepted within this share of the LP-relaxation bound (else the full
    integer program is solved too, to this gap of its own bound)."""
    time_limit_s: float = Field(default=60.0, gt=0, le=3600)
    """Time limit of the solver per week and channel [s] (each stage of the search gets all of
    it until a roster is found, then what is left)."""

    @model_validator(mode="after")
    def _unique(self):
        names = [c.name for c in self.contracts]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"contract names repeat: {', '.join(dupes)}")
        templates = [t.name for c in self.contracts for t in c.templates]
        dupes = sorted({n for n in templates if templates.count(n) > 1})
        if dupes:
            raise ValueError(f"template names repeat across contracts: {', '.join(dupes)}")
        return self


def check_rules(rules: ShiftRules, interval_minutes: int, channel_names) -> None:
    """The rules that depend on the scenario: every length, start grid and break on the
    interval grid, and every template's channels among the scenario's. Raises ``ValueError``
    with the field's path."""
    step = interval_minutes
    for c in rules.contracts:
        for t in c.templates:
            where = f"roster.contracts.{c.name}.templates.{t.name}"
            for field in ("length_minutes", "start_step_minutes"):
                if getattr(t, field) % step:
                    raise ValueError(
                        f"{where}.{field} {getattr(t, field)} is not a multiple of the "
                        f"{step}-minute interval"
                    )
            if clock_minutes(t.earliest_start, "earliest_start") % step:
                raise ValueError(f"{where}.earliest_start {t.earliest_start} is off the grid")
            for j, b in enumerate(t.breaks):
                for field in ("minutes", "window_start_minutes", "window_end_minutes"):
                    if getattr(b, field) % step:
                        raise ValueError(
                            f"{where}.breaks[{j}].{field} {getattr(b, field)} is not a multiple "
                            f"of the {step}-minute interval"
                        )
            unknown = [name for name in t.channels if name not in channel_names]
            if unknown:
                raise ValueError(
                    f"{where}.channels: {', '.join(unknown)} is not a channel; channels are: "
                    f"{', '.join(channel_names)}"
                )
