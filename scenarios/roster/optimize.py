"""The roster optimizer: the minimum-cost shifts covering a channel's requirement, as an integer
program solved by HiGHS (``scipy.optimize.milp``).

Model, per channel and week: shifts per template, day and start; breaks placed per shift start
(how many of its shifts take each offset); agents per weekly pattern of each contract -- linked
by counts, not enumerated per agent (implicit tour scheduling; cf. Bechtold & Jacobs 1990 for
the implicit modelling of breaks, which this explicit per-start placement does not use)::

    minimise    sum_j cost_j x_j
    subject to  sum_j a_ij x_j - sum_(j,b,o) a_i(j,b,o) w_jbo >= r_i       every interval i  (a)
                sum_o w_jbo = x_j                                           every shift j, break b
                sum_(j of contract k on day d) x_j = sum_(p with d on) y_kp every contract k, day d
                sum_s x_(t,d,s) <= max_per_day(t);  sum_p y_kp <= max_headcount(k)
                min_share(k) sum y <= sum_p y_kp <= max_share(k) sum y
                x, w, y integer >= 0

``x_j``: shifts of candidate ``j`` (a template started at one time on one day); ``w_jbo``: of
those, the ones taking break ``b`` at offset ``o`` inside its window; ``y_kp``: agents of
contract ``k`` working weekly pattern ``p``. ``a_ij`` is 1 while shift ``j`` is on (between its
start and end), ``a_i(j,b,o)`` while the break is taken. Because break windows of one template do
not overlap, an agent is off the phone for at most one break at a time, so the coverage is
exact. ``r_i`` is the requirement of agents present and not on break: the plan's required
(productive) agents divided by ``1 - s'``, ``s'`` the workforce shrinkage *other* than the
rostered breaks (``ShiftRules.breaks_shrinkage``, e.g. training, absence), rounded up.

Objective (b), ``period_clauses``: each clause of the channel's target holds per reporting
period rather than in every interval. Two stages: the period-optimal productive agents per
interval (``verdict.optimal.period_optimal``: the greedy marginal allocation of Koole & van
der Sluis, optimal for one clause with concave per-interval counts, over each whole reporting
period) become the requirement ``ceil(n*_i / (1 - s'))`` that the same integer program covers.
Intervals short of the per-interval plan are then those where the period's SL still holds.
(A joint program -- shifts and the concave per-interval "answered within T" curve in one model
-- was tried: HiGHS found no integer roster of a week within 8 s through ``scipy.optimize.milp``,
which takes no starting solution; the two stages solve in seconds.)

Horizon policy: weeks (ISO, Monday to Sunday) are solved one after the other; a shift running
past Sunday midnight covers the next week's first hours, whose requirement it lowers before
that week is solved (past the horizon's end it covers nothing; its paid time still counts).
Shifts start on the horizon's days only, so a 24/7 line needs a template that can start at
midnight on its first day. Each week's bounds are given the weeks before it. The patterns of a
week cut by the horizon are free on the days outside it. Objective (b)'s period-optimal
staffing is found over each whole reporting period first, so a month is not split by weeks.

Objective (b) is never costlier than (a): the channel is rostered under (a) too, and (a)'s
roster (feasible for (b): every interval meeting its target meets every period) is kept
whenever (b)'s costs more. Each week's roster is accepted within ``mip_rel_gap`` of the
LP-relaxation bound, searched first around the LP optimum (see ``_solve_week``); the gap and
the bound are reported.

References
----------
S. E. Bechtold and L. W. Jacobs (1990), "Implicit modeling of flexible break assignments in
optimal shift scheduling", *Management Science* 36(11), 1339-1351.
G. Koole and E. van der Sluis (2003), "Optimal shift scheduling with a global service level
constraint", *IIE Transactions* 35(11), 1049-1055.
Q. Huangfu and J. A. J. Hall (2018), "Parallelizing the dual revised simplex method",
*Mathematical Programming Computation* 10(1), 119-142 (HiGHS).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from ..periods import periods_of
from ..pipeline import PlanResult
from ..scenario import Scenario
from ..verdict._common import as_plan
from ..verdict.optimal import period_optimal
from .candidates import Candidate, week_candidates, weekly_patterns
from .result import ChannelRoster, Roster, RosterShift, WeekSolve, describe_policy
from .rules import ShiftRules

__all__ = ["OBJECTIVES", "cover_requirement", "optimize_roster", "roster_rules"]

OBJECTIVES = ("cover_intervals", "period_clauses")


def roster_rules(scenario: Scenario) -> ShiftRules:
    """The scenario's shift rules, or the default ones (``rules.DEFAULT_CONTRACTS``)."""
    return scenario.roster if scenario.roster is not None else ShiftRules()


