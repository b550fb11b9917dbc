"""What the client is billed: billable contacts and the monthly charge of a pricing.

A pure function of the plan (``scenarios.pipeline.PlanResult``) and a ``Pricing``:

* billable contacts per interval = handled x (1 - repeat share, when repeats are not billed)
  + abandoned contacts that waited at least ``abandoned_after_s`` (when the contract bills
  them). Under Erlang A the share of offered contacts abandoning after ``N`` s is
  ``P(abandon) - P(abandon within N)``, with ``P(abandon within N) = 1 - SL_N / SL'_N`` where
  ``SL_N`` is answered within N / offered and ``SL'_N`` answered within N / (offered -
  abandoned within N) (both from ``erlang.erlang_a_kpis``; identity of the two definitions);
* per-contact charge: each billable contact of a calendar month at the rate of the band its
  position in the month's count falls in (``per_contact`` below the first band's
  ``from_contacts_per_month``; bands are marginal, as tax brackets), times the peak-hour
  multiplier of its interval; contacts are counted in time order;
* per-hour charge: paid agent hours x ``per_hour`` x the peak-hour multiplier;
* fixed charge: ``fixed_monthly`` per calendar month;
* minimum offtake: the shortfall of billable contacts below ``minimum_monthly_contacts`` at
  ``per_contact``; then the month's charge is at least ``minimum_monthly_amount``.

Monthly amounts (fee, minimums, band thresholds) are prorated for a month the horizon covers
in part (covered days / calendar days), as the plan spreads the fixed fee.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from erlang import erlang_a_kpis

from ..periods import Periods, periods_of
from ..pipeline import PlanResult, slot_aht_s
from ..scenario import WEEKDAYS, Pricing

__all__ = ["MonthlyCharges", "billable_contacts", "charges", "peak_multiplier"]


@dataclass(frozen=True)
class MonthlyCharges:
    """The client's bill per calendar month of the horizon (arrays over months) and in total.

    ``billable``: contacts billed (before any minimum); ``contacts``, ``hours``, ``fixed``:
    the charge of each price component; ``minimum_topup``: what the minimum offtake adds;
    ``total`` their sum. Money in the workforce currency."""

    label: np.ndarray
    coverage: np.ndarray
    billable: np.ndarray
    contacts: np.ndarray
    hours: np.ndarray
    fixed: np.ndarray
    minimum_topup: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return self.contacts + self.hours + self.fixed + self.minimum_topup

    @property
    def grand_total(self) -> float:
        return float(self.total.sum())


def abandoned_after(calls_per_hour, aht_s, patience_s, agents, after_s) -> np.ndarray:
    """Share of offered contacts that abandon after waiting at least ``after_s`` [s] (Erlang A,
    M/M/n+M): ``P(abandon) - P(abandon within after_s)``, the latter from the two SL
    definitions of ``erlang_a_kpis`` (see the module docstring). With no agents every caller
    abandons, after ``after_s`` with probability ``exp(-after_s / patience_s)``."""
    k = erlang_a_kpis(calls_per_hour, aht_s, patience_s, agents, after_s)
    sl, sl_excl = np.asarray(k.service_level), np.asarray(k.service_level_excl_short_abandons)
    with np.errstate(invalid="ignore", divide="ignore"):
        within = np.where(sl_excl > 0, 1.0 - sl / np.where(sl_excl > 0, sl_excl, 1.0), np.nan)
    no_agents = 1.0 - np.exp(-after_s / np.asarray(patience_s, dtype=float))
    within = np.where(np.asarray(agents) > 0, within, no_agents)
    within = np.nan_to_num(within, nan=0.0)  # no arrivals: nothing abandons
    return np.clip(np.asarray(k.p_abandon) - within, 0.0, 1.0)


def billable_contacts(result: PlanResult, pricing: Pricing) -> np.ndarray:
    """Billable contacts per interval, all channels together (see the module docstring)."""
    rule = pricing.billable
    kept = 1.0 - (0.0 if rule.repeats_billed else rule.repeat_share)
    total = np.zeros(result.table.n_intervals)
    for name, p in result.channels.items():
        total += p.handled * kept
        demand = result.table.channels[name]
        if (
            rule.abandoned_after_s is None
            or demand.patience_s is None
            or result.model != "erlang_a"
        ):
            continue  # deferred and Erlang C channels: nobody abandons
        ch = result.scenario.channel(name)
        share = abandoned_after(
            demand.calls_per_hour,
            slot_aht_s(ch, demand),
            demand.patience_s,
            p.required_agents * ch.concurrency,
            rule.abandoned_after_s,
        )
        total += demand.offered * share
    return total


def peak_multiplier(pricing: Pricing, start_date: dt.date, days: int, interval_minutes: int):
    """The rate multiplier of each interval (1 outside every peak-rate window); an interval
    belongs to the window its start falls in."""
    per_day = 1440 // interval_minutes
    minute = np.tile(np.arange(per_day) * interval_minutes, days)
    weekday = np.repeat(
        [(start_date + dt.timedelta(days=d)).weekday() for d in range(days)], per_day
    )
    out = np.ones(days * per_day)
    for rate in pricing.peak_rates:
        start, end = rate.minutes
        on_day = np.isin(weekday, [WEEKDAYS.index(d) for d in rate.days])
        out[on_day & (minute >= start) & (minute < end)] = rate.multiplier
    return out


def _banded(billable, of_month, coverage, pricing: Pricing, multiplier) -> np.ndarray:
    """Per-interval per-contact charge: each contact at its band's rate (its position in the
    month's running count), times the interval's multiplier."""
    edges = np.array([0.0] + [b.from_contacts_per_month for b in pricing.bands])
    rates = np.array([pricing.per_contact] + [b.per_contact for b in pricing.bands])
    upper = np.append(edges[1:], np.inf)
    # running count of billable contacts in the month, at the end and start of each interval
    end = np.cumsum(billable)
    month_start = np.concatenate([[0.0], end])[np.searchsorted(of_month, of_month, "left")]
    end -= month_start
    begin = end - billable
    scale = coverage[of_month][:, None]  # thresholds prorated for a part month
    lo, hi = edges[None, :] * scale, upper[None, :] * scale
    in_band = np.clip(np.minimum(end[:, None], hi) - np.maximum(begin[:, None], lo), 0.0, None)
    return (in_band * rates[None, :]).sum(axis=1) * multiplier


def charges(result: PlanResult, pricing: Pricing, months: Periods | None = None) -> MonthlyCharges:
    """The client's bill per calendar month for ``result``'s plan under ``pricing``."""
    s = result.scenario
    if months is None:
        months = periods_of(s.start_date, s.days, s.interval_minutes, "month")
    coverage = months.days / months.calendar_days
    billable = billable_contacts(result, pricing)
    hours = sum(p.paid_hours for p in result.channels.values())
    multiplier = peak_multiplier(pricing, s.start_date, s.days, s.interval_minutes)
    of = months.of_interval
    contact_rate = pricing.model in ("per_contact", "hybrid")
    contacts = (
        months.total(_banded(billable, of, coverage, pricing, multiplier))
        if contact_rate
        else np.zeros(months.size)
    )
    hour_charge = (
        months.total(hours * pricing.per_hour * multiplier)
        if pricing.model == "per_hour"
        else np.zeros(months.size)
    )
    fixed = (
        pricing.fixed_monthly * coverage
        if pricing.model in ("fixed_monthly", "hybrid")
        else np.zeros(months.size)
    )
    billed = months.total(billable)
    topup = np.zeros(months.size)
    if pricing.minimum_monthly_contacts is not None and contact_rate:
        shortfall = np.maximum(pricing.minimum_monthly_contacts * coverage - billed, 0.0)
        topup += shortfall * pricing.per_contact
    if pricing.minimum_monthly_amount is not None:
        so_far = contacts + hour_charge + fixed + topup
        topup += np.maximum(pricing.minimum_monthly_amount * coverage - so_far, 0.0)
    return MonthlyCharges(
        label=months.labels,
        coverage=coverage,
        billable=billed,
        contacts=contacts,
        hours=hour_charge,
        fixed=fixed,
        minimum_topup=topup,
    )
