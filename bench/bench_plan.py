"""Planning speed, end to end: a one-year, four-channel scenario at 15-minute intervals.

Target (scenarios issue): under 5 s from the scenario file to the written CSV results.
Prints the median of 3 runs of each stage.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import yaml

from scenarios import load_scenario, plan
from scenarios.output.export import write_plan

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
HOURS = {day: ["08:00", "20:00"] for day in WEEKDAYS}

SCENARIO = {
    "name": "Bench: one year, four channels",
    "interval_minutes": 15,
    "start_date": "2027-01-01",
    "days": 365,
    "channels": [
        {
            "name": "voice",
            "kind": "voice",
            "handle_time": {"kind": "lognormal", "mean_s": 300, "cv": 0.8},
            "patience": {"kind": "exponential", "mean_s": 180},
            "opening_hours": HOURS,
            "demand": {
                "volume_per_day": 9000,
                "intraday_profile": "two_peaks",
                "day_of_week_factors": [1.2, 1.05, 1.0, 1.0, 0.95, 0.6, 0],
                "monthly_factors": [1.1, 1.0, 1.0, 0.95, 0.9, 0.9, 0.85, 0.85, 1.0, 1.05, 1.1, 1.3],
            },
        },
        {
            "name": "callback",
            "kind": "voice",
            "handle_time": {"kind": "exponential", "mean_s": 420},
            "opening_hours": HOURS,
            "demand": {"volume_per_day": 800, "intraday_profile": "business_day"},
        },
        {
            "name": "chat",
            "kind": "chat",
            "handle_time": {"kind": "lognormal", "mean_s": 600, "cv": 0.9},
            "patience": {"kind": "exponential", "mean_s": 240},
            "concurrency": 3,
            "concurrency_stretch": 0.15,
            "opening_hours": HOURS,
            "demand": {"volume_per_day": 2500, "intraday_profile": "evening"},
        },
        {
            "name": "email",
            "kind": "deferred",
            "handle_time": {"kind": "lognormal", "mean_s": 480, "cv": 0.7},
            "opening_hours": HOURS,
            "demand": {"volume_per_day": 1500, "intraday_profile": "flat"},
        },
    ],
    "targets": [
        {"channel": "voice", "service_level": 0.8, "threshold_s": 20, "max_abandon": 0.05},
        {"channel": "callback", "max_asa_s": 60},
        {"channel": "chat", "service_level": 0.8, "threshold_s": 120},
        {"channel": "email", "service_level": 0.9, "threshold_s": 4 * 3600},
    ],
    "workforce": {
        "shrinkage": {"breaks": 0.1, "training": 0.05, "absence": 0.12},
        "max_occupancy": 0.88,
        "hourly_cost": 31.0,
    },
    "pricing": {"model": "per_contact", "per_contact": 3.9},
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "year.yaml"
        path.write_text(yaml.safe_dump(SCENARIO, sort_keys=False))
        stages = {"load": [], "plan": [], "write CSV + JSON": [], "end to end": []}
        for _ in range(3):
            t0 = time.perf_counter()
            scenario = load_scenario(path)
            t1 = time.perf_counter()
            result = plan(scenario)
            t2 = time.perf_counter()
            write_plan(result, Path(tmp) / "out", formats=("csv", "json"))
            t3 = time.perf_counter()
            for name, value in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t3 - t0), strict=True):
                stages[name].append(value)
        n = result.table.n_intervals
        print(
            f"one year, {len(result.channels)} channels, {n:,} intervals each "
            f"({n * len(result.channels):,} interval rows)"
        )
        for name, values in stages.items():
            print(f"  {name:<18} median {statistics.median(values):6.3f} s")
        print("  target: end to end < 5 s")


if __name__ == "__main__":
    main()
