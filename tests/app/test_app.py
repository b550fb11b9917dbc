"""The Streamlit app with streamlit.testing's AppTest: every page renders, the one scenario
held by the app survives page switches and every way of editing it, inputs are taken as people
type them, and the negotiator's page answers."""

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from scenarios import plan
from scenarios.examples import example_path, load_example
from scenarios.overrides import apply_overrides

APP = str(Path(__file__).parents[2] / "app.py")
PAGES = (
    "Negotiate",
    "Scenario",
    "Plan",
    "SLA check",
    "Shifts",
    "Simulate",
    "History",
    "Quick calculator",
)


def start():
    return AppTest.from_file(APP, default_timeout=120).run()


def goto(at, page):
    at.sidebar.radio(key="page").set_value(page).run()
    assert not at.exception, at.exception
    return at


def open_page(page):
    return goto(start(), page)


def number(at, label, nth=0):
    """The ``nth`` number input labelled ``label``."""
    return [w for w in at.number_input if w.label == label][nth]


def metric(at, label, nth=0):
    return [m for m in at.metric if m.label == label][nth].value


def button(at, label):
    return next(b for b in at.button if b.label == label)


def scenario(at):
    return at.session_state["app_scenario"].scenario


def shown(markdown: str) -> str:
    """Markdown as read on the page: the app backslash-escapes text typed by users
    (``ui.format.plain``), which renders as the character itself."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")  # ui.format.JOINER


def texts(at):
    return shown(
        " ".join(
            [m.value for m in at.markdown]
            + [m.value for m in at.caption]
            + [m.value for m in at.success]
            + [m.value for m in at.warning]
            + [m.value for m in at.error]
        )
    )


def table_shown(table):
    """An ``st.table`` as read on the page (cells, index and headers are Markdown)."""
    return table.rename(index=shown, columns=shown).map(shown)


def errors(at) -> list[str]:
    return [shown(e.value) for e in at.error]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_default_scenario(page):
    at = open_page(page)
    assert at.title[0].value == page


def test_negotiate_is_the_first_page():
    at = start()
    assert at.sidebar.radio(key="page").options[0] == "Negotiate"
    assert at.title[0].value == "Negotiate"


# ----- one scenario, held by the app ---------------------------------------------------------
def test_a_loaded_example_stays_across_pages_and_buttons():
    at = open_page("Scenario")
    at.selectbox(key="scen_example").set_value("retailer")
    at.button(key="scen_load").click().run()
    name = load_example("retailer").name
    assert scenario(at).name == name
    for page in ("Plan", "Negotiate", "Simulate", "Plan"):
        goto(at, page)
        assert name in texts(at), page
    at.radio(key="plan_period").set_value("week").run()  # a button press on Plan
    assert scenario(at).name == name and name in texts(at)
    assert scenario(at) == load_example("retailer")


def test_the_plan_target_comes_from_the_scenario_not_a_stale_default():
    at = open_page("Plan")
    assert number(at, "Service level [%]").value == 80.0  # the default scenario's 80/20
    goto(at, "Scenario")
    at.selectbox(key="scen_example").set_value("healthcare")
    at.button(key="scen_load").click().run()
    goto(at, "Plan")
    assert number(at, "Service level [%]").value == 90.0  # the nurse line's 90/15
    assert number(at, "Answered within [s]").value == 15.0


def test_a_plan_what_if_reaches_sla_check_and_simulate_until_dropped_or_applied():
    at = open_page("Plan")
    fte_before = float(at.metric[1].value)
    number(at, "Service level [%]").set_value(90.0).run()
    assert at.session_state["app_whatif"]["label"] == "voice SL 90/20"
    assert any("What-if: voice SL 90/20, not saved" in m.value for m in at.markdown)
    assert float(at.metric[1].value) > fte_before
    assert scenario(at).targets[0].service_level == 0.8  # not saved
    goto(at, "SLA check")
    assert "service level 90%" in at.table[0].value.to_string()
    goto(at, "Simulate")
    assert any("What-if: voice SL 90/20" in m.value for m in at.markdown)
    at.button(key="whatif_drop_run").click().run()
    assert "app_whatif" not in at.session_state
    goto(at, "Plan")
    assert number(at, "Service level [%]").value == 80.0
    number(at, "Service level [%]").set_value(85.0).run()
    at.button(key="whatif_apply_run").click().run()
    assert "app_whatif" not in at.session_state
    assert scenario(at).targets[0].service_level == 0.85
    assert "service_level: 0.85" in at.session_state["app_scenario"].text


def test_a_what_if_stays_on_top_of_a_form_edit_and_goes_with_a_new_example():
    at = open_page("Plan")
    number(at, "Service level [%]").set_value(90.0).run()
    goto(at, "Scenario")
    number(at, "Average handle time [s]").set_value(420.0)
    button(at, "Apply").click().run()
    assert scenario(at).channel("voice").aht_s == 420.0
    assert at.session_state["app_whatif"]["label"] == "voice SL 90/20"  # still on top
    at.button(key="whatif_apply_run").click().run()
    s = scenario(at)
    assert (s.channel("voice").aht_s, s.targets[0].service_level) == (420.0, 0.9)
    assert "app_whatif" not in at.session_state
    goto(at, "Plan")
    number(at, "Service level [%]").set_value(95.0).run()
    goto(at, "Scenario")
    at.button(key="scen_load").click().run()  # another scenario: the what-if goes
    assert "app_whatif" not in at.session_state


def test_an_editor_keeps_its_fields_through_its_own_changes_and_redraws_them_after_others():
    # Standards no other test uses: the rows they plan stay in Streamlit's cache (shared by
    # the tests of this process), where a test counting the rows planned would find them.
    at = open_page("Negotiate")
    keys = [w.key for w in at.number_input]
    number(at, "Service level [%]").set_value(77.0).run()
    number(at, "Service level [%]", 1).set_value(95.0).run()  # email, the same editor
    number(at, "Service level [%]").set_value(78.0).run()
    assert at.session_state["app_whatif"]["label"] == "voice SL 78/20; email SL 95% in 24 h"
    assert [w.key for w in at.number_input] == keys  # updated in place, not replaced
    assert number(at, "Service level [%]").value == 78.0
    for _ in range(2):  # dropped: every field shows the scenario's value again, twice over
        at.button(key="whatif_drop_run").click().run()
        assert number(at, "Service level [%]").value == 80.0
        assert number(at, "Service level [%]", 1).value == 90.0
        number(at, "Service level [%]").set_value(79.0).run()
        assert number(at, "Service level [%]").value == 79.0
    goto(at, "Plan")  # another editor's change is shown here on the way back
    number(at, "Service level [%]").set_value(76.0).run()
    goto(at, "Negotiate")
    assert number(at, "Service level [%]").value == 76.0
    assert "76/20 (proposed)" in at.table[1].value.to_string()


def test_a_what_if_holds_only_what_changed():
    at = open_page("Negotiate")
    number(at, "Answered within [s]").set_value(30.0).run()
    assert at.session_state["app_whatif"]["changes"] == {"targets.voice.threshold_s": 30.0}
    assert at.session_state["app_whatif"]["label"] == "voice SL 80/30"
    number(at, "Max abandonment [%]").set_value(7.0).run()
    assert at.session_state["app_whatif"]["changes"] == {
        "targets.voice.threshold_s": 30.0,
        "targets.voice.max_abandon": 0.07,
    }
    number(at, "Answered within [s]").set_value(20.0).run()  # back to the scenario's own
    number(at, "Max abandonment [%]").set_value(5.0).run()
    assert "app_whatif" not in at.session_state


def test_typing_80_means_80_percent_and_180_names_the_range():
    at = open_page("Plan")
    fte_shown = at.metric[1].value
    number(at, "Service level [%]").set_value(180.0).run()
    assert not at.exception
    assert "Service level: 180% is outside 0% to 100%" in errors(at)
    assert any("Results not updated" in w.value for w in at.warning)
    assert not at.metric  # stale results are not shown as if current
    assert "app_whatif" not in at.session_state
    number(at, "Service level [%]").set_value(-5.0).run()
    assert "Service level: -5% is outside 0% to 100%" in errors(at)
    number(at, "Service level [%]").set_value(80.0).run()
    assert not at.error and at.metric[1].value == fte_shown


def test_the_form_takes_percent_and_refuses_out_of_range_values_naming_them():
    at = open_page("Scenario")
    before = at.session_state["app_scenario"]
    number(at, "Average handle time [s]").set_value(420.0)
    number(at, "Service level [%]").set_value(180.0)
    button(at, "Apply").click().run()
    assert not at.exception
    assert "Service level: 180% is outside 0% to 100%" in errors(at)
    assert at.session_state["app_scenario"] is before  # nothing applied
    number(at, "Service level [%]").set_value(85.0)
    button(at, "Apply").click().run()
    assert not at.error
    s = scenario(at)
    assert s.targets[0].service_level == 0.85
    assert s.channel("voice").aht_s == 420.0
    assert s == apply_overrides(
        load_example("default"),
        {"targets[0].service_level": 0.85, "channels[0].handle_time.mean_s": 420.0},
    )
    goto(at, "Negotiate")
    goto(at, "Scenario")
    assert number(at, "Service level [%]").value == 85.0


def test_a_cap_can_be_removed_in_the_form():
    at = open_page("Scenario")
    boxes = [c for c in at.checkbox if c.label == "no cap"]
    assert [c.value for c in boxes] == [False, True]  # voice: abandonment 5%, no ASA cap
    boxes[0].check()
    button(at, "Apply").click().run()
    assert scenario(at).target_for("voice").max_abandon is None
    assert "max_abandon" not in at.session_state["app_scenario"].text


def test_a_deferred_deadline_is_typed_in_hours():
    at = open_page("Scenario")
    deadline = number(at, "Answered within [h]")
    assert deadline.value == 24.0  # the email's 86,400 s
    deadline.set_value(4.0)
    button(at, "Apply").click().run()
    assert scenario(at).target_for("email").threshold_s == 4 * 3600


def test_the_yaml_editor_applies_through_the_schema_and_reports_its_message():
    at = open_page("Scenario")
    before = at.session_state["app_scenario"]
    editor = at.text_area[0]
    editor.input(before.text.replace("interval_minutes: 15", "interval_minutes: 7"))
    button(at, "Apply the file").click().run()
    assert not at.exception
    assert any("interval_minutes: must be one of 15, 30 or 60" in e for e in errors(at))
    assert at.session_state["app_scenario"] is before
    at.text_area[0].input(before.text.replace("name: Service desk (default)", "name: Desk B"))
    button(at, "Apply the file").click().run()
    assert scenario(at).name == "Desk B"
    goto(at, "Plan")
    assert "Desk B" in texts(at)


def test_a_malformed_upload_shows_the_message_and_keeps_the_scenario():
    at = open_page("Scenario")
    before = at.session_state["app_scenario"].text
    bad = before.replace("threshold_s: 20", "threshold_s: -5").encode()
    at.file_uploader(key="scen_upload").set_value(("contract.yaml", bad, "text/yaml")).run()
    assert not at.exception
    assert any("contract.yaml: targets[0].threshold_s" in e for e in errors(at))
    assert at.session_state["app_scenario"].text == before
    good = before.replace("threshold_s: 20", "threshold_s: 30").encode()
    at.file_uploader(key="scen_upload").set_value(("contract2.yaml", good, "text/yaml")).run()
    assert not at.error
    assert scenario(at).targets[0].threshold_s == 30


def test_history_calibrated_scenario_becomes_the_scenario_of_every_page():
    at = open_page("History")
    at.button(key="hist_run").click().run()
    assert not at.exception
    from scenarios.history.samples import sample_path

    with sample_path("bank-day").open(newline="") as f:
        rows = sum(1 for _ in csv.DictReader(f))
    assert any(f"**{rows}** rows read" in m.value for m in at.markdown)
    table = at.dataframe[-1].value  # the backtest errors, one row per inputs x model
    assert len(table) == 6
    assert set(table["model"]) == {
        "Nobody hangs up (Erlang C)",
        "With abandonment (Erlang A)",
        "Simulation",
    }
    at.button(key="hist_calibrate_run").click().run()
    assert not at.exception
    calibrated = scenario(at)
    assert calibrated.interval_minutes == 30
    assert at.session_state["app_scenario"].source.startswith("History")
    goto(at, "Plan")
    assert not at.error and calibrated.name in texts(at)


# ----- interval volumes -------------------------------------------------------------------------
def five_minute_rows(first_day: str, days: int, before: int = 1) -> bytes:
    import datetime as dt

    start = dt.datetime.fromisoformat(first_day) - dt.timedelta(days=before)
    rows = ["time,offered"]
    for k in range((days + before) * 288):
        t = start + dt.timedelta(minutes=5 * k)
        rows.append(f"{t:%Y-%m-%d %H:%M},{10 if 9 <= t.hour < 17 else 0}")
    return ("\n".join(rows) + "\n").encode()


def test_an_interval_csv_outside_the_horizon_is_reported_then_trimmed_or_shifted():
    at = open_page("Scenario")
    data = five_minute_rows("2027-01-04", 28)
    at.file_uploader(key="scen_csv").set_value(("calls.csv", data, "text/csv")).run()
    assert not at.exception
    assert any("summed into 2784 intervals of 15 minutes" in i.value for i in at.info)
    warning = next(shown(w.value) for w in at.warning if "outside" in w.value)
    assert "96 of 2784 intervals in calls.csv" in warning
    assert scenario(at).channel("voice").demand.csv is None  # nothing used silently
    trim = next(r for r in at.radio if r.label == "Rows outside the horizon")
    trim.set_value(trim.options[1]).run()
    at.button(key="scen_csv_use_run").click().run()
    assert not at.exception
    cur = at.session_state["app_scenario"]
    assert cur.scenario.channel("voice").demand.csv == "voice-volumes.csv"
    assert dict(cur.files)["voice-volumes.csv"].count(b"\n") == 1 + 28 * 96
    goto(at, "Plan")
    assert not at.error
    # 30 contacts per 15 minutes of 360 s each = 12 erlangs: more than 12 agents on duty
    assert 12 < int(at.metric[0].value) < 40
    from ui.pages.scenario import download_bytes

    archive, name, _ = download_bytes(cur)
    import io
    import zipfile

    z = zipfile.ZipFile(io.BytesIO(archive))
    text = z.read(name.replace(".zip", ".yaml")).decode()
    assert "csv: voice-volumes.csv" in text and "/tmp" not in text
    assert set(z.namelist()) == {name.replace(".zip", ".yaml"), "voice-volumes.csv"}


def test_an_interval_csv_can_shift_the_horizon_to_the_data():
    at = open_page("Scenario")
    data = five_minute_rows("2027-02-01", 7, before=0)
    at.file_uploader(key="scen_csv").set_value(("feb.csv", data, "text/csv")).run()
    assert any("672 of 672 intervals" in w.value for w in at.warning)
    at.button(key="scen_csv_use_run").click().run()  # the only option: shift
    s = scenario(at)
    assert (str(s.start_date), s.days) == ("2027-02-01", 7)


# ----- variants ---------------------------------------------------------------------------------
def test_named_variants_compare_side_by_side():
    at = open_page("Scenario")
    at.text_input(key="scen_variant_name").input("A")
    at.button(key="scen_variant_save_run").click().run()
    number(at, "Service level [%]").set_value(90.0)
    button(at, "Apply").click().run()
    at.text_input(key="scen_variant_name").input("B")
    at.button(key="scen_variant_save_run").click().run()
    table = table_shown(at.table[0].value)
    assert list(table.columns) == ["A", "B"]
    assert table.loc["voice: service level", "A"] == "80.0% within 20 s"
    assert table.loc["voice: service level", "B"] == "90.0% within 20 s"
    fte = {v: float(table.loc["FTE needed", v]) for v in "AB"}
    expected_b = plan(apply_overrides(load_example("default"), {"targets[0].service_level": 0.9}))
    assert fte["B"] == pytest.approx(float(expected_b.total.fte[0]), abs=0.05)
    assert fte["B"] > fte["A"]
    at.selectbox(key="scen_variant_pick").set_value("A")
    at.button(key="scen_variant_load_run").click().run()
    assert scenario(at).targets[0].service_level == 0.8
    # at the offer of A (its plan's 66.7 FTE rounded up): what the verdict's feasibility says
    from scenarios.verdict import feasibility

    table = table_shown(at.table[0].value)
    for name, scenario_v in (("A", load_example("default")), ("B", expected_b.scenario)):
        checks = feasibility(plan(scenario_v), fte=67.0).checks
        missed = sorted({c.channel for c in checks if not all(c.met)})
        shown = "met" if not missed else "missed: " + ", ".join(missed)
        assert table.loc["standards at 67.0 FTE", name] == shown


# ----- negotiator -------------------------------------------------------------------------------
def test_negotiate_answers_with_alternatives_breach_risk_and_a_report():
    at = start()
    headline = at.success[0].value
    assert "are **realistic**" in headline and "66.7 FTE" in headline
    table = at.table[1].value
    assert list(table.index.get_level_values(0).unique()) == ["80/20 (proposed)", "85/30", "90/15"]
    assert set(table.index.get_level_values(1)) == {"per interval", "period-optimal"}
    for standard in ("80/20 (proposed)", "85/30", "90/15"):
        rows = table.loc[standard]
        # the cheapest staffing per reporting period never needs more than every interval's
        assert float(rows.loc["period-optimal", "FTE needed"]) <= float(
            rows.loc["per interval", "FTE needed"]
        )
    # Each alternative's FTE is the plan of the scenario with that standard (independent path).
    for standard, sl, thr in (("85/30", 0.85, 30), ("90/15", 0.9, 15)):
        s = apply_overrides(
            load_example("default"),
            {"targets.voice.service_level": sl, "targets.voice.threshold_s": thr},
        )
        shown = table.loc[(standard, "per interval"), "FTE needed"]
        assert shown == f"{float(plan(s).total.fte[0]):,.1f}"
    number(at, "FTE on offer").set_value(30.0).run()
    assert "are **not realistic**" in at.error[0].value
    number(at, "Simulated runs").set_value(3).run()
    at.sidebar.radio(key="settings_executor").set_value("serial").run()
    at.button(key="neg_sim_run").click().run()
    assert not at.exception
    periods = at.table[2].value
    assert list(periods.index) == ["2027-01"]
    assert periods.loc["2027-01", "P(breach)"] == "100.0%"  # half the FTE: always missed
    assert "expected penalty" in periods.columns
    goto(at, "Plan")
    goto(at, "Negotiate")
    assert at.table[2].value.equals(periods)  # kept in the session
    at.button(key="neg_report_run").click().run()
    assert not at.exception
    data, name, mime = at.session_state["neg_report"][1][0]
    assert (name, mime) == ("report.html", "text/html")  # the report writer's HTML
    text = data.decode()
    assert "Service desk (default)" in text
    assert "30.0" in text  # the offer typed on the page
    assert "Breach risk: service level 80%" in text  # the simulation run on the page
    assert "Breach risk: abandonment at most 5.0%" in text  # every clause
    # The proposed standard's period-optimal staffing was checked by that simulation too: its
    # row carries the simulated risk, its cost the checked staffing's, and the report has it.
    from scenarios.verdict.breach import worst_p_breach
    from ui.format import pct

    checked = next(iter(at.session_state["neg_optimal"].values()))
    row = at.table[1].value.loc[("80/20 (proposed)", "period-optimal")]
    assert row["worst P(breach)"] == pct(worst_p_breach(checked.risks))
    assert "Staffing to the reporting period" in text


def test_negotiate_breach_risks_side_by_side_are_those_of_one_after_the_other():
    # Local processes: the standards' simulations and the period-optimal check side by side in
    # threads; serial: one after the other. Seeded, so the tables are the same.
    shown = {}
    for kind in ("serial", "processes"):
        at = start()
        number(at, "Simulated runs").set_value(3).run()
        at.sidebar.radio(key="settings_executor").set_value(kind).run()
        at.button(key="neg_sim_run").click().run()
        assert not at.exception
        shown[kind] = [t.value for t in at.table]
    assert len(shown["serial"]) == len(shown["processes"]) >= 3
    for serial, processes in zip(shown["serial"], shown["processes"], strict=True):
        assert serial.equals(processes)
    # Every standard simulated under per-interval staffing, and the proposed one's
    # period-optimal staffing checked.
    compared = shown["processes"][1]["worst P(breach)"]
    assert "—" not in set(compared.xs("per interval", level="staffing"))
    assert compared.loc[("80/20 (proposed)", "period-optimal")] != "—"


def test_negotiate_takes_a_budget_per_year_as_the_offer():
    at = start()
    at.radio(key="neg_offer_kind").set_value("budget per year").run()
    wf = load_example("default").workforce
    per_fte_year = wf.hourly_cost * wf.hours_per_fte_per_week * 365 / 7
    number(at, "Budget per year [EUR]").set_value(60 * per_fte_year).run()
    assert "At **60.0 FTE** on offer" in at.error[0].value  # 60 FTE: not enough
    assert "are **not realistic**" in at.error[0].value


def test_negotiate_180_percent_names_the_range_and_marks_results_stale():
    at = start()
    number(at, "Service level [%]").set_value(180.0).run()
    assert "Service level: 180% is outside 0% to 100%" in errors(at)
    assert any("results are stale" in w.value for w in at.warning)
    assert not at.success  # no answer shown for the stale input


# ----- calculator -------------------------------------------------------------------------------
def test_calculator_finds_the_published_staffing():
    at = open_page("Quick calculator")
    at.number_input(key="calc_volume").set_value(200.0)
    at.number_input(key="calc_aht").set_value(180.0)
    at.number_input(key="calc_patience").set_value(0.0).run()
    assert metric(at, "Agents on duty") == "14"  # 80/20 of offered, Erlang C


def test_calculator_converts_volume_per_interval_instead_of_reinterpreting_it():
    at = open_page("Quick calculator")
    agents = metric(at, "Agents on duty")
    at.radio(key="calc_unit").set_value("per 15 minutes").run()
    assert at.number_input(key="calc_volume").value == pytest.approx(300.0)
    assert metric(at, "Agents on duty") == agents  # the same traffic
    at.radio(key="calc_unit").set_value("per 30 minutes").run()
    assert at.number_input(key="calc_volume").value == pytest.approx(600.0)


def test_calculator_shrinkage_and_the_table_around_the_answer():
    at = open_page("Quick calculator")
    at.number_input(key="calc_volume").set_value(200.0)
    at.number_input(key="calc_aht").set_value(180.0)
    at.number_input(key="calc_patience").set_value(0.0)
    at.number_input(key="calc_shrinkage_pct").set_value(30.0).run()
    assert metric(at, "Staff to schedule") == f"{14 / 0.7:.1f}"  # 14 on duty / (1 - 30%)
    table = at.dataframe[0].value
    row = table[table["agents on duty"] == 11].iloc[0]
    assert row["service level (answered within 20 s / offered)"] == "39.0%"  # published
    at.number_input(key="calc_target_pct").set_value(180.0).run()
    assert "Service level target: 180% is outside 0% to 100%" in errors(at)
    assert not at.metric


# ----- simulation and settings (unchanged behaviour) -------------------------------------------
def test_simulate_runs_replications_and_keeps_them_when_coming_back():
    at = open_page("Simulate")
    at.number_input(key="sim_reps").set_value(3)
    at.button(key="sim_run").click().run()
    assert not at.exception
    assert len(at.session_state.sim[1].runs) == 3
    goto(at, "Plan")
    goto(at, "Simulate")
    assert len(at.session_state.sim[1].runs) == 3


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
    assert "scheduler address" in errors(at)[0]
    assert at.button(key="sim_run").disabled
    assert at.number_input(key="sim_reps").value == 4


def test_sla_check_says_which_standard_is_missed_and_by_how_much():
    at = open_page("SLA check")
    table = at.table[0].value
    assert all(v == "met" for v in table["verdict"])  # at the FTE the plan needs
    number(at, "FTE on offer").set_value(30.0).run()  # about half of it
    assert not at.exception
    table = at.table[0].value
    sl = table[table["standard"].str.contains("answered within 20 s")].iloc[0]
    assert sl["verdict"].startswith("missed")
    worst_sl = float(sl["worst period"].split(": ")[1].rstrip("%")) / 100
    gap = float(sl["by how much"].rstrip("%")) / 100
    assert worst_sl + gap == pytest.approx(0.80, abs=0.002)  # measured + shortfall = standard


def test_the_toolbar_config_hides_deploy_and_the_developer_menu():
    config = (Path(APP).parent / ".streamlit" / "config.toml").read_text()
    assert 'toolbarMode = "viewer"' in config.split("[client]")[1].split("[")[0]


def test_the_served_app_spends_no_cpu_between_runs_on_watching_or_a_forced_collection():
    """A target change's CPU time: no source-file watching, no full garbage collection forced
    after every run, and the heap of the first run frozen out of the collector's reach."""
    import gc

    import tomllib

    config = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text())
    assert config["server"]["fileWatcherType"] == "none"
    assert config["runner"]["postScriptGC"] is False
    start()
    assert gc.get_freeze_count() > 0


