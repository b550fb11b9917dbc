"""The main fields of a scenario as a flat list of form fields (paths into the file's mapping).

The app edits the raw mapping of the scenario file (what YAML/JSON hold) with
``scenarios.overrides.edit_mapping``, keeping the user's file as written, so that whatever the
user typed reaches the same pydantic schema as a file would and gets the same message
(``targets[0].service_level: must be a fraction in [0, 1], got 80; use 0.8 for 80%``). Pure
functions; no Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass

from scenarios.scenario import INTRADAY_SHAPES

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
    """The planner's main inputs present in ``data``: volumes, intraday curve, AHT, patience,
    targets, shrinkage, occupancy cap and costs. Fields in unusual forms (an explicit intraday
    share list, empirical distributions, CSV volumes) are left to the file editor."""
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
                    "Contacts per day (before day/month factors)",
                    _number(demand["volume_per_day"]),
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
        for part, label in (("handle_time", "AHT [s]"), ("patience", "Mean patience [s]")):
            if isinstance(ch.get(part), dict) and "mean_s" in ch[part]:
                fields.append(
                    FormField(
                        name, ("channels", i, part, "mean_s"), label, _number(ch[part]["mean_s"])
                    )
                )
    kinds = {ch.get("name"): ch.get("kind") for ch in channels if isinstance(ch, dict)}
    for j, t in enumerate(data.get("targets") or []):
        if not isinstance(t, dict):
            continue
        name = f"target for {t.get('channel', j)}"
        queue = kinds.get(t.get("channel")) != "deferred"  # caps apply to queues, not email
        for key, label, help_ in (
            ("service_level", "SL target (fraction)", "0.8 for 80%"),
            ("threshold_s", "SL threshold [s]", ""),
            ("max_abandon", "Max abandonment (fraction of offered)", "empty: no cap"),
            ("max_asa_s", "Max ASA [s]", "empty: no cap"),
        ):
            optional = key in ("max_abandon", "max_asa_s")
            if key in t or (optional and queue):
                fields.append(
                    FormField(
                        name, ("targets", j, key), label, _number(t.get(key)), (), optional, help_
                    )
                )
    workforce = data.get("workforce") or {}
    for part, share in (workforce.get("shrinkage") or {}).items():
        fields.append(
            FormField(
                "workforce",
                ("workforce", "shrinkage", part),
                f"Shrinkage: {part} (fraction of paid time)",
                _number(share),
            )
        )
    currency = workforce.get("currency", "EUR")
    for key, label in (
        ("max_occupancy", "Max occupancy (fraction)"),
        ("hourly_cost", f"Hourly cost [{currency}]"),
    ):
        if key in workforce:
            fields.append(
                FormField("workforce", ("workforce", key), label, _number(workforce[key]))
            )
    pricing = data.get("pricing") or {}
    for key, label in (
        ("per_contact", f"Price per contact [{currency}]"),
        ("per_hour", f"Price per agent-hour [{currency}]"),
        ("fixed_monthly", f"Fixed fee per month [{currency}]"),
    ):
        if key in pricing:
            fields.append(FormField("pricing", ("pricing", key), label, _number(pricing[key])))
    return fields
