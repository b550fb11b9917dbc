"""The verdict as a Markdown report with its plots (``ccplan check FILE --report DIR``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..io import write_atomic
from ..verdict import DAYS_PER_YEAR, MODEL_NAMES, BreachRisk, CostCurve, Verdict
from .plots import _figure, save_png


def cost_curve_figure(curve: CostCurve) -> Figure:
    """Cost per year against the SL target, one line per threshold, current standard marked
    (the grid point nearest it)."""
    fig = _figure(8.0, 4.2)
    ax = fig.add_subplot()
    sls = curve.service_levels
    for j, threshold in enumerate(curve.thresholds_s):
        ax.plot(
            sls * 100,
            curve.cost_per_year[:, j] / 1e3,
            marker="o",
            ms=3,
            label=f"within {threshold:g} s",
        )
    if curve.current is not None:
        i, j = curve.current_index()
        ax.plot(
            sls[i] * 100,
            curve.cost_per_year[i, j] / 1e3,
            "r*",
            ms=14,
            label=f"current: {sls[i]:.0%} within {curve.thresholds_s[j]:g} s",
        )
    ax.set_xlabel(f"service level target [%] ({curve.sl_definition.value.replace('_', ' ')})")
    ax.set_ylabel(f"cost of the whole scenario [k{curve.currency}/yr]")
    ax.set_title(f"Cost of the standard, {curve.channel} ({MODEL_NAMES[curve.model]})")
    ax.legend(fontsize="small", ncol=2)
    return fig


def breach_figure(risk: BreachRisk) -> Figure:
    """P(breach) per reporting period with its 95% (Wilson) interval."""
    fig = _figure(8.0, 3.6)
    ax = fig.add_subplot()
    periods = [str(p) for p in risk.periods]
    p, low, high = risk.p_breach, risk.p_breach_low, risk.p_breach_high
    x = np.arange(len(periods))
    ax.bar(x, p, color="tab:red", alpha=0.7)
    ax.errorbar(x, p, yerr=[p - low, high - p], fmt="none", color="black", capsize=3)
    ax.set_xticks(x, periods, rotation=45 if len(periods) > 6 else 0, fontsize="small")
    ax.set_ylim(0, 1)
    ax.set_ylabel("P(measured SL < standard)")
    ax.set_title(
        f"Breach risk per {risk.reporting_period}, {risk.channel}: {risk.standard_text} "
        f"({risk.method})",
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


def write_report(result: Verdict, out_dir) -> list[Path]:
    """Write ``verdict.md`` and its PNG plots into ``out_dir`` (from the typed verdict)."""
    out = Path(out_dir)
    cur = result.currency
    feas = result.feasibility
    per_year = DAYS_PER_YEAR / result.days
    written = []
    lines = [
        f"# SLA verdict: {result.scenario}",
        "",
        f"{feas.fte_offered:.1f} FTE on offer; the plan needs {feas.fte_required:.1f} FTE "
        f"(closed forms, {MODEL_NAMES[result.model]}).",
        "",
        "## Targets at the staffing on offer",
        "",
        "| channel | standard | model | verdict | failing intervals | price if dropped |",
        "|---|---|---|---|---|---|",
    ]
    for c in feas.checks:
        missed = int(np.sum(~np.asarray(c.met)))
        verdict = "met in every period" if missed == 0 else f"missed in {missed} period(s)"
        lines.append(
            f"| {c.channel} | {c.description} | {MODEL_NAMES[result.model]} | {verdict} | "
            f"{c.failing_intervals} | {c.fte_saved:.1f} FTE, {c.cost_saved * per_year:,.0f} "
            f"{cur}/yr |"
        )
    for channel, clause in feas.binding.items():
        lines += ["", f"Binding target for **{channel}**: `{clause}`."]
    for channel, curve in result.cost_curves.items():
        name = f"cost_curve_{channel}.png"
        written.append(save_png(cost_curve_figure(curve), out / name))
        lines += ["", f"## Cost of the standard: {channel}", "", f"![cost curve]({name})"]
    for channel, risk in result.breach_risks.items():
        name = f"breach_{channel}.png"
        written.append(save_png(breach_figure(risk), out / name))
        lines += [
            "",
            f"## Breach risk: {channel}",
            "",
            f"{risk.standard_text} measured per {risk.reporting_period} ({risk.method}): "
            f"{risk.expected_breaches_per_year:.1f} breached periods expected per year, "
            f"expected penalty {risk.expected_penalty.sum() * per_year:,.0f} {cur}/yr, bonus "
            f"{risk.expected_bonus.sum() * per_year:,.0f} {cur}/yr.",
            "",
            f"![breach risk]({name})",
        ]
    for channel, staffing in result.risk_staffing.items():
        lines += [
            "",
            f"To keep P(breach) at most {staffing.max_p_breach:.0%} in every period "
            f"({channel}): {staffing.extra_agents} more agent(s) in every staffed interval.",
        ]
    for channel, day in result.peak_days.items():
        peak = day.check
        lines += [
            "",
            f"Busiest day {day.date} ({channel}, simulation of the whole day, "
            f"{peak.replications} replications): {len(peak.short_intervals)} interval(s) fall "
            f"short at per-interval Erlang staffing; iterated staffing adds "
            f"{peak.extra_agent_hours:.1f} agent-hours.",
        ]
    if result.warnings:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in result.warnings]
    write_atomic(out / "verdict.md", "\n".join(lines) + "\n")
    return [out / "verdict.md", *written]