def test_app_start_does_not_import_matplotlib_or_the_simulator():
    # The workers' warm-up imports the simulator in the background after the first page
    # (``ui.state.warm_up_workers``); turned off here, the first run's own imports are seen.
    code = (
        "import sys; from streamlit.testing.v1 import AppTest; "
        f"AppTest.from_file({APP!r}, default_timeout=120).run(); "
        "print(sorted(m for m in ('matplotlib', 'simpy', 'simulator') if m in sys.modules))"
    )
    env = {**os.environ, "CCPLAN_APP_WARM_UP": "0"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_first_page_warms_the_local_workers_for_the_first_simulation():
    import ui.state as state

    start()  # the default setting: simulations in local processes
    warming = state._warming("processes", "")  # the thread the first run started
    warming.join(timeout=120)
    assert not warming.is_alive()
    executor = state.shared_executor("processes", "")
    assert executor._pool is not None  # started by the warm-up, before any simulation
    workers = list(executor._pool._processes.values())
    assert len(workers) == executor.workers and all(w.is_alive() for w in workers)


def test_process_pool_workers_importing_the_app_do_not_run_it():
    # Workers of the app's process pool import the app script as `__mp_main__`; running the
    # app there (in Streamlit's bare mode) would redo its work in every worker.
    code = f"import runpy; runpy.run_path({APP!r}, run_name='__mp_main__')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Session state does not function" not in done.stderr
    assert "ScriptRunContext" not in done.stderr
    # Nor do they import Streamlit or the app's modules: a worker needs the simulator only.
    code += "; import sys; print(sorted(m for m in ('streamlit', 'ui') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_example_text_is_what_the_app_starts_with():
    at = start()
    assert at.session_state["app_scenario"].text == example_path("default").read_text()
    assert yaml.safe_load(at.session_state["app_scenario"].text)["name"] == scenario(at).name


def test_a_scenario_naming_a_missing_csv_says_where_to_upload_it():
    at = open_page("Scenario")
    data = yaml.safe_load(example_path("default").read_text())
    data["channels"][0]["demand"] = {"csv": "calls-2027.csv"}
    at.file_uploader(key="scen_upload").set_value(
        ("client.yaml", yaml.safe_dump(data).encode(), "text/yaml")
    ).run()
    for page in ("Plan", "Negotiate"):
        goto(at, page)
        assert (
            "channel voice: its interval volumes file 'calls-2027.csv' is not here; upload the "
            "CSV under Scenario → Interval volumes (CSV)" in errors(at)
        )
    goto(at, "Scenario")
    rows = five_minute_rows("2027-01-04", 28, before=0)
    at.file_uploader(key="scen_csv").set_value(("calls-2027.csv", rows, "text/csv")).run()
    at.button(key="scen_csv_use_run").click().run()
    goto(at, "Plan")
    assert not at.error and at.metric


def test_a_target_change_replans_the_proposed_row_only(monkeypatch):
    """The negotiator's rows are cached on their own standard's scenario: after a change of
    the proposed standard the alternatives' rows come from the cache (closed forms run for
    the proposed row alone), and the table shows the new standard with the same alternatives."""
    import ui.pages.negotiate as negotiate

    at = start()
    before = at.table[1].value
    rows = []
    original = negotiate.compare_row

    def counted(result, feas, channel, base):
        rows.append(result.scenario.target_for(channel).service_level)
        return original(result, feas, channel, base)

    monkeypatch.setattr(negotiate, "compare_row", counted)
    number(at, "Service level [%]").set_value(81.0).run()
    assert not at.exception
    assert rows == [0.81]  # 80/20, now an alternative, is the scenario planned at the start
    after = at.table[1].value
    shown = list(after.index.get_level_values(0).unique())
    assert shown == ["81/20 (proposed)", "80/20", "85/30", "90/15"]
    for standard in ("85/30", "90/15"):
        row, old = after.loc[standard], before.loc[standard]
        assert row.loc["per interval", "FTE needed"] == old.loc["per interval", "FTE needed"]
    # Differences are taken against the new proposed standard's cost.
    assert after.loc[("81/20 (proposed)", "per interval"), "difference"].startswith("0 ")
