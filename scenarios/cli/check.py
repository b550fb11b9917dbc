"""``ccplan check``: the SLA verdict (clauses, their price, cost curve, breach risk, peak day)."""

from __future__ import annotations

import sys

import numpy as np

from erlang import SLDefinition

from ..interrupts import acknowledge
from ..verdict._common import sl_words
from ._common import (
    _emit_json,
    _end_bar,
    _executor,
    _load,
    _stage,
    _table,
)
from ._outputs import OutputFolder
from .skills import skills_document, skills_lines


def _planned(args):
    """The scenario of ``args.file`` planned with ``args.model``, and the directory its files
    are read from: planned once per command (the verdict and the report's pricing share it)."""
    from ..pipeline import plan

    scenario, base_dir = _load(args.file)
    return plan(scenario, args.model, base_dir=base_dir), base_dir


def _check_verdict(args, executor=None, progress=None, planned=None):
    """The verdict ``ccplan check`` reports: the scenario planned once (or ``planned``, from
    ``_planned``), then ``verdict``; ``executor`` runs the replications (default: in this
    process). ``progress(stage, so_far)`` sees each stage start with the verdict so far (see
    ``scenarios.verdict.verdict``)."""
    from ..verdict import SECTIONS, verdict

    planned_result, base_dir = _planned(args) if planned is None else planned

    def stage(text, so_far):
        _stage(args, text)
        if progress is not None:
            progress(text, so_far)

    return verdict(
        planned_result,
        fte=args.fte,
        budget=args.budget,
        replications=args.replications,
        seed=args.seed,
        max_p_breach=args.max_p_breach,
        executor=executor,
        progress=stage,
        base_dir=base_dir,
        compare=getattr(args, "compare", None),
        sections=SECTIONS + (("period_optimal_risk",) if args.risk_optimal else ()),
    )


def _pricing(args, result, planned):
    """The report's Pricing section: (``PricingAnalysis``, ``TermResult`` or None), or
    (None, None) for a scenario without pricing; the term's penalties are the verdict's.
    ``planned``: the check's plan and base directory (``_planned``)."""
    from .price import price_data

    plan_result, base_dir = planned
    if plan_result.scenario.pricing is None:
        return None, None
    _stage(args, "pricing under volume risk")
    return price_data(plan_result, base_dir, result.clause_risks)


def cmd_check(args) -> None:
    """The SLA verdict in the contract's language."""
    from dataclasses import replace

    if args.report:
        OutputFolder(args.report, "check", force=args.force, option="--report").check()
    so_far = [None]  # the verdict computed before the stage running now

    def keep(_text, partial):
        so_far[0] = partial

    try:
        planned = _planned(args)
        with _executor(args) as executor:
            result = _check_verdict(args, executor, keep, planned)
    except KeyboardInterrupt:
        acknowledge()  # saving what finished is the handling of the stop
        partial = so_far[0]
        if args.report and partial is not None:  # the closed-form verdict at least is done
            from ..output.report import write_report  # matplotlib: only when a report is asked

            partial = replace(
                partial,
                warnings=partial.warnings
                + (
                    "interrupted: sections not listed here (breach risk, staffing for risk, "
                    "peak day) were not computed",
                ),
            )
            folder = OutputFolder(args.report, "check", force=args.force, option="--report")
            folder.done(write_report(partial, folder.claim()), complete=False)
            _end_bar()
            print(f"ccplan check: saved the finished sections to {args.report}", file=sys.stderr)
        raise
    data = result.to_dict()
    data.update(skills_document(args))
    if getattr(args, "roster", False):
        data["roster"] = _rosters(args)
    if args.report:
        from ..output.html import pdf_unavailable_reason
        from ..output.report import write_report  # matplotlib: only when a report is asked
        from .hiring import hiring_document

        data.update(hiring_document(args))
        pricing, term = _pricing(args, result, planned)
        if pricing is not None:
            data["pricing"] = pricing.to_dict()
            data["pricing"]["term"] = term.to_dict() if term is not None else None
        folder = OutputFolder(args.report, "check", force=args.force, option="--report")
        written = write_report(result, folder.claim(), data, pricing=pricing, term=term)
        data["written"] = [str(p) for p in written]
        folder.done(data["written"])
        reason = pdf_unavailable_reason()
        if reason:
            print(f"ccplan check: {reason}", file=sys.stderr)
    if args.format == "json":
        _emit_json(data)
        return
    _print_verdict(data)
    if "skills" in data:
        print("\n".join(skills_lines(data["skills"])))
    for objective, roster in data.get("roster", {}).items():
        for channel, c in roster["channels"].items():
            print(
                f"roster ({objective}, {channel}): {c['fte']:,.1f} FTE rostered against "
                f"{c['requirement_only']['fte']:,.1f} FTE of requirement only; efficiency "
                f"{c['efficiency']:.1%}, gap to the bound {c['gap']:.2%}"
            )
    for channel, p in data["peak_day"].items():

        def clock(indices, p=p):
            return ", ".join(p["intervals"][i]["start"][11:16] for i in indices) or "none"

        short = p["intervals_short_of_target_at_erlang_staffing"]
        head = (
            f"busiest day {p['date']} ({channel}, {p['model']}, SL {p['sl_definition']}): "
            "intervals whose simulated SL is short of the target (upper bound below it) at "
            f"per-interval Erlang staffing: {clock(short)}"
        )
        if p["converged"] and not p["intervals_still_short"]:
            tail = (
                "iterated staffing meets it in every interval (lower bounds clear the target, "
                f"on fresh seeds) with {p['extra_agent_hours']:.1f} extra agent-hours"
            )
        else:
            tail = (
                f"iterated staffing ({p['extra_agent_hours']:.1f} extra agent-hours, "
                f"{p['iterations']} passes) does not yet meet it with confidence in: "
                f"{clock(p['intervals_still_short'])}"
            )
        print(f"{head}; {tail}")
    for w in data["warnings"]:
        print(f"warning: {w}")


