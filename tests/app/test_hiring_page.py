"""The Hiring page with streamlit.testing's AppTest: it renders the bundled example's plan,
finds the smallest plan, names the field and range of a bad input, and keeps what was typed
across page switches."""

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).parents[2] / "app.py")


def hiring_page():
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.sidebar.radio(key="page").set_value("Hiring").run()
    assert not at.exception, at.exception
    return at


def number(at, label):
    return next(w for w in at.number_input if w.label == label)


def metric(at, label):
    return next(m for m in at.metric if m.label == label).value


def test_the_page_shows_the_example_plan_and_the_smallest_one():
    at = hiring_page()
    assert metric(at, "Hires") == "10"  # the default example's class of 10 in March
    assert metric(at, "Months short of staff") == "12 of 12"
    table = at.dataframe[0].value
    assert list(table["month"])[:2] == ["2027-01", "2027-02"]
    at.radio(key="hire_mode").set_value("optimal").run()
    assert not at.exception, at.exception
    assert metric(at, "Hires") == "24"  # the example's 10 plus the optimizer's 12 and 2
    # January is short (its class trains until the 28th): every other month meets 80/20.
    assert metric(at, "Months meeting the SL") == "11 of 12"
    assert any("2027-01" in w.value for w in at.warning), "January cannot be reached by hiring"
    # Saved into the scenario, the smallest plan is the scenario's own.
    next(b for b in at.button if b.label.startswith("Save this hiring plan")).click().run()
    assert not at.exception, at.exception
    saved = at.session_state["app_scenario"].scenario.hiring.classes
    assert [(c.size, str(c.start_date)) for c in saved] == [
        (12, "2027-01-01"),
        (10, "2027-03-01"),
        (2, "2027-11-01"),
    ]
    at.radio(key="hire_mode").set_value("given").run()
    assert metric(at, "Hires") == "24"


def test_bad_input_names_the_field_and_survives_a_page_switch():
    at = hiring_page()
    number(at, "Attrition per month [%]").set_value(70.0).run()
    assert not at.exception, at.exception
    errors = re.sub(r"\\(.)", r"\1", " ".join(e.value for e in at.error))  # Markdown escapes
    assert "hiring.attrition_per_month: must be less than or equal to 0.5" in errors, errors
    assert "50%" in errors, "the range in the page's own unit (percent)"
    at.sidebar.radio(key="page").set_value("Plan").run()
    at.sidebar.radio(key="page").set_value("Hiring").run()
    assert number(at, "Attrition per month [%]").value == 70.0
    assert at.error, "the message stays while the input is out of range"