def other_shrinkage(scenario: Scenario, rules: ShiftRules) -> float:
    """The workforce shrinkage the roster does not model: total less the rostered breaks."""
    shrinkage = scenario.workforce.shrinkage
    return float(sum(v for k, v in shrinkage.items() if k not in rules.breaks_shrinkage))


def cover_requirement(required_agents: np.ndarray, shrinkage: float) -> np.ndarray:
    """Agents present and not on break needed per interval: ``ceil(required / (1 - s'))``.

    >>> cover_requirement(np.array([0, 7, 10]), 0.21).tolist()
    [0, 9, 13]
    """
    return np.ceil(np.asarray(required_agents) / (1.0 - shrinkage) - 1e-9).astype(np.int64)


class _Program:
    """Columns and sparse rows of one integer program, built incrementally."""

    def __init__(self):
        self.cost, self.lower, self.upper, self.integral = [], [], [], []
        self.rows, self.cols, self.vals = [], [], []
        self.row_lo, self.row_hi = [], []

    def columns(self, cost, lower, upper, integral) -> np.ndarray:
        cost = np.atleast_1d(np.asarray(cost, dtype=float))
        start = len(self.cost)
        self.cost.extend(cost.tolist())
        self.lower.extend(np.broadcast_to(lower, cost.shape).tolist())
        self.upper.extend(np.broadcast_to(upper, cost.shape).tolist())
        self.integral.extend([int(integral)] * cost.size)
        return np.arange(start, start + cost.size)

    def row(self, cols, vals, lo=-np.inf, hi=np.inf) -> None:
        r = len(self.row_lo)
        cols = np.asarray(cols, dtype=np.int64)
        self.rows.extend([r] * cols.size)
        self.cols.extend(cols.tolist())
        self.vals.extend(np.broadcast_to(np.asarray(vals, float), cols.shape).tolist())
        self.row_lo.append(lo)
        self.row_hi.append(hi)

    def solve(self, gap: float, time_limit_s: float, relax: bool = False, x_bounds=None):
        """HiGHS on the program (``relax``: its LP relaxation); ``x_bounds = (columns,
        (lower, upper))`` narrows those columns' bounds (``(columns, None)``: as built)."""
        a = sparse.csr_array(
            (self.vals, (self.rows, self.cols)), shape=(len(self.row_lo), len(self.cost))
        )
        integrality = np.zeros(len(self.cost)) if relax else np.asarray(self.integral)
        lower, upper = np.asarray(self.lower, float), np.asarray(self.upper, float)
        if x_bounds is not None and x_bounds[1] is not None:
            lower, upper = lower.copy(), upper.copy()
            lower[x_bounds[0]], upper[x_bounds[0]] = x_bounds[1]
        return milp(
            np.asarray(self.cost),
            integrality=integrality,
            bounds=Bounds(lower, upper),
            constraints=LinearConstraint(a, self.row_lo, self.row_hi),
            options={"mip_rel_gap": gap, "time_limit": time_limit_s, "disp": False},
        )


@dataclass(frozen=True)
class _Week:
    """One week of the horizon: its planned days and intervals."""

    label: str
    days: np.ndarray  # horizon day indices
    weekdays: list  # 0 = Monday
    first: int  # first interval (horizon index)
    size: int  # intervals


def _weeks(scenario: Scenario) -> list[_Week]:
    grid = (scenario.start_date, scenario.days, scenario.interval_minutes)
    weeks = periods_of(*grid, "week")
    per_day = scenario.intervals_per_day
    out = []
    for w, label in enumerate(weeks.labels):
        days = np.flatnonzero(weeks.of_day == w)
        weekdays = [
            (scenario.start_date.toordinal() + int(d) - 1) % 7 for d in days
        ]  # date.weekday() of each day: ordinal 1 (0001-01-01) is a Monday
        out.append(_Week(str(label), days, weekdays, int(days[0]) * per_day, days.size * per_day))
    return out


