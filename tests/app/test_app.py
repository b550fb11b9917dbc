"""The Streamlit app with streamlit.testing's AppTest: every page renders, inputs drive it."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).parents[2] / "app.py")
PAGES = ("Quick calculator", "Scenario", "Plan", "SLA check", "Simulate")


def open_page(page):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.sidebar.radio(key="page").set_value(page).run()
    return at


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_default_scenario(page):
    at = open_page(page)
    assert not at.exception, at.exception
    assert at.title[0].value == page


def test_calculator_finds_the_published_staffing():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.number_input(key="calc_cph").set_value(200.0)
    at.number_input(key="calc_aht").set_value(180.0)
    at.number_input(key="calc_patience").set_value(0.0).run()
    assert at.metric[0].value == "14"  # 80/20 of offered, Erlang C


def test_changing_the_target_changes_the_staffing_shown():
    at = open_page("Plan")
    before = at.metric[0].value
    at.number_input(key="plan_target").set_value(0.95).run()
    assert not at.exception
    assert int(at.metric[0].value) > int(before)


def test_malformed_scenario_shows_the_message_and_keeps_other_inputs():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.number_input(key="calc_cph").set_value(777.0).run()
    at.sidebar.radio(key="page").set_value("Scenario").run()
    text = at.text_area(key="scenario_yaml").value
    at.text_area(key="scenario_yaml").input(
        text.replace("interval_minutes: 15", "interval_minutes: 7")
    ).run()
    assert not at.exception
    assert "interval_minutes: must be one of 15, 30 or 60" in at.error[0].value
    at.sidebar.radio(key="page").set_value("Plan").run()
    assert "interval_minutes" in at.error[0].value  # the run is disabled, nothing crashes
    at.sidebar.radio(key="page").set_value("Quick calculator").run()
    assert at.number_input(key="calc_cph").value == 777.0


def test_calculator_takes_volume_per_interval_and_a_chosen_staffing():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.radio(key="calc_unit").set_value("per 30 minutes")
    at.number_input(key="calc_cph").set_value(100.0)  # 200 calls/h
    at.number_input(key="calc_aht").set_value(180.0)
    at.number_input(key="calc_patience").set_value(0.0).run()
    assert at.metric[0].value == "14"
    at.number_input(key="calc_agents").set_value(11).run()
    table = at.dataframe[0].value
    assert table["service level (answered within 20 s / offered)"][0] == "39.0%"  # published


def test_simulate_runs_replications_and_keeps_them_when_coming_back():
    at = open_page("Simulate")
    at.number_input(key="sim_reps").set_value(3)
    at.button(key="sim_run").click().run()
    assert not at.exception
    assert len(at.session_state.sim[1].runs) == 3
    assert not any("Results stay cached" in c.value for c in at.caption)  # results are shown
    at.sidebar.radio(key="page").set_value("Plan").run()
    at.sidebar.radio(key="page").set_value("Simulate").run()
    assert not at.exception
    assert at.session_state.sim[1].runs and len(at.session_state.sim[1].runs) == 3
