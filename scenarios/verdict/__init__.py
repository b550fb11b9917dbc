"""The SLA verdict: computed once, from a plan, into one typed result.

``verdict(plan_result, ...)`` takes a ``PlanResult`` (the scenario's demand expanded once and
each channel planned once) and returns a ``Verdict``: every clause of every target at the
headcount on offer with its price (``feasibility``), the cost of each SL standard
(``cost``), the breach risk per reporting period and the staffing that caps it (``breach``),
and the busiest day's peak check (``peak``). The CLI's JSON (``Verdict.to_dict``), the
Markdown report and the app render from it. The parts take the plan too; given a scenario
they plan it first (a one-off call).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace

import numpy as np

from erlang import SLDefinition

from ..pipeline import PlanResult
from ..scenario import parse_standard
from ._common import DAYS_PER_YEAR, MODEL_NAMES, as_plan, exclusions
from .breach import (
    BreachRisk,
    RiskNotCapped,
    RiskStaffing,
    breach_risk,
    breach_risks,
    breach_risks_in_batches,
    headline_clause,
    risk_staffing_text,
    staffing_for_risk,
)
from .compare import StandardComparison, compare_standards, current_standard, sl_channels
from .cost import CostCurve, cost_curve
from .drivers import DriversVerdict, drivers_verdict, one_day_plan
from .feasibility import Feasibility, TargetCheck, clause_price, feasibility
from .memo import SimulationMemo
from .optimal import (
    PeriodOptimal,
    RiskOptimal,
    VerifiedOptimal,
    min_replications,
    period_optimal,
    period_optimal_for_risk,
    period_optimal_verified,
)
from .peak import PeakCheck, busiest_day, one_day, peak_check

__all__ = [
    "DAYS_PER_YEAR",
    "MODEL_NAMES",
    "SECTIONS",
    "BreachRisk",
    "CostCurve",
    "DriversVerdict",
    "Feasibility",
    "PeakCheck",
    "PeakDay",
    "PeriodOptimal",
    "RiskOptimal",
    "RiskStaffing",
    "SimulationMemo",
    "TargetCheck",
    "Verdict",
    "as_plan",
    "StandardComparison",
    "breach_risk",
    "breach_risks",
    "breach_risks_in_batches",
    "busiest_day",
    "compare_standards",
    "clause_price",
    "cost_curve",
    "drivers_verdict",
    "feasibility",
    "one_day",
    "one_day_plan",
    "peak_check",
    "period_optimal",
    "period_optimal_for_risk",
    "staffing_for_risk",
    "RiskNotCapped",
    "risk_staffing_text",
    "side_by_side_workers",
    "verdict",
]

#: The sections ``verdict`` can compute besides the feasibility (always computed).
SECTIONS = ("cost", "breach", "risk_staffing", "peak", "period_optimal", "compare", "drivers")
#: Sections computed only when asked for (minutes of simulation, not seconds).
OPTIONAL_SECTIONS = ("period_optimal_risk",)


@dataclass(frozen=True)
class PeakDay:
    """The peak check of one channel on the busiest day of the horizon (``date``)."""

    date: dt.date
    check: PeakCheck


@dataclass(frozen=True)
class Verdict:
    """Everything ``ccplan check`` reports, per channel where it applies.

    ``feasibility``: every clause at the headcount on offer with its price (closed forms of
    ``model``); ``cost_curves``: cost of each SL standard; ``breach_risks``: P(breach) per
    reporting period at the offered staffing (simulation) of each channel's headline clause
    (its service level, else its first clause), ``clause_risks`` of every clause;
    ``risk_staffing``: the extra agents that cap it; ``peak_days``: the busiest day's peak
    check; ``compare``: the standards side by side; ``exclusions``: what the contract leaves
    out of measurement and why; ``warnings``: the feasibility's, then each breach risk's.
    Sections not computed (or not reached) are empty.
    """

    scenario: str
    model: str
    currency: str
    days: int
    interval_minutes: int
    feasibility: Feasibility
    cost_curves: dict[str, CostCurve] = field(default_factory=dict)
    breach_risks: dict[str, BreachRisk] = field(default_factory=dict)
    clause_risks: dict[str, dict[str, BreachRisk]] = field(default_factory=dict)
    risk_staffing: dict[str, RiskStaffing] = field(default_factory=dict)
    peak_days: dict[str, PeakDay] = field(default_factory=dict)
    compare: list[StandardComparison] = field(default_factory=list)
    period_optimal: dict[str, VerifiedOptimal] = field(default_factory=dict)
    period_optimal_risk: dict[str, RiskOptimal] = field(default_factory=dict)
    exclusions: tuple[dict, ...] = ()
    warnings: tuple[str, ...] = ()
    drivers: DriversVerdict | None = None
    """Demand drivers: contact mix, value of +5 points FCR / deflection, bot outage risk."""

    @property
    def sl_definitions(self) -> dict[str, SLDefinition]:
        """The SL definition of each channel's service-level clause."""
        return {
            c.channel: c.sl_definition
            for c in self.feasibility.checks
            if c.sl_definition is not None
        }

    def to_dict(self) -> dict:
        """The verdict as plain data: the JSON document ``ccplan check --format json`` prints
        (numpy arrays and values still to be converted by the JSON writer)."""
        feas = self.feasibility
        per_year = DAYS_PER_YEAR / self.days
        name = MODEL_NAMES[self.model]
        return {
            "scenario": self.scenario,
            "model": self.model,
            "currency": self.currency,
            "days": self.days,
            "fte_required": feas.fte_required,
            "fte_offered": feas.fte_offered,
            "fte_allocation": {
                ch: {"fte": fte, "share": share, "fte_needed": need}
                for ch, (fte, share, need) in feas.allocation.items()
            },
            "targets": [_check_dict(c, name, per_year) for c in feas.checks],
            "binding": feas.binding,
            "excluded": list(self.exclusions),
            "cost_of_standard": {ch: _curve_dict(c, name) for ch, c in self.cost_curves.items()},
            "breach_risk": {
                ch: {
                    **_risk_dict(self.breach_risks[ch]),
                    "clauses": [_risk_dict(r) for r in risks.values()],
                }
                for ch, risks in self.clause_risks.items()
            },
            "peak_day": {ch: _peak_dict(p) for ch, p in self.peak_days.items()},
            "staffing_for_risk": {ch: s.to_dict() for ch, s in self.risk_staffing.items()},
            "compare": [row.to_dict() for row in self.compare],
            "period_optimal": {ch: p.to_dict() for ch, p in self.period_optimal.items()},
            "period_optimal_for_risk": {
                ch: r.to_dict() for ch, r in self.period_optimal_risk.items()
            },
            "demand_drivers": None if self.drivers is None else self.drivers.to_dict(),
            "warnings": list(self.warnings),
        }


