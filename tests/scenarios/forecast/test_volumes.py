"""Reading volume histories: the bundled 5-minute file, gaps, bad rows, call records."""

from __future__ import annotations

import csv
import datetime as dt

import numpy as np
import pytest

from scenarios.forecast import from_call_records, learn_opening_hours, read_volume_history
from scenarios.forecast.calendar import holidays_between
from scenarios.history.records import read_history
from scenarios.history.samples import sample_path


def test_bundled_bank_calls():
    path = sample_path("bank-5min")
    h = read_volume_history(path)["voice"]
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert h.interval_minutes == 5
    assert len(h.dates) == 20  # weekdays only: weekends are gaps, not zero days
    assert h.volumes.sum() == sum(int(r["Calls"]) for r in rows)
    assert h.dates[0] == dt.date(2003, 3, 3) and h.dates[-1] == dt.date(2003, 3, 28)
    h15 = h.aggregate(15)
    np.testing.assert_array_equal(h15.daily, h.daily)
    spans = learn_opening_hours(h15).spans()
    assert set(spans) == {"monday", "tuesday", "wednesday", "thursday", "friday"}
    assert spans["monday"] == ("07:00", "21:15")  # the last 5-minute interval starts 21:00


def _write(tmp_path, text):
    path = tmp_path / "v.csv"
    path.write_text(text)
    return path


def test_gaps_are_gaps_and_channels_split(tmp_path):
    path = _write(
        tmp_path,
        "start,volume,channel\n2027-01-04T08:00,5,voice\n2027-03-01T08:15,7,voice\n"
        "2027-01-04T08:00,2,chat\n",
    )
    hist = read_volume_history(path)
    assert set(hist) == {"chat", "voice"}
    assert hist["voice"].dates == (dt.date(2027, 1, 4), dt.date(2027, 3, 1))
    assert hist["voice"].interval_minutes == 15
    assert hist["voice"].daily.tolist() == [5, 7]


@pytest.mark.parametrize(
    "text,match",
    [
        ("start,volume\n2027-01-04T08:00,5\n2027-01-04T08:00,6\n", "line 3: .*already given"),
        ("start,volume\n2027-01-04T08:00,-1\n", "line 2: column 'volume' must be from 0 to"),
        ("start,volume\n2027-01-04T08:00,1e308\n", "line 2: column 'volume' must be from 0 to"),
        ("start,volume\n9999-12-31T23:00,5\n", "line 2: 9999-12-31 is outside the years"),
        ("start,volume\n2027-01-04T08:00,5\n2047-01-04T08:00,5\n", "span 7,306 days"),
        ("start,volume\n2027-01-04T08:00,many\n", "line 2: column 'volume' must be a number"),
        ("start,volume\nMonday 8am,5\n", "line 2: the time column must be an ISO date-time"),
        ("when,volume\n2027-01-04T08:00,5\n", "needs a time column"),
    ],
)
def test_bad_rows_name_line_and_column(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        read_volume_history(_write(tmp_path, text))


def test_spreadsheet_refused_with_hint(tmp_path):
    path = tmp_path / "v.ods"
    path.write_bytes(b"PK\x03\x04\xff\xfe binary")
    with pytest.raises(ValueError, match="export the sheet as CSV"):
        read_volume_history(path)


def test_call_records_aggregate_to_offered_calls():
    calls = read_history(sample_path("bank-day"))
    h = from_call_records(calls, 15)
    assert h.volumes.sum() == calls.size
    assert len(h.dates) == 1
    # Independent count: calls offered between 10:00 and 10:15.
    t = calls.offered_at_s
    assert h.volumes[0, 40] == np.sum((t >= 36_000) & (t < 36_900))


def test_holidays_of_a_country():
    hol = holidays_between("US", dt.date(2003, 5, 1), dt.date(2003, 7, 31))
    assert dt.date(2003, 5, 26) in hol and dt.date(2003, 7, 4) in hol
    with pytest.raises(ValueError, match="country"):
        holidays_between("XX", dt.date(2003, 5, 1), dt.date(2003, 7, 31))
