"""Three users in a real browser (planner, negotiator, consultant). Each loads and edits a
scenario in every supported way (bundled example, file upload, form, YAML editor), then
switches pages, downloads and presses buttons, and checks that the scenario's name and edited
values are still the ones used on every page. A fourth uploads hostile scenarios (issue 15):
one message and the scenario in use kept; a name, currency and variant that read as Markdown
shown as typed by the real renderer (no image fetched, no link, no icon)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
import yaml

from scenarios.examples import example_path


def scenario_file(tmp_path, example: str, name: str):
    """A bundled example saved under a new scenario name (the file a user would upload)."""
    data = yaml.safe_load(example_path(example).read_text(encoding="utf-8"))
    data["name"] = name
    path = tmp_path / f"{example}-upload.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def load_every_way(app, tmp_path, *, example, example_name, upload, upload_name, renamed):
    """Example, upload, YAML editor (renames the scenario to ``renamed``), each checked."""
    app.goto("Scenario")
    app.tab("Load or upload")
    app.choose("Bundled example", example)
    app.click("Load this example")
    assert f"Scenario: {example_name}" in app.sidebar()
    app.upload("Upload a scenario file", scenario_file(tmp_path, upload, upload_name))
    assert f"Scenario: {upload_name}" in app.sidebar()
    app.tab("Scenario file")
    editor = app.page.locator("textarea").filter(visible=True).first
    text = editor.input_value()
    assert f"name: {upload_name}" in text
    editor.fill(text.replace(f"name: {upload_name}", f"name: {renamed}"))
    app.click("Apply the file")
    assert f"Scenario: {renamed}" in app.sidebar()
    app.tab("Main fields")


def apply_form(app, label: str, value, nth: int = 0) -> None:
    app.fill(label, value, nth=nth, enter=False)
    app.click("Apply")
    app.no_exception()


def fte_needed(app) -> float:
    """The Plan page's "FTE needed" figure."""
    metric = app.page.locator('[data-testid="stMetric"]').filter(has_text="FTE needed")
    return float(metric.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))


@pytest.mark.slow  # a real browser session: 20-40 s
def test_planner_keeps_the_scenario_and_its_edits_on_every_page(app, tmp_path):
    name = "Planner's utility"
    load_every_way(
        app,
        tmp_path,
        example="healthcare",
        example_name="Nurse advice line (90/15)",
        upload="utility",
        upload_name="Utility as uploaded",
        renamed=name,
    )
    assert app.page.get_by_text("Deploy", exact=True).count() == 0  # toolbarMode = viewer
    apply_form(app, "Service level [%]", 85)  # typed in percent
    assert app.value("Service level [%]") == "85.0"
    app.goto("Plan")
    assert name in app.text()
    assert app.value("Service level [%]") == "85.0"  # the scenario's target, not a default
    before = fte_needed(app)
    app.fill("Service level [%]", 180)
    assert "Service level: 180% is outside 0% to 100%" in app.text()
    assert "Results not updated" in app.text()
    app.fill("Service level [%]", 95)
    assert "What-if: voice SL 95/20, not saved" in app.text()
    assert fte_needed(app) > before
    app.click("Drop it")
    assert "What-if" not in app.text()
    assert fte_needed(app) == before
    for page in ("SLA check", "Simulate", "Plan"):
        app.goto(page)
        assert name in app.text(), page
    assert app.value("Service level [%]") == "85.0"
    app.page.get_by_text("week", exact=True).click()
    app.wait()
    csv = app.download("Download intervals (CSV)").read_text()
    assert csv.count("\n") > 100
    assert name in app.text() and app.value("Service level [%]") == "85.0"
    app.goto("SLA check")
    assert "service level 85%" in app.text()
    app.goto("Scenario")
    saved = yaml.safe_load(app.download("Download the scenario").read_text())
    assert saved["name"] == name
    assert saved["targets"][0]["service_level"] == 0.85
    app.goto("Quick calculator")
    app.page.get_by_text("per 15 minutes", exact=True).click()
    app.wait()
    assert app.value("Contacts per 15 minutes") == "300.0"  # 1,200 per hour, converted
    app.goto("Plan")
    assert name in app.text() and app.value("Service level [%]") == "85.0"
    app.no_exception()


