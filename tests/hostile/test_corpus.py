"""The hostile-input corpus (``cases.py``, files in ``files/``) against the CLI (in-process, and
a few real subprocesses) and the Python API.

Every refused input: exit status 2 and one stderr line naming the field (or file and line),
never a traceback, never a numpy warning (warnings are errors here). Every answered input: the
answer checked against a value computed independently of the code under test.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest

from erlang import erlang_a_kpis, required_agents
from scenarios.cli import main
from scenarios.history.records import HistoryError, read_history
from scenarios.history.samples import sample_path
from scenarios.io import spreadsheet_text

from .cases import CLI_CASES, Refused

FILES = Path(__file__).parent / "files"
ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    """Files made at run time: too large to commit (sparse: nothing is written or read), too
    deep, or special (FIFOs)."""
    tmp = tmp_path_factory.mktemp("hostile")
    with open(tmp / "large.yaml", "wb") as f:
        f.truncate(600 * 1024)
    with open(tmp / "large.csv", "wb") as f:
        f.truncate(201 * 1024**2)
    (tmp / "deep.yaml").write_text("[" * 100_000 + "]" * 100_000)
    os.mkfifo(tmp / "fifo.yaml")
    os.mkfifo(tmp / "fifo.csv")
    return tmp


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``ccplan argv`` in-process; any warning raised as an error (it would reach stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        warnings.simplefilter("error")
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def argv_of(case: Refused, tmp: Path) -> list[str]:
    return [a.format(files=FILES, tmp=tmp) for a in case.argv]


@pytest.mark.parametrize("case", CLI_CASES, ids=lambda c: c.name)
def test_cli_refuses_with_one_line_naming_the_field(case, made):
    code, _, err = run_cli(argv_of(case, made))
    assert code == 2, (case.name, code, err)
    assert err.count("\n") == 1 and err.startswith("ccplan "), err
    for text in case.says:
        assert text in err, (case.name, text, err)


# ----- the same through real processes: exit status, stderr, no warning, no hang ---------------
@pytest.mark.parametrize(
    "name",
    ["/dev/zero as the scenario", "handle time 1e12 s", "--fte nan", "--fte 1e300"],
)
def test_a_real_process_exits_2_with_one_line(name, made):
    case = next(c for c in CLI_CASES if c.name == name)
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-m", "scenarios.cli", *argv_of(case, made)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and all(t in proc.stderr for t in case.says), proc.stderr


# ----- answered: checked against independent values --------------------------------------------
def test_a_volume_file_gives_exactly_its_volumes():
    """The plan's offered contacts are the file's rows (the row before the horizon ignored)."""
    code, out, err = run_cli(["plan", str(FILES / "csv_good.yaml"), "--format", "csv"])
    assert code == 0, err
    lines = out.splitlines()
    header = lines[0].split(",")
    offered = {
        row[0]: float(row[header.index("offered")]) for row in (ln.split(",") for ln in lines[1:])
    }
    expected = {"2027-01-04T08:00": 12.0, "2027-01-04T09:00": 30.5, "2027-01-05T10:00": 7.0}
    assert len(offered) == 7 * 24
    assert {k: v for k, v in offered.items() if v} == expected


def test_csv_cells_a_spreadsheet_would_run_are_text():
    """A channel named like a formula (``-A1 voice``) is written ``'-A1 voice`` in every
    CSV row; numbers (negative ones too) are untouched."""
    code, out, err = run_cli(["plan", str(FILES / "channel_formula.yaml"), "--format", "csv"])
    assert code == 0, err
    rows = [ln.split(",") for ln in out.splitlines()[1:]]
    assert {r[1] for r in rows} == {"'-A1 voice"}
    for text, shown in [
        ("=2+5", "'=2+5"),
        ("+1", "'+1"),
        ("-A1", "'-A1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("voice", "voice"),
        ("EUR", "EUR"),
        ("", ""),
    ]:
        assert spreadsheet_text(text) == shown


def _erlang_c_sl(calls_per_hour, aht_s, agents, threshold_s) -> float:
    """Erlang C service level (answered within T / offered) by the Erlang B recursion: an
    independent textbook evaluation, 1 - C(n, a) exp(-(n - a) T / AHT)."""
    a = calls_per_hour * aht_s / 3600.0
    b = 1.0
    for k in range(1, agents + 1):
        b = a * b / (k + a * b)
    c = agents * b / (agents - a * (1 - b))
    return 1.0 - c * math.exp(-(agents - a) * threshold_s / aht_s)


def _p_wait_chain(calls_per_hour, aht_s, patience_s, agents) -> float:
    """P(wait) of M/M/n+M from its birth-death chain (death rate min(j, n)/AHT + max(j - n,
    0)/patience), summed in mpmath until the terms vanish: independent of the closed forms."""
    mp.mp.dps = 30
    lam, p, terms = calls_per_hour / 3600.0, mp.mpf(1), [mp.mpf(1)]
    for j in range(1, 100_000):
        p *= lam / (min(j, agents) / aht_s + max(j - agents, 0) / patience_s)
        terms.append(p)
        if j > agents and p < terms[agents] * mp.mpf(10) ** -25:
            break
    return float(mp.fsum(terms[agents:]) / mp.fsum(terms))


def test_erlang_a_refuses_a_patience_beyond_a_day_and_agrees_with_erlang_c_at_the_cap():
    """Patience above 86,400 s is refused (1e16 s answered 268 agents where the Erlang C limit
    needs 261). At the cap the staffing is the Erlang C one and the KPIs are the chain's."""
    for call in (
        lambda: erlang_a_kpis(3000, 300, 1e16, 261, 20),
        lambda: required_agents(3000, 300, patience_s=1e16, service_level=0.8, threshold_s=20),
    ):
        with pytest.raises(ValueError, match=r"`patience_s` must be .*86400.*Erlang C"):
            call()
    n_c = next(n for n in range(251, 400) if _erlang_c_sl(3000, 300, n, 20) >= 0.8)
    r = required_agents(3000, 300, patience_s=86_400, service_level=0.8, threshold_s=20)
    assert r.agents == n_c == 261
    k = erlang_a_kpis(3000, 300, 86_400, n_c, 20)
    assert float(k.p_wait) == pytest.approx(_p_wait_chain(3000, 300, 86_400, n_c), rel=1e-9)
    # a day of patience still trims the queue a little: SL between the Erlang C value and +1%
    assert 0 <= float(k.service_level) - _erlang_c_sl(3000, 300, n_c, 20) < 0.01


