"""Calibration that respects the week: weekday profiles and opening hours learned from a month
of records, gaps between months, handle-time surges, and the schema's ``weekday_profiles``.

Ground truth: the bank's week used to make the test files (``technion_month.OPEN_H``: Friday
07:00-14:00, Saturday 20:00-24:00) and counts of the file's rows with the csv module.
"""

import collections
import dataclasses
import datetime as dt

import numpy as np
import pytest

from scenarios.demand import expand
from scenarios.history.calibrate import MIN_PROFILE_CALLS, calibrate
from scenarios.history.records import load_mapping, read_history
from scenarios.history.stats import handle_time_surges
from scenarios.io import parse_scenario
from scenarios.overrides import REMOVE, apply_overrides
from scenarios.pipeline import plan
from scenarios.scenario import WEEKDAYS

from .technion_month import OPEN_H, SURGE_DAY
from .test_import_formats import APR, FEB, NA, _kept, _rows


def _secs(clock: str) -> int:
    h, m, s = (int(x) for x in clock.split(":"))
    return 3600 * h + 60 * m + s


@pytest.fixture(scope="module")
def feb():
    return read_history(FEB, load_mapping("technion"))


@pytest.fixture(scope="module")
def feb_cal(feb):
    return calibrate(feb, interval_minutes=30)


def _closed(table) -> tuple[np.ndarray, np.ndarray]:
    """Weekday of each interval and whether the bank was closed then (the files' truth)."""
    starts = table.start.astype(object)
    weekday = np.array([s.weekday() for s in starts])
    hour = np.array([s.hour + s.minute / 60 for s in starts])
    closed = np.array(
        [not OPEN_H[w][0] <= h < OPEN_H[w][1] for w, h in zip(weekday, hour, strict=True)]
    )
    return weekday, closed


def test_a_month_calibrated_puts_fridays_volume_in_fridays_hours_and_no_staff_when_closed(
    feb_cal,
):
    sc = feb_cal.scenario
    voice = sc.channels[0]
    assert voice.opening_hours["friday"] == ("07:00", "14:00")
    assert voice.opening_hours["saturday"] == ("20:00", "24:00")
    table = expand(sc)
    weekday, closed = _closed(table)
    offered = table.channels["voice"].offered
    friday, saturday = weekday == 4, weekday == 5
    assert offered[friday & closed].sum() / offered[friday].sum() < 0.10
    assert offered[saturday & closed].sum() / offered[saturday].sum() < 0.10
    staffed = plan(sc).channels["voice"]
    assert staffed.scheduled_agents[closed].sum() == 0
    assert staffed.scheduled_agents[~closed].sum() > 0
    # The check can fail: one pooled profile and no opening hours (the old calibration) put
    # most of Friday's calls after its closing and staff closed hours.
    pooled = apply_overrides(
        sc,
        {
            "channels.voice.demand.weekday_profiles": REMOVE,
            "channels.voice.opening_hours": REMOVE,
        },
    )
    table = expand(pooled)
    offered = table.channels["voice"].offered
    assert offered[friday & closed].sum() / offered[friday].sum() > 0.3  # 41% measured
    assert plan(pooled).channels["voice"].scheduled_agents[closed].sum() > 0


def test_friday_profile_is_the_share_of_fridays_calls_per_half_hour(feb_cal):
    rows = [
        r for r in _kept(_rows(FEB)) if dt.datetime.strptime(r["date"], "%y%m%d").weekday() == 4
    ]
    assert len(rows) >= MIN_PROFILE_CALLS
    # Offered at queue entry, or at the start of service for calls put straight through.
    at = [_secs(r["q_start"] if r["q_start"] != NA else r["ser_start"]) for r in rows]
    counts = collections.Counter(t // 1800 for t in at)
    expected = np.array([counts[k] for k in range(48)]) / len(rows)
    profile = np.array(feb_cal.scenario.channels[0].demand.weekday_profiles["friday"])
    np.testing.assert_allclose(profile, expected, atol=1e-12)


def test_gaps_between_months_are_left_out_not_counted_as_days_without_calls():
    calls = read_history([FEB, APR], load_mapping("technion"))
    cal = calibrate(calls, interval_minutes=30)
    demand = cal.scenario.channels[0].demand
    kept = _kept(_rows(FEB)) + _kept(_rows(APR))
    per_day = collections.Counter(r["date"] for r in kept)
    assert len(per_day) == 35  # 28 February days + 7 April days; 34 days between are gaps
    assert demand.volume_per_day == pytest.approx(len(kept) / 35)
    by_weekday = collections.defaultdict(list)
    for day, n in per_day.items():
        by_weekday[dt.datetime.strptime(day, "%y%m%d").weekday()].append(n)
    for w, counts in by_weekday.items():
        assert demand.day_of_week_factors[w] == pytest.approx(np.mean(counts) / (len(kept) / 35))
    assert any("34 day(s) without records are gaps" in n for n in cal.notes)


def test_the_one_day_of_unusual_handle_time_is_flagged(feb, feb_cal):
    surges = handle_time_surges(feb)
    assert [s.day for s in surges] == [SURGE_DAY.isoformat()]
    (s,) = surges
    answered = [
        int(r["ser_time"])
        for r in _kept(_rows(FEB))
        if r["date"] == SURGE_DAY.strftime("%y%m%d") and r["outcome"] == "AGENT"
    ]
    assert s.answered == len(answered) and s.aht_s == pytest.approx(np.mean(answered))
    assert any(f"unusual handle time on {SURGE_DAY}" in n for n in feb_cal.notes)


BASE = {
    "name": "week",
    "interval_minutes": 60,
    "start_date": "2026-03-02",  # a Monday
    "days": 14,
    "channels": [
        {
            "name": "voice",
            "kind": "voice",
            "handle_time": {"kind": "exponential", "mean_s": 240},
            "demand": {"volume_per_day": 1000, "intraday_profile": "two_peaks"},
        }
    ],
}


def test_weekday_profiles_shape_only_their_weekdays_and_single_profile_scenarios_are_unchanged():
    plain = parse_scenario(BASE, "base")
    before = expand(plain).channels["voice"].offered.reshape(14, 24)
    friday = np.zeros(24)
    friday[7:14] = 1 / 7
    sc = apply_overrides(plain, {"channels.voice.demand.weekday_profiles": {"friday": friday}})
    after = expand(sc).channels["voice"].offered.reshape(14, 24)
    fridays = [4, 11]
    np.testing.assert_array_equal(np.delete(after, fridays, 0), np.delete(before, fridays, 0))
    np.testing.assert_allclose(after[fridays], np.tile(friday * 1000, (2, 1)))
    assert plain.channels[0].demand.weekday_profiles is None


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ([1 / 23] * 23, r"weekday_profiles\.friday has 23 shares; 60-minute intervals need 24"),
        ([0.5] * 24, r"friday: intraday shares must add up to 1"),
        ([-1.0] + [2 / 23] * 23, r"friday: intraday shares must be >= 0"),
    ],
)
def test_bad_weekday_profiles_name_the_weekday(profile, message):
    data = {
        **BASE,
        "channels": [
            {
                **BASE["channels"][0],
                "demand": {
                    **BASE["channels"][0]["demand"],
                    "weekday_profiles": {"friday": profile},
                },
            }
        ],
    }
    with pytest.raises(Exception, match=message):
        parse_scenario(data, "bad")


