"""Plan page: staffing per interval and day, totals per day/week/month, the target as a what-if,
intervals as CSV."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from ui import state
from ui.format import cost_in_period, fte, money, per_year, plain
from ui.targets import sl_channels, standards_editor
from ui.widgets import stale_note

MODELS = {
    "erlang_a": "With abandonment",
    "erlang_c": "Nobody hangs up",
}
MODEL_HELP = (
    "With abandonment: Erlang A, callers hang up after their patience runs out. "
    "Nobody hangs up: Erlang C, a more cautious staffing."
)


def model_choice(key: str) -> str:
    return st.radio(
        "Queue model",
        list(MODELS),
        format_func=MODELS.get,
        horizontal=True,
        key=key,
        help=MODEL_HELP,
    )


def page_plan():
    import pandas as pd

    st.title("Plan")
    scenario = state.effective()
    st.caption(f"Scenario: **{plain(scenario.name)}**")
    model = model_choice("plan_model")
    channels = sl_channels(scenario)
    ok = True
    if channels:
        channel = (
            st.selectbox("Standards of channel", channels, key="plan_target_channel")
            if len(channels) > 1
            else channels[0]
        )
        st.markdown(f"**Standards of {channel}** (a change is a what-if until applied)")
        ok = standards_editor(channel, caps=False, prefix="plan")
    if not ok:
        stale_note()
        return
    result, error = state.planned(scenario, model)
    if error:
        st.error(plain(error))
        return
    cur, period = result.currency, state.cost_period()
    cols = st.columns(4)
    on_duty = sum(p.required_agents for p in result.channels.values())
    cols[0].metric("Peak agents on duty", int(on_duty.max()))
    cols[1].metric("FTE needed (average)", fte(float(result.total.fte[0])))
    cost_year = per_year(float(result.total.cost[0]), scenario.days)
    cols[2].metric(f"Cost per {period}", money(cost_in_period(cost_year, period), cur))
    cols[3].metric("Cost per contact", f"{result.total.cost_per_contact[0]:,.2f} {cur}")
    day = 0
    if scenario.days > 1:
        day = st.select_slider(
            "Day",
            range(scenario.days),
            format_func=lambda d: f"{scenario.start_date + dt.timedelta(days=d):%a %d %b %Y}",
            key="plan_day",
        )
    per_day = scenario.intervals_per_day
    cut = slice(day * per_day, (day + 1) * per_day)
    index = pd.DatetimeIndex(result.table.start[cut], name="time")
    st.markdown("**Agents on duty needed per interval**")
    st.line_chart(
        pd.DataFrame({n: p.required_agents[cut] for n, p in result.channels.items()}, index=index),
        x_label="time",
        y_label="agents on duty",
    )
    st.markdown("**Predicted service level per interval**")
    st.line_chart(
        pd.DataFrame(
            {n: p.service_level[cut] * 100 for n, p in result.channels.items()}, index=index
        ),
        x_label="time",
        y_label="service level [%]",
    )
    span = st.radio("Totals per", ("day", "week", "month"), horizontal=True, key="plan_period")
    totals = {"day": result.days, "week": result.weeks, "month": result.months}[span]
    st.dataframe(
        pd.DataFrame(
            {
                span: totals.label,
                "paid hours": totals.paid_hours.round(0),
                "FTE": totals.fte.round(1),
                f"cost [{cur}]": totals.cost.round(0),
                f"revenue [{cur}]": totals.revenue.round(0),
                f"cost per contact [{cur}]": totals.cost_per_contact.round(2),
            }
        ),
        hide_index=True,
        column_config={
            "paid hours": st.column_config.NumberColumn(format="%,.0f"),
            f"cost [{cur}]": st.column_config.NumberColumn(format="%,.0f"),
            f"revenue [{cur}]": st.column_config.NumberColumn(format="%,.0f"),
            "FTE": st.column_config.NumberColumn(format="%.1f"),
            f"cost per contact [{cur}]": st.column_config.NumberColumn(format="%.2f"),
        },
    )
    if st.toggle("Show the week heat map (agents needed by weekday and time)", key="plan_heat"):
        from scenarios.output.plots import week_heatmap

        heat_channel = st.selectbox("Channel", list(result.channels), key="plan_channel")
        st.pyplot(week_heatmap(result, heat_channel))

    def intervals() -> bytes:
        from scenarios.output.export import intervals_csv

        return intervals_csv(result).encode()

    st.download_button(
        "Download intervals (CSV)",
        intervals,
        file_name="intervals.csv",
        mime="text/csv",
        key="plan_csv",
        on_click="ignore",
    )
