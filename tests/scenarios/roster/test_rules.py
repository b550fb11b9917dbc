"""Shift rules: weekly patterns counted by combinatorics, and bad rules rejected with the
field named."""

from math import comb

import pytest
from pydantic import ValidationError

from scenarios.examples import load_example
from scenarios.roster.candidates import weekly_patterns
from scenarios.roster.rules import BreakRule, Contract, ShiftTemplate
from scenarios.scenario import Scenario

EIGHT_HOURS = ShiftTemplate(name="t8", length_minutes=480)


@pytest.mark.parametrize(
    ("rules", "expected", "why"),
    [
        ({"min_days_per_week": 5, "max_days_per_week": 5}, comb(7, 5), "5 days of 7"),
        (
            {"min_days_per_week": 3, "max_days_per_week": 5},
            comb(7, 3) + comb(7, 4) + comb(7, 5),
            "",
        ),
        ({"min_days_per_week": 5, "max_days_per_week": 5, "weekends": "off"}, 1, "Mon-Fri only"),
        # Both weekend days on (3 of the 5 weekdays) or both off (all 5 weekdays).
        ({"min_days_per_week": 5, "weekends": "both_or_neither"}, comb(5, 3) + 1, ""),
        # Two days off in one run around the week: 7 places to put the run.
        ({"min_days_per_week": 5, "consecutive_days_off": True}, 7, "a 2-day run on a circle"),
        ({"min_days_per_week": 7, "max_days_per_week": 7}, 1, "every day"),
    ],
)
def test_weekly_patterns_count(rules, expected, why):
    patterns = weekly_patterns(Contract(name="c", templates=(EIGHT_HOURS,), **rules))
    assert len(patterns) == expected, why
    assert len({tuple(p) for p in patterns}) == len(patterns), "patterns repeat"


def _with_roster(roster: dict):
    data = load_example("default").model_dump(mode="json")
    data["roster"] = roster
    return Scenario.model_validate(data)


def _contract(**template):
    return {
        "contracts": [
            {"name": "ft", "templates": [{"name": "t", "length_minutes": 480, **template}]}
        ]
    }


@pytest.mark.parametrize(
    ("roster", "message"),
    [
        (_contract(length_minutes=470), r"length_minutes 470 is not a multiple of the 15-minute"),
        (
            _contract(earliest_start="08:00", latest_start="07:00"),
            r"`latest_start` 07:00 is before",
        ),
        (_contract(earliest_start="25:00"), r"`earliest_start` must be between 00:00 and 23:59"),
        (
            _contract(channels=["fax"]),
            r"channels: fax is not a channel; channels are: voice, email",
        ),
        (
            _contract(
                breaks=[
                    {"minutes": 30, "window_start_minutes": 180, "window_end_minutes": 300},
                    {"minutes": 15, "window_start_minutes": 240, "window_end_minutes": 360},
                ]
            ),
            r"break windows overlap",
        ),
        (
            _contract(
                breaks=[{"minutes": 30, "window_start_minutes": 60, "window_end_minutes": 75}]
            ),
            r"window 60..75 min is shorter than the 30-minute break",
        ),
        (
            _contract(
                breaks=[{"minutes": 30, "window_start_minutes": 420, "window_end_minutes": 510}]
            ),
            r"ends at 510 min, after the 480-minute shift",
        ),
        (
            {
                "contracts": [
                    {
                        "name": "ft",
                        "min_days_per_week": 5,
                        "max_days_per_week": 4,
                        "templates": [{"name": "t", "length_minutes": 480}],
                    }
                ]
            },
            r"`max_days_per_week` 4 is below `min_days_per_week` 5",
        ),
        ({"weekend_premium": 5}, r"weekend_premium"),
        ({"mip_rel_gap": 0.5}, r"mip_rel_gap"),
    ],
)
def test_bad_rules_name_the_field(roster, message):
    with pytest.raises(ValidationError, match=message):
        _with_roster(roster)


def test_paid_minutes_leave_out_unpaid_breaks_only():
    template = ShiftTemplate(
        name="t",
        length_minutes=510,
        breaks=(
            BreakRule(minutes=15, paid=True, window_start_minutes=60, window_end_minutes=120),
            BreakRule(minutes=30, paid=False, window_start_minutes=180, window_end_minutes=300),
        ),
    )
    assert template.paid_minutes == 480
    assert template.starts_minutes[:3] == [0, 30, 60]
