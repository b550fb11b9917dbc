"""Streamlit front end: wires the pages (``ui/pages/``, one module each) and the session state.

No modelling logic lives in the UI: every number comes from the same typed results the CLI renders
(``ui/state.py`` holds the cached computations). Run with ``make app`` (http://localhost:8501).
"""

import streamlit as st

from ui.pages.calculator import page_calculator
from ui.pages.check import page_check
from ui.pages.history import page_history
from ui.pages.plan import page_plan
from ui.pages.scenario import page_scenario
from ui.pages.simulate import page_simulate
from ui.state import DEFAULTS, EXECUTORS, scenario_text

PAGES = ("Quick calculator", "Scenario", "Plan", "SLA check", "Simulate", "History")


def main() -> None:
    """One run of the app: the session's defaults, the sidebar and the chosen page."""
    st.set_page_config(page_title="ccplan: contact-center capacity planner", layout="wide")
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)

    # Inputs survive page switches: Streamlit drops the state of widgets not drawn in a run, and
    # re-assigning it marks it as the user's. Buttons and file uploaders cannot be assigned:
    # their keys end in _run, _upload, _csv, _load or _download.
    kept = ("calc_", "plan_", "check_", "sim_", "hist_", "settings_")
    not_inputs = ("_run", "_csv", "_load", "_download", "_disabled", "_upload")
    for key in list(st.session_state.keys()):
        if str(key).startswith(kept) and not str(key).endswith(not_inputs):
            st.session_state[key] = st.session_state[key]

    # The scenario being edited.
    if "scenario_yaml" not in st.session_state:
        st.session_state.scenario_yaml = scenario_text("default")

    page = st.sidebar.radio("Page", PAGES, key="page")
    with st.sidebar.expander("Settings"):
        st.radio(
            "Run simulations in",
            list(EXECUTORS),
            format_func=EXECUTORS.get,
            key="settings_executor",
            help="Results are identical whichever runs them (seeds are spawned per replication).",
        )
        if st.session_state.settings_executor == "dask":
            st.text_input(
                "Dask scheduler address", key="settings_scheduler", placeholder="tcp://host:8786"
            )
    st.sidebar.caption(
        "Durations in seconds, rates in contacts per hour. Service level (SL) = answered within "
        "the threshold / offered unless a page says otherwise."
    )
    {
        "Quick calculator": page_calculator,
        "Scenario": page_scenario,
        "Plan": page_plan,
        "SLA check": page_check,
        "Simulate": page_simulate,
        "History": page_history,
    }[page]()


# `streamlit run` (and AppTest) run this file as `__main__`; the worker processes of the local
# process pool import it as `__mp_main__` and must not run the app.
if __name__ == "__main__":
    main()
