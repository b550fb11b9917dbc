"""``ccplan plan``: staffing, FTE and cost of a scenario, with CSV/JSON/PNG output."""

from __future__ import annotations

import sys

import numpy as np

from ._common import (
    _emit_json,
    _load,
    _table,
)
from ._outputs import OutputFolder


def cmd_plan(args) -> None:
    from ..pipeline import plan

    if args.out:
        OutputFolder(args.out, "plan", force=args.force).check()
    scenario, base = _load(args.file)
    result = plan(scenario, args.model, base_dir=base)
    written = []
    if args.out:
        from ..output.export import write_plan

        folder = OutputFolder(args.out, "plan", force=args.force)
        written = [str(p) for p in write_plan(result, folder.claim())]
        folder.done(written)
    if args.format == "json":
        from ..output.export import plan_to_json

        data = plan_to_json(result)
        data["written"] = written
        _emit_json(data)
        return
    if args.format == "csv":
        from ..output.export import intervals_csv

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
    pricing = result.scenario.pricing
    if pricing is not None and not pricing.is_rate_card:
        print(
            "revenue: the rate card (fee, rate x handled contacts or paid hours); the contract's "
            "bill with its bands, minimum offtake, peak rates and contact definition: ccplan price"
        )
    for path in written:
        print(f"wrote {path}")


#: Run-level KPIs written per replication by ``ccplan simulate --out`` (simulator names).
