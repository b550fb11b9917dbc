"""Scenario sweeps: the --vary syntax, validation of every grid point, outcomes equal to planning
each variant by hand, the tidy table in CSV / Parquet, and the ``ccplan sweep`` command."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from scenarios.cli import main
from scenarios.examples import example_path
from scenarios.io import load_scenario
from scenarios.pipeline import plan
from scenarios.scenario import Scenario
from scenarios.sweep import grid, parse_vary, run_sweep, sweep_csv
from scenarios.verdict import breach_risks
from simulator import ProcessExecutor


@pytest.fixture(scope="module")
def default():
    return load_scenario(example_path("default"))


def variant(scenario: Scenario, *, days=None, voice_sl=None, absence=None) -> Scenario:
    """The scenario with fields changed by hand (not through the sweep's paths)."""
    data = scenario.model_dump()
    if days is not None:
        data["days"] = days
    if voice_sl is not None:
        for t in data["targets"]:
            if t["channel"] == "voice":
                t["service_level"] = voice_sl
    if absence is not None:
        data["workforce"]["shrinkage"]["absence"] = absence
    return Scenario.model_validate(data)


# ----- the --vary syntax ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, values",
    [
        ("targets.voice.service_level=0.7:0.95:0.05", (0.7, 0.75, 0.8, 0.85, 0.9, 0.95)),
        ("targets.voice.threshold_s=15:30:5", (15, 20, 25, 30)),
        ("workforce.max_occupancy=0.8:0.9:0.04", (0.8, 0.84, 0.88)),  # stop not on a step
        ("targets.voice.threshold_s=15,20,30", (15, 20, 30)),
        ("targets.voice.sl_definition=of_offered,of_answered", ("of_offered", "of_answered")),
        ("workforce.shrinkage=0.3", (0.3,)),
    ],
)
def test_vary_ranges_include_the_stop_and_lists_keep_their_order(text, values):
    axis = parse_vary(text)
    assert axis.path == text.split("=")[0]
    assert axis.values == values
    assert [type(v) for v in axis.values] == [type(v) for v in values]


@pytest.mark.parametrize(
    "text, message",
    [
        ("targets.voice.service_level", r"expected PATH=START:STOP:STEP or PATH=A,B,C"),
        ("workforce.max_occupancy=0.9:0.8:0.05", r"the stop 0.8 is below the start 0.9"),
        ("workforce.max_occupancy=0.8:0.9:0", r"the step must be > 0"),
        ("workforce.max_occupancy=0.8:x:0.1", r"range bound 'x' is not a number"),
        ("workforce.max_occupancy=0.8,,0.9", r"empty value in the list"),
        ("workforce.max_occupancy=0.8,0.8", r"the value 0.8 is listed twice"),
        ("workforce.max_occupancy=0:1:0.00001", r"100,001 values; at most 10,000"),
    ],
)
def test_bad_vary_syntax_is_one_plain_sentence(text, message):
    with pytest.raises(ValueError, match=message):
        parse_vary(text)


@pytest.mark.parametrize(
    "vary, message",
    [
        ("targets.phone.service_level=0.8", r"no entry 'phone' in targets; entries: voice, email"),
        ("workforce.overtime=0.1", r"workforce has no field 'overtime'; its fields are shrinkage"),
        ("channels.voice.demand=1", r"names a group of fields"),
        (
            "targets.voice.service_level=0.8:1.2:0.2",
            r"targets.voice.service_level=1.2: targets\[0\].service_level: must be a fraction "
            r"in \[0, 1\], got 1.2",
        ),
        (
            "workforce.hours_per_fte_per_week=40,90",
            r"hours_per_fte_per_week=90: workforce.hours_per_fte_per_week: must be less than "
            r"or equal to 80",
        ),
        ("interval_minutes=20", r"interval_minutes=20: interval_minutes: must be one of 15, 30"),
    ],
)
def test_bad_paths_and_values_name_the_path_and_the_rule(default, vary, message):
    with pytest.raises(ValueError, match=message):
        grid(default, [parse_vary(vary)])


def test_combinations_are_validated_too(default):
    # Each value is fine alone; together with breaks 0.09 and meetings 0.04 the shrinkage
    # components reach 0.5 + 0.45 + 0.09 + 0.04 = 1.08.
    axes = [
        parse_vary("workforce.shrinkage.absence=0.1,0.5"),
        parse_vary("workforce.shrinkage.training=0.05,0.45"),
    ]
    with pytest.raises(
        ValueError, match=r"absence=0.5, workforce.shrinkage.training=0.45: .*add up to 1\.08"
    ):
        grid(default, axes)


def test_total_shrinkage_scales_the_components_alike(default):
    ((_, scaled),) = grid(default, [parse_vary("workforce.shrinkage=0.4")])
    before = default.workforce.shrinkage
    after = scaled.workforce.shrinkage
    assert after.keys() == before.keys()
    assert scaled.workforce.total_shrinkage == pytest.approx(0.4, rel=1e-12)
    ratios = [after[k] / before[k] for k in before]
    assert np.allclose(ratios, 0.4 / default.workforce.total_shrinkage, rtol=1e-12)


