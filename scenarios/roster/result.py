"""The roster as typed results: shifts, coverage per interval, hours, FTE, cost and how well
the solver did; plus the flat tables (shifts, coverage) the CLI, the app and the report print.

Definitions (per channel):

* ``requirement`` [agents]: agents present and not on break needed per interval,
  ``ceil(required / (1 - s'))`` (``optimize.cover_requirement``);
* ``on_phone`` = on shift - on break; ``productive`` = ``floor((1 - s') x on_phone)``, the
  agents the simulation puts on duty (``s'``: shrinkage other than the rostered breaks);
* ``over`` / ``under`` = the on-phone agents above / below the requirement, per interval;
* paid hours: each shift's length less its unpaid breaks; FTE = paid hours / (hours per FTE
  per week x days / 7) (the pipeline's formula); cost: paid hours x the template's hourly cost
  (the weekend premium included);
* efficiency = requirement hours / on-phone hours (1 = no interval over-covered);
* the *requirement-only* figures are the per-interval plan's (``pipeline``: every interval
  gets ``ceil(required / (1 - total shrinkage))`` agents, the maximum within shift blocks),
  the cost a standard seems to have before it is rostered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..pipeline import PlanResult
from ..verdict._common import DAYS_PER_YEAR, channel_fte


def describe_policy() -> str:
    """The multi-week policy in one sentence (printed with every roster)."""
    return (
        "weeks (ISO, Monday to Sunday) solved one after the other; a shift running past "
        "Sunday midnight covers the next week's first hours before that week is solved"
    )


@dataclass(frozen=True)
class WeekSolve:
    """How the solver did on one week: the roster's ``cost``, the solver's best bound
    ``dual_bound`` and relative ``gap`` ((cost - bound) / cost), the LP-relaxation bound
    (``lp_bound``, when asked), wall time ``time_s`` [s] and the program's size."""

    week: str
    cost: float
    dual_bound: float
    gap: float
    lp_bound: float | None
    time_s: float
    status: str
    variables: int
    constraints: int


@dataclass(frozen=True)
class RosterShift:
    """One agent's shift on one day: ``start``/``end`` (``datetime64[m]``), ``breaks`` as
    ``(start, end, paid)``, paid hours and cost (in the roster's currency)."""

    channel: str
    week: str
    agent: str
    contract: str
    template: str
    start: np.datetime64
    end: np.datetime64
    breaks: tuple
    paid_hours: float
    cost: float