def _rosters(args) -> dict:
    """``--roster``: the scenario's shift roster under each objective (``roster`` documents,
    keyed by objective): seconds per week and channel, hence opt-in."""
    from ..pipeline import plan
    from ..roster.optimize import OBJECTIVES, optimize_roster

    _stage(args, "rostering the shifts (both objectives)")
    scenario, base_dir = _load(args.file)
    result = plan(scenario, args.model, base_dir=base_dir)
    return {o: optimize_roster(result, objective=o).to_dict() for o in OBJECTIVES}


def _percent(p) -> str:
    return "n/a" if p is None else f"{p:.1%}"


def _print_verdict(data: dict) -> None:
    """Everything but the busiest day, in the contract's language."""
    from ..verdict import MODEL_NAMES, risk_staffing_text

    cur = data["currency"]
    print(
        f"{data['scenario']}: {data['fte_offered']:.1f} FTE on offer, "
        f"{data['fte_required']:.1f} FTE needed by the plan "
        f"({MODEL_NAMES.get(data['model'], data['model'])})"
    )
    if data["fte_allocation"]:
        parts = [
            f"{ch} {a['fte']:.1f} FTE ({a['share']:.1%}; needs {a['fte_needed']:.1f})"
            for ch, a in data["fte_allocation"].items()
        ]
        print("the offer split in proportion to need: " + ", ".join(parts))
    for x in data["excluded"]:
        print(
            f"not measured ({x['channel']}): {x['label'] or 'unnamed'} {x['start']} to {x['end']}"
            f" -- {x['reason']}"
        )
    rows = []
    for t in data["targets"]:
        measured = [p for p in t["periods"] if p["measured"]]
        if not measured:
            verdict, worst_text = "not measured (all excluded)", "-"
        else:
            worst = max(measured, key=lambda p: p["gap"])
            missed = sum(not p["met"] for p in measured)
            verdict = "met" if not missed else f"missed in {missed} of {len(measured)}"
            worst_text = f"{worst['period']}: {worst['predicted']:.4g}"
        rows.append(
            [
                t["channel"],
                t["standard"],
                verdict,
                worst_text,
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
                "verdict (measured periods)",
                "worst period: predicted",
                "worst interval: predicted",
                "failing intervals",
                "price [FTE]",
                f"price [{cur}/yr]",
            ],
            rows,
        )
    )
    for channel, clause in data["binding"].items():
        print(f"binding clause for {channel} (the one whose removal saves most): {clause}")
    for channel, c in data["cost_of_standard"].items():
        print(_cost_line(channel, c, cur))
    risk_rows = [
        [
            channel,
            r["standard"],
            r["reporting_period"],
            f"{r['p_breach_worst']:.2f}",
            r["expected_breaches_per_year"],
            _percent(r["p_at_least_breaches_per_year"].get("2")),
            _percent(r["p_consecutive_breaches_per_year"].get("2")),
            r["expected_penalty_per_year"],
            r["expected_bonus_per_year"],
        ]
        for channel, per in data["breach_risk"].items()
        for r in per["clauses"]
    ]
    if risk_rows:
        model = next(iter(data["breach_risk"].values()))["model"]
        print(f"breach risk at the staffing on offer ({model}):")
        print(
            _table(
                [
                    "channel",
                    "clause",
                    "per",
                    "worst P(breach)",
                    "breaches/yr",
                    "P(>=2 a year)",
                    "P(2 in a row)",
                    f"penalty [{cur}/yr]",
                    f"bonus [{cur}/yr]",
                ],
                risk_rows,
            )
        )
    for channel, r in data["staffing_for_risk"].items():
        print(f"{channel}: {risk_staffing_text(r)}")
    for channel, p in data["period_optimal"].items():
        checked = (
            "meets every clause on average with 95% confidence"
            if p["verified"]
            else "NOT confirmed: a clause is still missed on average"
        )
        print(
            f"period-optimal staffing ({channel}; every clause met per reporting period as the "
            f"contract measures it; closed forms with margins of {p['margin']:.2%} on the SL and "
            f"{p['abandon_margin']:.2%} on abandonment, checked by {p['risk_model']}: "
            f"{checked}; worst P(breach) {p['p_breach_worst']:.2f}): {p['fte']:.1f} FTE, "
            f"{p['cost_per_year']:,.0f} {cur}/yr against {p['fte_per_interval_staffing']:.1f} "
            f"FTE, {p['cost_per_year_per_interval_staffing']:,.0f} {cur}/yr staffing every "
            f"interval to the standard: {_saving_words(data, channel, p, cur)}"
        )
    for channel, p in data["period_optimal_for_risk"].items():
        verified = "verified" if p["verified_on_fresh_seed"] else "NOT confirmed"
        print(
            f"period-optimal staffing with P(breach) <= {p['max_p_breach']:.0%} ({channel}, "
            f"{p['risk_model']}, SL margin {p['margin']:.2%}; {verified} on a fresh seed): "
            f"{p['fte']:.1f} FTE, {p['cost_per_year']:,.0f} {cur}/yr, saves "
            f"{p['saving_per_year']:,.0f} {cur}/yr"
        )
    if data["compare"]:
        print("standards side by side (SL on every voice and chat channel):")
        print(_compare_table(data["compare"], cur))
    if data.get("demand_drivers"):
        _print_drivers(data["demand_drivers"])