def _build(candidates: list[Candidate], rules, week: _Week, need):
    """The integer program of one week (see the module docstring); returns the program and
    the column indices of its shift, break and pattern variables."""
    prog = _Program()
    n = week.size
    cover_cols = [[] for _ in range(n)]
    cover_vals = [[] for _ in range(n)]
    x = prog.columns([c.cost for c in candidates], 0, np.inf, True)
    breaks = []
    for j, c in enumerate(candidates):
        for i in range(c.start, min(c.start + c.length, n)):
            cover_cols[i].append(x[j])
            cover_vals[i].append(1.0)
        mine = []
        for length, offsets in zip(c.break_lengths, c.break_offsets, strict=True):
            w = prog.columns(np.zeros(len(offsets)), 0, np.inf, True)
            for col, o in zip(w, offsets, strict=True):
                for i in range(c.start + o, min(c.start + o + length, n)):
                    cover_cols[i].append(col)
                    cover_vals[i].append(-1.0)
            prog.row([*w, x[j]], [1.0] * len(w) + [-1.0], 0.0, 0.0)
            mine.append(w)
        breaks.append(mine)
    # Weekly patterns, linked to the shifts of each contract and day.
    y = {}
    for k, contract in enumerate(rules.contracts):
        patterns = weekly_patterns(contract)
        y[k] = (prog.columns(np.zeros(len(patterns)), 0, np.inf, True), patterns)
        for day, weekday in enumerate(week.weekdays):
            shifts = [x[j] for j, c in enumerate(candidates) if c.contract == k and c.day == day]
            on = y[k][0][patterns[:, weekday]]
            prog.row([*shifts, *on], [1.0] * len(shifts) + [-1.0] * len(on), 0.0, 0.0)
        if contract.max_headcount is not None:
            prog.row(y[k][0], 1.0, hi=float(contract.max_headcount))
    everyone = np.concatenate([cols for cols, _ in y.values()])
    for k, contract in enumerate(rules.contracts):
        for share, lo, hi in ((contract.min_share, 0.0, np.inf), (contract.max_share, -np.inf, 0)):
            if share is not None:
                mine = y[k][0]
                vals = -share * np.ones(everyone.size)
                vals[np.isin(everyone, mine)] += 1.0
                prog.row(everyone, vals, lo, hi)
    # Most shifts of a template per day.
    for _, _, cols, limit in _template_days(candidates, x):
        prog.row(cols, 1.0, hi=float(limit))
    # Coverage: agents on shift and not on break at least the requirement.
    for i in np.flatnonzero(need > 0):
        prog.row(cover_cols[i], cover_vals[i], lo=float(need[i]))
    return prog, x, breaks, y


def _template_days(candidates, x):
    groups: dict = {}
    for j, c in enumerate(candidates):
        if c.template.max_per_day is not None:
            key = (c.template.name, c.day)
            groups.setdefault(key, (c.template.max_per_day, []))[1].append(x[j])
    for (name, day), (limit, cols) in groups.items():
        yield name, day, cols, limit


def _solve_week(candidates, rules, week, need):
    """Solve one week, cheapest first:

    1. the LP relaxation (its value is the lower bound reported);
    2. the integer program over the candidates the LP uses, each shift count between the floor
       and the ceiling of its LP value (a neighbourhood of the LP optimum: HiGHS solves it in
       about a second where the free program finds no integer roster in a minute);
    3. if that roster is further than ``mip_rel_gap`` from the LP bound (or there is none),
       the same candidates with one shift more or less of each, then the full program, each
       in the time left;
    the cheapest roster found is kept (``scipy.optimize.milp`` takes no starting solution, so
    each stage starts afresh). Returns the candidates of the program kept, its rounded
    solution, its column indices and the ``WeekSolve`` figures."""
    started = time.perf_counter()
    full = _build(candidates, rules, week, need)
    relaxed = full[0].solve(rules.mip_rel_gap, rules.time_limit_s, relax=True)
    if relaxed.x is None:
        raise ValueError(
            f"week {week.label}: no roster covers the requirement under the shift rules "
            f"({relaxed.message}); allow more templates, starts, days or headcount (a 24/7 "
            "line needs a template that can start at midnight)"
        )
    lp = float(relaxed.fun)
    values_lp = relaxed.x[full[1]]
    keep = values_lp > 1e-6
    support = [c for c, used in zip(candidates, keep, strict=True) if used]
    restricted = _build(support, rules, week, need)
    window = (np.floor(values_lp[keep] + 1e-6), np.ceil(values_lp[keep] - 1e-6))
    wider = (np.maximum(window[0] - 1, 0), window[1] + 1)
    best, bound, res = None, lp, None

    def close_enough() -> bool:
        return best is not None and _cost(best) - bound <= rules.mip_rel_gap * _cost(best)

    for program, chosen, counts in (
        (restricted, support, window),
        (restricted, support, wider),
        (full, candidates, None),
    ):
        if close_enough():
            break
        # Until some roster is found each stage gets the whole limit; then the time left.
        left = rules.time_limit_s - (time.perf_counter() - started)
        if best is None:
            left = rules.time_limit_s
        elif left <= 0:
            break
        res = program[0].solve(rules.mip_rel_gap, max(left, 1.0), x_bounds=(program[1], counts))
        if res.x is not None:
            found = (chosen, program, np.round(res.x).astype(np.int64))
            if best is None or _cost(found) < _cost(best):
                best = found
        if program is full and res.mip_dual_bound is not None:
            if np.isfinite(res.mip_dual_bound):
                bound = max(bound, float(res.mip_dual_bound))
    if best is None:
        raise ValueError(
            f"week {week.label}: the solver found no integer roster within "
            f"{rules.time_limit_s:g} s ({res.message}); raise `roster.time_limit_s`"
        )
    cost = _cost(best)
    chosen, (prog, x, breaks, y), values = best
    solve = WeekSolve(
        week=week.label,
        cost=cost,
        dual_bound=min(bound, cost),
        gap=(cost - min(bound, cost)) / cost if cost > 0 else 0.0,
        lp_bound=lp,
        time_s=time.perf_counter() - started,
        status="within gap" if close_enough() else "gap above target",
        variables=len(full[0].cost),
        constraints=len(full[0].row_lo),
    )
    return chosen, values, x, breaks, y, solve


