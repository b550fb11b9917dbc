"""The app's pure helpers: number formats, unit conversions at the edges, interval CSVs onto
the planning grid, and the form's fields in the units people type."""

import datetime as dt

import pandas as pd
import pytest

from scenarios.examples import load_example
from scenarios.overrides import apply_overrides
from ui.format import (
    cost_in_period,
    duration,
    fte,
    money,
    parse_standard,
    pct,
    range_message,
    standard_text,
)
from ui.pages.calculator import convert_volume
from ui.scenario_form import editable_fields, override_path
from ui.volumes import guess_columns, read_table, to_csv_bytes, to_grid


def test_numbers_are_shown_tidy():
    assert fte(66.6908) == "66.7"
    assert money(1234567.8, "EUR") == "1,234,568 EUR"
    assert pct(0.8703) == "87.0%"
    assert cost_in_period(1_200_000, "month") == 100_000
    with pytest.raises(ValueError, match="period"):
        cost_in_period(1.0, "week")


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(20, "20 s"), (90, "1 min 30 s"), (86_400, "24 h"), (5_400, "1 h 30 min"), (600, "10 min")],
)
def test_long_durations_read_in_hours_and_minutes(seconds, shown):
    assert duration(seconds) == shown


def test_standards_are_typed_as_percent_and_seconds():
    assert parse_standard(" 85/30 ") == (0.85, 30.0)
    assert standard_text(*parse_standard("90/15")) == "90/15"
    with pytest.raises(ValueError, match="between 0% and 100%"):
        parse_standard("180/20")
    with pytest.raises(ValueError, match="percent/seconds"):
        parse_standard("80-20")


def test_a_range_message_names_the_range_in_the_unit_typed():
    assert range_message("Service level", 80, 0, 100, "%") is None
    assert range_message("Service level", 180, 0, 100, "%") == (
        "Service level: 180% is outside 0% to 100%"
    )
    assert range_message("Within", -5, 0, 86_400, "s") == "Within: -5 s is outside 0 s to 86,400 s"
    assert range_message("Within", float("nan"), 0, 10, "s") is not None  # never a silent NaN


def test_a_volume_unit_change_converts_the_traffic():
    assert convert_volume(1200, "per hour", "per 15 minutes") == 300
    assert convert_volume(300, "per 15 minutes", "per 30 minutes") == 600
    # back and forth keeps the traffic
    assert convert_volume(
        convert_volume(777, "per hour", "per 15 minutes"), "per 15 minutes", "per hour"
    ) == pytest.approx(777)


def test_form_fields_are_in_percent_seconds_and_hours_and_map_back_to_the_schema():
    import json

    scenario = load_example("default")
    data = json.loads(scenario.model_dump_json(exclude_defaults=True))
    fields = {(f.section, f.label): f for f in editable_fields(data)}
    sl = fields[("target for voice", "Service level")]
    assert (sl.unit, sl.shown, sl.high) == ("%", 80.0, 100)
    deadline = fields[("target for email", "Answered within")]
    assert (deadline.unit, deadline.shown) == ("h", 24.0)
    absence = fields[("workforce", "Shrinkage: absence")]
    assert absence.shown == pytest.approx(12.0)
    # typed values go back through apply_overrides in the schema's units
    changed = apply_overrides(
        scenario,
        {
            override_path(sl.path): sl.to_schema(85.0),
            override_path(deadline.path): deadline.to_schema(4.0),
        },
    )
    assert changed.target_for("voice").service_level == 0.85
    assert changed.target_for("email").threshold_s == 14_400
    assert override_path(("targets", 0, "threshold_s")) == "targets[0].threshold_s"


def rows(start: str, count: int, minutes: int, volume=lambda k: 1.0) -> pd.DataFrame:
    t0 = dt.datetime.fromisoformat(start)
    return pd.DataFrame(
        {
            "Interval": [t0 + dt.timedelta(minutes=minutes * k) for k in range(count)],
            "Calls": [volume(k) for k in range(count)],
        }
    )


