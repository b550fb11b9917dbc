"""The main fields of a scenario as a flat list of form fields (paths into the file's mapping).

Each field carries the unit people type it in (``unit``: ``"%"`` for shares, ``"s"`` for
thresholds and handle times, ``"h"`` for deferred deadlines) and its range in that unit; the app
converts it to the schema's unit (``to_schema``) and applies the edits with
``scenarios.overrides.apply_overrides`` (``override_path`` names the field), so whatever the user
typed reaches the same pydantic schema as a file would. Pure functions; no Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass

from scenarios.scenario import INTRADAY_SHAPES
from ui.format import plain

Path = tuple  # keys and indexes from the top of the mapping, e.g. ("targets", 0, "threshold_s")


@dataclass(frozen=True)
class FormField:
    """One editable value: where it lives, its label (with unit) and its current value."""

    section: str
    path: Path
    label: str
    value: float | str | None
    options: tuple[str, ...] = ()
    """Choices for a text field; empty for numbers."""
    optional: bool = False
    """Whether the field may be left empty (the key is then removed)."""
    help: str = ""
    unit: str = ""
    """The unit the field is typed in: "%", "s", "h", or "" (a plain number or a choice)."""
    low: float = 0.0
    high: float = float("inf")
    """The allowed range in ``unit`` (checked in the app, then by the schema)."""

    @property
    def shown(self):
        """The value in the unit the field is typed in (0.8 -> 80 for "%")."""
        if self.value is None or isinstance(self.value, str):
            return self.value
        return {"%": self.value * 100.0, "h": self.value / 3600.0}.get(self.unit, self.value)

    def to_schema(self, typed):
        """A typed value back in the schema's unit (80 "%" -> 0.8, 24 "h" -> 86,400 s)."""
        if typed is None or isinstance(typed, str):
            return typed
        return {"%": typed / 100.0, "h": typed * 3600.0}.get(self.unit, float(typed))


def override_path(path: Path) -> str:
    """``("targets", 0, "threshold_s")`` -> ``"targets[0].threshold_s"`` (apply_overrides)."""
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else ("." if out else "") + str(key)
    return out


def _get(data, path: Path):
    for key in path:
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and key < len(data):
            data = data[key]
        else:
            return None
    return data


def _number(value):
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def editable_fields(data: dict) -> list[FormField]:
    """The planner's main inputs present in ``data``: volumes, intraday curve, handle time,
    patience, targets, shrinkage, occupancy cap and costs, each in the unit people type it in.
    Fields in unusual forms (an explicit intraday share list, empirical distributions, CSV
    volumes) are left to the file editor."""
    fields = []
    channels = data.get("channels") or []
    for i, ch in enumerate(channels):
        if not isinstance(ch, dict):
            continue
        name = f"channel {ch.get('name', i)}"
        demand = ch.get("demand") or {}
        if "volume_per_day" in demand:
            fields.append(
                FormField(
                    name,
                    ("channels", i, "demand", "volume_per_day"),
                    "Contacts per day",
                    _number(demand["volume_per_day"]),
                    help="on an ordinary day, before day-of-week and monthly factors",
                    high=10_000_000,
                )
            )
            profile = demand.get("intraday_profile", "business_day")
            if isinstance(profile, str):
                fields.append(
                    FormField(
                        name,
                        ("channels", i, "demand", "intraday_profile"),
                        "Intraday curve",
                        profile,
                        options=INTRADAY_SHAPES,
                    )
                )
        for part, label, help_ in (
            ("handle_time", "Average handle time", "AHT: talk + hold + wrap-up"),
            ("patience", "Mean patience", "how long callers wait on average before hanging up"),
        ):
            if isinstance(ch.get(part), dict) and "mean_s" in ch[part]:
                fields.append(
                    FormField(
                        name,
                        ("channels", i, part, "mean_s"),
                        label,
                        _number(ch[part]["mean_s"]),
                        help=help_,
                        unit="s",
                        high=86_400,
                    )
                )
    kinds = {ch.get("name"): ch.get("kind") for ch in channels if isinstance(ch, dict)}
    for j, t in enumerate(data.get("targets") or []):
        if not isinstance(t, dict):
            continue
        name = f"target for {t.get('channel', j)}"
        queue = kinds.get(t.get("channel")) != "deferred"  # caps apply to queues, not email
        rows = (
            ("service_level", "Service level", "share answered within the threshold", "%", 100),
            (
                ("threshold_s", "Answered within", "the Y of 'X% within Y seconds'", "s", 86_400)
                if queue
                else ("threshold_s", "Answered within", "response deadline", "h", 720)
            ),
            ("max_abandon", "Max abandonment", "share of offered; empty: no cap", "%", 100),
            (
                "max_asa_s",
                "Max average wait (ASA)",
                "average speed of answer; empty: no cap",
                "s",
                86_400,
            ),
        )
        for key, label, help_, unit, high in rows:
            optional = key in ("max_abandon", "max_asa_s")
            if key in t or (optional and queue):
                fields.append(
                    FormField(
                        name,
                        ("targets", j, key),
                        label,
                        _number(t.get(key)),
                        (),
                        optional,
                        help_,
                        unit,
                        0.0,
                        high,
                    )
                )
    workforce = data.get("workforce") or {}
    for part, share in (workforce.get("shrinkage") or {}).items():
        fields.append(
            FormField(
                "workforce",
                ("workforce", "shrinkage", part),
                f"Shrinkage: {part}",
                _number(share),
                help="share of paid time not available for contacts",
                unit="%",
                high=100,
            )
        )
    currency = plain(workforce.get("currency", "EUR"))  # labels render Markdown
    if "max_occupancy" in workforce:
        fields.append(
            FormField(
                "workforce",
                ("workforce", "max_occupancy"),
                "Max occupancy",
                _number(workforce["max_occupancy"]),
                help="agents busy at most this share of their logged-in time",
                unit="%",
                high=100,
            )
        )
    if "hourly_cost" in workforce:
        fields.append(
            FormField(
                "workforce",
                ("workforce", "hourly_cost"),
                f"Cost per paid hour [{currency}]",
                _number(workforce["hourly_cost"]),
                help="fully loaded",
                high=1e6,
            )
        )
    pricing = data.get("pricing") or {}
    for key, label in (
        ("per_contact", f"Price per contact [{currency}]"),
        ("per_hour", f"Price per agent-hour [{currency}]"),
        ("fixed_monthly", f"Fixed fee per month [{currency}]"),
    ):
        if key in pricing:
            fields.append(
                FormField("pricing", ("pricing", key), label, _number(pricing[key]), high=1e9)
            )
    return fields
