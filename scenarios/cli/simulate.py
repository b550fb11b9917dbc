"""``ccplan simulate``: replications of the planned staffing, saved even when interrupted."""

from __future__ import annotations

import sys

import numpy as np

from erlang import SLDefinition

from ..interrupts import acknowledge
from ..io import json_text, spreadsheet_text, write_atomic
from ._common import (
    _emit_json,
    _end_bar,
    _executor,
    _load,
    _progress_bar,
    _table,
)
from ._outputs import OutputFolder

REPLICATION_COLUMNS = (
    "offered",
    "answered",
    "abandoned",
    "lost",
    "waiting",
    "service_level",
    "service_level_excl_short_abandons",
    "service_level_of_answered",
    "abandon_rate",
    "asa_s",
    "mean_wait_s",
    "max_wait_s",
)


def _replications_csv(runs, seed) -> str:
    """One row per replication and channel: the run-level KPIs (SL definitions in the column
    names as in ``simulator.ChannelKPIs``)."""
    lines = [",".join(("replication", "seed", "channel", "threshold_s", *REPLICATION_COLUMNS))]
    for i, run in enumerate(runs):
        for name, k in run.run.channels.items():
            values = (
                repr(float(np.asarray(getattr(k, c)).ravel()[0])) for c in REPLICATION_COLUMNS
            )
            cells = (str(i), str(seed), spreadsheet_text(name), repr(float(k.threshold_s)))
            lines.append(",".join((*cells, *values)))
    return "\n".join(lines) + "\n"


def _save_simulation(args, runs, summary: dict | None, complete: bool) -> None:
    """``replications.csv`` (every finished replication) and ``summary.json``, atomically,
    in ``--out`` (the previous run's outputs removed: ``OutputFolder``)."""
    folder = OutputFolder(args.out, "simulate", force=args.force)
    out_dir = folder.claim()
    write_atomic(out_dir / "replications.csv", _replications_csv(runs, args.seed))
    doc = {
        "complete": complete,
        "replications_requested": args.replications,
        "replications_finished": len(runs),
        **(summary or {}),
    }
    write_atomic(out_dir / "summary.json", json_text(doc))
    folder.done(["replications.csv", "summary.json"], complete=complete)


def cmd_simulate(args) -> None:
    from simulator import ReplicationResult, replicate_in_batches

    from ..pipeline import plan
    from ..simulation import simulation_config, simulation_summary

    if args.out:
        OutputFolder(args.out, "simulate", force=args.force).check()
    scenario, base = _load(args.file)
    result = plan(scenario, args.model, base_dir=base)
    config = simulation_config(result)
    runs = []  # what has finished, saved even when the run is interrupted
    try:
        with _executor(args) as executor:
            for batch in replicate_in_batches(
                config,
                args.replications,
                args.seed,
                executor=executor,
                progress=_progress_bar(args, "replications"),
            ):
                runs += batch
    except KeyboardInterrupt:
        acknowledge()  # saving what finished is the handling of the stop
        if args.out and runs:
            summary = None
            if len(runs) >= 2:
                summary = simulation_summary(result, ReplicationResult(tuple(runs)), args.seed)
            _save_simulation(args, runs, summary, complete=False)
            _end_bar()
            print(
                f"ccplan simulate: saved the {len(runs)} finished replications to {args.out}",
                file=sys.stderr,
            )
        raise
    out = simulation_summary(result, ReplicationResult(tuple(runs)), args.seed)
    if args.out:
        _save_simulation(args, runs, out, complete=True)
    if args.format == "json":
        _emit_json(out)
        return
    rows = []
    for name, entry in out["channels"].items():
        for kpi, v in entry.items():
            if isinstance(v, dict):
                planned = v["planned"]
                rows.append(
                    [
                        name,
                        kpi,
                        v["simulated"],
                        f"{v['ci_low']:.4g} .. {v['ci_high']:.4g}",
                        "n/a" if planned is None or planned != planned else planned,
                    ]
                )
    print(
        f"{scenario.name}: {args.replications} replications (seed {args.seed}, "
        f"{out['engine']} engine), "
        "agents on duty = planned required agents"
    )
    for name, entry in out["channels"].items():
        definition = SLDefinition(entry["sl_definition"])
        print(f"  {name}: service level = {definition.describe(entry['threshold_s'])}")
    print(_table(["channel", "KPI", "simulated (pooled)", "95% CI", "planned (formula)"], rows))
    print(
        "simulated: pooled over the replications (e.g. answered within T / offered), 95% interval"
    )
    print("of the ratio estimator; shares within [0, 1]")
