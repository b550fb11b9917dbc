"""The SLA check page's demand-drivers section (``ui.drivers``) with streamlit.testing."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from scenarios.scenario import Scenario
from ui.state import Current, scenario_yaml

APP = str(Path(__file__).parents[2] / "app.py")

BOT = Scenario.model_validate(
    dict(
        name="bot line",
        interval_minutes=30,
        start_date="2027-01-04",
        days=3,
        channels=[
            dict(
                name="voice",
                kind="voice",
                handle_time={"kind": "exponential", "mean_s": 300},
                patience={"kind": "exponential", "mean_s": 120},
                demand={"volume_per_day": 4800, "intraday_profile": "flat"},
                fcr={"rate": 0.8, "repeat_delay": {"kind": "exponential", "mean_s": 3600}},
                self_service={"deflection": 0.4, "bot_uptime": 0.9, "outage_duration_s": 10800},
                retrials={"share": 0.5, "delay": {"kind": "exponential", "mean_s": 600}},
            )
        ],
        targets=[dict(channel="voice", service_level=0.8, threshold_s=20)],
    )
)


def test_sla_check_shows_where_contacts_come_from_and_what_the_drivers_are_worth():
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["app_scenario"] = Current(BOT, scenario_yaml(BOT), "test")
    at.run()
    at.sidebar.radio(key="page").set_value("SLA check").run()
    assert not at.exception, at.exception
    assert "Demand drivers" in [h.value for h in at.subheader]
    mix = at.table[-1].value
    assert mix.loc["voice", "forecast"] == "14,400"
    assert mix.loc["voice", "deflected by the bot"] == "5,760"
    next(w for w in at.number_input if w.key == "check_reps").set_value(4.0).run()
    next(b for b in at.button if b.key == "check_drivers_run").click().run()
    assert not at.exception, at.exception
    lines = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "+5 points FCR on voice (80% -> 85%) saves" in lines
    assert "the bot's uptime clause at 90.0%" in lines
