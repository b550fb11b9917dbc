"""The contract's money: what the client is billed (``billing``), pricing models under volume
risk (``risk``, volumes from ``volume``), the contract over its term (``term``), and the hiring
plan that has to deliver the standard (``hiring``)."""

from .billing import MonthlyCharges, billable_contacts, charges
from .risk import BreakEven, ModelRisk, PricingAnalysis, break_even, price_under_volume_risk
from .term import TermResult, TermYear, contract_term, index_factors, yearly_penalties
from .volume import QUANTILES, VolumePlans, volume_multipliers

__all__ = [
    "QUANTILES",
    "BreakEven",
    "ModelRisk",
    "MonthlyCharges",
    "PricingAnalysis",
    "TermResult",
    "TermYear",
    "VolumePlans",
    "billable_contacts",
    "break_even",
    "charges",
    "contract_term",
    "index_factors",
    "price_under_volume_risk",
    "volume_multipliers",
    "yearly_penalties",
]
