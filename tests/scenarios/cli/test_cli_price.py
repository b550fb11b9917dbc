"""``ccplan price``: the table, JSON and plot a negotiator reads; one-line errors."""

import json

import yaml

from scenarios.cli import main
from scenarios.examples import example_path

SMALL = {
    "name": "small contract",
    "interval_minutes": 60,
    "start_date": "2027-03-01",
    "days": 3,
    "channels": [
        {
            "name": "voice",
            "kind": "voice",
            "handle_time": {"kind": "exponential", "mean_s": 300},
            "patience": {"kind": "exponential", "mean_s": 120},
            "demand": {
                "volume_per_day": 2000,
                "intraday_profile": "business_day",
                "forecast_error": {"day_volume_cv": 0.1},
            },
        }
    ],
    "targets": [{"channel": "voice", "service_level": 0.8, "threshold_s": 20}],
    "workforce": {"shrinkage": {"absence": 0.3}, "hourly_cost": 30.0},
    "pricing": {
        "model": "per_contact",
        "per_contact": 5.0,
        "minimum_monthly_contacts": 10_000,
        "bands": [{"from_contacts_per_month": 60_000, "per_contact": 4.0}],
        "peak_rates": [{"start": "09:00", "end": "11:00", "multiplier": 1.2}],
    },
    "term": {
        "start_date": "2027-03-01",
        "years": 2,
        "indexation": {"rate_per_year": [0.04], "cap": 0.03},
        "wage_inflation_per_year": 0.05,
    },
}


def write(tmp_path, data):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_price_table_names_units_quantiles_models_and_the_term(capsys, tmp_path):
    code, out, err = run(capsys, "price", write(tmp_path, SMALL))
    assert code == 0 and err == ""
    for text in (
        "money per year in EUR",
        "P10",
        "P90",
        "FTE (re-planned)",
        "the contract's per_contact: 5.00 EUR/contact (1 band(s), minimum 10,000",
        "fixed_monthly",
        "provider's break-even volume",
        "cheapest for the client: P10",
        "contract term from 2027-03-01, 2 years",
    ):
        assert text in out, text


def test_price_json_and_plot(capsys, tmp_path):
    plot = tmp_path / "pricing.png"
    code, out, _ = run(
        capsys, "price", write(tmp_path, SMALL), "--format", "json", "--plot", str(plot)
    )
    data = json.loads(out)
    assert code == 0 and plot.read_bytes().startswith(b"\x89PNG")
    assert data["written"] == [str(plot)]
    names = [m["name"] for m in data["models"]]
    assert names == ["contract", "per_contact", "per_hour", "fixed_monthly", "hybrid"]
    years = data["term"]["years"]
    assert [y["price_factor"] for y in years] == [1.0, 1.03]  # the 4% index capped at 3%
    assert years[1]["cost"] > years[0]["cost"]
    # the plot is not overwritten without --force
    code, _, err = run(capsys, "price", write(tmp_path, SMALL), "--plot", str(plot))
    assert code == 2 and "already exists; give --force" in err


def test_price_without_pricing_is_one_line(capsys, tmp_path):
    data = {k: v for k, v in SMALL.items() if k not in ("pricing",)}
    code, out, err = run(capsys, "price", write(tmp_path, data))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "has no `pricing`" in err


def test_price_runs_on_the_bundled_default(capsys):
    code, out, _ = run(capsys, "price", str(example_path("default")))
    assert code == 0 and "Service desk (default)" in out and "contract term from 2027-01-04" in out
