"""Interval volumes from a user's CSV: which columns hold the time and the volume, finer rows
summed onto the scenario's grid (5 -> 15 or 30 minutes), and rows outside the scenario's
horizon found and reported, never silently dropped. Pure functions (pandas); no Streamlit.

The result is the CSV ``scenarios.demand`` reads (columns ``start``, ``volume``, one row per
grid interval with data), which the scenario names by a plain file name next to it.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pandas as pd

TIME_NAMES = ("start", "time", "timestamp", "datetime", "interval", "date", "period")
VOLUME_NAMES = ("volume", "offered", "calls", "contacts", "count", "n")
#: A time of day followed by a time-zone offset or ``Z`` ("08:00+01:00", "08:00:00Z").
_OFFSET = r"\d\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:[zZ]|[+-]\d\d(?::?\d\d)?)\s*$"


def read_table(data: bytes, name: str) -> pd.DataFrame:
    """The rows of an uploaded CSV (comma, semicolon or tab separated); ``ValueError`` naming the
    file when it cannot be read."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"{name}: not UTF-8 text (byte offset {err.start})") from None
    header = text.split("\n", 1)[0]
    # The separator from the header line (pandas' sniffer picks letters of a lone column name).
    sep = next((c for c in (",", ";", "\t") if c in header), ",")
    try:
        table = pd.read_csv(io.StringIO(text), sep=sep)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as err:
        raise ValueError(f"{name}: not a readable CSV file ({err})") from None
    if table.empty or len(table.columns) < 2:
        raise ValueError(f"{name}: needs at least two columns (a time and a volume) and a row")
    return table


def guess_columns(columns) -> tuple[str, str]:
    """The likeliest time and volume columns by name (the user confirms or changes them)."""
    cols = [str(c) for c in columns]
    low = [c.strip().lower() for c in cols]

    def pick(names, default):
        for n in names:
            if n in low:
                return cols[low.index(n)]
        return default

    time = pick(TIME_NAMES, cols[0])
    volume = pick(VOLUME_NAMES, next((c for c in cols if c != time), cols[-1]))
    return time, volume


@dataclass(frozen=True)
class GridVolumes:
    """Volumes per grid interval: ``volumes`` indexed by interval start; ``step_minutes`` is the
    file's own row spacing; ``inside``/``outside`` count grid intervals within or outside the
    horizon ``[first_day, last_day]``; ``notes`` say what was done (aggregation)."""

    volumes: pd.Series
    step_minutes: int
    interval_minutes: int
    notes: tuple[str, ...]

    def outside(self, start_date: dt.date, days: int) -> pd.Series:
        """The intervals outside the horizon of ``days`` days from ``start_date``."""
        begin = pd.Timestamp(start_date)
        end = begin + pd.Timedelta(days=days)
        index = self.volumes.index
        return self.volumes[(index < begin) | (index >= end)]

    def trimmed(self, start_date: dt.date, days: int) -> pd.Series:
        """Only the intervals inside the horizon."""
        drop = self.outside(start_date, days).index
        return self.volumes.drop(drop)

    def span(self) -> tuple[dt.date, int]:
        """The first day of the data and the number of days it covers (to shift the horizon)."""
        first = self.volumes.index.min().date()
        last = self.volumes.index.max().date()
        return first, (last - first).days + 1


def to_grid(table: pd.DataFrame, time_col: str, volume_col: str, interval_minutes: int, name: str):
    """The table's volumes summed per ``interval_minutes`` grid interval (``GridVolumes``).

    Rows finer than the grid (5-minute rows on a 15-minute grid) are summed into it; rows
    coarser than the grid cannot be split without inventing a curve and are refused, as are
    times that are not dates or carry a time-zone offset, a time given twice, volumes that are
    not numbers >= 0, and spacings that do not divide the grid (7 minutes on a 15-minute
    grid). Messages name the file, the column and the first offending row (1-based, after the
    header).
    """
    if time_col == volume_col:
        raise ValueError(f"{name}: the time and the volume must be different columns")
    # As the scenario's own volume CSVs (scenarios.demand): local times without an offset (the
    # scenario has no time zone to convert to; dropping it would shift the volumes).
    offset = table[time_col].astype(str).str.contains(_OFFSET)
    if offset.any():
        row = int(offset.to_numpy().argmax()) + 2
        raise ValueError(
            f"{name} line {row}: column `{time_col}` has a time-zone offset "
            f"({table[time_col].iloc[row - 2]!r}); write the center's local time without one"
        )
    times = pd.to_datetime(table[time_col], errors="coerce")
    bad = times.isna()
    if bad.any():
        row = int(bad.to_numpy().argmax()) + 2
        raise ValueError(
            f"{name} line {row}: column `{time_col}` must hold a date and time "
            f"(e.g. 2027-01-04 08:15), got {table[time_col].iloc[row - 2]!r}"
        )
    volumes = pd.to_numeric(table[volume_col], errors="coerce")
    bad = volumes.isna() | (volumes < 0)
    if bad.any():
        row = int(bad.to_numpy().argmax()) + 2
        raise ValueError(
            f"{name} line {row}: column `{volume_col}` must hold a number of contacts >= 0, "
            f"got {table[volume_col].iloc[row - 2]!r}"
        )
    repeated = times.duplicated()
    if repeated.any():  # each interval once, as in scenarios.demand (never summed)
        row = int(repeated.to_numpy().argmax())
        first = int((times == times.iloc[row]).to_numpy().argmax())
        raise ValueError(
            f"{name} line {row + 2}: {times.iloc[row]} already given on line {first + 2} "
            "(each time once)"
        )
    ordered = times.sort_values()
    gaps = ordered.diff().dropna()
    gaps = gaps[gaps > pd.Timedelta(0)]
    step = int(gaps.min().total_seconds() // 60) if len(gaps) else interval_minutes
    if step <= 0 or (gaps.min().total_seconds() % 60 if len(gaps) else 0):
        raise ValueError(f"{name}: rows must be whole minutes apart")
    if step > interval_minutes:
        raise ValueError(
            f"{name}: rows are {step} minutes apart, coarser than the scenario's "
            f"{interval_minutes}-minute intervals; set interval_minutes to {step} (if 15, 30 or "
            "60) or upload finer rows"
        )
    if interval_minutes % step:
        raise ValueError(
            f"{name}: rows are {step} minutes apart, which does not divide the scenario's "
            f"{interval_minutes}-minute intervals"
        )
    floored = times.dt.floor(f"{interval_minutes}min")
    off_grid = (times != floored) & (step == interval_minutes)
    if off_grid.any():
        row = int(off_grid.to_numpy().argmax()) + 2
        raise ValueError(
            f"{name} line {row}: {times.iloc[row - 2]} does not start a "
            f"{interval_minutes}-minute interval"
        )
    summed = volumes.groupby(floored).sum().sort_index()
    summed.index.name = "start"
    notes = []
    if step < interval_minutes:
        notes.append(
            f"{len(table)} rows of {step} minutes summed into {len(summed)} intervals of "
            f"{interval_minutes} minutes"
        )
    return GridVolumes(summed, step, interval_minutes, tuple(notes))


def to_csv_bytes(volumes: pd.Series) -> bytes:
    """The CSV ``scenarios.demand`` reads: ``start`` (ISO date-time), ``volume``."""
    lines = ["start,volume"]
    lines += [f"{t.isoformat()},{v:g}" for t, v in volumes.items()]
    return ("\n".join(lines) + "\n").encode()