def test_finer_rows_are_summed_onto_the_grid():
    table = rows("2027-01-04 08:00", 12, 5, volume=lambda k: k)  # 08:00 .. 08:55
    grid = to_grid(table, "Interval", "Calls", 15, "f.csv")
    assert list(grid.volumes) == [0 + 1 + 2, 3 + 4 + 5, 6 + 7 + 8, 9 + 10 + 11]
    assert grid.volumes.sum() == table["Calls"].sum()  # nothing lost
    assert grid.step_minutes == 5 and "12 rows of 5 minutes summed into 4" in grid.notes[0]


def test_coarser_or_misaligned_rows_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="60 minutes apart, coarser than the scenario's 15"):
        to_grid(rows("2027-01-04", 3, 60), "Interval", "Calls", 15, "h.csv")
    with pytest.raises(ValueError, match="7 minutes apart, which does not divide"):
        to_grid(rows("2027-01-04", 3, 7), "Interval", "Calls", 15, "x.csv")
    with pytest.raises(ValueError, match="does not start a 15-minute interval"):
        to_grid(rows("2027-01-04 08:05", 3, 15), "Interval", "Calls", 15, "x.csv")
    bad = rows("2027-01-04", 3, 15)
    bad.loc[1, "Calls"] = -2
    with pytest.raises(ValueError, match="x.csv line 3: column `Calls` must hold a number"):
        to_grid(bad, "Interval", "Calls", 15, "x.csv")


def test_rows_outside_the_horizon_are_found_trimmed_or_spanned():
    table = rows("2027-01-03 00:00", 3 * 96, 15)  # 3 Jan .. 5 Jan
    grid = to_grid(table, "Interval", "Calls", 15, "f.csv")
    outside = grid.outside(dt.date(2027, 1, 4), 1)
    assert len(outside) == 2 * 96  # 3 Jan and 5 Jan
    assert len(grid.trimmed(dt.date(2027, 1, 4), 1)) == 96
    assert grid.span() == (dt.date(2027, 1, 3), 3)


def test_the_csv_written_is_what_the_demand_reader_takes(tmp_path):
    from scenarios.demand import expand

    grid = to_grid(rows("2027-01-04", 96, 5, volume=lambda k: 2.0), "Interval", "Calls", 15, "f")
    data = to_csv_bytes(grid.volumes)
    assert data.startswith(b"start,volume\n2027-01-04T00:00:00,6\n")
    (tmp_path / "v.csv").write_bytes(data)
    scenario = apply_overrides(load_example("default"), {"channels.voice.demand": {"csv": "v.csv"}})
    offered = expand(scenario, tmp_path).channels["voice"].offered
    assert offered.sum() == pytest.approx(96 * 2.0)  # every contact of the file, on the grid
    assert offered[:32].tolist() == [6.0] * 32


def test_columns_are_guessed_by_name_and_a_bad_file_is_named():
    assert guess_columns(["Calls", "Timestamp"]) == ("Timestamp", "Calls")
    with pytest.raises(ValueError, match="bad.csv: needs at least two columns"):
        read_table(b"only\n1\n", "bad.csv")
    with pytest.raises(ValueError, match="bad.csv: not UTF-8"):
        read_table(b"\xff\xfe\x00a", "bad.csv")


@pytest.mark.parametrize(
    "text",
    [
        "![x](http://example.com/a.png)",
        "[link](http://example.com) <img src=x> **b** _i_ `c` $x$ :red[r] :material/home:",
        'Service desk (default) 80% & co\'s, a/b; 1+1=2? ~x~ #h |t| {x} \\ "q" @m',
        "www.example.com a@b.co mailto:x https://x.y",
    ],
)
def test_plain_escapes_every_markdown_character_and_reads_back_as_typed(text):
    import re

    from ui.format import JOINER, plain

    out = plain(text)
    # every ASCII punctuation character is escaped; nothing else is changed but word joiners
    assert not re.search(r"(?<!\\)[!-/:-@\[-`{-~]", re.sub(r"\\.", "", out))
    assert re.sub(r"\\(.)", r"\1", out).replace(JOINER, "") == text
    # GFM's autolinks need these exact sequences in the text as rendered
    rendered = re.sub(r"\\(.)", r"\1", out)
    for link in ("://", "www.", "@b", "mailto:x"):
        assert link not in rendered


def test_plain_turns_line_breaks_into_spaces():
    from ui.format import plain

    assert plain("a\n# heading\r\n\tb") == "a \\# heading   b"
