"""Pricing under volume risk: zero risk gives today's revenue, break-even against a brute-force
scan, quantiles against scipy's lognormal, the calibration and the risk shares."""

import numpy as np
import pytest
from scipy import stats

from scenarios.contract import QUANTILES, VolumePlans, price_under_volume_risk
from scenarios.contract.risk import BREAK_EVEN_TOLERANCE, break_even
from scenarios.contract.volume import volume_multipliers
from scenarios.overrides import apply_overrides
from scenarios.pipeline import plan


def test_per_contact_price_without_volume_risk_is_todays_revenue(small):
    s = small({"model": "per_contact", "per_contact": 6.5})
    s = apply_overrides(s, {"channels.voice.demand.forecast_error.day_volume_cv": 0.0})
    result = plan(s)
    a = price_under_volume_risk(result)
    per_year = 365 / s.days
    contract = a.named("contract")
    np.testing.assert_allclose(contract.client_cost, result.total.revenue[0] * per_year, rtol=1e-12)
    np.testing.assert_allclose(a.provider_cost, result.total.cost[0] * per_year, rtol=1e-12)
    np.testing.assert_allclose(
        contract.margin, (result.total.revenue[0] - result.total.cost[0]) * per_year, rtol=1e-12
    )
    assert contract.client_spread == 0 and contract.margin_spread == 0


def test_quantiles_are_the_lognormal_level_with_the_forecast_as_median(small):
    s = small({"model": "fixed_monthly", "fixed_monthly": 1e5})
    m = volume_multipliers(s)
    sigma = np.sqrt(np.log(1 + 0.1**2))
    expected = stats.lognorm(s=sigma).ppf([0.1, 0.5, 0.9])
    np.testing.assert_allclose([m[q]["voice"] for q in QUANTILES], expected, rtol=1e-12)
    band = apply_overrides(s, {"pricing.volume_band": {"p10": 0.8, "p50": 1.0, "p90": 1.3}})
    assert [volume_multipliers(band)[q]["voice"] for q in QUANTILES] == [0.8, 1.0, 1.3]


def test_models_are_calibrated_at_p50_and_split_the_risk(small):
    s = small({"model": "per_contact", "per_contact": 6.5})
    a = price_under_volume_risk(plan(s))
    p50 = QUANTILES.index("P50")
    names = [m.name for m in a.models]
    assert names == [
        "contract",
        "per_hour",
        "fixed_monthly",
        "hybrid",
    ]  # per_contact is the contract
    costs = [m.client_cost[p50] for m in a.models]
    np.testing.assert_allclose(costs, costs[0], rtol=1e-9)
    assert a.cheapest_for_client["P50"] == "all equal"
    fixed = a.named("fixed_monthly")
    assert fixed.client_spread == 0 and a.client_share_of_risk(fixed) == 0
    # the provider carries a fixed fee's risk: its margin moves by the whole cost spread
    assert fixed.margin_spread == pytest.approx(-(a.provider_cost[-1] - a.provider_cost[0]))
    # per contact: the client pays in proportion to volume
    contract = a.named("contract")
    assert contract.client_spread == pytest.approx(6.5 * (a.billable[-1] - a.billable[0]))
    assert a.cheapest_for_client["P10"] == "contract" and a.cheapest_for_client["P90"] == (
        "fixed_monthly"
    )


def _brute_margins(scenario, multipliers):
    """Margin at each volume multiplier, by another route: volume_per_day scaled through
    apply_overrides and the pipeline's own revenue figure (plain pricing)."""
    volume = scenario.channels[0].demand.volume_per_day
    out = []
    for m in multipliers:
        changed = apply_overrides(scenario, {"channels.voice.demand.volume_per_day": volume * m})
        r = plan(changed)
        out.append(float(r.total.revenue[0] - r.total.cost[0]))
    return np.array(out)


def test_break_even_of_a_fixed_fee_matches_a_brute_force_scan(small):
    """A fixed fee's margin falls as volume (and staffing) grows: one crossing, found to
    within the scan's step and the bisection's tolerance."""
    s = small({"model": "fixed_monthly", "fixed_monthly": 120_000})
    grid = np.arange(0.5, 2.0, 0.02)
    margins = _brute_margins(s, grid)
    flips = np.flatnonzero(np.sign(margins[1:]) != np.sign(margins[:-1]))
    assert flips.size == 1 and margins[0] > 0
    found = break_even(VolumePlans(plan(s)), s.pricing)
    slack = 1 + BREAK_EVEN_TOLERANCE
    assert grid[flips[0]] / slack <= found.multiplier <= grid[flips[0] + 1] * slack
    assert found.profitable == "below"


def test_break_even_of_a_per_contact_price_is_a_crossing_the_brute_force_scan_sees(small):
    """Per contact near the cost per contact, integer staffing makes the margin cross 0
    several times: the break-even is a genuine crossing (the margin, computed by another
    route, has opposite signs at the ends of its bracket) inside the scan's zone."""
    s = small({"model": "per_contact", "per_contact": 4.0})
    s = apply_overrides(s, {"days": 2, "channels.voice.demand.volume_per_day": 4000})
    grid = np.arange(0.5, 2.0, 0.01)
    margins = _brute_margins(s, grid)
    flips = np.flatnonzero(np.sign(margins[1:]) != np.sign(margins[:-1]))
    assert flips.size >= 1 and margins[0] < 0 < margins[-1]
    found = break_even(VolumePlans(plan(s)), s.pricing)
    lo, hi = found.bracket
    assert hi / lo <= 1 + BREAK_EVEN_TOLERANCE
    at_ends = _brute_margins(s, [lo, hi])
    assert at_ends[0] < 0 <= at_ends[1], at_ends
    # the scan resolves crossings to its step: a wiggle inside one step may hide from it
    step = 0.01
    assert grid[flips[0]] - step <= found.multiplier <= grid[flips[-1] + 1] + step
    assert found.profitable == "above"


def test_no_break_even_when_the_margin_keeps_its_sign(small):
    s = small({"model": "per_hour", "per_hour": 45})  # above the hourly cost of 30
    assert break_even(VolumePlans(plan(s)), s.pricing).profitable == "always"
    s = small({"model": "per_hour", "per_hour": 20})
    assert break_even(VolumePlans(plan(s)), s.pricing).profitable == "never"


def test_staffing_is_replanned_with_economies_of_scale(small):
    s = small({"model": "per_hour", "per_hour": 45})
    # a large channel (about 2,000 calls/h): integer agents and shift blocks do not mask the
    # economies of scale as they can at 80 calls/h
    s = apply_overrides(s, {"days": 2, "channels.voice.demand.volume_per_day": 20_000})
    a = price_under_volume_risk(plan(s))
    # square-root staffing: the P90 volume costs less than the P50 cost scaled by volume
    assert a.provider_cost[-1] < a.linear_cost[-1]
    assert a.provider_cost[0] > a.linear_cost[0]
