"""The contract term: indexation within its cap and floor (property), growth and wage
inflation year by year, the liability cap on simulated penalties."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.contract import VolumePlans, contract_term, index_factors, price_under_volume_risk
from scenarios.contract.term import capped_penalties, indexed_pricing, yearly_penalties
from scenarios.overrides import apply_overrides
from scenarios.pipeline import plan
from scenarios.scenario import Indexation, Pricing

rate = st.floats(min_value=-0.5, max_value=1.0, allow_nan=False)


@st.composite
def indexations(draw):
    years = draw(st.integers(min_value=1, max_value=10))
    rates = draw(st.lists(rate, min_size=max(years - 1, 1), max_size=max(years - 1, 1)))
    if draw(st.booleans()):
        rates = rates[:1]
    bounds = sorted(draw(st.lists(rate, min_size=2, max_size=2)))
    floor = bounds[0] if draw(st.booleans()) else None
    cap = bounds[1] if draw(st.booleans()) else None
    return years, Indexation(rate_per_year=tuple(rates), cap=cap, floor=floor)


@settings(max_examples=200, deadline=None)
@given(indexations())
def test_indexed_prices_never_move_beyond_cap_and_floor(case):
    years, indexation = case
    base = Pricing.model_validate(
        {
            "model": "hybrid",
            "fixed_monthly": 50_000,
            "per_contact": 3.0,
            "minimum_monthly_amount": 60_000,
            "bands": [{"from_contacts_per_month": 10_000, "per_contact": 2.5}],
        }
    )
    factors = index_factors(indexation, years)
    assert factors.shape == (years,) and factors[0] == 1.0
    prices = [indexed_pricing(base, indexation, f) for f in factors]
    for before, after in zip(prices, prices[1:], strict=False):
        for get in (
            lambda p: p.per_contact,
            lambda p: p.fixed_monthly,
            lambda p: p.minimum_monthly_amount,
            lambda p: p.bands[0].per_contact,
        ):
            change = get(after) / get(before) - 1
            if indexation.cap is not None:
                assert change <= indexation.cap + 1e-12
            if indexation.floor is not None:
                assert change >= indexation.floor - 1e-12
    # without a cap or floor the index itself applies, year by year
    rates = (
        indexation.rate_per_year * (years - 1)
        if len(indexation.rate_per_year) == 1
        else (indexation.rate_per_year)
    )
    lo = -np.inf if indexation.floor is None else indexation.floor
    hi = np.inf if indexation.cap is None else indexation.cap
    expected = np.cumprod([1.0] + [1 + min(max(r, lo), hi) for r in rates[: years - 1]])
    np.testing.assert_allclose(factors, expected, rtol=1e-12)


def test_only_the_named_components_are_indexed():
    base = Pricing.model_validate({"model": "hybrid", "fixed_monthly": 50_000, "per_contact": 3.0})
    only_fee = Indexation(rate_per_year=(0.05,), components=("fixed_monthly",))
    p = indexed_pricing(base, only_fee, 1.05)
    assert p.fixed_monthly == pytest.approx(52_500) and p.per_contact == 3.0


def _term(small, **term):
    s = small({"model": "per_contact", "per_contact": 6.5})
    return apply_overrides(s, {"term": {"start_date": "2027-03-01", "years": 4, **term}})


def test_a_flat_term_repeats_year_one_at_the_p50_figures(small):
    s = _term(small)
    plans = VolumePlans(plan(s))
    term = contract_term(plans)
    a = price_under_volume_risk(plans.base, plans=plans)
    p50 = 1
    for y in term.years:
        assert y.price == pytest.approx(a.named("contract").client_cost[p50], rel=1e-12)
        assert y.cost == pytest.approx(a.provider_cost[p50], rel=1e-12)
        assert y.penalties is None
    assert [y.start for y in term.years] == [dt.date(2027 + k, 3, 1) for k in range(4)]
    assert term.total("price") == pytest.approx(4 * term.years[0].price)
    assert term.total("penalties") is None


def test_growth_replans_and_wages_inflate(small):
    s = _term(
        small,
        volume_growth_per_year=0.1,
        wage_inflation_per_year=0.03,
        indexation={"rate_per_year": [0.05], "cap": 0.02},
    )
    term = contract_term(VolumePlans(plan(s)))
    first = term.years[0]
    for k, y in enumerate(term.years):
        assert y.offered == pytest.approx(first.offered * 1.1**k, rel=1e-9)
        assert y.price_factor == pytest.approx(1.02**k)
        # per contact: the price follows billable contacts x the indexed rate
        assert y.price == pytest.approx(6.5 * 1.02**k * y.billable, rel=1e-9)
        # the cost is the re-planned staffing's at the inflated wage
        replanned = plan(apply_overrides(s, {"channels.voice.demand.volume_per_day": 800 * 1.1**k}))
        cost = float(replanned.total.cost[0]) * 365 / s.days * 1.03**k
        assert y.cost == pytest.approx(cost, rel=1e-9)
    assert term.years[-1].fte > first.fte


def test_liability_cap_applies_to_each_years_total_before_averaging():
    yearly = np.array([0.0, 50_000, 250_000, 400_000])
    capped, uncapped = capped_penalties(yearly, 200_000)
    assert capped == pytest.approx((0 + 50_000 + 200_000 + 200_000) / 4)
    assert uncapped == pytest.approx(yearly.mean())
    assert capped_penalties(yearly, None) == (uncapped, uncapped)


def test_penalties_of_every_clause_are_summed_per_replication():
    class Risk:
        def __init__(self, values):
            self.penalty_per_year_by_replication = np.asarray(values, dtype=float)

    risks = {"voice": {"service_level": Risk([1, 2, 3]), "max_abandon": Risk([10, 0, 5])}}
    risks["email"] = {"service_level": Risk([])}  # nothing simulated
    np.testing.assert_array_equal(yearly_penalties(risks), [11, 2, 8])
    assert yearly_penalties({}) is None


def test_simulated_penalties_enter_the_term_after_the_liability_cap(small):
    """Each replication's yearly penalty (``BreachRisk.penalty_per_year_by_replication``)
    averages to the clause's ``penalty_per_year``; the term caps each replication's year."""
    from scenarios.verdict import breach_risks

    s = _term(small, liability_cap_per_year=20_000)
    s = apply_overrides(s, {"targets.voice.penalty": {"per_breached_period": 30_000}})
    result = plan(s)
    short = result.channels["voice"].required_agents * 3 // 4  # understaffed: breaches
    risks = breach_risks(result, "voice", agents=short, replications=8, seed=3)
    risk = risks["service_level"]
    assert risk.penalty_per_year_by_replication.shape == (8,)
    assert risk.penalty_per_year_by_replication.mean() == pytest.approx(risk.penalty_per_year)
    assert risk.penalty_per_year > 20_000  # the cap will bind
    yearly = yearly_penalties({"voice": risks})
    term = contract_term(VolumePlans(result), penalties_by_replication=yearly)
    y = term.years[0]
    assert y.penalties_uncapped == pytest.approx(risk.penalty_per_year)
    assert y.penalties == pytest.approx(np.minimum(yearly, 20_000).mean())
    assert y.margin == pytest.approx(y.price - y.cost - y.penalties)
    # the comparison of standards caps its expected penalty per year alike
    from scenarios.verdict.compare import _risk_totals

    assert _risk_totals({"voice": risks}, 20_000)[2] == pytest.approx(y.penalties)
    assert _risk_totals({"voice": risks})[2] == pytest.approx(risk.penalty_per_year)


def test_an_index_past_the_largest_amount_is_one_plain_sentence():
    base = Pricing.model_validate({"model": "fixed_monthly", "fixed_monthly": 9e8})
    with pytest.raises(ValueError, match=r"indexation by 1.5 takes pricing.fixed_monthly out of"):
        indexed_pricing(base, Indexation(rate_per_year=(0.5,)), 1.5)
