"""Importing call history: exact row accounting, statistics, patience under censoring,
calibration, backtest and the ``ccplan history`` command.

Expectations are computed independently: counts with the csv module, patience against the
known truth of synthetic data and against scipy's Kaplan-Meier, staffing against the planning
pipeline.
"""

import csv
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from scipy import stats

from erlang import required_agents
from scenarios.cli import main
from scenarios.history.agents import estimate_staffing
from scenarios.history.backtest import backtest
from scenarios.history.calibrate import MIN_BAND_ABANDONS, MIN_BAND_CALLS, calibrate
from scenarios.history.records import HistoryError, load_mapping, read_history
from scenarios.history.samples import sample_path
from scenarios.history.stats import (
    PATIENCE_BANDS_H,
    handle_time_fit,
    kaplan_meier,
    patience_estimate,
    patience_of,
    period_stats,
)
from scenarios.overrides import apply_overrides
from scenarios.pipeline import plan

SAMPLE = sample_path("bank-day")
NA = "0:00:00"


def _secs(clock: str) -> int:
    h, m, s = (int(x) for x in clock.split(":"))
    return 3600 * h + 60 * m + s


@pytest.fixture(scope="module")
def rows():
    with SAMPLE.open(newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def kept_rows(rows):
    """The offered calls, selected here by the documented rules (not by the importer)."""
    out = []
    for r in rows:
        if r["outcome"] == "PHANTOM":
            continue
        if r["outcome"] == "AGENT" and r["ser_start"] == NA:
            continue
        if r["q_start"] == NA and r["outcome"] == "HANG":
            continue
        if int(r["vru_time"]) < 0 or int(r["q_time"]) < 0 or int(r["ser_time"]) < 0:
            continue
        out.append(r)
    return out


@pytest.fixture(scope="module")
def calls():
    return read_history(SAMPLE)


@pytest.fixture(scope="module")
def bt(calls):
    return backtest(calls, replications=3, seed=7)


# ----- import ---------------------------------------------------------------------------------
def test_sample_day_rows_reconcile_exactly_with_an_independent_count(rows, kept_rows, calls):
    rep = calls.report
    phantom = sum(r["outcome"] == "PHANTOM" for r in rows)
    no_service = sum(r["outcome"] == "AGENT" and r["ser_start"] == NA for r in rows)
    ivr_only = sum(r["q_start"] == NA and r["outcome"] == "HANG" for r in rows)
    negative = sum(
        int(r["vru_time"]) < 0
        for r in rows
        if r["outcome"] != "PHANTOM" and not (r["q_start"] == NA and r["outcome"] == "HANG")
    )
    assert rep.rows_in == len(rows) == 2375
    assert rep.dropped == {
        "other_outcome": phantom,
        "missing:ser_start": no_service,
        "never_queued": ivr_only,
        "negative:vru_exit-vru_entry": negative,
    }
    assert rep.kept == len(kept_rows) == calls.size
    assert rep.rows_in == rep.kept + sum(rep.dropped.values())
    assert rep.reconciles
    queued = [r for r in kept_rows if r["q_start"] != NA]
    assert rep.kept_by_kind == {
        "queued_answered": sum(r["outcome"] == "AGENT" for r in queued),
        "queued_abandoned": sum(r["outcome"] == "HANG" for r in queued),
        "direct_answered": sum(r["q_start"] == NA for r in kept_rows),
    }
    # The data README's counts for this day.
    assert (phantom, ivr_only) == (18, 118)


def test_day_statistics_match_a_count_of_the_kept_rows(kept_rows, calls):
    day = period_stats(calls, 1440, threshold_s=20)
    answered = [r for r in kept_rows if r["outcome"] == "AGENT"]
    abandoned = [r for r in kept_rows if r["outcome"] == "HANG"]
    wait = {id(r): int(r["q_time"]) if r["q_start"] != NA else 0 for r in kept_rows}
    within = sum(wait[id(r)] <= 20 for r in answered)
    short_abandons = sum(wait[id(r)] <= 20 for r in abandoned)
    offered = len(kept_rows)
    assert day.offered.tolist() == [offered]
    assert day.answered.tolist() == [len(answered)]
    assert day.abandoned.tolist() == [len(abandoned)]
    assert day.service_level[0] == pytest.approx(within / offered, rel=1e-12)
    assert day.service_level_excl_short_abandons[0] == pytest.approx(
        within / (offered - short_abandons), rel=1e-12
    )
    assert day.service_level_of_answered[0] == pytest.approx(within / len(answered), rel=1e-12)
    asa = sum(wait[id(r)] for r in answered) / len(answered)
    assert day.asa_s[0] == pytest.approx(asa, rel=1e-12)
    aht = sum(int(r["ser_time"]) for r in answered) / len(answered)
    assert day.aht_s[0] == pytest.approx(aht, rel=1e-12)


def test_intervals_count_calls_at_queue_entry(kept_rows, calls):
    per = period_stats(calls, 30, threshold_s=20)
    expected = np.zeros(48, dtype=int)
    for r in kept_rows:
        t = r["q_start"] if r["q_start"] != NA else r["ser_start"]
        expected[_secs(t) // 1800] += 1
    assert per.offered.tolist() == expected.tolist()
    assert str(per.start[18]) == "2010-08-01T09:00"


def test_agents_serving_counts_distinct_named_agents_per_interval(kept_rows, calls):
    per = period_stats(calls, 60)
    expected = np.zeros(24, dtype=int)
    for hour in range(24):
        names = {
            r["server"]
            for r in kept_rows
            if r["outcome"] == "AGENT"
            and r["server"] != "NO_SERVER"
            and _secs(r["ser_start"]) < (hour + 1) * 3600
            and _secs(r["ser_start"]) + int(r["ser_time"]) > hour * 3600
        }
        expected[hour] = len(names)
    assert per.agents_serving.tolist() == expected.tolist()


# ----- malformed files and other formats -------------------------------------------------------
def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def _sample_lines(n: int = 40) -> list[str]:
    return SAMPLE.read_text().splitlines()[:n]


def test_wrong_column_names_the_column_and_the_header(tmp_path, capsys):
    lines = _sample_lines()
    lines[0] = lines[0].replace("q_start", "queue_start")
    path = _write(tmp_path / "bad.csv", lines)
    with pytest.raises(HistoryError, match=r"'q_start' \(for queue_entry\) not in the file"):
        read_history(path)
    code = main(["history", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "q_start" in err and "queue_start" in err


def test_unparsable_time_names_column_line_and_row(tmp_path):
    lines = _sample_lines()
    cells = lines[5].split(",")
    cells[6] = "7h02"  # vru_entry
    lines[5] = ",".join(cells)
    path = _write(tmp_path / "bad.csv", lines)
    proc = subprocess.run(
        [sys.executable, "-m", "scenarios.cli", "history", str(path)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[3],
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    err = proc.stderr.strip()
    assert "\n" not in err
    assert "line 6" in err and "'vru_entry'" in err and "'7h02'" in err
    assert lines[5] in err  # the example row


def test_unknown_outcome_code_is_an_error_not_a_drop(tmp_path):
    lines = _sample_lines()
    lines[3] = lines[3].replace(",HANG,", ",TRANSFER,")
    path = _write(tmp_path / "bad.csv", lines)
    with pytest.raises(HistoryError, match=r"column 'outcome'.*'TRANSFER'.*AGENT"):
        read_history(path)


def test_empty_cell_is_dropped_as_missing_and_still_reconciles(tmp_path):
    lines = _sample_lines(200)
    header = lines[0].split(",")
    i_q, i_time = header.index("q_start"), header.index("q_time")
    row = next(k for k in range(1, 200) if lines[k].split(",")[i_q] != NA)
    cells = lines[row].split(",")
    cells[i_time] = ""
    lines[row] = ",".join(cells)
    rep = read_history(_write(tmp_path / "gap.csv", lines)).report
    assert rep.dropped["missing:q_time"] == 1
    assert rep.first_dropped_line["missing:q_time"] == row + 1
    assert rep.rows_in == 199 == rep.kept + sum(rep.dropped.values())


def test_tab_separated_crlf_export_with_short_dates_via_a_mapping_file(tmp_path, calls):
    out = []
    for line in SAMPLE.read_text().splitlines():
        out.append(line.replace(",", "\t").replace("2010-08-01", "100801"))
    path = tmp_path / "bank.tsv"
    path.write_bytes(("\r\n".join(out) + "\r\n").encode())
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns: {arrival: vru_entry, outcome: outcome, date: date, ivr_exit: vru_exit,\n"
        "  queue_entry: q_start, wait_s: q_time, service_start: ser_start, handle_s: ser_time,\n"
        "  agent: server, type: type}\n"
        "outcomes: {answered: [AGENT], abandoned: [HANG], other: [PHANTOM]}\n"
        "date_format: '%y%m%d'\n"
        "timezone: Asia/Jerusalem\n"
        "not_applicable: ['0:00:00']\n"
        "no_agent: [NO_SERVER]\n"
    )
    other = read_history(path, load_mapping(mapping))
    assert other.report.dropped == calls.report.dropped
    assert other.report.kept == calls.report.kept
    np.testing.assert_array_equal(other.offered_at_s, calls.offered_at_s)


def test_bad_mapping_file_names_the_field(tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "extends: none\ncolumns: {arrival: a}\noutcomes: {answered: [A], abandoned: [H]}\n"
    )
    with pytest.raises(HistoryError, match=r"columns\.outcome"):
        load_mapping(mapping)


def test_iso_utc_timestamps_are_converted_to_the_center_time_zone(tmp_path):
    utc = [
        dt.datetime(2024, 3, 1, 6, 0, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=7 * k)
        for k in range(6)
    ]
    lines = ["arrival,outcome,wait,handle"]
    for k, t in enumerate(utc):
        outcome = "A" if k % 2 else "X"
        lines.append(
            f"{t.strftime('%Y-%m-%dT%H:%M:%SZ')},{outcome},{10 * k},{120 if k % 2 else ''}"
        )
    path = _write(tmp_path / "iso.csv", lines)
    mapping = tmp_path / "m.json"
    mapping.write_text(
        json.dumps(
            {
                "columns": {
                    "arrival": "arrival",
                    "outcome": "outcome",
                    "wait_s": "wait",
                    "handle_s": "handle",
                },
                "outcomes": {"answered": ["A"], "abandoned": ["X"]},
                "timezone": "Europe/Amsterdam",
            }
        )
    )
    calls = read_history(path, load_mapping(mapping))
    local = [t.astimezone(ZoneInfo("Europe/Amsterdam")) for t in utc]
    expected = [(t.hour * 3600 + t.minute * 60) for t in local]
    assert calls.origin == local[0].date()
    # Without a queue-entry column calls are offered at arrival.
    np.testing.assert_allclose(calls.offered_at_s, expected)
    assert calls.report.kept_by_kind["queued_abandoned"] == 3


# ----- patience --------------------------------------------------------------------------------
def _censored_sample(n=50_000, patience_s=300.0, offered_wait_s=50.0, seed=3):
    """Exponential patience, heavily censored by exponential virtual waits."""
    rng = np.random.default_rng(seed)
    patience = rng.exponential(patience_s, n)
    virtual = rng.exponential(offered_wait_s, n)
    abandoned = patience < virtual
    return np.minimum(patience, virtual), abandoned


def test_patience_mle_recovers_the_truth_under_heavy_censoring():
    wait, abandoned = _censored_sample()
    est = patience_estimate(wait, abandoned)
    assert est.censored_share > 0.8  # heavy censoring: 6/7 expected
    assert est.mean_s == pytest.approx(300.0, rel=0.05)
    assert est.ci_low_s < 300.0 < est.ci_high_s
    # The naive mean of abandoners' waits is about 1/(1/300 + 1/50) = 43 s: far off, not used.
    naive = wait[abandoned].mean()
    assert naive < 0.2 * 300.0
    assert abs(est.mean_s - naive) > 200.0
    assert est.naive_abandoner_mean_s == pytest.approx(naive)


def test_kaplan_meier_matches_scipy_and_the_exponential_truth():
    wait, abandoned = _censored_sample(n=20_000, seed=11)
    km = kaplan_meier(wait, abandoned)
    data = stats.CensoredData(uncensored=wait[abandoned], right=wait[~abandoned])
    ref = stats.ecdf(data).sf
    t = np.array([5.0, 20.0, 60.0, 120.0, 200.0])
    np.testing.assert_allclose(km.survival_at(t), ref.evaluate(t), rtol=1e-10)
    # Truth exp(-t/300); the standard error grows with t as fewer callers are still waiting.
    np.testing.assert_allclose(km.survival_at(t[:3]), np.exp(-t[:3] / 300.0), atol=0.02)


def test_sample_day_patience_is_total_wait_over_abandonments(kept_rows, calls):
    total = sum(int(r["q_time"]) for r in kept_rows if r["q_start"] != NA)
    hangs = sum(r["outcome"] == "HANG" for r in kept_rows)
    est = patience_of(calls)
    assert est.mean_s == pytest.approx(total / hangs, rel=1e-12)
    assert est.mean_s > 3 * est.naive_abandoner_mean_s


def test_lognormal_handle_time_fit_recovers_mean_and_cv():
    rng = np.random.default_rng(5)
    sigma2 = np.log1p(1.2**2)
    h = rng.lognormal(np.log(200.0) - sigma2 / 2, np.sqrt(sigma2), 40_000)
    fit = handle_time_fit(h)
    assert fit.lognormal_mean_s == pytest.approx(200.0, rel=0.03)
    assert fit.lognormal_cv == pytest.approx(1.2, rel=0.05)
    assert fit.ks_distance < 0.01


# ----- effective handle time and available agents ----------------------------------------------
def test_after_call_time_and_sessions_on_a_constructed_day(tmp_path):
    """One agent takes back-to-back calls 30 s apart while a long call waits in the queue, has
    a 20-minute break, and takes one more call; a second caller waits from 9:00 to 9:50."""
    lines = [
        "vru+line,call_id,customer_id,priority,type,date,vru_entry,vru_exit,vru_time,q_start,"
        "q_exit,q_time,outcome,ser_start,ser_exit,ser_time,server"
    ]

    def clock(s):
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"

    start = 9 * 3600
    for k in range(5):  # 9:00:00, 9:02:30, ...: 120 s calls, 30 s gaps
        s0 = start + 150 * k
        lines.append(
            f"AA01,{k},0,0,PS,2010-08-01,{clock(s0)},{clock(s0)},0,{NA},{NA},0,AGENT,"
            f"{clock(s0)},{clock(s0 + 120)},120,ANA"
        )
    waiter = start
    lines.append(
        f"AA02,99,0,0,PS,2010-08-01,{clock(waiter)},{clock(waiter)},0,{clock(waiter)},"
        f"{clock(waiter + 3000)},3000,HANG,{NA},{NA},0,NO_SERVER"
    )
    late = start + 150 * 4 + 120 + 1200  # after a 20-minute break
    lines.append(
        f"AA01,9,0,0,PS,2010-08-01,{clock(late)},{clock(late)},0,{NA},{NA},0,AGENT,"
        f"{clock(late)},{clock(late + 120)},120,ANA"
    )
    calls = read_history(_write(tmp_path / "day.csv", lines))
    s = estimate_staffing(calls, interval_minutes=60, break_gap_s=600)
    assert s.wrap_up_gaps == 4 and s.wrap_up_s == pytest.approx(30.0)
    assert s.effective_aht_s == pytest.approx(120.0 + 30.0)
    # Sessions: 9:00:00 to the end of the fifth call at 9:12:00, plus 30 s after-call time
    # (750 s), and the late call with its after-call time (150 s), all in hour 9.
    assert s.agents_available[9] == pytest.approx((750 + 150) / 3600)
    assert s.agents_serving[9] == 1


# ----- calibration and backtest ----------------------------------------------------------------
def test_calibrated_scenario_plans_and_reproduces_the_history(calls, bt, kept_rows):
    cal = calibrate(calls, interval_minutes=30)
    sc = cal.scenario
    voice = sc.channel("voice")
    assert sc.start_date == dt.date(2010, 8, 1) and sc.days == 1
    assert voice.demand.volume_per_day == len(kept_rows)
    assert voice.patience.mean_s == pytest.approx(patience_of(calls).mean_s)
    assert voice.handle_time.mean_s == pytest.approx(bt.staffing.effective_aht_s)

    # Intraday bands, recounted from the rows: a band's AHT is its answered calls' mean service
    # time plus the after-call time, its patience its total queue time / abandonments.
    def offered_s(r):
        return _secs(r["q_start"] if r["q_start"] != NA else r["ser_start"])

    seen = []
    for lo_h, hi_h in zip(PATIENCE_BANDS_H[:-1], PATIENCE_BANDS_H[1:], strict=True):
        inside = [r for r in kept_rows if lo_h * 3600 <= offered_s(r) < hi_h * 3600]
        answered = [int(r["ser_time"]) for r in inside if r["outcome"] == "AGENT"]
        hangs = sum(r["outcome"] == "HANG" for r in inside)
        if len(answered) < MIN_BAND_CALLS and hangs < MIN_BAND_ABANDONS:
            continue
        band = voice.intraday_bands[len(seen)]
        seen.append(band)
        assert (band.start, band.end) == (f"{lo_h:02d}:00", f"{hi_h:02d}:00")
        wait = sum(int(r["q_time"]) for r in inside if r["q_start"] != NA)
        assert band.aht_s == pytest.approx(np.mean(answered) + bt.staffing.wrap_up_s, rel=1e-12)
        assert band.patience_s == pytest.approx(wait / hangs, rel=1e-12)
    assert len(seen) == len(voice.intraday_bands) >= 2
    result = plan(sc, "erlang_a")
    demand = result.table.channels["voice"]
    np.testing.assert_allclose(demand.offered, bt.observed.offered)
    # Through the planning pipeline: Erlang A per interval with each band's AHT and patience.
    start_h = np.arange(demand.offered.size) * 0.5
    aht, patience = np.full(start_h.size, voice.aht_s), np.full(start_h.size, voice.patience_s)
    for band in voice.intraday_bands:
        inside = (start_h >= int(band.start[:2])) & (start_h < int(band.end[:2]))
        aht[inside], patience[inside] = band.aht_s, band.patience_s
    need = required_agents(
        demand.calls_per_hour, aht, patience_s=patience, service_level=0.8, threshold_s=20
    )
    np.testing.assert_array_equal(result.channels["voice"].required_agents, need.agents)
    # Without the bands it is the backtest's question: the agents needed for 80/20.
    flat = apply_overrides(sc, {f"channels.{voice.name}.intraday_bands": []})
    np.testing.assert_array_equal(
        plan(flat, "erlang_a").channels["voice"].required_agents, bt.required_agents
    )
    by_type = calibrate(calls, by_type=True).scenario
    assert sorted(c.name for c in by_type.channels) == sorted({r["type"] for r in kept_rows})
    assert sum(c.demand.volume_per_day for c in by_type.channels) == len(kept_rows)


def test_backtest_errors_are_the_mean_absolute_errors_over_busy_intervals(bt):
    obs = bt.observed
    busy = obs.offered >= 30
    np.testing.assert_array_equal(bt.busy, busy)
    for variant in bt.variants.values():
        assert set(variant.predictions) == {"erlang_c", "erlang_a", "simulation"}
        for pred in variant.predictions.values():
            for kpi in ("service_level", "abandon_rate"):
                manual = np.mean(np.abs(getattr(pred, kpi)[busy] - getattr(obs, kpi)[busy]))
                assert pred.mae[kpi] == pytest.approx(manual, rel=1e-12)


def test_plain_inputs_are_too_optimistic_and_the_correction_helps(bt):
    plain = bt.variants["plain"].predictions["erlang_a"]
    corrected = bt.variants["corrected"].predictions["erlang_a"]
    assert plain.bias["service_level"] > 0.1, "plain Erlang A should overstate the SL"
    assert plain.bias["abandon_rate"] < -0.1, "plain Erlang A should understate abandonment"
    assert corrected.mae["service_level"] < plain.mae["service_level"]
    assert corrected.mae["abandon_rate"] < plain.mae["abandon_rate"]
    assert bt.staffing.effective_aht_s > bt.staffing.recorded_aht_s
    assert np.all(bt.staffing.agents_available <= bt.staffing.agents_serving + 1e-9)
    # Erlang C has nobody abandon.
    assert np.all(bt.variants["plain"].predictions["erlang_c"].abandon_rate == 0)


# ----- CLI -----------------------------------------------------------------------------------
def test_cli_history_json(capsys, rows, tmp_path):
    code = main(
        [
            "history",
            str(SAMPLE),
            "--format",
            "json",
            "--replications",
            "2",
            "--plots",
            str(tmp_path),
            "--scenario-out",
            str(tmp_path / "calibrated.yaml"),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    data = json.loads(out)
    imp = data["import"]
    assert imp["rows_in"] == len(rows)
    assert imp["rows_in"] == imp["kept"] + sum(imp["dropped"].values())
    assert data["backtest"]["sl_definition"] == "answered within 20 s / offered"
    assert {(r["inputs"], r["model"]) for r in data["backtest"]["mae"]} == {
        (v, m) for v in ("plain", "corrected") for m in ("erlang_c", "erlang_a", "simulation")
    }
    assert data["patience"]["mean_s"] > data["patience"]["naive_abandoner_mean_s"]
    for name in ("backtest.png", "staffing.png", "patience.png", "calibrated.yaml"):
        assert (tmp_path / name).stat().st_size > 0
    code = main(["validate", str(tmp_path / "calibrated.yaml")])
    assert code == 0


def test_cli_history_table_states_definitions(capsys):
    code = main(["history", str(SAMPLE), "--replications", "0"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "2375 rows read" in out
    assert "answered within 20 s / offered" in out
    assert "after-call time" in out and "censored" in out


def test_the_bundled_samples_ship_inside_the_package(capsys):
    """The samples are package data inside the repository (with their source and licence), so a
    clone or an install has them."""
    from scenarios.history.samples import SAMPLES

    for name in SAMPLES:
        path = sample_path(name)
        assert path.is_file() and "scenarios" in path.parts and path.stat().st_size > 50_000
    assert "Licence" in (sample_path("bank-day").parent / "README.md").read_text()
    assert main(["history", "bank-day", "--replications", "2", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["import"]["rows_in"] == 2375
