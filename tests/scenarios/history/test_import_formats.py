"""Import of real export layouts: the Technion text files (tabs, CRLF, YYMMDD dates), a
generic ACD export, several files at once, date filters, partial and bundled mappings,
spreadsheets, per-queue statistics and strict JSON.

The multi-day files under ``data/`` are made by ``technion_month.py`` (a test below checks
they are what it makes); expected counts here come from the csv module and the documented
rules, not from the importer.
"""

import collections
import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest

from scenarios.cli import main
from scenarios.history.records import (
    BUNDLED_MAPPINGS,
    HistoryError,
    load_mapping,
    read_history,
)
from scenarios.history.stats import queue_stats

from . import technion_month

DATA = Path(__file__).parent / "data"
FEB = DATA / "technion_1999-02.txt"
APR = DATA / "technion_1999-04_week.txt"
NA = "0:00:00"


def _rows(path):
    with path.open(newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def _kept(rows):
    """The offered calls by the documented rules (data/README.md of the package)."""
    return [
        r
        for r in rows
        if r["outcome"] != "PHANTOM"
        and not (r["q_start"] == NA and r["outcome"] == "HANG")
        and min(int(r["vru_time"]), int(r["q_time"]), int(r["ser_time"])) >= 0
    ]


@pytest.fixture(scope="module")
def feb_rows():
    return _rows(FEB)


def test_stored_files_are_what_the_generator_makes():
    for name, args in technion_month.FILES.items():
        assert (DATA / name).read_bytes() == technion_month.build(*args).encode("ascii")


def test_short_date_error_names_the_date_column_not_a_time_column():
    with pytest.raises(HistoryError) as err:
        read_history(FEB)  # the default mapping expects 1999-02-01, the file has 990201
    text = str(err.value)
    assert "column 'date'" in text and "'990201'" in text and "%Y-%m-%d" in text
    assert "vru_entry" not in text.split("row:")[0]


def test_a_mapping_giving_only_the_date_format_reads_the_technion_file(tmp_path, feb_rows):
    partial = tmp_path / "short_dates.yaml"
    partial.write_text("date_format: '%y%m%d'\n")
    calls = read_history(FEB, load_mapping(partial))
    kept = _kept(feb_rows)
    assert calls.report.rows_in == len(feb_rows)
    assert calls.report.kept == len(kept)
    assert calls.report.reconciles
    queued = collections.Counter((r["q_start"] != NA, r["outcome"]) for r in kept)
    assert calls.report.kept_by_kind == {
        "queued_answered": queued[True, "AGENT"],
        "queued_abandoned": queued[True, "HANG"],
        "direct_answered": queued[False, "AGENT"],
    }
    # The bundled Technion mapping reads it the same, by name.
    same = read_history(FEB, load_mapping("technion"))
    assert same.report.to_dict() == calls.report.to_dict()


def test_a_partial_columns_block_changes_only_the_entries_it_names(tmp_path):
    text = FEB.read_text().replace("server", "agent_name", 1)
    path = tmp_path / "renamed.txt"
    path.write_text(text)
    mapping = tmp_path / "m.yaml"
    mapping.write_text("extends: technion\ncolumns: {agent: agent_name, priority: null}\n")
    m = load_mapping(mapping)
    assert m.columns.agent == "agent_name" and m.columns.priority is None
    assert m.columns.wait_s == "q_time" and m.date_format == "%y%m%d"
    calls = read_history(path, m)
    assert set(calls.priority) == {""}
    servers = {r["server"] for r in _kept(_rows(FEB)) if r["outcome"] == "AGENT"}
    assert set(calls.agent[calls.outcome == 0]) == servers  # read from the renamed column


def test_unknown_bundled_mapping_names_the_choices(tmp_path):
    with pytest.raises(HistoryError, match="bundled mappings: bank-day, technion, generic-acd"):
        load_mapping(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: avaya\n")
    with pytest.raises(HistoryError, match="extends: 'avaya' is not a bundled mapping"):
        load_mapping(bad)
    assert set(BUNDLED_MAPPINGS) == {"bank-day", "technion", "generic-acd"}


def test_date_filter_keeps_exactly_the_days_asked_for(feb_rows):
    kept = _kept(feb_rows)
    inside = [r for r in kept if "990210" <= r["date"] <= "990216"]
    calls = read_history(
        FEB,
        load_mapping("technion"),
        date_from=dt.date(1999, 2, 10),
        date_to=dt.date(1999, 2, 16),
    )
    assert calls.report.kept == len(inside)
    assert calls.report.dropped["outside_dates"] == len(kept) - len(inside)
    assert calls.origin == dt.date(1999, 2, 10) and calls.n_days == 7


def test_several_files_are_one_history_and_the_gap_is_a_gap_not_zero_days(feb_rows):
    apr_rows = _rows(APR)
    calls = read_history([FEB, APR], load_mapping("technion"))
    assert calls.report.kept == len(_kept(feb_rows)) + len(_kept(apr_rows))
    assert calls.report.rows_in == len(feb_rows) + len(apr_rows)
    assert [f["kept"] for f in calls.report.files] == [
        len(_kept(feb_rows)),
        len(_kept(apr_rows)),
    ]
    # March 1 .. April 3 (31 + 3 days) have no records.
    (warning,) = calls.report.warnings
    assert "34 day(s)" in warning and "1999-03-01 .. 1999-04-03" in warning
    assert calls.origin == dt.date(1999, 2, 1) and calls.n_days == 28 + 34 + 7


def test_files_sharing_days_are_warned_about(tmp_path):
    calls = read_history([APR, APR], load_mapping("technion"))
    assert any("both have calls on 7 day(s)" in w for w in calls.report.warnings)


@pytest.mark.parametrize("suffix", [".ods", ".xlsx"])
def test_spreadsheets_are_refused_with_export_as_csv(tmp_path, suffix):
    path = tmp_path / f"calls{suffix}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:  # both formats are zip archives
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    path.write_bytes(buffer.getvalue())
    with pytest.raises(HistoryError, match="spreadsheet .* export .*CSV"):
        read_history(path)
    # Renamed to .csv it is still a spreadsheet inside.
    renamed = tmp_path / "calls.csv"
    renamed.write_bytes(buffer.getvalue())
    with pytest.raises(HistoryError, match="spreadsheet"):
        read_history(renamed)


def _acd_export(path: Path) -> list[dict]:
    """A small generic ACD export: two queues, two priorities, one voicemail."""
    rows = []
    t0 = dt.datetime(2024, 3, 4, 8, 0)
    for k in range(40):
        queue = "billing" if k % 4 == 0 else "support"
        abandoned = k % 5 == 0
        wait = 0 if k % 3 == 0 and not abandoned else 7 * (k % 9) + 5
        start = t0 + dt.timedelta(minutes=3 * k)
        rows.append(
            {
                "call_id": str(k),
                "queue": queue,
                "priority": "high" if k % 7 == 0 else "normal",
                "offered_at": f"{start:%Y-%m-%d %H:%M:%S}",
                "wait_seconds": str(wait),
                "disposition": "ABANDONED" if abandoned else "ANSWERED",
                "answered_at": ""
                if abandoned
                else f"{start + dt.timedelta(seconds=wait):%Y-%m-%d %H:%M:%S}",
                "handle_seconds": "" if abandoned else str(120 + 10 * k),
                "agent_id": "" if abandoned else f"A{k % 3}",
            }
        )
    rows.append({**rows[1], "call_id": "99", "disposition": "VOICEMAIL"})
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return rows


def test_generic_acd_export_per_queue_statistics_and_priority_share(tmp_path):
    path = tmp_path / "acd.csv"
    rows = [r for r in _acd_export(path) if r["disposition"] != "VOICEMAIL"]
    calls = read_history(path, load_mapping("generic-acd"))
    assert calls.report.kept == 40 and calls.report.dropped == {"other_outcome": 1}
    stats = {q.queue: q for q in queue_stats(calls, threshold_s=20.0)}
    assert set(stats) == {"billing", "support"}
    for queue, q in stats.items():
        mine = [r for r in rows if r["queue"] == queue]
        answered = [r for r in mine if r["disposition"] == "ANSWERED"]
        within = [r for r in answered if int(r["wait_seconds"]) <= 20]
        assert (q.offered, q.answered, q.answered_within) == (len(mine), len(answered), len(within))
        assert q.service_level == pytest.approx(len(within) / len(mine))
        assert q.aht_s == pytest.approx(
            sum(int(r["handle_seconds"]) for r in answered) / len(answered)
        )
        high = sum(r["priority"] == "high" for r in mine)
        assert q.priority_share.get("high", 0.0) == pytest.approx(high / len(mine))


def test_cli_reads_several_files_with_a_named_mapping_and_writes_strict_json(capsys):
    code = main(
        [
            "history",
            str(FEB),
            str(APR),
            "--mapping",
            "technion",
            "--from",
            "1999-02-25",
            "--to",
            "1999-04-05",
            "--replications",
            "0",
            "--prediction-replications",
            "0",
            "--format",
            "json",
        ]
    )
    assert code in (None, 0)
    text = capsys.readouterr().out
    data = json.loads(text)  # strict: json.loads would accept NaN/Infinity tokens, so check
    assert "Infinity" not in text and "NaN" not in text and '"inf"' not in text
    assert [f["source"] for f in data["import"]["files"]] == [str(FEB), str(APR)]
    assert any("gaps in the history" in w for w in data["import"]["warnings"])
    assert {q["queue"] for q in data["queues"]} == {"PS", "PE", "IN", "NE", "NW", "TT"}
    for path in data["infinite"]:  # each null that stands for infinity is listed and noted
        assert data["notes"]
        node = data
        for part in path.replace("[", ".[").split("."):
            node = node[int(part[1:-1])] if part.startswith("[") else node[part]
        assert node is None


def test_cli_text_names_the_file_of_a_first_dropped_line(capsys):
    main(
        ["history", str(FEB), str(APR), "--mapping", "technion", "--replications", "0"]
        + ["--prediction-replications", "0"]
    )
    out = capsys.readouterr().out
    assert "technion_1999-02.txt:2" in out  # never_queued: line 2 of the February file
    assert "warning: 34 day(s)" in out
    assert "1999-02-05 Fri" in out and "1999-03-01" not in out.split("warning")[-1]
