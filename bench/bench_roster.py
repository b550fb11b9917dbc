"""Roster optimizer speed and quality: a 4-week, 15-minute, 2-channel roster with 161 shift
templates, side by side with pyworkforce's shift solver (``MinRequiredResources``, OR-Tools
CP-SAT) on the same requirement, then the same roster with breaks and weekly patterns.

Run in the bench environment (``make bench``: pyworkforce lives only there). Prints the cost,
the wall time and their ratios. Target: under 60 s on 2 cores for the roster with breaks.

The comparison problem is the one both solve: shifts of fixed start and length within a day
(no breaks, no weekly pattern: pyworkforce has neither), every 15-minute interval covered,
cost = paid hours x 34 EUR. Our optimizer solves it week by week (as always), pyworkforce
day by day in one model over the 28 days.
"""

from __future__ import annotations

import time

import numpy as np

from scenarios.examples import load_example
from scenarios.overrides import apply_overrides
from scenarios.pipeline import plan
from scenarios.roster.optimize import optimize_roster
from scenarios.scenario import Scenario

HOURLY_COST = 34
LENGTHS_H = range(4, 11)  # 4 to 10 hours
FIRST_START_MIN, LAST_END_MIN, STEP_MIN = 6 * 60, 24 * 60, 30


def two_channel_month() -> Scenario:
    """The default service desk over 4 weeks with a second voice line ("sales", open every day
    08:00-22:00, evening peak), volumes varied week to week (a campaign, a quiet week) so
    that no two weeks are alike."""
    data = load_example("default").model_dump(mode="json")
    voice = data["channels"][0]
    sales = {
        **voice,
        "name": "sales",
        "opening_hours": {day: ["08:00", "22:00"] for day in voice["opening_hours"]}
        | {"saturday": ["08:00", "22:00"], "sunday": ["10:00", "18:00"]},
        "demand": {
            **voice["demand"],
            "volume_per_day": 1500,
            "intraday_profile": "evening",
            "day_of_week_factors": [1.0, 1.0, 1.0, 1.0, 1.1, 0.8, 0.5],
        },
    }
    specials = [
        {"label": "campaign", "start_date": "2027-01-11", "end_date": "2027-01-15",
         "multiplier": 1.15},
        {"label": "quiet", "start_date": "2027-01-18", "end_date": "2027-01-24",
         "multiplier": 0.9},
        {"label": "outage", "start_date": "2027-01-26", "start_time": "09:00",
         "end_time": "13:00", "multiplier": 1.6},
    ]  # fmt: skip
    for channel in (voice, sales):
        channel["demand"]["special_periods"] = specials
    data["channels"] = [voice, sales]
    data["targets"] = [data["targets"][0], {**data["targets"][0], "channel": "sales"}]
    data["days"] = 28
    return Scenario.model_validate(data)


def fixed_templates(breaks: bool) -> list[dict]:
    """One template per (length, start): 7 lengths x starts every 30 minutes from 06:00 while
    the shift ends by midnight = 161 templates."""
    out = []
    for hours in LENGTHS_H:
        for start in range(FIRST_START_MIN, LAST_END_MIN - hours * 60 + 1, STEP_MIN):
            clock = f"{start // 60:02d}:{start % 60:02d}"
            template = {
                "name": f"h{hours}_{start // 60:02d}{start % 60:02d}",
                "length_minutes": hours * 60,
                "earliest_start": clock,
                "latest_start": clock,
            }
            if breaks and hours >= 6:  # a paid 15-minute break in hours 2-3, a meal in 3.5-5
                template["length_minutes"] += 30
                template["breaks"] = [
                    {"minutes": 15, "paid": True, "window_start_minutes": 90,
                     "window_end_minutes": 180},
                    {"minutes": 30, "paid": False, "window_start_minutes": 210,
                     "window_end_minutes": 330},
                ]  # fmt: skip
            elif breaks:
                template["breaks"] = [
                    {"minutes": 15, "paid": True, "window_start_minutes": 60,
                     "window_end_minutes": 180}
                ]  # fmt: skip
            if template["length_minutes"] + start > LAST_END_MIN:
                continue
            out.append(template)
    return out


