"""The standards of one channel as editable what-if fields (Plan, Negotiate): service level in
percent, threshold in seconds (deferred: deadline in hours), ASA and abandonment caps. A change
becomes the app's what-if (``ui.state.set_whatif``), shown on every page until applied or
dropped; an out-of-range value gets a message under its field and no what-if."""

from __future__ import annotations

import streamlit as st

from scenarios.overrides import REMOVE
from scenarios.scenario import Scenario
from ui import guard, state
from ui.format import plain
from ui.widgets import hours_input, percent_input, seconds_input


def sl_channels(scenario: Scenario) -> list[str]:
    """Channels whose target has a service level (in the scenario's order)."""
    return [t.channel for t in scenario.targets if t.service_level is not None]


@guard.callback
def _changed(channel: str, keys: dict, units: dict, editor: str, tag: str) -> None:
    """on_change: the typed standards of ``channel`` into the what-if, when all in range; the
    fields of ``editor`` (their keys carrying ``tag``) then keep their keys."""
    changes = {}
    for field, key in keys.items():
        typed = st.session_state.get(key)
        unit, low, high, optional = units[field]
        if typed is None:
            if not optional:
                return
            changes[f"targets.{channel}.{field}"] = REMOVE  # an emptied cap: no cap
            continue
        if not low <= typed <= high:
            return  # the field shows its message; the what-if stays as it was
        # Divide by 100 (not times 0.01): 80 / 100 is exactly 0.8, 80 * 0.01 is not.
        value = typed / 100.0 if unit == "%" else typed * 3600.0 if unit == "h" else typed
        changes[f"targets.{channel}.{field}"] = value
    error = state.set_whatif(changes)
    st.session_state.targets_error = error
    if error is None:
        state.kept_editor_keys(editor, tag)


def standards_editor(channel: str, *, caps: bool = True, prefix: str = "std") -> bool:
    """Fields for ``channel``'s standards (values from the scenario in force, what-if
    included). Returns False while a field is out of range (the caller marks results stale)."""
    scenario = state.effective()
    t = scenario.target_for(channel)
    deferred = scenario.channel(channel).kind == "deferred"
    fields = ["service_level", "threshold_s"]
    if caps and not deferred:
        fields += ["max_asa_s", "max_abandon"]
    tag = state.editor_tag(prefix)
    keys = {f: state.widget_key(f"{prefix}_{channel}_{f}", editor=prefix) for f in fields}
    units = {
        "service_level": ("%", 0.0, 100.0, False),
        "threshold_s": ("h", 0.0, 720.0, False) if deferred else ("s", 0.0, 86_400.0, False),
        "max_asa_s": ("s", 0.0, 86_400.0, True),
        "max_abandon": ("%", 0.0, 100.0, True),
    }
    args = {"on_change": _changed, "args": (channel, keys, units, prefix, tag)}
    cols = st.columns(len(fields))
    ok = []
    _, a = percent_input(
        "Service level",
        t.service_level,
        keys["service_level"],
        box=cols[0],
        help=f"counted as: {t.sl_definition.describe(t.threshold_s)}",
        **args,
    )
    ok.append(a)
    if deferred:
        _, a = hours_input(
            "Answered within", t.threshold_s, keys["threshold_s"], box=cols[1], **args
        )
    else:
        _, a = seconds_input(
            "Answered within", t.threshold_s, keys["threshold_s"], box=cols[1], **args
        )
    ok.append(a)
    if "max_asa_s" in keys:
        _, a = seconds_input(
            "Max average wait (ASA)",
            t.max_asa_s,
            keys["max_asa_s"],
            box=cols[2],
            optional=True,
            help="average speed of answer; empty: no cap",
            **args,
        )
        ok.append(a)
        _, a = percent_input(
            "Max abandonment",
            t.max_abandon,
            keys["max_abandon"],
            box=cols[3],
            optional=True,
            help="share of offered contacts that hang up; empty: no cap",
            **args,
        )
        ok.append(a)
    error = st.session_state.get("targets_error")
    if error:
        st.error(plain(f"Not taken — {error}"))
    return all(ok)
