"""``ccplan``: the command line. Readable tables on the terminal, ``--format json`` for scripts.

Every error is one line on stderr and exit status 2; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

from erlang import SLDefinition, erlang_a_kpis, erlang_c_kpis, required_agents
from simulator.executors import ExecutorError

from .io import ScenarioError, load_scenario, write_atomic

EXIT_USAGE = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE


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
    from .examples import example_path, list_examples

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


def _plain(value):
    """JSON-ready data: numpy values and arrays as Python ones, NaN as null, infinities as the
    strings "inf" / "-inf" (strict JSON has neither)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return None
        return v if math.isfinite(v) else ("inf" if v > 0 else "-inf")
    if isinstance(value, SLDefinition):
        return value.value
    return value


def _emit_json(data) -> None:
    print(json.dumps(_plain(data), indent=2, allow_nan=False))


def _executor(args):
    """The executor chosen by ``--executor`` / ``--scheduler`` / ``--workers`` (default: Dask if
    a scheduler address is given or in DASK_SCHEDULER_ADDRESS, else local processes)."""
    from simulator.executors import make_executor

    return make_executor(args.executor, args.scheduler, args.workers)


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
def cmd_erlang(args) -> None:
    """Quick calculator: KPIs at a given agent count, or the agents a target needs."""
    cph = (
        args.calls_per_hour
        if args.calls_per_hour is not None
        else args.calls_per_interval * (3600.0 / (args.interval_minutes * 60.0))
    )
    if args.agents is None and all(
        v is None
        for v in (args.service_level, args.max_asa_s, args.max_abandon, args.max_occupancy)
    ):
        raise CliError(
            "give --agents, or a target (--service-level with --threshold-s, --max-asa-s, ...)"
        )
    definition = SLDefinition(args.sl_definition)
    out = {"calls_per_hour": cph, "aht_s": args.aht_s, "patience_s": args.patience_s}
    if args.agents is None:
        r = required_agents(
            cph,
            args.aht_s,
            patience_s=args.patience_s,
            service_level=args.service_level,
            threshold_s=args.threshold_s,
            sl_definition=definition,
            max_asa_s=args.max_asa_s,
            max_abandon=args.max_abandon,
            max_occupancy=args.max_occupancy,
        )
        out.update(agents=r.agents, reachable=r.reachable, binding=r.binding)
        agents = r.agents
    else:
        agents = args.agents
        out["agents"] = agents
    t = args.threshold_s if args.threshold_s is not None else 20.0
    models = {"erlang_c": erlang_c_kpis(cph, args.aht_s, agents, t)}
    if args.patience_s is not None:
        models["erlang_a"] = erlang_a_kpis(cph, args.aht_s, args.patience_s, agents, t)
    out["kpis"] = {
        name: {
            "model": k.model,
            "load_erlangs": k.load_erlangs,
            "p_wait": k.p_wait,
            "p_abandon": k.p_abandon,
            "service_level": {d.value: k.service_level_for(d) for d in SLDefinition},
            "threshold_s": t,
            "asa_s": k.asa_s,
            "mean_wait_s": k.mean_wait_s,
            "occupancy": k.occupancy,
        }
        for name, k in models.items()
    }
    if args.format == "json":
        _emit_json(out)
        return
    if args.agents is None:
        status = "" if out["reachable"] else " (targets NOT reachable)"
        print(f"{agents} agents needed{status}; binding target: {out['binding']}")
    rows = []
    for d in SLDefinition:
        rows.append(
            [f"service level ({d.describe(t)})"] + [k.service_level_for(d) for k in models.values()]
        )
    rows += [
        ["P(wait > 0)"] + [k.p_wait for k in models.values()],
        ["abandonment (of offered)"] + [k.p_abandon for k in models.values()],
        ["ASA [s] (answered contacts)"] + [k.asa_s for k in models.values()],
        ["mean wait [s] (all offered)"] + [k.mean_wait_s for k in models.values()],
        ["occupancy"] + [k.occupancy for k in models.values()],
    ]
    load = models["erlang_c"].load_erlangs
    print(f"{cph:g} calls/h x AHT {args.aht_s:g} s = {load:.4g} erlangs on {agents} agents")
    print(_table(["KPI"] + [m.replace("_", " ").title() for m in models], rows))


