"""Fuzz-suite settings: a Hypothesis profile, and a SIGALRM guard that turns a hang into a failure.

Hypothesis's ``deadline`` reports slow examples; it cannot stop one that never returns. The
guard interrupts the example after ``HANG_S`` seconds of wall time with ``Hang``, so a hang fails
the test with the example that caused it instead of stalling CI.

Every fuzz test uses ``fuzz_settings(n)``: ``n`` examples, derandomized so CI runs the same
cases every time, with no deadline (a slow example on a loaded machine is not a failure; the
guard catches hangs). ``HYPOTHESIS_PROFILE=fuzz-deep pytest tests/fuzz`` runs 10,000
random examples per test instead, to hunt for new crashes (``FUZZ_EXAMPLES=N`` sets another
count for such a run).
"""

from __future__ import annotations

import contextlib
import os
import signal

from hypothesis import HealthCheck, settings

HANG_S = 20.0

_HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]


class Hang(Exception):
    """An example ran longer than the guard allows."""


@contextlib.contextmanager
def hang_guard(seconds: float = HANG_S):
    """Raise ``Hang`` in the main thread if the block runs longer than ``seconds``."""

    def on_alarm(signum, frame):
        raise Hang(f"no result after {seconds:g} s (hang?)")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def fuzz_settings(n: int) -> settings:
    """``n`` derandomized examples, no deadline (a loaded CI core is slow, not hung; the guard
    catches hangs)."""
    deep = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz-deep"
    return settings(
        max_examples=int(os.environ.get("FUZZ_EXAMPLES", "10000")) if deep else n,
        derandomize=not deep,
        deadline=None,
        suppress_health_check=_HEALTH,
        print_blob=True,
    )
