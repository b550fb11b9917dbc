"""Inputs as people type them: percentages as percent (80 means 80%), thresholds in seconds,
deadlines in hours; an out-of-range value gets a message under the field naming the range
(the widgets have no min/max, which would only show a red border) and the caller marks its
results stale. Each returns the value in the schema's unit, or None when it is out of range."""

from __future__ import annotations

import streamlit as st

from scenarios.scenario import Workforce
from ui.format import range_message

#: The most FTE an offer may have: the schema's bound on ``workforce.fte_offered``.
MAX_FTE = next(m.le for m in Workforce.model_fields["fte_offered"].metadata if hasattr(m, "le"))


def fte_message(label: str, value: float | None) -> str | None:
    """The message for an FTE on offer (typed, or a budget converted) outside 0 to
    ``MAX_FTE`` (NaN and inf included), or for none given; None when it is fine."""
    if value is None:
        return f"{label}: give a number of FTE from 0 to {MAX_FTE:,g}"
    return range_message(label, value, 0, MAX_FTE, "FTE")


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


def count_input(label: str, key: str, low: int, high: int, *, box=st, help: str | None = None):
    """A whole number (replications, a call count) in ``[low, high]``. A float field, so what
    a client sends (NaN, inf, 2.5) reaches this check and its message under the field, not
    Streamlit's integer conversion (an error box). Returns ``(int or None, ok)``."""
    typed = box.number_input(label, step=1.0, format="%.0f", key=key, help=help)
    message = range_message(label, typed, low, high, "")
    if message is None and typed is not None and typed != int(typed):
        message = f"{label}: give a whole number, got {typed:g}"
    if message:
        box.error(message)
    if typed is None and not message:
        box.error(f"{label}: give a number from {low:,} to {high:,}")
    ok = message is None and typed is not None
    return (int(typed) if ok else None), ok
