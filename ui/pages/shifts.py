"""Shifts page: the minimum-cost roster of a channel (shifts people can work), its coverage
against the requirement, and what each standard costs once it is rostered."""

from __future__ import annotations

import json

import streamlit as st

from ui import state
from ui.format import fte, money, pct, plain

OBJECTIVES = {
    "cover_intervals": "Cover every interval",
    "period_clauses": "Meet each clause per reporting period",
}
OBJECTIVE_HELP = (
    "Cover every interval: every 15 or 30 minutes gets the agents its own target needs. "
    "Meet each clause per reporting period: some intervals may be short where the month's "
    "service level still holds (the contract measures the month)."
)


@st.cache_data(show_spinner="solving the roster week by week", max_entries=16)
def cached_roster(scenario_json: str, channel: str, objective: str, files: tuple = ()):
    from scenarios.roster.optimize import optimize_roster

    result = state.cached_plan(scenario_json, "erlang_a", files)
    return optimize_roster(result, [channel], objective=objective).channels[channel]


@st.cache_data(show_spinner="rostering each standard", max_entries=8)
def cached_standard_costs(scenario_json: str, channel: str, standards: tuple):
    from scenarios.io import parse_scenario
    from scenarios.roster.verdict import standard_costs

    scenario = parse_scenario(json.loads(scenario_json))
    return [c.to_dict() for c in standard_costs(scenario, channel, list(standards))]


def page_shifts():
    import pandas as pd

    st.title("Shifts")
    scenario = state.effective()
    rules = (
        "the scenario's"
        if scenario.roster is not None
        else "the default ones (full time: 5 days of 8 paid hours, a 30-minute unpaid meal and "
        "two paid 15-minute breaks; part time: 4 or 6 hours, at most 40% of agents)"
    )
    st.caption(f"Scenario: **{plain(scenario.name)}** — shift rules: {rules}")
    names = [c.name for c in scenario.channels]
    channel = st.selectbox("Channel", names, key="shifts_channel")
    objective = st.radio(
        "Roster to",
        list(OBJECTIVES),
        format_func=OBJECTIVES.get,
        horizontal=True,
        key="shifts_objective",
        help=OBJECTIVE_HELP,
    )
    key = (scenario.model_dump_json(), channel, objective)
    if st.button("Build the roster", key="shifts_run", type="primary"):
        st.session_state["roster_built"] = key
    if st.session_state.get("roster_built") != key:
        st.info("Build the roster to see its shifts, coverage and cost (a few seconds a week).")
        return
    try:
        roster = cached_roster(*key, state.current().files)
    except ValueError as err:
        st.error(plain(str(err)))
        return
    cur = scenario.workforce.currency
    cols = st.columns(4)
    cols[0].metric("FTE rostered", fte(roster.fte))
    cols[1].metric(
        "FTE of the requirement",
        fte(roster.requirement_fte),
        help="The per-interval plan: every interval gets what it needs after shrinkage",
    )
    cols[2].metric("Roster cost (horizon)", money(roster.cost, cur))
    cols[3].metric(
        "Efficiency",
        pct(roster.efficiency),
        help="Requirement hours / rostered on-phone hours (100%: nothing over-covered)",
    )
    st.caption(
        f"Within {pct(roster.gap, 2)} of the best bound (LP relaxation); solved in "
        f"{roster.solve_time_s:.1f} s, week by week. Requirement only: "
        f"{money(roster.requirement_cost, cur)}."
    )
    if roster.note:
        st.caption(plain(roster.note))
    days = sorted({str(t)[:10] for t in roster.starts})
    day = st.selectbox("Day", days, key="shifts_day")
    on_day = [str(t)[:10] == day for t in roster.starts]
    chart = pd.DataFrame(
        {
            "requirement": roster.requirement[on_day],
            "on the phone": roster.on_phone[on_day],
            "on shift": roster.on_shift[on_day],
        },
        index=pd.DatetimeIndex(roster.starts[on_day], name="time"),
    )
    st.markdown("**Coverage: requirement vs rostered agents per interval**")
    st.line_chart(chart)
    shifts = pd.DataFrame([r for r in roster.shift_rows() if r["start"].startswith(day)])
    st.markdown(f"**Shifts starting on {day}** ({len(shifts)})")
    st.dataframe(shifts, hide_index=True, key="shifts_table")
    from scenarios.output.roster import coverage_csv, shifts_csv
    from scenarios.roster.result import Roster

    whole = Roster(scenario.name, roster.objective, cur, "", "", {channel: roster})
    cols = st.columns(2)
    cols[0].download_button(
        "Shifts (CSV)", shifts_csv(whole), "shifts.csv", "text/csv", key="shifts_csv"
    )
    cols[1].download_button(
        "Coverage (CSV)", coverage_csv(whole), "coverage.csv", "text/csv", key="coverage_csv"
    )
    target = scenario.target_for(channel)
    if target is None or target.service_level is None or target.threshold_s is None:
        return
    st.markdown("**The cost of the standard on rosters**")
    current = f"{target.service_level * 100:g}/{target.threshold_s:g}"
    standards = tuple(dict.fromkeys([current, *scenario.compare_standards]))
    if st.button(f"Roster {', '.join(standards)}", key="shifts_price_run"):
        st.session_state["roster_priced"] = (key[0], channel, standards)
    if st.session_state.get("roster_priced") != (key[0], channel, standards):
        return
    rows = []
    for c in cached_standard_costs(key[0], channel, standards):
        rows.append(
            {
                "standard": c["standard"],
                "FTE (requirement only)": round(c["requirement_only"]["fte"], 1),
                "FTE rostered, every interval": round(c["roster_cover_intervals"]["fte"], 1),
                "FTE rostered, per period": round(c["roster_period_clauses"]["fte"], 1)
                if "roster_period_clauses" in c
                else None,
                f"cost per interval roster {cur}": round(c["roster_cover_intervals"]["cost"]),
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="shifts_standards")
