"""Forecast volumes from history (``ccplan forecast``): daily volume with weekly season, trend
and holidays, intraday profile and opening hours per weekday, chosen by a rolling-origin
backtest against seasonal naive, with 80% prediction intervals and the forecast error written
into the scenario's ``demand.forecast_error``.

``read_volume_history`` / ``from_call_records`` (``volumes``) give the history;
``forecast`` (``predict``) the ``Forecast``; ``output`` writes the volume CSV, the scenario,
the accuracy table and the plot.
"""

from __future__ import annotations

from .backtest import Backtest, Coverage, Score
from .calendar import OpeningHours, learn_opening_hours
from .predict import Forecast, SpecialDay, forecast, parse_horizon
from .volumes import VolumeHistory, from_call_records, read_volume_history

__all__ = [
    "Backtest",
    "Coverage",
    "Forecast",
    "OpeningHours",
    "Score",
    "SpecialDay",
    "VolumeHistory",
    "forecast",
    "from_call_records",
    "learn_opening_hours",
    "parse_horizon",
    "read_volume_history",
]
