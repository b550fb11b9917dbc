"""Hostile input through the app (issue 15): every case of the corpus a user can reach in the
app — uploads, the YAML editor, the volume CSV, history files, number inputs — driven through
AppTest. Each gets no exception (never Streamlit's error box), exactly one message naming the
field or file and the rule, and the scenario and inputs the user had are kept. A scenario
naming a server file is refused without opening it (an audit hook watches every ``open``)."""

from __future__ import annotations

import gc
import os
import re
import sys
import time
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from scenarios.examples import example_path
from scenarios.history.records import ANONYMOUS_BANK
from scenarios.history.samples import sample_path

APP = str(Path(__file__).parents[2] / "app.py")
DEFAULT = example_path("default").read_text(encoding="utf-8")
SERVER_FILES = ("/etc/passwd", "/etc/hostname", "/dev/zero", "/proc/self/environ")

# Every file the process opens while a test watches (``sys.addaudithook``: the "open" event of
# builtins.open, io.open and os.open). A hook cannot be removed, so it only appends.
OPENED: list[str] = []
WATCHING = [False]


def _audit(event: str, args) -> None:
    if event == "open" and WATCHING[0] and isinstance(args[0], (str, bytes, os.PathLike)):
        OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


def shown(markdown: str) -> str:
    """Markdown as read on the page (the app backslash-escapes text from users)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")  # ui.format.JOINER


def start(page: str) -> AppTest:
    """A new session opened on ``page`` (the first run draws that page only)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["page"] = page
    at.run()
    assert not at.exception and at.title[0].value == page
    return at


def text_of(at) -> str:
    return at.session_state["app_scenario"].text


def one_error(at, *needles: str) -> str:
    """The one message on the page; it names every ``needle``. No exception escaped."""
    assert not at.exception, at.exception
    messages = [shown(e.value) for e in at.error]
    assert len(messages) == 1, messages
    for needle in needles:
        assert needle in messages[0], messages[0]
    assert "went wrong" not in messages[0]  # handled, not the last line of defence
    return messages[0]


def with_csv(name: str) -> str:
    data = yaml.safe_load(DEFAULT)
    data["channels"][0]["demand"] = {"csv": name}
    return yaml.safe_dump(data, sort_keys=False)


ALIAS_BOMB = "".join(
    f"x-{b}: &{b} [{', '.join([f'*{a}' if a else '1'] * 9)}]\n"
    for a, b in zip(("", "a", "b", "c"), "abcd", strict=True)
) + DEFAULT.replace("intraday_profile: two_peaks", "intraday_profile: *d")

# case -> (file bytes, what the one message must name)
SCENARIO_FILES = {
    "csv-etc-passwd": (with_csv("/etc/passwd"), ["channel voice: demand.csv", "absolute path"]),
    "csv-dotdot-hostname": (
        with_csv("../../etc/hostname"),
        ["channel voice: demand.csv", "leaves the scenario's folder"],
    ),
    "csv-dev-zero": (with_csv("/dev/zero"), ["channel voice: demand.csv", "absolute path"]),
    "csv-proc-environ": (
        with_csv("/proc/self/environ"),
        ["channel voice: demand.csv", "absolute path"],
    ),
    "nested-100000-deep": ("a: " + "[" * 100_000 + "]" * 100_000, ["nested too deeply"]),
    "date-2027-02-30": (
        DEFAULT.replace("start_date: 2027-01-04", "start_date: 2027-02-30"),
        ["line 8", "start_date: 2027-02-30 is not a date"],
    ),
    "yaml-python-tag": ("name: !!python/object/apply:os.system [ls]\n", ["line 1", "tag"]),
    "alias-bomb": (ALIAS_BOMB, ["channels[0].demand.intraday_profile"]),
    "nan-volume": (
        DEFAULT.replace("volume_per_day: 2400", "volume_per_day: .nan"),
        ["channels[0].demand.volume_per_day"],
    ),
    "80-for-0.8": (
        DEFAULT.replace("service_level: 0.8\n", "service_level: 80\n"),
        ["targets[0].service_level"],
    ),
    "not-a-mapping": ("- just\n- a list\n", ["expected a mapping"]),
    "not-utf8": (b"name: \xff\xfe\x00bad\n", ["not UTF-8 text"]),
    "larger-than-512-kB": ("#" * (512 * 1024 + 1), ["larger than 512 kB"]),
    "name-markdown-image": (
        DEFAULT.replace("name: Service desk (default)", "name: '![x](http://example.com/a.png)'"),
        ["name: must be", "![x](http://example.com/a.png)"],
    ),
}


