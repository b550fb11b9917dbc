"""Plots of a plan: pure functions returning matplotlib Figures (object API, no pyplot state)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..io import write_atomic
from ..pipeline import PlanResult
from ..scenario import WEEKDAYS


def _figure(width=9.0, height=4.0) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _clock_labels(per_day: int, step_hours: int = 2):
    ticks = np.arange(0, per_day + 1, per_day // 24 * step_hours)
    return ticks, [f"{int(24 * t / per_day):02d}:00" for t in ticks]


def staffing_curve(result: PlanResult, day_index: int = 0, channel: str | None = None) -> Figure:
    """Required and scheduled agents per interval over one day, offered calls/h on a twin axis."""
    per_day = result.scenario.intervals_per_day
    day = slice(day_index * per_day, (day_index + 1) * per_day)
    names = [channel] if channel else list(result.channels)
    x = np.arange(per_day)
    fig = _figure()
    ax = fig.add_subplot()
    required = sum(result.channels[n].required_agents[day] for n in names)
    scheduled = sum(result.channels[n].scheduled_agents[day] for n in names)
    offered = sum(result.table.channels[n].calls_per_hour[day] for n in names)
    ax.step(x, required, where="post", label="required agents (on the phones)")
    ax.step(x, scheduled, where="post", label="scheduled agents (after shrinkage)")
    ax.set_ylabel("agents")
    ax.set_xlabel("time of day")
    ticks, labels = _clock_labels(per_day)
    ax.set_xticks(ticks, labels)
    twin = ax.twinx()
    twin.plot(x + 0.5, offered, color="grey", alpha=0.6, label="offered [contacts/h]")
    twin.set_ylabel("offered [contacts/h]")
    date = str(result.table.start[day.start])[:10]
    which = channel or "all channels"
    ax.set_title(f"{result.scenario.name}: staffing on {date} ({which}, {result.model})")
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", fontsize="small")
    return fig


def week_heatmap(result: PlanResult, channel: str) -> Figure:
    """Weekday x time-of-day heat map of required agents (mean over the weeks planned)."""
    scenario = result.scenario
    per_day = scenario.intervals_per_day
    agents = result.channels[channel].required_agents.reshape(scenario.days, per_day)
    weekday = np.array([(scenario.start_date.weekday() + d) % 7 for d in range(scenario.days)])
    grid = np.full((7, per_day), np.nan)
    for w in range(7):
        if np.any(weekday == w):
            grid[w] = agents[weekday == w].mean(axis=0)
    fig = _figure(10.0, 3.8)
    ax = fig.add_subplot()
    image = ax.imshow(grid, aspect="auto", cmap="viridis", interpolation="nearest")
    ax.set_yticks(range(7), [d.title() for d in WEEKDAYS])
    ticks, labels = _clock_labels(per_day)
    ax.set_xticks(ticks - 0.5, labels)
    ax.set_xlabel("time of day")
    fig.colorbar(image, ax=ax, label="required agents (mean over weeks)")
    ax.set_title(f"{scenario.name}: required agents by weekday and time, {channel}")
    return fig


def kpi_curve(result: PlanResult, channel: str) -> Figure:
    """Predicted service level per interval with the target line, and abandonment."""
    plan = result.channels[channel]
    target = result.scenario.target_for(channel)
    has_volume = result.table.channels[channel].offered > 0
    x = np.arange(plan.service_level.size)
    fig = _figure()
    ax = fig.add_subplot()
    sl = np.where(has_volume, plan.service_level, np.nan)
    definition = plan.sl_definition.describe(plan.threshold_s)
    ax.plot(x, sl, lw=0.8, label=f"service level ({definition})")
    if target is not None and target.service_level is not None:
        ax.axhline(
            target.service_level, color="red", ls="--", label=f"target {target.service_level:.0%}"
        )
    ax.plot(
        x, np.where(has_volume, plan.p_abandon, np.nan), lw=0.8, label="abandonment (of offered)"
    )
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of contacts")
    ax.set_xlabel(
        f"interval ({result.scenario.interval_minutes} min) from {str(result.table.start[0])[:10]}"
    )
    ax.set_title(f"{result.scenario.name}: predicted KPIs per interval, {channel} ({plan.model})")
    ax.legend(loc="lower left", fontsize="small")
    return fig


def save_png(fig: Figure, path) -> Path:
    """Write ``fig`` as PNG atomically (``io.write_atomic``: temporary file + rename)."""
    path = Path(path)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    write_atomic(path, buffer.getvalue())
    return path
