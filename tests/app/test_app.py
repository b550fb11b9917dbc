"""The Streamlit app with streamlit.testing's AppTest: every page renders, inputs drive it."""

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).parents[2] / "app.py")
PAGES = ("Quick calculator", "Scenario", "Plan", "SLA check", "Simulate", "History")


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


def form_input(at, label):
    """The first number input of the scenario form with ``label``."""
    return next(w for w in at.number_input if w.label == label)


def test_scenario_form_validates_with_the_schema_and_keeps_every_input():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.number_input(key="calc_cph").set_value(777.0).run()
    at.sidebar.radio(key="page").set_value("Scenario").run()
    before = at.session_state.scenario_yaml
    form_input(at, "AHT [s]").set_value(420.0)
    form_input(at, "SL target (fraction)").set_value(80.0)  # a percentage, not a fraction
    next(b for b in at.button if b.label == "Apply").click().run()
    assert not at.exception
    message = at.error[0].value
    assert "targets[0].service_level" in message and "0.8 for 80%" in message
    assert at.session_state.scenario_yaml == before  # nothing applied
    assert form_input(at, "AHT [s]").value == 420.0  # the user's other edits are still there
    form_input(at, "SL target (fraction)").set_value(0.9)
    next(b for b in at.button if b.label == "Apply").click().run()
    assert not at.error
    data = yaml.safe_load(at.session_state.scenario_yaml)
    assert data["targets"][0]["service_level"] == 0.9
    assert data["channels"][0]["handle_time"]["mean_s"] == 420.0
    at.sidebar.radio(key="page").set_value("Quick calculator").run()
    assert at.number_input(key="calc_cph").value == 777.0


def test_malformed_upload_shows_the_message_and_keeps_the_scenario():
    at = open_page("Scenario")
    before = at.session_state.scenario_yaml
    bad = before.replace("threshold_s: 20", "threshold_s: -5").encode()
    at.file_uploader(key="scen_upload").set_value(("contract.yaml", bad, "text/yaml")).run()
    assert not at.exception
    assert any("contract.yaml: targets[0].threshold_s" in e.value for e in at.error)
    assert at.session_state.scenario_yaml == before
    good = before.replace("threshold_s: 20", "threshold_s: 30").encode()
    at.file_uploader(key="scen_upload").set_value(("contract.yaml", good, "text/yaml")).run()
    assert not at.error
    assert yaml.safe_load(at.session_state.scenario_yaml)["targets"][0]["threshold_s"] == 30


def test_interval_volume_csv_upload_drives_the_plan():
    at = open_page("Scenario")
    scenario = yaml.safe_load(at.session_state.scenario_yaml)
    days, minutes = scenario["days"], scenario["interval_minutes"]
    start = dt.datetime.combine(scenario["start_date"], dt.time())
    rows = ["start,volume"]
    for k in range(days * 24 * 60 // minutes):
        t = start + dt.timedelta(minutes=k * minutes)
        rows.append(f"{t.isoformat()},{100 if 9 <= t.hour < 17 else 0}")
    bad = b"begin,volume\n2027-01-04T00:00,3\n"
    at.file_uploader(key="scen_csv").set_value(("volumes.csv", bad, "text/csv")).run()
    assert not at.exception
    assert "volumes.csv: missing column(s) start" in at.error[0].value
    at.file_uploader(key="scen_csv").set_value(
        ("volumes.csv", "\n".join(rows).encode(), "text/csv")
    ).run()
    assert not at.error
    at.sidebar.radio(key="page").set_value("Plan").run()
    assert not at.exception and not at.error
    # 100 calls per 15 minutes of 360 s each = 40 erlangs: the plan needs more than 40 agents
    assert 40 < int(at.metric[0].value) < 80


def test_sla_check_shows_the_busiest_days_peak_intervals():
    at = open_page("SLA check")
    at.number_input(key="check_reps").set_value(3).run()
    at.button(key="check_peak_run").click().run()
    assert not at.exception
    assert any("Busiest day" in m.value for m in at.markdown)


from scenarios.history.samples import sample_path  # noqa: E402

SAMPLE = sample_path("bank-day")


def test_history_page_imports_backtests_and_calibrates():
    at = open_page("History")
    at.button(key="hist_run").click().run()
    assert not at.exception
    with SAMPLE.open(newline="") as f:
        rows = sum(1 for _ in csv.DictReader(f))
    assert any(f"**{rows}** rows read" in m.value for m in at.markdown)
    table = at.dataframe[-1].value  # the backtest errors, one row per inputs x model
    assert len(table) == 6 and set(table["model"]) == {"erlang_c", "erlang_a", "simulation"}
    at.button(key="hist_calibrate_run").click().run()
    assert not at.exception
    scenario = yaml.safe_load(at.session_state.scenario_yaml)
    assert scenario["interval_minutes"] == 30
    at.sidebar.radio(key="page").set_value("Plan").run()
    assert not at.exception and not at.error


def test_history_page_names_the_missing_column_of_a_bad_file():
    at = open_page("History")
    at.number_input(key="hist_threshold").set_value(30.0)
    bad = b"when,what\n2024-01-01 08:00,x\n"
    at.file_uploader(key="hist_records_upload").set_value(("export.csv", bad, "text/csv")).run()
    at.button(key="hist_run").click().run()
    assert not at.exception
    assert "export.csv" in at.error[0].value and "column" in at.error[0].value
    assert at.number_input(key="hist_threshold").value == 30.0


def test_simulation_settings_give_the_same_numbers_on_every_executor():
    at = open_page("Simulate")
    at.number_input(key="sim_reps").set_value(3)
    results = {}
    for kind in ("serial", "processes"):
        at.sidebar.radio(key="settings_executor").set_value(kind)
        at.button(key="sim_run").click().run()
        assert not at.exception
        results[kind] = at.session_state.sim[1].samples("service_level", channel="voice")
    assert results["serial"].shape == (3,)
    assert (results["serial"] == results["processes"]).all()


def test_a_dask_setting_without_address_disables_the_run_and_keeps_inputs():
    at = open_page("Simulate")
    at.number_input(key="sim_reps").set_value(4)
    at.sidebar.radio(key="settings_executor").set_value("dask").run()
    assert not at.exception
    assert "scheduler address" in at.error[0].value
    assert at.button(key="sim_run").disabled
    assert at.number_input(key="sim_reps").value == 4


def test_sla_check_says_which_standard_is_missed_and_by_how_much():
    at = open_page("SLA check")
    table = at.dataframe[0].value
    assert all(v == "met" for v in table["verdict"])  # at the FTE the plan needs
    at.number_input(key="check_fte").set_value(30.0).run()  # about half of it
    assert not at.exception
    table = at.dataframe[0].value
    sl = table[table["standard"].str.contains("answered within 20 s")].iloc[0]
    assert sl["verdict"].startswith("missed")
    worst_sl = float(sl["worst period"].split(": ")[1].rstrip("%")) / 100
    gap = float(sl["by how much"].rstrip("%")) / 100
    assert worst_sl + gap == pytest.approx(0.80, abs=0.002)  # measured + shortfall = standard


def test_process_pool_workers_importing_the_app_do_not_run_it():
    # Workers of the app's process pool import the app script as `__mp_main__`; running the
    # app there (in Streamlit's bare mode) would redo its work in every worker.
    code = f"import runpy; runpy.run_path({APP!r}, run_name='__mp_main__')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Session state does not function" not in done.stderr
    assert "ScriptRunContext" not in done.stderr