def cmd_validate(args) -> None:
    scenario, _ = _load(args.file)
    if args.format == "json":
        _emit_json(
            {"valid": True, "name": scenario.name, "channels": [c.name for c in scenario.channels]}
        )
    else:
        count = len(scenario.channels)
        print(f"{args.file}: valid scenario {scenario.name!r} with {count} channel(s)")


def cmd_plan(args) -> None:
    from .pipeline import plan

    scenario, base = _load(args.file)
    result = plan(scenario, args.model, base_dir=base)
    written = []
    if args.out:
        from .export import write_plan

        written = [str(p) for p in write_plan(result, Path(args.out))]
    if args.format == "json":
        from .export import plan_to_json

        data = plan_to_json(result)
        data["written"] = written
        _emit_json(data)
        return
    if args.format == "csv":
        from .export import intervals_csv

        sys.stdout.write(intervals_csv(result))
        return
    cur = result.currency
    print(
        f"{scenario.name}: {scenario.days} days from {scenario.start_date}, "
        f"{scenario.interval_minutes}-minute intervals, model {args.model}"
    )
    rows = []
    for name, p in result.channels.items():
        peak = result.peaks[name]
        unreachable = int(np.sum(~p.reachable))
        rows.append(
            [
                name,
                p.kind,
                p.model,
                int(p.required_agents.max()),
                int(p.scheduled_agents.max()),
                peak.calls_per_hour,
                peak.peak_to_average,
                unreachable,
            ]
        )
    print(
        _table(
            [
                "channel",
                "kind",
                "model",
                "peak required",
                "peak scheduled",
                "peak calls/h",
                "peak/avg",
                "unreachable intervals",
            ],
            rows,
        )
    )
    print()
    summary = result.months
    rows = [
        [
            label,
            summary.offered[i],
            summary.handled[i],
            summary.paid_hours[i],
            summary.fte[i],
            summary.cost[i],
            summary.revenue[i],
            summary.cost_per_contact[i],
        ]
        for i, label in enumerate(summary.label)
    ]
    t = result.total
    rows.append(
        [
            "total",
            t.offered[0],
            t.handled[0],
            t.paid_hours[0],
            t.fte[0],
            t.cost[0],
            t.revenue[0],
            t.cost_per_contact[0],
        ]
    )
    print(
        _table(
            [
                "month",
                "offered",
                "handled",
                "paid hours",
                "FTE",
                f"cost {cur}",
                f"revenue {cur}",
                f"cost/contact {cur}",
            ],
            rows,
        )
    )
    for path in written:
        print(f"wrote {path}")


#: Run-level KPIs written per replication by ``ccplan simulate --out`` (simulator names).
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
            lines.append(",".join((str(i), str(seed), name, repr(float(k.threshold_s)), *values)))
    return "\n".join(lines) + "\n"


def _save_simulation(out_dir: Path, runs, summary: dict | None, args, complete: bool) -> None:
    """``replications.csv`` (every finished replication) and ``summary.json``, atomically."""
    write_atomic(out_dir / "replications.csv", _replications_csv(runs, args.seed))
    doc = {
        "complete": complete,
        "replications_requested": args.replications,
        "replications_finished": len(runs),
        **(summary or {}),
    }
    write_atomic(out_dir / "summary.json", json.dumps(_plain(doc), indent=2, allow_nan=False))


def cmd_simulate(args) -> None:
    from simulator import ReplicationResult, replicate_in_batches

    from .pipeline import plan
    from .simulation import simulation_config, simulation_summary

    if args.replications < 2:
        raise CliError(
            "--replications must be at least 2 (for a confidence interval), "
            f"got {args.replications}"
        )
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
        if args.out and runs:
            summary = None
            if len(runs) >= 2:
                summary = simulation_summary(result, ReplicationResult(tuple(runs)), args.seed)
            _save_simulation(Path(args.out), runs, summary, args, complete=False)
            _end_bar()
            print(
                f"ccplan simulate: saved the {len(runs)} finished replications to {args.out}",
                file=sys.stderr,
            )
        raise
    out = simulation_summary(result, ReplicationResult(tuple(runs)), args.seed)
    if args.out:
        _save_simulation(Path(args.out), runs, out, args, complete=True)
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
                        v["simulated_mean"],
                        f"{v['ci_low']:.4g} .. {v['ci_high']:.4g}",
                        "n/a" if planned is None or planned != planned else planned,
                    ]
                )
    print(
        f"{scenario.name}: {args.replications} replications (seed {args.seed}), "
        "agents on duty = planned required agents"
    )
    for name, entry in out["channels"].items():
        definition = SLDefinition(entry["sl_definition"])
        print(f"  {name}: service level = {definition.describe(entry['threshold_s'])}")
    print(_table(["channel", "KPI", "simulated mean", "95% CI", "planned (formula)"], rows))


