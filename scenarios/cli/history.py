"""``ccplan history``: import call records; statistics, patience, backtest, calibration."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._common import (
    CliError,
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
    if 0 < args.prediction_replications < 10:
        raise CliError("--prediction-replications: 10 or more for a prediction interval, or 0")
    if args.schedule and not args.prediction_replications:
        raise CliError("--schedule is used by the prediction intervals: not with 0 replications")
    mapping = load_mapping(args.mapping) if args.mapping else None
    h = analyse_history(
        [resolve_history_file(f) for f in args.file],
        mapping,
        date_from=args.date_from,
        date_to=args.date_to,
        schedule=args.schedule,
        level=args.level,
        prediction_replications=args.prediction_replications,
        interval_minutes=args.interval_minutes,
        threshold_s=args.threshold_s,
        busy_min_offered=args.busy_min_offered,
        replications=args.replications,
        seed=args.seed,
    )
    written = []
    if args.plots:
        from ..output.history_plots import (
            backtest_figure,
            patience_figure,
            prediction_figure,
            staffing_figure,
        )
        from ..output.plots import save_png

        folder = OutputFolder(args.plots, "history", force=args.force, option="--plots")
        plots = folder.claim()
        figures = [
            ("backtest.png", backtest_figure(h.backtest)),
            ("staffing.png", staffing_figure(h.backtest)),
            ("patience.png", patience_figure(h.backtest.patience)),
        ]
        if h.prediction is not None:
            figures.append(("prediction.png", prediction_figure(h.prediction)))
        for name, fig in figures:
            written.append(str(save_png(fig, plots / name)))
        folder.done(written)
    if args.scenario_out:
        from ..history.calibrate import calibrate
        from ..io import save_scenario

        calibration = calibrate(h.calls, interval_minutes=args.interval_minutes)
        save_scenario(calibration.scenario, args.scenario_out)
        written.append(args.scenario_out)
    data = h.to_dict()
    data["written"] = written
    if args.scenario_out:
        data["calibration"] = {
            "notes": list(calibration.notes),
            "evidence": [dict(r) for r in calibration.evidence],  # strict in _emit_json
        }
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
    for surge in h.surges:
        print(f"warning: {surge.describe()}")
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
    if args.per_day:
        _per_day_table(h)
    else:
        _busy_interval_table(h)
    if h.prediction is not None:
        _prediction_section(h.prediction, per_day=args.per_day)
    if args.scenario_out:
        _calibration_section(calibration)
    for path in written:
        print(f"wrote {path}")


def _when(start, many_days: bool) -> str:
    text = str(start)
    return f"{text[:10]} {text[11:16]}" if many_days else text[11:16]


def _busy_interval_table(h) -> None:
    bt = h.backtest
    obs, st, a = bt.observed, bt.staffing, bt.variants["corrected"].predictions["erlang_a"]
    many = h.calls.n_days > 1
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
                    _when(obs.start[i], many),
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


def _per_day_table(h) -> None:
    """One row per day with records: the busy intervals' pooled observed KPIs (counts summed
    over the day's busy intervals) against Erlang A (corrected) weighted by offered calls."""
    bt = h.backtest
    obs, a = bt.observed, bt.variants["corrected"].predictions["erlang_a"]
    per_day = int(round(86_400 / obs.period_s))
    day = np.arange(obs.offered.size) // per_day
    pred = h.prediction
    rows = []
    for d in range(int(day.max()) + 1):
        sel = bt.busy & (day == d)
        offered = int(obs.offered[sel].sum())
        if not offered:
            continue
        w = obs.offered[sel]
        row = [
            _day_label(obs.start[d * per_day]),
            int(sel.sum()),
            offered,
            float(obs.answered_within[sel].sum() / offered),
            float(np.nansum(a.service_level[sel] * w) / w.sum()),
            float(obs.abandoned[sel].sum() / offered),
            float(np.nansum(a.abandon_rate[sel] * w) / w.sum()),
        ]
        if pred is not None:
            row += [
                f"{int(pred.covered[k][sel].sum())}/{int(sel.sum())}"
                for k in ("service_level", "abandon_rate")
            ]
        rows.append(row)
    head = [
        "day",
        "busy intervals",
        "offered",
        "SL observed",
        "SL Erlang A",
        "abandoned observed",
        "abandoned Erlang A",
    ]
    if pred is not None:
        head += [f"SL inside {pred.level:.0%} PI", f"abandoned inside {pred.level:.0%} PI"]
    print(
        f"\nper day, busy intervals (>= {bt.busy_min_offered} offered): observed (pooled "
        "counts) vs Erlang A (corrected inputs, weighted by offered calls)"
    )
    print(_table(head, rows))


def _prediction_section(p, per_day: bool) -> None:
    words = {"service_level": "SL", "abandon_rate": "abandonment"}
    print(f"\nprediction intervals ({p.level:.0%}), agents: {p.agents_source}")
    print(f"  method: {p.method}")
    for k, word in words.items():
        busy = int(p.busy.sum())
        print(
            f"  {word}: observed inside the {p.level:.0%} interval in "
            f"{int(p.covered[k].sum())} of {busy} busy intervals (coverage {p.coverage[k]:.0%}; "
            f"ties broken at random {p.pit_coverage[k]:.0%}); mean width {p.width[k]:.3f}, "
            f"mean absolute error of the median {p.mae[k]:.3f}"
        )
    if p.in_sample:
        print(
            "  note: the agents are an IN-SAMPLE estimate from the same records being scored; "
            "give --schedule FILE (columns start, agents) for an honest backtest"
        )
    if per_day:
        return
    many = p.observed.start.size * p.observed.period_s > 86_400
    obs = p.observed
    print(
        _table(
            [
                "start",
                "offered",
                "agents",
                "SL observed",
                "SL predicted",
                f"SL {p.level:.0%} PI",
                "inside",
                "abandoned observed",
                "abandoned predicted",
                f"abandoned {p.level:.0%} PI",
                "inside",
            ],
            [
                [
                    _when(obs.start[i], many),
                    int(obs.offered[i]),
                    int(p.agents[i]),
                    float(obs.service_level[i]),
                    float(p.median["service_level"][i]),
                    f"{p.low['service_level'][i]:.2f} .. {p.high['service_level'][i]:.2f}",
                    "yes" if p.covered["service_level"][i] else "NO",
                    float(obs.abandon_rate[i]),
                    float(p.median["abandon_rate"][i]),
                    f"{p.low['abandon_rate'][i]:.2f} .. {p.high['abandon_rate'][i]:.2f}",
                    "yes" if p.covered["abandon_rate"][i] else "NO",
                ]
                for i in map(int, np.flatnonzero(p.busy))
            ],
        )
    )


def _calibration_section(calibration) -> None:
    print("\ncalibrated scenario:")
    for note in calibration.notes:
        print(f"  {note}")
    print(
        _table(
            [
                "channel",
                "weekday",
                "band",
                "answered",
                "AHT [s]",
                "+/- SE [s]",
                "AHT used",
                "abandoned",
                "patience [s]",
                "patience used",
            ],
            [
                [
                    r["channel"],
                    r["weekday"],
                    r["band"],
                    r["answered"],
                    r["aht_s"],
                    r["aht_se_s"],
                    "yes" if r["aht_used"] else "-",
                    r["abandoned"],
                    r["patience_s"],
                    "yes" if r["patience_used"] else "-",
                ]
                for r in calibration.evidence
            ],
        )
    )
