"""Demand -> the interval table: offered contacts per interval and channel.

A day's volume is ``volume_per_day`` x day-of-week factor x monthly factor x compound growth;
an interval gets the day's share given by the intraday profile (the weekday's own, where
``weekday_profiles`` gives one), times the multiplier of any
special period covering it. Voice and chat demand falls only in opening hours (the profile is
renormalized over the open intervals of each day, so ``volume_per_day`` is kept); deferred
contacts (email) arrive around the clock and wait for the opening.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .files import DataDir, csv_rows, read_limited, resolve
from .scenario import WEEKDAYS, Channel, Scenario, _clock_minutes


@dataclass(frozen=True)
class ChannelDemand:
    """Per-interval arrays of one channel (all of length ``n_intervals``)."""

    offered: np.ndarray
    """Forecast contacts offered in the interval."""
    calls_per_hour: np.ndarray
    """The same as a rate [contacts/h]."""
    aht_s: np.ndarray
    """Average handle time [s]."""
    patience_s: np.ndarray | None
    """Mean patience [s] (None: never abandons)."""
    open: np.ndarray
    """Whether the channel is open."""
    excluded: np.ndarray
    """Whether a special period flagged ``excluded_from_sla`` covers the interval."""


@dataclass(frozen=True)
class IntervalTable:
    """The planning grid: interval starts and each channel's demand."""

    start: np.ndarray
    """Interval start times (``datetime64[m]``)."""
    interval_s: float
    channels: dict[str, ChannelDemand]

    @property
    def n_intervals(self) -> int:
        return int(self.start.size)


def _shape(name: str, hour: np.ndarray) -> np.ndarray:
    """Named intraday shapes over the interval midpoints ``hour`` [h of day]."""
    if name == "flat":
        return np.ones_like(hour)
    if name == "business_day":  # one broad hump over office hours
        return np.exp(-0.5 * ((hour - 12.5) / 3.0) ** 2)
    if name == "two_peaks":  # mid-morning peak, smaller mid-afternoon peak
        return np.exp(-0.5 * ((hour - 10.5) / 1.5) ** 2) + 0.8 * np.exp(
            -0.5 * ((hour - 15.0) / 1.7) ** 2
        )
    # evening: consumer lines peaking after work
    return 0.3 * np.exp(-0.5 * ((hour - 12.0) / 3.0) ** 2) + np.exp(
        -0.5 * ((hour - 19.0) / 2.0) ** 2
    )


