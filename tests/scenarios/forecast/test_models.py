"""Daily models on the grid of open days: seasonal naive, the yearly index, ETS with it."""

from __future__ import annotations

import datetime as dt

import numpy as np

from scenarios.forecast.models import daily_forecast, yearly_index


def _years(n_years=3, amplitude=0.2, seed=5):
    """Weekdays over ``n_years`` years: 3,000 a day x 1.2 on Mondays x a yearly sine, Poisson."""
    rng = np.random.default_rng(seed)
    dates = [
        d
        for k in range(int(n_years * 364) + 140)
        if (d := dt.date(2023, 1, 2) + dt.timedelta(days=k)).weekday() < 5
    ]
    season = np.array(
        [1 + amplitude * np.sin(2 * np.pi * d.timetuple().tm_yday / 365.25) for d in dates]
    )
    monday = np.array([1.2 if d.weekday() == 0 else 1.0 for d in dates])
    woy = np.array([d.isocalendar()[1] for d in dates])
    return rng.poisson(3000 * monday * season).astype(float), season, woy


def test_seasonal_naive_skips_closed_weekends_and_gaps():
    y = np.arange(1.0, 11.0)  # two weeks of five open days
    y[5] = np.nan  # a gap on the second Monday: the Monday before stands in
    np.testing.assert_array_equal(
        daily_forecast("seasonal_naive", y, np.array([1, 2, 5, 6]), 5), [1, 7, 10, 1]
    )


def test_yearly_index_recovers_the_season():
    y, season, woy = _years()
    index = yearly_index(y[: 3 * 260], woy, 5)
    truth = np.array([season[woy == w].mean() for w in range(1, 53)])
    # Ratio to moving averages smooths a 20% sine over a week and three weeks: within 2%.
    np.testing.assert_allclose(index[1:53] / index[1:53].mean(), truth / truth.mean(), atol=0.02)


def test_yearly_model_follows_the_season_four_weeks_ahead():
    y, season, woy = _years()
    n = 2 * 260  # an origin at New Year, where the season climbs fastest (~10% in 4 weeks)
    steps = np.arange(1, 21)
    truth = 3000 * season[n - 1 + steps] * np.where(np.arange(n, n + 20) % 5 == 0, 1.2, 1.0)
    yearly = daily_forecast("ets_yearly", y[:n], steps, 5, woy)
    plain = daily_forecast("ets_damped", y[:n], steps, 5)
    err_yearly = np.abs(yearly - truth).sum() / truth.sum()
    err_plain = np.abs(plain - truth).sum() / truth.sum()
    assert err_yearly < 0.03 and err_yearly < 0.7 * err_plain, (err_yearly, err_plain)
