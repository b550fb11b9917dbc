"""Signals: SIGTERM, SIGHUP, SIGKILL and a swallowed Ctrl-C end a ``ccplan`` run completely.

Real subprocesses in their own session (process group = the command's pid) are signalled at
several moments; afterwards no process of the group may be alive (scanned in ``/proc``, the
workers included: before, ``kill`` of ``ccplan simulate`` left its workers running for over
ten minutes), the exit status is ``128 + signal`` and stderr ends with one line.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.processes import group_alive, wait_group_gone

ROOT = Path(__file__).parents[3]
needs_proc = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="process groups are read from /proc"
)


# "ready" on stderr as main() starts (a SIGTERM before then is Python's default: the process
# ends at once, having started nothing)
CODE = "import sys; from scenarios.cli import main; print('ready', file=sys.stderr, flush=True); "
CODE += "sys.exit(main())"


def start(argv, cwd) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CODE, *argv],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def wait_for(proc: subprocess.Popen, marker: str, delay_s: float = 0.0) -> bytes:
    """stderr read until ``marker`` shows, then ``delay_s`` more."""
    os.set_blocking(proc.stderr.fileno(), False)
    seen, t0 = b"", time.monotonic()
    while marker.encode() not in seen:
        assert proc.poll() is None, f"finished before the signal: {seen!r}"
        assert time.monotonic() - t0 < 120, f"no {marker!r} within 120 s: {seen!r}"
        seen += proc.stderr.read() or b""
        time.sleep(0.02)
    time.sleep(delay_s)
    return seen


def signal_and_collect(proc, seen: bytes, signum) -> tuple[int, str, float]:
    t0 = time.monotonic()
    os.kill(proc.pid, signum)  # the parent only, as `kill PID` does
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("did not exit within 30 s of the signal")
    exit_s = time.monotonic() - t0
    os.set_blocking(proc.stderr.fileno(), True)
    err = (seen + proc.stderr.read()).decode()
    proc.stderr.close()
    return proc.returncode, err, exit_s


def last_line(err: str) -> str:
    return err.replace("\r", "\n").strip().splitlines()[-1]


SIMULATE = ["simulate", "default", "--replications", "200", "--progress"]
SIMULATE += ["--executor", "processes", "--workers", "2", "--out", "res"]


@needs_proc
@pytest.mark.slow
@pytest.mark.parametrize(
    "marker, delay_s",
    [
        ("ready", 0.1),  # loading and planning: no worker yet
        ("/200 replications", 0),  # the first batch done: workers busy with the second
        ("4/200 replications", 0),  # a few batches in
    ],
)
def test_sigterm_of_simulate_ends_its_workers(tmp_path, marker, delay_s):
    proc = start(SIMULATE, tmp_path)
    seen = wait_for(proc, marker, delay_s)
    workers = len(group_alive(proc.pid)) - 1
    code, err, exit_s = signal_and_collect(proc, seen, signal.SIGTERM)
    assert code == 128 + signal.SIGTERM, err
    assert last_line(err) == "ccplan simulate: terminated (SIGTERM)", err
    assert "Traceback" not in err
    assert wait_group_gone(proc.pid) == [], f"workers survived ({workers} before)"
    assert exit_s < 10, exit_s
    if marker != "ready":
        assert workers == 2  # the signal came with the pool running
    assert not list(tmp_path.rglob("*.tmp"))  # the finished replications saved, if any


@needs_proc
@pytest.mark.slow
@pytest.mark.parametrize(
    "argv, marker, word, signum",
    [
        (
            ["sweep", "default", "--vary", "targets.voice.service_level=0.5:0.99:0.01"]
            + ["--progress", "--workers", "2"],
            "/50 grid points",
            "sweep",
            signal.SIGTERM,
        ),
        (
            ["check", "default", "--replications", "400", "--progress", "--workers", "2"],
            "breach risk, voice",
            "check",
            signal.SIGHUP,
        ),
    ],
)
def test_sweep_and_check_end_their_workers_too(tmp_path, argv, marker, word, signum):
    proc = start(argv, tmp_path)
    seen = wait_for(proc, marker, 0.3)  # the workers at work
    code, err, _ = signal_and_collect(proc, seen, signum)
    assert code == 128 + signum, err
    name = signal.Signals(signum).name
    assert last_line(err).startswith(f"ccplan {word}: terminated ({name}"), err
    assert "Traceback" not in err
    assert wait_group_gone(proc.pid) == []


@needs_proc
@pytest.mark.slow
def test_workers_die_with_a_parent_killed_by_sigkill(tmp_path):
    # SIGKILL runs no handler in the parent: the workers' parent-death signal ends them.
    proc = start(SIMULATE, tmp_path)
    wait_for(proc, "/200 replications")
    assert len(group_alive(proc.pid)) == 3
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()
    assert wait_group_gone(proc.pid) == []


def test_a_swallowed_ctrl_c_still_ends_the_run_with_130(monkeypatch, capsys, tmp_path):
    """A library that catches the KeyboardInterrupt (numpy's ``np.char.mod`` did, during
    interval-CSV formatting) must not turn Ctrl-C into exit 0, nor let a file be written
    from what it computed after."""
    import scenarios.cli as cli
    from scenarios.io import write_atomic

    def swallowing_command(args):
        try:
            signal.raise_signal(signal.SIGINT)  # Ctrl-C, as the terminal sends it
        except KeyboardInterrupt:
            pass  # what the library did
        write_atomic(tmp_path / "intervals.csv", "half-formatted\n")

    monkeypatch.setattr(cli, "cmd_validate", swallowing_command)
    handler = signal.getsignal(signal.SIGINT)
    assert cli.main(["validate", "default"]) == 130
    assert capsys.readouterr().err == "ccplan validate: interrupted\n"
    assert list(tmp_path.iterdir()) == []  # no file, no temporary
    assert signal.getsignal(signal.SIGINT) is handler  # the caller's handler back


def test_a_swallowed_ctrl_c_after_the_last_write_still_exits_130(monkeypatch, capsys):
    import scenarios.cli as cli

    def swallowing_command(args):
        try:
            signal.raise_signal(signal.SIGTERM)
        except KeyboardInterrupt:
            pass

    monkeypatch.setattr(cli, "cmd_validate", swallowing_command)
    assert cli.main(["validate", "default"]) == 143
    assert capsys.readouterr().err == "ccplan validate: terminated (SIGTERM)\n"
    monkeypatch.undo()  # the next run in this process starts with a clean record
    assert cli.main(["validate", "default", "--format", "json"]) == 0


def test_an_ignored_hangup_stays_ignored(monkeypatch, capsys):
    # `nohup ccplan ...`: SIGHUP is ignored from the start and must stay so during the run.
    import scenarios.cli as cli

    seen = []
    monkeypatch.setattr(
        cli, "cmd_validate", lambda args: seen.append(signal.getsignal(signal.SIGHUP))
    )
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        assert cli.main(["validate", "default"]) == 0
    finally:
        signal.signal(signal.SIGHUP, previous)
    assert seen == [signal.SIG_IGN]
