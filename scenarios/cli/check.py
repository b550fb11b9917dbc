"""``ccplan check``: the SLA verdict (clauses, their price, cost curve, breach risk, peak day)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from erlang import SLDefinition

from ._common import (
    _emit_json,
    _end_bar,
    _executor,
    _load,
    _stage,
    _table,
)


def _check_verdict(args, executor=None, progress=None):
    """The verdict ``ccplan check`` reports: the scenario planned once, then ``verdict``;
    ``executor`` runs the replications (default: in this process). ``progress(stage, so_far)``
    sees each stage start with the verdict so far (see ``scenarios.verdict.verdict``)."""
    from ..pipeline import plan
    from ..verdict import verdict

    scenario, base_dir = _load(args.file)

    def stage(text, so_far):
        _stage(args, text)
        if progress is not None:
            progress(text, so_far)

    return verdict(
        plan(scenario, args.model, base_dir=base_dir),
        fte=args.fte,
        budget=args.budget,
        replications=args.replications,
        seed=args.seed,
        max_p_breach=args.max_p_breach,
        executor=executor,
        progress=stage,
        base_dir=base_dir,
    )


def cmd_check(args) -> None:
    """The SLA verdict in the contract's language."""
    from dataclasses import replace

    from ..output.report import write_report

    so_far = [None]  # the verdict computed before the stage running now

    def keep(_text, partial):
        so_far[0] = partial

    try:
        with _executor(args) as executor:
            result = _check_verdict(args, executor, keep)
    except KeyboardInterrupt:
        partial = so_far[0]
        if args.report and partial is not None:  # the closed-form verdict at least is done
            partial = replace(
                partial,
                warnings=partial.warnings
                + (
                    "interrupted: sections not listed here (breach risk, staffing for risk, "
                    "peak day) were not computed",
                ),
            )
            write_report(partial, Path(args.report))
            _end_bar()
            print(f"ccplan check: saved the finished sections to {args.report}", file=sys.stderr)
        raise
    data = result.to_dict()
    if args.report:
        data["written"] = [str(p) for p in write_report(result, Path(args.report))]
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
    per_day = 24 * 60 // result.interval_minutes
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
