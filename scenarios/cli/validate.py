"""``ccplan validate``: check a scenario file against the schema."""

from __future__ import annotations

from ._common import (
    _emit_json,
    _load,
)


def cmd_validate(args) -> None:
    scenario, _ = _load(args.file)
    if args.format == "json":
        _emit_json(
            {"valid": True, "name": scenario.name, "channels": [c.name for c in scenario.channels]}
        )
    else:
        count = len(scenario.channels)
        print(f"{args.file}: valid scenario {scenario.name!r} with {count} channel(s)")
