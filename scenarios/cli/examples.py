"""``ccplan examples``: list or copy the bundled scenarios."""

from __future__ import annotations

import json
from pathlib import Path

from ..io import write_atomic
from ._common import (
    CliError,
    _emit_json,
)
from ._outputs import check_new_file


def cmd_examples(args) -> None:
    from ..examples import describe_example, example_path, list_examples

    if args.copy:
        name, directory = args.copy
        if name not in list_examples():
            raise CliError(f"unknown example {name!r}; bundled: {', '.join(list_examples())}")
        target = Path(directory) / example_path(name).name
        check_new_file(target, force=args.force, option="--copy")
        write_atomic(target, example_path(name).read_bytes())  # never a half-copied file
        print(str(target) if args.format != "json" else json.dumps({"written": str(target)}))
        return
    names = list_examples()
    if args.format == "json":
        _emit_json([{"name": n, "description": describe_example(n)} for n in names])
        return
    for n in names:
        print(f"{n}\n    {describe_example(n)}")