def test_a_weekday_with_its_own_handle_time_gets_its_own_bands_with_the_evidence_shown(
    feb, feb_cal
):
    # In the month as generated the weekday does not change handle time or patience, and the
    # calibration writes no weekday band.
    assert not any(b.weekdays for b in feb_cal.scenario.channels[0].intraday_bands)
    day = (feb.offered_at_s // 86_400).astype(int)
    friday = np.array([(feb.origin + dt.timedelta(days=int(d))).weekday() == 4 for d in day])
    slower = dataclasses.replace(feb, handle_s=np.where(friday, feb.handle_s * 1.3, feb.handle_s))
    cal = calibrate(slower, interval_minutes=30, handle="recorded")
    bands = cal.scenario.channels[0].intraday_bands
    own = [b for b in bands if b.weekdays]
    assert own and all(b.weekdays == ("friday",) and b.aht_s is not None for b in own)
    hour = (feb.offered_at_s % 86_400) / 3600
    answered = np.isfinite(slower.handle_s)
    for b in own:
        lo, hi = (m / 60 for m in b.minutes)
        mine = friday & answered & (hour >= lo) & (hour < hi)
        assert b.aht_s == pytest.approx(slower.handle_s[mine].mean())
        (row,) = [
            r
            for r in cal.evidence
            if r["weekday"] == "friday" and r["band"] == f"{b.start}-{b.end}"
        ]
        assert row["answered"] == mine.sum() and row["aht_used"]
    # The plan's handle time follows the Friday band on Fridays only.
    table = expand(cal.scenario)
    starts = table.start.astype(object)
    aht = table.channels["voice"].aht_s
    every_day = next(b for b in bands if not b.weekdays and b.start == own[0].start)
    at = [i for i, s in enumerate(starts) if s.hour == int(own[0].start[:2]) and s.minute == 0]
    for i in at:
        expected = own[0].aht_s if starts[i].weekday() == 4 else every_day.aht_s
        assert aht[i] == pytest.approx(expected)


def test_weekday_bands_may_overlap_every_day_bands_but_not_each_other():
    every_day = {"start": "08:00", "end": "12:00", "aht_s": 200}
    friday = {"start": "09:00", "end": "10:00", "aht_s": 300, "weekdays": ["friday"]}
    channel = {**BASE["channels"][0], "intraday_bands": [every_day, friday]}
    sc = parse_scenario({**BASE, "channels": [channel]}, "ok")
    assert sc.channels[0].intraday_bands[1].weekdays == ("friday",)
    clash = {**friday, "start": "09:30", "end": "11:00", "weekdays": ["thursday", "friday"]}
    channel = {**BASE["channels"][0], "intraday_bands": [every_day, friday, clash]}
    with pytest.raises(Exception, match="intraday_bands overlap on friday"):
        parse_scenario({**BASE, "channels": [channel]}, "clash")


def test_weekdays_without_history_get_the_widest_hours_of_the_others_with_a_note():
    from scenarios.history.samples import sample_path

    cal = calibrate(read_history(sample_path("bank-day")), interval_minutes=30)  # a Sunday
    hours = cal.scenario.channels[0].opening_hours
    assert set(hours) == set(WEEKDAYS) and len(set(hours.values())) == 1
    assert any("no history on monday, tuesday" in n and "widest hours" in n for n in cal.notes)