@pytest.mark.slow  # a real browser session: 20-40 s
def test_negotiator_gets_the_answer_and_keeps_it_across_pages(app, tmp_path):
    name = "Negotiation - service desk"
    load_every_way(
        app,
        tmp_path,
        example="utility",
        example_name="Energy utility (storm outage excluded)",
        upload="default",
        upload_name="Service desk as uploaded",
        renamed=name,
    )
    apply_form(app, "Average handle time [s]", 330)
    app.goto("Negotiate")
    text = app.text()
    assert name in text and "on offer the standards of" in text
    for standard in ("80/20 (proposed)", "85/30", "90/15"):
        assert standard in text
    app.fill("Service level [%]", 180)
    assert "Service level: 180% is outside 0% to 100%" in app.text()
    app.fill("Service level [%]", 90)
    app.fill("Answered within [s]", 15)
    assert "What-if: voice SL 90/15, not saved" in app.text()
    app.fill("Simulated runs", 4)
    app.click("Estimate breach risk (simulation)")
    assert "P(breach)" in app.text() and "expected per year" in app.text()
    for page in ("Plan", "SLA check", "Scenario"):
        app.goto(page)
        assert name in app.sidebar() and "What-if: voice SL 90/15" in app.text(), page
    app.goto("Plan")
    assert app.value("Service level [%]") == "90.0"
    app.goto("SLA check")
    assert "service level 90%" in app.text()
    app.goto("Negotiate")
    assert "expected per year" in app.text()  # the simulation is kept
    app.click("Prepare the report")
    report = app.download("Download report")
    assert report.stat().st_size > 500
    app.click("Save it")  # the what-if becomes the scenario
    assert "What-if" not in app.text()
    app.goto("Scenario")
    saved = yaml.safe_load(app.download("Download the scenario").read_text())
    assert saved["name"] == name
    voice = next(t for t in saved["targets"] if t["channel"] == "voice")
    assert (voice["service_level"], voice["threshold_s"]) == (0.9, 15)
    assert saved["channels"][0]["handle_time"]["mean_s"] == 330
    app.no_exception()


def interval_csv(path, first_day: dt.date, days: int) -> None:
    """5-minute volumes from the day before ``first_day`` to the end of the horizon."""
    start = dt.datetime.combine(first_day - dt.timedelta(days=1), dt.time())
    rows = ["timestamp;calls"]
    for k in range((days + 1) * 288):
        t = start + dt.timedelta(minutes=5 * k)
        rows.append(f"{t:%Y-%m-%d %H:%M};{12 if 8 <= t.hour < 18 else 0}")
    path.write_text("\n".join(rows) + "\n")


