"""Rolling-origin backtest of the forecast candidates (Tashman 2000, "Out-of-sample tests of
forecasting accuracy", *Int. J. Forecasting* 16:437-450).

At each origin ``o`` (a grid position) every candidate is fitted on the grid days before ``o``
and forecasts the next ``horizon_days`` grid days; only days the history observed (and that
are not holidays or special days) are scored. All candidates share the origins.

Scores over all (origin, day) pairs, pooled (never an average of per-day ratios):

* WAPE = sum |actual - forecast| / sum actual, of day totals and of interval volumes;
* MASE = mean over pairs of |error| / the origin's in-sample mean absolute error of the
  seasonal-naive forecast (same weekday last week; Hyndman & Koehler 2006, *Int. J.
  Forecasting* 22:679-688), of day totals and of interval volumes;
* coverage of the 80% prediction intervals on held-out days (intervals with volume forecast
  or observed; closed ones are not counted): at origin ``o`` the error CVs
  come only from residuals of earlier origins on days before ``o`` (what was known at ``o``),
  and origins with fewer than a week of such residual days are not scored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import errors
from .models import daily_forecast, min_training_days, predict

#: Cap on origins (evenly spaced, the latest kept): enough pairs, bounded run time.
MAX_ORIGINS = 30
#: Central prediction interval probability.
PI_LEVEL = 0.8


@dataclass(frozen=True)
class Score:
    """Backtest accuracy of one candidate (daily model x intraday profile)."""

    daily_model: str
    profile: str
    daily_wape: float
    interval_wape: float
    daily_mase: float
    interval_mase: float

    @property
    def name(self) -> str:
        return f"{self.daily_model} x {self.profile} profile"

    def to_dict(self) -> dict:
        return {
            "daily_model": self.daily_model,
            "profile": self.profile,
            "daily_wape": self.daily_wape,
            "interval_wape": self.interval_wape,
            "daily_mase": self.daily_mase,
            "interval_mase": self.interval_mase,
        }


@dataclass(frozen=True)
class Coverage:
    """Held-out actuals inside their 80% prediction interval: days and intervals."""

    days_inside: int
    days: int
    intervals_inside: int
    intervals: int

    @property
    def daily(self) -> float:
        return self.days_inside / self.days if self.days else float("nan")

    @property
    def interval(self) -> float:
        return self.intervals_inside / self.intervals if self.intervals else float("nan")

    def to_dict(self) -> dict:
        return {
            "daily": self.daily,
            "days_inside": self.days_inside,
            "days": self.days,
            "interval": self.interval,
            "intervals_inside": self.intervals_inside,
            "intervals": self.intervals,
        }


@dataclass(frozen=True)
class Backtest:
    """Scores of every candidate (best daily WAPE first, then interval WAPE), the chosen
    candidate, the seasonal-naive baseline, the error CVs from the chosen one's residuals and
    the held-out coverage of its 80% intervals."""

    scores: tuple[Score, ...]
    chosen: Score
    baseline: Score
    origins: int
    pairs: int
    horizon_days: int
    day_volume_cv: float
    interval_volume_cv: float
    coverage: Coverage

    def to_dict(self) -> dict:
        return {
            "origins": self.origins,
            "scored_days": self.pairs,
            "horizon_days": self.horizon_days,
            "chosen": self.chosen.to_dict(),
            "baseline_seasonal_naive": self.baseline.to_dict(),
            "candidates": [s.to_dict() for s in self.scores],
            "day_volume_cv": self.day_volume_cv,
            "interval_volume_cv": self.interval_volume_cv,
            "coverage_80": self.coverage.to_dict(),
        }


@dataclass(frozen=True)
class _Pairs:
    """One candidate's forecasts of every (origin, day) pair."""

    origin: np.ndarray
    day: np.ndarray  # grid position forecast
    actual_day: np.ndarray
    forecast_day: np.ndarray
    actual: np.ndarray  # pairs x intervals
    forecast: np.ndarray
    scale_day: np.ndarray  # the origin's seasonal-naive in-sample MAE
    scale_interval: np.ndarray


def _naive_scale(y: np.ndarray, volumes: np.ndarray, period: int) -> tuple[float, float]:
    d = np.abs(y[period:] - y[:-period])
    v = np.abs(volumes[period:] - volumes[:-period])
    ok = ~np.isnan(d)
    if not ok.any():
        return np.nan, np.nan
    return float(np.mean(d[ok])), float(np.mean(v[ok]))


def origins_for(y: np.ndarray, min_train: int) -> np.ndarray:
    """Backtest origins: grid positions with ``min_train`` days before them and an observed day
    at or after them, at most ``MAX_ORIGINS`` (evenly spaced, the latest kept)."""
    last = int(np.flatnonzero(~np.isnan(y))[-1])
    candidates = np.arange(min_train, last + 1)
    candidates = candidates[[np.any(~np.isnan(y[:o])) for o in candidates]]
    if candidates.size > MAX_ORIGINS:
        keep = np.unique(np.round(np.linspace(0, candidates.size - 1, MAX_ORIGINS)).astype(int))
        candidates = candidates[keep]
    return candidates


