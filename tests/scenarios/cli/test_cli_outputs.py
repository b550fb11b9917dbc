"""Files the user names: one run's outputs per folder, no overwrite without --force, no
temporary file left by a run that was killed, quiet broken pipes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from scenarios.cli import main
from scenarios.cli._outputs import MANIFEST
from scenarios.examples import example_path
from scenarios.io import TEMPORARY, remove_stale_temporaries, write_atomic

ROOT = Path(__file__).parents[3]


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def short_default(tmp_path: Path, days: int) -> Path:
    data = yaml.safe_load(example_path("default").read_text(encoding="utf-8"))
    data["days"] = days
    path = tmp_path / f"default_{days}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def dead_pid() -> int:
    """The pid of a process that has ended (reaped)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


# ----- one run per folder ---------------------------------------------------------------------
def test_a_rerun_replaces_the_previous_runs_outputs(tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = run(capsys, "plan", str(short_default(tmp_path, 14)), "--out", str(out))
    assert code == 0, err
    first = json.loads((out / "plan.json").read_text())
    (out / "notes.txt").write_text("mine")  # the user's own file
    # a run of another command into the same folder: only its outputs remain
    code, _, err = run(
        capsys,
        "simulate",
        "default",
        "--replications",
        "2",
        "--executor",
        "serial",
        "--out",
        str(out),
    )
    assert code == 0, err
    names = sorted(p.name for p in out.iterdir())
    assert names == [MANIFEST, "notes.txt", "replications.csv", "summary.json"]
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["command"] == "ccplan simulate" and manifest["complete"] is True
    assert manifest["files"] == ["replications.csv", "summary.json"]
    # and a plan of another horizon: its own files, never beside the old ones
    code, _, err = run(capsys, "plan", str(short_default(tmp_path, 7)), "--out", str(out))
    assert code == 0, err
    assert not (out / "summary.json").exists() and (out / "notes.txt").read_text() == "mine"
    second = json.loads((out / "plan.json").read_text())
    assert first != second
    with (out / "intervals.csv").open() as f:
        rows = sum(1 for _ in f) - 1
    assert rows == 7 * 96 * 2  # 7 days of 15-minute intervals, two channels
    assert sorted(json.loads((out / MANIFEST).read_text())["files"]) == sorted(
        p.name for p in out.iterdir() if p.name not in (MANIFEST, "notes.txt")
    )


def test_outputs_not_recorded_by_a_run_are_not_replaced_without_force(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text("{}")  # from elsewhere: no manifest
    (out / "notes.txt").write_text("mine")
    code, _, err = run(capsys, "plan", "default", "--out", str(out))
    assert code == 2
    assert err == (
        f"ccplan plan: --out {out}: already holds plan.json, not written by a ccplan run "
        "(no .ccplan-run.json); give --force to replace them, or an empty folder\n"
    )
    assert (out / "plan.json").read_text() == "{}"
    code, _, err = run(capsys, "plan", "default", "--out", str(out), "--force")
    assert code == 0, err
    assert json.loads((out / "plan.json").read_text())["scenario"]
    assert (out / "notes.txt").read_text() == "mine"
    # a file where the folder should be
    code, _, err = run(capsys, "plan", "default", "--out", str(out / "notes.txt"))
    assert code == 2 and "exists and is not a folder" in err


def test_the_folder_is_refused_before_the_computation(tmp_path, capsys):
    report = tmp_path / "rep"
    report.mkdir()
    (report / "report.html").write_text("<p>someone else's</p>")
    t0 = time.perf_counter()
    code, _, err = run(capsys, "check", "default", "--report", str(report))
    assert code == 2 and "--report" in err and "report.html" in err
    assert time.perf_counter() - t0 < 5  # not after the verdict (tens of seconds)


def test_examples_copy_and_scenario_out_do_not_overwrite_without_force(tmp_path, capsys):
    target = tmp_path / "default.yaml"
    target.write_text("my edits")
    code, _, err = run(capsys, "examples", "--copy", "default", str(tmp_path))
    assert code == 2
    assert (
        err == f"ccplan examples: --copy {target}: already exists; give --force to overwrite it\n"
    )
    assert target.read_text() == "my edits"
    code, out, _ = run(capsys, "examples", "--copy", "default", str(tmp_path), "--force")
    assert code == 0 and target.read_bytes() == example_path("default").read_bytes()
    code, _, err = run(capsys, "history", "bank-day", "--scenario-out", str(target))
    assert code == 2 and f"--scenario-out {target}: already exists" in err


# ----- temporary files ------------------------------------------------------------------------
def test_stale_temporaries_of_dead_processes_are_removed_live_ones_kept(tmp_path):
    dead, alive = dead_pid(), os.getppid()
    stale = tmp_path / f".plan.json.{dead}-abc123.tmp"
    other = tmp_path / f".intervals.csv.{dead}-x.tmp"
    live = tmp_path / f".plan.json.{alive}-def456.tmp"
    unrelated = tmp_path / ".plan.json.tmp"  # not our naming
    for path in (stale, other, live, unrelated):
        path.write_text("half")
    assert TEMPORARY.fullmatch(stale.name)
    write_atomic(tmp_path / "plan.json", "{}")  # cleans its own file's leftovers only
    assert not stale.exists() and other.exists() and live.exists() and unrelated.exists()
    assert remove_stale_temporaries(tmp_path) == [other]
    assert live.exists() and unrelated.exists()


def test_a_run_killed_while_writing_leaves_nothing_the_next_run_keeps(tmp_path, capsys):
    out = tmp_path / "out"
    # A writer that hangs between writing its temporary and renaming it, killed by SIGKILL.
    code = (
        "import os, sys, time; from pathlib import Path; from scenarios.io import write_atomic;"
        "os.chmod = lambda *a: time.sleep(600);"
        "write_atomic(Path(sys.argv[1]) / 'intervals.csv', 'x' * 1000)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(out)], env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    deadline = time.monotonic() + 60
    while not list(out.glob(".intervals.csv.*.tmp")):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(list(out.glob(".intervals.csv.*.tmp"))) == 1
    (out / MANIFEST).write_text('{"files": ["intervals.csv"], "complete": false')  # cut short
    code, _, err = run(capsys, "plan", "default", "--out", str(out), "--format", "json")
    assert code == 0, err
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    assert json.loads((out / MANIFEST).read_text())["complete"] is True


# ----- limits on the command line -------------------------------------------------------------
@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["simulate", "default", "--replications", str(10**12)],
            "ccplan simulate: argument --replications: must be a whole number from 2 to "
            "100,000, got '1000000000000'",
        ),
        (
            ["check", "default", "--replications", "1"],
            "ccplan check: argument --replications: must be a whole number from 2 to 100,000, "
            "got '1'",
        ),
        (
            ["history", "bank-day", "--replications", "-1"],
            "ccplan history: argument --replications: must be a whole number from 0 to "
            "100,000, got '-1'",
        ),
        (
            ["simulate", "default", "--workers", "1500"],
            "ccplan simulate: --workers must be at most",
        ),
        (
            ["simulate", "default", "--workers", "1500", "--force-workers"],
            "ccplan simulate: --workers must be at most 256 even when forced, got 1500",
        ),
    ],
)
def test_replications_and_workers_are_bounded(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith(message) and err.count("\n") == 1, err


# ----- broken pipes ---------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_closed_pipe_ends_quietly(tmp_path, fmt):
    # `ccplan plan ... | head -1`: the reader leaves after one line of a long output
    scenario = short_default(tmp_path, 90)
    proc = subprocess.Popen(
        [sys.executable, "-m", "scenarios.cli", "plan", str(scenario), "--format", fmt],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) in (0, 141)
    assert err == ""  # no traceback, no "Exception ignored ... BrokenPipeError"