@pytest.mark.parametrize("case", list(SCENARIO_FILES))
def test_a_hostile_scenario_upload_gets_one_message_and_keeps_the_scenario(case):
    data, needles = SCENARIO_FILES[case]
    data = data.encode() if isinstance(data, str) else data
    at = start("Scenario")
    before = text_of(at)
    OPENED.clear()
    WATCHING[0] = True
    try:
        at.file_uploader(key="scen_upload").set_value((f"{case}.yaml", data, "text/yaml")).run()
    finally:
        WATCHING[0] = False
    one_error(at, *needles)
    assert text_of(at) == before
    assert not [p for p in OPENED if p.startswith(SERVER_FILES)]
    if case == "csv-etc-passwd":  # once: the kept scenario still plans
        at.sidebar.radio(key="page").set_value("Plan").run()
        assert not at.exception and not at.error and at.metric


@pytest.mark.parametrize("case", ["csv-etc-passwd", "date-2027-02-30", "not-a-mapping"])
def test_the_yaml_editor_refuses_the_same_text_and_keeps_what_was_typed(case):
    text, needles = SCENARIO_FILES[case]
    at = start("Scenario")
    before = text_of(at)
    editor = at.text_area[0]
    OPENED.clear()
    WATCHING[0] = True
    try:
        editor.input(text)
        next(b for b in at.button if b.label == "Apply the file").click().run()
    finally:
        WATCHING[0] = False
    one_error(at, "file editor", *needles)
    assert text_of(at) == before
    assert at.text_area[0].value == text  # what the user typed stays to be fixed
    assert not [p for p in OPENED if p.startswith(SERVER_FILES)]


def test_a_horizon_past_year_9999_gets_one_message_on_the_plan_page():
    at = start("Scenario")
    upload = DEFAULT.replace("start_date: 2027-01-04", "start_date: 9999-12-31").encode()
    at.file_uploader(key="scen_upload").set_value(("y9999.yaml", upload, "text/yaml")).run()
    assert not at.exception
    if not at.error:  # the schema took it; planning it must still not crash
        at.sidebar.radio(key="page").set_value("Plan").run()
    one_error(at, "start_date")


# ----- interval volumes (CSV) -------------------------------------------------------------------
VOLUME_FILES = {
    "binary": (bytes(range(256)) * 64, ["binary.csv", "not UTF-8 text"]),
    "dev-zero-like": (b"\0" * 1_000_000, ["dev-zero-like.csv", "two columns"]),
    "larger-than-20-MB": (b"0" * (20 * 1024**2 + 1), ["larger-than-20-MB.csv", "20 MB"]),
    "unbalanced-quote": (
        b'start,volume\n"2027-01-04 08:00,5\n' + b"x" * 200_000 + b"\n",
        ["unbalanced-quote.csv", "not a readable CSV"],
    ),
    "date-2027-02-30": (
        b"start,volume\n2027-02-30 08:00,5\n",
        ["date-2027-02-30.csv line 2", "`start`", "2027-02-30"],
    ),
    "nan-volume": (b"start,volume\n2027-01-04 08:00,nan\n", ["nan-volume.csv line 2", "`volume`"]),
    "time-zone-offset-year-1": (
        b"start,volume\n0001-01-01T00:00+14:00,5\n",
        ["time-zone-offset-year-1.csv line 2", "time-zone offset"],
    ),
    "repeated-interval": (
        b"start,volume\n2027-01-04 08:00,5\n2027-01-04 08:15,5\n2027-01-04 08:00,7\n",
        ["repeated-interval.csv line 4", "already given on line 2"],
    ),
}


