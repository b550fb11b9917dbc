"""The client's bill: plain models equal the plan's revenue; bands, peak rates, minimum
offtake and the contact definition against hand computations."""

import numpy as np
import pytest

from erlang import erlang_a_kpis
from scenarios.contract.billing import _banded, abandoned_after, charges, peak_multiplier
from scenarios.examples import list_examples, load_example
from scenarios.pipeline import plan
from scenarios.scenario import Pricing

RATE_CARDS = [n for n in list_examples() if load_example(n).pricing.is_rate_card]


def test_the_seed_contract_bills_more_than_its_rate_card(capsys):
    # Its bands, minimum, evening rate and abandoned-after-60-s contacts: the plan's revenue
    # (the rate card) is not its bill, and `ccplan plan` says so.
    from scenarios.cli import main

    assert set(list_examples()) - set(RATE_CARDS) == {"seed_contract"}
    result = plan(load_example("seed_contract"))
    bill = charges(result, result.scenario.pricing)
    assert bill.grand_total != pytest.approx(result.total.revenue[0], rel=1e-3)
    assert main(["plan", "seed_contract"]) in (None, 0)
    assert "revenue: the rate card" in capsys.readouterr().out


@pytest.mark.parametrize("name", RATE_CARDS)
def test_plain_pricing_bills_what_the_plan_calls_revenue(name):
    """The pipeline's revenue (rate x handled, rate x paid hours, the fee spread over the days
    of each month) is an independent computation of the same bill."""
    result = plan(load_example(name))
    bill = charges(result, result.scenario.pricing)
    np.testing.assert_allclose(bill.grand_total, result.total.revenue[0], rtol=1e-12)
    np.testing.assert_allclose(bill.total, result.months.revenue, rtol=1e-12)


def test_bands_are_marginal_in_time_order_and_reset_each_month():
    """Three intervals of 100 contacts, bands from 150 (rate 2) and 250 (rate 3), base 1:
    150 x 1 + 100 x 2 + 50 x 3 = 500; the next month starts at the base rate again."""
    p = Pricing.model_validate(
        {
            "model": "per_contact",
            "per_contact": 1,
            "bands": [
                {"from_contacts_per_month": 150, "per_contact": 2},
                {"from_contacts_per_month": 250, "per_contact": 3},
            ],
        }
    )
    billable = np.full(5, 100.0)
    month = np.array([0, 0, 0, 1, 1])
    out = _banded(billable, month, np.ones(2), p, np.ones(5))
    # contacts 0-100 at 1; 100-150 at 1 and 150-200 at 2; 200-250 at 2 and 250-300 at 3
    np.testing.assert_allclose(out[:3], [100, 50 + 50 * 2, 50 * 2 + 50 * 3], rtol=1e-12)
    assert out[:3].sum() == pytest.approx(500, rel=1e-12)
    np.testing.assert_allclose(out[3:], [100, 50 + 50 * 2], rtol=1e-12)  # the count restarts
    # a month the horizon covers by half: thresholds at 75 and 125
    half = _banded(np.full(2, 100.0), np.zeros(2, int), np.array([0.5]), p, np.ones(2))
    assert half.sum() == pytest.approx(75 * 1 + 50 * 2 + 75 * 3)
    # a peak multiplier scales the rate of its interval's contacts
    peak = _banded(billable, month, np.ones(2), p, np.array([1, 2, 1, 1, 1.0]))
    assert peak[1] == pytest.approx(2 * out[1])


def test_peak_rates_fall_on_their_hours_and_days():
    p = Pricing.model_validate(
        {
            "model": "per_hour",
            "per_hour": 40,
            "peak_rates": [
                {"start": "09:00", "end": "11:00", "multiplier": 1.5, "days": ["monday"]}
            ],
        }
    )
    import datetime as dt

    m = peak_multiplier(p, dt.date(2027, 3, 1), 2, 60)  # a Monday, then a Tuesday
    assert m[9] == m[10] == 1.5 and m[8] == m[11] == 1.0 and (m[24:] == 1.0).all()


