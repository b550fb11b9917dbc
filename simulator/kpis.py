"""KPIs from the contact log, per interval, per day and per run, for each channel and pool.

Contacts are assigned to the period in which they *arrived*. Service levels are reported
under the three definitions of ``erlang.SLDefinition``; for deferred channels the threshold is
the response-time target, so ``service_level`` is the share answered within the target.
Periods without offered contacts report the zero-load values of the Erlang functions (service
levels 1, waits 0, abandonment 0); a period in which contacts were offered but none answered
reports ``asa_s = inf``. Contacts still waiting when the horizon ends are censored: they count
as offered and not answered, with the wait they had so far.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import ABANDONED, ANSWERED, LOST, WAITING


@dataclass(frozen=True)
class ChannelKPIs:
    """KPIs of one channel over a sequence of periods (arrays) or the whole run (floats).

    Counts: ``offered`` (arrived while open, or deferred), ``answered``, ``abandoned``,
    ``lost`` (voice/chat arriving while closed, not offered), ``waiting`` (still queued at the
    end of the horizon), ``answered_within`` and ``abandoned_within`` (wait <= ``threshold_s``).
    Rates: ``service_level`` = answered within threshold / offered;
    ``service_level_excl_short_abandons`` = answered within / (offered - abandoned within);
    ``service_level_of_answered`` = answered within / answered; ``abandon_rate`` = abandoned /
    offered. Waits [s]: ``asa_s`` (mean wait of answered), ``mean_wait_s`` (all offered,
    abandoners with their time in queue), ``max_wait_s``. Time-weighted (exact):
    ``mean_queue_length``; ``backlog_at_end`` = contacts waiting at the end of the period.
    """

    channel: str
    threshold_s: float
    offered: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray
    lost: np.ndarray
    waiting: np.ndarray
    answered_within: np.ndarray
    abandoned_within: np.ndarray
    service_level: np.ndarray
    service_level_excl_short_abandons: np.ndarray
    service_level_of_answered: np.ndarray
    abandon_rate: np.ndarray
    asa_s: np.ndarray
    mean_wait_s: np.ndarray
    max_wait_s: np.ndarray
    mean_queue_length: np.ndarray
    backlog_at_end: np.ndarray


@dataclass(frozen=True)
class PoolKPIs:
    """Agent time per period: ``mean_agents`` present, ``mean_busy`` (agent load, a chat
    counting 1/concurrency) and ``occupancy`` = busy time / present time (0 with no agents)."""

    pool: str
    mean_agents: np.ndarray
    mean_busy: np.ndarray
    occupancy: np.ndarray


def _ratio(num, den, empty):
    """``num / den`` with ``empty`` where ``den`` is 0."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), empty)


def channel_kpis(
    name: str,
    threshold_s: float,
    period: np.ndarray,
    outcome: np.ndarray,
    wait_s: np.ndarray,
    n_periods: int,
    queue_area: np.ndarray,
    period_s: np.ndarray,
    backlog_at_end: np.ndarray,
) -> ChannelKPIs:
    """KPIs of one channel's contacts, grouped by ``period`` (0..n_periods-1).

    ``queue_area`` is the time integral of the queue length per period [contact-s] and
    ``period_s`` the length of each period [s].
    """

    def count(mask, weights=None):
        return np.bincount(
            period[mask], weights=None if weights is None else weights[mask], minlength=n_periods
        )

    answered = outcome == ANSWERED
    abandoned = outcome == ABANDONED
    offered_mask = outcome != LOST
    within = wait_s <= threshold_s
    offered = count(offered_mask)
    n_answered = count(answered)
    n_abandoned = count(abandoned)
    ans_within = count(answered & within)
    ab_within = count(abandoned & within)
    max_wait = np.zeros(n_periods)
    if offered_mask.any():
        np.maximum.at(max_wait, period[offered_mask], wait_s[offered_mask])
    sl = _ratio(ans_within, offered, 1.0)
    return ChannelKPIs(
        channel=name,
        threshold_s=threshold_s,
        offered=offered,
        answered=n_answered,
        abandoned=n_abandoned,
        lost=count(outcome == LOST),
        waiting=count(outcome == WAITING),
        answered_within=ans_within,
        abandoned_within=ab_within,
        service_level=sl,
        service_level_excl_short_abandons=_ratio(ans_within, offered - ab_within, 1.0),
        service_level_of_answered=_ratio(ans_within, n_answered, np.where(offered > 0, 0.0, 1.0)),
        abandon_rate=_ratio(n_abandoned, offered, 0.0),
        asa_s=_ratio(count(answered, wait_s), n_answered, np.where(offered > 0, np.inf, 0.0)),
        mean_wait_s=_ratio(count(offered_mask, wait_s), offered, 0.0),
        max_wait_s=max_wait,
        mean_queue_length=queue_area / period_s,
        backlog_at_end=backlog_at_end,
    )


def pool_kpis(name: str, busy_area: np.ndarray, staff_area: np.ndarray, period_s) -> PoolKPIs:
    """Agent-time KPIs from the exact time integrals per period."""
    return PoolKPIs(
        pool=name,
        mean_agents=staff_area / period_s,
        mean_busy=busy_area / period_s,
        occupancy=_ratio(busy_area, staff_area, 0.0),
    )


def group_sum(per_interval: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum a per-interval array over groups of intervals (days, the run)."""
    return np.bincount(group, weights=per_interval, minlength=n_groups)