def _run(candidate, y, volumes, period, open_of, origins, horizon_days, memo, woy) -> _Pairs:
    daily_model, profile_kind = candidate
    out = {k: [] for k in _Pairs.__dataclass_fields__}
    for o in origins:
        targets = np.arange(o, min(o + horizon_days, y.size))
        targets = targets[~np.isnan(y[targets])]
        if targets.size == 0:
            continue
        train_y, train_v = y[:o], volumes[:o]
        masks = open_of(train_v, targets)
        steps = targets - o + 1
        key = (daily_model, int(o))
        if key not in memo:  # one fit per daily model and origin, whatever the profile
            memo[key] = daily_forecast(daily_model, train_y, steps, period, woy)
        day, interval = predict(
            daily_model, profile_kind, train_y, train_v, steps, period, masks, memo[key]
        )
        s_day, s_int = _naive_scale(train_y, train_v, period)
        out["origin"].append(np.full(targets.size, o))
        out["day"].append(targets)
        out["actual_day"].append(y[targets])
        out["forecast_day"].append(day)
        out["actual"].append(volumes[targets])
        out["forecast"].append(interval)
        out["scale_day"].append(np.full(targets.size, s_day))
        out["scale_interval"].append(np.full(targets.size, s_int))
    return _Pairs(**{k: np.concatenate(v) for k, v in out.items()})


def _score(candidate, p: _Pairs) -> Score:
    err_day = np.abs(p.actual_day - p.forecast_day)
    err_int = np.abs(p.actual - p.forecast)
    return Score(
        daily_model=candidate[0],
        profile=candidate[1],
        daily_wape=float(err_day.sum() / p.actual_day.sum()),
        interval_wape=float(err_int.sum() / p.actual.sum()),
        daily_mase=_mase(err_day, p.scale_day),
        interval_mase=_mase(err_int.mean(axis=1), p.scale_interval),
    )


def _mase(errors_: np.ndarray, scale: np.ndarray) -> float:
    """Mean of error / scale over the pairs whose origin has a positive in-sample scale
    (NaN when none has: the history never changed week on week)."""
    ok = np.isfinite(scale) & (scale > 0)
    return float(np.mean(errors_[ok] / scale[ok])) if ok.any() else float("nan")


def interval_bounds(forecast_day, forecast, day_cv_, interval_cv_, level=PI_LEVEL):
    """80% bounds (lower, upper) of day totals and of interval volumes."""
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    rel = errors.combined_rel_var(day_cv_, interval_cv_)
    day = tuple(errors.count_quantiles(forecast_day, day_cv_**2, q) for q in (lo_q, hi_q))
    interval = tuple(errors.count_quantiles(forecast, rel, q) for q in (lo_q, hi_q))
    return day, interval


def _held_out_coverage(p: _Pairs, min_residual_days: int) -> Coverage:
    counts = np.zeros(4, dtype=np.int64)
    for o in np.unique(p.origin):
        known = (p.origin < o) & (p.day < o)
        if np.unique(p.day[known]).size < min_residual_days:
            continue
        cv_d = errors.day_cv(p.actual_day[known], p.forecast_day[known])
        cv_i = errors.interval_cv(p.actual[known], p.forecast[known])
        now = p.origin == o
        (d_lo, d_hi), (i_lo, i_hi) = interval_bounds(
            p.forecast_day[now], p.forecast[now], cv_d, cv_i
        )
        a_d, a_i = p.actual_day[now], p.actual[now]
        # Closed intervals (nothing forecast, nothing came) are not scored: [0, 0] would
        # always "cover" them.
        scored = (p.forecast[now] > 0) | (a_i > 0)
        counts += [
            np.sum((a_d >= d_lo) & (a_d <= d_hi)),
            a_d.size,
            np.sum((a_i >= i_lo) & (a_i <= i_hi) & scored),
            np.sum(scored),
        ]
    return Coverage(*(int(c) for c in counts))


def rolling_origin(
    y: np.ndarray,
    volumes: np.ndarray,
    period: int,
    open_of,
    candidates,
    horizon_days: int,
    week_of_year: np.ndarray | None = None,
) -> Backtest:
    """Backtest ``candidates`` ((daily model, profile) pairs) on the grid ``y`` / ``volumes``.

    ``open_of(train_volumes, target_positions)`` gives the open-interval masks of the targets'
    weekdays learned from the training rows; ``week_of_year`` the ISO week of each grid day
    (for ``ets_yearly``). The chosen daily model has the lowest daily WAPE
    and, with it, the chosen profile the lowest interval WAPE; seasonal naive with last week's
    profile is the baseline.
    """
    usable = [c for c in candidates if min_training_days(c[0], period) <= y.size - 1]
    if not usable or not any(c == ("seasonal_naive", "last_week") for c in usable):
        raise ValueError(
            f"the history covers {int(np.sum(~np.isnan(y)))} usable open day(s) of a "
            f"{period}-day week; a forecast needs more than a week of them (two for "
            "exponential smoothing) to be backtested against seasonal naive"
        )
    min_train = max(min_training_days(c[0], period) for c in usable)
    origins = origins_for(y, min_train)
    if origins.size == 0:
        raise ValueError(
            f"the history needs more than {min_train} open days for a backtest "
            f"({period} open days a week)"
        )
    memo = {}
    pairs = {
        c: _run(c, y, volumes, period, open_of, origins, horizon_days, memo, week_of_year)
        for c in usable
    }
    scores = sorted(
        (_score(c, p) for c, p in pairs.items()), key=lambda s: (s.daily_wape, s.interval_wape)
    )
    chosen = scores[0]  # the best daily model, with its best profile
    baseline = next(
        s for s in scores if (s.daily_model, s.profile) == ("seasonal_naive", "last_week")
    )
    best = pairs[(chosen.daily_model, chosen.profile)]
    return Backtest(
        scores=tuple(scores),
        chosen=chosen,
        baseline=baseline,
        origins=int(origins.size),
        pairs=int(best.day.size),
        horizon_days=horizon_days,
        day_volume_cv=errors.day_cv(best.actual_day, best.forecast_day),
        interval_volume_cv=errors.interval_cv(best.actual, best.forecast),
        coverage=_held_out_coverage(best, min_residual_days=period),
    )
