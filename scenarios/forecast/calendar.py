"""The center's calendar learned from history: open weekdays, opening hours per weekday,
holidays (``holidays`` package) and special days.

An interval is open on a weekday when the history has volume in it on at least one day of
that weekday (intervals with no volume on any such day are closed); a weekday with no volume
in the history is closed. Opening hours run from the first open interval to the end of the
last (the scenario's ``opening_hours`` take one span a day; closed intervals inside the span
get zero volume from the forecast's profile).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..scenario import WEEKDAYS
from .volumes import VolumeHistory


@dataclass(frozen=True)
class OpeningHours:
    """``open`` is 7 x intervals_per_day (Monday first): the intervals open on each weekday."""

    interval_minutes: int
    open: np.ndarray

    @property
    def open_weekdays(self) -> tuple[int, ...]:
        return tuple(int(w) for w in np.flatnonzero(self.open.any(axis=1)))

    def spans(self) -> dict[str, tuple[str, str]]:
        """``{"monday": ("07:00", "21:15"), ...}`` for the open weekdays (scenario format)."""
        out = {}
        for w in self.open_weekdays:
            idx = np.flatnonzero(self.open[w])
            lo, hi = idx[0] * self.interval_minutes, (idx[-1] + 1) * self.interval_minutes
            out[WEEKDAYS[w]] = (f"{lo // 60:02d}:{lo % 60:02d}", f"{hi // 60:02d}:{hi % 60:02d}")
        return out


def learn_opening_hours(history: VolumeHistory) -> OpeningHours:
    """Open intervals per weekday: those with volume on at least one day of that weekday."""
    is_open = np.zeros((7, history.intervals_per_day), dtype=bool)
    for date, row in zip(history.dates, history.volumes, strict=True):
        is_open[date.weekday()] |= row > 0
    return OpeningHours(history.interval_minutes, is_open)


def holidays_between(country: str | None, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    """Public holidays of ``country`` (ISO code, e.g. "US", "DE", "IL") from ``first`` to
    ``last`` inclusive, from the ``holidays`` package; none when ``country`` is None."""
    if not country:
        return {}
    import holidays  # imported here: only a forecast with a country needs it

    try:
        table = holidays.country_holidays(country, years=range(first.year, last.year + 1))
    except NotImplementedError:
        raise ValueError(
            f"`country` {country!r} is not a country code the holidays package knows "
            "(e.g. US, GB, DE, FR, IL)"
        ) from None
    return {d: name for d, name in sorted(table.items()) if first <= d <= last}
