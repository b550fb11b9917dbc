"""Finished contacts, added a batch at a time to per-interval totals (and the log if kept).

Both engines (``simulator.model``, SimPy, and ``simulator.compiled``, numba) hand their
finished contacts here in the same batches, so their totals are summed in the same order and
agree to the last bit.
"""

from __future__ import annotations

import numpy as np

from .config import SimConfig
from .kpis import ANSWERED, WAITING, ContactTotals, open_seconds_before

__all__ = ["CONTACT_DTYPE", "SERVED", "ContactLedger"]

#: Internal outcome of a contact answered and out of service (logged as ANSWERED).
SERVED = 4

#: One row per contact, in arrival order (retrials and repeats after the forecast contacts).
CONTACT_DTYPE = np.dtype(
    [
        ("arrived_at_s", "f8"),  # arrival instant [s since the start]
        ("channel", "i2"),  # index into SimConfig.channels
        ("outcome", "i1"),  # 0 answered, 1 abandoned, 2 lost (closed), 3 waiting at the end
        ("wait_s", "f8"),  # time in queue until answered / abandoning / the end [s]
        ("handle_s", "f8"),  # handle time of answered contacts [s] (NaN otherwise)
        ("agent", "i4"),  # agent seat that answered (-1 otherwise)
        ("retrial", "?"),  # a caller calling again after abandoning
        ("repeat", "?"),  # an FCR repeat: an answered contact, unresolved, coming back
        ("interval", "i4"),  # interval of arrival
        ("pool", "i2"),  # index into SimConfig.pools of the pool that answered (-1 otherwise)
    ]
)


def finished_prefix(outcome: np.ndarray) -> int:
    """How many contacts at the front are finished (none still waiting or in service)."""
    unfinished = (outcome == WAITING) | (outcome == ANSWERED)
    return int(np.argmax(unfinished)) if unfinished.any() else outcome.size


class ContactLedger:
    """Per-interval ``ContactTotals`` of one replication, and the log parts if kept."""

    def __init__(self, config: SimConfig, keep_log: bool):
        self.config = config
        self.interval_s = float(config.interval_s)
        self.n_intervals = config.n_intervals
        self.keep_log = keep_log
        self.log_parts: list[dict[str, np.ndarray]] = []
        self.threshold_s = np.array([c.threshold_s for c in config.channels], dtype=float)
        # Per channel its further thresholds, padded with NaN (no wait is within NaN).
        also = [c.also_thresholds_s for c in config.channels]
        self.also_thresholds_s = np.full((len(also), max(map(len, also), default=0)), np.nan)
        for i, thresholds in enumerate(also):
            self.also_thresholds_s[i, : len(thresholds)] = thresholds
        self.totals = ContactTotals.zeros(
            (len(config.channels), config.n_intervals), self.also_thresholds_s.shape[1]
        )

    def _sla_wait(self, chan, arrived, wait) -> np.ndarray:
        """The wait the service level counts: wall-clock, or open time on channels whose
        deadline runs in opening hours."""
        out = wait
        for i, ch in enumerate(self.config.channels):
            if ch.deadline_clock == "opening_hours":
                mine = chan == i
                if out is wait:
                    out = wait.copy()
                start, end = arrived[mine], arrived[mine] + wait[mine]
                out[mine] = open_seconds_before(
                    end, ch.open_intervals, self.interval_s
                ) - open_seconds_before(start, ch.open_intervals, self.interval_s)
        return out

    def record(self, col: dict[str, np.ndarray]) -> None:
        """Add finished contacts (columns ``arrived_s``, ``chan``, ``wait_s``, ``outcome``, and
        for the log ``handle_s``, ``agent``, ``retrial``, ``repeat``, ``pool``) in contact-number
        order. The arrays may be views of the caller's: what is kept is copied."""
        names = ("arrived_s", "chan", "wait_s", "outcome")
        if self.keep_log:
            names += ("handle_s", "agent", "retrial", "repeat", "pool")
        # Counted: arrived within the horizon (not in the warm-up; retrials due after the end
        # never arrived).
        keep = (col["arrived_s"] >= 0.0) & (col["arrived_s"] < self.config.horizon_s)
        if keep.all():
            col = {name: col[name].copy() for name in names}
        else:
            col = {name: col[name][keep] for name in names}
        outcome = np.where(col["outcome"] == SERVED, ANSWERED, col["outcome"]).astype(np.int8)
        arrived, chan, wait = col["arrived_s"], col["chan"], col["wait_s"]
        interval = np.minimum(arrived // self.interval_s, self.n_intervals - 1).astype(np.int64)
        self.totals.add(
            chan.astype(np.int64) * self.n_intervals + interval,
            outcome,
            wait,
            self.threshold_s[chan],
            self._sla_wait(chan, arrived, wait),
            self.also_thresholds_s[chan],
        )
        if self.keep_log:
            self.log_parts.append(
                {
                    "arrived_at_s": arrived,
                    "channel": chan,
                    "outcome": outcome,
                    "wait_s": wait,
                    "handle_s": col["handle_s"],
                    "agent": col["agent"],
                    "retrial": col["retrial"].astype(bool),
                    "repeat": col["repeat"].astype(bool),
                    "interval": interval,
                    "pool": col["pool"],
                }
            )

    def log(self) -> np.ndarray:
        """The kept log: forecast contacts in arrival order, then retrials and repeats in the
        order made."""
        parts = self.log_parts
        log = np.empty(sum(len(p["channel"]) for p in parts), dtype=CONTACT_DTYPE)
        made = (
            np.concatenate([p["retrial"] | p["repeat"] for p in parts])
            if parts
            else np.zeros(0, bool)
        )
        order = np.argsort(made, kind="stable")
        for name in CONTACT_DTYPE.names:
            log[name] = np.concatenate([p[name] for p in parts])[order] if parts else []
        return log