def _cost(best) -> float:
    if best is None:
        return np.inf
    _, (prog, *_), values = best
    return float(np.dot(prog.cost, values))


def _shifts(candidates, values, x, breaks, y, rules, week, channel, starts, interval_minutes):
    """The solution as one ``RosterShift`` per agent and day: agents of each contract get the
    weekly patterns ``y`` in turn, and on each day on take that day's shifts of their contract
    in turn; each shift takes its breaks at the solved offsets in turn."""
    step = np.timedelta64(interval_minutes, "m")
    week_start = starts[week.first]
    out = []
    for k, contract in enumerate(rules.contracts):
        cols, patterns = y[k]
        agents = [p for col, p in zip(cols, patterns, strict=True) for _ in range(values[col])]
        for day, weekday in enumerate(week.weekdays):
            working = [a for a, p in enumerate(agents) if p[weekday]]
            shifts = []
            for j, c in enumerate(candidates):
                if c.contract != k or c.day != day:
                    continue
                taken = [
                    [
                        o
                        for col, o in zip(w, c.break_offsets[b], strict=True)
                        for _ in range(values[col])
                    ]
                    for b, w in enumerate(breaks[j])
                ]
                for copy in range(values[x[j]]):
                    shifts.append((c, [offs[copy] for offs in taken]))
            for agent, (c, offsets) in zip(working, shifts, strict=True):
                start = week_start + c.start * step
                out.append(
                    RosterShift(
                        channel=channel,
                        week=week.label,
                        agent=f"{channel}-{week.label}-{contract.name}-{agent + 1:03d}",
                        contract=contract.name,
                        template=c.template.name,
                        start=start,
                        end=start + c.length * step,
                        breaks=tuple(
                            (start + o * step, start + (o + length) * step, rule.paid)
                            for o, length, rule in zip(
                                offsets, c.break_lengths, c.template.breaks, strict=True
                            )
                        ),
                        paid_hours=c.paid_hours,
                        cost=c.cost,
                    )
                )
    return out


def _expand(cols, offsets, values) -> list[int]:
    """Each break offset repeated as often as the solution takes it (in offset order)."""
    return [o for col, o in zip(cols, offsets, strict=True) for _ in range(values[col])]


