"""Reporting periods and KPIs from counts, against values worked out by hand or by loops."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pytest

from erlang import SLDefinition
from scenarios.periods import (
    PERIODS,
    excluded_intervals,
    met,
    periods_of,
    service_level_from_counts,
)


def test_iso_weeks_cross_the_year_in_time_order_not_alphabetically():
    # 2026-12-28 (Mon) .. 2027-01-10: ISO weeks 2026-W53 and 2027-W01.
    p = periods_of(dt.date(2026, 12, 28), 14, 60, "week")
    assert p.labels.tolist() == ["2026-W53", "2027-W01"]
    assert p.days.tolist() == [7, 7]
    assert p.of_day.tolist() == [0] * 7 + [1] * 7


def test_quarters_and_years_count_calendar_days():
    p = periods_of(dt.date(2024, 3, 31), 2, 60, "quarter")  # leap year: Q1 = 31+29+31
    assert p.labels.tolist() == ["2024-Q1", "2024-Q2"]
    assert p.calendar_days.tolist() == [91, 91]
    y = periods_of(dt.date(2024, 12, 31), 2, 60, "year")
    assert y.labels.tolist() == ["2024", "2025"] and y.calendar_days.tolist() == [366, 365]


@pytest.mark.parametrize("period", PERIODS)
def test_totals_equal_a_loop_over_labels(period):
    start, days, minutes = dt.date(2026, 1, 25), 40, 60
    p = periods_of(start, days, minutes, period)
    values = np.random.default_rng(3).random((2, days * 24))
    starts = [dt.datetime.combine(start, dt.time()) + dt.timedelta(hours=i) for i in range(960)]
    expected = {}
    for i, when in enumerate(starts):
        d = when.date()
        label = {
            "interval": when.strftime("%Y-%m-%dT%H:%M"),
            "day": d.isoformat(),
            "week": f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}",
            "month": f"{d.year}-{d.month:02d}",
            "quarter": f"{d.year}-Q{(d.month + 2) // 3}",
            "year": str(d.year),
        }[period]
        expected[label] = expected.get(label, 0) + values[:, i]
    assert p.labels.tolist() == list(expected)  # insertion order = time order
    np.testing.assert_allclose(p.total(values), np.array(list(expected.values())).T)


def test_exclusions_cover_whole_days_and_flagged_intervals():
    window = SimpleNamespace(start_date=dt.date(2026, 1, 2), end_date=dt.date(2026, 1, 3))
    flagged = np.zeros(4 * 24, dtype=bool)
    flagged[5] = True
    out = excluded_intervals(dt.date(2026, 1, 1), 4, 60, (window,), flagged=flagged)
    assert out.reshape(4, 24).all(axis=1).tolist() == [False, True, True, False]
    assert out[5] and out.sum() == 49


def test_service_level_from_counts_under_each_definition_and_unmeasured_periods():
    within, offered, ab_within, answered = (
        np.array([80, 0]),
        np.array([110, 0]),
        np.array([10, 0]),
        np.array([90, 0]),
    )
    for definition, expected in (
        (SLDefinition.OF_OFFERED, 80 / 110),
        (SLDefinition.EXCL_SHORT_ABANDONS, 80 / 100),
        (SLDefinition.OF_ANSWERED, 80 / 90),
    ):
        sl = service_level_from_counts(definition, within, offered, ab_within, answered)
        assert sl[0] == pytest.approx(expected)
        assert np.isnan(sl[1])  # nothing offered: not measured, not 1.0
    assert met(np.array([0.81, 0.79, np.nan]), 0.8).tolist() == [True, False, None]