def test_history_from_to_select_days_and_reconcile():
    """``date_from``/``date_to`` keep the calls of those days; the others are dropped as
    ``outside_dates`` and every row is still accounted for."""
    path = sample_path("bank-day")
    whole = read_history(path)
    day = whole.origin
    same = read_history(path, date_from=day, date_to=day)
    assert same.size == whole.size and same.report.reconciles
    with pytest.raises(HistoryError, match=f"outside_dates {whole.size}"):
        read_history(path, date_to=day - dt.timedelta(days=1))


def test_bool_is_refused_wherever_a_number_belongs_but_kept_for_flags():
    from scenarios.io import parse_scenario, read_mapping

    data = read_mapping(FILES / "base.yaml")
    data["channels"][0]["demand"]["special_periods"] = [
        {"start_date": dt.date(2027, 1, 5), "multiplier": 2, "excluded_from_sla": True}
    ]
    assert parse_scenario(data).channels[0].demand.special_periods[0].excluded_from_sla is True
    data["channels"][0]["concurrency"] = True
    with pytest.raises(ValueError, match=r"channels\[0\]\.concurrency: must be a number"):
        parse_scenario(data)


def test_money_at_the_cap_stays_finite():
    """The largest hourly cost accepted (1e9) gives a finite cost: paid hours x 1e9."""
    from scenarios.overrides import apply_overrides
    from scenarios.pipeline import plan

    base = apply_overrides(
        __import__("scenarios.io", fromlist=["load_scenario"]).load_scenario(FILES / "base.yaml"),
        {"workforce.hourly_cost": 1e9},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = plan(base)
    cost, hours = float(result.total.cost[0]), float(result.total.paid_hours[0])
    assert np.isfinite(cost) and cost == pytest.approx(hours * 1e9, rel=1e-12)


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("/etc/passwd", "is an absolute path"),
        ("../../etc/hostname", "leaves the scenario's folder"),
        ("/dev/zero", "is an absolute path"),
        ("sub/../../outside.csv", "leaves the scenario's folder"),
    ],
)
def test_an_uploaded_scenario_cannot_name_a_server_file(name, says, tmp_path):
    """The app's ``DataDir(folder, allow_absolute=False)``: absolute, ``..`` and device names
    are refused before anything is opened."""
    from scenarios.demand import expand
    from scenarios.files import DataDir, DataFileError
    from scenarios.io import load_scenario
    from scenarios.overrides import apply_overrides

    scenario = apply_overrides(
        load_scenario(FILES / "csv_good.yaml"), {"channels.voice.demand.csv": name}
    )
    with pytest.raises(DataFileError, match=says):
        expand(scenario, DataDir(tmp_path, allow_absolute=False))


def test_sweep_csv_writes_a_formula_like_channel_as_text(tmp_path):
    code, _, err = run_cli(
        [
            "sweep",
            str(FILES / "channel_formula.yaml"),
            "--vary",
            "workforce.hourly_cost=30,40",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0, err
    import csv

    with open(tmp_path / "sweep.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["channel"] for r in rows] == ["'-A1 voice"] * 2
    assert [float(r["workforce.hourly_cost"]) for r in rows] == [30.0, 40.0]