def test_minimum_offtake_tops_the_bill_up(small):
    base = small({"model": "per_contact", "per_contact": 5})
    result = plan(base)
    handled = float(result.total.handled[0])
    coverage = 7 / 31  # 7 days of March
    bill = charges(result, base.pricing)
    assert bill.minimum_topup.sum() == 0
    by_contacts = Pricing.model_validate(
        {"model": "per_contact", "per_contact": 5, "minimum_monthly_contacts": 100_000}
    )
    got = charges(result, by_contacts)
    assert got.grand_total == pytest.approx(5 * 100_000 * coverage, rel=1e-12)
    assert got.minimum_topup.sum() == pytest.approx(5 * (100_000 * coverage - handled))
    by_amount = Pricing.model_validate(
        {"model": "per_contact", "per_contact": 5, "minimum_monthly_amount": 1e6}
    )
    assert charges(result, by_amount).grand_total == pytest.approx(1e6 * coverage, rel=1e-12)
    low = Pricing.model_validate(
        {"model": "per_contact", "per_contact": 5, "minimum_monthly_amount": 10}
    )
    assert charges(result, low).grand_total == pytest.approx(bill.grand_total, rel=1e-12)


def test_contact_definition_bills_late_abandons_and_leaves_out_repeats(small):
    s = small({"model": "per_contact", "per_contact": 5})
    result = plan(s)
    handled = float(result.total.handled[0])
    offered = float(result.total.offered[0])
    no_repeats = Pricing.model_validate(
        {
            "model": "per_contact",
            "per_contact": 5,
            "billable": {"repeats_billed": False, "repeat_share": 0.2},
        }
    )
    assert charges(result, no_repeats).billable.sum() == pytest.approx(0.8 * handled)
    every_abandon = Pricing.model_validate(
        {"model": "per_contact", "per_contact": 5, "billable": {"abandoned_after_s": 0}}
    )
    # abandoned after 0 s = every abandon: handled + abandoned = offered
    assert charges(result, every_abandon).billable.sum() == pytest.approx(offered, rel=1e-9)
    late = Pricing.model_validate(
        {"model": "per_contact", "per_contact": 5, "billable": {"abandoned_after_s": 60}}
    )
    assert handled < charges(result, late).billable.sum() < offered


def test_abandoned_after_limits():
    """After 0 s: every abandon; after a very long time: none; decreasing in between; with no
    agents every caller abandons, after N s with probability exp(-N / patience)."""
    cph, aht, patience, agents = 200.0, 180.0, 120.0, 10
    p_abandon = erlang_a_kpis(cph, aht, patience, agents, 0.0).p_abandon
    assert abandoned_after(cph, aht, patience, agents, 0.0) == pytest.approx(p_abandon, abs=1e-12)
    waits = np.array([0.0, 10, 30, 60, 120, 600, 3600])
    shares = abandoned_after(np.full(7, cph), aht, patience, agents, waits)
    assert (np.diff(shares) <= 1e-12).all() and shares[-1] < 1e-6
    none = abandoned_after(cph, aht, patience, 0, 60.0)
    assert none == pytest.approx(np.exp(-60 / 120), rel=1e-9)


def _abandons_after(rng, calls_per_hour, aht_s, patience_s, agents, after_s, calls):
    """A first-come-first-served M/M/n+M queue simulated directly (independent of the
    project's simulator): each caller's offered wait is the time until the earliest of the
    agents busy with *served* callers frees up; a caller whose patience runs out first
    abandons after waiting their patience. Returns (abandoned after ``after_s``, offered)
    after a warm-up of a tenth of the calls."""
    import heapq

    arrivals = np.cumsum(rng.exponential(3600.0 / calls_per_hour, calls))
    service = rng.exponential(aht_s, calls)
    patience = rng.exponential(patience_s, calls)
    free = [0.0] * agents
    late, warm = 0, calls // 10
    for k in range(calls):
        t = arrivals[k]
        wait = max(free[0] - t, 0.0)
        if wait > patience[k]:
            late += k >= warm and patience[k] >= after_s
            continue
        heapq.heapreplace(free, t + wait + service[k])
    return late, calls - warm


def test_abandoned_after_agrees_with_a_direct_simulation():
    """Share of callers abandoning after waiting at least 30 s, Erlang A against a direct
    simulation of the same queue: inside the simulation's 99% interval (pooled over 20
    independent runs, runs as clusters)."""
    from scenarios.periods import pooled_ratio

    cph, aht, patience, agents, after = 200.0, 180.0, 120.0, 10, 30.0
    rng = np.random.default_rng(20271)
    runs = np.array(
        [_abandons_after(rng, cph, aht, patience, agents, after, 20_000) for _ in range(20)]
    )
    share, half = pooled_ratio(runs[:, :1], runs[:, 1:], 0.99)
    formula = abandoned_after(cph, aht, patience, agents, after)
    assert abs(formula - share[0]) <= half[0], (formula, share[0], half[0])
    assert half[0] < 0.1 * share[0]  # decisive: the interval is narrow against the share