@dataclass(frozen=True)
class ChannelRoster:
    """One channel's roster and its coverage per interval (arrays over the horizon):
    ``requirement`` is the per-interval plan's (over, under and efficiency are against it);
    ``covered`` what the roster was built to cover (objective (b): the period-optimal
    staffing's, below the requirement where the period's clauses allow)."""

    channel: str
    objective: str
    starts: np.ndarray
    requirement: np.ndarray
    required_agents: np.ndarray
    on_shift: np.ndarray
    on_break: np.ndarray
    other_shrinkage: float
    shifts: tuple[RosterShift, ...]
    weeks: tuple[WeekSolve, ...]
    paid_hours: float
    cost: float
    fte: float
    requirement_paid_hours: float
    requirement_cost: float
    requirement_fte: float
    days: int
    interval_minutes: int
    margin: float = 0.0

    covered: np.ndarray | None = None
    note: str = ""

    @classmethod
    def build(cls, result: PlanResult, channel, *, objective, covered, other_shrinkage,
              on_shift, on_break, shifts, weeks, margin=0.0):  # fmt: skip
        """The roster's figures beside the per-interval plan's (``result``): ``covered`` is
        what the roster was built to cover (objective (b): less than ``requirement``)."""
        from .optimize import cover_requirement

        scenario = result.scenario
        planned = result.channels[channel]
        requirement = cover_requirement(planned.required_agents, other_shrinkage)
        paid = float(sum(s.paid_hours for s in shifts))
        return cls(
            channel=channel,
            objective=objective,
            starts=result.table.start.astype("datetime64[m]"),
            requirement=requirement,
            required_agents=planned.required_agents,
            on_shift=on_shift,
            on_break=on_break,
            other_shrinkage=other_shrinkage,
            shifts=shifts,
            weeks=weeks,
            paid_hours=paid,
            cost=float(sum(s.cost for s in shifts)),
            fte=channel_fte(result, paid),
            requirement_paid_hours=float(planned.paid_hours.sum()),
            requirement_cost=float(planned.cost.sum()),
            requirement_fte=channel_fte(result, planned.paid_hours.sum()),
            days=scenario.days,
            interval_minutes=scenario.interval_minutes,
            margin=margin,
            covered=covered,
        )

    @property
    def on_phone(self) -> np.ndarray:
        return self.on_shift - self.on_break

    @property
    def productive(self) -> np.ndarray:
        """Agents the simulation puts on duty: ``floor((1 - s') x on_phone)``."""
        return np.floor((1.0 - self.other_shrinkage) * self.on_phone + 1e-9).astype(np.int64)

    @property
    def over(self) -> np.ndarray:
        return np.maximum(self.on_phone - self.requirement, 0)

    @property
    def under(self) -> np.ndarray:
        return np.maximum(self.requirement - self.on_phone, 0)

    @property
    def interval_h(self) -> float:
        return self.interval_minutes / 60.0

    @property
    def requirement_hours(self) -> float:
        return float(self.requirement.sum() * self.interval_h)

    @property
    def on_phone_hours(self) -> float:
        return float(self.on_phone.sum() * self.interval_h)

    @property
    def efficiency(self) -> float:
        """Requirement hours / on-phone hours (NaN when nobody is rostered)."""
        return self.requirement_hours / self.on_phone_hours if self.on_phone_hours else np.nan

    @property
    def cost_per_year(self) -> float:
        return self.cost * DAYS_PER_YEAR / self.days

    @property
    def headcount(self) -> dict[str, int]:
        """Agents per week (each agent works one weekly pattern)."""
        out: dict[str, set] = {}
        for s in self.shifts:
            out.setdefault(s.week, set()).add(s.agent)
        return {w: len(a) for w, a in out.items()}

    @property
    def gap(self) -> float:
        """The roster's gap over all weeks: (cost - sum of bounds) / cost."""
        cost = sum(w.cost for w in self.weeks)
        bound = sum(w.dual_bound for w in self.weeks)
        return (cost - bound) / cost if cost > 0 else 0.0

    @property
    def solve_time_s(self) -> float:
        return float(sum(w.time_s for w in self.weeks))

    def shift_rows(self) -> list[dict]:
        """One row per agent shift (the shifts CSV): times as ISO ``YYYY-MM-DDTHH:MM``, breaks
        as ``start/end paid|unpaid`` separated by ``;``."""
        return [
            {
                "channel": s.channel,
                "week": s.week,
                "agent": s.agent,
                "contract": s.contract,
                "template": s.template,
                "start": str(s.start),
                "end": str(s.end),
                "breaks": "; ".join(
                    f"{b0}/{b1} {'paid' if paid else 'unpaid'}" for b0, b1, paid in s.breaks
                ),
                "paid_hours": s.paid_hours,
                "cost": round(s.cost, 2),
            }
            for s in self.shifts
        ]

    def coverage_rows(self) -> list[dict]:
        """One row per interval (the coverage CSV)."""
        return [
            {
                "channel": self.channel,
                "start": str(t),
                "required_agents": int(r),
                "requirement": int(q),
                "on_shift": int(a),
                "on_break": int(b),
                "on_phone": int(a - b),
                "productive": int(p),
                "over": int(o),
                "under": int(u),
            }
            for t, r, q, a, b, p, o, u in zip(
                self.starts,
                self.required_agents,
                self.requirement,
                self.on_shift,
                self.on_break,
                self.productive,
                self.over,
                self.under,
                strict=True,
            )
        ]

    def summary(self) -> dict:
        return {
            "channel": self.channel,
            "objective": self.objective,
            "margin": self.margin,
            "note": self.note,
            "shifts": len(self.shifts),
            "headcount_per_week": self.headcount,
            "paid_hours": self.paid_hours,
            "fte": self.fte,
            "cost": self.cost,
            "cost_per_year": self.cost_per_year,
            "requirement_hours": self.requirement_hours,
            "on_phone_hours": self.on_phone_hours,
            "efficiency": self.efficiency,
            "over_coverage_hours": float(self.over.sum() * self.interval_h),
            "under_coverage_hours": float(self.under.sum() * self.interval_h),
            "intervals_under": int((self.under > 0).sum()),
            "requirement_only": {
                "paid_hours": self.requirement_paid_hours,
                "fte": self.requirement_fte,
                "cost": self.requirement_cost,
            },
            "other_shrinkage": self.other_shrinkage,
            "gap": self.gap,
            "solve_time_s": self.solve_time_s,
            "weeks": [vars(w) for w in self.weeks],
        }


@dataclass(frozen=True)
class Roster:
    """Every channel's roster (``channels``), in ``currency``; ``rules_source`` says whether
    the scenario's shift rules or the default ones were used."""

    scenario: str
    objective: str
    currency: str
    rules_source: str
    policy: str
    channels: dict[str, ChannelRoster]

    @property
    def cost(self) -> float:
        return float(sum(c.cost for c in self.channels.values()))

    @property
    def fte(self) -> float:
        return float(sum(c.fte for c in self.channels.values()))

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "objective": self.objective,
            "currency": self.currency,
            "shift_rules": self.rules_source,
            "policy": self.policy,
            "definitions": {
                "requirement": "agents present and not on break per interval: "
                "ceil(required / (1 - shrinkage other than the rostered breaks))",
                "efficiency": "requirement hours / on-phone hours",
                "requirement_only": "the per-interval plan: ceil(required / (1 - total "
                "shrinkage)) agents in every interval",
            },
            "cost": self.cost,
            "fte": self.fte,
            "channels": {name: c.summary() for name, c in self.channels.items()},
        }
