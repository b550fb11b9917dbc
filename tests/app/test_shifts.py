"""The Shifts page with AppTest: the roster of the default service desk is built on request,
its figures are the optimizer's, and the page keeps its choices across page switches."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from scenarios import plan
from scenarios.examples import load_example
from scenarios.roster.optimize import optimize_roster

APP = str(Path(__file__).parents[2] / "app.py")


def test_the_roster_is_built_on_request_and_shows_the_optimizers_figures():
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.sidebar.radio(key="page").set_value("Shifts").run()
    assert not at.exception, at.exception
    assert not at.metric, "nothing is solved before the button"
    next(b for b in at.button if b.label == "Build the roster").click().run()
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    roster = optimize_roster(plan(load_example("default")), ["voice"]).channels["voice"]
    assert shown["FTE rostered"] == f"{roster.fte:,.1f}"
    assert shown["FTE of the requirement"] == f"{roster.requirement_fte:,.1f}"
    assert shown["Efficiency"] == f"{roster.efficiency:.1%}"
    assert at.dataframe[0].value.shape[0] == sum(
        str(s.start)[:10] == "2027-01-04" for s in roster.shifts
    )
    # Away and back: the roster is still there (the choices are kept, the solve cached).
    at.sidebar.radio(key="page").set_value("Plan").run()
    at.sidebar.radio(key="page").set_value("Shifts").run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["FTE rostered"] == f"{roster.fte:,.1f}"
