"""Calibrate: turn imported call history into a ``Scenario`` that the pipeline can plan.

Per channel (one ``voice`` channel, or one per call type with ``by_type=True``):

* ``volume_per_day`` = mean offered calls per day of the history;
* ``intraday_profile`` = the history's share of offered calls in each interval of the day;
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

The estimates per band are also returned in ``Calibration.patience_by_band``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np

from ..distributions import MAX_DURATION_S
from ..io import parse_scenario
from ..scenario import WEEKDAYS, Scenario
from .agents import estimate_staffing
from .records import CallRecords
from .stats import (
    PATIENCE_BANDS_H,
    PatienceEstimate,
    band_labels,
    band_of,
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

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario.model_dump(mode="json"),
            "patience_by_band": {
                ch: {band: est.to_dict() for band, est in bands.items()}
                for ch, bands in self.patience_by_band.items()
            },
            "notes": list(self.notes),
        }


#: Evidence a band of the day needs for its own AHT / patience (else the whole history's).
MIN_BAND_CALLS = 30
MIN_BAND_ABANDONS = 20


def _bands(calls: CallRecords, edges_h, wrap_s: float) -> list[dict]:
    """``intraday_bands`` entries: each band's AHT and patience where it has the evidence."""
    band = band_of(calls, edges_h)
    out = []
    for i, (lo, hi) in enumerate(zip(edges_h[:-1], edges_h[1:], strict=True)):
        sub = calls.subset(band == i)
        if not sub.size:
            continue
        entry = {"start": f"{lo:02d}:00", "end": f"{hi:02d}:00"}
        h = sub.handle_s[np.isfinite(sub.handle_s)]
        if h.size >= MIN_BAND_CALLS:
            entry["aht_s"] = float(h.mean()) + wrap_s
        p = patience_of(sub)
        if p.abandoned >= MIN_BAND_ABANDONS:
            entry["patience_s"] = min(p.mean_s, MAX_DURATION_S)  # the schema's cap
        if len(entry) > 2:
            out.append(entry)
    return out


def _channel(calls: CallRecords, name, interval_minutes, n_days, wrap_s, handle, edges_h):
    """The scenario data of one channel, and notes."""
    per_day = 1440 // interval_minutes
    idx = np.minimum(calls.offered_at_s // (interval_minutes * 60.0), n_days * per_day - 1)
    per_interval = np.bincount(idx.astype(np.int64), minlength=n_days * per_day)
    per_interval = per_interval.reshape(n_days, per_day)
    daily = per_interval.sum(axis=1)
    profile = per_interval.sum(axis=0) / per_interval.sum()
    weekday = np.array([(calls.origin + dt.timedelta(days=d)).weekday() for d in range(daily.size)])
    factors, missing = [], []
    for w in range(7):
        seen = daily[weekday == w]
        factors.append(float(seen.mean() / daily.mean()) if seen.size else 1.0)
        if not seen.size:
            missing.append(WEEKDAYS[w])
    h = calls.handle_s[np.isfinite(calls.handle_s)]
    if h.size < 2:
        raise ValueError(f"channel {name!r}: needs at least 2 answered calls for a handle time")
    aht = float(h.mean()) + (wrap_s if handle == "effective" else 0.0)
    patience = patience_of(calls)
    notes = []
    if missing:
        notes.append(f"{name}: no history on {', '.join(missing)}; their day factor is 1")
    if not np.isfinite(patience.mean_s):
        notes.append(f"{name}: nobody abandoned, so no patience (planned with Erlang C)")
    elif patience.mean_s > MAX_DURATION_S:  # beyond the schema's cap: callers who stay
        notes.append(
            f"{name}: patience estimate {patience.mean_s:,.0f} s is above a day "
            f"({patience.abandoned} abandonments), so no patience (planned with Erlang C)"
        )
        patience = replace(patience, mean_s=float("inf"))
    spec = {
        "name": name,
        "kind": "voice",
        "handle_time": {"kind": "lognormal", "mean_s": aht, "cv": float(h.std() / aht)},
        "patience": {"kind": "exponential", "mean_s": patience.mean_s}
        if np.isfinite(patience.mean_s)
        else None,
        "demand": {
            "volume_per_day": float(daily.mean()),
            "intraday_profile": [float(p) for p in profile],
            "day_of_week_factors": factors,
        },
    }
    bands = _bands(calls, edges_h, wrap_s if handle == "effective" else 0.0)
    if spec["patience"] is None:
        bands = [{k: v for k, v in b.items() if k != "patience_s"} for b in bands]
        bands = [b for b in bands if len(b) > 2]
    if bands:
        spec["intraday_bands"] = bands
    return spec, notes


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
    channels, bands = [], {}
    for ch_name, mask in groups.items():
        sub = calls.subset(mask)
        spec, ch_notes = _channel(
            sub, ch_name, interval_minutes, calls.n_days, wrap, handle, band_edges_h
        )
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
    return Calibration(parse_scenario(data, "calibrated scenario"), bands, tuple(notes))