def _check_data(args, executor=None, data: dict | None = None):
    """Everything ``ccplan check`` reports, as plain data (also the JSON document);
    ``executor`` runs the replications (default: in this process). Sections are filled into
    ``data`` as they finish, so an interrupted check still holds the finished ones."""
    from .verdict import (
        breach_risk,
        busiest_day,
        cost_curve,
        feasibility,
        one_day,
        peak_check,
        staffing_for_risk,
    )

    scenario, _ = _load(args.file)
    model_name = {"erlang_a": "Erlang A", "erlang_c": "Erlang C"}[args.model]
    _stage(args, "the targets at the staffing on offer")
    feas = feasibility(scenario, fte=args.fte, budget=args.budget, model=args.model)
    per_year = 365.0 / scenario.days
    data = {} if data is None else data
    data.update(
        {
            "scenario": scenario.name,
            "model": args.model,
            "currency": feas.currency,
            "fte_required": feas.fte_required,
            "fte_offered": feas.fte_offered,
            "targets": [],
            "binding": feas.binding,
            "cost_of_standard": {},
            "breach_risk": {},
            "peak_day": {},
            "staffing_for_risk": {},
            "warnings": list(feas.warnings),
        }
    )
    for c in feas.checks:
        data["targets"].append(
            {
                "channel": c.channel,
                "clause": c.clause,
                "standard": c.description,
                "model": model_name,
                "met_every_period": bool(np.all(c.met)),
                "periods": [
                    {"period": str(p), "predicted": m, "gap": g, "met": bool(ok)}
                    for p, m, g, ok in zip(c.periods, c.measured, c.gap, c.met, strict=True)
                ],
                "failing_intervals": c.failing_intervals,
                "failing_interval_starts": list(c.failing_starts),
                "worst_interval": {"start": c.worst_start, "predicted": c.worst_value},
                "per_interval": c.per_interval,
                "price_fte": c.fte_saved,
                "price_per_year": c.cost_saved * per_year,
            }
        )
    for ch in scenario.channels:
        target = scenario.target_for(ch.name)
        if target is None or target.service_level is None:
            continue
        if ch.kind != "deferred":  # a deferred standard is a response time, not X within Y s
            _stage(args, f"cost of the standard, {ch.name}")
            curve = cost_curve(scenario, ch.name, model=args.model)
            i = int(np.argmin(np.abs(curve.service_levels - target.service_level)))
            j = int(np.argmin(np.abs(curve.thresholds_s - target.threshold_s)))
            data["cost_of_standard"][ch.name] = {
                "model": model_name,
                "sl_definition": curve.sl_definition.value,
                "service_levels": curve.service_levels,
                "thresholds_s": curve.thresholds_s,
                "cost_per_year": curve.cost_per_year,
                "fte": curve.fte,
                "current": {
                    "service_level": curve.service_levels[i],
                    "threshold_s": curve.thresholds_s[j],
                    "cost_per_year": curve.cost_per_year[i, j],
                },
            }
        _stage(args, f"breach risk, {ch.name} ({args.replications} replications)")
        risk = breach_risk(
            scenario,
            ch.name,
            agents=feas.on_duty[ch.name],
            model=args.model,
            replications=args.replications,
            seed=args.seed,
            executor=executor,
        )
        data["breach_risk"][ch.name] = {
            "model": f"simulation, {risk.replications} replications (seed {args.seed})",
            "standard": f"{risk.standard:.0%} {risk.sl_definition.describe(risk.threshold_s)}",
            "reporting_period": risk.reporting_period,
            "periods": [
                {
                    "period": str(p),
                    "p_breach": pb,
                    "p_breach_low": lo,
                    "p_breach_high": hi,
                    "expected_penalty": pen,
                    "expected_bonus": bon,
                }
                for p, pb, lo, hi, pen, bon in zip(
                    risk.periods,
                    risk.p_breach,
                    risk.p_breach_low,
                    risk.p_breach_high,
                    risk.expected_penalty,
                    risk.expected_bonus,
                    strict=True,
                )
            ],
            "expected_breaches_per_year": risk.expected_breaches_per_year,
            "expected_penalty_per_year": float(risk.expected_penalty.sum() * per_year),
            "expected_bonus_per_year": float(risk.expected_bonus.sum() * per_year),
        }
        data["warnings"] += list(risk.warnings)
        _stage(args, f"staffing for P(breach) <= {args.max_p_breach:.0%}, {ch.name}")
        extra, risk_after = staffing_for_risk(
            scenario,
            ch.name,
            max_p_breach=args.max_p_breach,
            agents=feas.on_duty[ch.name],
            model=args.model,
            replications=args.replications,
            seed=args.seed,
            executor=executor,
        )
        data["staffing_for_risk"][ch.name] = {
            "max_p_breach": args.max_p_breach,
            "extra_agents_per_staffed_interval": extra,
            "model": f"simulation, {risk_after.replications} replications (seed {args.seed})",
            "standard": f"{risk_after.standard:.0%} "
            f"{risk_after.sl_definition.describe(risk_after.threshold_s)}",
            "p_breach": risk_after.p_breach,
        }
        if ch.kind == "deferred":
            continue
        day = busiest_day(scenario, ch.name)
        _stage(args, f"busiest day simulated, {ch.name}")
        peak = peak_check(
            one_day(scenario, day),
            ch.name,
            model=args.model,
            replications=args.replications,
            seed=args.seed,
            executor=executor,
        )
        starts = one_day(scenario, day).start_date
        data["peak_day"][ch.name] = {
            "date": str(starts),
            "model": f"simulation of the whole day, {peak.replications} replications",
            "sl_definition": peak.sl_definition.describe(peak.threshold_s),
            "intervals_short_of_target_at_erlang_staffing": [int(i) for i in peak.short_intervals],
            "sl_formula": peak.sl_formula,
            "sl_simulated_erlang_staffing": peak.sl_sim_erlang,
            "sl_simulated_iterated_staffing": peak.sl_sim_isa,
            "extra_agent_hours": peak.extra_agent_hours,
            "converged": peak.converged,
        }
    return data


