"""Ctrl-C: ``ccplan`` interrupted mid-run exits 130 with one line, no traceback, no temp files.

A real subprocess in its own session gets SIGINT on its whole process group (as a terminal's
Ctrl-C does, workers included) once its progress bar shows that work has started.
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.processes import wait_group_gone

ROOT = Path(__file__).parents[3]


def interrupt_after_progress(argv, cwd, marker="/200 replications"):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from scenarios.cli import main; sys.exit(main())",
            *argv,
        ],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    seen = b""
    deadline = time.monotonic() + 120
    os.set_blocking(proc.stderr.fileno(), False)
    while marker.encode() not in seen:
        assert proc.poll() is None, f"finished before it could be interrupted: {seen!r}"
        assert time.monotonic() < deadline, "no progress line within 120 s"
        chunk = proc.stderr.read()
        seen += chunk or b""
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("did not exit within 60 s of Ctrl-C")
    if Path("/proc/self/stat").exists():  # no worker outlives the command
        assert wait_group_gone(proc.pid) == [], "worker processes survived Ctrl-C"
    return proc.returncode, out.decode(), (seen + (err or b"")).decode()


@pytest.mark.parametrize("executor", ["serial", "processes", "local"])
def test_simulate_interrupted_exits_cleanly(tmp_path, executor):
    argv = ["simulate", "default", "--replications", "200", "--progress"]
    argv += ["--executor", executor] + (["--workers", "2"] if executor != "serial" else [])
    code, out, err = interrupt_after_progress(argv, tmp_path)
    assert code == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    last = err.replace("\r", "\n").strip().splitlines()[-1]
    assert last == "ccplan simulate: interrupted", err
    assert out == ""
    assert list(tmp_path.iterdir()) == []  # nothing half-written, no temp files


def test_simulate_interrupted_saves_the_finished_replications(tmp_path):
    argv = ["simulate", "default", "--replications", "200", "--progress", "--out", "res"]
    code, out, err = interrupt_after_progress(argv + ["--executor", "serial"], tmp_path)
    assert code == 130, err
    assert "Traceback" not in err, err
    assert err.replace("\r", "\n").strip().splitlines()[-1] == "ccplan simulate: interrupted"
    saved = tmp_path / "res"
    names = ["replications.csv", "summary.json"]
    assert sorted(p.name for p in saved.iterdir()) == [".ccplan-run.json", *names]
    manifest = json.loads((saved / ".ccplan-run.json").read_text())
    assert manifest["files"] == names and manifest["complete"] is False
    summary = json.loads((saved / "summary.json").read_text())
    with (saved / "replications.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    finished = summary["replications_finished"]
    assert summary["complete"] is False and 1 <= finished < 200
    assert {int(r["replication"]) for r in rows} == set(range(finished))
    assert f"saved the {finished} finished replications" in err


def test_simulate_out_matches_the_json_report(tmp_path):
    argv = ["simulate", "default", "--replications", "3", "--executor", "serial"]
    done = subprocess.run(
        [sys.executable, "-m", "scenarios.cli", *argv, "--format", "json", "--out", "res"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    summary = json.loads((tmp_path / "res/summary.json").read_text())
    assert summary["complete"] is True and summary["replications_finished"] == 3
    assert summary["channels"] == report["channels"]
    with (tmp_path / "res/replications.csv").open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["channel"] == "voice"]
    # the summary's abandonment is pooled over the three replications written: abandoned
    # over offered, summed (not the mean of their three rates)
    pooled = sum(float(r["abandoned"]) for r in rows) / sum(float(r["offered"]) for r in rows)
    assert abs(pooled - report["channels"]["voice"]["abandon_rate"]["simulated"]) < 1e-12


def test_sweep_interrupted_saves_the_finished_grid_points(tmp_path):
    argv = ["sweep", "default", "--vary", "targets.voice.service_level=0.5:0.99:0.01"]
    argv += ["--replications", "3", "--executor", "serial", "--progress", "--out", "res"]
    code, out, err = interrupt_after_progress(argv, tmp_path, marker="/50 grid points")
    assert code == 130, err
    assert "Traceback" not in err, err
    with (tmp_path / "res/sweep.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    levels = sorted({float(r["targets.voice.service_level"]) for r in rows})
    assert 1 <= len(levels) < 50
    assert levels == [round(0.5 + 0.01 * i, 2) for i in range(len(levels))]  # grid order
    assert f"saved the {len(levels)} finished grid point(s)" in err


def test_check_interrupted_saves_the_finished_sections_of_its_report(tmp_path):
    argv = ["check", "default", "--replications", "400", "--executor", "serial"]
    argv += ["--progress", "--report", "rep"]
    code, out, err = interrupt_after_progress(argv, tmp_path, marker="breach risk, voice")
    assert code == 130, err
    assert "Traceback" not in err, err
    assert err.strip().splitlines()[-1] == "ccplan check: interrupted"
    assert "ccplan check: saved the finished sections to rep" in err
    report = (tmp_path / "rep/report.html").read_text(encoding="utf-8")
    assert "<h2>The targets at the staffing on offer</h2>" in report
    assert "<h3>The cost of the standard</h3>" in report  # finished before the breach risk began
    assert "<h3>Breach risk</h3>" not in report
    assert "interrupted: sections not listed here" in report
    assert not [p for p in (tmp_path / "rep").iterdir() if p.name.endswith(".tmp")]
