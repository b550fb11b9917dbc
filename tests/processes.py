"""Which processes are still alive: a process group read from ``/proc`` (Linux), for tests
that signal a real ``ccplan`` subprocess started in its own session (its pid is the group's
id, and its worker processes belong to the group)."""

from __future__ import annotations

import time
from pathlib import Path


def group_alive(pgid: int) -> list[int]:
    """Live (not zombie) processes whose process group is ``pgid``."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended meanwhile
            continue
        state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            alive.append(int(entry.name))
    return alive


def wait_group_gone(pgid: int, timeout_s: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while (alive := group_alive(pgid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive
