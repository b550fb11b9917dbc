"""Inputs as people type them: percentages as percent (80 means 80%), thresholds in seconds,
deadlines in hours; an out-of-range value gets a message under the field naming the range
(the widgets have no min/max, which would only show a red border) and the caller marks its
results stale. Each returns the value in the schema's unit, or None when it is out of range."""

from __future__ import annotations

import streamlit as st

from ui.format import range_message


def _checked(box, label: str, typed: float | None, low: float, high: float, unit: str):
    message = range_message(label, typed, low, high, unit)
    if message:
        box.error(message)
        return False
    return True


def percent_input(
    label: str,
    fraction: float | None,
    key: str,
    *,
    box=st,
    low: float = 0.0,
    high: float = 100.0,
    help: str | None = None,
    optional: bool = False,
    **kwargs,
):
    """A share typed in percent (80 -> 0.8). Returns ``(fraction or None, ok)``."""
    value = None if fraction is None else round(fraction * 100.0, 6)
    typed = box.number_input(
        f"{label} [%]",
        value=value,
        step=1.0,
        format="%.1f",
        key=key,
        help=help,
        placeholder="none" if optional else None,
        **kwargs,
    )
    ok = _checked(box, label, typed, low, high, "%")
    return (None if typed is None else typed / 100.0), ok


def seconds_input(
    label: str,
    seconds: float | None,
    key: str,
    *,
    box=st,
    low: float = 0.0,
    high: float = 86_400.0,
    help: str | None = None,
    optional: bool = False,
    **kwargs,
):
    """A duration typed in seconds. Returns ``(seconds or None, ok)``."""
    typed = box.number_input(
        f"{label} [s]",
        value=seconds,
        step=1.0,
        format="%g",
        key=key,
        help=help,
        placeholder="none" if optional else None,
        **kwargs,
    )
    return typed, _checked(box, label, typed, low, high, "s")


def hours_input(
    label: str,
    seconds: float | None,
    key: str,
    *,
    box=st,
    low: float = 0.0,
    high: float = 720.0,
    help: str | None = None,
    **kwargs,
):
    """A deadline typed in hours, returned in seconds (24 -> 86,400). ``(seconds, ok)``."""
    typed = box.number_input(
        f"{label} [h]",
        value=None if seconds is None else seconds / 3600.0,
        step=1.0,
        format="%g",
        key=key,
        help=help,
        **kwargs,
    )
    ok = _checked(box, label, typed, low, high, "h")
    return (None if typed is None else typed * 3600.0), ok


def stale_note(box=st) -> None:
    """What a page shows instead of results while an input is out of range."""
    box.warning("Results not updated: fix the field(s) marked above first (results are stale).")
