"""What a forecast hands on: the volume CSV (a scenario's ``demand.csv`` format), a scenario
that references it, the accuracy table and the plot.

The CSV has ``start`` (local date-time, no offset), ``volume`` (expected contacts in the
interval) and the 80% bounds ``lower_80`` / ``upper_80`` (ignored by the planner). The
scenario's channel takes the learned opening hours per weekday, ``demand.csv`` and
``demand.forecast_error`` (the backtest's day and interval CVs), so planning staffs no closed
interval and the breach risk uses the measured error.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..io import parse_scenario
from ..scenario import Scenario, Workforce
from .predict import Forecast


def volume_csv(fc: Forecast) -> str:
    """The forecast as ``start,volume,lower_80,upper_80`` rows, every interval of the horizon."""
    lines = ["start,volume,lower_80,upper_80"]
    starts = fc.starts.astype("datetime64[m]").astype(str)
    for s, v, lo, hi in zip(
        starts, fc.volumes.ravel(), fc.lower.ravel(), fc.upper.ravel(), strict=True
    ):
        lines.append(f"{s},{v:.3f},{lo:.0f},{hi:.0f}")
    return "\n".join(lines) + "\n"


def csv_name(fc: Forecast) -> str:
    return f"forecast_{fc.channel.replace(' ', '_')}.csv"


def check_scenario_options(aht_s, patience_s, service_level, threshold_s) -> None:
    """The scenario options in range (checked before minutes of forecasting, too)."""
    if not 0 < aht_s <= 86_400:
        raise ValueError(f"`aht_s` must be > 0 and at most 86,400 s, got {aht_s:g}")
    if patience_s is not None and not 0 < patience_s <= 86_400:
        raise ValueError(f"`patience_s` must be > 0 and at most 86,400 s, got {patience_s:g}")
    if not 0 < service_level < 1:
        raise ValueError(
            f"`service_level` is a fraction in (0, 1); use 0.8 for 80%, got {service_level:g}"
        )
    if not 0 <= threshold_s <= 86_400:
        raise ValueError(f"`threshold_s` must be from 0 to 86,400 s, got {threshold_s:g}")


def forecast_scenario(
    forecasts: list[Forecast],
    *,
    name: str = "Forecast",
    aht_s: float = 300.0,
    aht_cv: float = 1.0,
    patience_s: float | None = 180.0,
    service_level: float = 0.8,
    threshold_s: float = 20.0,
    workforce: Workforce | None = None,
) -> Scenario:
    """A scenario over the forecast horizon: one voice channel per forecast, its volumes read
    from ``csv_name(fc)`` beside the scenario file. The history holds volumes only, so handle
    time (lognormal, mean ``aht_s`` [s], CV ``aht_cv``), patience (exponential, mean
    ``patience_s`` [s]; None: callers never abandon), the target (``service_level`` within
    ``threshold_s`` [s] of offered) and the ``workforce`` (default: the bundled default
    example's: shrinkage 30%, occupancy cap 85%, hourly cost) are the caller's."""
    check_scenario_options(aht_s, patience_s, service_level, threshold_s)
    if workforce is None:
        from ..examples import load_example

        workforce = load_example("default").workforce
    first = forecasts[0]
    channels = []
    for fc in forecasts:
        channel = {
            "name": fc.channel,
            "kind": "voice",
            "handle_time": {"kind": "lognormal", "mean_s": aht_s, "cv": aht_cv},
            "opening_hours": {k: list(v) for k, v in fc.opening.spans().items()},
            "demand": {
                "csv": csv_name(fc),
                "forecast_error": {
                    "day_volume_cv": round(fc.backtest.day_volume_cv, 4),
                    "interval_volume_cv": round(fc.backtest.interval_volume_cv, 4),
                },
            },
        }
        if patience_s is not None:
            channel["patience"] = {"kind": "exponential", "mean_s": patience_s}
        channels.append(channel)
    bt = first.backtest
    data = {
        "name": name,
        "description": (
            f"Forecast from {first.history.source} ({len(first.history.dates)} days "
            f"{first.history.dates[0]} .. {first.history.dates[-1]}): {bt.chosen.name}, "
            f"backtest WAPE daily {bt.chosen.daily_wape:.1%}, per interval "
            f"{bt.chosen.interval_wape:.1%}. Handle time, patience and workforce are "
            "assumptions (the history has volumes only)."
        ),
        "interval_minutes": first.interval_minutes,
        "start_date": first.dates[0].isoformat(),
        "days": len(first.dates),
        "channels": channels,
        "workforce": workforce.model_dump(mode="json"),
        "targets": [
            {
                "channel": fc.channel,
                "service_level": service_level,
                "threshold_s": threshold_s,
                "sl_definition": "of_offered",
            }
            for fc in forecasts
        ],
    }
    return parse_scenario(data, "forecast scenario")


def accuracy_rows(fc: Forecast) -> list[list]:
    """The accuracy table: one row per candidate, the chosen one and the baseline marked."""
    bt = fc.backtest
    rows = []
    for s in bt.scores:
        mark = "chosen" if s == bt.chosen else ("baseline" if s == bt.baseline else "")
        rows.append([s.name, mark, s.daily_wape, s.interval_wape, s.daily_mase, s.interval_mase])
    return rows


ACCURACY_HEADERS = [
    "model",
    "",
    "WAPE daily",
    "WAPE interval",
    "MASE daily",
    "MASE interval",
]


def forecast_figure(fc: Forecast, history_days: int = 10, forecast_days: int = 14) -> Figure:
    """History and forecast with 80% intervals: day totals (top), and interval volumes of the
    last ``history_days`` covered days and the first ``forecast_days`` of the horizon
    (bottom; closed days and hours left out)."""
    from ..output.plots import _figure

    fig = _figure(11.0, 7.0)
    top, bottom = fig.subplots(2, 1)
    hist = fc.history
    top.plot(hist.dates, hist.daily, "k.-", lw=1, label="history")
    open_days = fc.daily > 0
    dates = np.array(fc.dates)[open_days]
    top.plot(
        dates, fc.daily[open_days], "C0.-", lw=1, label=f"forecast ({fc.backtest.chosen.name})"
    )
    top.fill_between(
        dates,
        fc.day_lower[open_days],
        fc.day_upper[open_days],
        color="C0",
        alpha=0.25,
        label="80% interval",
    )
    top.set_ylabel("contacts per day")
    top.legend(loc="best", fontsize="small")
    bt = fc.backtest
    top.set_title(
        f"{fc.channel}: backtest WAPE daily {bt.chosen.daily_wape:.1%} "
        f"(seasonal naive {bt.baseline.daily_wape:.1%}), per {fc.interval_minutes}-min interval "
        f"{bt.chosen.interval_wape:.1%} ({bt.baseline.interval_wape:.1%}); "
        f"80% coverage held out {bt.coverage.interval:.0%} of intervals",
        fontsize="medium",
    )
    # Bottom: open intervals only, laid end to end.
    open_any = fc.opening.open.any(axis=0)
    h_rows = hist.volumes[-history_days:][:, open_any].ravel()
    f_sel = np.flatnonzero(open_days)[:forecast_days]
    f_rows = fc.volumes[f_sel][:, open_any].ravel()
    lo, hi = fc.lower[f_sel][:, open_any].ravel(), fc.upper[f_sel][:, open_any].ravel()
    x_h = np.arange(h_rows.size)
    x_f = h_rows.size + np.arange(f_rows.size)
    bottom.plot(x_h, h_rows, "k-", lw=0.7, label="history")
    bottom.plot(x_f, f_rows, "C0-", lw=0.9, label="forecast")
    bottom.fill_between(x_f, lo, hi, color="C0", alpha=0.25, step=None, label="80% interval")
    bottom.axvline(h_rows.size, color="0.5", ls=":")
    bottom.set_xlabel(
        f"open {fc.interval_minutes}-minute intervals: last {min(history_days, len(hist.dates))} "
        f"days of history, first {f_sel.size} open days of the forecast"
    )
    bottom.set_ylabel(f"contacts per {fc.interval_minutes} min")
    bottom.legend(loc="upper left", fontsize="small")
    return fig
