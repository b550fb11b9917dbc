"""Scenario page: bundled examples, uploads, the main fields in a form, the whole YAML, download."""

from __future__ import annotations

import streamlit as st
import yaml

from scenarios import ScenarioError
from scenarios.examples import list_examples
from scenarios.io import parse_scenario
from ui.state import (
    _dump,
    _session_file,
    _uploaded_once,
    current_scenario,
    parse_text,
    scenario_text,
)


def _load_scenario_upload(upload) -> None:
    """Take an uploaded scenario file if it is valid; otherwise keep the current scenario and
    remember the message."""
    text = upload.getvalue().decode("utf-8", errors="replace")
    _, error = parse_text(text, upload.name)
    st.session_state.scen_upload_error = error
    if error is None:
        st.session_state.scenario_yaml = text


def _load_volume_upload(upload, channel: str) -> None:
    """Point ``channel``'s demand at an uploaded interval-volume CSV (kept in this session's
    temporary folder) if the file fits the scenario's interval grid."""
    from scenarios.demand import expand

    path = _session_file(upload, f"{channel}-volumes.csv")
    data = yaml.safe_load(st.session_state.scenario_yaml)
    for ch in data["channels"]:
        if ch.get("name") == channel:
            kept = {
                k: v for k, v in ch["demand"].items() if k in ("special_periods", "forecast_error")
            }
            ch["demand"] = {"csv": str(path), **kept}
    try:
        expand(parse_scenario(data, upload.name))
    except (ScenarioError, ValueError, OSError) as err:
        st.session_state.scen_csv_error = str(err).replace(str(path), upload.name)
        return
    st.session_state.scen_csv_error = None
    st.session_state.scenario_yaml = _dump(data)


def _apply_form(fields, prefix: str) -> None:
    """Form submit: validate the edited mapping with the scenario schema; keep the scenario
    (and the form's values) unchanged if it fails."""
    from scenarios.overrides import REMOVE, edit_mapping

    edits = {f.path: st.session_state[f"{prefix}{k}"] for k, f in enumerate(fields)}
    edits = {path: REMOVE if value is None else value for path, value in edits.items()}
    data = edit_mapping(yaml.safe_load(st.session_state.scenario_yaml), edits)
    _, error = parse_text(_dump(data), "form")
    st.session_state.scen_form_error = (prefix, error)
    if error is None:
        st.session_state.scenario_yaml = _dump(data)


def scenario_form(scenario) -> None:
    """The main fields in a form; the widget keys follow the scenario text, so after a change
    (here, in the file editor or by an upload) the form shows the new values."""
    import hashlib
    from itertools import groupby

    from ui.scenario_form import editable_fields

    data = yaml.safe_load(st.session_state.scenario_yaml)
    prefix = "form_" + hashlib.sha1(st.session_state.scenario_yaml.encode()).hexdigest()[:12] + "_"
    fields = editable_fields(data)
    with st.form("scen_form"):
        k = 0
        for section, group in groupby(fields, key=lambda f: f.section):
            st.markdown(f"**{section}**")
            group = list(group)
            cols = st.columns(min(len(group), 4))
            for i, f in enumerate(group):
                box = cols[i % len(cols)]
                if f.options:
                    box.selectbox(
                        f.label, f.options, index=f.options.index(f.value), key=f"{prefix}{k}"
                    )
                else:
                    box.number_input(
                        f.label, value=f.value, step=None, key=f"{prefix}{k}", help=f.help or None
                    )
                k += 1
        st.form_submit_button("Apply", on_click=_apply_form, args=(fields, prefix))
    form_prefix, error = st.session_state.get("scen_form_error", (None, None))
    if error and form_prefix == prefix:
        st.error(f"Not applied — {error}")


def page_scenario():
    st.title("Scenario")
    scenario, _ = current_scenario()
    form_tab, file_tab, upload_tab = st.tabs(["Main fields", "Scenario file", "Load or upload"])
    # Uploads first: they may replace the scenario text before its editor is drawn.
    with upload_tab:
        name = st.selectbox("Bundled example", list_examples(), key="scen_example")
        if st.button("Load this example", key="scen_load"):
            st.session_state.scenario_yaml = scenario_text(name)
        upload = st.file_uploader(
            "Upload a scenario file (YAML or JSON)", type=["yaml", "yml", "json"], key="scen_upload"
        )
        if _uploaded_once(upload, "scen_upload_id"):
            _load_scenario_upload(upload)
        if upload is not None and st.session_state.get("scen_upload_error"):
            st.error(f"Not loaded — {st.session_state.scen_upload_error}")
        if scenario is not None:
            channel = st.selectbox(
                "Interval volumes for channel",
                [c.name for c in scenario.channels],
                key="scen_csv_channel",
            )
            volumes = st.file_uploader(
                "Upload interval volumes (CSV: `start` ISO date-time, `volume` contacts in the "
                f"interval, on the {scenario.interval_minutes}-minute grid)",
                type=["csv"],
                key="scen_csv",
            )
            if _uploaded_once(volumes, "scen_csv_id"):
                _load_volume_upload(volumes, channel)
            if volumes is not None and st.session_state.get("scen_csv_error"):
                st.error(f"Not loaded — {st.session_state.scen_csv_error}")
    scenario, error = current_scenario()  # the uploads above may have replaced the text
    with form_tab:
        if scenario is None:
            st.info("Fix the scenario file first (see the message).")
        else:
            scenario_form(scenario)
    with file_tab:
        st.text_area(
            "Scenario (YAML; units in the field names, shares as fractions)",
            height=420,
            key="scenario_yaml",
        )
    if error:
        st.error(error)
    else:
        st.success(
            f"Valid: {scenario.name} — {len(scenario.channels)} channel(s), "
            f"{scenario.days} days of {scenario.interval_minutes}-minute intervals"
        )
    st.download_button(
        "Download the scenario",
        st.session_state.scenario_yaml,
        file_name="scenario.yaml",
        disabled=error is not None,
        key="scen_download",
    )