def rules(breaks: bool) -> dict:
    templates = fixed_templates(breaks)
    if not breaks:  # the comparison: any day, no pattern, one contract
        return {
            "contracts": [
                {"name": "any", "min_days_per_week": 1, "max_days_per_week": 7,
                 "templates": templates}
            ],
            "breaks_shrinkage": ["breaks"],
        }  # fmt: skip
    long = [t for t in templates if t["length_minutes"] >= 6 * 60]
    short = [t for t in templates if t["length_minutes"] < 6 * 60]
    return {
        "contracts": [
            {"name": "full_time", "min_days_per_week": 4, "max_days_per_week": 5,
             "consecutive_days_off": True, "templates": long},
            {"name": "part_time", "min_days_per_week": 2, "max_days_per_week": 4,
             "max_share": 0.4, "templates": short},
        ],
        "weekend_premium": 0.25,
        # Per week and channel, every stage of the search: the gap reached is printed.
        "time_limit_s": 15,
    }  # fmt: skip


def pyworkforce_roster(requirement: np.ndarray, days: int, templates: list[dict]):
    """pyworkforce's ``MinRequiredResources`` on the same requirement and shifts; returns
    (cost, seconds, status)."""
    from pyworkforce.scheduling import MinRequiredResources

    per_day = requirement.size // days
    coverage, cost = {}, {}
    for t in templates:
        h, m = (int(v) for v in t["earliest_start"].split(":"))
        first = (h * 60 + m) // 15
        row = [0] * per_day
        for i in range(first, first + t["length_minutes"] // 15):
            row[i] = 1
        coverage[t["name"]] = row
        cost[t["name"]] = int(HOURLY_COST * t["length_minutes"] // 60)
    started = time.perf_counter()
    solution = MinRequiredResources(
        num_days=days,
        periods=per_day,
        shifts_coverage=coverage,
        required_resources=requirement.reshape(days, per_day).tolist(),
        max_period_concurrency=int(requirement.max()) * 3 + 10,
        max_shift_concurrency=int(requirement.max()) * 3 + 10,
        cost_dict=cost,
        max_search_time=120.0,
        num_search_workers=2,
    ).solve()
    return float(solution["cost"]), time.perf_counter() - started, solution["status"]


def main() -> None:
    base = two_channel_month()
    print(
        f"{base.days} days, {base.interval_minutes}-minute intervals, channels "
        f"{', '.join(c.name for c in base.channels)}, {len(fixed_templates(False))} templates"
    )
    comparison = apply_overrides(base, {"roster": rules(False)})
    result = plan(comparison)
    started = time.perf_counter()
    ours = optimize_roster(result)
    ours_s = time.perf_counter() - started
    templates = fixed_templates(False)
    try:
        import pyworkforce  # noqa: F401 -- only in bench/.venv-bench
    except ImportError:
        pyworkforce = None
        print("pyworkforce is not installed here: run in bench/.venv-bench (make bench)")
    for name, channel in ours.channels.items():
        line = (
            f"{name}: ccplan {channel.cost:,.0f} EUR in {channel.solve_time_s:.1f} s "
            f"(gap to the bound {channel.gap:.2%})"
        )
        if pyworkforce is not None:
            theirs, theirs_s, status = pyworkforce_roster(channel.requirement, base.days, templates)
            line += (
                f"; pyworkforce {theirs:,.0f} EUR in {theirs_s:.1f} s ({status}); cost ratio "
                f"ccplan/pyworkforce {channel.cost / theirs:.4f}, time ratio "
                f"{channel.solve_time_s / theirs_s:.3f}"
            )
        print(line)
    print(f"ccplan, both channels, wall time: {ours_s:.1f} s")
    full = apply_overrides(base, {"roster": rules(True)})
    result = plan(full)
    started, cpu = time.perf_counter(), time.process_time()
    roster = optimize_roster(result)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    for name, channel in roster.channels.items():
        variables = max(w.variables for w in channel.weeks)
        print(
            f"with breaks and weekly patterns, {name}: {channel.fte:.1f} FTE rostered vs "
            f"{channel.requirement_fte:.1f} requirement only, efficiency "
            f"{channel.efficiency:.1%}, gap {channel.gap:.2%}, up to {variables:,} variables "
            "a week"
        )
    verdict = "under" if seconds < 60 else "OVER"
    print(
        f"with breaks and weekly patterns, both channels: {seconds:.1f} s wall ({verdict} 60 s), "
        f"{cpu:.1f} s CPU in this process"
    )


if __name__ == "__main__":
    main()
