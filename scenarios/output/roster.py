"""A roster as files: shifts CSV, coverage CSV, JSON and a coverage plot per channel."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..io import json_ready, spreadsheet_text, write_atomic
from ..roster.result import ChannelRoster, Roster

SHIFT_COLUMNS = (
    "channel",
    "week",
    "agent",
    "contract",
    "template",
    "start",
    "end",
    "breaks",
    "paid_hours",
    "cost",
)
COVERAGE_COLUMNS = (
    "channel",
    "start",
    "required_agents",
    "requirement",
    "on_shift",
    "on_break",
    "on_phone",
    "productive",
    "over",
    "under",
)


def _csv(rows: list[dict], columns) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: spreadsheet_text(v) if isinstance(v, str) else v for k, v in row.items()}
        )
    return out.getvalue()


def shifts_csv(roster: Roster) -> str:
    """One row per agent shift of every channel (``SHIFT_COLUMNS``)."""
    return _csv([r for c in roster.channels.values() for r in c.shift_rows()], SHIFT_COLUMNS)


def coverage_csv(roster: Roster) -> str:
    """One row per interval and channel (``COVERAGE_COLUMNS``)."""
    return _csv([r for c in roster.channels.values() for r in c.coverage_rows()], COVERAGE_COLUMNS)


def coverage_plot(roster: ChannelRoster, days: int = 7) -> Figure:
    """Requirement vs rostered agents (on the phone, and on shift) per interval over the first
    ``days`` days, under-covered intervals marked."""
    n = min(roster.starts.size, days * 1440 // roster.interval_minutes)
    x = roster.starts[:n].astype("datetime64[m]").astype(object)
    fig = Figure(figsize=(11, 4), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.step(x, roster.requirement[:n], where="post", label="requirement (present, not on break)")
    ax.step(x, roster.on_phone[:n], where="post", label="rostered: on the phone")
    ax.step(x, roster.on_shift[:n], where="post", alpha=0.5, label="rostered: on shift")
    under = roster.under[:n] > 0
    if under.any():
        ax.scatter(
            np.asarray(x)[under],
            roster.on_phone[:n][under],
            marker="v",
            color="red",
            s=12,
            label="under the requirement",
        )
    ax.set_ylabel("agents")
    ax.set_title(
        f"{roster.channel}: requirement vs roster ({roster.objective}), first {days} days; "
        f"efficiency {roster.efficiency:.1%}"
    )
    ax.legend(loc="upper left", fontsize="small")
    fig.autofmt_xdate()
    return fig


def write_roster(roster: Roster, out_dir) -> list[Path]:
    """``shifts.csv``, ``coverage.csv``, ``roster.json`` and ``coverage_<channel>.png`` in
    ``out_dir``; returns the paths written."""
    from .plots import save_png

    out = Path(out_dir)
    written = []
    for name, text in (
        ("shifts.csv", shifts_csv(roster)),
        ("coverage.csv", coverage_csv(roster)),
        ("roster.json", json.dumps(json_ready(roster.to_dict()), indent=1)),
    ):
        write_atomic(out / name, text)
        written.append(out / name)
    for name, channel in roster.channels.items():
        path = out / f"coverage_{name}.png"
        save_png(coverage_plot(channel), path)
        written.append(path)
    return written