def _check_dict(c: TargetCheck, model_name: str, per_year: float) -> dict:
    counted = np.ones(c.periods.size, bool) if c.counted is None else c.counted
    return {
        "channel": c.channel,
        "clause": c.clause,
        "standard": c.description,
        "model": model_name,
        "met_every_period": c.met_every_period,
        "periods": [
            {
                "label": str(p),
                "period": str(p),
                "measured": bool(counted_p),
                "predicted": m if counted_p else None,
                "gap": g if counted_p else None,
                "met": bool(ok) if counted_p else None,
            }
            for p, m, g, ok, counted_p in zip(
                c.periods, c.measured, c.gap, c.met, counted, strict=True
            )
        ],
        "excluded_intervals": c.excluded_intervals,
        "failing_intervals": c.failing_intervals,
        "failing_interval_starts": list(c.failing_starts),
        "worst_interval": {"start": c.worst_start, "predicted": c.worst_value},
        "per_interval": c.per_interval,
        "price_fte": c.fte_saved,
        "price_per_year": c.cost_saved * per_year,
    }


def _curve_dict(curve: CostCurve, model_name: str) -> dict:
    i, j = curve.current_index()
    return {
        "model": model_name,
        "sl_definition": curve.sl_definition.value,
        "service_levels": curve.service_levels,
        "thresholds_s": curve.thresholds_s,
        "cost_per_year": curve.cost_per_year,
        "fte": curve.fte,
        "current": {
            "service_level": curve.service_levels[i],
            "threshold_s": curve.thresholds_s[j],
            "cost_per_year": curve.cost_per_year[i, j],
        },
    }


