"""Streamlit front end: only wiring. The pages are modules in ``ui/pages/`` (imported when shown,
so a cold open loads only the first); the one current scenario and the caches are in
``ui/state.py``. Run with ``make app`` (http://localhost:8501).
"""

import importlib

# Streamlit and the app's modules are imported in the functions that use them, not here: the
# local process pool's workers import this file (as ``__mp_main__``) and need none of them.

#: Page title -> (module in ui.pages, function). The negotiator's page comes first.
PAGES = {
    "Negotiate": ("negotiate", "page_negotiate"),
    "Scenario": ("scenario", "page_scenario"),
    "Plan": ("plan", "page_plan"),
    "SLA check": ("check", "page_check"),
    "Pricing": ("pricing", "page_pricing"),
    "Hiring": ("hiring", "page_hiring"),
    "Shifts": ("shifts", "page_shifts"),
    "Skills": ("skills", "page_skills"),
    "Simulate": ("simulate", "page_simulate"),
    "History": ("history", "page_history"),
    "Quick calculator": ("calculator", "page_calculator"),
}

# Page-local inputs kept across page switches (Streamlit drops the state of widgets not drawn
# in a run; re-assigning it marks it as the user's). Buttons, uploads and downloads cannot be
# assigned: their keys end in one of NOT_INPUTS. Widgets drawn from the scenario (keys "w_...")
# are not kept: they are redrawn from the scenario.
KEPT = (
    "calc_",
    "plan_",
    "check_",
    "sim_",
    "hist_",
    "settings_",
    "neg_",
    "scen_",
    "shifts_",
    "hire_",
)
NOT_INPUTS = ("_run", "_csv", "_load", "_download", "_disabled", "_upload", "_save")


def sidebar() -> str:
    import streamlit as st

    from ui import state
    from ui.format import plain

    page = st.sidebar.radio("Page", list(PAGES), key="page")
    cur = state.current()
    st.sidebar.markdown(f"Scenario: **{plain(cur.name)}**")
    if state.whatif() is not None:
        st.sidebar.caption(f"What-if in force: {state.whatif()['label']}")
    st.sidebar.radio(
        "Show costs per",
        ("year", "month"),
        horizontal=True,
        key="settings_cost_period",
        help="One cost period for every page",
    )
    with st.sidebar.expander("Simulation settings"):
        st.radio(
            "Run simulations in",
            list(state.EXECUTORS),
            format_func=state.EXECUTORS.get,
            key="settings_executor",
            help="Results are identical whichever runs them (seeds are spawned per replication).",
        )
        if st.session_state.settings_executor == "dask":
            st.text_input(
                "Dask scheduler address", key="settings_scheduler", placeholder="tcp://host:8786"
            )
    st.sidebar.caption(
        "Service level (SL) = answered within the threshold / offered unless a page says "
        "otherwise. Percentages are typed as percent (80 means 80%)."
    )
    return page


def main() -> None:
    """One run of the app: the session's defaults, the sidebar and the chosen page (an
    unexpected error: one message, ``ui.guard``)."""
    import streamlit as st

    from ui import guard

    st.set_page_config(page_title="ccplan: contact-center capacity planner", layout="wide")
    guard.page(run)


def run() -> None:
    """The session's defaults, the sidebar and the chosen page."""
    import streamlit as st

    from ui import state

    for key, value in state.DEFAULTS.items():
        st.session_state.setdefault(key, value)
    for key in list(st.session_state.keys()):
        if str(key).startswith(KEPT) and not str(key).endswith(NOT_INPUTS):
            st.session_state[key] = st.session_state[key]
    page = sidebar()
    state.whatif_banner()
    module, function = PAGES[page]
    getattr(importlib.import_module(f"ui.pages.{module}"), function)()
    state.warm_up_workers()  # after the page: its first simulation then starts at once
    state.freeze_heap()


# `streamlit run` (and AppTest) run this file as `__main__`; the worker processes of the local
# process pool import it as `__mp_main__` and must not run the app.
if __name__ == "__main__":
    main()
