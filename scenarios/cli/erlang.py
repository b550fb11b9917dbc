"""``ccplan erlang``: the quick Erlang C / Erlang A calculator."""

from __future__ import annotations

from erlang import SLDefinition, erlang_a_kpis, erlang_c_kpis, required_agents

from ._common import (
    CliError,
    _emit_json,
    _table,
)


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
