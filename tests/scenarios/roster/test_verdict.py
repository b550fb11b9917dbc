"""The roster simulated: objective (b)'s roster meets the monthly clauses (95% confidence, on
a seed not used while building it), and the per-interval simulated SL is pooled counts."""

import numpy as np
import pytest

from scenarios.examples import load_example
from scenarios.pipeline import plan
from scenarios.roster.optimize import optimize_roster
from scenarios.roster.verdict import (
    simulate_roster_intervals,
    standard_costs,
    verified_period_roster,
)


@pytest.fixture(scope="module")
def default_month():
    """The default service desk over its four weeks (one monthly period; its weeks are alike,
    so the roster is solved once)."""
    result = plan(load_example("default"))
    return result, optimize_roster(result, ["voice"], objective="period_clauses")


def test_period_clause_roster_meets_the_monthly_clauses_when_simulated(default_month):
    result, roster = default_month
    channel = roster.channels["voice"]
    assert channel.objective == "period_clauses" and not channel.note
    # 30 replications of the month (~56,000 calls each): the pooled abandonment's 95% interval
    # is about +-0.25 points (the day-level forecast error makes days the clusters), against
    # ~0.4 points of head-room; the SL's about +-0.8 against ~3.7.
    verified = verified_period_roster(result, "voice", replications=30, seed=20261130)
    assert verified.rounds == 1 and verified.margin == 0.0, "no margin needed at 80/20"
    assert verified.roster.cost == pytest.approx(channel.cost)
    for risks in (verified.risks, verified.fresh_risks):
        assert set(risks) == {"service_level", "max_abandon"}
        for clause, risk in risks.items():
            pooled, low, high = risk.pooled(0.95)
            assert risk.meets_on_average(0.95), f"{clause}: pooled {pooled} ({low} .. {high})"
    assert verified.fresh_risks["service_level"].seed == 20261131
    assert verified.verified


def test_simulated_sl_per_interval_and_day_are_pooled_counts(default_month):
    result, roster = default_month
    channel = roster.channels["voice"]
    sl = simulate_roster_intervals(result, channel, replications=3, seed=7)
    per_day = result.scenario.intervals_per_day
    assert sl["interval"].shape == (28 * per_day,) and sl["day"].shape == (28,)
    closed = result.table.channels["voice"].offered == 0
    assert np.all(np.isnan(sl["interval"][closed])), "no calls: not measured, not 0 or 1"
    weekday = np.arange(28) % 7 < 5  # the horizon starts on a Monday
    assert np.all((sl["day"][weekday] > 0.5) & (sl["day"][weekday] <= 1.0))
    assert np.all(np.isnan(sl["day"][~weekday])), "the weekend is closed"


def test_standard_costs_match_the_roster_of_the_same_plan(default_month):
    result, roster = default_month
    (cost,) = standard_costs(result.scenario, "voice", ["80/20"], period_clauses=False)
    cover = optimize_roster(result, ["voice"]).channels["voice"]
    assert cost.cover.cost == pytest.approx(cover.cost)
    assert cost.requirement_fte == pytest.approx(cover.requirement_fte)
    assert cost.to_dict()["roster_cover_intervals"]["fte"] == pytest.approx(cover.fte)


def test_the_check_report_gains_a_roster_section(default_month):
    from scenarios.output.report import _roster_section

    result, roster = default_month
    data = {"currency": "EUR", "roster": {"period_clauses": roster.to_dict()}}
    html = _roster_section(data)
    voice = roster.channels["voice"]
    assert "<h2>Shifts and rosters</h2>" in html
    assert f"{voice.fte:,.1f}" in html and f"{voice.requirement_fte:,.1f}" in html
    assert f"{voice.efficiency:.1%}" in html and "Policy: weeks (ISO" in html
    assert _roster_section({"currency": "EUR"}) == ""
