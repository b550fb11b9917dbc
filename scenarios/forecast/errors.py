"""Forecast error from backtest residuals, and prediction intervals that use it.

The simulator draws real volumes as Poisson counts around forecast x day multiplier x interval
multiplier, both lognormal with mean 1 (``simulator.arrivals``; CVs ``day_volume_cv``,
``interval_volume_cv``). The CVs are estimated by the method of moments from held-out
residuals, with the Poisson part taken out (it is simulated on top):

* day: ``A_d ~ Poisson(F_d M_d)`` gives ``E[(A_d - F_d)^2] = F_d + F_d^2 cv_d^2`` (bias counted
  as error: the forecast is judged, not only its spread), so
  ``cv_d^2 = sum((A_d - F_d)^2 - A_d) / sum(F_d^2)``;
* interval, given the day: ``E_i = F_i A_d / F_d`` (the profile scaled to the day's actual
  total) and ``cv_i^2 = sum((A_i - E_i)^2 - E_i) / sum(E_i^2)``.

Both are clipped at 0 (a forecast as good as Poisson noise has no extra error). The prediction
interval of a count with mean ``mu`` and extra relative variance ``s2`` takes the quantiles of
the negative binomial with the same mean and variance ``mu + s2 mu^2`` (a Poisson-gamma mixture:
the gamma stands in for the simulator's lognormal multipliers, same mean and CV).
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def day_cv(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Day-level CV beyond Poisson noise from actual and forecast day totals."""
    actual, forecast = np.asarray(actual, float), np.asarray(forecast, float)
    denominator = float(np.sum(forecast**2))
    if denominator <= 0:
        return 0.0
    return float(np.sqrt(max(np.sum((actual - forecast) ** 2 - actual) / denominator, 0.0)))


def interval_cv(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Interval-level CV beyond Poisson noise and beyond the day's own error: ``actual`` and
    ``forecast`` are days x intervals."""
    actual, forecast = np.asarray(actual, float), np.asarray(forecast, float)
    day_a, day_f = actual.sum(axis=1, keepdims=True), forecast.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(day_f > 0, forecast * day_a / day_f, 0.0)
    denominator = float(np.sum(expected**2))
    if denominator <= 0:
        return 0.0
    excess = np.sum((actual - expected) ** 2 - expected)
    return float(np.sqrt(max(excess / denominator, 0.0)))


def count_quantiles(mean: np.ndarray, rel_var: float, q: float) -> np.ndarray:
    """Quantile ``q`` of a count with mean ``mean`` and variance ``mean + rel_var * mean^2``
    (negative binomial; Poisson when ``rel_var`` is 0)."""
    mean = np.asarray(mean, float)
    out = np.zeros_like(mean)
    pos = mean > 0
    if rel_var <= 0:
        out[pos] = stats.poisson.ppf(q, mean[pos])
        return out
    size = 1.0 / rel_var  # n of the negative binomial: var = mu + mu^2 / n
    out[pos] = stats.nbinom.ppf(q, size, size / (size + mean[pos]))
    return out


def combined_rel_var(day_cv_: float, interval_cv_: float) -> float:
    """Relative variance of the product of two independent mean-1 multipliers."""
    return (1 + day_cv_**2) * (1 + interval_cv_**2) - 1
