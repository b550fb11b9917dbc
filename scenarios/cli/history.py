"""``ccplan history``: import call records; statistics, patience, backtest, calibration."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._common import (
    _emit_json,
    _table,
)
from ._outputs import OutputFolder, check_new_file


def _day_label(start) -> str:
    """``1999-02-05 Fri``: planners read a history by weekday."""
    day = start.astype("datetime64[D]").item()
    return f"{day.isoformat()} {day:%a}"


def cmd_history(args) -> None:
    """Import call records: the import report, statistics, patience, backtest, staffing."""
    from ..history import analyse_history
    from ..history.records import load_mapping
    from ..history.samples import resolve_history_file

    if args.scenario_out:  # refused before the analysis, not after minutes of it
        check_new_file(args.scenario_out, force=args.force, option="--scenario-out")
    if args.plots:
        OutputFolder(args.plots, "history", force=args.force, option="--plots").check()
    mapping = load_mapping(args.mapping) if args.mapping else None
    h = analyse_history(
        [resolve_history_file(f) for f in args.file],
        mapping,
        date_from=args.date_from,
        date_to=args.date_to,
        interval_minutes=args.interval_minutes,
        threshold_s=args.threshold_s,
        busy_min_offered=args.busy_min_offered,
        replications=args.replications,
        seed=args.seed,
    )
    written = []
    if args.plots:
        from ..output.history_plots import backtest_figure, patience_figure, staffing_figure
        from ..output.plots import save_png

        folder = OutputFolder(args.plots, "history", force=args.force, option="--plots")
        plots = folder.claim()
        for name, fig in (
            ("backtest.png", backtest_figure(h.backtest)),
            ("staffing.png", staffing_figure(h.backtest)),
            ("patience.png", patience_figure(h.backtest.patience)),
        ):
            written.append(str(save_png(fig, plots / name)))
        folder.done(written)
    if args.scenario_out:
        from ..history.calibrate import calibrate
        from ..io import save_scenario

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
    many = len(rep.files) > 1

    def first(reason):  # with several files, the line of which file
        line = rep.first_dropped_line[reason]
        return f"{Path(rep.first_dropped_file[reason]).name}:{line}" if many else line

    rows += [[f"dropped: {k}", v, first(k)] for k, v in rep.dropped.items()]
    print(_table(["rows", "count", "first line"], rows))
    for warning in rep.warnings:
        print(f"warning: {warning}")
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
                    _day_label(d.start[i]),
                    int(d.offered[i]),
                    int(d.answered[i]),
                    int(d.abandoned[i]),
                    float(d.service_level[i]),
                    float(d.service_level_excl_short_abandons[i]),
                    float(d.service_level_of_answered[i]),
                    float(d.asa_s[i]),
                    float(d.aht_s[i]),
                ]
                for i in map(int, np.flatnonzero(d.offered > 0))
            ],
        )
    )
    gaps = int((d.offered == 0).sum())
    if gaps:
        print(f"({gaps} day(s) without records left out: gaps, see the warning above)")
    if len(h.queues) > 1 or any(q.queue for q in h.queues):
        print()
        print(
            _table(
                [
                    "queue",
                    "offered",
                    f"SL of offered ({t:g} s)",
                    "abandoned",
                    "ASA [s]",
                    "AHT [s]",
                    "priority share",
                ],
                [
                    [
                        q.queue or "(none)",
                        q.offered,
                        q.service_level,
                        q.abandon_rate,
                        q.asa_s,
                        q.aht_s,
                        ", ".join(f"{k or '-'}: {v:.0%}" for k, v in q.priority_share.items()),
                    ]
                    for q in h.queues
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
