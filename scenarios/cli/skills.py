"""``ccplan skills``: the verdict on a multi-skill design (feasibility, breach risk and cost of
each pool), and the pooling gain against separate teams, per standard."""

from __future__ import annotations

from ._common import CliError, _emit_json, _executor, _load, _table


def skills_data(args, *, search: bool) -> dict:
    """``SkillsVerdict.to_dict()`` of the scenario ``args.file`` (``--model``,
    ``--replications``, ``--seed``; with ``search``, the standards of ``--standard`` and, with
    ``--compare``, the scenario's ``compare_standards``)."""
    from ..pipeline import plan
    from ..scenario import parse_standard
    from ..skills.verdict import skills_verdict

    scenario, base = _load(args.file)
    if scenario.skills is None:
        raise CliError(f"{args.file}: the scenario has no `skills:` section")
    standards = list(getattr(args, "standard", None) or [])
    if getattr(args, "compare", False):
        standards += [s for s in scenario.compare_standards if s not in standards]
    for text in standards:
        try:
            parse_standard(text)
        except ValueError as err:
            raise CliError(f"--standard: {err}") from None
    with _executor(args) as executor:
        result = skills_verdict(
            plan(scenario, args.model, base_dir=base),
            search=search,
            standards=tuple(standards),
            replications=args.replications,
            seed=args.seed,
            executor=executor,
        )
    return result.to_dict()


def skills_document(args) -> dict:
    """``{"skills": ...}`` for ``ccplan check`` when the scenario has ``skills:`` (else
    ``{}``): the design as given, simulated with the check's replications and seed (the
    sizing search and the pooling gain are ``ccplan skills``'s)."""
    scenario, _ = _load(args.file)
    if scenario.skills is None:
        return {}
    return {"skills": skills_data(args, search=False)}


def cmd_skills(args) -> None:
    data = skills_data(args, search=not args.no_search)
    if args.format == "json":
        _emit_json(data)
        return
    print("\n".join(skills_lines(data)))


def _pool_text(pool: dict) -> str:
    served = ", ".join(
        s["channel"] + (f" after {s['after_s']:g} s" if s["after_s"] else "")
        for s in pool["skills"]
    )
    reserve = (
        f"; keeps {pool['reserve_agents']} idle for real-time" if pool["reserve_agents"] else ""
    )
    return f"{pool['name']} ({served}{reserve}; agents: {pool['agents']})"


def skills_lines(data: dict) -> list[str]:
    """The skills verdict as text lines (``ccplan skills``, ``ccplan check``)."""
    cur = data["currency"]
    design = data["design"]
    lines = [
        f"{data['scenario']}: multi-skill design, pools "
        + "; ".join(_pool_text(p) for p in data["pools"]),
        f"method: {data['method']}",
        f"design as given: {design['fte']:,.1f} FTE, {design['cost_per_year']:,.0f} {cur} a year; "
        f"every clause holds: {'yes' if design['meets_every_clause'] else 'NO'}; worst "
        f"P(breach) {design['p_breach_worst']:.0%}",
    ]
    for name, pool in design["pools"].items():
        occ = "n/a" if pool["occupancy"] is None else f"{pool['occupancy']:.1%}"
        lines.append(
            f"  pool {name}: {pool['agents_mean']:.1f} agents on duty on average (max "
            f"{pool['agents_max']}), simulated occupancy {occ}"
        )
    rows = []
    for channel, clauses in design["clauses"].items():
        for c in clauses:
            for p in c["periods"]:
                if not p["measured"]:
                    continue
                rows.append(
                    [
                        channel,
                        c["standard"],
                        p["period"],
                        _value(c["clause"], p["simulated"]),
                        _value(c["clause"], p["ci_low"])
                        + " .. "
                        + _value(c["clause"], p["ci_high"]),
                        f"{p['p_breach']:.0%} (<= {p['p_breach_high']:.0%})",
                        "yes" if c["holds_with_95pct_confidence"] else "NO",
                    ]
                )
    if rows:
        lines.append(
            _table(
                ["channel", "clause", "period", "simulated", "95% CI", "P(breach)", "holds"], rows
            )
        )
    if data["pooling_gain"]:
        lines.append(
            "pooling gain: separate teams (one pool per channel) and the shared design, each "
            "sized by the same simulation search (shrink while every clause holds, verified on "
            "a fresh seed)"
        )
        gain_rows = [
            [
                g["standard"] or "own targets",
                g["separate_fte"],
                g["shared_fte"],
                g["fte_saved"],
                g["cost_saved_per_year"],
                "yes" if g["both_verified"] else "NO",
            ]
            for g in data["pooling_gain"]
        ]
        lines.append(
            _table(
                [
                    "standard",
                    "separate FTE",
                    "shared FTE",
                    "FTE saved",
                    f"{cur} saved/yr",
                    "verified",
                ],
                gain_rows,
            )
        )
        for g in data["pooling_gain"]:
            for design_key in ("separate", "shared"):
                s = g[design_key]
                if not s["reached"]:
                    lines.append(
                        f"  {g['standard'] or 'own targets'}, {s['design']}: no staffing up to "
                        "50 more agents per pool meets every clause"
                    )
    return lines


def _value(clause: str, value) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.1f} s" if clause == "max_asa_s" else f"{value:.1%}"
