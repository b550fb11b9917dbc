"""The verdict as a Markdown report with its plots (``ccplan check FILE --report DIR``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..io import write_atomic
from .plots import _figure, save_png


def cost_curve_figure(channel: str, entry: dict, currency: str) -> Figure:
    """Cost per year against the SL target, one line per threshold, current standard marked."""
    fig = _figure(8.0, 4.2)
    ax = fig.add_subplot()
    sls = np.asarray(entry["service_levels"])
    costs = np.asarray(entry["cost_per_year"])
    for j, threshold in enumerate(entry["thresholds_s"]):
        ax.plot(sls * 100, costs[:, j] / 1e3, marker="o", ms=3, label=f"within {threshold:g} s")
    cur = entry["current"]
    ax.plot(
        cur["service_level"] * 100,
        cur["cost_per_year"] / 1e3,
        "r*",
        ms=14,
        label=f"current: {cur['service_level']:.0%} within {cur['threshold_s']:g} s",
    )
    ax.set_xlabel(f"service level target [%] ({entry['sl_definition'].replace('_', ' ')})")
    ax.set_ylabel(f"cost of the whole scenario [k{currency}/yr]")
    ax.set_title(f"Cost of the standard, {channel} ({entry['model']})")
    ax.legend(fontsize="small", ncol=2)
    return fig


def breach_figure(channel: str, entry: dict) -> Figure:
    """P(breach) per reporting period with its 95% interval."""
    fig = _figure(8.0, 3.6)
    ax = fig.add_subplot()
    periods = [p["period"] for p in entry["periods"]]
    p = np.array([q["p_breach"] for q in entry["periods"]])
    low = np.array([q["p_breach_low"] for q in entry["periods"]])
    high = np.array([q["p_breach_high"] for q in entry["periods"]])
    x = np.arange(len(periods))
    ax.bar(x, p, color="tab:red", alpha=0.7)
    ax.errorbar(x, p, yerr=[p - low, high - p], fmt="none", color="black", capsize=3)
    ax.set_xticks(x, periods, rotation=45 if len(periods) > 6 else 0, fontsize="small")
    ax.set_ylim(0, 1)
    ax.set_ylabel("P(measured SL < standard)")
    ax.set_title(
        f"Breach risk per {entry['reporting_period']}, {channel}: {entry['standard']} "
        f"({entry['model']})",
        fontsize="medium",
    )
    return fig


def peak_figure(peak, interval_minutes: int, date: str) -> Figure:
    """SL per interval of the busiest day: the closed form at per-interval Erlang staffing, the
    simulation of that staffing (with its confidence band) and of the iterated staffing."""
    fig = _figure(9.0, 3.8)
    ax = fig.add_subplot()
    hours = np.arange(peak.sl_formula.size) * interval_minutes / 60
    staffed = np.where(peak.erlang_agents > 0, 1.0, np.nan)  # closed intervals are not drawn
    level = f"{peak.confidence:.0%}"
    ax.step(
        hours, staffed * peak.sl_formula, where="post", lw=1, label="closed form, Erlang staffing"
    )
    ax.step(
        hours, staffed * peak.sl_sim_erlang, where="post", lw=1, label="simulated, Erlang staffing"
    )
    ax.fill_between(
        hours,
        staffed * (peak.sl_sim_erlang - peak.sl_sim_erlang_half_width),
        staffed * (peak.sl_sim_erlang + peak.sl_sim_erlang_half_width),
        step="post",
        alpha=0.25,
        label=f"{level} confidence interval",
    )
    ax.step(
        hours, staffed * peak.sl_sim_isa, where="post", lw=1, label="simulated, iterated staffing"
    )
    ax.axhline(peak.target, color="red", ls="--", lw=1, label=f"target {peak.target:.0%}")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("hour of day")
    ax.set_ylabel(f"SL ({peak.sl_definition.describe(peak.threshold_s)})", fontsize="small")
    ax.set_title(
        f"Busiest day {date}, {peak.channel}: {peak.replications} replications", fontsize="medium"
    )
    ax.legend(fontsize="small", ncol=2)
    return fig


def write_report(data: dict, out_dir) -> list[Path]:
    """Write ``verdict.md`` and its PNG plots into ``out_dir``."""
    out = Path(out_dir)
    cur = data["currency"]
    written = []
    lines = [
        f"# SLA verdict: {data['scenario']}",
        "",
        f"{data['fte_offered']:.1f} FTE on offer; the plan needs {data['fte_required']:.1f} FTE "
        f"(closed forms, {data['model'].replace('_', ' ').title()}).",
        "",
        "## Targets at the staffing on offer",
        "",
        "| channel | standard | model | verdict | failing intervals | price if dropped |",
        "|---|---|---|---|---|---|",
    ]
    for t in data["targets"]:
        missed = sum(not p["met"] for p in t["periods"])
        verdict = "met in every period" if missed == 0 else f"missed in {missed} period(s)"
        lines.append(
            f"| {t['channel']} | {t['standard']} | {t['model']} | {verdict} | "
            f"{t['failing_intervals']} | {t['price_fte']:.1f} FTE, {t['price_per_year']:,.0f} "
            f"{cur}/yr |"
        )
    for channel, clause in data["binding"].items():
        lines += ["", f"Binding target for **{channel}**: `{clause}`."]
    for channel, entry in data["cost_of_standard"].items():
        name = f"cost_curve_{channel}.png"
        written.append(save_png(cost_curve_figure(channel, entry, cur), out / name))
        lines += ["", f"## Cost of the standard: {channel}", "", f"![cost curve]({name})"]
    for channel, entry in data["breach_risk"].items():
        name = f"breach_{channel}.png"
        written.append(save_png(breach_figure(channel, entry), out / name))
        lines += [
            "",
            f"## Breach risk: {channel}",
            "",
            f"{entry['standard']} measured per {entry['reporting_period']} ({entry['model']}): "
            f"{entry['expected_breaches_per_year']:.1f} breached periods expected per year, "
            f"expected penalty {entry['expected_penalty_per_year']:,.0f} {cur}/yr, bonus "
            f"{entry['expected_bonus_per_year']:,.0f} {cur}/yr.",
            "",
            f"![breach risk]({name})",
        ]
    for channel, entry in data.get("staffing_for_risk", {}).items():
        lines += [
            "",
            f"To keep P(breach) at most {entry['max_p_breach']:.0%} in every period "
            f"({channel}): {entry['extra_agents_per_staffed_interval']} more agent(s) in "
            "every staffed interval.",
        ]
    for channel, p in data.get("peak_day", {}).items():
        lines += [
            "",
            f"Busiest day {p['date']} ({channel}, {p['model']}): "
            f"{len(p['intervals_short_of_target_at_erlang_staffing'])} interval(s) fall short "
            f"at per-interval Erlang staffing; iterated staffing adds "
            f"{p['extra_agent_hours']:.1f} agent-hours.",
        ]
    if data["warnings"]:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in data["warnings"]]
    write_atomic(out / "verdict.md", "\n".join(lines) + "\n")
    return [out / "verdict.md", *written]
