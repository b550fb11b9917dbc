"""``ccplan roster``: table, JSON, CSV and the files of ``--out``; errors in one line."""

import csv
import io
import json

import pytest

from scenarios.cli import main
from scenarios.examples import load_example
from scenarios.io import save_scenario
from scenarios.overrides import apply_overrides


@pytest.fixture(scope="module")
def week_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("roster") / "week.yaml"
    save_scenario(apply_overrides(load_example("default"), {"days": 7}), path)
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_and_files(capsys, week_file, tmp_path):
    out_dir = tmp_path / "out"
    code, out, err = run(
        capsys, "roster", week_file, "--channel", "voice", "--format", "json", "--out", str(out_dir)
    )
    assert code == 0, err
    data = json.loads(out)
    voice = data["channels"]["voice"]
    assert data["objective"] == "cover_intervals" and data["shift_rules"] == "default"
    assert voice["under_coverage_hours"] == 0 and 0 < voice["efficiency"] <= 1
    assert voice["gap"] <= 0.01 and voice["fte"] > 0 and voice["requirement_only"]["fte"] > 0
    names = sorted(p.name for p in out_dir.iterdir() if not p.name.startswith("."))
    assert names == ["coverage.csv", "coverage_voice.png", "roster.json", "shifts.csv"]
    shifts = list(csv.DictReader(io.StringIO((out_dir / "shifts.csv").read_text())))
    assert len(shifts) == voice["shifts"]
    assert sum(float(r["paid_hours"]) for r in shifts) == pytest.approx(voice["paid_hours"])


def test_table_with_the_roster_simulated(capsys, week_file):
    code, out, err = run(
        capsys,
        "roster",
        week_file,
        "--channel",
        "voice",
        "--simulate",
        "--replications",
        "3",
    )
    assert code == 0, err
    assert "objective cover_intervals" in out and "efficiency" in out
    assert "service level 80% (answered within 20 s / offered)" in out
    assert "the roster simulated (simulation" in out and "3 replications" in out
    assert "simulated SL per day (pooled over replications): lowest" in out


def test_errors_are_one_line(capsys, week_file):
    code, out, err = run(capsys, "roster", week_file, "--channel", "fax")
    assert code == 2 and out == ""
    assert err.strip() == "ccplan roster: unknown channel 'fax'; channels are: voice, email"
