"""Quick calculator page: agents needed under Erlang C and Erlang A, KPIs at a chosen staffing."""

from __future__ import annotations

import streamlit as st
from matplotlib.figure import Figure

from erlang import SLDefinition, erlang_a_kpis, erlang_c_kpis, required_agents
from ui.state import (
    calculator_curves,
)


def page_calculator():
    st.title("Quick calculator")
    unit = st.radio(
        "Volume given",
        ("per hour", "per 15 minutes", "per 30 minutes"),
        horizontal=True,
        key="calc_unit",
    )
    per_hour = {"per hour": 1.0, "per 15 minutes": 4.0, "per 30 minutes": 2.0}[unit]
    col = st.columns(5)
    volume = col[0].number_input(f"Calls {unit}", 0.0, 1e6, step=10.0, key="calc_cph")
    cph = volume * per_hour
    aht = col[1].number_input("AHT [s]", 1.0, 36_000.0, step=10.0, key="calc_aht")
    patience = col[2].number_input(
        "Mean patience [s] (0: nobody abandons)", 0.0, 36_000.0, key="calc_patience"
    )
    threshold = col[3].number_input("SL threshold [s]", 0.0, 3600.0, key="calc_threshold")
    target = col[4].number_input(
        "SL target (fraction)", 0.0, 1.0, step=0.01, key="calc_target", help="0.8 for 80%"
    )
    patience_s = patience or None
    definition = SLDefinition.OF_OFFERED.describe(threshold)
    # Each model at the staffing it needs for the target (Erlang C with patience ignored).
    needed = {
        "Erlang C (nobody abandons)": required_agents(
            cph, aht, service_level=target, threshold_s=threshold
        )
    }
    if patience_s:
        needed["Erlang A (exponential patience)"] = required_agents(
            cph, aht, patience_s=patience_s, service_level=target, threshold_s=threshold
        )
    if not all(r.reachable for r in needed.values()):
        st.error(f"An SL target of {target:.0%} cannot be reached (up to 100,000 agents).")
        return
    top = max(int(r.agents) for r in needed.values())
    n, c, a = calculator_curves(cph, aht, patience_s, threshold, int(top * 1.5 + 10))
    cols = st.columns(2)
    for box, (name, r), k in zip(cols, needed.items(), (c, a), strict=False):
        agents = int(r.agents)
        box.subheader(name)
        box.metric(
            "Agents needed",
            agents,
            help=f"smallest count with SL >= {target:.0%} ({definition})",
        )
        box.metric("Service level", f"{k.service_level[agents]:.1%}", help=definition)
        box.metric("ASA [s]", f"{k.asa_s[agents]:.1f}", help="mean wait of answered contacts")
        box.metric("Abandonment", f"{k.p_abandon[agents]:.1%}", help="share of offered")
        box.metric("Occupancy", f"{k.occupancy[agents]:.1%}")
    if not patience_s:
        cols[1].info("Erlang A needs a mean patience above 0 s.")
    st.subheader("At a staffing of your choice")
    st.session_state.setdefault("calc_agents", top)
    agents = int(st.number_input("Agents", 0, 100_000, step=1, key="calc_agents"))
    chosen = {"Erlang C": erlang_c_kpis(cph, aht, agents, threshold)}
    if patience_s:
        chosen["Erlang A"] = erlang_a_kpis(cph, aht, patience_s, agents, threshold)
    st.dataframe(
        {
            "model": list(chosen),
            f"service level ({definition})": [f"{k.service_level:.1%}" for k in chosen.values()],
            "ASA [s]": [f"{k.asa_s:.1f}" for k in chosen.values()],
            "abandonment (of offered)": [f"{k.p_abandon:.1%}" for k in chosen.values()],
            "occupancy": [f"{k.occupancy:.1%}" for k in chosen.values()],
        }
    )
    fig = Figure(figsize=(8, 3.5), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(n, c.service_level, label=f"SL, Erlang C ({definition})")
    if a is not None:
        ax.plot(n, a.service_level, label=f"SL, Erlang A ({definition})")
        ax.plot(n, a.p_abandon, label="abandonment, Erlang A (of offered)")
    ax.axhline(target, color="red", ls="--", label=f"target {target:.0%}")
    ax.set_xlabel("agents")
    ax.set_ylabel("share of contacts")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize="small")
    st.pyplot(fig)