def cmd_check(args) -> None:
    """The SLA verdict in the contract's language."""
    from .report import write_report

    data: dict = {}
    try:
        with _executor(args) as executor:
            _check_data(args, executor, data)
    except KeyboardInterrupt:
        if args.report and "targets" in data:  # the closed-form verdict at least is done
            data["warnings"].append(
                "interrupted: sections not listed here (breach risk, staffing for risk, "
                "peak day) were not computed"
            )
            write_report(data, Path(args.report))
            _end_bar()
            print(f"ccplan check: saved the finished sections to {args.report}", file=sys.stderr)
        raise
    if args.report:
        data["written"] = [str(p) for p in write_report(data, Path(args.report))]
    if args.format == "json":
        _emit_json(data)
        return
    cur = data["currency"]
    print(
        f"{data['scenario']}: {data['fte_offered']:.1f} FTE on offer, "
        f"{data['fte_required']:.1f} FTE needed by the plan ({data['model']})"
    )
    rows = []
    for t in data["targets"]:
        worst = max(t["periods"], key=lambda p: p["gap"])
        verdict = (
            "met"
            if t["met_every_period"]
            else f"missed in {sum(not p['met'] for p in t['periods'])}"
        )
        rows.append(
            [
                t["channel"],
                t["standard"],
                verdict,
                f"{worst['period']}: {worst['predicted']:.4g}",
                f"{t['worst_interval']['start']}: {t['worst_interval']['predicted']:.4g}",
                t["failing_intervals"],
                t["price_fte"],
                t["price_per_year"],
            ]
        )
    print(
        _table(
            [
                "channel",
                "standard",
                "verdict (periods)",
                "worst period: predicted",
                "binding peak (interval): predicted",
                "failing intervals",
                "price [FTE]",
                f"price [{cur}/yr]",
            ],
            rows,
        )
    )
    for channel, clause in data["binding"].items():
        print(f"binding target for {channel}: {clause}")
    for channel, c in data["cost_of_standard"].items():
        cur_cost = c["current"]["cost_per_year"]
        sls, costs = list(c["service_levels"]), np.asarray(c["cost_per_year"])
        j = list(c["thresholds_s"]).index(c["current"]["threshold_s"])
        i = sls.index(c["current"]["service_level"])
        parts = [
            f"{sls[k]:.0%}/{c['current']['threshold_s']:g}s {costs[k, j] - cur_cost:+,.0f}"
            for k in (i - 1, i + 1)
            if 0 <= k < len(sls)
        ]
        print(
            f"cost of the standard ({channel}, {c['model']}, SL "
            f"{SLDefinition(c['sl_definition']).describe(c['current']['threshold_s'])}, "
            "whole scenario): "
            f"{cur_cost:,.0f} {cur}/yr; " + "; ".join(parts)
        )
    for channel, r in data["breach_risk"].items():
        worst = max(r["periods"], key=lambda p: p["p_breach"])
        print(
            f"breach risk ({channel}, {r['standard']} per {r['reporting_period']}, {r['model']}): "
            f"{r['expected_breaches_per_year']:.1f} breached periods a year expected; "
            f"worst {worst['period']} P = {worst['p_breach']:.2f}; expected penalty "
            f"{r['expected_penalty_per_year']:,.0f} {cur}/yr, "
            f"bonus {r['expected_bonus_per_year']:,.0f} {cur}/yr"
        )
    for channel, r in data["staffing_for_risk"].items():
        print(
            f"to keep P(breach) <= {r['max_p_breach']:.0%} in every period ({channel}, "
            f"{r['standard']}, {r['model']}): "
            f"{r['extra_agents_per_staffed_interval']} more agent(s) in every staffed interval"
        )
    per_day = 24 * 60 // _load(args.file)[0].interval_minutes
    for channel, p in data["peak_day"].items():
        short = p["intervals_short_of_target_at_erlang_staffing"]
        times = (
            ", ".join(
                f"{i * 24 * 60 // per_day // 60:02d}:{i * 24 * 60 // per_day % 60:02d}"
                for i in short
            )
            or "none"
        )
        print(
            f"busiest day {p['date']} ({channel}, {p['model']}, SL {p['sl_definition']}): "
            "intervals where the simulated SL falls short of the target at per-interval "
            f"Erlang staffing: {times}; iterated staffing meets it everywhere with "
            f"{p['extra_agent_hours']:.1f} extra agent-hours"
        )
    for w in data["warnings"]:
        print(f"warning: {w}")


