"""Ctrl-C: ``ccplan`` interrupted mid-run exits 130 with one line, no traceback, no temp files.

A real subprocess in its own session gets SIGINT on its whole process group (as a terminal's
Ctrl-C does, workers included) once its progress bar shows that work has started.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def interrupt_after_progress(argv, cwd, marker="1/"):
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
    return proc.returncode, out.decode(), (seen + (err or b"")).decode()


@pytest.mark.parametrize("executor", ["serial", "processes"])
def test_simulate_interrupted_exits_cleanly(tmp_path, executor):
    argv = ["simulate", "default", "--replications", "200", "--progress"]
    argv += ["--executor", executor] + (["--workers", "2"] if executor == "processes" else [])
    code, out, err = interrupt_after_progress(argv, tmp_path)
    assert code == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    last = err.replace("\r", "\n").strip().splitlines()[-1]
    assert last == "ccplan simulate: interrupted", err
    assert out == ""
    assert list(tmp_path.iterdir()) == []  # nothing half-written, no temp files
