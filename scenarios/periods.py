"""Reporting periods: labels, weights, exclusions, and KPIs from pooled counts.

The one place that says which reporting period (interval, day, ISO week, month, quarter, year)
an interval belongs to, how many days of it the horizon covers, which intervals a contract
excludes from measurement, and how a period's service level, abandonment and ASA follow from
its counts. Plan totals, the verdict, sweeps, history and the app all use it.

Convention for a period with nothing to measure (no offered contacts, or every interval of it
excluded): its KPIs are NaN, "not measured" -- neither met nor missed, no penalty, no bonus.
``measured`` says which periods count.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import numpy as np

from erlang import ratio_of_counts, service_level_from_counts, sl_denominator

__all__ = [
    "PERIODS",
    "Periods",
    "abandon_rate_from_counts",
    "asa_s_from_counts",
    "excluded_intervals",
    "interval_starts",
    "met",
    "period_label",
    "periods_of",
    "pooled_ratio",
    "ratio_of_counts",
    "service_level_from_counts",
    "sl_denominator",
]

#: Reporting periods, shortest first.
PERIODS = ("interval", "day", "week", "month", "quarter", "year")


def period_label(date: dt.date, period: str) -> str:
    """Label of the ``period`` holding ``date``: ``2026-03-02``, ``2026-W10``, ``2026-03``,
    ``2026-Q1``, ``2026`` (ISO weeks: the ISO year, so 2026-12-31 is in ``2027-W53`` or so).

    >>> [period_label(dt.date(2027, 1, 1), p) for p in ("day", "week", "month", "quarter", "year")]
    ['2027-01-01', '2026-W53', '2027-01', '2027-Q1', '2027']
    """
    if period == "day":
        return date.isoformat()
    if period == "week":
        year, week, _ = date.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{date.year}-{date.month:02d}"
    if period == "quarter":
        return f"{date.year}-Q{(date.month - 1) // 3 + 1}"
    if period == "year":
        return f"{date.year}"
    raise ValueError(f"unknown reporting period {period!r}; one of {', '.join(PERIODS[1:])}")


def _calendar_days(date: dt.date, period: str) -> int:
    """Days in the whole calendar ``period`` holding ``date``."""
    if period == "day":
        return 1
    if period == "week":
        return 7
    if period == "month":
        return calendar.monthrange(date.year, date.month)[1]
    if period == "quarter":
        first = (date.month - 1) // 3 * 3 + 1
        return sum(calendar.monthrange(date.year, m)[1] for m in range(first, first + 3))
    return 366 if calendar.isleap(date.year) else 365


def interval_starts(start_date: dt.date, days: int, interval_minutes: int) -> np.ndarray:
    """Start of every interval of the horizon (``datetime64[m]``)."""
    origin = np.datetime64(start_date, "m")
    per_day = 1440 // interval_minutes
    return origin + np.arange(days * per_day) * np.timedelta64(interval_minutes, "m")


@dataclass(frozen=True)
class Periods:
    """The reporting periods of a horizon, in time order.

    ``labels[p]`` names period ``p``; ``of_day[d]`` / ``of_interval[i]`` give the period of day
    ``d`` / interval ``i``; ``days[p]`` is how many days of the horizon fall in it and
    ``calendar_days[p]`` how many the whole period has (so ``days / calendar_days`` is the share
    of a monthly fee or a yearly figure the horizon covers).
    """

    period: str
    labels: np.ndarray
    of_day: np.ndarray
    of_interval: np.ndarray
    days: np.ndarray
    calendar_days: np.ndarray

    @property
    def size(self) -> int:
        return int(self.labels.size)

    def total(self, per_interval: np.ndarray) -> np.ndarray:
        """Sum of a per-interval array (last axis) over each period: ``[..., period]``."""
        values = np.asarray(per_interval, dtype=float)
        out = np.zeros(values.shape[:-1] + (self.size,))
        np.add.at(out, (..., self.of_interval), values)
        return out

    def total_by_day(self, per_day: np.ndarray) -> np.ndarray:
        """Sum of a per-day array over each period."""
        return np.bincount(self.of_day, weights=np.asarray(per_day, float), minlength=self.size)


def periods_of(start_date: dt.date, days: int, interval_minutes: int, period: str) -> Periods:
    """The ``period`` grouping (see ``PERIODS``) of a horizon of ``days`` days.

    >>> p = periods_of(dt.date(2026, 1, 30), 4, 60, "month")
    >>> p.labels.tolist(), p.days.tolist(), p.calendar_days.tolist()
    (['2026-01', '2026-02'], [2, 2], [31, 28])
    """
    per_day = 1440 // interval_minutes
    if period == "interval":
        starts = interval_starts(start_date, days, interval_minutes).astype(str)
        n = starts.size
        day_of = np.repeat(np.arange(days), per_day)
        return Periods(
            period,
            starts,
            day_of,
            np.arange(n),
            np.full(n, 1.0 / per_day),
            np.full(n, 1.0 / per_day),
        )
    dates = [start_date + dt.timedelta(days=d) for d in range(days)]
    day_labels = [period_label(d, period) for d in dates]
    labels, first, of_day = np.unique(day_labels, return_index=True, return_inverse=True)
    order = np.argsort(first)  # time order, not alphabetical (ISO weeks cross years)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    of_day = rank[of_day.ravel()]
    return Periods(
        period=period,
        labels=labels[order],
        of_day=of_day,
        of_interval=np.repeat(of_day, per_day),
        days=np.bincount(of_day, minlength=order.size),
        calendar_days=np.array([_calendar_days(dates[i], period) for i in first[order]]),
    )


def excluded_intervals(
    start_date: dt.date, days: int, interval_minutes: int, excluded_periods=(), flagged=None
) -> np.ndarray:
    """Which intervals a contract leaves out of measurement: every interval of a day inside
    one of ``excluded_periods`` (objects with ``start_date`` and ``end_date``, inclusive), or
    ``flagged`` (e.g. special periods marked ``excluded_from_sla`` in the demand)."""
    per_day = 1440 // interval_minutes
    dates = np.array([start_date + dt.timedelta(days=d) for d in range(days)])
    out_day = np.zeros(days, dtype=bool)
    for p in excluded_periods:
        out_day |= (dates >= p.start_date) & (dates <= p.end_date)
    out = np.repeat(out_day, per_day)
    if flagged is not None:
        out = out | np.asarray(flagged, dtype=bool)
    return out


def abandon_rate_from_counts(abandoned, offered) -> np.ndarray:
    """Abandoned / offered; NaN (not measured) where nothing was offered."""
    return ratio_of_counts(abandoned, offered)


def asa_s_from_counts(answered_wait_s, answered) -> np.ndarray:
    """Average speed of answer [s]: total wait of answered contacts / answered (NaN: none)."""
    return ratio_of_counts(answered_wait_s, answered)


def met(measured, standard: float, *, higher_is_better: bool = True) -> np.ndarray:
    """Whether each measured period meets ``standard``: True/False, or None where the period
    is not measured (NaN), as an object array."""
    values = np.asarray(measured, dtype=float)
    ok = values >= standard if higher_is_better else values <= standard
    return np.where(np.isnan(values), None, ok).astype(object)


def pooled_ratio(numerator, denominator, confidence: float = 0.95):
    """A ratio pooled over replications (axis 0), with its two-sided ``confidence`` half-width.

    The contacts of one replication share its queue, so they are not independent and a
    binomial interval on the pooled counts would be too narrow. Replications are i.i.d.
    clusters, so the ratio estimator ``R = sum_r a_r / sum_r d_r`` has the delta-method
    variance ``n / (n - 1) * sum_r (a_r - R d_r)^2 / (sum_r d_r)^2`` (Cochran 1977, *Sampling
    Techniques*, 3rd ed., ch. 6, the ratio estimator): the variance of the mean of the
    linearized values ``z_r = (a_r - R d_r) / mean(d)``; the half-width is the t quantile with
    ``n - 1`` degrees of freedom times its standard error (``simulator.t_interval`` of ``z``).
    Returns ``(R, half_width)``; NaN where the denominator is 0 in every replication (not
    measured).

    >>> r, half = pooled_ratio([[8, 1], [9, 1]], [[10, 2], [10, 2]])
    >>> r.tolist(), bool(half[0] > 0), bool(half[1] == 0)
    ([0.85, 0.5], True, True)
    """
    from simulator import t_interval

    a = np.asarray(numerator, dtype=float)
    d = np.asarray(denominator, dtype=float)
    total = d.sum(axis=0)
    measured = total > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.where(measured, a.sum(axis=0) / np.where(measured, total, 1.0), np.nan)
        z = (a - pooled * d) / (total / a.shape[0])
    half = t_interval(np.where(measured, z, 0.0), confidence).half_width
    return pooled, np.where(measured, half, np.nan)
