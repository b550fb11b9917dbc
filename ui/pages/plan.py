"""Plan page: staffing per interval and day, heat map, KPIs, totals per day/week/month, CSV."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from scenarios.output.export import intervals_csv
from scenarios.output.plots import kpi_curve, staffing_curve, week_heatmap
from scenarios.overrides import OverrideError, apply_overrides
from ui.state import (
    current_scenario,
    planned,
)


def target_editor(scenario):
    """Edit the first SL target; the scenario with it applied, or None (message shown)."""
    targets = [t for t in scenario.targets if t.service_level is not None]
    if not targets:
        return scenario
    t = targets[0]
    cols = st.columns(3)
    st.session_state.setdefault("plan_target", float(t.service_level))
    st.session_state.setdefault("plan_threshold", float(t.threshold_s))
    sl = cols[0].number_input(
        f"SL target for {t.channel} (fraction)", 0.0, 1.0, step=0.01, key="plan_target"
    )
    thr = cols[1].number_input(
        f"Threshold for {t.channel} [s]", 0.0, 604_800.0, key="plan_threshold"
    )
    cols[2].caption(f"SL definition: {t.sl_definition.describe(thr)}")
    try:
        at = f"targets.{t.channel}"
        return apply_overrides(scenario, {f"{at}.service_level": sl, f"{at}.threshold_s": thr})
    except OverrideError as err:  # the schema's own message, naming the field and its range
        st.error(str(err))
        return None


def page_plan():
    st.title("Plan")
    scenario, error = current_scenario()
    if error:
        st.error(error)
        st.button("Plan", disabled=True, key="plan_run_disabled")
        return
    model = st.radio(
        "Model",
        ("erlang_a", "erlang_c"),
        horizontal=True,
        key="plan_model",
        format_func=lambda m: {"erlang_a": "Erlang A", "erlang_c": "Erlang C"}[m],
    )
    scenario = target_editor(scenario)
    if scenario is None:
        return
    result, error = planned(scenario, model)
    if error:
        st.error(error)
        return
    cur = result.currency
    cols = st.columns(4)
    total_required = sum(p.required_agents for p in result.channels.values())
    cols[0].metric("Peak required agents", int(total_required.max()))
    cols[1].metric("FTE (average)", f"{result.total.fte[0]:.1f}")
    cols[2].metric(f"Cost [{cur}]", f"{result.total.cost[0]:,.0f}")
    cols[3].metric(f"Cost per contact [{cur}]", f"{result.total.cost_per_contact[0]:.2f}")
    day = 0
    if scenario.days > 1:
        day = st.select_slider(
            "Day",
            range(scenario.days),
            format_func=lambda d: f"{scenario.start_date + dt.timedelta(days=d):%a %d %b %Y}",
            key="plan_day",
        )
    st.pyplot(staffing_curve(result, day))
    channel = st.selectbox("Channel", list(result.channels), key="plan_channel")
    st.pyplot(week_heatmap(result, channel))
    st.pyplot(kpi_curve(result, channel))
    period = st.radio("Totals per", ("day", "week", "month"), horizontal=True, key="plan_period")
    totals = {"day": result.days, "week": result.weeks, "month": result.months}[period]
    st.dataframe(
        {
            period: totals.label,
            "paid hours": totals.paid_hours,
            "FTE": totals.fte,
            f"cost [{cur}]": totals.cost,
            f"revenue [{cur}]": totals.revenue,
            f"cost per contact [{cur}]": totals.cost_per_contact,
        }
    )
    st.download_button(
        "Download intervals (CSV)", intervals_csv(result), file_name="intervals.csv", key="plan_csv"
    )