def cmd_sweep(args) -> None:
    """Plan a grid of scenarios (``--vary PATH=VALUES``); a tidy table, optionally files."""
    from .sweep import SweepInterrupted, run_sweep, write_sweep

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
        if args.out and stop.partial.points:
            write_sweep(stop.partial, Path(args.out), plots=False)
            _end_bar()
            print(
                f"ccplan sweep: saved the {len(stop.partial.points)} finished grid point(s) "
                f"to {args.out}",
                file=sys.stderr,
            )
        raise
    written, notes = write_sweep(result, Path(args.out)) if args.out else ([], [])
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


def cmd_examples(args) -> None:
    from .examples import describe_example, example_path, list_examples

    if args.copy:
        name, directory = args.copy
        if name not in list_examples():
            raise CliError(f"unknown example {name!r}; bundled: {', '.join(list_examples())}")
        target = Path(directory) / example_path(name).name
        write_atomic(target, example_path(name).read_bytes())  # never a half-copied file
        print(str(target) if args.format != "json" else json.dumps({"written": str(target)}))
        return
    names = list_examples()
    if args.format == "json":
        _emit_json([{"name": n, "description": describe_example(n)} for n in names])
        return
    for n in names:
        print(f"{n}\n    {describe_example(n)}")


def cmd_history(args) -> None:
    """Import call records: the import report, statistics, patience, backtest, staffing."""
    from .history import analyse_history
    from .history_import import load_mapping

    mapping = load_mapping(args.mapping) if args.mapping else None
    h = analyse_history(
        args.file,
        mapping,
        interval_minutes=args.interval_minutes,
        threshold_s=args.threshold_s,
        busy_min_offered=args.busy_min_offered,
        replications=args.replications,
        seed=args.seed,
    )
    written = []
    if args.plots:
        from .history_plots import backtest_figure, patience_figure, staffing_figure
        from .plots import save_png

        for name, fig in (
            ("backtest.png", backtest_figure(h.backtest)),
            ("staffing.png", staffing_figure(h.backtest)),
            ("patience.png", patience_figure(h.backtest.patience)),
        ):
            written.append(str(save_png(fig, Path(args.plots) / name)))
    if args.scenario_out:
        from .calibrate import calibrate
        from .io import save_scenario

        save_scenario(
            calibrate(h.calls, interval_minutes=args.interval_minutes).scenario, args.scenario_out
        )
        written.append(args.scenario_out)
    data = h.to_dict()
    data["written"] = written
    if args.format == "json":
        _emit_json(data)
        return
    rep, bt, pat = h.report, h.backtest, h.backtest.patience
    print(
        f"{rep.source}: {rep.rows_in} rows read, {rep.kept} kept (offered calls), "
        f"{rep.rows_in - rep.kept} dropped"
    )
    rows = [[f"kept: {k}", v, ""] for k, v in rep.kept_by_kind.items()]
    rows += [[f"dropped: {k}", v, rep.first_dropped_line[k]] for k, v in rep.dropped.items()]
    print(_table(["rows", "count", "first line"], rows))
    d, t = h.days, bt.threshold_s
    print()
    print(
        _table(
            [
                "day",
                "offered",
                "answered",
                "abandoned",
                f"SL of offered ({t:g} s)",
                "SL excl short abandons",
                "SL of answered",
                "ASA [s]",
                "AHT [s]",
            ],
            [
                [
                    str(d.start[i])[:10],
                    int(d.offered[i]),
                    int(d.answered[i]),
                    int(d.abandoned[i]),
                    float(d.service_level[i]),
                    float(d.service_level_excl_short_abandons[i]),
                    float(d.service_level_of_answered[i]),
                    float(d.asa_s[i]),
                    float(d.aht_s[i]),
                ]
                for i in range(d.offered.size)
            ],
        )
    )
    f = bt.handle
    print(
        f"\nhandle time (recorded): mean {f.mean_s:.1f} s, CV {f.cv:.2f}, "
        f"median {f.median_s:.0f} s; lognormal fit mean {f.lognormal_mean_s:.1f} s, "
        f"CV {f.lognormal_cv:.2f} (KS distance {f.ks_distance:.3f})"
    )
    print(
        f"patience: mean {pat.mean_s:.1f} s (95% CI {pat.ci_low_s:.1f} .. "
        f"{pat.ci_high_s:.1f}), Kaplan-Meier median {pat.km_median_s:.0f} s; "
        f"{pat.abandoned} abandonments, {pat.censored_share:.0%} censored\n"
        f"  method: {pat.method}; not the mean wait of abandoners "
        f"({pat.naive_abandoner_mean_s:.1f} s, biased low)"
    )
    for band, e in h.patience_by_band.items():
        mean = f"{e.mean_s:.1f} s" if e.abandoned else "not estimable (nobody abandoned)"
        print(f"  patience {band}: {mean} ({e.offered} offered, {e.abandoned} abandoned)")
    for line in bt.staffing.method:
        print(f"staffing {line}")
    print(
        f"\nbacktest: SL = {bt.sl_definition}; mean absolute error over {int(bt.busy.sum())} "
        f"busy intervals (>= {bt.busy_min_offered} offered); simulation {bt.replications} "
        f"replications, seed {bt.seed}"
    )
    print(
        _table(
            [
                "inputs",
                "model",
                "AHT [s]",
                "MAE SL",
                "MAE abandonment",
                "MAE ASA [s]",
                "bias SL",
                "bias abandonment",
            ],
            [
                [
                    r["inputs"],
                    r["model"],
                    r["aht_s"],
                    r["mae_service_level"],
                    r["mae_abandon_rate"],
                    r["mae_asa_s"],
                    r["bias_service_level"],
                    r["bias_abandon_rate"],
                ]
                for r in bt.mae_table()
            ],
        )
    )
    for note in bt.notes:
        print(f"note: {note}")
    obs, st, a = bt.observed, bt.staffing, bt.variants["corrected"].predictions["erlang_a"]
    print(
        f"\nbusy intervals: observed vs Erlang A (corrected), and the agents needed for "
        f"{bt.target_service_level:.0%} {bt.sl_definition}"
    )
    print(
        _table(
            [
                "start",
                "offered",
                "SL observed",
                "SL Erlang A",
                "abandoned observed",
                "abandoned Erlang A",
                "agents served",
                "agents available",
                "agents needed",
            ],
            [
                [
                    str(obs.start[i])[11:16],
                    int(obs.offered[i]),
                    float(obs.service_level[i]),
                    float(a.service_level[i]),
                    float(obs.abandon_rate[i]),
                    float(a.abandon_rate[i]),
                    int(st.agents_serving[i]),
                    float(st.agents_available[i]),
                    int(bt.required_agents[i]),
                ]
                for i in map(int, np.flatnonzero(bt.busy))
            ],
        )
    )
    for path in written:
        print(f"wrote {path}")


