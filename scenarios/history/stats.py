"""Statistics of imported call history: KPIs per interval and per day, handle times, patience.

Per period (an interval of the day, or a whole day) the calls are grouped by the period in
which they were *offered* (queue entry, or service start for calls put straight through), as
the simulator groups its contacts. Service levels under the three ``erlang.SLDefinition``
definitions with the given threshold; ASA = mean wait of answered calls; AHT = mean recorded
handle time of the answered calls.

Patience is estimated under censoring: an answered caller's wait is a *lower bound* on its
patience (it would have waited at least that long), an abandoner's wait is its patience. The
mean of the abandoners' waits alone is biased low (it keeps only the impatient); the
exponential maximum-likelihood estimate is total time waited by every offered call / number of
abandonments, and the Kaplan-Meier curve estimates the patience distribution without assuming
a shape (Brown et al. 2005, section 6).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from erlang import SLDefinition

from ..periods import (
    abandon_rate_from_counts,
    asa_s_from_counts,
    ratio_of_counts,
    service_level_from_counts,
)
from .records import ABANDONED, ANSWERED, CallRecords

SECONDS_PER_DAY = 86_400.0


def interval_index(calls: CallRecords, interval_s: float) -> tuple[np.ndarray, int]:
    """Interval of each call's offer, and the number of intervals in the covered days."""
    n = calls.n_days * int(round(SECONDS_PER_DAY / interval_s))
    return np.minimum((calls.offered_at_s // interval_s).astype(np.int64), n - 1), n


def overlap_seconds(start_s, end_s, owner, n_owners: int, interval_s: float, n_intervals: int):
    """Seconds of the spans ``[start_s, end_s)`` falling in each interval, per owner.

    Returns an array ``n_owners x n_intervals`` (e.g. an agent's busy seconds per interval).
    """
    start_s, end_s = np.asarray(start_s, float), np.asarray(end_s, float)
    out = np.zeros((n_owners, n_intervals))
    if start_s.size == 0:
        return out
    first = (start_s // interval_s).astype(np.int64)
    spread = int(np.max((end_s // interval_s).astype(np.int64) - first)) + 1
    for k in range(max(spread, 1)):
        j = first + k
        lo = np.maximum(start_s, j * interval_s)
        hi = np.minimum(end_s, (j + 1) * interval_s)
        ok = (hi > lo) & (j < n_intervals)
        np.add.at(out, (owner[ok], j[ok]), (hi - lo)[ok])
    return out


@dataclass(frozen=True)
class PeriodStats:
    """Observed KPIs per period (arrays, one element per period).

    ``start`` period starts (``datetime64[m]``, local time); ``period_s`` length [s];
    ``threshold_s`` the SL threshold [s]. Counts: ``offered``, ``answered``, ``abandoned``,
    ``answered_within``, ``abandoned_within`` (wait <= threshold). ``service_level``
    (answered within / offered), ``service_level_excl_short_abandons`` (answered within /
    (offered - abandoned within)), ``service_level_of_answered`` (answered within / answered);
    ``abandon_rate`` = abandoned / offered; ``asa_s`` mean wait of answered [s];
    ``aht_s`` mean recorded handle time of answered calls [s] (NaN where none);
    ``agents_serving`` distinct named agents whose recorded service overlaps the period;
    ``busy_agents`` time-average agents in recorded service; ``occupancy`` busy agent time /
    (agents_serving x period), on the recorded handle times. Periods without offered calls
    have NaN rates.
    """

    start: np.ndarray
    period_s: float
    threshold_s: float
    offered: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray
    answered_within: np.ndarray
    abandoned_within: np.ndarray
    service_level: np.ndarray
    service_level_excl_short_abandons: np.ndarray
    service_level_of_answered: np.ndarray
    abandon_rate: np.ndarray
    asa_s: np.ndarray
    aht_s: np.ndarray
    agents_serving: np.ndarray
    busy_agents: np.ndarray
    occupancy: np.ndarray

    @property
    def sl_definitions(self) -> dict[str, str]:
        return {d.value: d.describe(self.threshold_s) for d in SLDefinition}

    def to_dict(self) -> dict:
        out = asdict(self)
        out["start"] = [str(s) for s in self.start]
        out["sl_definitions"] = self.sl_definitions
        return out


def period_stats(
    calls: CallRecords, period_minutes: int = 30, threshold_s: float = 20.0
) -> PeriodStats:
    """Observed KPIs per ``period_minutes`` (1440 for one row per day).

    Parameters
    ----------
    calls : CallRecords
    period_minutes : int
        Period length [min]; must divide a day.
    threshold_s : float
        Service-level threshold [s].
    """
    if period_minutes <= 0 or 1440 % period_minutes:
        raise ValueError(f"`period_minutes` must divide 1440, got {period_minutes!r}")
    period_s = period_minutes * 60.0
    idx, n = interval_index(calls, period_s)

    def count(mask, weights=None):
        w = None if weights is None else np.where(mask, weights, 0.0)
        return np.bincount(idx, weights=w if w is not None else mask.astype(float), minlength=n)

    answered = calls.outcome == ANSWERED
    abandoned = calls.outcome == ABANDONED
    within = calls.wait_s <= threshold_s
    offered = np.bincount(idx, minlength=n)
    n_ans, n_ab = count(answered), count(abandoned)
    ans_within, ab_within = count(answered & within), count(abandoned & within)
    has_handle = answered & np.isfinite(calls.handle_s)
    named = (calls.agent != "") & np.isfinite(calls.service_start_at_s)
    agents, owner = np.unique(calls.agent[named], return_inverse=True)
    busy = overlap_seconds(
        calls.service_start_at_s[named],
        calls.service_end_at_s[named],
        owner,
        agents.size,
        period_s,
        n,
    )
    serving = (busy > 0).sum(axis=0)
    start = np.datetime64(calls.origin, "m") + np.arange(n) * np.timedelta64(period_minutes, "m")
    return PeriodStats(
        start=start,
        period_s=period_s,
        threshold_s=float(threshold_s),
        offered=offered,
        answered=n_ans.astype(np.int64),
        abandoned=n_ab.astype(np.int64),
        answered_within=ans_within.astype(np.int64),
        abandoned_within=ab_within.astype(np.int64),
        **{
            d.field: service_level_from_counts(d, ans_within, offered, ab_within, n_ans)
            for d in SLDefinition
        },
        abandon_rate=abandon_rate_from_counts(n_ab, offered),
        asa_s=asa_s_from_counts(count(answered, calls.wait_s), n_ans),
        aht_s=ratio_of_counts(count(has_handle, calls.handle_s), count(has_handle)),
        agents_serving=serving,
        busy_agents=busy.sum(axis=0) / period_s,
        occupancy=ratio_of_counts(busy.sum(axis=0), serving * period_s),
    )


@dataclass(frozen=True)
class HandleTimeFit:
    """Recorded handle times of answered calls and a lognormal fit (maximum likelihood).

    ``mean_s``, ``cv``, ``median_s`` of the sample; ``lognormal_mu``, ``lognormal_sigma`` of
    log(handle time) over handle times > 0 (``zeros`` left out); ``lognormal_mean_s`` and
    ``lognormal_cv`` of the fitted distribution; ``ks_distance`` the Kolmogorov-Smirnov
    distance between the sample (> 0) and the fit.
    """

    n: int
    zeros: int
    mean_s: float
    cv: float
    median_s: float
    lognormal_mu: float
    lognormal_sigma: float
    lognormal_mean_s: float
    lognormal_cv: float
    ks_distance: float

    def to_dict(self) -> dict:
        return asdict(self)


def handle_time_fit(handle_s) -> HandleTimeFit:
    """Mean, CV and lognormal fit of handle times [s] (NaN entries ignored)."""
    h = np.asarray(handle_s, float)
    h = h[np.isfinite(h)]
    if h.size < 2:
        raise ValueError(f"a handle-time fit needs at least 2 answered calls, got {h.size}")
    pos = h[h > 0]
    logs = np.log(pos)
    mu, sigma = float(logs.mean()), float(logs.std())
    ks = stats.kstest(pos, stats.lognorm(s=sigma, scale=np.exp(mu)).cdf).statistic
    return HandleTimeFit(
        n=int(h.size),
        zeros=int(h.size - pos.size),
        mean_s=float(h.mean()),
        cv=float(h.std() / h.mean()),
        median_s=float(np.median(h)),
        lognormal_mu=mu,
        lognormal_sigma=sigma,
        lognormal_mean_s=float(np.exp(mu + sigma**2 / 2)),
        lognormal_cv=float(np.sqrt(np.expm1(sigma**2))),
        ks_distance=float(ks),
    )


@dataclass(frozen=True)
class KaplanMeier:
    """Kaplan-Meier estimate of the patience survival function P(patience > t).

    At each distinct abandonment time ``time_s``: ``at_risk`` calls still waiting (wait >= t),
    ``events`` abandonments at t, ``survival`` the product-limit estimate just after t, and
    a pointwise 95% interval (Greenwood variance, log-log transform).
    """

    time_s: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    survival: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray

    def survival_at(self, t_s) -> np.ndarray:
        """P(patience > t) for each t [s] (a right-continuous step function)."""
        i = np.searchsorted(self.time_s, np.asarray(t_s, float), side="right")
        return np.where(i > 0, self.survival[np.maximum(i - 1, 0)], 1.0)

    def quantile_s(self, q: float) -> float:
        """Smallest t with P(patience <= t) >= q; inf when the curve never gets there."""
        hit = np.flatnonzero(1.0 - self.survival >= q)
        return float(self.time_s[hit[0]]) if hit.size else float("inf")


def kaplan_meier(duration_s, event) -> KaplanMeier:
    """Product-limit estimator for right-censored durations.

    Parameters
    ----------
    duration_s : array_like
        Observed durations [s]: the wait of every offered call.
    event : array_like of bool
        True where the duration ended by the event (abandonment), False where it is censored
        (answered: patience was at least the wait).

    Notes
    -----
    .. math:: \\hat S(t) = \\prod_{t_i \\le t} (1 - d_i / n_i)

    with :math:`d_i` events at :math:`t_i` and :math:`n_i` durations :math:`\\ge t_i` (a call
    censored at :math:`t_i` is still at risk there, the usual convention).
    """
    t = np.asarray(duration_s, float)
    e = np.asarray(event, bool)
    times, inverse = np.unique(t, return_inverse=True)
    events = np.bincount(inverse, weights=e.astype(float), minlength=times.size)
    leaving = np.bincount(inverse, minlength=times.size)
    at_risk = t.size - np.concatenate([[0], np.cumsum(leaving)[:-1]])
    keep = events > 0
    times, events, at_risk = times[keep], events[keep], at_risk[keep]
    survival = np.cumprod(1.0 - events / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(events / (at_risk * (at_risk - events)))
        log_s = np.log(survival)
        half = 1.959964 * np.sqrt(greenwood) / np.abs(log_s)
        low = np.exp(-np.exp(np.log(-log_s) + half))
        high = np.exp(-np.exp(np.log(-log_s) - half))
    return KaplanMeier(
        time_s=times,
        at_risk=at_risk.astype(np.int64),
        events=events.astype(np.int64),
        survival=survival,
        ci_low=np.where(np.isfinite(low), low, 0.0),
        ci_high=np.where(np.isfinite(high), high, 1.0),
    )


@dataclass(frozen=True)
class PatienceEstimate:
    """Patience of offered callers, estimated under censoring.

    ``mean_s`` is the exponential maximum-likelihood estimate ``total_wait_s / abandoned``
    (every offered call's wait in the numerator, answered ones as censored observations) with
    a 95% chi-square interval ``ci_low_s .. ci_high_s``; ``kaplan_meier`` the
    distribution-free curve and ``km_median_s`` its median (inf when fewer than half would
    ever abandon within the observed waits). ``censored_share`` = answered / offered.
    ``naive_abandoner_mean_s`` (the mean wait of abandoners) is reported only to show its
    bias: it is not an estimate of patience.
    """

    offered: int
    abandoned: int
    censored_share: float
    total_wait_s: float
    mean_s: float
    ci_low_s: float
    ci_high_s: float
    km_median_s: float
    naive_abandoner_mean_s: float
    kaplan_meier: KaplanMeier

    method = (
        "exponential MLE: total time waited by all offered calls / abandonments "
        "(answered calls' waits are censored patience); Kaplan-Meier for the curve"
    )

    def to_dict(self, curve: bool = False) -> dict:
        out = {k: v for k, v in asdict(self).items() if k != "kaplan_meier"}
        out["method"] = self.method
        if curve:
            out["kaplan_meier"] = asdict(self.kaplan_meier)
        return out


def exponential_patience_mle(wait_s, abandoned) -> float:
    """Mean patience [s] of exponential patience from censored waits: sum(wait) / abandonments.

    The log-likelihood of a mean :math:`\\theta` is
    :math:`-d \\log\\theta - \\sum_i w_i / \\theta` (abandoners contribute the density, answered
    callers the survival :math:`e^{-w_i/\\theta}`), maximal at :math:`\\sum_i w_i / d`.
    Infinite when nobody abandoned.
    """
    w = np.asarray(wait_s, float)
    d = int(np.count_nonzero(abandoned))
    return float(w.sum() / d) if d else float("inf")


def patience_estimate(wait_s, abandoned) -> PatienceEstimate:
    """``PatienceEstimate`` from the waits [s] of offered calls and whether each abandoned."""
    w = np.asarray(wait_s, float)
    ab = np.asarray(abandoned, bool)
    if w.size == 0:
        raise ValueError("patience needs at least one offered call")
    d = int(ab.sum())
    total = float(w.sum())
    mean = exponential_patience_mle(w, ab)
    if d:
        # 2 T / theta is chi-square with 2d degrees of freedom (exact under type II censoring).
        low = 2 * total / stats.chi2.ppf(0.975, 2 * d)
        high = 2 * total / stats.chi2.ppf(0.025, 2 * d)
    else:
        low, high = float("inf"), float("inf")
    km = kaplan_meier(w, ab)
    return PatienceEstimate(
        offered=int(w.size),
        abandoned=d,
        censored_share=float(1.0 - d / w.size),
        total_wait_s=total,
        mean_s=mean,
        ci_low_s=float(low),
        ci_high_s=float(high),
        km_median_s=km.quantile_s(0.5),
        naive_abandoner_mean_s=float(w[ab].mean()) if d else float("nan"),
        kaplan_meier=km,
    )


def patience_of(calls: CallRecords) -> PatienceEstimate:
    """``patience_estimate`` over the offered calls of ``calls``."""
    return patience_estimate(calls.wait_s, calls.outcome == ABANDONED)


#: Default bands of the day for patience [h]: night, morning, afternoon, evening.
PATIENCE_BANDS_H = (0, 7, 12, 17, 24)


def band_labels(edges_h=PATIENCE_BANDS_H) -> list[str]:
    return [f"{a:02d}:00-{b:02d}:00" for a, b in zip(edges_h[:-1], edges_h[1:], strict=True)]


def band_of(calls: CallRecords, edges_h=PATIENCE_BANDS_H) -> np.ndarray:
    """Index of the band of the day in which each call was offered."""
    hour = (calls.offered_at_s % SECONDS_PER_DAY) / 3600.0
    return np.clip(np.searchsorted(np.asarray(edges_h[1:-1]), hour, side="right"), 0, None)


def patience_by_band(calls: CallRecords, edges_h=PATIENCE_BANDS_H) -> dict[str, PatienceEstimate]:
    """Patience estimate per band of the day (bands without offered calls left out)."""
    band = band_of(calls, edges_h)
    return {
        label: patience_of(calls.subset(band == i))
        for i, label in enumerate(band_labels(edges_h))
        if np.any(band == i)
    }


@dataclass(frozen=True)
class QueueStats:
    """Pooled KPIs of one queue (call type / skill) over the whole history.

    Counts ``offered``, ``answered``, ``abandoned``, ``answered_within`` (wait <=
    ``threshold_s``); ``service_level`` = answered within / offered; ``abandon_rate`` =
    abandoned / offered; ``asa_s`` mean wait of answered calls; ``aht_s`` mean recorded handle
    time; ``priority_share`` the share of the queue's offered calls in each priority class
    (as written in the file; ``""`` where none is recorded).
    """

    queue: str
    offered: int
    answered: int
    abandoned: int
    answered_within: int
    service_level: float
    abandon_rate: float
    asa_s: float
    aht_s: float
    priority_share: dict[str, float]

    def to_dict(self) -> dict:
        return asdict(self)


def queue_stats(calls: CallRecords, threshold_s: float = 20.0) -> list[QueueStats]:
    """``QueueStats`` per call type (``CallRecords.call_type``), busiest queue first, pooled
    counts over every call of the queue (never an average of daily ratios)."""
    out = []
    for queue in np.unique(calls.call_type):
        sub = calls.subset(calls.call_type == queue)
        answered = sub.outcome == ANSWERED
        n_ans = int(answered.sum())
        within = int((answered & (sub.wait_s <= threshold_s)).sum())
        n_ab = int((sub.outcome == ABANDONED).sum())
        handle = sub.handle_s[answered & np.isfinite(sub.handle_s)]
        classes, counts = np.unique(sub.priority, return_counts=True)
        out.append(
            QueueStats(
                queue=str(queue),
                offered=sub.size,
                answered=n_ans,
                abandoned=n_ab,
                answered_within=within,
                service_level=within / sub.size,
                abandon_rate=n_ab / sub.size,
                asa_s=float(sub.wait_s[answered].mean()) if n_ans else float("nan"),
                aht_s=float(handle.mean()) if handle.size else float("nan"),
                priority_share={
                    str(c): int(k) / sub.size for c, k in zip(classes, counts, strict=True)
                },
            )
        )
    return sorted(out, key=lambda q: -q.offered)


@dataclass(frozen=True)
class HandleTimeSurge:
    """A day whose mean handle time stands out from the history's: ``aht_s`` over ``answered``
    calls against the history's ``typical_aht_s`` (median of the daily means), ``ratio`` and
    ``z`` the difference in standard errors of the day's mean."""

    day: str
    answered: int
    aht_s: float
    typical_aht_s: float
    ratio: float
    z: float

    def describe(self) -> str:
        return (
            f"unusual handle time on {self.day}: mean {self.aht_s:.0f} s over {self.answered} "
            f"answered calls, {self.ratio:.2f} x the typical day's {self.typical_aht_s:.0f} s "
            f"({self.z:+.1f} standard errors); a one-off (outage, new product) or a change to "
            "plan for? It is in the calibrated AHT"
        )


def handle_time_surges(
    calls: CallRecords, *, min_ratio: float = 1.25, min_z: float = 4.0, min_answered: int = 30
) -> list[HandleTimeSurge]:
    """Days whose mean handle time is at least ``min_ratio`` times the typical day's (or at
    most its inverse) *and* ``min_z`` standard errors away from it (so a quiet day's noise is
    not flagged), among days with at least ``min_answered`` answered calls. The typical day is
    the median of the daily means; the standard error is the day's own standard deviation
    over the square root of its answered calls."""
    answered = (calls.outcome == ANSWERED) & np.isfinite(calls.handle_s)
    day = (calls.offered_at_s[answered] // SECONDS_PER_DAY).astype(np.int64)
    h = calls.handle_s[answered]
    days = [d for d in np.unique(day) if np.count_nonzero(day == d) >= min_answered]
    if len(days) < 3:  # no typical day to compare with
        return []
    means = {d: float(h[day == d].mean()) for d in days}
    typical = float(np.median(list(means.values())))
    out = []
    for d in days:
        hd = h[day == d]
        se = float(hd.std(ddof=1) / np.sqrt(hd.size))
        ratio = means[d] / typical
        z = (means[d] - typical) / se if se > 0 else 0.0
        if (ratio >= min_ratio or ratio <= 1 / min_ratio) and abs(z) >= min_z:
            date = calls.origin + np.timedelta64(int(d), "D")
            out.append(HandleTimeSurge(str(date), int(hd.size), means[d], typical, ratio, z))
    return out