@pytest.mark.parametrize("case", list(VOLUME_FILES))
def test_a_hostile_volume_csv_gets_one_message_and_changes_nothing(case):
    data, needles = VOLUME_FILES[case]
    at = start("Scenario")
    before = text_of(at)
    at.file_uploader(key="scen_csv").set_value((f"{case}.csv", data, "text/csv")).run()
    one_error(at, *needles)
    assert text_of(at) == before
    assert not [b for b in at.button if b.key == "scen_csv_use_run"]  # nothing to use


def test_volumes_in_year_9999_cannot_shift_the_horizon_there():
    at = start("Scenario")
    before = text_of(at)
    data = b"start,volume\n9999-12-31 23:45,5\n"
    at.file_uploader(key="scen_csv").set_value(("y9999.csv", data, "text/csv")).run()
    assert not at.exception and not at.error  # offered as a shift of the horizon...
    at.button(key="scen_csv_use_run").click().run()
    one_error(at, "start_date", "9999-12-31")  # ...which the schema refuses
    assert text_of(at) == before


# ----- history files ----------------------------------------------------------------------------
SAMPLE = sample_path("bank-day").read_bytes()
MAPPING = yaml.safe_dump(ANONYMOUS_BANK.model_dump(mode="json")).encode()
HISTORY_FILES = {
    "records-binary": (bytes(range(256)) * 64, None, ["records-binary.csv", "not UTF-8 text"]),
    "records-dev-zero-like": (b"\0" * 100_000, None, ["records-dev-zero-like.csv", "column"]),
    "records-unbalanced-quote": (
        SAMPLE.split(b"\n")[0] + b'\n"AA0204,1' + b"x" * 200_000 + b"\n",
        None,
        ["records-unbalanced-quote.csv"],
    ),
    "mapping-date-2027-02-30": (
        SAMPLE,
        b"columns: {date: 2027-02-30}\n",
        ["mapping-date-2027-02-30.yaml", "2027-02-30 is not a date"],
    ),
    "mapping-larger-than-1-MB": (SAMPLE, b"#" * (1024**2 + 1), ["Column mapping", "1 MB"]),
    "mapping-larger-than-512-kB": (SAMPLE, b"#" * (512 * 1024 + 1), ["larger than 512 kB"]),
    "mapping-two-character-delimiter": (
        SAMPLE,
        MAPPING.replace(b"delimiter: null", b"delimiter: ab"),
        ["delimiter"],
    ),
}


@pytest.mark.parametrize("case", list(HISTORY_FILES))
def test_hostile_history_files_get_one_message(case):
    records, mapping, needles = HISTORY_FILES[case]
    at = start("History")
    at.file_uploader(key="hist_records_upload").set_value((f"{case}.csv", records, "text/csv"))
    if mapping is not None:
        at.file_uploader(key="hist_mapping_upload").set_value((f"{case}.yaml", mapping, "x/yaml"))
    at.run()
    at.button(key="hist_run").click().run()
    message = one_error(at, "Not analysed", *needles)
    assert "ccplan-app-" not in message  # the server's folder is not shown


# ----- numbers: NaN, inf, absurd ----------------------------------------------------------------
NUMBERS = {  # case -> (page, number input label, value, message naming the field)
    "calculator-volume-1e300": ("Quick calculator", "Contacts per hour", 1e300, "Volume: 1e+300"),
    "calculator-aht-negative": (
        "Quick calculator",
        "Average handle time [s]",
        -5.0,
        "Average handle time: -5 s is outside 1 s to 36,000 s",
    ),
    "plan-service-level-1e300": ("Plan", "Service level [%]", 1e300, "Service level: 1e+300%"),
    "plan-threshold-negative": ("Plan", "Answered within [s]", -1.0, "Answered within: -1 s"),
    "negotiate-fte-1e300": ("Negotiate", "FTE on offer", 1e300, "FTE on offer: 1e+300 FTE"),
    "check-fte-negative": ("SLA check", "FTE on offer", -1.0, "FTE on offer: -1 FTE"),
    "simulate-runs-1e12": ("Simulated runs", "Simulated runs", 1e12, "Simulated runs: 1e+12"),
    "simulate-runs-2.5": ("Simulate", "Simulated runs", 2.5, "Simulated runs: give a whole number"),
    "history-busy-0": ("History", "Busy interval: offered calls >=", 0.0, "Busy interval"),
    "history-threshold-1e9": ("History", "SL threshold [s]", 1e9, "SL threshold: 1e+09 s"),
}
NUMBERS["simulate-runs-1e12"] = ("Simulate",) + NUMBERS["simulate-runs-1e12"][1:]