def _print_drivers(dd: dict) -> None:
    """The demand-drivers section: contacts by source, each driver's value, bot outages."""
    from ..verdict.drivers import fixed_point_text

    fp = dd["fixed_point"]
    how = fixed_point_text(fp)
    print(f"demand drivers (plan <-> abandonment fixed point: {fp['iterations']} passes, {how}):")
    print(
        _table(
            ["channel", "forecast", "deflected", "repeats", "retrials", "offered to agents"],
            [
                [ch, f"{m['forecast']:,.0f}", f"{m['deflected']:,.0f}", f"{m['repeats']:,.0f}"]
                + [f"{m['retrials']:,.0f}", f"{m['offered']:,.0f}"]
                for ch, m in dd["contacts"].items()
            ],
        )
    )
    for v in dd["values"]:
        print(v["text"])
    for o in dd["bot_outages"].values():
        print(o["text"])


def _saving_words(data: dict, channel: str, optimal: dict, cur: str) -> str:
    """ "saves X" -- or, when period-optimal staffing costs more, whether the per-interval plan
    itself meets every clause on average in the simulation of the staffing on offer."""
    saving = optimal["saving_per_year"]
    if saving >= 0:
        return f"saves {saving:,.0f} {cur}/yr"
    clauses = data["breach_risk"].get(channel, {}).get("clauses", [])
    missed = [c["clause"] for c in clauses if not c["met_on_average"]]
    why = (
        f"the staffing on offer misses {', '.join(missed)} on average in simulation too"
        if missed
        else "the simulation needs margins the per-interval plan does not carry"
    )
    return f"costs {-saving:,.0f} {cur}/yr more ({why})"


def _compare_table(rows: list[dict], cur: str) -> str:
    return _table(
        [
            "standard",
            "staffing",
            "FTE",
            f"cost [{cur}/yr]",
            f"vs current [{cur}/yr]",
            "worst P(breach)",
            "breaches/yr",
            f"penalty [{cur}/yr]",
            f"bonus [{cur}/yr]",
            "binding",
        ],
        [
            [
                r["standard"] + (" (current)" if r["current"] else ""),
                r["staffing"].replace("_", "-"),
                f"{r['fte']:.1f}",
                r["cost_per_year"],
                f"{r['cost_difference_per_year']:+,.0f}",
                f"{r['p_breach_worst']:.2f}",
                f"{r['expected_breaches_per_year']:.1f}",
                r["expected_penalty_per_year"],
                r["expected_bonus_per_year"],
                r["binding"],
            ]
            for r in rows
        ],
    )


def _cost_line(channel: str, c: dict, cur: str) -> str:
    """The cost of the standard and of its neighbours on the grid (deferred: in hours)."""
    cur_cost = c["current"]["cost_per_year"]
    sls, thresholds = list(c["service_levels"]), list(c["thresholds_s"])
    costs = np.asarray(c["cost_per_year"])
    i, j = sls.index(c["current"]["service_level"]), thresholds.index(c["current"]["threshold_s"])
    definition = sl_words(SLDefinition(c["sl_definition"]), c["current"]["threshold_s"])
    if len(sls) == 1:  # a deferred channel's response-time curve
        parts = [
            f"within {thresholds[k] / 3600:g} h {costs[i, k] - cur_cost:+,.0f}"
            for k in (j - 1, j + 1)
            if 0 <= k < len(thresholds)
        ]
    else:
        parts = [
            f"{sls[k]:.0%}/{c['current']['threshold_s']:g}s {costs[k, j] - cur_cost:+,.0f}"
            for k in (i - 1, i + 1)
            if 0 <= k < len(sls)
        ]
    return (
        f"cost of the standard ({channel}, {c['model']}, SL {definition}, whole scenario): "
        f"{cur_cost:,.0f} {cur}/yr; " + "; ".join(parts)
    )
