"""Simulate page: replications with progress and Cancel, simulated KPIs beside the closed forms."""

from __future__ import annotations

import datetime as dt

import numpy as np
import streamlit as st

from ui import state
from ui.format import plain
from ui.state import executor_or_error, planned
from ui.widgets import count_input


def page_simulate():
    from scenarios.simulation import simulation_config
    from simulator import ReplicationResult, replicate_in_batches

    st.title("Simulate")
    scenario = state.effective()
    st.caption(
        f"Scenario: **{plain(scenario.name)}** (agents on duty: the plan's, with abandonment)"
    )
    result, error = planned(scenario, "erlang_a")
    if error:
        st.error(plain(error))
        return
    channel = st.selectbox("Channel", list(result.channels), key="sim_channel")
    reps, ok = count_input(
        "Simulated runs",
        "sim_reps",
        2,
        500,
        help="replications: independent simulated runs of the whole horizon",
    )
    if not ok:
        return
    executor, executor_error = executor_or_error()
    if executor_error:
        st.error(plain(executor_error))
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
            progress=lambda done, total: bar.progress(
                done / total, f"{done}/{total} simulated runs"
            ),
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
        st.warning(f"Cancelled: showing the {len(partial[1])} simulated runs that finished.")
        st.session_state.sim = (key, ReplicationResult(tuple(partial[1])))
    if "sim" not in st.session_state or st.session_state.sim[0] != key:
        st.caption("Agents on duty = the plan's required agents. Results stay cached here.")
        return
    reps_result = st.session_state.sim[1]
    sim_results(scenario, result, reps_result, channel)


def _shown(kpi: str, value: float) -> str:
    return f"{value:.1f} s" if kpi == "asa_s" else f"{value * 100:.1f}%"


def sim_results(scenario, result, reps_result, channel: str) -> None:
    """Simulated vs closed-form KPIs: the horizon, each day, and the intervals of one day
    (Altair charts on date axes, with the 95% confidence band; hover for the values)."""
    import altair as alt
    import pandas as pd

    from scenarios.simulation import simulation_summary

    plan_ch = result.channels[channel]
    definition = plan_ch.sl_definition.describe(plan_ch.threshold_s)
    entry = simulation_summary(result, reps_result, 1)["channels"][channel]
    kpis = {k: v for k, v in entry.items() if isinstance(v, dict)}  # the rest: definitions
    names = {"abandon_rate": "abandonment (of offered)", "asa_s": "average wait (ASA)"}
    st.table(
        pd.DataFrame(
            {
                "simulated (pooled)": [_shown(k, v["simulated"]) for k, v in kpis.items()],
                "95% confidence interval": [
                    f"{_shown(k, v['ci_low'])} – {_shown(k, v['ci_high'])}" for k, v in kpis.items()
                ],
                "formula (plan)": [_shown(k, v["planned"]) for k, v in kpis.items()],
            },
            index=pd.Index(
                [names.get(k, f"service level ({definition})") for k in kpis], name="KPI"
            ),
        )
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
    shown_days = [int(d) for d in days[open_day]]
    st.markdown(f"**{channel}: service level per day** ({definition}; {daily.n} replications)")
    _band_chart(
        pd.DataFrame(
            {
                "time": pd.to_datetime([dates[d] for d in shown_days]),
                "formula (plan)": formula_daily[shown_days] * 100,
                "simulation": daily.mean[shown_days] * 100,
                "low": (daily.mean - daily.half_width)[shown_days] * 100,
                "high": (daily.mean + daily.half_width)[shown_days] * 100,
            }
        ),
        alt,
        "yearmonthdate(time):T",
        "day",
    )
    options = shown_days or [0]
    day = st.select_slider(
        "Day shown per interval",
        options,
        format_func=lambda d: f"{dates[d]:%a %d %b %Y}",
        key="sim_day",
    )
    est = reps_result.estimate(field, channel=channel, level="interval")
    cut = slice(day * per_day, (day + 1) * per_day)
    served = offered[cut] > 0  # closed intervals are not drawn
    st.markdown(
        f"**{channel}, {dates[day]:%a %d %b %Y}: per {scenario.interval_minutes}-minute "
        f"interval** (95% confidence band)"
    )
    _band_chart(
        pd.DataFrame(
            {
                "time": pd.to_datetime(result.table.start[cut][served]),
                "formula (plan)": plan_ch.service_level[cut][served] * 100,
                "simulation": est.mean[cut][served] * 100,
                "low": est.low[cut][served] * 100,
                "high": est.high[cut][served] * 100,
            }
        ),
        alt,
        "time:T",
        "interval start",
    )


def _band_chart(frame, alt, x: str, x_title: str) -> None:
    """Closed form and simulated mean as lines, the 95% confidence band shaded (drawn within
    0-100%: a t-interval of few replications can reach past what a service level can be)."""
    frame = frame.assign(low=frame["low"].clip(0, 100), high=frame["high"].clip(0, 100))
    lines = frame.melt(
        id_vars=["time"], value_vars=["formula (plan)", "simulation"], var_name="source"
    )
    axis = alt.X(x, title=x_title)
    band = (
        alt.Chart(frame)
        .mark_area(opacity=0.25)
        .encode(x=axis, y=alt.Y("low:Q", title="service level [%]"), y2="high:Q")
    )
    chart = (
        alt.Chart(lines)
        .mark_line(point=True)
        .encode(
            x=axis,
            y=alt.Y("value:Q", title="service level [%]", scale=alt.Scale(zero=False)),
            color="source:N",
            tooltip=["time:T", "source:N", alt.Tooltip("value:Q", format=".1f")],
        )
    )
    st.altair_chart(band + chart, width="stretch")
