"""Simulate page: replications with progress and Cancel, simulated KPIs beside the closed forms."""

from __future__ import annotations

import datetime as dt

import numpy as np
import streamlit as st
from matplotlib.figure import Figure

from ui import state
from ui.state import executor_or_error, planned


def page_simulate():
    from scenarios.simulation import simulation_config
    from simulator import ReplicationResult, replicate_in_batches

    st.title("Simulate")
    scenario = state.effective()
    st.caption(f"Scenario: **{scenario.name}** (agents on duty: the plan's, with abandonment)")
    result, error = planned(scenario, "erlang_a")
    if error:
        st.error(error)
        return
    channel = st.selectbox("Channel", list(result.channels), key="sim_channel")
    reps = st.number_input("Replications", 2, 500, key="sim_reps")
    executor, executor_error = executor_or_error()
    if executor_error:
        st.error(executor_error)
    key = (scenario.model_dump_json(), int(reps))
    if st.button("Run", key="sim_run", disabled=executor is None):
        # Batch by batch, so that "Cancel" (which stops this run) keeps what has finished.
        st.button("Cancel", key="sim_cancel_run")
        bar = st.progress(0.0, text="simulating")
        st.session_state.sim_partial = (key, [])
        for batch in replicate_in_batches(
            simulation_config(result),
            int(reps),
            1,
            executor=executor,
            progress=lambda done, total: bar.progress(done / total, f"{done}/{total} replications"),
        ):
            st.session_state.sim_partial[1].extend(batch)
        st.session_state.sim = (key, ReplicationResult(tuple(st.session_state.sim_partial[1])))
    partial = st.session_state.get("sim_partial")
    if (
        ("sim" not in st.session_state or st.session_state.sim[0] != key)
        and partial is not None
        and partial[0] == key
        and len(partial[1]) >= 2
    ):
        st.warning(f"Cancelled: showing the {len(partial[1])} replications that finished.")
        st.session_state.sim = (key, ReplicationResult(tuple(partial[1])))
    if "sim" not in st.session_state or st.session_state.sim[0] != key:
        st.caption("Agents on duty = the plan's required agents. Results stay cached here.")
        return
    reps_result = st.session_state.sim[1]
    sim_results(scenario, result, reps_result, channel)


def sim_results(scenario, result, reps_result, channel: str) -> None:
    """Simulated vs closed-form KPIs: the horizon, each day, and the intervals of one day."""
    from scenarios.simulation import simulation_summary

    plan_ch = result.channels[channel]
    definition = plan_ch.sl_definition.describe(plan_ch.threshold_s)
    entry = simulation_summary(result, reps_result, 1)["channels"][channel]
    kpis = {k: v for k, v in entry.items() if isinstance(v, dict)}  # the rest: definitions
    names = {"abandon_rate": "abandonment (of offered)", "asa_s": "ASA [s]"}
    st.dataframe(
        {
            "KPI": [names.get(k, f"SL ({definition})") for k in kpis],
            "simulated mean": [v["simulated_mean"] for v in kpis.values()],
            "95% CI": [f"{v['ci_low']:.4g} .. {v['ci_high']:.4g}" for v in kpis.values()],
            "closed form (plan)": [v["planned"] for v in kpis.values()],
        }
    )
    offered = result.table.channels[channel].offered
    per_day = scenario.intervals_per_day
    field = plan_ch.sl_definition.field
    days = np.arange(scenario.days)
    dates = [scenario.start_date + dt.timedelta(days=int(d)) for d in days]
    daily = reps_result.estimate(field, channel=channel, level="day")
    weights = offered.reshape(scenario.days, per_day)
    with np.errstate(invalid="ignore", divide="ignore"):
        formula_daily = (plan_ch.service_level.reshape(scenario.days, per_day) * weights).sum(
            axis=1
        ) / weights.sum(axis=1)
    open_day = weights.sum(axis=1) > 0
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(days[open_day], formula_daily[open_day], "o-", ms=3, label="closed form (plan)")
    ax.errorbar(
        days[open_day],
        daily.mean[open_day],
        yerr=daily.half_width[open_day],
        fmt="s",
        ms=3,
        capsize=2,
        label=f"simulation, {daily.n} replications (95% CI)",
    )
    ax.set_xticks(
        days[open_day], [f"{dates[d]:%d %b}" for d in days[open_day]], rotation=60, fontsize="small"
    )
    ax.set_ylabel(f"SL per day\n({definition})", fontsize="small")
    ax.set_title(f"{channel}: service level per day", fontsize="medium")
    ax.legend(fontsize="small")
    st.pyplot(fig)
    options = [int(d) for d in days[open_day]] or [0]
    day = st.select_slider(
        "Day shown per interval",
        options,
        format_func=lambda d: f"{dates[d]:%a %d %b %Y}",
        key="sim_day",
    )
    est = reps_result.estimate(field, channel=channel, level="interval")
    cut = slice(day * per_day, (day + 1) * per_day)
    served = np.where(offered[cut] > 0, 1.0, np.nan)  # closed intervals are not drawn
    hours = np.arange(per_day) * scenario.interval_minutes / 60
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    ax = fig.add_subplot()
    ax.step(hours, served * plan_ch.service_level[cut], where="post", label="closed form (plan)")
    ax.step(hours, served * est.mean[cut], where="post", label=f"simulation, mean of {est.n}")
    ax.fill_between(
        hours,
        served * est.low[cut],
        served * est.high[cut],
        step="post",
        alpha=0.3,
        label="95% confidence interval",
    )
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("hour of day")
    ax.set_ylabel(f"SL ({definition})", fontsize="small")
    ax.set_title(
        f"{channel}, {dates[day]:%a %d %b %Y}: per {scenario.interval_minutes}-minute interval",
        fontsize="medium",
    )
    ax.legend(fontsize="small")
    st.pyplot(fig)
