"""Daily volume models and intraday profiles, on the grid of open days.

The **grid** is the sequence of open weekdays (``OpeningHours.open_weekdays``) from the first
day of the history on; a week is ``period`` consecutive grid positions, so "the same weekday
last week" is ``period`` positions back even across closed weekends. A grid day the model must
not learn from (a gap in the history, a holiday, a special day) is NaN.

Daily models map the training values ``y`` (grid positions 0 .. n-1) to forecasts at the
positions ``n - 1 + steps``:

* ``naive``: the last observed day;
* ``seasonal_naive``: the same weekday last week (the last observed one);
* ``weekday_mean``: the mean of the same weekday over the last ``WEEKDAY_MEAN_WEEKS`` weeks;
* ``ets`` / ``ets_damped``: Holt-Winters exponential smoothing with a multiplicative weekly
  season, without trend / with a damped additive trend (statsmodels
  ``ExponentialSmoothing``; Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*,
  3rd ed., section 8.3), fitted by maximum likelihood on the last ``FIT_WEEKS`` weeks of the
  grid with NaN days filled by the weekday's mean;
* ``ets_yearly`` (histories of two years or more): ``ets_damped`` on the volumes divided by a
  yearly index per ISO week, the index estimated by ratio to moving averages (a one-week
  moving average over a centred one-year moving average, averaged per week of the year over
  the years; classical decomposition, Hyndman & Athanasopoulos section 3.4), the forecast
  multiplied back by the target week's index.

An interval's forecast is the day's forecast times the **intraday profile** (share of the day
in each interval): ``weekday`` pools the same weekday's training days (sum of interval volumes
over sum of day volumes, the last ``PROFILE_WEEKS`` weeks), ``pooled`` pools every open day
(restricted to the weekday's open intervals), ``last_week`` is the shape of the same weekday
last week (the seasonal-naive interval forecast).
"""

from __future__ import annotations

import warnings

import numpy as np

WEEKDAY_MEAN_WEEKS = 4
PROFILE_WEEKS = 8
FIT_WEEKS = 26
DAILY_MODELS = ("naive", "seasonal_naive", "weekday_mean", "ets", "ets_damped", "ets_yearly")
#: Open-day weeks a year has on the grid (the yearly moving average's window).
WEEKS_PER_YEAR = 52
PROFILES = ("weekday", "pooled", "last_week")


