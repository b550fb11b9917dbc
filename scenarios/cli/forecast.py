"""``ccplan forecast``: forecast volumes from history; volume CSV, scenario, accuracy, plot."""

from __future__ import annotations

import datetime as dt

from ._common import CliError, _emit_json, _table
from ._outputs import OutputFolder


def _special(text: str) -> tuple[dt.date, float]:
    """``2003-04-15=1.4`` -> (date, factor)."""
    day, _, factor = text.partition("=")
    try:
        return dt.date.fromisoformat(day.strip()), float(factor or "nan")
    except ValueError:
        raise CliError(
            f"--special {text!r}: write DATE=FACTOR, e.g. 2003-04-15=1.4 (40% more volume)"
        ) from None


def read_histories(path, *, records: bool, mapping=None, interval_minutes: int = 15):
    """Volume histories by channel: a volume CSV, or call records aggregated to intervals."""
    from ..forecast import from_call_records, read_volume_history

    if records:
        from ..history.records import load_mapping, read_history

        calls = read_history(path, load_mapping(mapping) if mapping else None)
        return {"voice": from_call_records(calls, interval_minutes)}
    return read_volume_history(path)


def cmd_forecast(args) -> None:
    """Forecast each channel of the history over the horizon; write CSV, scenario and plots."""
    from ..forecast import forecast, parse_horizon
    from ..forecast.output import (
        ACCURACY_HEADERS,
        accuracy_rows,
        check_scenario_options,
        csv_name,
        forecast_figure,
        forecast_scenario,
        volume_csv,
    )
    from ..history.samples import resolve_history_file
    from ..io import json_text, save_scenario, write_atomic
    from ..output.plots import save_png

    horizon_days = parse_horizon(args.horizon)
    patience_s = None if args.patience_s == 0 else args.patience_s
    check_scenario_options(args.aht_s, patience_s, args.service_level, args.threshold_s)
    specials = dict(_special(s) for s in args.special or ())
    folder = OutputFolder(args.out, "forecast", force=args.force).check() if args.out else None
    path = resolve_history_file(args.file)
    records = args.records or args.file == "bank-day"
    histories = read_histories(
        path, records=records, mapping=args.mapping, interval_minutes=args.interval_minutes
    )
    forecasts = [
        forecast(
            h,
            horizon_days,
            interval_minutes=args.interval_minutes,
            start=args.start,
            country=args.country,
            holiday_factor=args.holiday_factor,
            special_days=specials,
        )
        for h in histories.values()
    ]
    scenario = forecast_scenario(
        forecasts,
        aht_s=args.aht_s,
        patience_s=patience_s,
        service_level=args.service_level,
        threshold_s=args.threshold_s,
    )
    written = []
    if folder:
        out = folder.claim()
        for fc in forecasts:
            write_atomic(out / csv_name(fc), volume_csv(fc))
            written.append(str(out / csv_name(fc)))
            png = out / f"forecast_{fc.channel.replace(' ', '_')}.png"
            written.append(str(save_png(forecast_figure(fc), png)))
        save_scenario(scenario, out / "scenario.yaml")
        written.append(str(out / "scenario.yaml"))
        write_atomic(out / "forecast.json", json_text([fc.to_dict() for fc in forecasts]))
        written.append(str(out / "forecast.json"))
        folder.done(written)
    if args.format == "json":
        _emit_json({"forecasts": [fc.to_dict() for fc in forecasts], "written": written})
        return
    for fc in forecasts:
        bt, h = fc.backtest, fc.history
        print(
            f"{fc.channel}: history {h.source}, {len(h.dates)} days {h.dates[0]} .. "
            f"{h.dates[-1]}; forecast {fc.dates[0]} .. {fc.dates[-1]} "
            f"({len(fc.dates)} days, {fc.interval_minutes}-minute intervals)"
        )
        hours = ", ".join(f"{d[:3]} {a}-{b}" for d, (a, b) in fc.opening.spans().items())
        print(f"opening hours learned from the history: {hours} (other days closed)")
        print(
            f"\nrolling-origin backtest: {bt.origins} origins, {bt.pairs} days scored, "
            f"1 to {bt.horizon_days} open days ahead (WAPE = sum |error| / sum actual; "
            "MASE against the in-sample seasonal-naive error)"
        )
        print(_table(ACCURACY_HEADERS, accuracy_rows(fc)))
        better_d = 1 - bt.chosen.daily_wape / bt.baseline.daily_wape
        better_i = 1 - bt.chosen.interval_wape / bt.baseline.interval_wape
        print(
            f"chosen: {bt.chosen.name}; against seasonal naive (same weekday last week) WAPE "
            f"daily {bt.chosen.daily_wape:.2%} vs {bt.baseline.daily_wape:.2%} "
            f"({better_d:.0%} lower), per interval {bt.chosen.interval_wape:.2%} vs "
            f"{bt.baseline.interval_wape:.2%} ({better_i:.0%} lower)"
        )
        c = bt.coverage
        print(
            f"80% prediction intervals on held-out days (error CVs from earlier origins only): "
            f"{c.intervals_inside}/{c.intervals} intervals inside ({c.interval:.1%}), "
            f"{c.days_inside}/{c.days} days ({c.daily:.1%})"
        )
        print(
            f"forecast error for the scenario (beyond Poisson noise): day_volume_cv "
            f"{bt.day_volume_cv:.4f}, interval_volume_cv {bt.interval_volume_cv:.4f}"
        )
        print()
        print(
            _table(
                ["date", "weekday", "forecast", "80% low", "80% high", "note"],
                [
                    [
                        d.isoformat(),
                        d.strftime("%a"),
                        round(float(v)),
                        round(float(lo)),
                        round(float(hi)),
                        next((s.label for s in fc.special_days if s.date == d), "")
                        or ("closed" if v == 0 else ""),
                    ]
                    for d, v, lo, hi in zip(
                        fc.dates, fc.daily, fc.day_lower, fc.day_upper, strict=True
                    )
                ],
            )
        )
        for note in fc.notes:
            print(f"note: {note}")
        print()
    if not folder:
        print("(no files written: give --out DIR for the volume CSV, scenario and plot)")
    for p in written:
        print(f"wrote {p}")