# ----- outcomes ------------------------------------------------------------------------------
def test_each_point_equals_planning_that_variant_by_hand(default):
    short = variant(default, days=7)
    result = run_sweep(
        short,
        ["targets.voice.service_level=0.85,0.95", "workforce.shrinkage.absence=0.08,0.16"],
    )
    assert [p.values for p in result.points] == [
        (0.85, 0.08),
        (0.85, 0.16),
        (0.95, 0.08),
        (0.95, 0.16),
    ], "every combination, first axis slowest"
    for point in result.points:
        sl, absence = point.values
        expected = plan(variant(short, voice_sl=sl, absence=absence))
        assert point.fte == expected.total.fte[0]
        assert point.cost == expected.total.cost[0]
        assert point.revenue == expected.total.revenue[0]
        for outcome in point.channels:
            p = expected.channels[outcome.channel]
            assert outcome.peak_scheduled_agents == p.scheduled_agents.max()
            assert outcome.paid_hours == p.paid_hours.sum()
        assert sum(c.scheduled_fte for c in point.channels) == pytest.approx(
            expected.total.fte[0], rel=1e-12
        )
        voice = point.channels[0]
        assert voice.target_service_level == sl
        offered = expected.table.channels["voice"].offered
        assert voice.service_level == pytest.approx(
            np.sum(expected.channels["voice"].service_level * offered) / offered.sum(), rel=1e-12
        )
    # A stricter target costs at least as much (same shrinkage).
    by = {p.values: p for p in result.points}
    assert by[(0.95, 0.08)].cost >= by[(0.85, 0.08)].cost
    assert by[(0.85, 0.16)].fte > by[(0.85, 0.08)].fte, "more absence needs more paid staff"


def test_processes_give_the_same_table_as_serial(default):
    short = variant(default, days=7)
    axes = ["workforce.max_occupancy=0.8:0.9:0.05"]
    serial = run_sweep(short, axes)
    calls = []
    with ProcessExecutor(2) as executor:
        parallel = run_sweep(
            short, axes, executor=executor, progress=lambda d, n: calls.append((d, n))
        )
    assert sweep_csv(parallel) == sweep_csv(serial)
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_breach_risk_matches_the_verdict_at_each_point(default):
    short = variant(default, days=2)
    result = run_sweep(short, ["targets.voice.service_level=0.8,0.9"], replications=3, seed=5)
    for point in result.points:
        scenario = variant(short, voice_sl=point.values[0])
        agents = plan(scenario).channels["voice"].required_agents
        risks = breach_risks(scenario, "voice", agents=agents, replications=3, seed=5)
        voice = point.channels[0]
        # The worst over every clause (SL and the abandonment cap) and measured period.
        assert voice.p_breach_worst == max(np.nanmax(r.p_breach) for r in risks.values())
        sl = risks["service_level"]
        assert voice.expected_breaches_per_year == sl.expected_breaches_per_year


# ----- the command ---------------------------------------------------------------------------
def test_cli_writes_the_tidy_table_and_plots(tmp_path, capsys, default):
    out = tmp_path / "sweep"
    code = main(
        [
            "sweep",
            "default",
            "--vary",
            "targets.voice.service_level=0.7:0.9:0.1",
            "--vary",
            "workforce.max_occupancy=0.85,0.9",
            "--out",
            str(out),
            "--executor",
            "serial",
            "--format",
            "json",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    channels = [c.name for c in default.channels]
    assert len(data["rows"]) == 3 * 2 * len(channels)
    with open(out / "sweep.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(data["rows"])
    assert {"targets.voice.service_level", "workforce.max_occupancy", "channel"} <= set(rows[0])
    assert [r["channel"] for r in rows[: len(channels)]] == channels
    pairs = {(r["targets.voice.service_level"], r["workforce.max_occupancy"]) for r in rows}
    assert pairs == {(s, o) for s in ("0.7", "0.8", "0.9") for o in ("0.85", "0.9")}
    for row, record in zip(rows, data["rows"], strict=True):
        assert float(row["cost"]) == pytest.approx(record["cost"], rel=1e-14)
    for name in ("sweep_cost.png", "sweep_service_level.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    written = {p.rsplit("/", 1)[-1] for p in data["written"]}
    try:
        import pyarrow.parquet as pq
    except ImportError:
        assert "pyarrow" in captured.err and "sweep.parquet" not in written
    else:
        table = pq.read_table(out / "sweep.parquet").to_pylist()
        assert [r["cost"] for r in table] == [float(r["cost"]) for r in rows]
        assert [r["channel"] for r in table] == [r["channel"] for r in rows]
    assert not list(out.glob(".*.tmp")), "no temporary files left behind"


def test_cli_table_on_the_terminal(capsys):
    code = main(["sweep", "default", "--vary", "workforce.hourly_cost=30,40", "--workers", "2"])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Service desk (default): 2 grid point(s)")
    assert "workforce.hourly_cost" in lines[1] and "cost EUR" in lines[1]


def test_cli_bad_vary_is_one_line_with_exit_2(capsys):
    code = main(["sweep", "default", "--vary", "targets.voice.service_level=0.9:1.1:0.1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "targets.voice.service_level=1.1" in err
    assert "fraction in [0, 1]" in err


def test_cli_sweep_needs_a_vary(capsys):
    assert main(["sweep", "default"]) == 2
    assert "--vary" in capsys.readouterr().err


def test_csv_cells_round_trip(default):
    result = run_sweep(variant(default, days=7), ["workforce.max_occupancy=0.85"])
    rows = list(csv.reader(io.StringIO(sweep_csv(result))))
    header, body = rows[0], rows[1:]
    records = result.records()
    for row, record in zip(body, records, strict=True):
        for name, cell in zip(header, row, strict=True):
            value = record[name]
            if isinstance(value, bool):
                assert cell == ("true" if value else "false")
            elif isinstance(value, float) and value != value:
                assert cell == ""
            elif isinstance(value, float):
                assert float(cell) == value
            elif value is None:
                assert cell == ""
            else:
                assert cell == str(value)