def _risk_dict(risk: BreachRisk) -> dict:
    def number(value, counted):
        return float(value) if counted else None

    return {
        "model": risk.method,
        "clause": risk.clause,
        "standard": risk.standard_text,
        "reporting_period": risk.reporting_period,
        "periods": [
            {
                "label": str(p),
                "period": str(p),
                "measured": bool(ok),
                "p_breach": number(pb, ok),
                "p_breach_low": number(lo, ok),
                "p_breach_high": number(hi, ok),
                "expected_penalty": float(pen),
                "expected_bonus": float(bon),
            }
            for p, ok, pb, lo, hi, pen, bon in zip(
                risk.periods,
                risk.counted,
                risk.p_breach,
                risk.p_breach_low,
                risk.p_breach_high,
                risk.expected_penalty,
                risk.expected_bonus,
                strict=True,
            )
        ],
        "p_breach_worst": risk.worst_p_breach,
        "met_on_average": risk.meets_on_average(),
        "expected_breaches_per_year": risk.expected_breaches_per_year,
        "expected_penalty_per_year": risk.penalty_per_year,
        "expected_bonus_per_year": risk.bonus_per_year,
        "p_at_least_breaches_per_year": {str(k): p for k, p in risk.p_at_least.items()},
        "p_consecutive_breaches_per_year": {str(k): p for k, p in risk.p_consecutive.items()},
    }


def _peak_dict(peak_day: PeakDay) -> dict:
    return peak_day.check.to_dict()


def _optimal_rule(replications: int, seed: int, executor, known, memo):
    """The comparison's period-optimal rule: ``period_optimal_verified`` of a channel at a
    standard, as (on-duty agents, scheduled agents, breach risks); the current standard's
    (``known(channel, standard)``: the verdict's own search when ``standard`` is the current
    one, else None) is not searched again, and every staffing simulated before is answered
    from ``memo``."""

    def rule(plan_result: PlanResult, channel: str):
        target = plan_result.scenario.target_for(channel)
        mine = known(channel, (target.service_level, target.threshold_s))
        if mine is None:
            # Its first margins come from its own per-interval staffing's simulation (which
            # the comparison runs anyway), not from the current standard's search: as good a
            # guess, and the standards need not wait for one another.
            mine = period_optimal_verified(
                plan_result,
                channel,
                replications=replications,
                seed=seed,
                executor=executor,
                memo=memo,
            )
        return mine.staffing.agents, mine.staffing.scheduled_agents, mine.risks

    return rule


