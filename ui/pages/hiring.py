"""Hiring page: the headcount month by month against the staffing the standard needs, and the
smallest hiring plan that covers it (``scenarios.contract.hiring``)."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.format import fte, money, pct, plain
from ui.widgets import stale_note

MODES = {
    "given": "The scenario's classes",
    "optimal": "Smallest plan (adds one class a month as needed)",
}
#: The plan shown when the scenario has no ``hiring`` section: a year, no attrition.
FALLBACK = {"months": 12, "attrition_per_month": 0.0, "training_weeks": 4}


@st.cache_data(show_spinner=False, max_entries=16)
def cached_hiring(scenario_json: str, optimal: bool, replications: int, files: tuple, _executor):
    import json

    from scenarios.contract.hiring import evaluate_hiring, optimal_hiring
    from scenarios.io import parse_scenario

    scenario = parse_scenario(json.loads(scenario_json))
    run = optimal_hiring if optimal else evaluate_hiring
    return run(
        scenario, replications=replications, base_dir=state.data_dir(files), executor=_executor
    )


def _inputs(scenario) -> dict | None:
    """The hiring plan typed on the page (defaults: the scenario's), as ``hiring`` fields;
    None while a field is not a number."""
    h = scenario.hiring
    if h is not None:
        plan = h.model_dump(mode="json")
    else:  # the FTE the scenario's plan needs, trained at the start
        plan = dict(FALLBACK, starting_headcount=state.offer_default_fte())
    cols = st.columns(4)
    fields = [
        ("starting_headcount", "Starting headcount [FTE]", 1.0, "%.1f"),
        ("months", "Months", 1.0, "%.0f"),
        ("attrition_per_month", "Attrition per month [%]", 100.0, "%.2f"),
        ("training_weeks", "Training weeks (paid, not available)", 1.0, "%.0f"),
        ("ramp_up_weeks", "Ramp-up weeks", 1.0, "%.0f"),
        ("ramp_up_aht_multiplier", "AHT multiplier after training", 1.0, "%.2f"),
        ("max_p_breach", "Largest P(breach) per period [%]", 100.0, "%.1f"),
        ("max_class_size", "Largest class [agents]", 1.0, "%.0f"),
    ]
    typed = {}
    for i, (name, label, scale, shown) in enumerate(fields):
        default = HIRING_DEFAULTS.get(name) if plan.get(name) is None else plan[name]
        value = state.remembered_number(
            cols[i % 4], label, float(default) * scale, f"hire_{name}", format=shown
        )
        if value is None:
            return None
        typed[name] = value / scale
    for name in ("months", "training_weeks", "ramp_up_weeks", "max_class_size"):
        if float(typed[name]).is_integer():
            typed[name] = int(typed[name])
    return {**plan, **typed}


#: Field defaults of ``HiringPlan`` for a scenario without one.
HIRING_DEFAULTS = {
    "ramp_up_weeks": 0,
    "ramp_up_aht_multiplier": 1.0,
    "max_p_breach": 0.1,
    "max_class_size": 200,
}


def page_hiring():
    import pandas as pd

    from scenarios.overrides import OverrideError, apply_overrides

    st.title("Hiring")
    scenario = state.effective()
    st.caption(
        f"Scenario: **{plain(scenario.name)}**. Headcount counts full-time agents; leavers are "
        "expected values; available and required FTE are agents on duty (after shrinkage); a "
        "month's requirement is its busiest ISO week's."
    )
    typed = _inputs(scenario)
    if typed is None:
        st.error("Give every field a number.")
        stale_note()
        return
    try:
        planned = apply_overrides(scenario, {"hiring": typed})
    except OverrideError as err:
        hint = ""
        if "attrition_per_month" in str(err) or "max_p_breach" in str(err):
            hint = " (this page takes shares in percent: 0.5 is 50%, 0.1 is 10%)"
        st.error(plain(str(err)) + hint)
        stale_note()
        return
    mode = st.radio("Classes", list(MODES), format_func=MODES.get, key="hire_mode")
    reps = st.radio(
        "P(breach) per month",
        (0, 30),
        format_func=lambda r: "not simulated (closed form only)" if r == 0 else f"{r} runs",
        horizontal=True,
        key="hire_reps",
    )
    executor, executor_error = (None, None) if reps == 0 else state.executor_or_error()
    if executor_error:
        st.error(plain(executor_error))
        return
    with st.spinner("planning the hiring"):
        try:
            result = cached_hiring(
                planned.model_dump_json(), mode == "optimal", reps, state.current().files, executor
            )
        except (ValueError, OSError) as err:
            st.error(plain(str(err)))
            return
    if st.button("Save this hiring plan into the scenario", key="hire_save_run"):
        classes = [{"size": c.size, "start_date": c.start_date.isoformat()} for c in result.classes]
        error = state.edit({"hiring": {**typed, "classes": classes}}, "hiring page")
        if error:
            st.error(plain(error))
        else:
            st.success("Saved into the scenario.")
    _show(result, pd)


def _show(result, pd) -> None:
    cur = result.currency
    sl, p_breach = result.month_service()
    short = int((result.gap_fte < -1e-9).sum())
    cols = st.columns(4)
    cols[0].metric("Hires", f"{sum(c.size for c in result.classes):,}")
    cols[1].metric("Cost of the plan", money(float(result.cost.sum()), cur))
    cols[2].metric("Months short of staff", f"{short} of {result.labels.size}")
    service = result.services.get(result.headline)
    if service is not None:
        met = int((sl >= service.standard - 1e-12).sum())
        cols[3].metric("Months meeting the SL", f"{met} of {result.labels.size}")
        st.caption(
            f"SL: {plain(service.channel)}, answered within {service.threshold_s:g} s "
            f"({service.sl_definition.value}), per {service.reporting_period} (worst period "
            f"starting in the month), standard {pct(service.standard)}; P(breach): "
            f"{plain(service.method)}."
        )
    if result.unreachable:
        st.warning(
            "Not reachable by hiring (a class starting in the first month is still in "
            f"training): {', '.join(result.unreachable)}. A starting headcount of "
            f"{fte(result.starting_headcount_needed)} FTE covers it."
        )
    classes = "; ".join(f"{c.size} on {c.start_date}" for c in result.classes) or "none"
    st.markdown(f"**Classes:** {classes}")
    table = pd.DataFrame(
        {
            "month": result.labels,
            "headcount": [fte(v) for v in result.headcount],
            "hires": [fte(v) for v in result.hires],
            "leavers": [fte(v) for v in result.leavers],
            "in training": [fte(v) for v in result.in_training],
            "available FTE": [fte(v) for v in result.available_fte],
            "required FTE": [fte(v) for v in result.required_fte],
            "gap FTE": [fte(v) for v in result.gap_fte],
            "SL": [pct(v) for v in sl],
            "P(breach)": [pct(v) for v in p_breach],
            f"cost {cur}": [money(v, cur) for v in result.cost],
        }
    )
    # Every month in view (35 px a row and the header), no scrolling inside the table.
    st.dataframe(table, hide_index=True, height=35 * (len(table) + 1) + 3)
    from scenarios.output.hiring_plots import hiring_figure

    st.pyplot(hiring_figure(result))
