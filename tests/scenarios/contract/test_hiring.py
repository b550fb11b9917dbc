"""The hiring plan (``scenarios.contract.hiring``): conservation, the steady state, ramp-up,
the optimizer's minimality (against a brute-force search), and the schema's refusals."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest

from scenarios.contract.hiring import (
    capacity_per_day,
    capped_agents,
    evaluate_hiring,
    optimal_hiring,
    smallest_classes,
)
from scenarios.examples import load_example
from scenarios.overrides import REMOVE, OverrideError, apply_overrides
from scenarios.periods import periods_of
from scenarios.pipeline import plan
from scenarios.scenario import HiringClass

HIRING = {
    "start_month": "2027-02",
    "months": 3,
    "starting_headcount": 60,
    "attrition_per_month": 0.04,
    "training_weeks": 3,
    "ramp_up_weeks": 4,
    "ramp_up_aht_multiplier": 1.5,
    "classes": [{"size": 7, "start_date": "2027-02-15"}, {"size": 3, "start_date": "2027-03-01"}],
}


def with_hiring(**changes):
    return apply_overrides(load_example("default"), {"hiring": {**HIRING, **changes}})


@pytest.fixture(scope="module")
def scenario():
    return with_hiring()


@pytest.fixture(scope="module")
def evaluated(scenario):
    return evaluate_hiring(scenario)


def test_headcount_is_conserved_every_month(evaluated):
    """next = headcount + hires - leavers, against a recursion written out independently:
    everyone present in a month (its starting headcount and its hires) leaves at the rate."""
    expected = [60.0]
    hires = {"2027-02": 7, "2027-03": 3}
    for label in ("2027-02", "2027-03", "2027-04"):
        present = expected[-1] + hires.get(label, 0)
        expected.append(present * (1 - 0.04))
    np.testing.assert_allclose(evaluated.headcount, expected[:3], rtol=1e-12)
    np.testing.assert_allclose(evaluated.hires, [7, 3, 0])
    np.testing.assert_allclose(
        evaluated.headcount + evaluated.hires - evaluated.leavers, expected[1:], rtol=1e-12
    )
    np.testing.assert_allclose(evaluated.next_headcount[:-1], evaluated.headcount[1:], rtol=1e-12)


def test_training_is_paid_and_not_available(evaluated):
    """February: 7 agents train from the 15th for 3 weeks (14 of February's 28 days), all
    times the month's survival (1)."""
    assert evaluated.in_training[0] == pytest.approx(7 * 14 / 28, rel=1e-12)
    # March: the February class trains March 1-7 (7 days, survival 0.96), the March class the
    # first 21 days.
    assert evaluated.in_training[1] == pytest.approx((7 * 0.96 * 7 + 3 * 21) / 31, rel=1e-12)
    # Paid hours: 38 h a week for everyone on the payroll, training included.
    feb = 60 * 28 + 7 * 14
    assert evaluated.paid_hours[0] == pytest.approx(feb * 38 / 7, rel=1e-12)


def test_ramp_up_capacity_falls_linearly_to_one():
    """Capacity is 1 / AHT multiplier, the multiplier falling linearly from 1.5 to 1 over two
    weeks after one week of training (taken at the middle of each day)."""
    s = with_hiring(training_weeks=1, ramp_up_weeks=2, ramp_up_aht_multiplier=1.5)
    c = HiringClass(size=1, start_date=dt.date(2027, 2, 1))
    dates = np.array([dt.date(2027, 1, 31) + dt.timedelta(days=d) for d in range(30)])
    paid, training, capacity = capacity_per_day(s.hiring, c, dates)
    assert paid[0] == 0 and np.all(paid[1:] == 1)
    assert np.all(training[1:8] == 1) and np.all(training[8:] == 0)
    assert np.all(capacity[:8] == 0)
    multiplier = [1.5 - 0.5 * (k + 0.5) / 14 for k in range(14)]
    np.testing.assert_allclose(capacity[8:22], 1 / np.array(multiplier), rtol=1e-12)
    assert np.all(capacity[22:] == 1)


def test_no_attrition_no_ramp_up_matches_the_steady_state_plan():
    """Zero attrition, no ramp-up and a headcount that covers the busiest week: headcount
    constant, every interval gets the plan's agents, and the SL per month is the plan's own
    prediction pooled over the month (computed here from the plan of the same days)."""
    probe = with_hiring(
        attrition_per_month=0, ramp_up_weeks=0, ramp_up_aht_multiplier=1, classes=[]
    )
    needed = float(evaluate_hiring(probe).required_fte.max())
    s = with_hiring(
        attrition_per_month=0,
        ramp_up_weeks=0,
        ramp_up_aht_multiplier=1,
        classes=[],
        starting_headcount=needed / (1 - 0.30),
    )
    r = evaluate_hiring(s)
    np.testing.assert_allclose(r.headcount, needed / 0.7, rtol=1e-12)
    np.testing.assert_allclose(r.available_fte, needed, rtol=1e-12)
    assert np.all(r.gap_fte >= -1e-9)
    # The plan of February..April 2027 by itself (the steady-state plan).
    steady = plan(apply_overrides(s, {"start_date": "2027-02-01", "days": 89, "hiring": REMOVE}))
    voice = steady.channels["voice"]
    offered = steady.table.channels["voice"].offered
    months = periods_of(dt.date(2027, 2, 1), 89, 15, "month")
    expected = months.total(voice.service_level * offered) / months.total(offered)
    np.testing.assert_allclose(r.services["voice"].service_level, expected, rtol=1e-9)
    # Required FTE: the busiest ISO week's agent-hours / 38 h, from a plan of whole weeks
    # that starts a week early (email carries over the weekend into Monday).
    weeks = plan(apply_overrides(s, {"start_date": "2027-01-25", "days": 105, "hiring": REMOVE}))
    on_duty = sum(p.required_agents for p in weeks.channels.values()) * 0.25
    week_fte = on_duty.reshape(15, -1).sum(axis=1) / 38  # 2027-01-25 is a Monday
    assert r.required_fte[0] == pytest.approx(week_fte[1:5].max(), rel=1e-12)


def test_a_short_headcount_cuts_every_interval_of_the_week_alike():
    agents = capped_agents([10, 20, 0, 7], [40, 40, 40, 10], [30, 30, 30, 30])
    np.testing.assert_array_equal(agents, [7, 15, 0, 7])


def test_a_short_month_misses_its_service_level(evaluated):
    """60 agents at 30% shrinkage (42 FTE on duty) against ~44.6 needed: February is short
    throughout and misses 80/20. March is short in its thinnest week (the classes still
    training) but covered once they are, and the month's pooled SL still meets the standard;
    April is covered and gets the plan's SL."""
    sl, _ = evaluated.month_service()
    assert evaluated.gap_fte[0] < 0 and sl[0] < 0.8
    assert evaluated.gap_fte[1] < 0 and 0.8 <= sl[1] < sl[2]
    assert evaluated.gap_fte[2] > 0 and sl[2] >= 0.8


def test_more_staff_never_lowers_the_service_level(evaluated):
    more = evaluate_hiring(with_hiring(starting_headcount=62))
    sl, more_sl = evaluated.month_service()[0], more.month_service()[0]
    assert np.all(more_sl >= sl) and more_sl[0] > sl[0]


def brute_force(base, per_hire, required, max_size, paid_hours):
    """Every plan of class sizes 0..max_size: the fewest hires, then fewest paid hours, that
    meet every row some plan meets (the largest classes everywhere meet the most rows)."""
    best = None
    everything = np.full(per_hire.shape[1], max_size)
    can = base + per_hire @ everything >= required - 1e-9
    for sizes in itertools.product(range(max_size + 1), repeat=per_hire.shape[1]):
        x = np.array(sizes)
        if np.all((base + per_hire @ x >= required - 1e-9)[can]):
            key = (x.sum(), float(paid_hours @ x))
            if best is None or key < best[0]:
                best = (key, x)
    return best[1]


@pytest.mark.parametrize("seed", range(6))
def test_smallest_classes_match_a_brute_force_search(seed):
    rng = np.random.default_rng(seed)
    months, candidates, max_size = 5, 3, 6
    per_hire = np.tril(rng.uniform(0.2, 1.0, (months, candidates)), k=-1)[:, :candidates]
    base = rng.uniform(0, 3, months)
    required = base + rng.uniform(0, 3, months) * (per_hire.sum(axis=1) > 0)
    hours = rng.uniform(100, 200, candidates)
    found = smallest_classes(base, per_hire, required, max_size, hours)
    expected = brute_force(base, per_hire, required, max_size, hours)
    assert found.sizes.sum() == expected.sum()
    assert hours @ found.sizes == pytest.approx(hours @ expected, rel=1e-9)


def test_a_month_no_class_can_reach_is_left_out():
    per_hire = np.array([[0.0, 0.0], [0.5, 0.0]])
    found = smallest_classes([1.0, 1.0], per_hire, [3.0, 2.0], 10, [1.0, 1.0])
    assert found.covered.tolist() == [False, True]
    assert found.sizes.tolist() == [2, 0]


def test_the_optimal_plan_covers_every_month_and_no_hire_can_go(scenario):
    s = apply_overrides(scenario, {"hiring.months": 4})
    best = optimal_hiring(s, replications=0)
    reachable = ~np.isin(best.labels, best.unreachable)
    assert reachable[1:].all()
    assert np.all(best.gap_fte[reachable] >= -1e-6)
    sl, _ = best.month_service()
    assert np.all(sl[reachable] >= 0.8), "each interval meets 80/20, so each month does"
    fixed = {(c.start_date, c.size) for c in s.hiring.classes}
    added = [c for c in best.classes if (c.start_date, c.size) not in fixed]
    assert added, "60 agents minus attrition cannot carry four months"
    for i, c in enumerate(best.classes):
        if (c.start_date, c.size) in fixed:
            continue
        fewer = list(best.classes)
        fewer[i] = HiringClass(size=c.size - 1, start_date=c.start_date) if c.size > 1 else None
        smaller = evaluate_hiring(s, classes=[x for x in fewer if x is not None])
        assert np.any(smaller.gap_fte[reachable] < -1e-9), f"one hire fewer in {c} still covers"


def test_breach_probability_is_simulated_at_the_capped_staffing():
    """Two replications at a headcount far too small: every month breached in both."""
    s = with_hiring(months=1, starting_headcount=40, classes=[])
    r = evaluate_hiring(s, replications=2, seed=3)
    _, p_breach = r.month_service()
    assert p_breach.tolist() == [1.0]
    assert "2 replications" in r.services["voice"].method


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"months": 0}, r"hiring\.months.*greater than or equal to 1"),
        ({"months": 121}, r"hiring\.months.*less than or equal to 120"),
        ({"starting_headcount": -1}, r"hiring\.starting_headcount.*greater than or equal to 0"),
        ({"attrition_per_month": 0.6}, r"hiring\.attrition_per_month.*less than or equal to 0.5"),
        ({"attrition_per_month": -0.01}, r"hiring\.attrition_per_month.*greater than or equal"),
        ({"training_weeks": 53}, r"hiring\.training_weeks.*less than or equal to 52"),
        ({"ramp_up_weeks": -1}, r"hiring\.ramp_up_weeks.*greater than or equal to 0"),
        ({"ramp_up_aht_multiplier": 0.5}, r"hiring\.ramp_up_aht_multiplier.*greater than or"),
        ({"ramp_up_aht_multiplier": 6}, r"hiring\.ramp_up_aht_multiplier.*less than or equal"),
        ({"ramp_up_weeks": 0, "ramp_up_aht_multiplier": 1.2}, r"needs ramp_up_weeks >= 1"),
        ({"shrinkage": 1.0}, r"hiring\.shrinkage.*less than 1"),
        ({"max_p_breach": 0}, r"hiring\.max_p_breach.*greater than 0"),
        ({"max_p_breach": 1}, r"hiring\.max_p_breach.*less than 1"),
        ({"max_class_size": 0}, r"hiring\.max_class_size.*greater than or equal to 1"),
        ({"start_month": "2027-13"}, r"hiring\.start_month.*pattern"),
        (
            {"start_month": "1900-06"},
            r"hiring\.start_month 1900-06 must lie in years 1901 \.\. 2190",
        ),
        ({"starting_headcount": True}, r"hiring\.starting_headcount: must be a number, not true"),
        (
            {"classes": [{"size": 0, "start_date": "2027-02-01"}]},
            r"hiring\.classes\[0\]\.size: must be greater than or equal to 1",
        ),
        (
            {"classes": [{"size": 2, "start_date": "2027-02-01", "training_weeks": 60}]},
            r"hiring\.classes\[0\]\.training_weeks: must be less than or equal to 52",
        ),
        (
            {"classes": [{"size": 2, "start_date": "2027-06-01"}]},
            r"hiring\.classes\[0\]\.start_date 2027-06-01 must lie within the hiring plan, "
            r"2027-02-01 to 2027-04-30",
        ),
        ({"attrition": 0.1}, r"hiring\.attrition: unknown field"),
    ],
)
def test_every_hiring_field_rejects_nonsense(change, message):
    with pytest.raises(OverrideError, match=message):
        with_hiring(**change)


