"""Interval volume history: offered contacts per interval on the days the history covers.

Read from a volume CSV (``start``/``volume`` as in a scenario's ``demand.csv``, or the
``DateTime``/``Calls`` layout of the bundled ``bank_calls`` file; an optional ``channel``
column holds several channels), or aggregated from imported call records
(``scenarios.history.records.CallRecords``: a call counts in the interval of its offer).

A day with no row (or, for call records, no call) is a **gap**, not a zero day: the history
keeps only the days it covers (``dates``), so weekends missing from a weekday-only file or two
non-contiguous months never become empty days. Inside a covered day an interval without a row
has volume 0 (closed, or no calls).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..files import csv_rows, read_limited
from ..scenario import FIRST_YEAR, LAST_YEAR

#: Interval lengths a history may have [min] (each divides the day).
HISTORY_INTERVALS_MIN = (5, 10, 15, 30, 60)
#: Accepted header names (lower case) of the time, volume and channel columns.
TIME_COLUMNS = ("start", "datetime", "date_time", "timestamp", "interval_start", "time")
VOLUME_COLUMNS = ("volume", "calls", "offered", "contacts", "count")
CHANNEL_COLUMNS = ("channel", "queue", "skill")
#: Largest volume of one interval (a scenario's day volume is capped at 10,000,000 too).
MAX_INTERVAL_VOLUME = 10_000_000
#: Longest history [days] (ten years, as for call records).
MAX_HISTORY_DAYS = 3653


@dataclass(frozen=True)
class VolumeHistory:
    """Offered contacts of one channel per interval, one row per covered day.

    ``dates`` are the covered days (ascending, gaps left out); ``volumes`` is
    ``len(dates) x intervals_per_day`` [contacts per interval]; ``interval_minutes`` the
    interval length [min]; ``source`` where it came from.
    """

    channel: str
    interval_minutes: int
    dates: tuple[dt.date, ...]
    volumes: np.ndarray
    source: str = ""

    @property
    def intervals_per_day(self) -> int:
        return 1440 // self.interval_minutes

    @property
    def daily(self) -> np.ndarray:
        """Contacts per covered day."""
        return self.volumes.sum(axis=1)

    def aggregate(self, interval_minutes: int) -> VolumeHistory:
        """The same history in longer intervals (a multiple of the current length)."""
        if interval_minutes == self.interval_minutes:
            return self
        k, rest = divmod(interval_minutes, self.interval_minutes)
        if rest or k < 1 or 1440 % interval_minutes:
            raise ValueError(
                f"`interval_minutes` {interval_minutes}: the history has "
                f"{self.interval_minutes}-minute intervals; forecast in a multiple of them "
                "that divides the day (--interval-minutes 60 for hourly volumes)"
            )
        summed = self.volumes.reshape(len(self.dates), -1, k).sum(axis=2)
        return VolumeHistory(self.channel, interval_minutes, self.dates, summed, self.source)


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    lower = [h.strip().lower() for h in header]
    return next((lower.index(n) for n in names if n in lower), None)


def _parse_start(text: str, where: str) -> dt.datetime:
    """A local date-time. A ``Z`` or ``+hh:mm`` suffix is dropped and the clock time kept: call
    center exports label local clocks as UTC (the bundled ``bank_calls`` runs 07:00-21:00 "Z"),
    and the planner has no time zone to convert to."""
    try:
        stamp = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{where}: the time column must be an ISO date-time (2003-03-03T07:00), "
            f"got {text.strip()[:40]!r}"
        ) from None
    return stamp.replace(tzinfo=None)


def read_volume_history(path) -> dict[str, VolumeHistory]:
    """Volume histories by channel from a CSV (UTF-8, header row, comma separated).

    Columns: a time (``start``, ``DateTime``, ...: the interval's local start), a volume
    (``volume``, ``Calls``, ...: contacts in the interval, >= 0) and optionally a channel
    (``channel``; without it the one channel is ``voice``). The interval length is the
    smallest step between starts on one day (5, 10, 15, 30 or 60 minutes); every start must
    lie on that grid, and each (channel, interval) may appear once.

    Raises
    ------
    ValueError
        Naming the file, the line and the column at fault.
    """
    path = Path(path)
    try:
        text = read_limited(path, "volume history").decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{path}: not UTF-8 text (byte offset {err.start}); export the sheet as CSV"
        ) from None
    rows = csv_rows(path, csv.reader(io.StringIO(text, newline="")))
    header = next(rows, (1, []))[1]
    t_col, v_col = _column(header, TIME_COLUMNS), _column(header, VOLUME_COLUMNS)
    c_col = _column(header, CHANNEL_COLUMNS)
    if t_col is None or v_col is None:
        raise ValueError(
            f"{path}: needs a time column ({', '.join(TIME_COLUMNS)}) and a volume column "
            f"({', '.join(VOLUME_COLUMNS)}); the header is {', '.join(header)[:120]!r}"
        )
    stamps: dict[str, list[tuple[dt.datetime, float, int]]] = {}
    for line, cells in rows:
        if not cells or not any(c.strip() for c in cells):
            continue
        where = f"{path} line {line}"
        if max(t_col, v_col, c_col or 0) >= len(cells):
            raise ValueError(f"{where}: has {len(cells)} cells, the header {len(header)}")
        start = _parse_start(cells[t_col], where)
        try:
            volume = float(cells[v_col])
        except ValueError:
            raise ValueError(
                f"{where}: column {header[v_col]!r} must be a number, got {cells[v_col]!r}"
            ) from None
        if not (np.isfinite(volume) and 0 <= volume <= MAX_INTERVAL_VOLUME):
            raise ValueError(
                f"{where}: column {header[v_col]!r} must be from 0 to {MAX_INTERVAL_VOLUME:,}, "
                f"got {volume:g}"
            )
        if not FIRST_YEAR <= start.year <= LAST_YEAR:
            raise ValueError(
                f"{where}: {start:%Y-%m-%d} is outside the years {FIRST_YEAR} .. {LAST_YEAR}"
            )
        channel = cells[c_col].strip() if c_col is not None else "voice"
        stamps.setdefault(channel or "voice", []).append((start, volume, line))
    if not stamps:
        raise ValueError(f"{path}: no data rows")
    days = [r[0].date() for rows_ in stamps.values() for r in rows_]
    span = (max(days) - min(days)).days + 1
    if span > MAX_HISTORY_DAYS:
        raise ValueError(
            f"{path}: the rows span {span:,} days ({min(days)} .. {max(days)}); at most "
            f"{MAX_HISTORY_DAYS:,} (ten years) can be forecast from"
        )
    return {ch: _to_history(ch, rows_, path) for ch, rows_ in sorted(stamps.items())}


def _step_minutes(starts: list[dt.datetime], path) -> int:
    minutes = sorted({s.hour * 60 + s.minute for s in starts})
    steps = np.diff(minutes) if len(minutes) > 1 else np.array([60])
    step = int(np.gcd.reduce(np.append(steps, 1440)))
    if step not in HISTORY_INTERVALS_MIN:
        if step < 5:
            step = 5  # reported below as a start off the grid
        else:
            step = max(m for m in HISTORY_INTERVALS_MIN if step % m == 0)
    return step


def _to_history(channel: str, rows: list, path) -> VolumeHistory:
    step = _step_minutes([r[0] for r in rows], path)
    dates = sorted({r[0].date() for r in rows})
    day_index = {d: i for i, d in enumerate(dates)}
    volumes = np.zeros((len(dates), 1440 // step))
    seen: dict[tuple[int, int], int] = {}
    for start, volume, line in rows:
        minute = start.hour * 60 + start.minute
        if minute % step or start.second or start.microsecond:
            raise ValueError(
                f"{path} line {line}: {start} is not on the {step}-minute grid of the file"
            )
        key = (day_index[start.date()], minute // step)
        if key in seen:
            raise ValueError(
                f"{path} line {line}: channel {channel!r} interval {start} already given on "
                f"line {seen[key]} (each interval once)"
            )
        seen[key] = line
        volumes[key] = volume
    return VolumeHistory(channel, step, tuple(dates), volumes, str(path))


def from_call_records(calls, interval_minutes: int = 15, channel: str = "voice") -> VolumeHistory:
    """Offered calls per interval from imported call records (``CallRecords``): each call in
    the interval of its offer (``offered_at_s``); days without a call are gaps."""
    if interval_minutes not in HISTORY_INTERVALS_MIN:
        raise ValueError(
            f"`interval_minutes` must be one of {HISTORY_INTERVALS_MIN}, got {interval_minutes}"
        )
    per_day = 1440 // interval_minutes
    day = (calls.offered_at_s // 86_400).astype(np.int64)
    slot = ((calls.offered_at_s % 86_400) // (interval_minutes * 60)).astype(np.int64)
    covered = np.unique(day)
    volumes = np.zeros((covered.size, per_day))
    np.add.at(volumes, (np.searchsorted(covered, day), slot), 1.0)
    dates = tuple(calls.origin + dt.timedelta(days=int(d)) for d in covered)
    return VolumeHistory(channel, interval_minutes, dates, volumes, calls.report.source)
