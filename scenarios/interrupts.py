"""Stop requests: a signal that ends a run (Ctrl-C, SIGTERM, SIGHUP), raised *and* remembered.

Python turns SIGINT into a ``KeyboardInterrupt`` raised wherever the main thread is, and a
termination signal (SIGTERM, SIGHUP) by default ends the process on the spot, skipping every
``finally``: worker processes and temporary files were left behind. Inside
``stop_signals()`` all three raise ``KeyboardInterrupt`` (the one unwinding path: executors
stop their workers, finished results are saved, temporary files removed) and are recorded.

The record matters because a library may swallow the exception: numpy 2.x's ``np.char.mod``
calls ``__mod__`` per element in C and drops an exception raised meanwhile, so a Ctrl-C
during interval-CSV formatting was lost and the run exited 0 (the issue measured 9 of 21
attempts). With the record the command still ends with ``128 + signal`` (``stop_signal()``),
and ``scenarios.io.write_atomic`` commits no file computed after a stop nobody handled
(``raise_if_stopped()``); code that catches the ``KeyboardInterrupt`` on purpose to save
what finished calls ``acknowledge()`` first.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

#: The signals handled, with the word the command line uses for each.
STOP_SIGNALS = {
    name: word
    for name, word in (
        ("SIGINT", "interrupted"),
        ("SIGTERM", "terminated (SIGTERM)"),
        ("SIGHUP", "terminated (SIGHUP: the terminal closed)"),
    )
    if hasattr(signal, name)
}

_state = {"signum": None, "armed": False, "pending": False}


def stop_signal() -> int | None:
    """The first stop signal received inside ``stop_signals()`` (None: none)."""
    return _state["signum"]


def describe(signum: int) -> str:
    """``interrupted`` for SIGINT, ``terminated (SIGTERM)`` for SIGTERM, ..."""
    return STOP_SIGNALS.get(signal.Signals(signum).name, f"stopped by signal {signum}")


def raise_if_stopped() -> None:
    """``KeyboardInterrupt`` if a stop signal was received and not yet handled (a library
    swallowed it); raised once."""
    if _state["pending"]:
        _state["pending"] = False
        raise KeyboardInterrupt


def acknowledge() -> None:
    """The stop is being handled (finished results saved on the way out): files may be
    written again."""
    _state["pending"] = False


def disarm() -> None:
    """Later signals are recorded but no longer raise (the run is already ending: its last
    line must not be cut by a second Ctrl-C)."""
    _state["armed"] = False


def _handler(signum, _frame) -> None:
    if _state["signum"] is None:
        _state["signum"] = signum
    _state["pending"] = True
    if _state["armed"]:
        raise KeyboardInterrupt


@contextmanager
def stop_signals():
    """Handle SIGINT, SIGTERM and SIGHUP as described above while the block runs, then put
    the previous handlers back. A signal the process was started with ignored (``nohup``
    ignores SIGHUP, a shell script's ``&`` SIGINT) stays ignored. Outside the main thread
    (where Python cannot set handlers) it only keeps the record. The record is cleared as
    the block ends (read it inside)."""
    _state.update(signum=None, armed=True, pending=False)
    if threading.current_thread() is not threading.main_thread():
        try:
            yield
        finally:
            _state.update(signum=None, armed=False, pending=False)
        return
    previous = {}
    for name in STOP_SIGNALS:
        signum = getattr(signal, name)
        if signal.getsignal(signum) is signal.SIG_IGN:  # nohup, or `&` in a script: keep
            continue
        previous[signum] = signal.signal(signum, _handler)
    try:
        yield
    finally:
        _state.update(signum=None, armed=False, pending=False)
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
