"""Plan results as files: tidy CSV per interval and per period, JSON, PNG plots.

Every file is written atomically (temporary file + rename): an interrupted run never leaves a
half-written result. Infinite values (an unreachable wait) are written as ``inf`` in CSV and as
null in strict JSON, listed under ``infinite``; a missing patience (Erlang C) is an empty CSV
cell / JSON null.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..io import spreadsheet_text, strict_json_data, write_atomic
from ..pipeline import PeriodSummary, PlanResult

INTERVAL_COLUMNS = (
    "start",
    "channel",
    "kind",
    "offered",
    "calls_per_hour",
    "aht_s",
    "patience_s",
    "open",
    "excluded_from_sla",
    "required_agents",
    "scheduled_agents",
    "reachable",
    "binding",
    "model",
    "sl_definition",
    "threshold_s",
    "service_level",
    "asa_s",
    "p_abandon",
    "occupancy",
    "paid_hours",
    "cost",
)


def _fmt(values: np.ndarray) -> np.ndarray:
    """Column as strings: shortest round-trip floats, ``inf``, empty for NaN; text through
    ``io.spreadsheet_text``."""
    values = np.asarray(values)
    if values.dtype.kind == "f":
        out = np.char.mod("%.15g", values)
        out = np.where(np.isnan(values), "", out)
        return np.where(np.isinf(values), np.where(values > 0, "inf", "-inf"), out)
    if values.dtype.kind == "b":
        return np.where(values, "true", "false")
    if values.dtype.kind in "iu":
        return values.astype(str)
    text = values.astype(str)  # names, labels, codes: never a spreadsheet formula
    return np.vectorize(spreadsheet_text, otypes=[object])(text).astype(str) if text.size else text


def intervals_csv(result: PlanResult) -> str:
    """One row per interval and channel (``INTERVAL_COLUMNS``), built column-wise."""
    n = result.table.n_intervals
    start = result.table.start.astype(str)
    blocks = []
    for name, p in result.channels.items():
        d = result.table.channels[name]
        patience = d.patience_s if d.patience_s is not None else np.full(n, np.nan)
        cols = [
            start,
            np.full(n, name),
            np.full(n, p.kind),
            d.offered,
            d.calls_per_hour,
            d.aht_s,
            patience,
            d.open,
            d.excluded,
            p.required_agents,
            p.scheduled_agents,
            p.reachable,
            p.binding.astype(str),
            np.full(n, p.model),
            np.full(n, p.sl_definition.value),
            np.full(n, p.threshold_s),
            p.service_level,
            p.asa_s,
            p.p_abandon,
            p.occupancy,
            p.paid_hours,
            p.cost,
        ]
        text = np.column_stack([_fmt(c) for c in cols])
        blocks.append("\n".join(",".join(row) for row in text.tolist()))
    return ",".join(INTERVAL_COLUMNS) + "\n" + "\n".join(blocks) + "\n"


def periods_csv(summary: PeriodSummary, currency: str) -> str:
    """One row per period; money columns carry the currency in their names."""
    header = (
        "period",
        "days",
        "offered",
        "handled",
        "paid_hours",
        "fte",
        f"cost_{currency}",
        f"revenue_{currency}",
        f"cost_per_contact_{currency}",
    )
    cols = [
        summary.label,
        summary.days,
        summary.offered,
        summary.handled,
        summary.paid_hours,
        summary.fte,
        summary.cost,
        summary.revenue,
        summary.cost_per_contact,
    ]
    rows = np.column_stack([_fmt(c) for c in cols]).tolist()
    return ",".join(_fmt(np.array(header))) + "\n" + "".join(",".join(r) + "\n" for r in rows)


def _summary_json(s: PeriodSummary) -> list[dict]:
    keys = (
        "days",
        "offered",
        "handled",
        "paid_hours",
        "fte",
        "cost",
        "revenue",
        "cost_per_contact",
    )
    return [
        {"period": str(label), **{k: getattr(s, k)[i] for k in keys}}
        for i, label in enumerate(s.label)
    ]


def plan_to_json(result: PlanResult) -> dict:
    """A JSON-serializable document: totals, periods, peaks and per-interval arrays (strict:
    an infinite figure, e.g. the wait of an unreachable interval, is null and listed in
    ``infinite``)."""
    channels = {}
    for name, p in result.channels.items():
        d = result.table.channels[name]
        channels[name] = {
            "kind": p.kind,
            "model": p.model,
            "sl_definition": p.sl_definition.value,
            "sl_definition_text": p.sl_definition.describe(p.threshold_s),
            "threshold_s": p.threshold_s,
            "peak": vars(result.peaks[name]),
            "intervals": {
                "offered": d.offered,
                "required_agents": p.required_agents,
                "scheduled_agents": p.scheduled_agents,
                "reachable": p.reachable,
                "service_level": p.service_level,
                "asa_s": p.asa_s,
                "p_abandon": p.p_abandon,
                "occupancy": p.occupancy,
            },
        }
    return strict_json_data(
        {
            "scenario": result.scenario.name,
            "model": result.model,
            "currency": result.currency,
            "interval_minutes": result.scenario.interval_minutes,
            "start": str(result.table.start[0]),
            "total": _summary_json(result.total)[0],
            "days": _summary_json(result.days),
            "weeks": _summary_json(result.weeks),
            "months": _summary_json(result.months),
            "channels": channels,
        }
    )


def write_plan(result: PlanResult, out_dir, formats=("csv", "json", "png")) -> list[Path]:
    """Write the results into ``out_dir``; returns the paths written."""
    import json

    out = Path(out_dir)
    written = []
    if "csv" in formats:
        files = {
            "intervals.csv": intervals_csv(result),
            "daily.csv": periods_csv(result.days, result.currency),
            "weekly.csv": periods_csv(result.weeks, result.currency),
            "monthly.csv": periods_csv(result.months, result.currency),
        }
        for name, text in files.items():
            write_atomic(out / name, text)
            written.append(out / name)
    if "json" in formats:
        write_atomic(out / "plan.json", json.dumps(plan_to_json(result), indent=1, allow_nan=False))
        written.append(out / "plan.json")
    if "png" in formats:
        from . import plots

        figures = {"staffing_day1.png": plots.staffing_curve(result)}
        for name in result.channels:
            figures[f"heatmap_{name}.png"] = plots.week_heatmap(result, name)
            figures[f"kpi_{name}.png"] = plots.kpi_curve(result, name)
        for name, fig in figures.items():
            plots.save_png(fig, out / name)
            written.append(out / name)
    return written
