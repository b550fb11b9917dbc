"""Every new pricing and term field rejects nonsense with a message naming the field and the
allowed range; the models of today still load."""

import re

import pytest
from pydantic import ValidationError

from scenarios.io import describe_validation_error
from scenarios.scenario import Scenario

from .conftest import small_data

HYBRID = {"model": "hybrid", "fixed_monthly": 50_000, "per_contact": 3.0}
TERM = {"start_date": "2027-03-01", "years": 3}


def problems(pricing=HYBRID, term=None) -> str:
    extra = {"term": term} if term is not None else {}
    with pytest.raises(ValidationError) as err:
        Scenario.model_validate(small_data(pricing, **extra))
    return "; ".join(describe_validation_error(err.value))


def with_pricing(**fields):
    return {**HYBRID, **fields}


def with_term(**fields):
    return {**TERM, **fields}


@pytest.mark.parametrize(
    ("pricing", "term", "message"),
    [
        (
            with_pricing(billable={"abandoned_after_s": -1}),
            None,
            r"pricing\.billable\.abandoned_after_s: must be greater than or equal to 0",
        ),
        (
            with_pricing(billable={"abandoned_after_s": 1e6}),
            None,
            r"pricing\.billable\.abandoned_after_s: must be less than or equal to 86400",
        ),
        (
            with_pricing(billable={"repeat_share": 20}),
            None,
            r"pricing\.billable\.repeat_share: must be a fraction in \[0, 1\], got 20; use 0.8",
        ),
        (
            with_pricing(minimum_monthly_contacts=-5),
            None,
            r"pricing\.minimum_monthly_contacts: must be greater than or equal to 0",
        ),
        (
            with_pricing(minimum_monthly_amount=-5),
            None,
            r"pricing\.minimum_monthly_amount: must be greater than or equal to 0",
        ),
        (
            with_pricing(bands=[{"from_contacts_per_month": 0, "per_contact": 2}]),
            None,
            r"pricing\.bands\[0\]\.from_contacts_per_month: must be greater than 0",
        ),
        (
            with_pricing(
                bands=[
                    {"from_contacts_per_month": 500, "per_contact": 2},
                    {"from_contacts_per_month": 100, "per_contact": 1},
                ]
            ),
            None,
            r"pricing: `bands` must be in increasing order of from_contacts_per_month",
        ),
        (
            {
                "model": "per_hour",
                "per_hour": 40,
                "bands": [{"from_contacts_per_month": 5, "per_contact": 1}],
            },
            None,
            r"`bands` price contacts: they apply to per_contact and hybrid, not per_hour",
        ),
        (
            {"model": "fixed_monthly", "fixed_monthly": 9, "minimum_monthly_contacts": 10},
            None,
            r"`minimum_monthly_contacts` applies to per_contact and hybrid pricing",
        ),
        (
            with_pricing(peak_rates=[{"start": "10:00", "end": "09:00", "multiplier": 1.2}]),
            None,
            r"pricing\.peak_rates\[0\]: .*`start` 10:00 must be before `end` 09:00",
        ),
        (
            with_pricing(peak_rates=[{"start": "09:00", "end": "25:00", "multiplier": 1.2}]),
            None,
            r"`end` must be between 00:00 and 24:00, got '25:00'",
        ),
        (
            with_pricing(peak_rates=[{"start": "09:00", "end": "10:00", "multiplier": 11}]),
            None,
            r"pricing\.peak_rates\[0\]\.multiplier: must be less than or equal to 10",
        ),
        (
            with_pricing(
                peak_rates=[
                    {"start": "09:00", "end": "12:00", "multiplier": 1.2},
                    {"start": "11:00", "end": "13:00", "multiplier": 1.5, "days": ["monday"]},
                ]
            ),
            None,
            r"`peak_rates` overlap; each hour of a day may have one rate",
        ),
        (
            with_pricing(volume_band={"p10": 1.2, "p90": 0.9}),
            None,
            r"pricing\.volume_band: .*needs p10 <= p50 <= p90, got 1.2, 1, 0.9",
        ),
        (
            with_pricing(volume_band={"p10": 0, "p90": 1.2}),
            None,
            r"pricing\.volume_band\.p10: must be greater than 0",
        ),
        (HYBRID, with_term(years=0), r"term\.years: must be greater than or equal to 1"),
        (HYBRID, with_term(years=11), r"term\.years: must be less than or equal to 10"),
        (
            HYBRID,
            with_term(wage_inflation_per_year=3),
            r"term\.wage_inflation_per_year: must be less than or equal to 1",
        ),
        (
            HYBRID,
            with_term(volume_growth_per_year=-1),
            r"term\.volume_growth_per_year: must be greater than or equal to -0.9",
        ),
        (
            HYBRID,
            with_term(liability_cap_per_year=-1),
            r"term\.liability_cap_per_year: must be greater than or equal to 0",
        ),
        (
            HYBRID,
            with_term(indexation={"rate_per_year": [3.0]}),
            r"term\.indexation\.rate_per_year: .*each yearly index rate must be in \[-0.5, 1\]",
        ),
        (
            HYBRID,
            with_term(indexation={"rate_per_year": [0.02, 0.03, 0.04]}),
            r"indexation\.rate_per_year has 3 values; give 1 \(every year\) or 2",
        ),
        (
            HYBRID,
            with_term(indexation={"cap": 0.01, "floor": 0.02}),
            r"term\.indexation: .*`floor` 0.02 is above `cap` 0.01",
        ),
        (
            HYBRID,
            with_term(indexation={"cap": 2}),
            r"term\.indexation\.cap: must be less than or equal to 1",
        ),
        (
            HYBRID,
            with_term(indexation={"components": ["wages"]}),
            r"term\.indexation\.components\[0\]: must be one of",
        ),
        (
            HYBRID,
            with_term(start_date="2199-01-01", years=5),
            r"the term must lie in 1900 \.\. 2200",
        ),
        (HYBRID, with_term(years=True), r"term\.years: must be a number, not true/false"),
    ],
)
def test_new_fields_reject_nonsense_naming_field_and_range(pricing, term, message):
    text = problems(pricing, term)
    assert re.search(message, text), text


def test_todays_pricing_and_the_new_terms_load():
    full = {
        **HYBRID,
        "billable": {"abandoned_after_s": 30, "repeats_billed": False, "repeat_share": 0.1},
        "minimum_monthly_contacts": 1000,
        "minimum_monthly_amount": 40_000,
        "bands": [{"from_contacts_per_month": 20_000, "per_contact": 2.5}],
        "peak_rates": [{"start": "08:00", "end": "10:00", "multiplier": 1.25}],
        "volume_band": {"p10": 0.85, "p90": 1.2},
    }
    term = with_term(
        indexation={"rate_per_year": [0.03, 0.025], "cap": 0.03, "floor": 0.0},
        wage_inflation_per_year=0.03,
        volume_growth_per_year=0.05,
        liability_cap_per_year=250_000,
    )
    s = Scenario.model_validate(small_data(full, term=term))
    assert s.pricing.billable.repeats_billed is False and s.term.years == 3
    assert Scenario.model_validate(small_data(HYBRID)).term is None
