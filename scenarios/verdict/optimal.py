"""Period-optimal staffing: the cheapest agents on duty per interval such that every clause of
a channel's target holds as the contract measures it -- pooled over each reporting period --
instead of in every interval (what the pipeline plans, over-delivering on the period).

The problem, per reporting period ``P`` of the target (measured intervals ``M(P)``)::

    minimise    sum_i c * n_i
    subject to  sum_{i in M(P)} f_i(n_i) >= 0      for each period clause f
                n_i >= m_i                          (the per-interval minimum)

with ``c`` the cost of one agent on duty for one interval: paid hours ``interval / (1 -
shrinkage)`` x hourly cost, the same in every interval. Each clause is a sum of per-interval
counts (``o_i`` offered, closed forms at ``n_i`` agents):

* service level ``>= s`` (``s`` = standard + ``margin``), under the target's SL definition:
  ``f = o_i (W_i - s D_i)`` with ``W`` = P(answered within T) and the denominator share ``D`` =
  1 (of offered), 1 - P(abandoned within T) (excl. short abandons), 1 - P(abandon) (of
  answered): the period SL ``sum o W / sum o D`` is then at least ``s``;
* abandonment ``<= cap`` (cap less ``abandon_margin``): ``f = o_i (cap - P_ab,i)``;
* ASA ``<= cap`` (mean wait of the answered): ``f = o_i (1 - P_ab,i) (cap - ASA_i)``.

The occupancy cap stays per interval (an agent cannot be 95% busy through the peak because the
night was quiet): it is part of the minimum ``m_i``, with stability (Erlang C: more slots than
erlangs) and the optional SL ``floor``. Intervals the contract does not measure (the target's
``excluded_periods``, special periods flagged ``excluded_from_sla``) count in no clause; they
keep the per-interval plan's staffing (each clause met within the interval), since an
unmeasured outage day still has callers and the contract says nothing about how to serve them:
the saving comes from the measured intervals only.

Method: greedy marginal allocation (Koole & van der Sluis 2003): start every interval at its
minimum, then add one agent at a time where the clause's ``f`` grows most (per unit cost; the
cost is the same everywhere, so: where it grows most) until the clause holds in the period.
For one clause with every ``f_i`` concave in ``n`` this is optimal: with equal costs the
greedy maximises ``sum f_i`` for every total number of agents (separable concave resource
allocation, Fox 1966), so the first total that meets the clause is the cheapest. Concavity holds
for the SL of Erlang C and Erlang A beyond the load (both are S-shaped: convex while agents are
fewer than the erlangs, concave beyond); the minimum usually starts past that point (the
occupancy cap needs ``n >= a / cap``; in the bundled examples only a few quiet intervals,
whose minimum is an agent or two, start in the convex part), and the tables are checked
(``proven_optimal``). The excl-short-abandons and of-answered SL of Erlang A need not even be
monotone (the impatient leave). Several clauses make it a multi-constraint problem: the greedy
meets them one after the other, each on its own increments, once with each clause first, and
keeps the cheapest -- optimal when only one clause needed agents beyond the minimum (the
optimum of that clause alone is a lower bound and feasible for all), a feasible upper bound
otherwise.

The greedy prices on-duty agent-intervals linearly; the on-duty agents are then scheduled,
paid and costed exactly as the pipeline does (``pipeline.schedule_cost``: ``ceil(n / (1 -
shrinkage))``, the maximum within shift blocks, hourly cost), so the reported cost carries the
same rounding as the per-interval plan it is compared with.

Deferred channels (a response-time standard met by the workload plan) are not covered: a
``ValueError`` says so.

References
----------
G. Koole and E. van der Sluis (2003), "Optimal shift scheduling with a global service level
constraint", *IIE Transactions* 35(11), 1049-1055.
B. Fox (1966), "Discrete optimization via marginal analysis", *Management Science* 13(3).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, replace

import numpy as np

from erlang import (
    SLDefinition,
    erlang_a_kpis,
    erlang_c_kpis,
    offered_load_erlangs,
    required_agents,
)
from erlang.erlang_a import _erlang_a  # without the ASA integral (the staffing search's too)

from ..periods import excluded_intervals, periods_of, ratio_of_counts
from ..pipeline import (
    PlanResult,
    copied_back,
    distinct_intervals,
    occupancy_cap,
    schedule_cost,
    slot_aht_s,
)
from ..scenario import Scenario
from ._common import DAYS_PER_YEAR, as_plan, channel_fte
from .breach import BreachRisk, breach_risks, headline_clause, worst_p_breach
from .memo import SimulationMemo

__all__ = [
    "PeriodOptimal",
    "RiskOptimal",
    "VerifiedOptimal",
    "period_optimal",
    "period_optimal_for_risk",
    "period_optimal_verified",
    "plan_margins",
]

#: The clauses measured over a reporting period, in the order the greedy meets them.
PERIOD_CLAUSES = ("service_level", "max_abandon", "max_asa_s")

#: A clause holds when its period sum is at least -_RELATIVE_TOL x the period's offered
#: contacts (the rounding of sums of thousands of terms; 1e-9 of a contact per contact).
_RELATIVE_TOL = 1e-9

#: Search step of the margin in ``period_optimal_for_risk`` (a quarter of an SL point).
MARGIN_STEP = 0.0025

#: Two-sided 95% normal quantile (``breach_risk``'s Wilson interval).
_Z95 = 1.959963984540054


@dataclass(frozen=True)
class PeriodOptimal:
    """The cheapest on-duty staffing of one channel meeting each clause per reporting period.

    ``agents`` (on duty), ``scheduled_agents`` (after shrinkage and shift blocks) and
    ``minimum_agents`` (the per-interval minimum the greedy started from) are per interval;
    ``fte`` and ``cost_per_year`` (in ``currency``, the horizon's cost scaled to 365 days) are
    the pipeline's figures for that staffing, beside those of the per-interval plan.
    ``service_level`` (under ``sl_definition`` with ``threshold_s``), ``p_abandon`` and
    ``asa_s`` are the predicted KPIs per reporting period (``periods``), pooled over its measured
    intervals; NaN where ``measured`` is False (nothing to measure). ``clauses`` maps each
    period clause of the target to the standard the greedy met (the SL with ``margin``, the
    abandonment cap with ``abandon_margin``).
    ``sl_intervals``: min, p10, p50, p90 of the per-interval SL over intervals with contacts.
    ``proven_optimal``: in every period either nothing was added to the minimum, or one clause
    alone needed agents and its per-interval counts are concave (then no cheaper staffing
    exists); otherwise the staffing is feasible but may not be the cheapest.
    """

    channel: str
    model: str
    sl_definition: SLDefinition
    threshold_s: float
    margin: float
    abandon_margin: float
    floor: float | None
    clauses: dict[str, float]
    agents: np.ndarray
    minimum_agents: np.ndarray
    scheduled_agents: np.ndarray
    fte: float
    cost_per_year: float
    fte_per_interval_staffing: float
    cost_per_year_per_interval_staffing: float
    periods: np.ndarray
    measured: np.ndarray
    service_level: np.ndarray
    p_abandon: np.ndarray
    asa_s: np.ndarray
    sl_intervals: dict[str, float]
    proven_optimal: bool
    currency: str

    @property
    def saving_per_year(self) -> float:
        """Cost per year of the per-interval plan minus this staffing's."""
        return self.cost_per_year_per_interval_staffing - self.cost_per_year

    def to_dict(self) -> dict:
        """Plain data for the JSON writer (numpy values still to be converted)."""
        kpis = {
            "service_level": self.service_level,
            "p_abandon": self.p_abandon,
            "asa_s": self.asa_s,
        }
        return {
            "channel": self.channel,
            "model": self.model,
            "method": "greedy marginal allocation per reporting period "
            "(Koole & van der Sluis 2003)",
            "sl_definition": self.sl_definition.describe(self.threshold_s),
            "clauses": self.clauses,
            "margin": self.margin,
            "abandon_margin": self.abandon_margin,
            "floor": self.floor,
            "currency": self.currency,
            "fte": self.fte,
            "cost_per_year": self.cost_per_year,
            "saving_per_year": self.saving_per_year,
            "fte_per_interval_staffing": self.fte_per_interval_staffing,
            "cost_per_year_per_interval_staffing": self.cost_per_year_per_interval_staffing,
            "proven_optimal": self.proven_optimal,
            "sl_intervals": self.sl_intervals,
            "periods": [
                {
                    "label": str(label),
                    "measured": bool(self.measured[p]),
                    **{
                        f"predicted_{name}": (float(values[p]) if self.measured[p] else None)
                        for name, values in kpis.items()
                    },
                }
                for p, label in enumerate(self.periods)
            ],
        }


@dataclass(frozen=True)
class _Tables:
    """Closed-form KPIs of every interval at ``minimum + k`` agents, ``k = 0 .. width - 1``
    (arrays ``[interval, k]``)."""

    within: np.ndarray  # P(answered within T)
    denominator: np.ndarray  # share of offered in the SL's denominator
    sl: np.ndarray  # per-interval SL under the definition
    p_abandon: np.ndarray
    asa_s: np.ndarray

    def take(self, k: np.ndarray) -> _Tables:
        """The column ``k[i]`` of every row (the KPIs at the chosen staffing)."""
        pick = k[:, None]
        return _Tables(*(np.take_along_axis(v, pick, axis=1)[:, 0] for v in vars(self).values()))


def _queue_kpis(cph, aht_s, patience_s, slots, threshold_s, *, with_asa: bool) -> dict:
    """Closed-form KPIs at ``slots`` (``[interval, k]``, against the per-interval inputs as
    columns): Erlang A where the channel has a patience (and the plan's model is Erlang A),
    else Erlang C. Erlang A's ASA (a numerical integral, most of the cost) only ``with_asa``.
    Each distinct interval row (rate, handle time, patience, slots) is computed once
    (``pipeline.distinct_intervals``: a horizon repeats a few weekly profiles)."""
    slots = np.broadcast_to(np.asarray(slots), (np.asarray(cph).shape[0], np.shape(slots)[-1]))
    (cph, aht_s, patience_s, slots), inverse = distinct_intervals(cph, aht_s, patience_s, slots)
    kpis = _queue_kpis_rows(cph, aht_s, patience_s, slots, threshold_s, with_asa=with_asa)
    return copied_back(kpis, inverse, axis=0)


def _queue_kpis_rows(cph, aht_s, patience_s, slots, threshold_s, *, with_asa: bool) -> dict:
    """``_queue_kpis`` of the intervals given."""
    if patience_s is None:
        return vars(erlang_c_kpis(cph[:, None], aht_s[:, None], slots, threshold_s))
    if with_asa:
        return vars(
            erlang_a_kpis(cph[:, None], aht_s[:, None], patience_s[:, None], slots, threshold_s)
        )
    load = offered_load_erlangs(cph, aht_s)
    n, a, h, pat = np.broadcast_arrays(
        np.asarray(slots, dtype=float), load[:, None], aht_s[:, None], patience_s[:, None]
    )
    t = np.full(n.shape, float(threshold_s))
    flat = [v.ravel() for v in (n, a, h, pat, t)]
    return {k: v.reshape(n.shape) for k, v in _erlang_a(*flat, with_asa=False).items()}


def _kpi_tables(cph, aht_s, patience_s, agents, concurrency, threshold_s, definition, with_asa):
    """One broadcast closed-form call over ``agents`` (``[interval, k]``); chat agents work
    ``concurrency`` slots each."""
    k = _queue_kpis(cph, aht_s, patience_s, agents * concurrency, threshold_s, with_asa=with_asa)
    within = np.asarray(k["service_level"], dtype=float)
    p_ab = np.asarray(k["p_abandon"], dtype=float)
    sl = np.asarray(k[SLDefinition(definition).field], dtype=float)
    if definition is SLDefinition.OF_OFFERED:
        denominator = np.ones_like(within)
    elif definition is SLDefinition.EXCL_SHORT_ABANDONS:
        # 1 - P(abandoned within T) = within / SL_excl (the closed forms give both ratios).
        with np.errstate(invalid="ignore", divide="ignore"):
            denominator = np.where(sl > 0, within / np.where(sl > 0, sl, 1.0), 1.0)
    else:
        denominator = 1.0 - p_ab
    return _Tables(within, denominator, sl, p_ab, np.asarray(k["asa_s"], dtype=float))


def _clause_counts(tables: _Tables, offered, clauses: dict[str, float]) -> dict[str, np.ndarray]:
    """Per clause, ``f[i, k]``: the interval's contribution to the period sum that must be >= 0
    (see the module docstring)."""
    o = offered[:, None]
    out = {}
    for name, standard in clauses.items():
        if name == "service_level":
            out[name] = o * (tables.within - standard * tables.denominator)
        elif name == "max_abandon":
            out[name] = o * (standard - tables.p_abandon)
        else:
            answered = o * (1.0 - tables.p_abandon)
            # Nobody answered: no wait to average (avoids 0 x inf).
            out[name] = np.where(answered > 0, answered * (standard - tables.asa_s), 0.0)
    return out


def _greedy(counts: dict[str, np.ndarray], tol: float, order: list[str]):
    """Greedy marginal allocation for one period: ``counts[c][i, k]`` is clause ``c``'s
    contribution of interval ``i`` at its ``k``-th agent above the minimum; failing clauses are
    met one after the other in ``order``. Returns the extra agents per interval and the
    clauses that needed any, or None when the tables are too narrow (some clause still fails
    with every positive increment taken)."""
    size, width = next(iter(counts.values())).shape
    k = np.zeros(size, dtype=np.int64)
    totals = {c: float(v[:, 0].sum()) for c, v in counts.items()}
    used = []
    rows = np.arange(size)
    while True:
        short = [c for c in order if totals[c] < -tol]
        if not short:
            return k, used
        clause = short[0]
        used.append(clause)
        f = counts[clause]
        nxt = np.minimum(k + 1, width - 1)
        gains = np.where(k + 1 < width, f[rows, nxt] - f[rows, k], -np.inf)
        heap = [(-g, int(i)) for i, g in zip(rows, gains.tolist(), strict=True) if g > 0]
        heapq.heapify(heap)
        while totals[clause] < -tol:
            if not heap:
                return None
            _, i = heapq.heappop(heap)
            ki = int(k[i])
            for c, v in counts.items():
                totals[c] += float(v[i, ki + 1] - v[i, ki])
            k[i] = ki + 1
            if ki + 2 < width:
                g = float(f[i, ki + 2] - f[i, ki + 1])
                if g > 0:
                    heapq.heappush(heap, (-g, i))


def _is_concave(values: np.ndarray, offered) -> bool:
    """Whether the increments of every row of ``values`` are non-increasing (up to rounding)."""
    if values.shape[1] <= 2:
        return True
    tol = _RELATIVE_TOL * np.maximum(offered, 1.0)[:, None]
    return bool(np.all(np.diff(values, n=2, axis=1) <= tol))


def _period_clauses(target, patience_s, margin: float, abandon_margin: float) -> dict[str, float]:
    clauses = {}
    if target.service_level is not None:
        clauses["service_level"] = float(target.service_level) + margin
    if target.max_abandon is not None and patience_s is not None:
        # Nobody abandons under Erlang C: the cap always holds there.
        clauses["max_abandon"] = float(target.max_abandon) - abandon_margin
    if target.max_asa_s is not None:
        clauses["max_asa_s"] = float(target.max_asa_s)
    return clauses


def _minimum_agents(scenario, ch, target, cph, aht_s, patience_s, floor) -> np.ndarray:
    """Agents no interval goes below: the occupancy cap (workforce's and target's), the SL
    ``floor`` if given, and more slots than erlangs (``floor(load) + 1``) under Erlang C (a
    stable queue) and under Erlang A without an occupancy cap: well below the load each agent
    gains more than the last (a convex start the greedy cannot climb: a first agent worth almost
    nothing is never taken, and the period looks unreachable), and without a cap the minimum
    would be 0 agents. A cap already keeps the minimum where agents are not all busy."""
    conc = ch.concurrency
    cap = occupancy_cap(scenario, ch)
    kwargs = {"max_occupancy": 1.0 if cap is None else cap}
    if floor is not None:
        kwargs.update(
            service_level=floor, threshold_s=target.threshold_s, sl_definition=target.sl_definition
        )
    (cph_d, aht_d, patience_d), inverse = distinct_intervals(cph, aht_s, patience_s)
    staffed = required_agents(cph_d, aht_d, patience_s=patience_d, **kwargs).agents
    slots = copied_back(np.asarray(staffed), inverse)
    if patience_s is None or cap is None or cap >= 1.0:
        load = cph * aht_s / 3600.0
        slots = np.maximum(slots, np.where(load > 0, np.floor(load) + 1, 0))
    return (-(-slots // conc)).astype(np.int64)


def period_optimal(
    plan_result: Scenario | PlanResult,
    channel: str,
    *,
    floor: float | None = None,
    margin: float = 0.0,
    abandon_margin: float | None = None,
) -> PeriodOptimal:
    """The cheapest on-duty agents per interval of ``channel`` meeting every clause of its
    target per reporting period (see the module docstring for the problem and the method).

    ``floor``: no interval's SL below this fraction (under the target's definition and
    threshold); ``margin``: added to the SL standard of every period (e.g. 0.01 for one point of
    head-room over the closed forms); ``abandon_margin``: taken off the abandonment cap (a
    fraction of offered contacts too; default: ``margin``). The ASA cap gets no margin.
    ``plan_result`` is the plan (a scenario is planned first with Erlang A); its demand, model
    and per-interval staffing are reused.
    """
    result = as_plan(plan_result)
    scenario = result.scenario
    ch = scenario.channel(channel)
    target = scenario.target_for(channel)
    if ch.kind == "deferred":
        raise ValueError(
            f"channel {channel!r} is deferred: its standard is a response time met by the "
            "workload plan, not a queue the greedy can staff; use the per-interval plan"
        )
    if target is None:
        raise ValueError(f"channel {channel!r} has no target to meet")
    if floor is not None and not 0.0 <= floor < 1.0:
        raise ValueError(f"`floor` must be a fraction in [0, 1), got {floor!r}")
    if floor is not None and target.service_level is None:
        raise ValueError(f"`floor` needs an SL target (threshold_s) on channel {channel!r}")
    if abandon_margin is None:
        abandon_margin = margin
    for name, value in (("margin", margin), ("abandon_margin", abandon_margin)):
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"`{name}` must be a fraction >= 0, got {value!r}")
    if target.service_level is not None and target.service_level + margin >= 1.0:
        raise ValueError(
            f"`margin` {margin:g} puts the SL standard at {target.service_level + margin:g}: "
            "a standard of 100% or more cannot be met; the margin must keep it below 1"
        )
    if target.max_abandon is not None and abandon_margin >= target.max_abandon:
        raise ValueError(
            f"`abandon_margin` {abandon_margin:g} takes the abandonment cap "
            f"{target.max_abandon:g} to 0 or below: no staffing meets it; it must stay below "
            "the cap"
        )
    demand = result.table.channels[channel]
    cph, aht = demand.calls_per_hour, slot_aht_s(ch, demand)
    patience = demand.patience_s if result.model == "erlang_a" else None
    clauses = _period_clauses(target, patience, margin, abandon_margin)
    if not clauses:
        raise ValueError(
            f"channel {channel!r}: its target has no clause measured per period "
            "(service_level, max_abandon under Erlang A, max_asa_s)"
        )
    grid = (scenario.start_date, scenario.days, scenario.interval_minutes)
    periods = periods_of(*grid, target.reporting_period)
    excluded = excluded_intervals(*grid, target.excluded_periods, flagged=demand.excluded)
    planned = result.channels[channel].required_agents
    minimum = _minimum_agents(scenario, ch, target, cph, aht, patience, floor)
    minimum = np.where(excluded, np.maximum(minimum, planned), minimum)
    threshold = float(target.threshold_s or 0.0)
    active = ~excluded & (demand.offered > 0)  # the intervals whose staffing moves a clause
    offered = np.where(active, demand.offered, 0.0)

    # Table width: the per-interval plan's staffing is feasible at margin 0, so a few agents
    # above it suffice; doubled while some period still fails (a margin, a thin table).
    width = int(max(np.max(planned - minimum, initial=0), 0)) + 3
    load = float(np.max(cph * aht / 3600.0, initial=0.0)) / ch.concurrency
    max_width = width + int(np.ceil(10.0 * np.sqrt(load) + 100.0))
    while True:
        extra, proven, tables, _ = _allocate(
            (cph, aht, patience, ch.concurrency, threshold, target.sl_definition),
            minimum,
            width,
            offered,
            active,
            periods,
            clauses,
        )
        if extra is not None:
            break
        if width >= max_width:
            raise ValueError(
                f"channel {channel!r}: the period clauses {clauses} cannot be met with up to "
                f"{width - 1} agents above the per-interval minimum"
            )
        width = min(2 * width, max_width)
    agents = minimum + extra
    final = tables.take(extra)
    if "max_asa_s" not in clauses:  # the tables skipped the ASA: only the staffing's is needed
        slots = (agents * ch.concurrency)[:, None]
        asa = _queue_kpis(cph, aht, patience, slots, threshold, with_asa=True)["asa_s"]
        final = replace(final, asa_s=np.asarray(asa, dtype=float)[:, 0])
    margins = (margin, abandon_margin)
    return _result(result, ch, target, clauses, margins, floor, agents, minimum, final, proven)


def _allocate(queue, minimum, width, offered, active, periods, clauses):
    """The greedy in every period over a table ``width`` wide: the extra agents per interval
    (None when some period needs a wider table) and whether they are provably optimal."""
    cph, aht, patience, conc, threshold, definition = queue
    agents = (minimum[:, None] + np.arange(width)[None, :]).astype(float)
    with_asa = "max_asa_s" in clauses
    tables = _kpi_tables(cph, aht, patience, agents, conc, threshold, definition, with_asa)
    counts = _clause_counts(tables, offered, clauses)
    extra = np.zeros(minimum.size, dtype=np.int64)
    proven = True
    for p in range(periods.size):
        rows = np.flatnonzero(active & (periods.of_interval == p))
        if not rows.size:
            continue
        tol = _RELATIVE_TOL * float(offered[rows].sum())
        mine = {c: v[rows] for c, v in counts.items()}
        names = list(clauses)
        # Each clause first in turn: the cheapest wins (fewest agents, equal costs). Where the
        # first clause's optimum meets the others too, it is the optimum of the period.
        tries = [_greedy(mine, tol, names[j:] + names[:j]) for j in range(len(names))]
        if any(t is None for t in tries):
            return None, None, tables, counts
        k, clauses_used = min(tries, key=lambda t: (int(t[0].sum()), len(t[1])))
        extra[rows] = k
        # Optimal: nothing added to the minimum, or one clause, concave, did it all.
        proven &= not clauses_used or (
            len(clauses_used) == 1 and _is_concave(mine[clauses_used[0]], offered[rows])
        )
    return extra, proven, tables, counts


def _has_patience(result, demand) -> bool:
    return result.model == "erlang_a" and demand.patience_s is not None


def _result(result, ch, target, clauses, margins, floor, agents, minimum, final, proven):
    """The ``PeriodOptimal`` at ``agents``: per-period KPIs, schedule, FTE and cost."""
    scenario = result.scenario
    demand = result.table.channels[ch.name]
    grid = (scenario.start_date, scenario.days, scenario.interval_minutes)
    periods = periods_of(*grid, target.reporting_period)
    excluded = excluded_intervals(*grid, target.excluded_periods, flagged=demand.excluded)
    offered = np.where(excluded, 0.0, demand.offered)
    answered = offered * (1.0 - final.p_abandon)
    total = periods.total
    # 0 x inf (nobody answered where the wait is infinite) is no wait, not NaN.
    wait = answered * np.where(answered > 0, final.asa_s, 0.0)
    scheduled, paid_hours, cost = schedule_cost(scenario, agents)
    per_year = DAYS_PER_YEAR / scenario.days
    planned = result.channels[ch.name]
    busy = demand.offered > 0
    sl = final.sl[busy]
    quantiles = np.quantile(sl, [0.1, 0.5, 0.9]) if sl.size else [np.nan] * 3
    return PeriodOptimal(
        channel=ch.name,
        model="erlang_a" if _has_patience(result, demand) else "erlang_c",
        sl_definition=target.sl_definition,
        threshold_s=float(target.threshold_s or 0.0),
        margin=float(margins[0]),
        abandon_margin=float(margins[1]),
        floor=floor,
        clauses=clauses,
        agents=agents,
        minimum_agents=minimum,
        scheduled_agents=scheduled,
        fte=channel_fte(result, paid_hours.sum()),
        cost_per_year=float(cost.sum() * per_year),
        fte_per_interval_staffing=channel_fte(result, planned.paid_hours.sum()),
        cost_per_year_per_interval_staffing=float(planned.cost.sum() * per_year),
        periods=periods.labels,
        measured=total(offered) > 0,
        service_level=ratio_of_counts(
            total(offered * final.within), total(offered * final.denominator)
        ),
        p_abandon=ratio_of_counts(total(offered * final.p_abandon), total(offered)),
        asa_s=ratio_of_counts(total(wait), total(answered)),
        sl_intervals={
            "min": float(sl.min()) if sl.size else float("nan"),
            "p10": float(quantiles[0]),
            "p50": float(quantiles[1]),
            "p90": float(quantiles[2]),
        },
        proven_optimal=bool(proven),
        currency=scenario.workforce.currency,
    )


@dataclass(frozen=True)
class RiskOptimal:
    """The cheapest period-optimal staffing whose simulated breach risk is capped.

    ``staffing`` is ``period_optimal`` at ``margin`` (the smallest margin on the search grid
    of ``MARGIN_STEP`` such that every measured period's 95% Wilson upper bound of P(breach),
    ``risk.p_breach_high``, is at most ``max_p_breach``); ``risk`` is the breach risk found in
    the search (seed ``risk.seed``), ``fresh_risk`` the same staffing simulated again on a
    fresh seed, and ``verified`` whether the fresh run confirms the bound. Every clause of the
    target counts (``risks``, ``fresh_risks``), not the service level alone.
    """

    channel: str
    max_p_breach: float
    margin: float
    staffing: PeriodOptimal
    risk: BreachRisk
    fresh_risk: BreachRisk
    verified: bool
    risks: dict[str, BreachRisk] | None = None
    """Every clause's breach risk on the search seed (``risk`` is the headline clause's)."""
    fresh_risks: dict[str, BreachRisk] | None = None

    def to_dict(self) -> dict:
        return {
            **self.staffing.to_dict(),
            "max_p_breach": self.max_p_breach,
            "margin": self.margin,
            "p_breach_high": self.risk.p_breach_high,
            "fresh_p_breach_high": self.fresh_risk.p_breach_high,
            "verified_on_fresh_seed": self.verified,
            "risk_model": self.fresh_risk.method,
        }


def min_replications(max_p_breach: float) -> int:
    """Fewest replications at which no breach at all gives a 95% Wilson upper bound of
    ``max_p_breach`` or less: ``z^2 / (n + z^2) <= p`` <=> ``n >= z^2 (1 - p) / p``."""
    return int(np.ceil(_Z95**2 * (1.0 - max_p_breach) / max_p_breach - 1e-9))


def period_optimal_for_risk(
    plan_result: Scenario | PlanResult,
    channel: str,
    *,
    max_p_breach: float = 0.1,
    replications: int = 40,
    seed: int = 1,
    fresh_seed: int | None = None,
    abandon_margin: float = 0.0,
    executor=None,
    memo: SimulationMemo | None = None,
) -> RiskOptimal:
    """The cheapest period-optimal staffing (``period_optimal`` with the smallest SL margin on a
    grid of ``MARGIN_STEP``) whose breach risk is at most ``max_p_breach`` in every measured
    reporting period, with confidence: the 95% Wilson upper bound of the simulated P(breach)
    (``breach_risk``, ``replications`` with ``seed``) must be at most ``max_p_breach``. So no
    breach at all must be seen in ``min_replications(max_p_breach)`` replications (35 for 10%;
    hence the default of 40, where one breach already fails). The margin is found by doubling
    then bisection (same seed for every candidate: common random numbers, so the search is
    monotone in practice; a higher margin adds agents, never removes them, for an SL-only
    target). The answer is then simulated on ``fresh_seed`` (default ``seed + 1``) and
    ``verified`` says whether it holds there too. ``memo`` (``SimulationMemo``) answers the
    staffings simulated before.
    """
    if not 0 < max_p_breach < 1:
        raise ValueError(f"`max_p_breach` must be a fraction in (0, 1), got {max_p_breach!r}")
    need = min_replications(max_p_breach)
    if replications < need:
        raise ValueError(
            f"`replications` must be at least {need} to show P(breach) <= {max_p_breach:g} "
            f"with 95% confidence (Wilson upper bound), got {replications}"
        )
    result = as_plan(plan_result)
    target = result.scenario.target_for(channel)
    if target is None or target.service_level is None:
        raise ValueError(f"channel {channel!r} needs an SL target (service_level, threshold_s)")
    top = int((1.0 - target.service_level) / MARGIN_STEP) - 1  # keeps the standard below 1
    tried: dict[int, tuple[PeriodOptimal, dict[str, BreachRisk]]] = {}

    def candidate(step: int):
        if step not in tried:
            tried[step] = _simulated(
                result,
                channel,
                (step * MARGIN_STEP, abandon_margin),
                replications=replications,
                seed=seed,
                executor=executor,
                memo=memo,
            )
        return tried[step]

    def ok(step: int) -> bool:
        return _risk_ok(candidate(step)[1], max_p_breach)

    low, high = -1, 0  # low fails (or is below the grid), high is the candidate
    while not ok(high):
        if high >= top:
            raise ValueError(
                f"channel {channel!r}: P(breach) stays above {max_p_breach:g} even with an SL "
                f"margin of {high * MARGIN_STEP:g}"
            )
        low, high = high, min(max(1, 2 * high), top)
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if ok(mid) else (mid, high)
    staffing, risks = candidate(high)
    fresh = breach_risks(
        result,
        channel,
        agents=staffing.agents,
        replications=replications,
        seed=seed + 1 if fresh_seed is None else fresh_seed,
        executor=executor,
        memo=memo,
    )
    return RiskOptimal(
        channel=channel,
        max_p_breach=max_p_breach,
        margin=high * MARGIN_STEP,
        staffing=staffing,
        risk=headline_clause(risks),
        fresh_risk=headline_clause(fresh),
        verified=_risk_ok(fresh, max_p_breach),
        risks=risks,
        fresh_risks=fresh,
    )


def _simulated(result, channel: str, margins, *, replications, seed, executor, memo=None):
    """``period_optimal`` at (SL, abandonment) ``margins`` and every clause's breach risk at
    that staffing (one simulation, or the ``memo``'s)."""
    staffing = period_optimal(result, channel, margin=margins[0], abandon_margin=margins[1])
    risks = breach_risks(
        result,
        channel,
        agents=staffing.agents,
        replications=replications,
        seed=seed,
        executor=executor,
        memo=memo,
    )
    return staffing, risks


def _risk_ok(risks: dict[str, BreachRisk], max_p_breach: float) -> bool:
    """Every clause's Wilson upper bound of P(breach) at most ``max_p_breach`` in every
    measured period."""
    return all(bool(np.all(r.p_breach_high[r.counted] <= max_p_breach)) for r in risks.values())


@dataclass(frozen=True)
class VerifiedOptimal:
    """Period-optimal staffing checked by simulation: ``staffing`` (``period_optimal`` at
    ``margin`` on the SL and ``abandon_margin`` on the abandonment cap) meets every clause of
    every measured period *on average* with 95% confidence -- the pooled simulated KPI's
    interval (``BreachRisk.meets_on_average``) on the right side of the standard -- when
    ``verified``; ``risks`` are the clauses' breach risks at that staffing (``rounds``
    period-optimal staffings were simulated, besides the plan's own staffing whose simulation
    set the first margins, ``plan_margins``). Met on average is not met every time: P(breach)
    of a staffing at the edge of the standard is large, and ``risks`` say how large; and met on
    the search's seed is not met on every seed (a staffing at the edge can miss on another)."""

    staffing: PeriodOptimal
    risks: dict[str, BreachRisk]
    margin: float
    abandon_margin: float
    rounds: int
    verified: bool

    @property
    def saving_per_year(self) -> float:
        return self.staffing.saving_per_year

    @property
    def standard(self) -> tuple[float | None, float]:
        """The (SL target, threshold [s]) this staffing was verified against."""
        risk = self.risks.get("service_level")
        return (None if risk is None else risk.standard, self.staffing.threshold_s)

    def to_dict(self) -> dict:
        simulated = {}
        for clause, risk in self.risks.items():
            pooled, low, high = risk.pooled()
            simulated[clause] = [
                {
                    "label": str(label),
                    "pooled": float(pooled[p]) if ok else None,
                    "low": float(low[p]) if ok else None,
                    "high": float(high[p]) if ok else None,
                }
                for p, (label, ok) in enumerate(zip(risk.periods, risk.counted, strict=True))
            ]
        return {
            **self.staffing.to_dict(),
            "margin": self.margin,
            "abandon_margin": self.abandon_margin,
            "verified": self.verified,
            "simulation_rounds": self.rounds,
            "simulated": simulated,
            "p_breach_worst": worst_p_breach(self.risks),
            "risk_model": headline_clause(self.risks).method,
        }


def period_optimal_verified(
    plan_result: Scenario | PlanResult,
    channel: str,
    *,
    replications: int = 30,
    seed: int = 1,
    executor=None,
    confidence: float = 0.95,
    max_rounds: int = 5,
    refine: int = 1,
    start: tuple[float, float] = (0.0, 0.0),
    from_plan: bool = True,
    memo: SimulationMemo | None = None,
) -> VerifiedOptimal:
    """The cheapest period-optimal staffing whose simulated KPIs meet every clause on average
    with ``confidence`` -- on the search's own simulation (``seed``): that is what ``verified``
    means; a staffing at the edge there may miss on another seed.

    First round: the margins the plan's per-interval staffing measured (``from_plan``,
    ``plan_margins``: how far its simulated bounds fell short of the closed forms, with the
    same replications and seed -- a simulation the comparison of standards and the app's
    negotiator run anyway, shared through ``memo``), at least ``start`` (e.g. the margins
    another standard needed); 0 (the closed forms alone) without either. Where the simulated
    pooled SL's lower bound falls short of the standard, raise the SL margin by the shortfall
    (plus ``MARGIN_STEP``), else where the abandonment's upper bound exceeds the cap, raise the
    abandonment margin by the excess (plus ``MARGIN_STEP``); re-plan and simulate again, at
    most ``max_rounds`` times (same seed: common random numbers). The closed forms are
    optimistic under time-varying load and forecast error by about as much as the shortfall, so
    one or two rounds usually do. ``verified`` is False when the rounds run out (an ASA or
    occupancy cap missed on average cannot be fixed by these margins).

    Then ``refine`` steps take back what the margins overshot, each one simulation, kept only
    if it meets every clause too (else the passing staffing stays; a further step brackets
    with it), so every kept staffing met every clause on its own simulation: after a raise, the
    secant (``_secant_margins``): the worst bound's distance to its standard
    (``_worst_slack``), measured at the last failing and at the passing margins, interpolated
    linearly to where it is ``SECANT_AIM`` on the right side of the standard; after a first
    round that passed with more than two margin steps to spare, a cautious step down
    (``_lowered_margins``). A step whose staffing is the passing one's is not simulated.
    ``memo`` (``SimulationMemo``) answers the staffings simulated before.
    """
    result = as_plan(plan_result)

    def risks_at(agents):
        """Every clause's breach risk at ``agents`` (one simulation, or the ``memo``'s)."""
        return breach_risks(
            result,
            channel,
            agents=agents,
            replications=replications,
            seed=seed,
            executor=executor,
            memo=memo,
        )

    def attempt(margins, passing=None):
        """(staffing, risks, every clause met on average); None when the staffing is the
        ``passing`` one's (nothing new to simulate)."""
        staffing = period_optimal(result, channel, margin=margins[0], abandon_margin=margins[1])
        if passing is not None and np.array_equal(staffing.agents, passing.agents):
            return None
        risks = risks_at(staffing.agents)
        return staffing, risks, all(r.meets_on_average(confidence) for r in risks.values())

    target = result.scenario.target_for(channel)

    def admissible(margins) -> bool:
        """Margins ``period_optimal`` accepts: the SL standard stays below 100%, the
        abandonment cap above 0."""
        sl_ok = target.service_level is None or target.service_level + margins[0] < 1.0
        return sl_ok and (target.max_abandon is None or margins[1] < target.max_abandon)

    if from_plan:
        at_plan = risks_at(result.channels[channel].required_agents)
        measured = plan_margins(result, channel, at_plan, confidence)
        if admissible(measured):
            start = tuple(max(a, b) for a, b in zip(start, measured, strict=True))
    margins = tuple(start) if admissible(start) else (0.0, 0.0)
    failed, rounds = None, 0
    while True:
        staffing, risks, ok = attempt(margins)
        rounds += 1
        if ok or rounds == max_rounds:
            break
        raised = _raised_margins(risks, *margins, confidence)
        if raised == margins or not admissible(raised):
            break  # nothing these margins can fix (an ASA or occupancy cap, a 100% standard)
        failed, margins = (margins, _worst_slack(risks, confidence)), raised
    if ok:
        passed = (margins, _worst_slack(risks, confidence))
        for _ in range(refine):
            if failed is None:  # passed at once: no failing margins to interpolate from
                step = _lowered_margins(risks, passed[0], confidence)
            else:
                step = _secant_margins(failed, passed)
            if step is None:
                break  # the passing margins are within the aim already
            tried = attempt(step, passing=staffing)
            if tried is None:
                break  # the same staffing as the passing margins': nothing to take back
            rounds += 1
            if tried[2]:
                (staffing, risks, ok), passed = tried, (step, _worst_slack(tried[1], confidence))
            else:
                failed = (step, _worst_slack(tried[1], confidence))
        margins = passed[0]
    return VerifiedOptimal(staffing, risks, margins[0], margins[1], rounds, ok)


#: Where a secant step aims the worst simulated bound: half a margin step on the right side of
#: the standard, so that a bound a little off the line between the two measured points still
#: meets it (bisecting on the bundled examples, the bound was within 0.0003 of that line over
#: weekly and monthly periods, 0.0022 over healthcare's daily ones).
SECANT_AIM = MARGIN_STEP / 2

#: The clauses the margins steer (``_raised_margins``), both fractions of contacts.
_STEERED = ("service_level", "max_abandon")


def _worst_slack(risks, confidence: float) -> float:
    """The smallest distance, over the SL and abandonment clauses and the measured periods,
    from the clause's ``confidence`` bound of the pooled KPI to its standard, on the right side
    (the SL's lower bound above its target, the abandonment's upper bound below its cap):
    negative when some clause is missed. +inf when neither clause is measured."""
    worst = np.inf
    for clause in _STEERED:
        if clause in risks:
            risk = risks[clause]
            _, low, high = risk.pooled(confidence)
            slack = low - risk.standard if clause == "service_level" else risk.standard - high
            slack = slack[risk.counted & np.isfinite(slack)]
            worst = min(worst, float(np.min(slack, initial=np.inf)))
    return worst


def _secant_margins(failed, passed, aim: float = SECANT_AIM):
    """The margins between a failing and a passing pair, each ``(margins, worst slack)``,
    where the worst slack interpolated linearly between them (regula falsi) is ``aim``: the
    point of the line ``failed -> passed`` at ``t = (aim - s_f) / (s_p - s_f)``. None when
    the passing slack is within ``aim`` already (``t >= 1``: nothing to take back) or the
    slacks do not bracket the standard."""
    (m_fail, s_fail), (m_pass, s_pass) = failed, passed
    if not (np.isfinite(s_fail) and np.isfinite(s_pass) and s_fail < 0 <= s_pass):
        return None
    t = (aim - s_fail) / (s_pass - s_fail)
    if t >= 1.0:
        return None
    return tuple(f + t * (p - f) for f, p in zip(m_fail, m_pass, strict=True))


def plan_margins(
    result: PlanResult, channel: str, risks: dict[str, BreachRisk], confidence: float = 0.95
) -> tuple[float, float]:
    """The (SL, abandonment) margins the closed forms needed at the plan's per-interval
    staffing, from its simulated ``risks`` (same staffing): per measured period the predicted
    pooled SL (closed forms of every interval, ``_kpi_tables``, pooled over the period's
    measured intervals as ``period_optimal`` pools them) less the simulated pooled SL's lower
    ``confidence`` bound, and the simulated abandonment's upper bound less the predicted one;
    the largest over periods, at least 0. A margin makes ``period_optimal`` meet the standard
    plus it in the closed forms, so these margins bring the simulated bounds to the standard
    wherever the closed forms miss by as much at the period-optimal staffing as at the plan's
    (on the bundled examples within a few tenths of a point: a first round that often passes
    at once)."""
    scenario = result.scenario
    ch = scenario.channel(channel)
    target = scenario.target_for(channel)
    demand = result.table.channels[channel]
    patience = demand.patience_s if result.model == "erlang_a" else None
    agents = result.channels[channel].required_agents
    tables = _kpi_tables(
        demand.calls_per_hour,
        slot_aht_s(ch, demand),
        patience,
        agents[:, None].astype(float),
        ch.concurrency,
        float(target.threshold_s or 0.0),
        target.sl_definition,
        False,
    ).take(np.zeros(agents.size, dtype=np.int64))
    grid = (scenario.start_date, scenario.days, scenario.interval_minutes)
    total = periods_of(*grid, target.reporting_period).total
    excluded = excluded_intervals(*grid, target.excluded_periods, flagged=demand.excluded)
    offered = np.where(excluded, 0.0, demand.offered)
    predicted = {
        "service_level": ratio_of_counts(
            total(offered * tables.within), total(offered * tables.denominator)
        ),
        "max_abandon": ratio_of_counts(total(offered * tables.p_abandon), total(offered)),
    }
    margins = [0.0, 0.0]
    for k, clause in enumerate(_STEERED):
        if clause not in risks:
            continue
        risk = risks[clause]
        _, low, high = risk.pooled(confidence)
        short = predicted[clause] - low if clause == "service_level" else high - predicted[clause]
        short = short[risk.counted & np.isfinite(short)]
        margins[k] = max(0.0, float(np.max(short, initial=0.0)))
    return margins[0], margins[1]


#: The fastest the simulated bound is taken to fall per unit of margin taken back (between a
#: failing and a passing round of the bundled examples: 0.85 to 1.35).
_FALL_PER_MARGIN = 1.5


def _lowered_margins(risks, margins, confidence: float):
    """After a first round that passed with room to spare (its margins came from the plan or
    from ``start``, not from a failing round): each steered margin less its clause's slack
    beyond ``SECANT_AIM`` over ``_FALL_PER_MARGIN`` (so the bound is not expected to fall past
    the aim), never below 0; only where that slack is more than ``2 * MARGIN_STEP`` beyond the
    aim (less is not worth a simulation). None when no margin is lowered."""
    lowered = list(margins)
    for k, clause in enumerate(_STEERED):
        if clause not in risks or margins[k] <= 0:
            continue
        slack = _worst_slack({clause: risks[clause]}, confidence)
        if np.isfinite(slack) and slack - SECANT_AIM > 2 * MARGIN_STEP:
            lowered[k] = max(0.0, margins[k] - (slack - SECANT_AIM) / _FALL_PER_MARGIN)
    return None if tuple(lowered) == tuple(margins) else tuple(lowered)


def _raised_margins(risks, margin: float, abandon: float, confidence: float):
    """The next round's SL and abandonment margins from this round's simulated shortfalls: one
    clause at a time, the service level first (more agents for it lower abandonment too)."""
    if "service_level" in risks:
        risk = risks["service_level"]
        _, low, _ = risk.pooled(confidence)
        short = np.nanmax(np.where(risk.counted, risk.standard - low, np.nan), initial=0.0)
        if short > 0:
            return margin + float(short) + MARGIN_STEP, abandon
    if "max_abandon" in risks:
        risk = risks["max_abandon"]
        _, _, high = risk.pooled(confidence)
        excess = np.nanmax(np.where(risk.counted, high - risk.standard, np.nan), initial=0.0)
        if excess > 0:
            abandon += float(excess) + MARGIN_STEP
    return margin, abandon