def _coverage(shifts, starts, interval_minutes):
    """On-shift and on-break agents per interval of the horizon, from the shifts themselves."""
    n = starts.size
    on_shift = np.zeros(n + 1, dtype=np.int64)
    on_break = np.zeros(n + 1, dtype=np.int64)
    step = np.timedelta64(interval_minutes, "m")

    def index(t):
        return min(int((t - starts[0]) // step), n)

    for s in shifts:
        on_shift[index(s.start)] += 1
        on_shift[index(s.end)] -= 1
        for b_start, b_end, _ in s.breaks:
            on_break[index(b_start)] += 1
            on_break[index(b_end)] -= 1
    return np.cumsum(on_shift)[:n], np.cumsum(on_break)[:n]


def _channel_roster(result: PlanResult, channel: str, objective: str, margin: float):
    """One channel's roster under ``objective``; (b) falls back to (a) where it does not apply
    (a deferred channel, no target, no clause measured per period) or costs more."""
    scenario = result.scenario
    rules = roster_rules(scenario)
    s_other = other_shrinkage(scenario, rules)
    cover = _rostered(result, channel, rules, s_other, result.channels[channel].required_agents)
    cover = ChannelRoster.build(result, channel, objective="cover_intervals", **cover)
    if objective == "cover_intervals":
        return cover
    try:
        optimal = period_optimal(result, channel, margin=margin)
    except ValueError as err:  # deferred, no target, no period clause: (a) is the roster
        return replace(cover, note=f"period_clauses does not apply ({err}); covers intervals")
    clauses = _rostered(result, channel, rules, s_other, optimal.agents)
    clauses = ChannelRoster.build(
        result, channel, objective="period_clauses", margin=margin, **clauses
    )
    if clauses.cost > cover.cost:
        return replace(
            cover,
            objective="period_clauses",
            margin=margin,
            note="the cover_intervals roster is kept: the period-optimal one cost more",
        )
    return clauses


def _rostered(result, channel, rules, s_other, productive) -> dict:
    """Roster ``productive`` agents per interval week by week: the shifts, their coverage and
    each week's solve (weeks with the same requirement and days are solved once)."""
    scenario = result.scenario
    need = cover_requirement(productive, s_other)
    starts = result.table.start.astype("datetime64[m]")
    shifts, solves, solved = [], [], {}
    for week in _weeks(scenario):
        # What the earlier weeks' shifts already cover here (those running past Sunday night).
        on_shift, on_break = _coverage(shifts, starts, scenario.interval_minutes)
        carried = (on_shift - on_break)[week.first : week.first + week.size]
        wneed = np.maximum(need[week.first : week.first + week.size] - carried, 0)
        if not wneed.any():
            continue
        key = (wneed.tobytes(), tuple(week.weekdays))
        if key in solved:
            cands, values, x, breaks, y, solve = solved[key]
            solve = replace(solve, week=week.label, time_s=0.0, status=f"as {solve.week}")
        else:
            cands = week_candidates(
                rules,
                channel,
                week.weekdays,
                scenario.interval_minutes,
                wneed > 0,
                scenario.workforce.hourly_cost,
            )
            if not cands:
                raise ValueError(
                    f"channel {channel!r}, week {week.label}: no shift template of the rules "
                    "can start on a day or at a time that covers its requirement (a 24/7 line "
                    "needs one that can start at midnight)"
                )
            solved[key] = _solve_week(cands, rules, week, wneed)
            cands, values, x, breaks, y, solve = solved[key]
        solves.append(solve)
        shifts.extend(
            _shifts(
                cands, values, x, breaks, y, rules, week, channel, starts, scenario.interval_minutes
            )
        )
    on_shift, on_break = _coverage(shifts, starts, scenario.interval_minutes)
    return dict(
        covered=need,
        other_shrinkage=s_other,
        on_shift=on_shift,
        on_break=on_break,
        shifts=tuple(shifts),
        weeks=tuple(solves),
    )


def optimize_roster(
    plan_result: Scenario | PlanResult,
    channels: list[str] | None = None,
    *,
    objective: str | None = None,
    margin: float = 0.0,
) -> Roster:
    """The minimum-cost roster of each channel (default: every channel) of the plan.

    Parameters
    ----------
    plan_result : the plan (a scenario is planned first with Erlang A); its required agents per
        interval are the requirement.
    channels : channel names (default: all).
    objective : "cover_intervals" (a) or "period_clauses" (b); default: the rules'.
    margin : objective (b): added to the SL standard (taken off the abandonment cap) of every
        period, head-room over the closed forms (0.01 = one point).
    """
    result = as_plan(plan_result)
    scenario = result.scenario
    rules = roster_rules(scenario)
    objective = objective or rules.objective
    if objective not in OBJECTIVES:
        raise ValueError(f"`objective` must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    if not np.isfinite(margin) or not 0 <= margin < 0.2:
        raise ValueError(f"`margin` must be a fraction in [0, 0.2), got {margin!r}")
    names = [c.name for c in scenario.channels]
    channels = names if channels is None else list(channels)
    unknown = [c for c in channels if c not in names]
    if unknown:
        raise ValueError(f"unknown channel {unknown[0]!r}; channels are: {', '.join(names)}")
    return Roster(
        scenario=scenario.name,
        objective=objective,
        currency=scenario.workforce.currency,
        rules_source="scenario" if scenario.roster is not None else "default",
        policy=describe_policy(),
        channels={c: _channel_roster(result, c, objective, margin) for c in channels},
    )
