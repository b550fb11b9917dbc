"""``ccplan price``: pricing models under volume risk and the contract over its term."""

from __future__ import annotations

from ._common import CliError, _emit_json, _load, _table
from ._outputs import check_new_file


def price_data(result, base_dir=None, clause_risks=None):
    """(``PricingAnalysis``, ``TermResult`` or None) of a plan: the term re-uses the plans
    the analysis computed at other volumes; with a verdict's ``clause_risks`` its penalties
    (after the liability cap) enter the term."""
    from ..contract import VolumePlans, contract_term, price_under_volume_risk, yearly_penalties

    plans = VolumePlans(result, base_dir)
    analysis = price_under_volume_risk(result, plans=plans)
    term = None
    if result.scenario.term is not None:
        penalties = yearly_penalties(clause_risks) if clause_risks else None
        term = contract_term(plans, penalties_by_replication=penalties)
    return analysis, term


def cmd_price(args) -> None:
    from ..pipeline import plan

    scenario, base = _load(args.file)
    if scenario.pricing is None:
        raise CliError(f"{args.file}: the scenario has no `pricing` to price (model and rates)")
    plot = check_new_file(args.plot, force=args.force, option="--plot") if args.plot else None
    analysis, term = price_data(plan(scenario, args.model, base_dir=base), base)
    if plot is not None:
        from ..output.plots import save_png
        from ..output.pricing_plots import pricing_figure

        save_png(pricing_figure(analysis), plot)
    if args.format == "json":
        data = analysis.to_dict()
        data["term"] = term.to_dict() if term is not None else None
        data["written"] = [str(plot)] if plot is not None else []
        _emit_json(data)
        return
    print("\n".join(price_lines(analysis, term)))
    if plot is not None:
        print(f"wrote {plot}")


def price_lines(analysis, term) -> list[str]:
    """The text ``ccplan price`` prints."""
    from ..contract import QUANTILES

    a = analysis
    cur = a.currency
    out = [
        f"{a.scenario}: pricing under volume risk ({a.model}; money per year in {cur}, the "
        f"{a.days}-day horizon x 365 / {a.days})",
        f"volume: {a.source}",
        "",
        _table(
            ["per year", *QUANTILES],
            [
                ["contacts offered", *a.offered],
                ["contacts billable (contract)", *a.billable],
                ["FTE (re-planned)", *a.fte],
                [f"provider's cost {cur}", *a.provider_cost],
                [f"cost scaled linearly {cur}", *a.linear_cost],
            ],
        ),
        f"staffing re-planned at each volume: the P90 cost is {a.economies_of_scale:.1%} of "
        "the linearly scaled cost (Erlang economies of scale)",
        "",
        "models compared: the contract's pricing, and plain models set to charge the same at "
        "P50 (they differ only in who carries the volume risk)",
    ]
    rows = []
    for m in a.models:
        share = a.client_share_of_risk(m)
        rows.append(
            [
                m.name,
                *m.client_cost,
                *m.margin,
                "n/a" if share is None else f"{share:.0%}",
                m.break_even.describe(),
            ]
        )
    out.append(
        _table(
            [
                "model",
                *(f"client {q}" for q in QUANTILES),
                *(f"margin {q}" for q in QUANTILES),
                "client's share of cost risk",
                "provider's break-even volume",
            ],
            rows,
        )
    )
    out += [f"  {m.name}: {m.description}" for m in a.models]
    out.append("")
    cheap, best = a.cheapest_for_client, a.best_for_provider
    out.append("cheapest for the client: " + "; ".join(f"{q} {cheap[q]}" for q in QUANTILES))
    out.append("best for the provider:   " + "; ".join(f"{q} {best[q]}" for q in QUANTILES))
    out.append(
        "client's cheapest by volume (x forecast): "
        + "; ".join(
            f"{lo:.2f}-{hi:.2f}x {name}" if lo != hi else f"{lo:.2f}x {name}"
            for lo, hi, name in a.cheapest_ranges
        )
    )
    if term is not None:
        out += ["", *term_lines(term)]
    return out


def term_lines(term) -> list[str]:
    """The contract term as a table (``ccplan price``, the report)."""
    cur = term.currency
    cap = (
        f"liability cap {term.liability_cap_per_year:,.0f} {cur}/yr"
        if term.liability_cap_per_year is not None
        else "no liability cap"
    )
    rows = [
        [
            str(y.year),
            y.start.isoformat(),
            y.offered,
            y.fte,
            y.price_factor,
            y.price,
            y.cost,
            "n/a" if y.penalties is None else y.penalties,
            y.margin,
        ]
        for y in term.years
    ]
    total_pen = term.total("penalties")
    rows.append(
        [
            "total",
            "",
            term.total("offered"),
            "",
            "",
            term.total("price"),
            term.total("cost"),
            "n/a" if total_pen is None else total_pen,
            term.total("margin"),
        ]
    )
    return [
        f"contract term from {term.start_date}, {len(term.years)} years ({cap}; penalties: "
        f"{term.penalties_source})",
        _table(
            [
                "year",
                "from",
                "offered",
                "FTE",
                "price index",
                f"price {cur}",
                f"cost {cur}",
                f"penalties {cur}",
                f"margin {cur}",
            ],
            rows,
        ),
    ]
