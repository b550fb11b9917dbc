"""Interval volumes from a CSV (part of the Scenario page): pick the columns, sum finer rows
onto the grid, and decide about rows outside the horizon (shift the horizon or trim them)
before the channel's demand becomes the uploaded volumes."""

from __future__ import annotations

import streamlit as st

from ui import guard, state
from ui.format import plain


def use_volumes(channel: str, volumes, shift=None) -> str | None:
    """Make ``channel``'s demand the interval ``volumes`` (a CSV named ``<channel>-volumes.csv``
    kept with the scenario); with ``shift = (start_date, days)`` the horizon moves to the data.
    Checked by the schema and by building the demand; the message if refused (nothing
    changes)."""
    from scenarios.demand import expand
    from scenarios.overrides import OverrideError, apply_overrides
    from ui.volumes import to_csv_bytes

    cur = state.current()
    name = f"{channel}-volumes.csv"
    data = to_csv_bytes(volumes)
    old = cur.scenario.channel(channel).demand.model_dump(mode="json")
    demand = {"csv": name}
    for key in ("special_periods", "forecast_error"):
        demand[key] = old[key]
    changes = {f"channels.{channel}.demand": demand}
    if shift is not None:
        changes |= {"start_date": shift[0].isoformat(), "days": shift[1]}
    files = tuple((n, b) for n, b in cur.files if n != name) + ((name, data),)
    try:
        changed = apply_overrides(cur.scenario, changes)
        expand(changed, state.data_dir(files))
    except (OverrideError, ValueError, OSError) as err:
        return str(err)
    state.set_scenario(changed, f"interval volumes for {channel}", files=files, keep_whatif=True)
    return None


def volumes_section() -> None:
    from ui.uploads import LIMITS_MB, upload_bytes
    from ui.volumes import guess_columns, read_table, to_grid

    scenario = state.current().scenario
    st.caption(
        "A CSV with one row per interval: a date-time column and a volume column (contacts "
        f"in the interval). Rows finer than the scenario's {scenario.interval_minutes} minutes "
        "are summed into it."
    )
    channels = [c.name for c in scenario.channels]
    channel = st.selectbox("Channel", channels, key="scen_csv_channel")
    upload = st.file_uploader(
        "Interval volumes (CSV)",
        type=["csv", "txt"],
        key="scen_csv",
        on_change=lambda: st.session_state.pop("scen_csv_done", None),
        max_upload_size=LIMITS_MB["volumes"],
    )
    if upload is None:
        return
    try:
        data = upload_bytes(upload, "Interval volumes", LIMITS_MB["volumes"])
        table = read_table(data, upload.name)
    except ValueError as err:
        st.error(plain(f"Not loaded — {err}"))
        return
    st.dataframe(table.head(5), hide_index=True)
    columns = [str(c) for c in table.columns]
    table.columns = columns
    guess_time, guess_volume = guess_columns(columns)
    cols = st.columns(2)
    time_col = cols[0].selectbox(
        "Column with the interval start (date and time)",
        columns,
        index=columns.index(guess_time),
        key=f"scen_csv_time_{upload.file_id}",
    )
    volume_col = cols[1].selectbox(
        "Column with the volume (contacts in the interval)",
        columns,
        index=columns.index(guess_volume),
        key=f"scen_csv_volume_{upload.file_id}",
    )
    try:
        grid = to_grid(table, time_col, volume_col, scenario.interval_minutes, upload.name)
    except ValueError as err:
        st.error(plain(f"Not loaded — {err}"))
        return
    for note in grid.notes:
        st.info(note)
    outside = grid.outside(scenario.start_date, scenario.days)
    shift = None
    volumes = grid.volumes
    if len(outside):
        first, days = grid.span()
        end = scenario.start_date.toordinal() + scenario.days - 1
        import datetime as dt

        last_day = dt.date.fromordinal(end)
        st.warning(
            f"{len(outside)} of {len(grid.volumes)} intervals in {plain(upload.name)} "
            f"({outside.index.min():%d %b %Y %H:%M} .. {outside.index.max():%d %b %Y %H:%M}) "
            f"fall outside the scenario's horizon ({scenario.start_date:%d %b %Y} .. "
            f"{last_day:%d %b %Y}). Choose what to do; nothing is dropped silently."
        )
        inside = len(grid.volumes) - len(outside)
        options = [f"Shift the scenario to the data: {days} days from {first:%d %b %Y}"]
        if inside:
            options.append(f"Trim: keep the {inside} intervals inside the horizon")
        choice = st.radio(
            "Rows outside the horizon", options, key=f"scen_csv_outside_{upload.file_id}"
        )
        if choice.startswith("Shift"):
            shift = (first, days)
        else:
            volumes = grid.trimmed(scenario.start_date, scenario.days)
    st.button(
        f"Use these volumes for {channel}",
        key="scen_csv_use_run",
        on_click=_use,
        args=(channel, volumes, shift, upload.name),
    )
    done = st.session_state.get("scen_csv_done")
    if done:
        (st.error if done.startswith("Not loaded") else st.success)(plain(done))


@guard.callback
def _use(channel: str, volumes, shift, file_name: str) -> None:
    """on_click: before the page is drawn, so every widget shows the new scenario."""
    error = use_volumes(channel, volumes, shift)
    st.session_state.scen_csv_done = (
        f"Not loaded — {error}"
        if error
        else f"{channel} now uses the volumes of {file_name} "
        f"({volumes.sum():,.0f} contacts in {len(volumes)} intervals)."
    )