def open_mask(channel: Channel, dates: list[dt.date], per_day: int) -> np.ndarray:
    """Open intervals, ``len(dates) x per_day``."""
    if channel.opening_hours is None:
        return np.ones((len(dates), per_day), dtype=bool)
    minute = np.arange(per_day) * (24 * 60 // per_day)
    out = np.zeros((len(dates), per_day), dtype=bool)
    for d, date in enumerate(dates):
        hours = channel.opening_hours.get(WEEKDAYS[date.weekday()])
        if hours:
            start, end = (_clock_minutes(h, "opening_hours") for h in hours)
            out[d] = (minute >= start) & (minute < end)
    return out


def _special(periods, dates, per_day):
    """Volume multiplier and SLA-exclusion flag per day x interval."""
    mult = np.ones((len(dates), per_day))
    excluded = np.zeros((len(dates), per_day), dtype=bool)
    minute = np.arange(per_day) * (24 * 60 // per_day)
    for p in periods:
        end = p.end_date or p.start_date
        lo, hi = _clock_minutes(p.start_time, "start_time"), _clock_minutes(p.end_time, "end_time")
        in_time = (minute >= lo) & (minute < hi)
        for d, date in enumerate(dates):
            if p.start_date <= date <= end:
                mult[d, in_time] *= p.multiplier
                excluded[d, in_time] |= p.excluded_from_sla
    return mult, excluded


def _by_weekday(shares: np.ndarray, weekday_profiles, weekday: np.ndarray) -> np.ndarray:
    """Shares per day x interval: a weekday's own profile where ``weekday_profiles`` gives
    one, else ``shares``."""
    out = np.broadcast_to(shares, (weekday.size, shares.size))
    if not weekday_profiles:
        return out
    out = out.copy()
    for day, profile in weekday_profiles.items():
        out[weekday == WEEKDAYS.index(day)] = profile
    return out


def _from_csv(path: Path, scenario: Scenario, what: str) -> np.ndarray:
    """Interval volumes from a CSV (UTF-8, with or without a BOM) with columns ``start`` and
    ``volume`` (a regular file of at most ``files.MAX_DATA_FILE_BYTES``).

    ``start`` is the center's local date and time without an offset (a timestamp with an
    offset or ``Z`` is refused: the scenario has no time zone to convert it to, and dropping
    the offset would shift the volumes). Each interval may appear once (a repeated one is
    refused, never summed); rows outside the horizon are ignored, but a file with no row inside
    it is refused (it would plan zero volume).
    """
    n = scenario.days * scenario.intervals_per_day
    origin = dt.datetime.combine(scenario.start_date, dt.time())
    step = dt.timedelta(minutes=scenario.interval_minutes)
    data = read_limited(path, what)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 text (byte offset {err.start})") from None
    return _read_volumes(
        path, csv_rows(path, csv.reader(io.StringIO(text, newline=""))), n, origin, step
    )


def _read_volumes(path, rows, n, origin, step) -> np.ndarray:
    volumes = np.zeros(n)
    seen = {}  # interval index -> the line that gave it
    count = 0
    header = [h.strip() for h in next(rows, (1, []))[1]]
    missing = {"start", "volume"} - set(header)
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    at = {name: header.index(name) for name in ("start", "volume")}
    minutes = int(step.total_seconds() // 60)
    for line, cells in rows:
        if not cells:
            continue  # a blank line
        count += 1
        row = {k: cells[i] if i < len(cells) else "" for k, i in at.items()}
        try:
            # A short row's missing cells are empty.
            start = dt.datetime.fromisoformat(row["start"].strip())
            volume = float(row["volume"])
        except ValueError:
            raise ValueError(
                f"{path} line {line}: `start` must be an ISO date-time and `volume` a number"
            ) from None
        if start.tzinfo is not None:
            raise ValueError(
                f"{path} line {line}: `start` {row['start'].strip()} has a time-zone offset; "
                "write the center's local time without one"
            )
        if not (volume >= 0 and np.isfinite(volume)):
            raise ValueError(f"{path} line {line}: `volume` must be >= 0, got {volume:g}")
        k, rest = divmod(start - origin, step)
        if rest:
            raise ValueError(f"{path} line {line}: {start} is not on the {minutes}-minute grid")
        if 0 <= k < n:
            if k in seen:
                raise ValueError(
                    f"{path} line {line}: interval {start} already given on line {seen[k]} "
                    "(each interval once)"
                )
            seen[k] = line
            volumes[k] = volume
    if not seen:
        last = origin + n * step - step
        raise ValueError(
            f"{path}: none of its {count} rows falls in the planned horizon "
            f"{origin:%Y-%m-%d %H:%M} .. {last:%Y-%m-%d %H:%M} (check `start_date` and `days`)"
        )
    return volumes


def intraday_means(
    channel: Channel, per_day: int, weekday: int | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Mean handle time and mean patience [s] in each interval of a day: the channel's own,
    replaced in the intervals that start inside one of its every-day ``intraday_bands``, and
    then, on ``weekday`` (Monday 0; None: no particular day), inside the bands naming it."""
    aht = np.full(per_day, channel.aht_s)
    patience = None if channel.patience_s is None else np.full(per_day, channel.patience_s)
    start_minute = np.arange(per_day) * (1440 // per_day)
    day = None if weekday is None else WEEKDAYS[weekday]
    every_day = [b for b in channel.intraday_bands if not b.weekdays]
    own = [b for b in channel.intraday_bands if day is not None and day in b.weekdays]
    for band in every_day + own:
        lo, hi = band.minutes
        inside = (start_minute >= lo) & (start_minute < hi)
        if band.aht_s is not None:
            aht[inside] = band.aht_s
        if band.patience_s is not None:
            patience[inside] = band.patience_s
    return aht, patience


def expand(scenario: Scenario, base_dir: DataDir | Path | None = None) -> IntervalTable:
    """The interval table of ``scenario``; CSV names resolve in ``base_dir`` under the rules of
    ``scenarios.files`` (a plain path or None: absolute names allowed; the app's ``DataDir``:
    only files uploaded with the scenario)."""
    per_day = scenario.intervals_per_day
    dates = [scenario.start_date + dt.timedelta(days=d) for d in range(scenario.days)]
    origin = np.datetime64(scenario.start_date, "m")
    start = origin + np.arange(scenario.days * per_day) * np.timedelta64(
        scenario.interval_minutes, "m"
    )
    hour = (np.arange(per_day) + 0.5) * 24.0 / per_day
    weekday = np.array([d.weekday() for d in dates])
    month = np.array([d.month - 1 for d in dates])
    years = np.arange(scenario.days) / 365.25
    channels = {}
    for ch in scenario.channels:
        dem = ch.demand
        is_open = open_mask(ch, dates, per_day)
        mult, excluded = _special(dem.special_periods, dates, per_day)
        if dem.csv is not None:
            what = f"channel {ch.name}: demand.csv"
            path = resolve(dem.csv, base_dir, what)
            offered = _from_csv(path, scenario, what) * mult.ravel()
        else:
            profile = dem.intraday_profile
            shares = (
                np.asarray(profile, dtype=float)
                if isinstance(profile, tuple)
                else _shape(profile, hour)
            )
            shares = _by_weekday(shares, dem.weekday_profiles, weekday)
            if ch.kind != "deferred":
                shares = shares * is_open
            day_total = shares.sum(axis=1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                shares = np.where(day_total > 0, shares / day_total, 0.0)
            day_volume = (
                dem.volume_per_day
                * np.asarray(dem.day_of_week_factors)[weekday]
                * np.asarray(dem.monthly_factors)[month]
                * (1.0 + dem.growth_per_year) ** years
            )
            offered = (shares * day_volume[:, None] * mult).ravel()
        means = [intraday_means(ch, per_day, w) for w in range(7)]
        aht_s = np.concatenate([means[w][0] for w in weekday])
        patience_s = None
        if ch.patience_s is not None:
            patience_s = np.concatenate([means[w][1] for w in weekday])
        channels[ch.name] = ChannelDemand(
            offered=offered,
            calls_per_hour=offered * 3600.0 / scenario.interval_s,
            aht_s=aht_s,
            patience_s=patience_s,
            open=is_open.ravel(),
            excluded=excluded.ravel(),
        )
    return IntervalTable(start=start, interval_s=scenario.interval_s, channels=channels)
