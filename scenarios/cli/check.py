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


def _check_data(args, executor=None, data: dict | None = None):
    """Everything ``ccplan check`` reports, as plain data (also the JSON document);
    ``executor`` runs the replications (default: in this process). Sections are filled into
    ``data`` as they finish, so an interrupted check still holds the finished ones."""
    from ..verdict import (
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
    from ..output.report import write_report

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