def verdict(
    plan_result: PlanResult,
    *,
    fte: float | None = None,
    budget: float | None = None,
    replications: int = 30,
    seed: int = 1,
    max_p_breach: float = 0.1,
    executor=None,
    progress: Callable[[str, Verdict | None], None] | None = None,
    sections: Collection[str] = SECTIONS,
    base_dir=None,
    compare: Collection[str] | None = None,
    memo: SimulationMemo | None = None,
) -> Verdict:
    """The SLA verdict of ``plan_result`` at the headcount on offer (``fte``, or ``budget``;
    default: the scenario's ``workforce.fte_offered``, else the plan's own staffing).

    Works from the plan's demand and staffing (nothing is expanded or planned again); the
    what-ifs re-plan only the channel they change: a clause's price (that clause dropped), a
    cost-curve grid point (that standard). Per channel with a target, in this order: the cost
    of its SL standard (a response-time curve for deferred channels), the breach risk of every
    clause at the offered staffing (``replications`` simulations, ``seed``, run by
    ``executor``), the extra staffing that keeps every clause's P(breach) <= ``max_p_breach``
    (its search starts from that breach risk), and the busiest measured day's peak check (the
    one new demand: that day alone, read with ``base_dir``; channels sharing a busiest day
    share its plan), and the period-optimal staffing (``optimal.period_optimal_verified``: the
    cheapest staffing meeting every clause as the contract measures it, by the closed forms
    with margins raised until the simulation meets each clause on average with 95%
    confidence). Then the
    standards side by side (``compare``, default the scenario's ``compare_standards``; the
    current standard is always a row), under per-interval and period-optimal staffing.
    ``sections`` picks among ``SECTIONS`` and ``OPTIONAL_SECTIONS`` (``period_optimal_risk``:
    the period-optimal staffing whose simulated P(breach) is at most ``max_p_breach`` with 95%
    confidence, a search over many simulations). ``progress(stage, so_far)`` is called as each
    stage starts with the verdict computed so far (None before the feasibility), so an
    interrupted caller can still report it. With a local process ``executor`` of several
    workers the stages run side by side in threads (``_run_steps``; the same verdict), and
    ``progress`` is called as each stage's turn comes to be merged, in the same order.

    Every stage simulates through one ``SimulationMemo`` (``memo``, default a new one): a
    staffing simulated once with a seed -- the offered staffing's breach risk, which is also
    the risk-capping search's first candidate and the comparison's current standard, or a
    period-optimal staffing the comparison meets again -- is not simulated again.
    """
    unknown = set(sections) - set(SECTIONS) - set(OPTIONAL_SECTIONS)
    if unknown:
        raise ValueError(
            f"unknown verdict section(s) {sorted(unknown)}; sections: "
            f"{SECTIONS + OPTIONAL_SECTIONS}"
        )
    scenario = plan_result.scenario
    memo = SimulationMemo() if memo is None else memo

    def stage(text: str, so_far: Verdict | None) -> None:
        if progress is not None:
            progress(text, so_far)

    stage("the targets at the staffing on offer", None)
    feas = feasibility(plan_result, fte=fte, budget=budget)
    result = Verdict(
        scenario=scenario.name,
        model=plan_result.model,
        currency=feas.currency,
        days=scenario.days,
        interval_minutes=scenario.interval_minutes,
        feasibility=feas,
        exclusions=exclusions(scenario),
        warnings=tuple(feas.warnings),
    )
    if side_by_side_workers(executor) > 1:
        executor = _Stoppable(executor)
    steps = _channel_steps(
        plan_result,
        feas,
        sections,
        replications=replications,
        seed=seed,
        max_p_breach=max_p_breach,
        executor=executor,
        memo=memo,
        base_dir=base_dir,
    )
    standards = list(scenario.compare_standards if compare is None else compare)
    if "compare" in sections and standards and sl_channels(scenario):
        current = current_standard(scenario)
        if current is not None and all(
            parse_standard(s) != parse_standard(current) for s in standards
        ):
            standards.insert(0, current)
        found = {}  # channel -> its period-optimal step, for the comparison's current standard
        for step in steps:
            if step.section == "period_optimal":
                found[step.channel] = step

        def known(channel: str, standard) -> VerifiedOptimal | None:
            """The verdict's own period-optimal search of ``channel`` if ``standard`` (SL
            target, threshold [s]) is the current one (waiting for it), else None."""
            target = scenario.target_for(channel)
            if channel not in found or standard != (target.service_level, target.threshold_s):
                return None
            return found[channel].value()

        def compared():
            # The memo holds the verdict's own breach risks: the current standard's under
            # per-interval staffing wherever the offer is the plan's staffing.
            return compare_standards(
                plan_result,
                standards,
                replications=replications,
                seed=seed,
                executor=executor,
                optimal=_optimal_rule(replications, seed, executor, known, memo)
                if "period_optimal" in sections
                else None,
                memo=memo,
                side_by_side=side_by_side_workers(executor),
            )

        steps.append(
            _Step(
                f"standards side by side: {', '.join(standards)}",
                "compare",
                None,
                compared,
                lambda r, rows: replace(r, compare=rows),
            )
        )
    if "drivers" in sections and plan_result.drivers is not None:

        def drivers():
            return drivers_verdict(
                plan_result,
                agents=feas.on_duty,
                replications=replications,
                seed=seed,
                executor=executor,
                memo=memo,
                base_dir=base_dir,
            )

        steps.append(
            _Step(
                "demand drivers: value of FCR and self-service, bot outages",
                "drivers",
                None,
                drivers,
                lambda r, d: replace(r, drivers=d),
            )
        )
    return _run_steps(steps, result, stage, executor)


