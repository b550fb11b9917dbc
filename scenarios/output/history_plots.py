"""Plots of history and its backtest: pure functions returning matplotlib Figures."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..history.backtest import Backtest
from ..history.prediction import IntervalPrediction
from ..history.stats import PatienceEstimate
from .plots import _clock_labels, _figure

_MODEL_LABELS = {"erlang_c": "Erlang C", "erlang_a": "Erlang A", "simulation": "simulation"}


def backtest_figure(bt: Backtest) -> Figure:
    """Observed vs predicted service level and abandonment per interval, for the plain and the
    corrected inputs (busy intervals shaded)."""
    obs = bt.observed
    x = np.arange(obs.offered.size)
    per_day = int(round(86_400 / obs.period_s))
    fig = _figure(12.0, 6.5)
    axes = fig.subplots(2, len(bt.variants), sharex=True, sharey=True, squeeze=False)
    kpis = (("service_level", f"SL ({bt.sl_definition})"), ("abandon_rate", "abandoned / offered"))
    for col, variant in enumerate(bt.variants.values()):
        for row, (kpi, label) in enumerate(kpis):
            ax = axes[row][col]
            for i in np.flatnonzero(bt.busy):
                ax.axvspan(i, i + 1, color="0.93", lw=0)
            ax.plot(x + 0.5, getattr(obs, kpi), "ko", ms=3.5, label="observed")
            for model, pred in variant.predictions.items():
                mae = pred.mae[kpi]
                ax.step(
                    x,
                    getattr(pred, kpi),
                    where="post",
                    lw=1.0,
                    label=f"{_MODEL_LABELS[model]} (MAE {mae:.3f})",
                )
            ax.set_ylim(-0.02, 1.02)
            ax.set_ylabel(label)
            ax.legend(loc="upper left", fontsize="x-small")
            if row == 0:
                ax.set_title(f"{variant.name}: AHT {variant.aht_s:.0f} s", fontsize="medium")
            ticks, labels = _clock_labels(per_day, 3 if per_day >= 24 else 6)
            ax.set_xticks(ticks, labels)
    fig.suptitle(
        f"Backtest per interval (shaded: busy, >= {bt.busy_min_offered} offered); "
        f"patience {bt.patience.mean_s:.0f} s"
    )
    return fig


def staffing_figure(bt: Backtest) -> Figure:
    """Agents observed (serving, available) beside the agents that would have met the target."""
    s = bt.staffing
    x = np.arange(s.agents_serving.size)
    per_day = int(round(86_400 / s.interval_s))
    fig = _figure()
    ax = fig.add_subplot()
    ax.step(x, s.agents_serving, where="post", label="agents who served (plain)")
    ax.step(x, s.agents_available, where="post", label="agents available (corrected)")
    ax.step(
        x,
        bt.required_agents,
        where="post",
        label=f"needed for {bt.target_service_level:.0%} {bt.sl_definition} (Erlang A)",
    )
    ax.set_ylabel("agents")
    ticks, labels = _clock_labels(per_day, 3 if per_day >= 24 else 6)
    ax.set_xticks(ticks, labels)
    ax.set_xlabel("time of day")
    twin = ax.twinx()
    twin.plot(x + 0.5, bt.observed.offered, color="grey", alpha=0.5, label="offered calls")
    twin.set_ylabel("offered calls per interval")
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", fontsize="small")
    ax.set_title("Staffing observed vs needed")
    return fig


def patience_figure(p: PatienceEstimate) -> Figure:
    """Kaplan-Meier patience curve with its 95% band and the exponential MLE."""
    km = p.kaplan_meier
    fig = _figure(7.0, 4.0)
    ax = fig.add_subplot()
    t = np.concatenate([[0.0], km.time_s])
    ax.step(t, np.concatenate([[1.0], km.survival]), where="post", label="Kaplan-Meier")
    ax.fill_between(
        t,
        np.concatenate([[1.0], km.ci_low]),
        np.concatenate([[1.0], km.ci_high]),
        step="post",
        alpha=0.25,
        label="95% band",
    )
    grid = np.linspace(0.0, t[-1] if t.size > 1 else 1.0, 200)
    ax.plot(grid, np.exp(-grid / p.mean_s), "--", label=f"exponential, mean {p.mean_s:.0f} s")
    ax.set_xlabel("time waited [s]")
    ax.set_ylabel("P(patience > t)")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"Patience ({p.abandoned} abandonments, {p.censored_share:.0%} censored)")
    ax.legend(fontsize="small")
    return fig


def prediction_figure(pred: IntervalPrediction) -> Figure:
    """The busy intervals one after the other: each KPI's prediction interval (band), its
    median (line) and what happened (dots: black inside the interval, red outside), with the
    coverage and where the agents came from in the titles."""
    busy = np.flatnonzero(pred.busy)
    x = np.arange(busy.size)
    fig = _figure(12.0, 6.5)
    axes = fig.subplots(2, 1, sharex=True, squeeze=False)[:, 0]
    kpis = (
        ("service_level", "SL (answered within threshold / offered)"),
        ("abandon_rate", "abandoned / offered"),
    )
    for ax, (kpi, label) in zip(axes, kpis, strict=True):
        ax.fill_between(
            x,
            pred.low[kpi][busy],
            pred.high[kpi][busy],
            step="mid",
            alpha=0.3,
            label=f"{pred.level:.0%} prediction interval",
        )
        ax.step(x, pred.median[kpi][busy], where="mid", lw=1.0, label="median prediction")
        seen = np.asarray(getattr(pred.observed, kpi), float)[busy]
        inside = pred.covered[kpi][busy]
        ax.plot(x[inside], seen[inside], "ko", ms=3.5, label="observed, inside")
        ax.plot(x[~inside], seen[~inside], "o", color="tab:red", ms=4.5, label="observed, outside")
        ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel(label)
        ax.set_title(
            f"{label}: {int(inside.sum())} of {busy.size} inside ({pred.coverage[kpi]:.0%})",
            fontsize="medium",
        )
        ax.legend(loc="upper left", fontsize="x-small")
    step = max(1, busy.size // 8)
    starts = [str(s)[:16].replace("T", " ") for s in pred.observed.start[busy]]
    axes[-1].set_xticks(x[::step], starts[::step], rotation=20, fontsize="x-small")
    axes[-1].set_xlabel(f"busy intervals (>= {pred.busy_min_offered} offered), in time order")
    agents = "IN-SAMPLE agent estimate" if pred.in_sample else pred.agents_source
    fig.suptitle(f"Backtest with prediction intervals; agents: {agents}")
    return fig
