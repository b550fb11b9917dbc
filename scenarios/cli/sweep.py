"""``ccplan sweep``: plan a grid of scenario variants into one tidy table and plots."""

from __future__ import annotations

import sys

from ..interrupts import acknowledge
from ._common import (
    _emit_json,
    _end_bar,
    _executor,
    _load,
    _progress_bar,
    _table,
)
from ._outputs import OutputFolder


def cmd_sweep(args) -> None:
    """Plan a grid of scenarios (``--vary PATH=VALUES``); a tidy table, optionally files."""
    from ..sweep import SweepInterrupted, run_sweep, write_sweep

    if args.out:
        OutputFolder(args.out, "sweep", force=args.force).check()
    scenario, base = _load(args.file)
    try:
        with _executor(args) as executor:
            result = run_sweep(
                scenario,
                args.vary,
                model=args.model,
                base_dir=base,
                replications=args.replications,
                seed=args.seed,
                executor=executor,
                progress=_progress_bar(args, "grid points"),
            )
    except SweepInterrupted as stop:
        acknowledge()  # saving what finished is the handling of the stop
        if args.out and stop.partial.points:
            folder = OutputFolder(args.out, "sweep", force=args.force)
            folder.done(write_sweep(stop.partial, folder.claim(), plots=False)[0], complete=False)
            _end_bar()
            print(
                f"ccplan sweep: saved the {len(stop.partial.points)} finished grid point(s) "
                f"to {args.out}",
                file=sys.stderr,
            )
        raise
    written, notes = [], []
    if args.out:
        folder = OutputFolder(args.out, "sweep", force=args.force)
        written, notes = write_sweep(result, folder.claim())
        folder.done(written)
    for note in notes:
        print(f"ccplan sweep: {note}", file=sys.stderr)
    if args.format == "json":
        _emit_json(
            {
                "scenario": result.scenario,
                "model": result.model,
                "currency": result.currency,
                "varied": {a.path: list(a.values) for a in result.axes},
                "replications": result.replications,
                "seed": result.seed,
                "rows": result.records(),
                "written": [str(p) for p in written],
            }
        )
        return
    points = len(result.points)
    risk = f", breach risk from {result.replications} replications" if args.replications else ""
    print(f"{result.scenario}: {points} grid point(s), model {result.model}{risk}")
    shown = [a.path for a in result.axes] + [
        "channel",
        "service_level",
        "sl_met",
        "peak_scheduled_agents",
        "scheduled_fte",
        "cost",
    ]
    if args.replications:
        shown.append("p_breach_worst")
    records = result.records()
    rows = [["" if r[c] is None else r[c] for c in shown] for r in records]
    headers = [c if c != "cost" else f"cost {result.currency}" for c in shown]
    print(_table(headers, rows))
    for path in written:
        print(f"wrote {path}")
