"""Scenario page: bundled examples, uploads, the main fields in a form, the whole file, interval
volumes from a CSV, named variants side by side, download. Every route changes the app's one
current scenario (``ui.state``) through the schema."""

from __future__ import annotations

import io
import re
import zipfile
from itertools import groupby

import streamlit as st

from scenarios.examples import list_examples
from ui import guard, state
from ui.format import plain, range_message


def download_bytes(cur: state.Current) -> tuple[bytes, str, str]:
    """What "Download the scenario" gives: the YAML as it stands, or, when the scenario names
    data files (an uploaded interval CSV), a ZIP of the YAML and those files side by side (the
    YAML names them by file name, never by a server path). ``(data, file name, mime)``."""
    slug = re.sub(r"[^a-z0-9]+", "-", cur.name.lower()).strip("-") or "scenario"
    if not cur.files:
        return cur.text.encode(), f"{slug}.yaml", "text/yaml"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{slug}.yaml", cur.text)
        for name, data in cur.files:
            z.writestr(name, data)
    return buffer.getvalue(), f"{slug}.zip", "application/zip"


@guard.callback
def _load_example() -> None:
    name = st.session_state.scen_example
    state.set_text(state.scenario_text(name), f"example: {name}")


@guard.callback
def _apply_form(fields, prefix: str) -> None:
    """Form submit: each field checked against its range in the unit typed, then all edits
    applied at once through ``apply_overrides``; nothing changes if any is rejected."""
    from scenarios.overrides import REMOVE
    from ui.scenario_form import override_path

    errors, edits = {}, {}
    for k, f in enumerate(fields):
        typed = st.session_state[f"{prefix}{k}"]
        if f.options:
            edits[override_path(f.path)] = typed
            continue
        if f.optional and st.session_state.get(f"{prefix}{k}_none"):
            if f.value is not None:  # "no cap" ticked: the cap goes
                edits[override_path(f.path)] = REMOVE
            continue
        if typed is None:
            if f.optional:
                edits[override_path(f.path)] = REMOVE
            else:
                errors[k] = f"{f.label}: give a value"
            continue
        message = range_message(f.label, typed, f.low, f.high, f.unit or "")
        if message:
            errors[k] = message
        elif typed != f.shown:
            edits[override_path(f.path)] = f.to_schema(typed)
    error = None
    if not errors and edits:
        error = state.edit(edits, "form")
    st.session_state.scen_form_errors = (prefix, errors, error)


def scenario_form() -> None:
    """The main fields in a form, in the units people type (80 for 80%); messages under the
    fields that are out of range."""
    import yaml

    from ui.scenario_form import editable_fields

    cur = state.current()
    prefix = state.widget_key("form_")
    fields = editable_fields(yaml.safe_load(cur.text))
    form_prefix, errors, error = st.session_state.get("scen_form_errors", (None, {}, None))
    if form_prefix != prefix:
        errors, error = {}, None
    with st.form("scen_form"):
        k = 0
        for section, group in groupby(fields, key=lambda f: f.section):
            st.markdown(f"**{section}**")
            group = list(group)
            cols = st.columns(min(len(group), 4))
            for i, f in enumerate(group):
                box = cols[i % len(cols)]
                label = f"{f.label} [{f.unit}]" if f.unit else f.label
                if f.options:
                    box.selectbox(
                        label, f.options, index=f.options.index(f.value), key=f"{prefix}{k}"
                    )
                else:
                    box.number_input(
                        label,
                        value=f.shown,
                        step=None,
                        format="%.1f" if f.unit == "%" else None,
                        key=f"{prefix}{k}",
                        help=f.help or None,
                        placeholder="none" if f.optional else None,
                    )
                    if f.optional:  # a number field cannot be emptied once it has a value
                        box.checkbox("no cap", value=f.value is None, key=f"{prefix}{k}_none")
                if k in errors:
                    box.error(errors[k])
                k += 1
        total = cur.scenario.workforce.total_shrinkage
        if total:
            st.caption(
                f"Shrinkage in total: {total * 100:.1f}% of paid time (the parts add up); "
                f"{1 / (1 - total):.2f} paid hours per hour on the phones."
            )
        st.form_submit_button("Apply", on_click=_apply_form, args=(fields, prefix))
    if errors:
        st.error("Not applied: fix the field(s) marked above.")
    elif error:
        st.error(plain(f"Not applied — {error}"))


@guard.callback
def _apply_file(key: str) -> None:
    st.session_state.scen_file_error = (
        key,
        state.set_text(st.session_state[key], "file editor", keep_whatif=True),
    )


def file_editor() -> None:
    """The whole scenario as YAML; applied with the button, checked by the schema."""
    cur = state.current()
    key = state.widget_key("yaml")
    with st.form("scen_file_form"):
        st.text_area(
            "Scenario file (YAML; durations in seconds, shares as fractions: 0.8 is 80%)",
            value=cur.text,
            height=420,
            key=key,
        )
        st.form_submit_button("Apply the file", on_click=_apply_file, args=(key,))
    shown_key, error = st.session_state.get("scen_file_error", (None, None))
    if error and shown_key == key:
        st.error(plain(f"Not applied — {error}"))


@guard.callback
def _load_upload() -> None:
    """on_change of the uploader: runs before the page is drawn, so the sidebar and every
    widget show the new scenario in the same run."""
    upload = st.session_state.get("scen_upload")
    if state.uploaded_once(upload, "scen_upload_id"):
        # Size, UTF-8, YAML and schema checked as the CLI checks a scenario file.
        source = f"upload: {upload.name}"
        st.session_state.scen_upload_error = state.set_text(upload.getvalue(), source)


def load_section() -> None:
    from ui.uploads import LIMITS_MB

    st.selectbox("Bundled example", list_examples(), key="scen_example")
    st.button("Load this example", key="scen_load", on_click=_load_example)
    upload = st.file_uploader(
        "Upload a scenario file (YAML or JSON)",
        type=["yaml", "yml", "json"],
        key="scen_upload",
        on_change=_load_upload,
        max_upload_size=LIMITS_MB["scenario"],
    )
    if upload is not None and st.session_state.get("scen_upload_error"):
        st.error(plain(f"Not loaded — {st.session_state.scen_upload_error}"))


def page_scenario():
    st.title("Scenario")
    tabs = st.tabs(
        ["Load or upload", "Main fields", "Scenario file", "Interval volumes (CSV)", "Variants"]
    )
    with tabs[0]:
        offer = state.forecast_offer()
        if offer is not None:
            st.button(
                f"Use the {plain(offer[2])} (History page)",
                key="scen_use_forecast",
                on_click=guard.callback(state.use_forecast),
            )
        load_section()
    with tabs[1]:
        scenario_form()
    with tabs[2]:
        file_editor()
    with tabs[3]:
        from ui.pages.volumes import volumes_section

        volumes_section()
    with tabs[4]:
        from ui.pages.variants import variants_section

        variants_section()
    cur = state.current()
    s = cur.scenario
    st.success(
        f"Scenario in use: **{plain(s.name)}** — {len(s.channels)} channel(s), {s.days} days "
        f"from {s.start_date:%d %b %Y} in {s.interval_minutes}-minute intervals "
        f"(from {plain(cur.source)})"
    )
    data, file_name, mime = download_bytes(cur)
    st.download_button(
        "Download the scenario",
        data,
        file_name=file_name,
        mime=mime,
        key="scen_download",
        on_click="ignore",
        help="A ZIP of the scenario and its interval CSV when one was uploaded",
    )
