"""``ccplan roster``: the minimum-cost shift roster of a scenario, its coverage and cost beside
the per-interval plan's, optionally simulated (the service the roster really delivers)."""

from __future__ import annotations

import datetime as dt
import sys

import numpy as np

from ._common import _emit_json, _load, _stage, _table
from ._outputs import OutputFolder


def cmd_roster(args) -> None:
    from ..pipeline import plan
    from ..roster.optimize import optimize_roster

    if args.out:
        OutputFolder(args.out, "roster", force=args.force).check()
    scenario, base = _load(args.file)
    result = plan(scenario, args.model, base_dir=base)
    _stage(args, "solving the roster week by week")
    roster = optimize_roster(
        result, args.channel or None, objective=args.objective, margin=args.margin
    )
    simulated, per_day = {}, {}
    if args.simulate:
        from ..roster.verdict import roster_breach_risks, simulate_roster_intervals

        _stage(args, f"simulating the roster ({args.replications} replications)")
        for name, channel in roster.channels.items():
            if scenario.target_for(name) is not None and scenario.channel(name).kind != "deferred":
                simulated[name] = roster_breach_risks(
                    result, channel, replications=args.replications, seed=args.seed
                )
                per_day[name] = simulate_roster_intervals(
                    result, channel, replications=args.replications, seed=args.seed
                )
    written = []
    if args.out:
        from ..output.roster import write_roster

        folder = OutputFolder(args.out, "roster", force=args.force)
        written = [str(p) for p in write_roster(roster, folder.claim())]
        folder.done(written)
    if args.format == "json":
        data = roster.to_dict()
        data["simulated"] = {
            name: {clause: _risk_json(r) for clause, r in risks.items()}
            for name, risks in simulated.items()
        }
        data["simulated_sl"] = {
            name: {
                "definition": "pooled answered within T / the target's denominator, "
                "summed over replications",
                "per_day": sl["day"],
                "per_interval": sl["interval"],
            }
            for name, sl in per_day.items()
        }
        data["written"] = written
        _emit_json(data)
        return
    if args.format == "csv":
        from ..output.roster import shifts_csv

        sys.stdout.write(shifts_csv(roster))
        return
    _print_table(scenario, roster, simulated, per_day)
    for path in written:
        print(f"wrote {path}")


def _risk_json(risk) -> dict:
    pooled, low, high = risk.pooled()
    return {
        "clause": risk.description,
        "method": risk.method,
        "periods": [
            {
                "label": str(label),
                "pooled": float(pooled[p]),
                "low": float(low[p]),
                "high": float(high[p]),
                "p_breach": float(risk.p_breach[p]),
                "expected_penalty": float(risk.expected_penalty[p]),
            }
            for p, label in enumerate(risk.periods)
            if risk.counted[p]
        ],
        "penalty_per_year": risk.penalty_per_year,
    }


def _print_table(scenario, roster, simulated, per_day) -> None:
    cur = roster.currency
    rules = "the scenario's" if roster.rules_source == "scenario" else "the default"
    print(
        f"{scenario.name}: {scenario.days} days from {scenario.start_date}, objective "
        f"{roster.objective}, {rules} shift rules"
    )
    print(f"policy: {roster.policy}")
    rows = []
    for c in roster.channels.values():
        rows.append(
            [
                c.channel,
                len(c.shifts),
                max(c.headcount.values(), default=0),
                c.paid_hours,
                c.fte,
                c.cost,
                c.requirement_fte,
                c.requirement_cost,
                f"{c.efficiency:.1%}",
                float(c.over.sum() * c.interval_h),
                float(c.under.sum() * c.interval_h),
                f"{c.gap:.2%}",
                c.solve_time_s,
            ]
        )
    print(
        _table(
            [
                "channel",
                "shifts",
                "agents/week",
                "paid hours",
                "FTE",
                f"cost {cur}",
                "plan FTE",
                f"plan cost {cur}",
                "efficiency",
                "over h",
                "under h",
                "gap",
                "solve s",
            ],
            rows,
        )
    )
    print(
        "plan = the per-interval plan (requirement only: ceil(required / (1 - shrinkage)) in "
        "every interval); efficiency = requirement hours / on-phone hours; gap = to the "
        "LP-relaxation bound"
    )
    print()
    counts: dict = {}
    for c in roster.channels.values():
        for s in c.shifts:
            key = (c.channel, s.contract, s.template)
            counts[key] = counts.get(key, 0) + 1
    print(
        _table(
            ["channel", "contract", "template", "shifts"],
            [[*key, n] for key, n in sorted(counts.items())],
        )
    )
    for name, risks in simulated.items():
        print()
        print(f"{name}: the roster simulated ({next(iter(risks.values())).method})")
        rows = []
        for risk in risks.values():
            pooled, low, high = risk.pooled()
            for p, label in enumerate(risk.periods):
                if risk.counted[p]:
                    rows.append(
                        [
                            risk.description,
                            str(label),
                            float(pooled[p]),
                            f"{low[p]:.4g} .. {high[p]:.4g}",
                            float(risk.p_breach[p]),
                            float(risk.expected_penalty[p]),
                        ]
                    )
        print(
            _table(
                ["clause", "period", "pooled", "95% interval", "P(breach)", f"penalty {cur}"],
                rows,
            )
        )
        days = per_day[name]["day"]
        if np.isfinite(days).any():
            worst = int(np.nanargmin(days))
            date = scenario.start_date + dt.timedelta(days=worst)
            print(
                f"simulated SL per day (pooled over replications): lowest {days[worst]:.1%} on "
                f"{date}, highest {np.nanmax(days):.1%}; per interval in --format json"
            )