@dataclass
class _Step:
    """One section of one channel (``channel`` None: of all): ``compute()`` its value,
    ``merge(verdict, value)`` the verdict with it. Run by ``_run_steps``; ``value()`` waits
    for it when steps run side by side (the comparison waits for the period-optimal ones)."""

    text: str
    section: str
    channel: str | None
    compute: Callable[[], object]
    merge: Callable[[Verdict, object], Verdict]
    future: object = None
    done: tuple = ()  # (value,) once computed in this thread

    def value(self):
        if self.future is not None:
            return self.future.result()
        if not self.done:
            self.done = (self.compute(),)
        return self.done[0]


def side_by_side_workers(executor) -> int:
    """How many sections run side by side: one per worker of a local executor (processes or
    threads), so that while one section works in this process (closed forms, reading
    results) or waits for its last replications, the others keep the workers busy; 1 (one
    after the other) otherwise."""
    if executor is None or getattr(executor, "kind", None) not in ("processes", "threads", "local"):
        return 1
    return max(1, int(getattr(executor, "workers", 1)))


class _Stoppable:
    """The executor the sections share when they run side by side: once ``stopped`` is set
    (the verdict was interrupted or failed), a section asking for more replications gets an
    error instead of restarting the workers its caller is stopping."""

    def __init__(self, executor) -> None:
        self._executor = executor
        self.stopped = threading.Event()

    def __getattr__(self, name):
        return getattr(self._executor, name)

    def map(self, fn, tasks, progress=None) -> list:
        if self.stopped.is_set():
            raise RuntimeError("the verdict stopped: no more replications")
        return self._executor.map(fn, tasks, progress=progress)


def _noop(_task) -> None:
    """Nothing: starting the worker processes from the calling thread (see ``_run_steps``)."""


_noop.releases_gil = lambda _task: True  # (a local executor's threads need no start)


def _run_steps(steps: list[_Step], result: Verdict, stage, executor) -> Verdict:
    """``result`` with every step merged, in the steps' order; ``stage(text, so_far)`` as each
    step's turn comes, so that an interrupted caller keeps the steps merged so far.

    With a local executor of several workers (``side_by_side_workers``) the steps run at
    once in threads (each simulation is seeded, so the values are those of running them one
    after the other; the memo makes a step that asks what another is simulating wait for it)
    and are merged in order as they finish. The worker processes are started from the
    calling thread first (there they get the executor's stop-with-the-parent setting; worker
    threads need no start)."""
    if side_by_side_workers(executor) <= 1 or len(steps) <= 1:
        for step in steps:
            stage(step.text, result)
            result = step.merge(result, step.value())
        return result
    from concurrent.futures import ThreadPoolExecutor

    executor.map(_noop, range(executor.workers))
    # One section more than workers: enough to keep them busy, few enough that the results
    # held at once stay those of a few sections (a year's replications are large). Steps start
    # in order, so a step waiting for an earlier one (the comparison for the period-optimal
    # staffing) only ever waits for a running or finished one.
    threads = ThreadPoolExecutor(
        max_workers=side_by_side_workers(executor) + 1, thread_name_prefix="verdict-section"
    )
    finished = False
    try:
        for step in steps:
            step.future = threads.submit(step.compute)
        for step in steps:
            stage(step.text, result)
            result = step.merge(result, step.future.result())
        finished = True
    finally:
        # Interrupted or failed: the steps not started are dropped; the running ones end
        # with the executor's workers (the caller stops or closes them) or at their next
        # simulation (``_Stoppable``), not waited for here.
        if not finished and isinstance(executor, _Stoppable):
            executor.stopped.set()
        threads.shutdown(wait=finished, cancel_futures=True)
    return result


