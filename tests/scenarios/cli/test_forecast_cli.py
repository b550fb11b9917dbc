"""``ccplan forecast`` on the bundled 5-minute history: files written, scenario plans."""

from __future__ import annotations

import json

import pytest

from scenarios.cli import main
from scenarios.io import load_scenario
from scenarios.pipeline import plan


def test_forecast_writes_csv_scenario_plot(tmp_path, capsys):
    out = tmp_path / "fc"
    code = main(["forecast", "bank-5min", "--horizon", "2w", "--country", "US", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "chosen: " in text and "seasonal naive" in text and "80% prediction intervals" in text
    for name in ("forecast_voice.csv", "forecast_voice.png", "scenario.yaml", "forecast.json"):
        assert (out / name).is_file(), name
    scenario = load_scenario(out / "scenario.yaml")
    assert scenario.days == 14 and scenario.channel("voice").demand.csv == "forecast_voice.csv"
    data = json.loads((out / "forecast.json").read_text())
    total = sum(d["volume"] for d in data[0]["daily"])
    result = plan(scenario, base_dir=out)
    assert result.table.channels["voice"].offered.sum() == pytest.approx(total, rel=1e-6)


def test_bad_special_day_is_one_line(capsys):
    assert main(["forecast", "bank-5min", "--special", "tomorrow"]) == 2
    err = capsys.readouterr().err
    assert "--special 'tomorrow'" in err and "Traceback" not in err