@pytest.mark.parametrize("case", list(NUMBERS))
def test_absurd_numbers_get_one_message_naming_the_field(case):
    page, label, value, needle = NUMBERS[case]
    at = start(page)
    before = text_of(at)
    next(w for w in at.number_input if w.label == label).set_value(value).run()
    one_error(at, needle)
    assert text_of(at) == before
    assert "app_whatif" not in at.session_state  # nothing taken into a what-if either


FLOAT_INPUTS = sorted(
    {page: label for page, label, _, _ in NUMBERS.values()}.items()
    | {("Negotiate", "Simulated runs"), ("SLA check", "Simulated runs for the breach risk")}
)


@pytest.mark.parametrize(("page", "label"), FLOAT_INPUTS)
def test_nan_and_inf_never_reach_the_app(page, label):
    """A browser cannot type them; a crafted client can send them. Streamlit puts the field's
    default back for a non-finite float before the app runs: nothing is taken, nothing
    breaks, and a finite number is what the app sees."""
    at = start(page)
    before = text_of(at)
    for value in (float("nan"), float("-inf")):
        next(w for w in at.number_input if w.label == label).set_value(value).run()
        assert not at.exception
        assert not [e for e in at.error if "went wrong" in e.value]
        assert text_of(at) == before and "app_whatif" not in at.session_state
        seen = [w.value for w in at.number_input if w.label == label]
        assert all(v is None or v == v and abs(v) != float("inf") for v in seen), seen


def test_an_absurd_number_in_the_scenario_form_is_not_applied():
    at = start("Scenario")
    before = text_of(at)
    next(w for w in at.number_input if w.label == "Contacts per day").set_value(1e300)
    next(b for b in at.button if b.label == "Apply").click().run()
    assert not at.exception
    messages = [shown(e.value) for e in at.error]
    assert "Contacts per day: 1e+300 is outside 0 to 10,000,000" in messages, messages
    assert text_of(at) == before


# ----- names that look like Markdown or HTML ----------------------------------------------------
# The schema refuses brackets and tags in a scenario name (case "name-markdown-image" above);
# what it accepts can still read as Markdown: a bare URL (a link), underscores (emphasis), an
# icon code. A currency may be "$": two amounts in one paragraph would be LaTeX between them.
# A variant name is free text.
NAME = "http://example.com/a.png _b_ :material/home: www.ex.com"
CURRENCY = "$"
VARIANT = "![v](http://example.com/v.png) <img src=x>"


def markdown_elements(at) -> list[str]:
    """The Markdown source of every element that renders Markdown (text, messages, tables)."""
    out = [m.value for m in at.sidebar.markdown]
    for kind in ("markdown", "caption", "success", "error", "warning", "info", "title"):
        out += [e.value for e in getattr(at, kind)]
    for t in at.table:
        frame = t.value
        out += [str(v) for v in frame.to_numpy().ravel()]
        out += [str(c) for c in frame.columns] + [str(i) for i in frame.index]
    return out


