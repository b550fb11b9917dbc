"""``ccplan hiring``: the hiring plan month by month, or the smallest plan that meets the
standard (``--optimize``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._common import CliError, _emit_json, _executor, _load, _table


def cmd_hiring(args) -> None:
    from ..contract.hiring import evaluate_hiring, optimal_hiring

    if args.plot and Path(args.plot).exists() and not args.force:
        raise CliError(f"--plot {args.plot}: the file exists; add --force to overwrite it")
    scenario, base = _load(args.file)
    if scenario.hiring is None:
        raise CliError(f"{args.file}: the scenario has no `hiring` section")
    options = dict(model=args.model, replications=args.replications, seed=args.seed)
    with _executor(args) as executor:
        if args.optimize:
            result = optimal_hiring(scenario, base_dir=base, executor=executor, **options)
        else:
            result = evaluate_hiring(scenario, base_dir=base, executor=executor, **options)
    written = []
    if args.plot:
        from ..output.hiring_plots import hiring_figure
        from ..output.plots import save_png

        written.append(str(save_png(hiring_figure(result), args.plot)))
    if args.format == "json":
        data = result.to_dict()
        data["written"] = written
        _emit_json(data)
        return
    print(hiring_text(result, scenario, optimized=args.optimize))
    for path in written:
        print(f"wrote {path}")


def hiring_document(args) -> dict:
    """``{"hiring": {"given": ..., "smallest": ...}}`` for ``ccplan check --report`` when the
    scenario has a hiring plan (else ``{}``): the scenario's own plan in closed form, and the
    smallest plan with P(breach) simulated with the check's replications and seed."""
    from ..contract.hiring import evaluate_hiring, optimal_hiring

    scenario, base = _load(args.file)
    if scenario.hiring is None:
        return {}
    given = evaluate_hiring(scenario, model=args.model, base_dir=base)
    with _executor(args) as executor:
        smallest = optimal_hiring(
            scenario,
            model=args.model,
            replications=args.replications,
            seed=args.seed,
            executor=executor,
            base_dir=base,
        )
    return {"hiring": {"given": given.to_dict(), "smallest": smallest.to_dict()}}


def hiring_text(result, scenario, *, optimized: bool) -> str:
    """The plan as text: the table per month, the classes, and what it costs."""
    cur = result.currency
    sl, p_breach = result.month_service()
    service = result.services.get(result.headline)
    lines = [
        f"{scenario.name}: hiring plan, {result.labels[0]} to {result.labels[-1]}"
        + (" (smallest plan that covers every month)" if optimized else ""),
    ]
    if service is not None:
        lines.append(
            f"SL: {service.channel}, answered within {service.threshold_s:g} s / "
            f"{_denominator(service)}, {_per_month(service.reporting_period)} "
            f"(standard {service.standard:.0%}, closed form at the available staff); "
            + (
                f"P(breach): {service.method}"
                if not np.all(np.isnan(p_breach))
                else "P(breach): not simulated (--replications 0)"
            )
        )
    lines.append(
        "Leavers are expected values (attrition x people present); FTE are agents on duty "
        f"after {result.shrinkage:.0%} shrinkage; required = the month's busiest ISO week."
    )
    if result.extra_agents:
        lines.append(
            f"Required staffing includes {result.extra_agents} extra agent(s) per staffed "
            "interval to keep P(breach) within the plan's max_p_breach."
        )
    rows = [
        [
            str(result.labels[m]),
            float(result.headcount[m]),
            float(result.hires[m]),
            float(result.leavers[m]),
            float(result.in_training[m]),
            float(result.available_fte[m]),
            float(result.required_fte[m]),
            float(result.gap_fte[m]),
            _percent(sl[m]),
            _percent(p_breach[m]),
        ]
        for m in range(result.labels.size)
    ]
    headers = [
        "month",
        "headcount",
        "hires",
        "leavers",
        "in training",
        "available FTE",
        "required FTE",
        "gap FTE",
        "SL",
        "P(breach)",
    ]
    lines += ["", _table(headers, rows), ""]
    if result.classes:
        lines.append(
            "Classes: "
            + "; ".join(
                f"{c.size} on {c.start_date}"
                + (f" ({c.training_weeks} weeks training)" if c.training_weeks is not None else "")
                for c in result.classes
            )
        )
    else:
        lines.append("Classes: none")
    hires = sum(c.size for c in result.classes)
    lines.append(
        f"Total: {hires} hires, {result.paid_hours.sum():,.0f} paid hours (training included), "
        f"cost {result.cost.sum():,.0f} {cur}"
    )
    if result.smallest_proven is False:
        lines.append(
            "The search for the fewest hires stopped at its time limit: this plan covers every "
            "month but is not proven the smallest."
        )
    if result.unreachable:
        lines.append(
            "Not reachable by hiring (a class starting in the plan's first month is still in "
            f"training): {', '.join(result.unreachable)}; a starting headcount of "
            f"{result.starting_headcount_needed:.1f} FTE covers it."
        )
    return "\n".join(lines)


def _denominator(service) -> str:
    return {
        "of_offered": "offered",
        "excl_short_abandons": "(offered - abandoned within the threshold)",
        "of_answered": "answered",
    }[service.sl_definition.value]


def _per_month(period: str) -> str:
    if period == "month":
        return "per month"
    return f"the worst {period} starting in each month"


def _percent(value) -> str:
    return "-" if np.isnan(value) else f"{value:.1%}"
