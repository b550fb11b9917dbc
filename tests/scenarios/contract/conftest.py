"""A small contract scenario that plans in milliseconds (one voice channel, a week, hourly
intervals) for the pricing tests."""

import pytest

from scenarios.scenario import Scenario


def small_data(pricing: dict, **extra) -> dict:
    return {
        "name": "small contract",
        "interval_minutes": 60,
        "start_date": "2027-03-01",
        "days": 7,
        "channels": [
            {
                "name": "voice",
                "kind": "voice",
                "handle_time": {"kind": "exponential", "mean_s": 300},
                "patience": {"kind": "exponential", "mean_s": 120},
                "opening_hours": {
                    d: ["08:00", "18:00"]
                    for d in ("monday", "tuesday", "wednesday", "thursday", "friday")
                },
                "demand": {
                    "volume_per_day": 800,
                    "intraday_profile": "flat",
                    "forecast_error": {"day_volume_cv": 0.1},
                },
            }
        ],
        "targets": [{"channel": "voice", "service_level": 0.8, "threshold_s": 20}],
        "workforce": {"shrinkage": {"absence": 0.25}, "hourly_cost": 30.0},
        "pricing": pricing,
        **extra,
    }


@pytest.fixture
def small():
    def make(pricing: dict, **extra) -> Scenario:
        return Scenario.model_validate(small_data(pricing, **extra))

    return make