def test_names_currencies_and_variants_are_shown_as_typed_everywhere():
    from ui.format import plain

    data = yaml.safe_load(DEFAULT)
    data["name"] = NAME
    data["workforce"]["currency"] = CURRENCY
    at = start("Scenario")
    at.file_uploader(key="scen_upload").set_value(
        ("offer.yaml", yaml.safe_dump(data).encode(), "text/yaml")
    ).run()
    assert not at.exception and not at.error and at.session_state["app_scenario"].name == NAME
    at.text_input(key="scen_variant_name").input(VARIANT)
    at.button(key="scen_variant_save_run").click().run()
    seen = {}
    for page in ("Scenario", "Negotiate", "SLA check", "Plan"):
        at.sidebar.radio(key="page").set_value(page).run()
        assert not at.exception and not at.error, (page, [e.value for e in at.error])
        for source in markdown_elements(at):
            for raw in (NAME, VARIANT, "http:", "www.", "_b_", "!["):
                assert raw not in source, (page, raw, source)  # only ever escaped
            assert not re.search(r"(?<!\\)(<img|\$)", source), (page, source)
            for typed in (NAME, CURRENCY, VARIANT):
                if plain(typed) in source:
                    seen.setdefault(typed, set()).add(page)
    assert seen[NAME] == {"Scenario", "Plan", "Negotiate", "SLA check"}
    assert {"Negotiate", "SLA check"} <= seen[CURRENCY]  # headline, tables
    assert seen[VARIANT] == {"Scenario"}  # the message and the variants table


# ----- upload folders ---------------------------------------------------------------------------
def test_uploads_live_in_a_session_folder_removed_with_the_session(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    at = start("Scenario")
    rows = "".join(f"2027-01-04 {h:02d}:{m:02d},3\n" for h in range(8, 18) for m in (0, 15, 30, 45))
    at.file_uploader(key="scen_csv").set_value(
        ("calls.csv", b"start,volume\n" + rows.encode(), "text/csv")
    )
    at.run()
    at.button(key="scen_csv_use_run").click().run()
    assert not at.exception and not at.error
    folder = at.session_state["app_upload_folder"].path
    assert folder.parent == tmp_path and list(folder.glob("*/voice-volumes.csv"))
    del at
    gc.collect()  # the session's state is dropped when it ends
    assert not folder.exists()
    assert not list(tmp_path.glob("ccplan-app-*"))


def test_stale_upload_folders_of_a_killed_server_are_removed_after_a_day(tmp_path):
    from ui.uploads import STALE_AFTER_S, remove_stale_folders

    now = time.time()
    old, fresh, other = (tmp_path / n for n in ("ccplan-app-old", "ccplan-app-new", "keep-me"))
    for folder in (old, fresh, other):
        folder.mkdir()
        (folder / "calls.csv").write_text("x")
    os.utime(old, (now - STALE_AFTER_S - 60, now - STALE_AFTER_S - 60))
    os.utime(other, (now - 10 * STALE_AFTER_S, now - 10 * STALE_AFTER_S))
    assert remove_stale_folders(tmp_path, STALE_AFTER_S, now) == 1
    assert not old.exists() and fresh.exists() and other.exists()


def test_the_server_caps_uploads_at_20_mb():
    import tomllib

    config = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == 20
    from ui.uploads import LIMITS_MB

    assert max(LIMITS_MB.values()) <= config["server"]["maxUploadSize"]


def test_an_unexpected_error_is_one_readable_message_not_the_error_box(monkeypatch):
    """The last line of defence (a bug, not bad input): one message, the class named."""
    import ui.pages.plan

    def broken():
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(ui.pages.plan, "page_plan", broken)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["page"] = "Plan"
    at.run()
    assert not at.exception
    message = one_error_text(at)
    assert "ZeroDivisionError" in message and "Please report" in message
    assert at.sidebar.radio(key="page").value == "Plan"  # the app is still there


def one_error_text(at) -> str:
    messages = [e.value for e in at.error]
    assert len(messages) == 1, messages
    return messages[0]


def test_an_unexpected_error_in_a_widget_callback_is_shown_on_the_next_run(monkeypatch):
    """Callbacks (an upload's on_change) run before the page: their bug gets the same one
    message, on the run that follows, and the scenario stays."""
    import ui.state

    def broken(*args, **kwargs):
        raise KeyError("a bug")

    at = start("Scenario")
    before = text_of(at)
    monkeypatch.setattr(ui.state, "set_text", broken)
    at.file_uploader(key="scen_upload").set_value(("ok.yaml", DEFAULT.encode(), "text/yaml")).run()
    assert not at.exception
    assert "KeyError" in one_error_text(at) and text_of(at) == before
