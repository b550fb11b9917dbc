"""Backtest with prediction intervals: coverage on a month whose true staffing is known, the
schedule input, and the in-sample label.

The February file was made by a queue with known agents on duty (``technion_month.schedule``),
so with that schedule the intervals' coverage is a test of the model and its uncertainty: the
randomized-PIT coverage of 80% intervals over ~180 busy intervals must be near 0.8 (a
binomial standard error of 0.03), and on the high side: the simulation redraws each
interval's arrivals (Poisson around the observed count), so its intervals also carry count
noise the observed interval, whose count is given, does not have (0.83-0.91 measured on seeds
11-13). A schedule two agents off falls to about 0.4.
"""

import numpy as np
import pytest

from scenarios.cli import main
from scenarios.history.prediction import IN_SAMPLE, predict_intervals, read_schedule
from scenarios.history.records import HistoryError, load_mapping, read_history

from . import technion_month
from .test_import_formats import DATA, FEB

SCHEDULE = DATA / technion_month.SCHEDULE


@pytest.fixture(scope="module")
def feb():
    return read_history(FEB, load_mapping("technion"))


def test_stored_schedule_is_the_generators():
    first, days, _ = technion_month.FILES[FEB.name]
    assert SCHEDULE.read_text() == technion_month.schedule(first, days)


def test_intervals_from_the_true_schedule_cover_about_their_level(feb):
    sched = read_schedule(SCHEDULE, feb, 30)
    p = predict_intervals(feb, schedule=sched, busy_min_offered=20, replications=40, seed=11)
    assert p.busy.sum() >= 150 and not p.in_sample
    for kpi in ("service_level", "abandon_rate"):
        assert 0.75 <= p.pit_coverage[kpi] <= 0.95, (kpi, p.pit_coverage)
        inside = p.covered[kpi][p.busy]
        assert p.coverage[kpi] == pytest.approx(inside.mean())
        # The intervals are intervals: low <= median <= high wherever there is a prediction.
        ok = np.isfinite(p.median[kpi])
        assert np.all(p.low[kpi][ok] <= p.median[kpi][ok])
        assert np.all(p.median[kpi][ok] <= p.high[kpi][ok])
    # Wrong agents: two more on duty all day; the intervals miss the observed service.
    wrong = type(sched)(sched.source, np.where(sched.agents > 0, sched.agents + 2, 0))
    off = predict_intervals(feb, schedule=wrong, busy_min_offered=20, replications=40, seed=11)
    assert off.pit_coverage["service_level"] < 0.6


def test_without_a_schedule_the_agents_are_labelled_in_sample(feb):
    p = predict_intervals(feb, busy_min_offered=20, replications=10, seed=3)
    assert p.in_sample and p.agents_source == IN_SAMPLE
    assert p.to_dict(per_interval=False)["in_sample_agents"] is True


def test_schedule_errors_name_the_column_line_or_interval(feb, tmp_path):
    lines = SCHEDULE.read_text().splitlines()
    path = tmp_path / "s.csv"
    path.write_text("\n".join(lines[:1] + lines[1:100]) + "\n")  # stops on Feb 3
    with pytest.raises(HistoryError, match=r"no agents given for \d+ interval\(s\) with calls"):
        read_schedule(path, feb, 30)
    path.write_text("start,agents\n1999-02-01 07:00,four\n")
    with pytest.raises(HistoryError, match=r"line 2, column 'agents': 'four'"):
        read_schedule(path, feb, 30)
    path.write_text("start,agents\n1999-02-01 07:10,4\n")
    with pytest.raises(HistoryError, match=r"line 2, column 'start'.*30-minute grid"):
        read_schedule(path, feb, 30)
    path.write_text("when,agents\n")
    with pytest.raises(HistoryError, match="columns `start` and `agents`"):
        read_schedule(path, feb, 30)


def test_cli_prints_intervals_coverage_and_the_label(capsys):
    args = ["history", str(FEB), "--mapping", "technion", "--from", "1999-02-21"]
    args += ["--replications", "0", "--prediction-replications", "10", "--busy-min-offered", "20"]
    main(args)
    out = capsys.readouterr().out
    assert "prediction intervals (80%), agents: in-sample estimate" in out
    assert "IN-SAMPLE estimate" in out and "SL 80% PI" in out
    main([*args, "--schedule", str(SCHEDULE), "--per-day", "--level", "0.5"])
    out = capsys.readouterr().out
    assert f"prediction intervals (50%), agents: schedule {SCHEDULE}" in out
    assert "IN-SAMPLE" not in out and "SL inside 50% PI" in out
    assert "observed inside the 50% interval in" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--level", "1.5"], "argument --level: must be a number between 0 and 1"),
        (["--prediction-replications", "5"], "--prediction-replications: 10 or more"),
        (["--schedule", "s.csv", "--prediction-replications", "0"], "--schedule is used by"),
    ],
)
def test_cli_refuses_bad_prediction_options_in_one_line(capsys, args, message):
    assert main(["history", "bank-day", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_prediction_figure_shows_the_coverage_and_the_in_sample_label(feb):
    from scenarios.output.history_plots import prediction_figure

    p = predict_intervals(feb, busy_min_offered=20, replications=10, seed=5)
    fig = prediction_figure(p)
    titles = [ax.get_title() for ax in fig.axes]
    busy = int(p.busy.sum())
    assert titles[0].endswith(
        f"{int(p.covered['service_level'].sum())} of {busy} inside "
        f"({p.coverage['service_level']:.0%})"
    )
    assert "IN-SAMPLE" in fig._suptitle.get_text()
