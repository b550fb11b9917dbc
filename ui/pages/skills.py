"""Skills page: multi-skill and blended pools for the current scenario -- the ``skills:``
form (pools, the channels each serves in priority order, overflow waits, blending reserve,
sizes), the design's clauses by simulation, and the pooling gain against separate teams
(``scenarios.skills``)."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.format import cost_in_period, fte, money, pct, plain
from ui.widgets import stale_note

#: Replications per simulated design (the search runs a dozen or so designs).
REPLICATIONS = (10, 20, 30)


@st.cache_data(show_spinner=False, max_entries=8)
def cached_skills(scenario_json: str, search: bool, replications: int, files: tuple, _executor):
    import json

    from scenarios.io import parse_scenario
    from scenarios.skills.verdict import skills_verdict

    scenario = parse_scenario(json.loads(scenario_json))
    result, error = state.planned(scenario)
    if error:
        raise ValueError(error)
    return skills_verdict(
        result, search=search, replications=replications, executor=_executor
    ).to_dict()


def _blended_start(scenario) -> dict:
    """A first design: one pool serving every channel, real-time channels first."""
    order = sorted(scenario.channels, key=lambda c: c.kind == "deferred")
    deferred = any(c.kind == "deferred" for c in scenario.channels)
    return {
        "pools": [
            {
                "name": "shared",
                "skills": [c.name for c in order],
                "reserve_agents": 1 if deferred else 0,
                "agents": "plan",
            }
        ]
    }


def _form(scenario) -> None:
    """The ``skills:`` block as YAML, validated by the scenario schema on Apply."""
    import yaml

    current = (
        scenario.skills.model_dump(mode="json")
        if scenario.skills is not None
        else _blended_start(scenario)
    )
    with st.form("skills_form"):
        st.caption(
            "Each pool: `name`, `skills` (channels in priority order; `{channel: voice, "
            "after_s: 60}` takes voice only after a 60 s wait: overflow), `reserve_agents` "
            "(blending: deferred work only while that many other agents stay idle), `agents` "
            "(`plan`, `roster`, a number, or a list per interval of a day)."
        )
        text = st.text_area(
            "skills:", yaml.safe_dump(current, sort_keys=False), height=260, key="skills_yaml"
        )
        applied = st.form_submit_button("Apply to the scenario")
    if applied:
        try:
            block = yaml.safe_load(text)
        except yaml.YAMLError as err:
            st.error(f"skills: not valid YAML ({plain(str(err).splitlines()[0])})")
            return
        error = state.edit({"skills": block}, "skills page")
        if error:
            st.error(plain(error))
        else:
            st.success("Saved into the scenario.")
            st.rerun()


def page_skills():
    import pandas as pd

    st.title("Skills")
    scenario = state.effective()
    st.caption(
        f"Scenario: **{plain(scenario.name)}**. Pools of agents that serve several channels "
        "(blending, overflow); every channel and pool is simulated together, and a clause "
        "holds when its KPI pooled over replications has its 95% bound on the right side of "
        "the standard in every reporting period."
    )
    if scenario.skills is None:
        st.info(
            "This scenario has no `skills:` design: each channel has its own team. Apply the "
            "design below (one pool for every channel) or edit it first."
        )
    _form(scenario)
    if scenario.skills is None:
        stale_note()
        return
    reps = st.radio(
        "Replications per design", REPLICATIONS, index=0, horizontal=True, key="skills_reps"
    )
    search = st.toggle(
        "Size the pools and show the pooling gain (a search over a dozen simulations, for "
        "separate teams and the shared design)",
        key="skills_search",
    )
    executor, executor_error = state.executor_or_error()
    if executor_error:
        st.error(plain(executor_error))
        return
    with st.spinner("simulating the design"):
        try:
            data = cached_skills(
                scenario.model_dump_json(), search, reps, state.current().files, executor
            )
        except (ValueError, OSError) as err:
            st.error(plain(str(err)))
            return
    _show(data, pd)


def _show(data: dict, pd) -> None:
    cur = data["currency"]
    design = data["design"]
    cols = st.columns(3)
    cols[0].metric("FTE (design as given)", fte(design["fte"]))
    period = state.cost_period()  # the sidebar's one cost period
    cols[1].metric(f"Cost a {period}", money(cost_in_period(design["cost_per_year"], period), cur))
    cols[2].metric("Every clause holds", "yes" if design["meets_every_clause"] else "no")
    st.caption(plain(data["method"]))
    rows = [
        {
            "channel": channel,
            "clause": c["standard"],
            "period": p["period"],
            "simulated": _kpi(c["clause"], p["simulated"]),
            "95% CI": f"{_kpi(c['clause'], p['ci_low'])} .. {_kpi(c['clause'], p['ci_high'])}",
            "P(breach)": pct(p["p_breach"]),
            "holds": "yes" if c["holds_with_95pct_confidence"] else "no",
        }
        for channel, clauses in design["clauses"].items()
        for c in clauses
        for p in c["periods"]
        if p["measured"]
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    pools = pd.DataFrame(
        [
            {
                "pool": name,
                "agents on duty (mean)": f"{p['agents_mean']:.1f}",
                "max": p["agents_max"],
                "occupancy": "n/a" if p["occupancy"] is None else pct(p["occupancy"]),
            }
            for name, p in design["pools"].items()
        ]
    )
    st.dataframe(pools, hide_index=True)
    if data["pooling_gain"]:
        st.subheader("Pooling gain")
        st.caption(
            "Separate teams (one pool per channel) and the shared design, each sized by the "
            "same simulation search (shrink while every clause holds, verified on a fresh "
            "seed)."
        )
        gains = pd.DataFrame(
            [
                {
                    "standard": g["standard"] or "own targets",
                    "separate FTE": fte(g["separate_fte"]),
                    "shared FTE": fte(g["shared_fte"]),
                    "FTE saved": fte(g["fte_saved"]),
                    f"saved {cur}/{period}": money(
                        cost_in_period(g["cost_saved_per_year"], period), cur
                    ),
                    "verified": "yes" if g["both_verified"] else "no",
                }
                for g in data["pooling_gain"]
            ]
        )
        st.dataframe(gains, hide_index=True)


def _kpi(clause: str, value) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.1f} s" if clause == "max_asa_s" else pct(value)
