"""The roster simulated: objective (b)'s roster meets the monthly clauses (95% confidence, on
a seed not used while building it), and the per-interval simulated SL is pooled counts."""

import numpy as np
import pytest

from scenarios.examples import load_example
from scenarios.overrides import apply_overrides
from scenarios.pipeline import plan
from scenarios.roster.optimize import optimize_roster
from scenarios.roster.verdict import (
    roster_breach_risks,
    simulate_roster_intervals,
    standard_costs,
)


@pytest.fixture(scope="module")
def one_week():
    """The default service desk over one week (its month clause measured on that week)."""
    scenario = apply_overrides(load_example("default"), {"days": 7})
    result = plan(scenario)
    return result, optimize_roster(result, ["voice"], objective="period_clauses")


def test_period_clause_roster_meets_the_monthly_clauses_when_simulated(one_week):
    result, roster = one_week
    channel = roster.channels["voice"]
    assert channel.objective == "period_clauses" and not channel.note
    # 20 replications of a week (~14,000 calls each): the pooled SL's 95% interval is about
    # +-0.6 points wide, against ~3 points of head-room the shifts' shape leaves.
    risks = roster_breach_risks(result, channel, replications=20, seed=20261130)
    assert set(risks) == {"service_level", "max_abandon"}
    for clause, risk in risks.items():
        pooled, low, high = risk.pooled(0.95)
        assert risk.meets_on_average(0.95), f"{clause}: pooled {pooled} ({low} .. {high})"


def test_simulated_sl_per_interval_and_day_are_pooled_counts(one_week):
    result, roster = one_week
    channel = roster.channels["voice"]
    sl = simulate_roster_intervals(result, channel, replications=3, seed=7)
    per_day = result.scenario.intervals_per_day
    assert sl["interval"].shape == (7 * per_day,) and sl["day"].shape == (7,)
    closed = result.table.channels["voice"].offered == 0
    assert np.all(np.isnan(sl["interval"][closed])), "no calls: not measured, not 0 or 1"
    open_days = sl["day"][:5]
    assert np.all((open_days > 0.5) & (open_days <= 1.0))
    assert np.all(np.isnan(sl["day"][5:])), "the weekend is closed"


def test_standard_costs_match_the_roster_of_the_same_plan(one_week):
    result, roster = one_week
    (cost,) = standard_costs(result.scenario, "voice", ["80/20"], period_clauses=False)
    cover = optimize_roster(result, ["voice"]).channels["voice"]
    assert cost.cover.cost == pytest.approx(cover.cost)
    assert cost.requirement_fte == pytest.approx(cover.requirement_fte)
    assert cost.to_dict()["roster_cover_intervals"]["fte"] == pytest.approx(cover.fte)