# ----- parser ---------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse's own convention)
        self.exit(EXIT_USAGE, f"{self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ccplan", description="Contact-center capacity planner.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def fmt(p, choices=("table", "json")):
        p.add_argument("--format", choices=choices, default="table", help="output format")

    def executor_options(p):
        g = p.add_argument_group("where the work runs")
        g.add_argument(
            "--executor",
            choices=("serial", "processes", "dask"),
            help="default: dask when a scheduler address is given (--scheduler or "
            "DASK_SCHEDULER_ADDRESS), else local processes",
        )
        g.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="Dask scheduler address")
        g.add_argument(
            "--workers", type=int, metavar="N", help="local worker processes (default: all cores)"
        )

    e = sub.add_parser("erlang", help="quick Erlang C / Erlang A calculator")
    vol = e.add_mutually_exclusive_group(required=True)
    vol.add_argument("--calls-per-hour", type=float)
    vol.add_argument("--calls-per-interval", type=float)
    e.add_argument("--interval-minutes", type=int, default=30, choices=(15, 30, 60))
    e.add_argument("--aht-s", type=float, required=True, help="average handle time [s]")
    e.add_argument("--patience-s", type=float, help="mean patience [s] (adds Erlang A)")
    e.add_argument("--agents", type=int, help="KPIs at this many agents")
    e.add_argument("--service-level", type=float, help="target as a fraction, e.g. 0.8")
    e.add_argument("--threshold-s", type=float, help="SL threshold [s], e.g. 20")
    e.add_argument("--sl-definition", choices=[d.value for d in SLDefinition], default="of_offered")
    e.add_argument("--max-asa-s", type=float)
    e.add_argument("--max-abandon", type=float)
    e.add_argument("--max-occupancy", type=float)
    fmt(e)
    e.set_defaults(func=cmd_erlang)

    v = sub.add_parser("validate", help="check a scenario file")
    v.add_argument("file", help="scenario file or bundled example name")
    fmt(v)
    v.set_defaults(func=cmd_validate)

    p = sub.add_parser("plan", help="staffing, FTE and cost for a scenario")
    p.add_argument("file", help="scenario file or bundled example name")
    p.add_argument("--model", choices=("erlang_a", "erlang_c"), default="erlang_a")
    p.add_argument("--out", help="directory to write CSV, JSON and PNG results to")
    fmt(p, ("table", "csv", "json"))
    p.set_defaults(func=cmd_plan)

    s = sub.add_parser("simulate", help="simulate the planned staffing (replications)")
    s.add_argument("file", help="scenario file or bundled example name")
    s.add_argument("--replications", type=int, default=10)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--model", choices=("erlang_a", "erlang_c"), default="erlang_a")
    s.add_argument("--progress", action="store_true", help="show the progress bar even when piped")
    s.add_argument(
        "--out",
        help="directory for replications.csv and summary.json (written even when interrupted)",
    )
    fmt(s)
    executor_options(s)
    s.set_defaults(func=cmd_simulate)

    c = sub.add_parser("check", help="the SLA verdict: targets, their price, cost, breach risk")
    c.add_argument("file", help="scenario file or bundled example name")
    offer = c.add_mutually_exclusive_group()
    offer.add_argument("--fte", type=float, help="headcount on offer [FTE] (default: the plan's)")
    offer.add_argument("--budget", type=float, help="budget over the horizon (workforce currency)")
    c.add_argument("--model", choices=("erlang_a", "erlang_c"), default="erlang_a")
    c.add_argument("--replications", type=int, default=30)
    c.add_argument("--seed", type=int, default=1)
    c.add_argument("--max-p-breach", type=float, default=0.1, help="risk for the inverse question")
    c.add_argument("--report", help="directory to write verdict.md and its plots to")
    c.add_argument("--progress", action="store_true", help="name each stage on stderr")
    fmt(c)
    executor_options(c)
    c.set_defaults(func=cmd_check)

    w = sub.add_parser("sweep", help="plan a grid of scenario variants; one tidy table + plots")
    w.add_argument("file", help="scenario file or bundled example name")
    w.add_argument(
        "--vary",
        action="append",
        required=True,
        metavar="PATH=VALUES",
        help="a field and its values: targets.voice.service_level=0.7:0.95:0.05 (start:stop:step,"
        " stop included) or workforce.max_occupancy=0.8,0.85 (a list); repeat for a grid",
    )
    w.add_argument("--model", choices=("erlang_a", "erlang_c"), default="erlang_a")
    w.add_argument("--replications", type=int, help="also simulate the breach risk with this many")
    w.add_argument("--seed", type=int, default=1)
    w.add_argument("--out", help="directory to write sweep.csv, sweep.parquet and PNG plots to")
    w.add_argument("--progress", action="store_true", help="show the progress bar even when piped")
    fmt(w)
    executor_options(w)
    w.set_defaults(func=cmd_sweep)

    hi = sub.add_parser("history", help="import call records: statistics, patience, backtest")
    hi.add_argument("file", help="call-level CSV export (one row per call)")
    hi.add_argument("--mapping", help="YAML/JSON column mapping (default: Anonymous Bank format)")
    hi.add_argument("--interval-minutes", type=int, default=30, choices=(15, 30, 60))
    hi.add_argument("--threshold-s", type=float, default=20.0, help="SL threshold [s]")
    hi.add_argument(
        "--busy-min-offered", type=int, default=30, help="offered calls in a busy interval"
    )
    hi.add_argument("--replications", type=int, default=5, help="simulation replications (0: none)")
    hi.add_argument("--seed", type=int, default=1)
    hi.add_argument("--plots", help="directory to write backtest, staffing and patience PNGs to")
    hi.add_argument("--scenario-out", help="write the calibrated scenario (YAML or JSON) here")
    fmt(hi)
    hi.set_defaults(func=cmd_history)

    x = sub.add_parser("examples", help="list the bundled scenarios")
    x.add_argument("--copy", nargs=2, metavar=("NAME", "DIR"), help="write one out to edit")
    fmt(x)
    x.set_defaults(func=cmd_examples)
    return parser


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # usage errors (one line, status 2) and --help (status 0)
        return int(exit_.code or 0)
    except KeyboardInterrupt:  # Ctrl-C before the command even started: still one line
        print("ccplan: interrupted", file=sys.stderr)
        return 130
    try:
        args.func(args)
    except (CliError, ScenarioError, ValueError, OSError, ExecutorError) as err:
        _end_bar()
        print(f"ccplan {args.command}: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        _end_bar()
        print(f"ccplan {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # a bug: still one line, never a traceback (the fuzz tests fail on it)
        _end_bar()
        print(
            f"ccplan {args.command}: internal error ({type(err).__name__}: {err}); please "
            "report it with the command and the file",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    return 0


if __name__ == "__main__":
    sys.exit(main())
