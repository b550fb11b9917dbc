"""From a volume history to a forecast: calendar, backtest, choice of model, volumes per
interval with 80% prediction intervals, and the forecast error for the scenario.

Steps (each in its own module): learn the opening hours per weekday (``calendar``); lay the
history on the grid of open days, holidays and special days left out of the fit; backtest
every candidate (``models``) from rolling origins (``backtest``) and keep the one with the
lowest daily WAPE (and its best intraday profile); refit it on the whole history; forecast
each open day of the horizon, times the holiday or special-day factor; prediction intervals
and error CVs from the backtest residuals (``errors``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .backtest import Backtest, interval_bounds, rolling_origin
from .calendar import OpeningHours, holidays_between, learn_opening_hours
from .models import DAILY_MODELS, predict, weekday_of
from .volumes import VolumeHistory

#: Planning intervals a forecast may have [min] (the scenario's ``interval_minutes``).
PLANNING_INTERVALS_MIN = (15, 30, 60)
MAX_HORIZON_DAYS = 366


@dataclass(frozen=True)
class SpecialDay:
    """A day of the horizon whose forecast is multiplied (a holiday, a campaign)."""

    date: dt.date
    label: str
    factor: float


@dataclass(frozen=True)
class Forecast:
    """Volumes per interval over the horizon (``dates`` x intervals), 80% bounds, day totals,
    the learned opening hours, the backtest and its error CVs, and the history it came from
    (at the planning interval) for plots."""

    channel: str
    interval_minutes: int
    dates: tuple[dt.date, ...]
    volumes: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    day_lower: np.ndarray
    day_upper: np.ndarray
    opening: OpeningHours
    backtest: Backtest
    special_days: tuple[SpecialDay, ...]
    history: VolumeHistory
    notes: tuple[str, ...]

    @property
    def daily(self) -> np.ndarray:
        return self.volumes.sum(axis=1)

    @property
    def starts(self) -> np.ndarray:
        """Interval starts (``datetime64[m]``), row by row."""
        origin = np.datetime64(self.dates[0], "m")
        n = len(self.dates) * self.volumes.shape[1]
        return origin + np.arange(n) * np.timedelta64(self.interval_minutes, "m")

    def to_dict(self) -> dict:
        return {
            "channel": self.channel,
            "interval_minutes": self.interval_minutes,
            "start_date": self.dates[0].isoformat(),
            "days": len(self.dates),
            "history": {
                "source": self.history.source,
                "first_day": self.history.dates[0].isoformat(),
                "last_day": self.history.dates[-1].isoformat(),
                "days_covered": len(self.history.dates),
            },
            "opening_hours": {k: list(v) for k, v in self.opening.spans().items()},
            "daily": [
                {
                    "date": d.isoformat(),
                    "volume": float(v),
                    "lower_80": float(lo),
                    "upper_80": float(hi),
                }
                for d, v, lo, hi in zip(
                    self.dates, self.daily, self.day_lower, self.day_upper, strict=True
                )
            ],
            "special_days": [
                {"date": s.date.isoformat(), "label": s.label, "factor": s.factor}
                for s in self.special_days
            ],
            "backtest": self.backtest.to_dict(),
            "forecast_error": {
                "day_volume_cv": self.backtest.day_volume_cv,
                "interval_volume_cv": self.backtest.interval_volume_cv,
            },
            "notes": list(self.notes),
        }


def parse_horizon(text: str | int) -> int:
    """Days of a horizon given in days or weeks.

    >>> parse_horizon("8w"), parse_horizon("30d"), parse_horizon(14)
    (56, 30, 14)
    """
    shown = str(text).strip().lower()
    unit = 7 if shown.endswith("w") else 1
    try:
        days = int(shown.rstrip("wd")) * unit
    except ValueError:
        raise ValueError(
            f"`horizon` must be days or weeks such as '56d' or '8w', got {text!r}"
        ) from None
    if not 1 <= days <= MAX_HORIZON_DAYS:
        raise ValueError(f"`horizon` must be 1 to {MAX_HORIZON_DAYS} days, got {days}")
    return days


def _grid(first: dt.date, last: dt.date, open_weekdays) -> list[dt.date]:
    """The open weekdays from ``first`` to ``last`` inclusive."""
    all_days = (first + dt.timedelta(days=k) for k in range((last - first).days + 1))
    return [d for d in all_days if d.weekday() in open_weekdays]


def _history_grid(hist: VolumeHistory, open_weekdays, left_out_days):
    """The history on the grid of open days: ``(grid dates, day totals, volumes, notes)``,
    NaN where a day is missing (a gap) or left out of the fit (a holiday, a special day)."""
    grid = _grid(hist.dates[0], hist.dates[-1], open_weekdays)
    row_of = {d: i for i, d in enumerate(hist.dates)}
    volumes = np.full((len(grid), hist.intervals_per_day), np.nan)
    left_out = []
    for g, d in enumerate(grid):
        if d in row_of and d in left_out_days:
            left_out.append(d)
        elif d in row_of:
            volumes[g] = hist.volumes[row_of[d]]
    notes = []
    gaps = sum(1 for d in grid if d not in row_of)
    if gaps:
        notes.append(f"{gaps} open weekday(s) missing from the history: gaps, not zero days")
    if left_out:
        notes.append(
            "left out of the fit (holiday or special day): "
            + ", ".join(d.isoformat() for d in left_out)
        )
    off_grid = sum(1 for d in hist.dates if d.weekday() not in open_weekdays)
    if off_grid:
        notes.append(f"{off_grid} day(s) on closed weekdays had no volume and were ignored")
    return grid, volumes.sum(axis=1), volumes, notes


def forecast(
    history: VolumeHistory,
    horizon_days: int,
    *,
    interval_minutes: int = 15,
    start: dt.date | None = None,
    country: str | None = None,
    holiday_factor: float | None = None,
    special_days: Mapping[dt.date, float] | None = None,
    candidates=None,
    backtest_horizon_days: int | None = None,
) -> Forecast:
    """Forecast ``history`` over ``horizon_days`` calendar days from ``start``.

    Parameters
    ----------
    history : VolumeHistory
        Offered contacts per interval on the covered days.
    horizon_days : int
        Calendar days to forecast, 1 .. 366, from ``start`` (default: the first open day
        after the history).
    interval_minutes : {15, 30, 60}
        Planning interval [min]; a multiple of the history's.
    country : str, optional
        ISO country code for public holidays (``holidays`` package): left out of the fit; in
        the horizon multiplied by ``holiday_factor``.
    holiday_factor : float, optional
        Volume on a holiday / an ordinary day of that weekday. Default: learned from the
        history's holidays that had volume (sum actual / sum forecast), else 0 (closed, as
        holidays missing from the history were).
    special_days : mapping date -> factor, optional
        Days left out of the fit; in the horizon their forecast is multiplied by the factor.
    candidates : sequence of (daily model, profile), optional
        Default: every daily model with the ``weekday`` and ``pooled`` profiles, plus
        seasonal naive with last week's profile (the baseline).
    backtest_horizon_days : int, optional
        Open days each backtest origin forecasts (default: one week of open days; with half a
        year of history or more, the horizon's open days up to four weeks).
    """
    if interval_minutes not in PLANNING_INTERVALS_MIN:
        raise ValueError(
            f"`interval_minutes` must be one of {PLANNING_INTERVALS_MIN}, got {interval_minutes}"
        )
    if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        raise ValueError(f"`horizon_days` must be 1 to {MAX_HORIZON_DAYS}, got {horizon_days}")
    if holiday_factor is not None and not 0 <= holiday_factor <= 100:
        raise ValueError(f"`holiday_factor` must be in [0, 100], got {holiday_factor}")
    special_days = dict(special_days or {})
    for day, factor in special_days.items():
        if not 0 <= factor <= 100:
            raise ValueError(f"special day {day}: the factor must be in [0, 100], got {factor}")
    hist = history.aggregate(interval_minutes)
    opening = learn_opening_hours(hist)
    open_weekdays = opening.open_weekdays
    if not open_weekdays:
        raise ValueError(f"{hist.source}: the history has no volume on any day")
    period = len(open_weekdays)
    if start is None:  # the first open day after the history (a plan starting on a closed
        # Saturday shows an empty first day)
        start = hist.dates[-1] + dt.timedelta(days=1)
        while start.weekday() not in open_weekdays:
            start += dt.timedelta(days=1)
    if start <= hist.dates[-1]:
        raise ValueError(f"`start` {start} must be after the history's last day {hist.dates[-1]}")
    end = start + dt.timedelta(days=horizon_days - 1)
    hol = holidays_between(country, hist.dates[0], end)

    grid, y, volumes, notes = _history_grid(hist, open_weekdays, set(hol) | set(special_days))
    per_day = hist.intervals_per_day
    row_of = {d: i for i, d in enumerate(hist.dates)}

    def open_of(train_volumes, targets):
        seen = ~np.isnan(train_volumes[:, 0])
        mask = np.zeros((7, per_day), dtype=bool)
        for g in np.flatnonzero(seen):
            mask[grid[g].weekday()] |= train_volumes[g] > 0
        return mask[weekday_of(targets, grid[0].weekday(), open_weekdays)]

    if candidates is None:
        candidates = [(m, p) for m in DAILY_MODELS for p in ("weekday", "pooled")]
        candidates.append(("seasonal_naive", "last_week"))
    extended = _grid(hist.dates[0], end, open_weekdays)
    week_of_year = np.array([d.isocalendar()[1] for d in extended])
    if backtest_horizon_days is None:
        # A week ahead on short histories (origins are scarce); on half a year or more, as far
        # ahead as the forecast reaches, up to four weeks.
        horizon_open = sum(1 for d in extended if d >= start)
        long = len(grid) >= 26 * period
        backtest_horizon_days = max(min(horizon_open, 4 * period), period) if long else period
    bt = rolling_origin(
        y, volumes, period, open_of, candidates, backtest_horizon_days, week_of_year
    )
    notes.append(
        f"chosen by a rolling-origin backtest ({bt.origins} origins, {bt.pairs} days scored, "
        f"{bt.horizon_days} open days ahead): {bt.chosen.name}, interval WAPE "
        f"{bt.chosen.interval_wape:.1%} vs seasonal naive {bt.baseline.interval_wape:.1%}; "
        f"daily WAPE {bt.chosen.daily_wape:.1%} vs {bt.baseline.daily_wape:.1%}"
    )

    # The horizon: its open days continue the grid.
    dates = tuple(start + dt.timedelta(days=k) for k in range(horizon_days))
    first_future = next(g for g, d in enumerate(extended) if d >= start)
    future = extended[first_future:]
    steps = np.arange(first_future, len(extended)) - (len(grid) - 1)
    masks = opening.open[[d.weekday() for d in future]]
    day_fc, int_fc = predict(
        bt.chosen.daily_model,
        bt.chosen.profile,
        y,
        volumes,
        steps,
        period,
        masks,
        week_of_year=week_of_year,
    )
    factors = np.ones(len(future))
    specials = []
    if hol:
        factor = holiday_factor
        if factor is None:
            factor = _learned_holiday_factor(
                bt, y, volumes, hist, grid, hol, period, opening, week_of_year
            )
            notes.append(
                f"holidays ({country}): factor {factor:.2f} "
                + (
                    "learned from the history's holidays"
                    if any(d in row_of for d in hol)
                    else "(closed: the history has no volume on its holidays)"
                )
            )
        for k, d in enumerate(future):
            if d in hol:
                factors[k] = factor
                specials.append(SpecialDay(d, hol[d], factor))
    for k, d in enumerate(future):
        if d in special_days:
            factors[k] *= special_days[d]
            specials.append(SpecialDay(d, "special day", special_days[d]))
    day_fc, int_fc = day_fc * factors, int_fc * factors[:, None]
    (d_lo, d_hi), (i_lo, i_hi) = interval_bounds(
        day_fc, int_fc, bt.day_volume_cv, bt.interval_volume_cv
    )
    out = {k: np.zeros((horizon_days, per_day)) for k in ("v", "lo", "hi")}
    day_out = {k: np.zeros(horizon_days) for k in ("lo", "hi")}
    for k, d in enumerate(future):
        i = (d - start).days
        out["v"][i], out["lo"][i], out["hi"][i] = int_fc[k], i_lo[k], i_hi[k]
        day_out["lo"][i], day_out["hi"][i] = d_lo[k], d_hi[k]
    notes.append(
        f"forecast error measured at 1 to {bt.horizon_days} open days ahead; a horizon of "
        f"{horizon_days} days reaches further, where errors are likely larger"
    )
    return Forecast(
        channel=hist.channel,
        interval_minutes=interval_minutes,
        dates=dates,
        volumes=out["v"],
        lower=out["lo"],
        upper=out["hi"],
        day_lower=day_out["lo"],
        day_upper=day_out["hi"],
        opening=opening,
        backtest=bt,
        special_days=tuple(sorted(specials, key=lambda s: s.date)),
        history=hist,
        notes=tuple(notes),
    )


def _learned_holiday_factor(
    bt, y, volumes, hist, grid, hol, period, opening, week_of_year
) -> float:
    """Sum of actual / sum of forecast over the history's holidays with volume (forecast by
    the chosen model from the days before each); 0 when the history has none."""
    row_of = {d: i for i, d in enumerate(hist.dates)}
    actual = forecast_sum = 0.0
    for g, d in enumerate(grid):
        if d in hol and d in row_of and g >= period:
            day, _ = predict(
                bt.chosen.daily_model,
                bt.chosen.profile,
                y[:g],
                volumes[:g],
                np.array([1]),
                period,
                opening.open[[d.weekday()]],
                week_of_year=week_of_year,
            )
            actual += float(hist.volumes[row_of[d]].sum())
            forecast_sum += float(day[0])
    return actual / forecast_sum if forecast_sum > 0 else 0.0
