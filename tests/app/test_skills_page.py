"""The Skills page with streamlit.testing's AppTest: a scenario without skills is offered a
blended design; a bad design names the field; a good one is saved and simulated."""

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).parents[2] / "app.py")


def skills_page():
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.sidebar.radio(key="page").set_value("Skills").run()
    assert not at.exception, at.exception
    return at


def errors(at) -> str:
    return re.sub(r"\\(.)", r"\1", " ".join(e.value for e in at.error))  # Markdown escapes


def apply(at, text: str):
    at.text_area(key="skills_yaml").set_value(text)
    next(b for b in at.button if b.label == "Apply to the scenario").click().run()
    assert not at.exception, at.exception
    return at


def test_a_bad_design_names_the_field_and_changes_nothing():
    at = skills_page()
    assert any("no `skills:` design" in i.value for i in at.info)
    apply(at, "pools:\n- name: shared\n  skills: [voice]\n")
    assert "skills.pools: channel(s) email have no primary pool" in errors(at), errors(at)
    assert at.session_state["app_scenario"].scenario.skills is None
    apply(at, "pools:\n- name: shared\n  skills: [voice, email]\n  reserve_agents: -1\n")
    assert "reserve_agents: must be greater than or equal to 0" in errors(at), errors(at)


def test_the_offered_blended_design_is_saved_and_simulated():
    at = skills_page()
    text = at.text_area(key="skills_yaml").value
    assert (
        "skills:" in at.text_area(key="skills_yaml").label and "reserve_agents: 1" in text
    )  # the offered design
    apply(at, text)
    skills = at.session_state["app_scenario"].scenario.skills
    assert [s.channel for s in skills.pools[0].skills] == ["voice", "email"]
    assert at.radio(key="skills_reps").value == 10  # the page simulates at once, lightly
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Every clause holds"] in ("yes", "no")
    clauses = at.dataframe[0].value
    assert set(clauses["channel"]) == {"voice", "email"}
