"""Ctrl-C at any moment of a process-pool run: exactly one line on stderr and exit status 130.

A real ``ccplan simulate`` subprocess in its own session gets SIGINT on its whole process group
(as a terminal's Ctrl-C does, workers included) at 20 moments spread from just after the
command starts, over planning, the start of the worker pool and the first batches of
replications (workers busy, and idle between batches). Before the workers ignored SIGINT from
their start, a worker hit while idle or starting printed a ``KeyboardInterrupt`` traceback.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.processes import wait_group_gone

ROOT = Path(__file__).parents[2]
READY = "ready"
MARKER = "/200 replications"  # in the progress bar: the first batch has finished
N_MOMENTS = 20


def start(cwd: Path) -> tuple[subprocess.Popen, float]:
    """``ccplan simulate`` (200 replications on 2 worker processes: far longer than the test
    waits) and the instant its ``main()`` starts."""
    code = f"import sys; from scenarios.cli import main; print({READY!r}, flush=True); "
    code += "sys.exit(main())"
    argv = ["simulate", "default", "--replications", "200", "--progress"]
    argv += ["--executor", "processes", "--workers", "2"]
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *argv],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stdout.readline().decode().strip() == READY
    return proc, time.monotonic()


def interrupt(proc: subprocess.Popen) -> tuple[int, str, str]:
    os.killpg(proc.pid, signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("did not exit within 60 s of Ctrl-C")
    if Path("/proc/self/stat").exists():  # no worker outlives the command
        assert wait_group_gone(proc.pid) == [], "worker processes survived Ctrl-C"
    return proc.returncode, out.decode(), err.decode()


def first_batch_s(cwd: Path) -> tuple[float, tuple[int, str, str]]:
    """Seconds from ``main()`` to the first finished batch, and that run interrupted then."""
    proc, t0 = start(cwd)
    os.set_blocking(proc.stderr.fileno(), False)
    seen, deadline = b"", t0 + 120
    try:
        while MARKER.encode() not in seen:
            assert proc.poll() is None, f"finished before it could be interrupted: {seen!r}"
            assert time.monotonic() < deadline, "no progress line within 120 s"
            seen += proc.stderr.read() or b""
            time.sleep(0.01)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    elapsed = time.monotonic() - t0
    code, out, err = interrupt(proc)
    return elapsed, (code, out, seen.decode() + err)


def only_the_interrupted_line(err: str) -> bool:
    """stderr holds the one line, after nothing but progress-bar updates."""
    lines = err.replace("\r", "\n").split("\n")
    body = [line for line in lines if line and not line.startswith("[")]
    # (a Ctrl-C while the command line is still being parsed names no command)
    return body in (["ccplan simulate: interrupted"], ["ccplan: interrupted"])


@pytest.mark.slow
def test_ctrl_c_at_20_moments_of_a_process_pool_run_prints_one_line(tmp_path):
    # The moments are spread over 1.6 x the time to the first finished batch (measured once,
    # so the spread follows the machine's speed): planning, pool start, the first batches.
    span_s, first = first_batch_s(tmp_path)
    seen = [(span_s, *first)]
    for i in range(N_MOMENTS - 1):
        proc, t0 = start(tmp_path)
        time.sleep(max(0.0, t0 + 1.6 * span_s * i / (N_MOMENTS - 2) - time.monotonic()))
        seen.append((round(time.monotonic() - t0, 3), *interrupt(proc)))
    bad = [s for s in seen if s[1] != 130 or s[2] != "" or not only_the_interrupted_line(s[3])]
    assert not bad, bad
    assert list(tmp_path.iterdir()) == []  # nothing written
