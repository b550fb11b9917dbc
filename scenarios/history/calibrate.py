"""Calibrate: turn imported call history into a ``Scenario`` that the pipeline can plan.

Per channel (one ``voice`` channel, or one per call type with ``by_type=True``):

* ``volume_per_day`` = mean offered calls per day of the history, over the days with records
  (a day without a single offered call is a gap in the history, not a zero-volume day);
* ``intraday_profile`` = the history's share of offered calls in each interval of the day,
  and ``weekday_profiles`` the same per weekday, for weekdays with at least
  ``MIN_PROFILE_CALLS`` calls (a Friday that closes at 14:00 keeps its own shape);
* ``opening_hours`` per weekday, learned from when calls were answered
  (``opening_hours_from``): the plan puts no demand, and so no staff, outside them;
* ``day_of_week_factors`` = mean offered on each weekday / mean offered per day (weekdays the
  history does not cover get 1, and a note says so);
* ``handle_time`` = lognormal with the effective AHT (recorded service time plus the inferred
  after-call time, ``history_agents``) or, with ``handle="recorded"``, the recorded mean; its
  CV is the recorded standard deviation / that mean (after-call time taken as a constant);
* ``patience`` = exponential with the censored maximum-likelihood mean (``history_stats``);
* ``intraday_bands`` = per band of the day (``band_edges_h``), the band's own AHT (its answered
  calls' mean service time plus the after-call time) and its own censored patience MLE, where
  the band has at least ``MIN_BAND_CALLS`` answered calls (AHT) or ``MIN_BAND_ABANDONS``
  abandonments (patience); thinner bands keep the whole-history values.

The estimates per band are also returned in ``Calibration.patience_by_band``. Days whose mean
handle time stands out (``stats.handle_time_surges``) are named in the notes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np

from ..distributions import MAX_DURATION_S
from ..io import parse_scenario
from ..scenario import WEEKDAYS, Scenario
from .agents import estimate_staffing
from .records import ANSWERED, CallRecords
from .stats import (
    PATIENCE_BANDS_H,
    PatienceEstimate,
    band_labels,
    band_of,
    handle_time_surges,
    patience_by_band,
    patience_of,
)


@dataclass(frozen=True)
class Calibration:
    """A calibrated ``scenario``, the patience per band of the day for each channel, and notes
    on how every figure was made."""

    scenario: Scenario
    patience_by_band: dict[str, dict[str, PatienceEstimate]]
    notes: tuple[str, ...]
    evidence: tuple[dict, ...] = ()
    """Per channel, band of the day and weekday ("every day" first): ``answered`` calls,
    ``aht_s`` and its standard error, ``abandoned`` calls, the patience MLE and its 95%
    interval, and whether the scenario uses them (``aht_used``, ``patience_used``)."""

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario.model_dump(mode="json"),
            "patience_by_band": {
                ch: {band: est.to_dict() for band, est in bands.items()}
                for ch, bands in self.patience_by_band.items()
            },
            "notes": list(self.notes),
            "evidence": [dict(row) for row in self.evidence],
        }


#: Evidence a band of the day needs for its own AHT / patience (else the whole history's).
MIN_BAND_CALLS = 30
MIN_BAND_ABANDONS = 20


#: A weekday's band gets its own AHT / patience only when it differs from the every-day
#: band's by at least this many standard errors (of the mean handle time; of the log of the
#: patience MLE, 1 / sqrt(abandonments)): with 7 weekdays x 4 bands, 2 would write noise.
MIN_WEEKDAY_Z = 3.0


def _band_estimate(sub: CallRecords, wrap_s: float) -> dict:
    """Evidence of one band: answered calls and their AHT with its standard error, abandons
    and the patience MLE with its 95% interval."""
    h = sub.handle_s[np.isfinite(sub.handle_s)]
    p = patience_of(sub)
    return {
        "answered": int(h.size),
        "aht_s": float(h.mean()) + wrap_s if h.size else float("nan"),
        "aht_se_s": float(h.std(ddof=1) / np.sqrt(h.size)) if h.size > 1 else float("inf"),
        "abandoned": p.abandoned,
        "patience_s": p.mean_s,
        "patience_ci_s": (p.ci_low_s, p.ci_high_s),
    }


def _bands(calls: CallRecords, edges_h, wrap_s: float, base_aht_s, base_patience_s):
    """``intraday_bands`` entries and the evidence behind them (one row per weekday and band).

    Every-day bands: each band's AHT and patience where it has ``MIN_BAND_CALLS`` answered
    calls / ``MIN_BAND_ABANDONS`` abandonments. Weekday bands: a weekday's own value where it
    has that evidence *and* differs from the every-day value (``MIN_WEEKDAY_Z``).
    """
    band = band_of(calls, edges_h)
    weekday = np.array(
        [(calls.origin + dt.timedelta(days=int(d))).weekday() for d in range(calls.n_days)]
    )[(calls.offered_at_s // 86_400).astype(np.int64)]
    out, evidence = [], []
    for i, (lo, hi) in enumerate(zip(edges_h[:-1], edges_h[1:], strict=True)):
        sub = calls.subset(band == i)
        if not sub.size:
            continue
        span = {"start": f"{lo:02d}:00", "end": f"{hi:02d}:00"}
        est = _band_estimate(sub, wrap_s)
        entry = dict(span)
        if est["answered"] >= MIN_BAND_CALLS:
            entry["aht_s"] = est["aht_s"]
        if est["abandoned"] >= MIN_BAND_ABANDONS:
            entry["patience_s"] = min(est["patience_s"], MAX_DURATION_S)  # the schema's cap
        if len(entry) > 2:
            out.append(entry)
        evidence.append(
            {
                "weekday": "every day",
                "band": f"{span['start']}-{span['end']}",
                **est,
                "aht_used": "aht_s" in entry,
                "patience_used": "patience_s" in entry,
            }
        )
        day_aht = entry.get("aht_s", base_aht_s)
        day_patience = entry.get("patience_s", base_patience_s)
        for w in range(7):
            mine = calls.subset((band == i) & (weekday == w))
            if not mine.size:
                continue
            own = _band_estimate(mine, wrap_s)
            extra = {}
            if (
                own["answered"] >= MIN_BAND_CALLS
                and abs(own["aht_s"] - day_aht) >= MIN_WEEKDAY_Z * own["aht_se_s"]
            ):
                extra["aht_s"] = own["aht_s"]
            # The MLE's log has standard error ~ 1 / sqrt(abandonments) (chi-square with 2d
            # degrees of freedom), so the same z rule applies on the log scale.
            if (
                own["abandoned"] >= MIN_BAND_ABANDONS
                and day_patience is not None
                and abs(np.log(own["patience_s"] / day_patience))
                >= MIN_WEEKDAY_Z / np.sqrt(own["abandoned"])
            ):
                extra["patience_s"] = min(own["patience_s"], MAX_DURATION_S)
            if extra:
                out.append({**span, **extra, "weekdays": [WEEKDAYS[w]]})
            evidence.append(
                {
                    "weekday": WEEKDAYS[w],
                    "band": f"{span['start']}-{span['end']}",
                    **own,
                    "aht_used": "aht_s" in extra,
                    "patience_used": "patience_s" in extra,
                }
            )
    return out, evidence


#: Calls a weekday needs (over all its days in the history) for its own intraday profile.
MIN_PROFILE_CALLS = 200


def _per_interval(calls: CallRecords, interval_minutes: int, n_days: int) -> np.ndarray:
    """Offered calls per day x interval of the day."""
    per_day = 1440 // interval_minutes
    idx = np.minimum(calls.offered_at_s // (interval_minutes * 60.0), n_days * per_day - 1)
    counts = np.bincount(idx.astype(np.int64), minlength=n_days * per_day)
    return counts.reshape(n_days, per_day)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def opening_hours_from(
    answered: np.ndarray, weekday: np.ndarray, recorded: np.ndarray, interval_minutes: int
) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """Opening hours per weekday learned from the history.

    An interval of a weekday is open when calls were answered in it on at least half of that
    weekday's days with records (``answered``: answered calls per day x interval); the day's
    hours run from its first to its last open interval (the schema holds one span a day). A
    weekday whose days all had records but no open interval is closed (left out). Weekdays
    without records get the widest hours of the others, with a note.
    """
    hours, notes = {}, []
    seen = []
    for w in range(7):
        days = recorded & (weekday == w)
        if not days.any():
            continue
        seen.append(w)
        open_share = (answered[days] > 0).mean(axis=0)
        is_open = np.flatnonzero(open_share >= 0.5)
        if is_open.size:
            hours[WEEKDAYS[w]] = (
                _clock(int(is_open[0]) * interval_minutes),
                _clock((int(is_open[-1]) + 1) * interval_minutes),
            )
    missing = [WEEKDAYS[w] for w in range(7) if w not in seen]
    if missing and hours:
        widest = (min(h[0] for h in hours.values()), max(h[1] for h in hours.values()))
        for day in missing:
            hours[day] = widest
        notes.append(
            f"opening hours: no history on {', '.join(missing)}; given the widest hours of the "
            f"other days, {widest[0]}-{widest[1]}"
        )
    return hours, notes


def _channel(calls, name, interval_minutes, recorded, wrap_s, handle, edges_h, hours):
    """The scenario data of one channel, and notes. ``recorded`` marks the days of the
    history with records (the others are gaps); ``hours`` the learned opening hours."""
    n_days = recorded.size
    per_interval = _per_interval(calls, interval_minutes, n_days)
    daily = per_interval.sum(axis=1)
    weekday = np.array([(calls.origin + dt.timedelta(days=d)).weekday() for d in range(n_days)])
    seen_days = daily[recorded]
    mean_daily = float(seen_days.mean())
    factors, missing, profiles = [], [], {}
    for w in range(7):
        days = recorded & (weekday == w)
        seen = daily[days]
        factors.append(float(seen.mean() / mean_daily) if seen.size and mean_daily else 1.0)
        if not seen.size:
            missing.append(WEEKDAYS[w])
        elif seen.sum() >= MIN_PROFILE_CALLS:
            counts = per_interval[days].sum(axis=0)
            profiles[WEEKDAYS[w]] = [float(p) for p in counts / counts.sum()]
    profile = per_interval[recorded].sum(axis=0) / per_interval[recorded].sum()
    h = calls.handle_s[np.isfinite(calls.handle_s)]
    if h.size < 2:
        raise ValueError(f"channel {name!r}: needs at least 2 answered calls for a handle time")
    aht = float(h.mean()) + (wrap_s if handle == "effective" else 0.0)
    patience = patience_of(calls)
    notes = []
    if missing:
        notes.append(f"{name}: no history on {', '.join(missing)}; their day factor is 1")
    if profiles:
        thin = [WEEKDAYS[w] for w in range(7) if WEEKDAYS[w] not in profiles and w in weekday]
        notes.append(
            f"{name}: intraday profile per weekday for {', '.join(profiles)} (weekdays with >= "
            f"{MIN_PROFILE_CALLS} calls)"
            + (f"; {', '.join(thin)}: the pooled profile" if thin else "")
        )
    if not np.isfinite(patience.mean_s):
        notes.append(f"{name}: nobody abandoned, so no patience (planned with Erlang C)")
    elif patience.mean_s > MAX_DURATION_S:  # beyond the schema's cap: callers who stay
        notes.append(
            f"{name}: patience estimate {patience.mean_s:,.0f} s is above a day "
            f"({patience.abandoned} abandonments), so no patience (planned with Erlang C)"
        )
        patience = replace(patience, mean_s=float("inf"))
    demand = {
        "volume_per_day": mean_daily,
        "intraday_profile": [float(p) for p in profile],
        "day_of_week_factors": factors,
    }
    if profiles:
        demand["weekday_profiles"] = profiles
    spec = {
        "name": name,
        "kind": "voice",
        "handle_time": {"kind": "lognormal", "mean_s": aht, "cv": float(h.std() / aht)},
        "patience": {"kind": "exponential", "mean_s": patience.mean_s}
        if np.isfinite(patience.mean_s)
        else None,
        "demand": demand,
    }
    if hours:
        spec["opening_hours"] = hours
    bands, evidence = _bands(
        calls,
        edges_h,
        wrap_s if handle == "effective" else 0.0,
        aht,
        patience.mean_s if spec["patience"] is not None else None,
    )
    if spec["patience"] is None:
        bands = [{k: v for k, v in b.items() if k != "patience_s"} for b in bands]
        bands = [b for b in bands if {"aht_s", "patience_s"} & set(b)]
    if bands:
        spec["intraday_bands"] = bands
    return spec, notes, [{"channel": name, **row} for row in evidence]


def calibrate(
    calls: CallRecords,
    *,
    name: str = "Calibrated from history",
    interval_minutes: int = 30,
    service_level: float = 0.8,
    threshold_s: float = 20.0,
    handle: str = "effective",
    by_type: bool = False,
    break_gap_s: float = 600.0,
    band_edges_h=PATIENCE_BANDS_H,
    opening_hours: bool = True,
) -> Calibration:
    """A ``Scenario`` over the days of the history, with a service-level target per channel.

    Parameters
    ----------
    calls : CallRecords
        The imported history.
    name : str
        Scenario name.
    interval_minutes : {15, 30, 60}
        Planning interval [min].
    service_level, threshold_s : float
        The target: ``service_level`` answered within ``threshold_s`` [s] of offered.
    handle : {"effective", "recorded"}
        AHT with or without the inferred after-call time (needs agent names for "effective").
    by_type : bool
        One channel per call type (the file's type/skill column) instead of one ``voice``.
    break_gap_s : float
        See ``history_agents.estimate_staffing``.
    band_edges_h : sequence of int
        Bands of the day [h] for the patience estimates and the ``intraday_bands`` (AHT and
        patience per band).
    opening_hours : bool
        Learn opening hours per weekday from the history (``opening_hours_from``) and write
        them into every channel; False: open around the clock.
    """
    if handle not in ("effective", "recorded"):
        raise ValueError(f"`handle` must be 'effective' or 'recorded', got {handle!r}")
    wrap = 0.0
    notes = []
    if handle == "effective":
        staffing = estimate_staffing(calls, interval_minutes, break_gap_s)
        wrap = staffing.wrap_up_s
        notes.append(staffing.method[1])
    groups = {"voice": np.ones(calls.size, dtype=bool)}
    if by_type:
        groups = {str(t): calls.call_type == t for t in np.unique(calls.call_type)}
    # Gaps: days without a single offered call are missing history, not zero-volume days.
    everything = _per_interval(calls, interval_minutes, calls.n_days)
    recorded = everything.sum(axis=1) > 0
    gaps = int((~recorded).sum())
    if gaps:
        notes.append(
            f"{gaps} day(s) without records are gaps: left out of the daily volume, the "
            "weekday factors and the profiles (not counted as days without calls)"
        )
    weekday = np.array(
        [(calls.origin + dt.timedelta(days=d)).weekday() for d in range(recorded.size)]
    )
    hours = {}
    if opening_hours:
        answered = _per_interval(
            calls.subset(calls.outcome == ANSWERED), interval_minutes, recorded.size
        )
        hours, hour_notes = opening_hours_from(answered, weekday, recorded, interval_minutes)
        notes += hour_notes
        notes.append(
            "opening hours per weekday: the intervals in which calls were answered on at least "
            "half of that weekday's days with records, first to last: "
            + "; ".join(f"{d} {a}-{b}" for d, (a, b) in hours.items())
            + (
                f"; closed: {', '.join(d for d in WEEKDAYS if d not in hours)}"
                if len(hours) < 7
                else ""
            )
        )
    notes += [s.describe() for s in handle_time_surges(calls)]
    channels, bands, evidence = [], {}, []
    for ch_name, mask in groups.items():
        sub = calls.subset(mask)
        spec, ch_notes, ch_evidence = _channel(
            sub, ch_name, interval_minutes, recorded, wrap, handle, band_edges_h, hours
        )
        evidence += ch_evidence
        channels.append(spec)
        notes += ch_notes
        bands[ch_name] = patience_by_band(sub, band_edges_h)
    data = {
        "name": name,
        "description": (
            f"Calibrated from {calls.report.source}: {calls.size} offered calls over "
            f"{calls.n_days} day(s) from {calls.origin}"
        ),
        "interval_minutes": interval_minutes,
        "start_date": calls.origin.isoformat(),
        "days": calls.n_days,
        "channels": channels,
        "targets": [
            {
                "channel": c["name"],
                "service_level": service_level,
                "threshold_s": threshold_s,
                "sl_definition": "of_offered",
            }
            for c in channels
        ],
    }
    notes.append(
        "handle time: lognormal, mean = "
        + ("recorded service time + after-call time" if handle == "effective" else "recorded")
        + ", CV = recorded standard deviation / that mean"
    )
    notes.append("patience: exponential, mean = censored MLE (total wait / abandonments)")
    notes.append(
        f"intraday bands {', '.join(band_labels(band_edges_h))}: "
        f"AHT from bands with >= {MIN_BAND_CALLS} answered calls, patience from bands with "
        f">= {MIN_BAND_ABANDONS} abandonments; other bands use the whole-history values"
    )
    notes.append(
        f"weekday bands: a weekday's own AHT where it differs from the every-day band's by "
        f">= {MIN_WEEKDAY_Z:g} standard errors ({MIN_BAND_CALLS}+ answered calls), its own "
        f"patience likewise on the log scale ({MIN_BAND_ABANDONS}+ abandonments); sample sizes "
        "in the evidence table"
    )
    return Calibration(
        parse_scenario(data, "calibrated scenario"), bands, tuple(notes), tuple(evidence)
    )
