"""Shared pieces of the ``ccplan`` commands: exit codes, one-line errors, tables, JSON, progress."""

from __future__ import annotations

import math
import sys
from pathlib import Path

from ..io import json_text, load_scenario

EXIT_USAGE = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE
#: The most replications a command accepts (``--replications``): far beyond any useful
#: confidence interval, and what one machine simulates in hours, not a memory exhaustion.
MAX_REPLICATIONS = 100_000


class CliError(Exception):
    """A problem to report in one line."""


#: Whether a progress bar line is open on stderr (a message must start on a new line).
_bar_open = [False]


def _end_bar() -> None:
    if _bar_open[0]:
        sys.stderr.write("\n")
        _bar_open[0] = False


# ----- helpers --------------------------------------------------------------------------------
def _resolve(file_or_name: str) -> Path:
    """A scenario file path, or the file of a bundled example of that name."""
    path = Path(file_or_name)
    if path.exists():
        return path
    from ..examples import example_path, list_examples

    if file_or_name in list_examples():
        return example_path(file_or_name)
    raise CliError(
        f"{file_or_name}: no such file, and not a bundled example ({', '.join(list_examples())})"
    )


def _load(file_or_name: str):
    path = _resolve(file_or_name)
    return load_scenario(path), path.parent


def _table(headers: list[str], rows: list[list]) -> str:
    """A plain fixed-width text table."""

    def fmt(v):
        if isinstance(v, float):
            if math.isinf(v):
                return "inf"
            return f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.0f}"
        return str(v)

    cells = [[fmt(v) for v in row] for row in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    # Text left-aligned, numbers right-aligned.
    lines += [
        "  ".join(
            c.ljust(w) if isinstance(v, str) else c.rjust(w)
            for c, v, w in zip(cells_row, row, widths, strict=True)
        )
        for cells_row, row in zip(cells, rows, strict=True)
    ]
    return "\n".join(lines)


def _emit_json(data) -> None:
    print(json_text(data))


def _executor(args):
    """The executor chosen by ``--executor`` / ``--scheduler`` / ``--workers`` (default: Dask if
    a scheduler address is given or in DASK_SCHEDULER_ADDRESS, else local processes; at most
    one worker per core unless ``--force-workers``)."""
    from simulator.executors import make_executor

    try:
        return make_executor(
            args.executor, args.scheduler, args.workers, force_workers=args.force_workers
        )
    except ValueError as err:  # the library names its argument; the user typed the option
        raise CliError(str(err).replace("`workers`", "--workers")) from None


def _progress_bar(args, unit: str):
    """``progress(done, total)`` drawing a bar on stderr (a terminal, or ``--progress``)."""

    def progress(done, total):
        if args.format != "json" and sys.stderr.isatty() or args.progress:
            width = 30
            filled = int(width * done / total)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {unit}")
            sys.stderr.flush()
            _bar_open[0] = done != total
            if done == total:
                sys.stderr.write("\n")

    return progress


def _stage(args, text: str) -> None:
    """One line on stderr as a long command starts a stage (a terminal, or ``--progress``)."""
    if args.progress or (args.format != "json" and sys.stderr.isatty()):
        print(f"ccplan {args.command}: {text} ...", file=sys.stderr, flush=True)


# ----- commands -------------------------------------------------------------------------------