@pytest.mark.slow  # a real browser session: 20-40 s
def test_consultant_compares_variants_with_uploaded_volumes(app, tmp_path):
    name = "Consultant - housing"
    load_every_way(
        app,
        tmp_path,
        example="retailer",
        example_name="Online retailer (chat and email, December peak)",
        upload="housing_association",
        upload_name="Housing as uploaded",
        renamed=name,
    )
    apply_form(app, "Shrinkage: absence [%]", 12)
    app.tab("Interval volumes (CSV)")
    volumes = tmp_path / "voice.csv"
    interval_csv(volumes, dt.date(2027, 3, 1), 28)
    app.upload("Interval volumes (CSV)", volumes)
    text = app.text()
    assert "summed into" in text
    assert "96 of 2784 intervals" in text and "fall outside the scenario's horizon" in text
    app.page.get_by_text("Trim: keep the", exact=False).click()
    app.wait()
    app.click("Use these volumes for voice")
    assert "voice now uses the volumes of voice.csv" in app.text()
    app.tab("Variants")
    app.fill("Save the scenario in force as a variant", "A", enter=False)
    app.click("Save variant")
    app.tab("Main fields")
    apply_form(app, "Service level [%]", 85)
    app.tab("Variants")
    app.fill("Save the scenario in force as a variant", "B", enter=False)
    app.click("Save variant")
    text = app.text()
    assert "Variants side by side" in text
    assert "80.0% within 30 s" in text and "85.0% within 30 s" in text  # A, B
    for page in ("Plan", "Negotiate", "SLA check"):
        app.goto(page)
        assert name in app.text(), page
    app.goto("Plan")
    assert app.value("Service level [%]") == "85.0"
    app.goto("Scenario")
    archive = zipfile.ZipFile(io.BytesIO(app.download("Download the scenario").read_bytes()))
    names = archive.namelist()
    assert "voice-volumes.csv" in names
    text = archive.read(next(n for n in names if n.endswith(".yaml"))).decode()
    saved = yaml.safe_load(text)
    assert saved["name"] == name
    assert saved["channels"][0]["demand"]["csv"] == "voice-volumes.csv"
    assert "/tmp" not in text and "ccplan-app" not in text
    assert saved["workforce"]["shrinkage"]["absence"] == 0.12
    assert next(t for t in saved["targets"] if t["channel"] == "voice")["service_level"] == 0.85
    rows = archive.read("voice-volumes.csv").decode().splitlines()
    assert rows[1].startswith("2027-03-01T00:00")  # the day before the horizon was trimmed
    assert len(rows) - 1 == 28 * 96  # 5-minute rows summed into 15-minute intervals
    app.no_exception()


# ----- a hostile user (issue 15) ------------------------------------------------------------
NAME = "http://example.com/a.png _b_ :material/home: www.ex.com"
CURRENCY = "$"  # two amounts in one paragraph would be LaTeX between them


def hostile_file(tmp_path, name: str, **changes):
    data = yaml.safe_load(example_path("default").read_text(encoding="utf-8"))
    data["name"] = name
    for path, value in changes.items():
        node = data
        *parents, last = path.split(".")
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[last] = value
    path = tmp_path / f"{abs(hash(name))}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.slow  # a real browser session: 10-20 s
def test_a_hostile_upload_gets_one_message_and_names_show_as_typed(app, tmp_path):
    requests = []
    app.page.on("request", lambda r: requests.append(r.url))
    app.goto("Scenario")
    app.tab("Load or upload")
    before = app.sidebar()
    hostile = hostile_file(
        tmp_path, "Client offer", **{"channels.0.demand": {"csv": "/etc/passwd"}}
    )
    app.upload("Upload a scenario file", hostile)
    app.no_exception()
    alerts = app.page.locator('[data-testid="stAlertContentError"]')
    assert alerts.count() == 1
    message = alerts.first.inner_text().replace("\u2060", "")
    assert "channel voice: demand.csv: '/etc/passwd' is an absolute path" in message
    assert app.sidebar() == before  # the scenario in use is kept

    app.upload(
        "Upload a scenario file", hostile_file(tmp_path, NAME, **{"workforce.currency": CURRENCY})
    )
    app.no_exception()
    assert f"Scenario: {NAME}" in app.sidebar().replace("\u2060", "")  # shown as typed
    for page in ("Scenario", "Negotiate"):
        app.goto(page)
        app.no_exception()
        text = app.text().replace("\u2060", "")  # invisible word joiners break autolinks
        assert NAME in text, page
        if page == "Negotiate":
            assert CURRENCY in text  # in the headline and the tables, as typed
        for where in ('[data-testid="stMain"]', '[data-testid="stSidebar"]'):
            box = app.page.locator(where)
            assert box.locator('img[src*="example.com"]').count() == 0
            assert (
                box.locator('a[href*="example.com"], a[href*="ex.com"], a[href="/b"]').count() == 0
            )
            assert box.locator("em", has_text="b").count() == 0  # _b_ is not emphasis
            assert box.locator(".katex").count() == 0  # "$ ... $" is not math
    assert not [u for u in requests if "example.com" in u]
