"""Effective handle time and the agents actually available, estimated from agents' busy periods.

A call record gives the *connected* service time only: the agent's after-call work (wrap-up)
and the time agents were away are invisible, and "agents who served in the interval" counts an
agent who took one call in a 30-minute interval as a full agent. Fed with those plain inputs
the Erlang models see more capacity than there was. This module estimates both corrections
from the agents' sequences of calls (method in ``StaffingEstimate.method``):

* **after-call time** ``wrap_up_s``: for each agent, the gap from the end of a call to the
  start of the agent's next call, taken only when a caller was already waiting in the queue
  at the end of the call (so the agent would have picked a call up at once had they been
  free) and shorter than ``break_gap_s``; its mean over those gaps is added to every call's
  recorded service time: ``effective_aht_s = recorded_aht_s + wrap_up_s``;
* **agents available** per interval: the time-average number of agents in a session, a
  session running from an agent's call start through calls separated by gaps shorter than
  ``break_gap_s`` to the last call's end plus ``wrap_up_s``; a longer gap is a break or the
  end of a shift.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..periods import ratio_of_counts
from .records import CallRecords
from .stats import interval_index, overlap_seconds


@dataclass(frozen=True)
class StaffingEstimate:
    """Observed staffing per interval, plain and corrected.

    ``agents_serving`` (plain) distinct named agents whose recorded service overlaps the
    interval; ``agents_available`` (corrected) time-average agents in a session (float) and
    ``agents_available_whole`` rounded to whole agents (the models' input); ``busy_agents``
    time-average agents in recorded service; ``occupancy_effective`` = (recorded service +
    after-call time) / available agent time. ``recorded_aht_s`` mean recorded service time,
    ``wrap_up_s`` estimated after-call time per call from ``wrap_up_gaps`` gaps,
    ``effective_aht_s`` their sum [s].
    """

    interval_s: float
    agents_serving: np.ndarray
    agents_available: np.ndarray
    agents_available_whole: np.ndarray
    busy_agents: np.ndarray
    occupancy_effective: np.ndarray
    recorded_aht_s: float
    wrap_up_s: float
    wrap_up_median_s: float
    wrap_up_gaps: int
    effective_aht_s: float
    break_gap_s: float

    @property
    def method(self) -> tuple[str, ...]:
        return (
            f"plain: AHT = mean recorded service time ({self.recorded_aht_s:.1f} s); agents = "
            "distinct agents whose recorded service overlaps the interval",
            f"after-call time: mean gap from an agent's call end to their next call start when a "
            f"caller was already waiting, gaps under {self.break_gap_s:g} s "
            f"({self.wrap_up_gaps} gaps, mean {self.wrap_up_s:.1f} s, median "
            f"{self.wrap_up_median_s:.1f} s)",
            f"corrected: AHT = recorded + after-call time = {self.effective_aht_s:.1f} s; agents "
            "= time-average agents in a session (calls separated by gaps under "
            f"{self.break_gap_s:g} s, each session ending {self.wrap_up_s:.1f} s after its last "
            "call), rounded to whole agents",
        )

    def to_dict(self) -> dict:
        return {
            "interval_s": self.interval_s,
            "recorded_aht_s": self.recorded_aht_s,
            "wrap_up_s": self.wrap_up_s,
            "wrap_up_median_s": self.wrap_up_median_s,
            "wrap_up_gaps": self.wrap_up_gaps,
            "effective_aht_s": self.effective_aht_s,
            "break_gap_s": self.break_gap_s,
            "method": list(self.method),
            "agents_serving": self.agents_serving,
            "agents_available": self.agents_available,
            "agents_available_whole": self.agents_available_whole,
            "busy_agents": self.busy_agents,
            "occupancy_effective": self.occupancy_effective,
        }


def _queue_waiting_at(calls: CallRecords, t_s: np.ndarray) -> np.ndarray:
    """Whether at least one queued caller was waiting at each instant ``t_s``."""
    q = calls.queued & (calls.wait_s > 0)
    start = np.sort(calls.offered_at_s[q])
    end = np.sort(calls.offered_at_s[q] + calls.wait_s[q])
    # callers waiting at t = entered at or before t minus left at or before t
    return np.searchsorted(start, t_s, side="right") - np.searchsorted(end, t_s, side="right") > 0


def estimate_staffing(
    calls: CallRecords, interval_minutes: int = 30, break_gap_s: float = 600.0
) -> StaffingEstimate:
    """Plain and corrected staffing per interval and the effective handle time.

    Parameters
    ----------
    calls : CallRecords
        Needs agent names and service start times (``CallRecords.agent``).
    interval_minutes : int
        Interval length [min].
    break_gap_s : float
        A gap between two calls of one agent at least this long is a break or the end of a
        shift [s].
    """
    interval_s = interval_minutes * 60.0
    _, n = interval_index(calls, interval_s)
    named = (calls.agent != "") & np.isfinite(calls.service_start_at_s)
    if not named.any():
        raise ValueError(
            "the history names no agents with service times, so staffing cannot be observed; "
            "map the `agent` and `service_start` columns"
        )
    agent = calls.agent[named]
    s0, s1 = calls.service_start_at_s[named], calls.service_end_at_s[named]
    names, owner = np.unique(agent, return_inverse=True)
    order = np.lexsort((s0, owner))
    owner, s0, s1 = owner[order], s0[order], s1[order]
    same = owner[1:] == owner[:-1]
    gap = s0[1:] - s1[:-1]
    waiting = _queue_waiting_at(calls, s1[:-1])
    sample = gap[same & waiting & (gap >= 0) & (gap < break_gap_s)]
    wrap = float(sample.mean()) if sample.size else 0.0
    # Sessions: a new one starts at each agent's first call and after every long gap.
    new = np.concatenate([[True], ~same | (gap >= break_gap_s)])
    sess_start = s0[new]
    sess_end = np.maximum.reduceat(s1, np.flatnonzero(new)) + wrap
    present = overlap_seconds(sess_start, sess_end, owner[new], names.size, interval_s, n).sum(
        axis=0
    )
    busy = overlap_seconds(s0, s1, owner, names.size, interval_s, n)
    # After-call time runs until the agent's next call at the latest.
    next_start = np.where(np.concatenate([same, [False]]), np.append(s0[1:], np.inf), np.inf)
    wrap_end = np.minimum(s1 + wrap, np.maximum(next_start, s1))
    busy_eff = overlap_seconds(s0, wrap_end, np.zeros_like(owner), 1, interval_s, n)[0]
    occ = ratio_of_counts(busy_eff, present)
    recorded = float(np.nanmean(calls.handle_s))
    available = present / interval_s
    return StaffingEstimate(
        interval_s=interval_s,
        agents_serving=(busy > 0).sum(axis=0),
        agents_available=available,
        agents_available_whole=np.rint(available).astype(np.int64),
        busy_agents=busy.sum(axis=0) / interval_s,
        occupancy_effective=np.minimum(occ, 1.0),
        recorded_aht_s=recorded,
        wrap_up_s=wrap,
        wrap_up_median_s=float(np.median(sample)) if sample.size else 0.0,
        wrap_up_gaps=int(sample.size),
        effective_aht_s=recorded + wrap,
        break_gap_s=float(break_gap_s),
    )
