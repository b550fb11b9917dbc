"""The one validated way to change a scenario: field changes by path, revalidated by the schema.

A change names a field by its path into the schema and gives the new value::

    targets[0].service_level            (position in a list, as error messages print it)
    targets.voice.service_level         (a list entry by its name / channel / label)
    channels.voice.demand.volume_per_day
    workforce.shrinkage.absence
    workforce.shrinkage                 (the total: every named component scaled alike)

``apply_overrides`` applies a set of changes to the scenario's plain mapping and validates the
whole result through the same pydantic schema as a scenario file, so every route (sweeps, the
app's form, the verdict's what-ifs, the cost curve) rejects ``service_level=5`` with the
scenario's own field name and allowed range. ``REMOVE`` as a value drops a list entry (e.g. a
target) or unsets an optional field. Pydantic's ``model_copy`` with an update does not validate;
nothing in the project uses it on a validated model.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from .io import describe_validation_error
from .scenario import Scenario

__all__ = ["REMOVE", "OverrideError", "apply_overrides", "edit_mapping", "resolve_path"]

#: Fields of list entries that name them, tried in this order.
_ENTRY_KEYS = ("name", "channel", "label")
#: The total shrinkage path: a number that scales every named component alike.
_SHRINKAGE = "workforce.shrinkage"


class _Remove:
    def __repr__(self) -> str:
        return "REMOVE"


#: Value that removes a list entry (``targets.voice``) or unsets an optional field.
REMOVE = _Remove()


class OverrideError(ValueError):
    """A change that names no field, or a changed scenario the schema rejects (one line)."""


def _parts(path: str) -> list[str]:
    """``targets[0].service_level`` -> ``["targets", "0", "service_level"]``."""
    return [p for p in re.sub(r"\[(\w+)\]", r".\1", path.strip()).split(".") if p != ""]


def _where(keys) -> str:
    return ".".join(str(k) for k in keys) or "the scenario"


def resolve_path(scenario: Scenario, path: str, *, whole: bool = False) -> tuple:
    """Keys into ``scenario.model_dump()`` (field names and list positions) for ``path``.

    ``whole=True`` allows a path that names a group (a list entry or a sub-model), e.g. to
    remove a target. Raises ``OverrideError`` naming the path and what is there instead.
    """
    obj, keys, shown = scenario, [], []
    parts = _parts(path)
    if not parts:
        raise OverrideError(f"{path!r}: empty field path")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(obj, BaseModel):
            fields = type(obj).model_fields
            if part not in fields:
                raise OverrideError(
                    f"{path}: {_where(shown)} has no field {part!r}; "
                    f"its fields are {', '.join(fields)}"
                )
            keys.append(part)
            obj = getattr(obj, part)
        elif isinstance(obj, tuple) and obj and isinstance(obj[0], BaseModel):
            names = [next((getattr(e, k) for k in _ENTRY_KEYS if hasattr(e, k)), None) for e in obj]
            if part.isdigit() and int(part) < len(obj):
                index = int(part)
            elif part in names:
                index = names.index(part)
            else:
                listed = ", ".join(str(n) for n in names if n is not None)
                raise OverrideError(
                    f"{path}: no entry {part!r} in {_where(shown)}; "
                    f"entries: {listed or f'0 .. {len(obj) - 1}'}"
                )
            keys.append(index)
            obj = obj[index]
        elif isinstance(obj, tuple) and part.isdigit() and int(part) < len(obj):
            keys.append(int(part))  # one of a list of numbers, e.g. monthly_factors.11
            obj = obj[int(part)]
        elif isinstance(obj, dict) and (part in obj or last):
            keys.append(part)
            obj = obj.get(part)
        else:
            kind = "an empty list" if isinstance(obj, tuple) else f"the value {obj!r}"
            raise OverrideError(f"{path}: {_where(shown)} is {kind}, with no field {part!r}")
        shown.append(part)
    grouped = isinstance(obj, (BaseModel, tuple)) or isinstance(obj, dict)
    if grouped and not whole and _where(_parts(path)) != _SHRINKAGE:
        raise OverrideError(
            f"{path}: names a group of fields, not one value; "
            f"give a field inside it, e.g. {path}.<field>"
        )
    return tuple(keys)


def _shrinkage_total(components: dict, value, path: str) -> dict:
    """Named shrinkage components scaled alike to a new ``value`` total."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise OverrideError(f"{path}: the total shrinkage must be a number, got {value!r}")
    total = sum(components.values())
    if total <= 0:  # no named component to scale: one component carries it
        return {"shrinkage": value}
    return {k: v * value / total for k, v in components.items()}


def edit_mapping(data: dict, edits) -> dict:
    """A copy of the plain mapping ``data`` (what a scenario file holds) with each key path
    (field names and list positions, e.g. ``("targets", 0, "max_abandon")``) set to its value;
    ``REMOVE`` deletes the key (the schema default applies) or the list entry. Not validated:
    callers validate the result (``apply_overrides`` does; the app parses it as a file)."""
    out = copy.deepcopy(data)
    removed = []
    for keys, value in _items(edits):
        parent = out
        for key in keys[:-1]:
            parent = parent[key]
        if value is REMOVE:
            if isinstance(parent, list):
                removed.append((parent, keys[-1]))
            else:
                parent.pop(keys[-1], None)
        else:
            parent[keys[-1]] = value
    # List entries go last, highest position first, so the positions of the others hold.
    for parent, index in sorted(removed, key=lambda r: -r[1]):
        del parent[index]
    return out


def _items(changes) -> list[tuple[str, Any]]:
    if isinstance(changes, Mapping):
        return list(changes.items())
    return list(changes)


def apply_overrides(scenario: Scenario, changes: Mapping[str, Any] | Iterable) -> Scenario:
    """``scenario`` with ``changes`` (path -> value) applied and the whole result revalidated.

    >>> from scenarios.examples import load_example
    >>> s = apply_overrides(load_example("default"), {"targets[0].threshold_s": 30})
    >>> s.targets[0].threshold_s
    30.0
    >>> apply_overrides(s, {"targets[0].service_level": 5})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scenarios.overrides.OverrideError: targets[0].service_level: must be a fraction in [0, 1], ...

    Raises ``OverrideError`` (a ``ValueError``) with one line naming the field and its allowed
    range; the given scenario is never modified.
    """
    data = scenario.model_dump(mode="json")
    edits = []
    for path, value in _items(changes):
        whole = value is REMOVE or isinstance(value, (dict, list, tuple))  # a group replaced
        keys = resolve_path(scenario, path, whole=whole)
        if _where(_parts(path)) == _SHRINKAGE and isinstance(value, (int, float)):
            value = _shrinkage_total(scenario.workforce.shrinkage, value, path)
        edits.append((keys, value))
    try:
        return Scenario.model_validate(edit_mapping(data, edits))
    except ValidationError as err:
        raise OverrideError("; ".join(describe_validation_error(err))) from None
