"""The ccplan command line: readable tables, JSON for scripts, one-line errors with exit 2."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scenarios.cli import main

DEFAULT = str(Path(__file__).parents[3] / "scenarios" / "examples" / "default.yaml")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_erlang_calculator_finds_the_published_staffing(capsys):
    code, out, err = run(
        capsys,
        "erlang",
        "--calls-per-hour",
        "200",
        "--aht-s",
        "180",
        "--service-level",
        "0.8",
        "--threshold-s",
        "20",
        "--format",
        "json",
    )
    data = json.loads(out)
    assert code == 0 and err == ""
    assert data["agents"] == 14 and data["reachable"] is True
    sl = data["kpis"]["erlang_c"]["service_level"]["of_offered"]
    assert sl == pytest.approx(0.88835, abs=5e-6)


def test_erlang_table_states_units_and_sl_definitions(capsys):
    code, out, _ = run(
        capsys,
        "erlang",
        "--calls-per-interval",
        "100",
        "--interval-minutes",
        "30",
        "--aht-s",
        "180",
        "--agents",
        "11",
        "--patience-s",
        "120",
        "--threshold-s",
        "20",
    )
    assert code == 0
    assert "200 calls/h x AHT 180 s = 10 erlangs on 11 agents" in out
    assert "answered within 20 s / offered" in out
    assert "answered within 20 s / (offered - abandoned within 20 s)" in out
    assert "ASA [s]" in out and "Erlang A" in out


def test_validate_and_plan_a_file(capsys, tmp_path):
    code, out, _ = run(capsys, "validate", DEFAULT)
    assert code == 0 and "valid scenario 'Service desk (default)'" in out
    code, out, _ = run(capsys, "plan", DEFAULT)
    assert code == 0 and "peak required" in out and "FTE" in out and "cost EUR" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate", "no-such-file.yaml"], "no-such-file.yaml: no such file"),
        (
            ["erlang", "--calls-per-hour", "100", "--aht-s", "-3", "--agents", "5"],
            "`aht_s` must be",
        ),
        (["erlang", "--calls-per-hour", "100", "--aht-s", "300"], "give --agents, or a target"),
        (
            [
                "erlang",
                "--calls-per-hour",
                "100",
                "--aht-s",
                "300",
                "--service-level",
                "80",
                "--threshold-s",
                "20",
            ],
            "use 0.8 for 80%",
        ),
        (["plan", DEFAULT, "--model", "erlang_x"], "invalid choice: 'erlang_x'"),
    ],
)
def test_errors_are_one_line_with_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_malformed_file_exits_2_without_traceback_from_the_console_script(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(DEFAULT).read_text().replace("interval_minutes: 15", "interval_minutes: 7"))
    proc = subprocess.run(
        [sys.executable, "-m", "scenarios.cli", "plan", str(bad)], capture_output=True, text=True
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == (
        f"ccplan plan: {bad}: interval_minutes: must be one of 15, 30 or 60"
    )


def test_simulate_reports_simulated_beside_planned(capsys):
    code, out, _ = run(capsys, "simulate", DEFAULT, "--replications", "2", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["replications"] == 2 and data["engine"] == "compiled"
    voice = data["channels"]["voice"]
    assert voice["sl_definition"] == "of_offered" and voice["threshold_s"] == 20
    sl = voice["service_level"]
    assert sl["ci_low"] <= sl["simulated"] <= sl["ci_high"]
    assert 0.5 < sl["planned"] <= 1.0


def test_check_gives_the_verdict_with_breach_probabilities(capsys):
    code, out, _ = run(
        capsys, "check", "default", "--fte", "60", "--replications", "5", "--format", "json"
    )
    data = json.loads(out)
    assert code == 0 and data["fte_offered"] == 60
    voice = [t for t in data["targets"] if t["channel"] == "voice"]
    assert voice and not voice[0]["met_every_period"]  # 60 FTE is below the plan's ~67
    assert (
        voice[0]["model"] == "Erlang A" and "answered within 20 s / offered" in voice[0]["standard"]
    )
    risk = data["breach_risk"]["voice"]
    assert risk["model"].startswith("simulation (compiled engine), 5 replications")
    assert 0.0 <= risk["periods"][0]["p_breach"] <= 1.0
    assert data["cost_of_standard"]["voice"]["current"]["service_level"] == 0.8


def test_check_writes_an_html_report_with_its_figures(capsys, tmp_path):
    from scenarios.output.report import pdf_unavailable_reason

    code, out, _ = run(capsys, "check", "default", "--replications", "3", "--report", str(tmp_path))
    assert code == 0
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<h1>SLA verdict: Service desk (default)</h1>" in text
    assert "answered within 20 s / offered" in text
    assert "simulation (compiled engine), 3 replications" in text
    # 2 costs, 2 breach risks, peak, pricing
    assert text.count('<img src="data:image/png;base64,') == 6
    assert "<h2>Pricing</h2>" in text and "<h3>The contract term</h3>" in text
    # The example's hiring plan: the smallest one that covers every month (ccplan hiring).
    assert "<h2>Hiring plan</h2>" in text and "12 on 2027-01-01" in text
    assert (tmp_path / "report.pdf").exists() == (pdf_unavailable_reason() is None)


def test_json_output_is_strict_json(capsys):
    # Unstable Erlang C: ASA is infinite; strict JSON has no Infinity/NaN literals.
    code, out, _ = run(
        capsys,
        "erlang",
        "--calls-per-hour",
        "1200",
        "--aht-s",
        "300",
        "--agents",
        "50",
        "--format",
        "json",
    )

    def reject(constant):
        raise ValueError(f"non-strict JSON constant {constant}")

    data = json.loads(out, parse_constant=reject)
    assert code == 0 and data["kpis"]["erlang_c"]["asa_s"] is None
    assert data["infinite"] == ["kpis.erlang_c.asa_s", "kpis.erlang_c.mean_wait_s"]
    assert "infinite" in data["notes"][-1]
    assert '"inf"' not in out