def test_a_scenario_without_hiring_gets_a_plain_error():
    with pytest.raises(ValueError, match="has no `hiring` plan"):
        evaluate_hiring(load_example("retailer"))


def test_a_horizon_planned_in_pieces_gives_the_same_plan(monkeypatch, evaluated):
    """Long plans are planned in pieces of whole weeks (a scenario holds at most 1,096 days):
    cut the three months into five-week pieces and every figure is the same, the months split
    between pieces pooling their counts."""
    import scenarios.contract.hiring as hiring

    monkeypatch.setattr(hiring, "CHUNK_DAYS", 5 * 7)
    pieces = evaluate_hiring(with_hiring())
    for name in ("headcount", "available_fte", "required_fte", "paid_hours", "in_training"):
        np.testing.assert_allclose(getattr(pieces, name), getattr(evaluated, name), rtol=1e-12)
    np.testing.assert_array_equal(
        pieces.services["voice"].labels, ["2027-02", "2027-03", "2027-04"]
    )
    np.testing.assert_allclose(
        pieces.services["voice"].service_level,
        evaluated.services["voice"].service_level,
        rtol=1e-12,
    )


def test_the_starting_headcount_needed_covers_the_first_month():
    """A class hired in the first month is still training in it: the optimizer says what
    starting headcount covers that month too, and with it every month is covered."""
    s = with_hiring(months=2, classes=[])
    short = optimal_hiring(s, replications=0)
    assert short.unreachable == ("2027-02",)
    enough = apply_overrides(
        s, {"hiring.starting_headcount": short.starting_headcount_needed + 1e-6}
    )
    covered = optimal_hiring(enough, replications=0)
    assert covered.unreachable == () and covered.starting_headcount_needed is None
    assert np.all(covered.gap_fte >= -1e-9)
    assert covered.gap_fte[0] == pytest.approx(0.0, abs=1e-5), "no more than needed"
