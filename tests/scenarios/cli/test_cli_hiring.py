"""``ccplan hiring``: the table per month, JSON, the plot, the smallest plan, one-line errors.
The hiring plan in ``ccplan check --report``: ``test_cli.test_check_writes_an_html_report...``."""

import json

import numpy as np

from scenarios.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_hiring_table_names_its_definitions(capsys):
    code, out, err = run(capsys, "hiring", "default", "--replications", "0")
    assert code == 0, err
    assert "answered within 20 s / offered, per month" in out
    assert "Leavers are expected values" in out and "busiest ISO week" in out
    assert "2027-12" in out and "Classes: 10 on 2027-03-01" in out
    assert "P(breach): not simulated (--replications 0)" in out


def test_hiring_json_conserves_headcount_and_the_plot_is_written(capsys, tmp_path):
    png = tmp_path / "hiring.png"
    code, out, err = run(
        capsys, "hiring", "default", "--optimize", "--replications", "0", "--format", "json",
        "--plot", str(png),
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    months = data["months"]
    headcount = np.array([m["headcount"] for m in months])
    flows = np.array([m["hires"] - m["leavers"] for m in months])
    np.testing.assert_allclose(headcount[1:], (headcount + flows)[:-1], rtol=1e-12)
    assert data["unreachable_months"] == ["2027-01"]
    assert all(m["gap_fte"] >= -1e-6 for m in months[1:])
    assert data["total_hires"] == sum(c["size"] for c in data["classes"])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert data["written"] == [str(png)]


def test_hiring_errors_are_one_line(capsys, tmp_path):
    code, _, err = run(capsys, "hiring", "retailer")
    assert code == 2 and err.count("\n") == 1 and "no `hiring` section" in err
    png = tmp_path / "x.png"
    png.write_bytes(b"")
    code, _, err = run(capsys, "hiring", "default", "--plot", str(png))
    assert code == 2 and "--force" in err
    code, _, err = run(capsys, "hiring", "default", "--replications", "1")
    assert code == 2 and err.count("\n") == 1 and "replications" in err
