"""The History page's forecast with AppTest: bundled sample -> forecast -> the app's scenario,
taken on the Scenario page too; bad input keeps the inputs and shows no traceback."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).parents[2] / "app.py")


def _history_page():
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.sidebar.radio(key="page").set_value("History").run()
    assert not at.exception, at.exception
    return at


def test_forecast_becomes_the_scenario_and_plans():
    at = _history_page()
    at.number_input(key="fc_weeks").set_value(2)
    at.button(key="fc_run").click().run()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "vs seasonal naive" in text and "held out" in text
    assert any("WAPE daily [%]" in df.value.columns for df in at.dataframe)
    at.button(key="fc_use").click().run()
    assert not at.exception, at.exception
    cur = at.session_state["app_scenario"]
    assert cur.source.startswith("History: forecast of bank_calls")
    assert cur.scenario.days == 14 and [n for n, _ in cur.files] == ["forecast_voice.csv"]
    assert cur.scenario.channel("voice").demand.forecast_error.interval_volume_cv > 0
    # The Scenario page offers the same forecast, and the Plan page plans it.
    at.sidebar.radio(key="page").set_value("Scenario").run()
    assert at.button(key="scen_use_forecast").label.startswith("Use the forecast of")
    at.sidebar.radio(key="page").set_value("Plan").run()
    assert not at.exception, at.exception


def test_bad_country_is_an_error_and_inputs_stay():
    at = _history_page()
    at.number_input(key="fc_weeks").set_value(3)
    at.text_input(key="fc_country").set_value("XX")
    at.button(key="fc_run").click().run()
    assert not at.exception, at.exception
    assert any("country" in e.value for e in at.error)
    assert at.number_input(key="fc_weeks").value == 3
    assert at.text_input(key="fc_country").value == "XX"
