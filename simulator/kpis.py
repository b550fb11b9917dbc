"""KPIs per interval, per day and per run, for each channel and pool.

The simulation adds its contacts to per-interval ``ContactTotals`` as it goes (counts, total
waits, maximum wait), so KPIs need no per-contact log; days and the run sum the intervals.

Contacts are assigned to the period in which they *arrived*. Service levels are reported
under the three definitions of ``erlang.SLDefinition``; for deferred channels the threshold is
the response-time target, so ``service_level`` is the share answered within the target.
A KPI whose denominator is empty is not measured and reads NaN (``erlang.ratio_of_counts``,
the project's one convention): service levels, abandonment and mean wait of a period with no
offered contacts, ASA and the of-answered service level of a period with none answered.
Occupancy with no agent present is 0. Contacts still waiting when the horizon ends are
censored: they count as offered and not answered, with the wait they had so far.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from erlang import SLDefinition, ratio_of_counts, service_level_from_counts

# Outcomes in the contact log.
ANSWERED, ABANDONED, LOST, WAITING = 0, 1, 2, 3
OUTCOMES = ("answered", "abandoned", "lost", "waiting")


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


#: Per-period sums from which ``ChannelKPIs`` are computed: integer counts, then float sums.
COUNT_FIELDS = (
    "offered",
    "answered",
    "abandoned",
    "lost",
    "waiting",
    "answered_within",
    "abandoned_within",
)
SUM_FIELDS = ("answered_wait_s", "offered_wait_s")


@dataclass(frozen=True)
class ContactTotals:
    """Sums over the contacts of each period, for one channel (arrays of one length).

    The counts of ``ChannelKPIs`` plus ``answered_wait_s`` and ``offered_wait_s`` (total wait
    of answered / offered contacts [s]) and ``max_wait_s``. Sums of consecutive periods give
    the totals of longer periods (``regroup``), so KPIs per day or per run need no contact.
    ``answered_within_also`` and ``abandoned_within_also`` (one more axis, last: one entry per
    further threshold, ``Channel.also_thresholds_s``) are the within-counts at the channel's
    further thresholds; ``with_threshold`` swaps one of them in.
    """

    offered: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray
    lost: np.ndarray
    waiting: np.ndarray
    answered_within: np.ndarray
    abandoned_within: np.ndarray
    answered_wait_s: np.ndarray
    offered_wait_s: np.ndarray
    max_wait_s: np.ndarray
    answered_within_also: np.ndarray
    abandoned_within_also: np.ndarray

    @classmethod
    def zeros(cls, shape, n_also: int = 0) -> ContactTotals:
        """Zero totals of ``shape`` (an int or a tuple), with ``n_also`` further thresholds."""
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        counts = {f: np.zeros(shape, dtype=np.int64) for f in COUNT_FIELDS}
        sums = {f: np.zeros(shape) for f in (*SUM_FIELDS, "max_wait_s")}
        also = {f: np.zeros((*shape, n_also), dtype=np.int64) for f in ALSO_FIELDS}
        return cls(**counts, **sums, **also)

    @classmethod
    def of_contacts(cls, period, outcome, wait_s, threshold_s, n_periods: int) -> ContactTotals:
        """Totals of the contacts grouped by ``period`` (0..n_periods-1); ``threshold_s`` may
        be one value or one per contact."""
        out = cls.zeros(n_periods)
        out.add(period, outcome, wait_s, threshold_s)
        return out

    def add(
        self, period, outcome, wait_s, threshold_s, sla_wait_s=None, also_thresholds_s=None
    ) -> None:
        """Add contacts (in place): ``period`` indexes the flattened arrays. ``sla_wait_s``
        (default ``wait_s``) is the wait compared with ``threshold_s`` (e.g. counted in
        opening hours) and with ``also_thresholds_s`` (per contact, one column per further
        threshold; NaN where a contact's channel has fewer: never within)."""
        n = self.offered.size
        period = np.asarray(period, dtype=np.int64)
        sla_wait_s = wait_s if sla_wait_s is None else sla_wait_s
        within = sla_wait_s <= threshold_s
        n_also = self.answered_within_also.shape[-1]
        by_period_outcome = period * 4 + outcome
        for j in range(n_also):  # answered / abandoned within each further threshold
            also = sla_wait_s <= np.asarray(also_thresholds_s)[:, j]
            by_outcome = np.bincount(by_period_outcome[also], minlength=4 * n).reshape(n, 4)
            self.answered_within_also.reshape(n, n_also)[:, j] += by_outcome[:, ANSWERED]
            self.abandoned_within_also.reshape(n, n_also)[:, j] += by_outcome[:, ABANDONED]
        # One pass of counting: each contact's period, outcome (0..3) and whether within.
        code = by_period_outcome * 2 + within
        by_code = np.bincount(code, minlength=8 * n).reshape(n, 4, 2)
        per_outcome = by_code.sum(axis=2)
        lost = per_outcome[:, LOST]
        for name, counts in (
            ("offered", per_outcome.sum(axis=1) - lost),
            ("answered", per_outcome[:, ANSWERED]),
            ("abandoned", per_outcome[:, ABANDONED]),
            ("lost", lost),
            ("waiting", per_outcome[:, WAITING]),
            ("answered_within", by_code[:, ANSWERED, 1]),
            ("abandoned_within", by_code[:, ABANDONED, 1]),
        ):
            getattr(self, name).reshape(-1)[:] += counts
        answered, offered = outcome == ANSWERED, outcome != LOST
        self.answered_wait_s.reshape(-1)[:] += np.bincount(
            period[answered], weights=wait_s[answered], minlength=n
        )
        self.offered_wait_s.reshape(-1)[:] += np.bincount(
            period[offered], weights=wait_s[offered], minlength=n
        )
        if offered.any():  # the largest wait per period (sorted by period; ufunc.at is slow)
            order = np.argsort(period[offered], kind="stable")
            sorted_period, sorted_wait = period[offered][order], wait_s[offered][order]
            first = np.flatnonzero(np.r_[True, sorted_period[1:] != sorted_period[:-1]])
            flat, at = self.max_wait_s.reshape(-1), sorted_period[first]
            flat[at] = np.maximum(flat[at], np.maximum.reduceat(sorted_wait, first))

    def row(self, i: int) -> ContactTotals:
        """Row ``i`` of two-dimensional totals (one channel)."""
        return ContactTotals(**{f: getattr(self, f)[i] for f in _TOTAL_FIELDS})

    def regroup(self, group: np.ndarray, n_groups: int) -> ContactTotals:
        """Totals of groups of periods (``group[k]``: the group of period ``k``)."""
        out = {}
        for f in (*COUNT_FIELDS, *ALSO_FIELDS):
            values = getattr(self, f)
            out[f] = np.zeros((n_groups, *values.shape[1:]), dtype=np.int64)
            np.add.at(out[f], group, values)
        for f in SUM_FIELDS:
            out[f] = group_sum(getattr(self, f), group, n_groups)
        out["max_wait_s"] = np.zeros(n_groups)
        np.maximum.at(out["max_wait_s"], group, self.max_wait_s)
        return ContactTotals(**out)

    def with_threshold(self, j: int, row=...) -> ContactTotals:
        """These totals as counted with further threshold ``j`` as the service-level one, in
        ``row`` (an index into the leading axis, e.g. a channel; default all): its within-counts
        swapped with the current ones (which become further threshold ``j``). Counting is
        exact, so they equal the totals of a simulation run with that threshold."""
        out = {f: getattr(self, f) for f in _TOTAL_FIELDS}
        for name in ("answered_within", "abandoned_within"):
            current, also = getattr(self, name).copy(), getattr(self, f"{name}_also").copy()
            swapped = also[row][..., j].copy()
            also[row][..., j] = current[row]  # (``also[row]`` is a view: basic indexing)
            current[row] = swapped
            out[name], out[f"{name}_also"] = current, also
        return ContactTotals(**out)


#: The within-counts at further thresholds (one more axis, last).
ALSO_FIELDS = ("answered_within_also", "abandoned_within_also")
_TOTAL_FIELDS = (*COUNT_FIELDS, *SUM_FIELDS, "max_wait_s", *ALSO_FIELDS)


def open_seconds_before(t_s, is_open: np.ndarray, interval_s: float) -> np.ndarray:
    """Seconds of open time from the start of the horizon to each instant ``t_s`` (the channel
    is open through interval ``k`` where ``is_open[k]``; after the horizon nothing counts).
    The open time between two instants is the difference of their values."""
    t_s = np.asarray(t_s, dtype=float)
    cumulative = np.concatenate([[0.0], np.cumsum(is_open) * interval_s])
    k = np.clip(np.floor(t_s / interval_s), 0, is_open.size).astype(np.int64)
    inside = np.append(is_open, False)[k]
    return cumulative[k] + np.where(inside, t_s - k * interval_s, 0.0)


def channel_kpis(
    name: str,
    threshold_s: float,
    totals: ContactTotals,
    queue_area: np.ndarray,
    period_s: np.ndarray,
    backlog_at_end: np.ndarray,
) -> ChannelKPIs:
    """KPIs of one channel from the contact totals of each period.

    ``queue_area`` is the time integral of the queue length per period [contact-s] and
    ``period_s`` the length of each period [s].
    """
    t = totals
    offered, ans_within = t.offered, t.answered_within
    return ChannelKPIs(
        channel=name,
        threshold_s=threshold_s,
        offered=offered,
        answered=t.answered,
        abandoned=t.abandoned,
        lost=t.lost,
        waiting=t.waiting,
        answered_within=ans_within,
        abandoned_within=t.abandoned_within,
        **{
            d.field: service_level_from_counts(
                d, ans_within, offered, t.abandoned_within, t.answered
            )
            for d in SLDefinition
        },
        abandon_rate=ratio_of_counts(t.abandoned, offered),
        asa_s=ratio_of_counts(t.answered_wait_s, t.answered),
        mean_wait_s=ratio_of_counts(t.offered_wait_s, offered),
        max_wait_s=t.max_wait_s,
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
