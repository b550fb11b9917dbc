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

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from .io import describe_validation_error
from .scenario import Scenario

__all__ = ["REMOVE", "OverrideError", "apply_overrides", "resolve_path"]

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


def _set(data: dict, keys: tuple, path: str, value) -> None:
    target = data
    for key in keys[:-1]:
        target = target[key]
    if value is REMOVE:
        if isinstance(target, list):
            target[keys[-1]] = REMOVE  # dropped after every change is placed (indexes hold)
        else:
            target[keys[-1]] = None
        return
    if _where(_parts(path)) == _SHRINKAGE and not isinstance(target[keys[-1]], (int, float)):
        components = target[keys[-1]]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise OverrideError(f"{path}: the total shrinkage must be a number, got {value!r}")
        total = sum(components.values())
        # The total: scale every named component alike (one component if there are none).
        target[keys[-1]] = (
            {k: v * value / total for k, v in components.items()}
            if total > 0
            else {"shrinkage": value}
        )
        return
    target[keys[-1]] = value


def _drop_removed(node):
    if isinstance(node, dict):
        return {k: _drop_removed(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_drop_removed(v) for v in node if v is not REMOVE]
    return node


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
    items = _items(changes)
    data = scenario.model_dump(mode="json")
    for path, value in items:
        whole = value is REMOVE or isinstance(value, (dict, list, tuple))  # a group replaced
        keys = resolve_path(scenario, path, whole=whole)
        _set(data, keys, path, value)
    try:
        return Scenario.model_validate(_drop_removed(data))
    except ValidationError as err:
        raise OverrideError("; ".join(describe_validation_error(err))) from None