def _channel_steps(
    plan_result: PlanResult,
    feas: Feasibility,
    sections,
    *,
    replications: int,
    seed: int,
    max_p_breach: float,
    executor,
    memo: SimulationMemo,
    base_dir,
) -> list[_Step]:
    """Each channel's sections, in the verdict's order: per channel with a target, the cost
    of its SL standard, the breach risk of every clause, the staffing that caps it, the
    busiest day's peak check, the period-optimal staffing (and the risk-capped one)."""
    scenario = plan_result.scenario
    day_plans: dict[int, PlanResult] = {}
    day_lock = threading.Lock()
    steps = []

    def add(text, section, channel, compute, merge):
        steps.append(_Step(text, section, channel, compute, merge))

    for ch in scenario.channels:
        target = scenario.target_for(ch.name)
        if target is None:
            continue
        name = ch.name
        has_sl = target.service_level is not None
        agents = feas.on_duty[name]
        if has_sl and "cost" in sections:
            add(
                f"cost of the standard, {name}",
                "cost",
                name,
                lambda name=name: cost_curve(plan_result, name),
                lambda r, curve, name=name: replace(r, cost_curves={**r.cost_curves, name: curve}),
            )
        if "breach" in sections:

            def risks_at_offer(name=name, agents=agents):
                return breach_risks(
                    plan_result,
                    name,
                    agents=agents,
                    replications=replications,
                    seed=seed,
                    executor=executor,
                    memo=memo,
                )

            def with_risks(r, risks, name=name):
                headline = headline_clause(risks)
                return replace(
                    r,
                    breach_risks={**r.breach_risks, name: headline},
                    clause_risks={**r.clause_risks, name: risks},
                    warnings=r.warnings + headline.warnings,
                )

            add(
                f"breach risk, {name} ({replications} replications)",
                "breach",
                name,
                risks_at_offer,
                with_risks,
            )
        if "risk_staffing" in sections:

            def capped(name=name, agents=agents):
                try:
                    extra, risks_after = staffing_for_risk(
                        plan_result,
                        name,
                        max_p_breach=max_p_breach,
                        agents=agents,
                        replications=replications,
                        seed=seed,
                        executor=executor,
                        memo=memo,  # its first candidate, no extra agents, is the breach risk
                    )
                    return RiskStaffing(name, max_p_breach, extra, risks_after)
                except RiskNotCapped as short:  # an answer, not a failed check
                    return RiskStaffing(
                        name, max_p_breach, None, short.risks, max_extra=short.max_extra
                    )

            add(
                f"staffing for P(breach) <= {max_p_breach:.0%}, {name}",
                "risk_staffing",
                name,
                capped,
                lambda r, staffing, name=name: replace(
                    r, risk_staffing={**r.risk_staffing, name: staffing}
                ),
            )
        if ch.kind != "deferred" and has_sl and "peak" in sections:

            def peak(name=name):
                day = busiest_day(plan_result, name)
                with day_lock:  # channels sharing a busiest day share its plan
                    if day not in day_plans:
                        day_plans[day] = one_day_plan(plan_result, day, base_dir)
                    day_plan = day_plans[day]
                check = peak_check(
                    day_plan, name, replications=replications, seed=seed, executor=executor
                )
                return PeakDay(day_plan.scenario.start_date, check)

            add(
                f"busiest day simulated, {name}",
                "peak",
                name,
                peak,
                lambda r, p, name=name: replace(r, peak_days={**r.peak_days, name: p}),
            )
        if ch.kind != "deferred" and "period_optimal" in sections:
            add(
                f"period-optimal staffing, checked by simulation, {name}",
                "period_optimal",
                name,
                lambda name=name: period_optimal_verified(
                    plan_result,
                    name,
                    replications=replications,
                    seed=seed,
                    executor=executor,
                    memo=memo,
                ),
                lambda r, o, name=name: replace(r, period_optimal={**r.period_optimal, name: o}),
            )
        if ch.kind != "deferred" and has_sl and "period_optimal_risk" in sections:
            add(
                f"period-optimal staffing for P(breach) <= {max_p_breach:.0%}, {name}",
                "period_optimal_risk",
                name,
                lambda name=name: period_optimal_for_risk(
                    plan_result,
                    name,
                    max_p_breach=max_p_breach,
                    replications=max(replications, min_replications(max_p_breach)),
                    seed=seed,
                    executor=executor,
                    memo=memo,
                ),
                lambda r, c, name=name: replace(
                    r, period_optimal_risk={**r.period_optimal_risk, name: c}
                ),
            )
    return steps
