"""Quick calculator page: agents needed for a service level (with and without abandonment),
staff to schedule after shrinkage, an occupancy cap, and a table of agents -> SL / ASA /
abandonment / occupancy around the answer. Inputs as people type them (80 means 80%)."""

from __future__ import annotations

import streamlit as st

from erlang import SLDefinition, required_agents
from ui import guard
from ui.format import duration, fte, pct
from ui.state import calculator_curves
from ui.widgets import percent_input, stale_note

UNITS = {"per hour": 1.0, "per 30 minutes": 2.0, "per 15 minutes": 4.0}
"""Volume units and their factor to contacts per hour."""

MODELS = {
    "erlang_c": ("Nobody hangs up", "Erlang C: callers wait as long as it takes"),
    "erlang_a": ("With abandonment", "Erlang A: callers hang up after their patience runs out"),
}


def convert_volume(volume: float, old_unit: str, new_unit: str) -> float:
    """The same traffic in a new unit: 1,200 per hour is 300 per 15 minutes (never the number
    reinterpreted as 1,200 per 15 minutes)."""
    return volume * UNITS[old_unit] / UNITS[new_unit]


@guard.callback
def _unit_changed() -> None:
    old = st.session_state.get("calc_unit_prev", "per hour")
    new = st.session_state.calc_unit
    if st.session_state.get("calc_volume") is not None:
        st.session_state.calc_volume = convert_volume(st.session_state.calc_volume, old, new)
    st.session_state.calc_unit_prev = new


def _check(box, label: str, value, low: float, high: float, unit: str) -> bool:
    from ui.format import range_message

    message = range_message(label, value, low, high, unit)
    if message:
        box.error(message)
    return message is None


def page_calculator():
    import pandas as pd

    st.title("Quick calculator")
    st.caption("One interval of steady traffic: how many agents answer it to standard.")
    st.radio(
        "Volume given",
        list(UNITS),
        horizontal=True,
        key="calc_unit",
        on_change=_unit_changed,
        help="Changing the unit converts the number (1,200 per hour = 300 per 15 minutes)",
    )
    unit = st.session_state.calc_unit
    col = st.columns(4)
    volume = col[0].number_input(f"Contacts {unit}", step=10.0, format="%.1f", key="calc_volume")
    ok = _check(col[0], "Volume", volume, 0, 1e6, "")
    aht = col[1].number_input(
        "Average handle time [s]",
        step=10.0,
        format="%.0f",
        key="calc_aht",
        help="AHT: talk + hold + wrap-up",
    )
    ok &= _check(col[1], "Average handle time", aht, 1, 36_000, "s")
    patience = col[2].number_input(
        "Mean patience [s]",
        step=10.0,
        format="%.0f",
        key="calc_patience",
        help="How long callers wait on average before hanging up; 0: nobody hangs up",
    )
    ok &= _check(col[2], "Mean patience", patience, 0, 36_000, "s")
    threshold = col[3].number_input(
        "Answered within [s]",
        step=5.0,
        format="%.0f",
        key="calc_threshold",
        help="The Y of 'X% within Y s'",
    )
    ok &= _check(col[3], "Answered within", threshold, 0, 3600, "s")
    col = st.columns(4)
    target, a = percent_input(
        "Service level target", None, "calc_target_pct", box=col[0], help="80 means 80%"
    )
    ok &= a
    shrinkage, a = percent_input(
        "Shrinkage",
        None,
        "calc_shrinkage_pct",
        box=col[1],
        high=99.0,
        help="Share of paid time not available for contacts (breaks, training, absence)",
    )
    ok &= a
    cap, a = percent_input(
        "Max occupancy",
        None,
        "calc_occupancy_pct",
        box=col[2],
        low=1.0,
        help="Agents busy at most this share of their time (100: no cap)",
    )
    ok &= a
    if not ok or None in (volume, aht, patience, threshold, target, shrinkage, cap):
        stale_note()
        return
    cph = volume * UNITS[unit]
    col[3].metric("Contacts per hour", f"{cph:,.0f}")
    patience_s = patience or None
    definition = SLDefinition.OF_OFFERED.describe(threshold)
    occupancy = cap if cap < 1.0 else None
    needed = {
        "erlang_c": required_agents(
            cph, aht, service_level=target, threshold_s=threshold, max_occupancy=occupancy
        )
    }
    if patience_s:
        needed["erlang_a"] = required_agents(
            cph,
            aht,
            patience_s=patience_s,
            service_level=target,
            threshold_s=threshold,
            max_occupancy=occupancy,
        )
    if not all(r.reachable for r in needed.values()):
        st.error(f"A service level of {pct(target)} cannot be reached (up to 100,000 agents).")
        return
    top = max(int(r.agents) for r in needed.values())
    n, c, a_kpis = calculator_curves(cph, aht, patience_s, threshold, int(top * 1.5 + 10))
    cols = st.columns(2)
    for box, (model, r), k in zip(cols, needed.items(), (c, a_kpis), strict=False):
        agents = int(r.agents)
        name, term = MODELS[model]
        box.subheader(name, help=term)
        inner = box.columns(3)
        inner[0].metric(
            "Agents on duty", agents, help=f"smallest count with SL >= {pct(target)} ({definition})"
        )
        inner[1].metric(
            "Staff to schedule",
            fte(agents / (1 - shrinkage)),
            help=f"agents on duty / (1 - {pct(shrinkage)} shrinkage)",
        )
        inner[2].metric("Service level", pct(k.service_level[agents]), help=definition)
        inner = box.columns(3)
        inner[0].metric("Average wait (ASA)", duration(round(float(k.asa_s[agents]), 1)))
        inner[1].metric("Abandonment", pct(k.p_abandon[agents]), help="share of offered")
        inner[2].metric("Occupancy", pct(k.occupancy[agents]))
    if not patience_s:
        cols[1].info("'With abandonment' needs a mean patience above 0 s.")
    st.subheader("Around the answer")
    kpis = a_kpis if a_kpis is not None else c
    lo, hi = max(0, top - 5), min(len(n) - 1, top + 5)
    rows = range(lo, hi + 1)
    st.dataframe(
        pd.DataFrame(
            {
                "agents on duty": [int(n[i]) for i in rows],
                "staff to schedule": [fte(n[i] / (1 - shrinkage)) for i in rows],
                f"service level ({definition})": [pct(kpis.service_level[i]) for i in rows],
                "average wait (ASA)": [duration(round(float(kpis.asa_s[i]), 1)) for i in rows],
                "abandonment": [pct(kpis.p_abandon[i]) for i in rows],
                "occupancy": [pct(kpis.occupancy[i]) for i in rows],
            }
        ),
        hide_index=True,
    )
    st.caption(
        f"Model: {MODELS['erlang_a' if a_kpis is not None else 'erlang_c'][0].lower()}. "
        f"The answer is {top} agents."
    )
    curves = {"service level, nobody hangs up": c.service_level * 100}
    if a_kpis is not None:
        curves["service level, with abandonment"] = a_kpis.service_level * 100
        curves["abandonment"] = a_kpis.p_abandon * 100
    st.line_chart(
        pd.DataFrame(curves, index=pd.Index(n, name="agents on duty")),
        x_label="agents on duty",
        y_label="share of contacts [%]",
    )