def _same_weekday_back(y: np.ndarray, target: int, period: int, count: int) -> np.ndarray:
    """The last ``count`` observed values at positions ``target - k * period`` inside ``y``."""
    weeks_back = -(-(target - y.size + 1) // period)  # ceil: the first week inside y
    first = target - period * max(weeks_back, 1)
    positions = np.arange(first, -1, -period)
    values = y[positions[positions < y.size]]
    return values[~np.isnan(values)][:count]


def _weekday_filled(y: np.ndarray, period: int) -> np.ndarray:
    filled = y.copy()
    overall = np.nanmean(y)
    for w in range(period):
        same = y[w::period]
        mean = np.nanmean(same) if np.any(~np.isnan(same)) else overall
        filled[w::period] = np.where(np.isnan(same), mean, same)
    return filled


def ets_forecast(y: np.ndarray, steps: np.ndarray, period: int, damped: bool) -> np.ndarray:
    """Holt-Winters (statsmodels) forecasts ``steps`` grid days ahead of ``y``."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    filled = _weekday_filled(y, period)[-FIT_WEEKS * period :]
    seasonal = "mul" if period > 1 and filled.min() > 0 else ("add" if period > 1 else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on short series
        fit = ExponentialSmoothing(
            filled,
            trend="add" if damped else None,
            damped_trend=damped,
            seasonal=seasonal,
            seasonal_periods=period if seasonal else None,
            # Initial states estimated with the smoothing parameters on short series; from a
            # classical decomposition of the first cycles on long ones (4 parameters to fit,
            # not 4 + 2 + period: ten times faster).
            initialization_method="heuristic" if filled.size >= 10 * period else "estimated",
        ).fit()
        forecast = np.asarray(fit.forecast(int(steps.max())))
    return np.maximum(forecast[steps - 1], 0.0)


def _moving_average(x: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average (a 2 x m average for even ``window``); NaN where incomplete."""
    weights = np.ones(window + 1 - window % 2)
    if window % 2 == 0:
        weights[[0, -1]] = 0.5
    weights /= weights.sum()
    out = np.full(x.size, np.nan)
    half = weights.size // 2
    if x.size >= weights.size:
        out[half : x.size - half] = np.convolve(x, weights, mode="valid")
    return out


def yearly_index(y: np.ndarray, week_of_year: np.ndarray, period: int) -> np.ndarray:
    """Yearly factor per ISO week (index 1 .. 53, mean 1) by ratio to moving averages."""
    filled = _weekday_filled(y, period)
    ratio = _moving_average(filled, period) / _moving_average(filled, period * WEEKS_PER_YEAR)
    index = np.ones(54)
    weeks = week_of_year[: y.size]
    for w in range(1, 54):
        values = ratio[(weeks == w) & ~np.isnan(ratio)]
        index[w] = values.mean() if values.size else np.nan
    known = ~np.isnan(index[1:])
    if not known.any():
        return np.ones(54)
    index[1:] = np.interp(np.arange(53), np.flatnonzero(known), index[1:][known], period=53)
    # Smooth over neighbouring weeks (circular), then mean 1.
    index[1:] = (np.roll(index[1:], 1) + index[1:] + np.roll(index[1:], -1)) / 3
    index[1:] /= index[1:].mean()
    index[0] = 1.0
    return index


def daily_forecast(
    model: str,
    y: np.ndarray,
    steps: np.ndarray,
    period: int,
    week_of_year: np.ndarray | None = None,
) -> np.ndarray:
    """Forecast of grid days ``y.size - 1 + steps`` (steps >= 1) by ``model``;
    ``week_of_year`` (ISO week of every grid day, the targets' included) for ``ets_yearly``."""
    n = y.size
    if model == "ets_yearly":
        if week_of_year is None:
            raise ValueError("`ets_yearly` needs the week of the year of every grid day")
        index = yearly_index(y, week_of_year, period)
        adjusted = y / index[week_of_year[:n]]
        targets = week_of_year[n - 1 + steps]
        return ets_forecast(adjusted, steps, period, damped=True) * index[targets]
    if model == "naive":
        return np.full(steps.size, y[~np.isnan(y)][-1])
    if model in ("seasonal_naive", "weekday_mean"):
        count = 1 if model == "seasonal_naive" else WEEKDAY_MEAN_WEEKS
        out = np.empty(steps.size)
        for i, s in enumerate(steps):
            back = _same_weekday_back(y, n - 1 + int(s), period, count)
            out[i] = back.mean() if back.size else np.nanmean(y[-period:])
        return out
    if model in ("ets", "ets_damped"):
        return ets_forecast(y, steps, period, damped=model == "ets_damped")
    raise ValueError(f"unknown daily model {model!r}; one of {', '.join(DAILY_MODELS)}")


def min_training_days(model: str, period: int) -> int:
    """Grid days a model needs: a week, two for ETS (statsmodels' initial weekly season), two
    years for the yearly index."""
    if model == "ets_yearly":
        return 2 * WEEKS_PER_YEAR * period
    return {"naive": 1, "seasonal_naive": period, "weekday_mean": period}.get(model, 2 * period)


def profile(
    kind: str,
    volumes: np.ndarray,
    positions: np.ndarray,
    target: int,
    period: int,
    open_mask: np.ndarray,
) -> np.ndarray:
    """Intraday shares for grid day ``target`` from the training days ``volumes`` (one row per
    observed day, at grid ``positions``); ``open_mask`` the target weekday's open intervals."""
    same = (target - positions) % period == 0
    recent = positions >= positions.max() - PROFILE_WEEKS * period
    if kind == "last_week" and same.any():
        rows = volumes[np.flatnonzero(same)[-1:]]
    elif kind == "weekday" and (same & recent).any():
        rows = volumes[same & recent]
    else:  # pooled, or a weekday without training days
        rows = volumes[recent] * open_mask
    total = rows.sum()
    if total <= 0:
        return open_mask / max(open_mask.sum(), 1)
    return rows.sum(axis=0) / total


def weekday_of(position: np.ndarray | int, first_weekday: int, open_weekdays) -> np.ndarray:
    """Weekday (0 = Monday) of grid positions, the grid starting on ``first_weekday``."""
    start = list(open_weekdays).index(first_weekday)
    return np.asarray(open_weekdays)[(start + np.asarray(position)) % len(open_weekdays)]


def predict(
    daily_model: str,
    profile_kind: str,
    y: np.ndarray,
    volumes: np.ndarray,
    steps: np.ndarray,
    period: int,
    open_masks: np.ndarray,
    day: np.ndarray | None = None,
    week_of_year: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Day totals and interval volumes of grid days ``y.size - 1 + steps`` from the training
    grid ``y`` (day totals, NaN: not learned from) and ``volumes`` (grid days x intervals);
    ``open_masks[k]`` is the open intervals of target ``k``'s weekday; ``day`` the day
    totals when already forecast; ``week_of_year`` see ``daily_forecast``."""
    if day is None:
        day = daily_forecast(daily_model, y, steps, period, week_of_year)
    observed = np.flatnonzero(~np.isnan(y))
    rows, positions = volumes[observed], observed
    shares = np.array(
        [
            profile(profile_kind, rows, positions, y.size - 1 + int(s), period, open_masks[k])
            for k, s in enumerate(steps)
        ]
    )
    return day, day[:, None] * shares
