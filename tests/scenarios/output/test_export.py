"""Plan exports: CSV and JSON carry the plan's numbers; PNG files are real images."""

import csv
import io
import json

import numpy as np
import pytest

from scenarios import plan
from scenarios.examples import load_example
from scenarios.output.export import (
    INTERVAL_COLUMNS,
    intervals_csv,
    periods_csv,
    plan_to_json,
    write_plan,
)
from scenarios.output.plots import kpi_curve, staffing_curve, week_heatmap


@pytest.fixture(scope="module")
def result():
    return plan(load_example("default"))


def test_interval_csv_parses_back_to_the_plan(result):
    rows = list(csv.DictReader(io.StringIO(intervals_csv(result))))
    n = result.table.n_intervals
    assert tuple(rows[0]) == INTERVAL_COLUMNS and len(rows) == n * len(result.channels)
    voice = [r for r in rows if r["channel"] == "voice"]
    np.testing.assert_array_equal(
        [int(r["required_agents"]) for r in voice], result.channels["voice"].required_agents
    )
    np.testing.assert_allclose(
        [float(r["service_level"]) for r in voice],
        result.channels["voice"].service_level,
        rtol=1e-14,
    )
    hours = sum(float(r["paid_hours"]) for r in rows)
    assert hours == pytest.approx(result.total.paid_hours[0])
    email = [r for r in rows if r["channel"] == "email"]
    assert email[0]["patience_s"] == "" and email[0]["sl_definition"] == "of_offered"


def test_period_csv_names_the_currency(result):
    rows = list(csv.DictReader(io.StringIO(periods_csv(result.weeks, result.currency))))
    assert "cost_EUR" in rows[0] and len(rows) == len(result.weeks.label)
    assert sum(float(r["cost_EUR"]) for r in rows) == pytest.approx(result.total.cost[0])


def test_json_round_trips_and_states_the_sl_definition(result):
    data = json.loads(json.dumps(plan_to_json(result)))
    assert data["total"]["paid_hours"] == pytest.approx(result.total.paid_hours[0])
    voice = data["channels"]["voice"]
    assert voice["sl_definition_text"] == "answered within 20 s / offered"
    assert (
        voice["intervals"]["required_agents"] == result.channels["voice"].required_agents.tolist()
    )


def test_write_plan_writes_every_file(result, tmp_path):
    paths = write_plan(result, tmp_path)
    names = {p.name for p in paths}
    assert {"intervals.csv", "daily.csv", "weekly.csv", "monthly.csv", "plan.json"} <= names
    pngs = [p for p in paths if p.suffix == ".png"]
    assert len(pngs) == 1 + 2 * len(result.channels)
    for p in pngs:
        data = p.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary files left behind


def test_figures_label_units_and_definitions(result):
    ax = staffing_curve(result).axes[0]
    assert ax.get_ylabel() == "agents" and "Service desk" in ax.get_title()
    heat = week_heatmap(result, "voice").axes[0]
    assert [t.get_text() for t in heat.get_yticklabels()][0] == "Monday"
    kpi = kpi_curve(result, "voice").axes[0]
    labels = kpi.get_legend_handles_labels()[1]
    assert "service level (answered within 20 s / offered)" in labels and "target 80%" in labels
