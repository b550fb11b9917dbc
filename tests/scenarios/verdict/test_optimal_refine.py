"""The verified period-optimal search's refine step (``period_optimal_verified``): a secant
between the last failing and the passing margins, one simulation, kept only if it passes.

The "simulation" here is a stand-in whose answer is known exactly: the Erlang A period SL of
the staffing (computed in this file, pooled over the day's intervals by offered contacts) less
a known bias -- the closed forms' optimism the margins exist to absorb -- with a fixed
half-width. The cheapest staffing it accepts is then the closed forms' at margin ``bias +
half-width``, so where the search lands can be checked against that answer."""

from dataclasses import dataclass

import numpy as np
import pytest

from erlang import erlang_a_kpis
from scenarios import plan
from scenarios.examples import load_example
from scenarios.overrides import REMOVE, apply_overrides
from scenarios.verdict import optimal
from scenarios.verdict.optimal import (
    SECANT_AIM,
    _secant_margins,
    period_optimal,
    period_optimal_verified,
    plan_margins,
)

#: The stand-in simulation's 95% half-width of the pooled period SL.
HALF_WIDTH = 0.01


@dataclass(frozen=True)
class _Risk:
    """What the search reads of a clause's simulated risk: the pooled KPI of the one period
    with its bounds, and the standard."""

    pooled_sl: float
    standard: float
    clause: str = "service_level"

    @property
    def counted(self) -> np.ndarray:
        return np.array([True])

    def pooled(self, confidence=0.95):
        p = np.array([self.pooled_sl])
        return p, p - HALF_WIDTH, p + HALF_WIDTH

    def meets_on_average(self, confidence=0.95) -> bool:
        return bool(self.pooled(confidence)[1][0] >= self.standard)


@pytest.fixture(scope="module")
def day():
    """One day of the default example (one reporting period, 15-minute intervals), SL clause
    only (the stand-in measures the SL) at 92/20."""
    scenario = load_example("default")
    k = next(i for i, t in enumerate(scenario.targets) if t.channel == "voice")
    scenario = apply_overrides(
        scenario,
        # 92/20: above what the occupancy cap's minimum already gives (about 87%), so the SL
        # clause sets the staffing.
        {"days": 1, f"targets[{k}].max_abandon": REMOVE, f"targets[{k}].service_level": 0.92},
    )
    return plan(scenario)


def _exact_period_sl(result, agents) -> float:
    """Erlang A SL (of offered) of the day at ``agents`` per interval: answered within the
    threshold over offered, summed over intervals."""
    demand = result.table.channels["voice"]
    busy = demand.offered > 0
    k = erlang_a_kpis(
        demand.calls_per_hour[busy],
        demand.aht_s[busy],
        demand.patience_s[busy],
        agents[busy],
        result.scenario.target_for("voice").threshold_s,
    )
    o = demand.offered[busy]
    return float(np.sum(o * np.asarray(k.service_level)) / np.sum(o))


def _stand_in(monkeypatch, bias):
    """Replace the search's simulation by the exact SL less ``bias(total agents)``; returns
    the list of simulated staffings."""
    simulated = []

    def breach_risks(result, channel, *, agents, **_):
        simulated.append(np.array(agents))
        standard = result.scenario.target_for(channel).service_level
        sl = _exact_period_sl(result, np.asarray(agents)) - bias(int(np.sum(agents)))
        return {"service_level": _Risk(sl, standard)}

    monkeypatch.setattr(optimal, "breach_risks", breach_risks)
    return simulated


def test_the_secant_lands_where_the_line_through_two_points_meets_the_aim():
    failed = ((0.0, 0.004), -0.03)
    passed = ((0.04, 0.004), 0.01)
    # slack = -0.03 + m (a line of slope 1 in the SL margin): SECANT_AIM at m = 0.03 + aim.
    assert _secant_margins(failed, passed) == pytest.approx((0.03 + SECANT_AIM, 0.004))
    # Nothing to take back when the passing slack is within the aim, or nothing bracketed.
    assert _secant_margins(failed, ((0.04, 0.004), SECANT_AIM / 2)) is None
    assert _secant_margins(((0.0, 0.0), 0.001), passed) is None


def test_the_refine_finds_the_known_cheapest_staffing_in_one_simulation(day, monkeypatch):
    bias = 0.02
    simulated = _stand_in(monkeypatch, lambda _agents: bias)
    found = period_optimal_verified(day, "voice", replications=30, seed=1, from_plan=False)
    # Margin 0 fails, the raise passes, one secant step: three simulations.
    assert found.rounds == 3 == len(simulated)
    assert found.verified
    kept = found.staffing.agents
    assert np.array_equal(kept, simulated[-1]), "the secant's staffing passed: it is kept"
    # The stand-in accepts it (checked here from the exact SL) ...
    standard = day.scenario.target_for("voice").service_level
    assert _exact_period_sl(day, kept) - bias - HALF_WIDTH >= standard
    # ... it has fewer agents than the raise's staffing (what the search kept before the
    # step), and no more than the closed forms need two aims above the exact answer (margin
    # bias + half-width: the cheapest staffing the stand-in accepts).
    assert kept.sum() < simulated[1].sum()
    answer = bias + HALF_WIDTH
    ceiling = period_optimal(day, "voice", margin=answer + 2 * SECANT_AIM)
    assert kept.sum() <= ceiling.agents.sum()
    assert np.array_equal(period_optimal(day, "voice", margin=found.margin).agents, kept)


def test_a_failing_refine_keeps_the_passing_staffing(day, monkeypatch):
    # The simulation moves less than the closed forms below some staffing (bias 0.04 there,
    # 0.01 from the closed forms' staffing at margin 0.045 up): the raise (margin about the
    # shortfall 0.05 + a step) passes, the secant then aims at about 0.033 and misses, so the
    # raise's staffing is kept.
    change = int(period_optimal(day, "voice", margin=0.045).agents.sum())
    simulated = _stand_in(monkeypatch, lambda total: 0.01 if total >= change else 0.04)
    found = period_optimal_verified(day, "voice", replications=30, seed=1, from_plan=False)
    assert found.rounds == 3 == len(simulated)
    assert found.verified
    assert int(simulated[-1].sum()) < change, "the secant step tried fewer agents and missed"
    assert np.array_equal(found.staffing.agents, simulated[1]), "the raise's staffing is kept"
    assert np.array_equal(period_optimal(day, "voice", margin=found.margin).agents, simulated[1])


def test_no_refine_when_the_first_round_passes(day, monkeypatch):
    simulated = _stand_in(monkeypatch, lambda _agents: -0.05)  # the closed forms pessimistic
    found = period_optimal_verified(day, "voice", replications=30, seed=1, from_plan=False)
    assert (found.rounds, len(simulated), found.margin, found.verified) == (1, 1, 0.0, True)


def test_the_plans_simulation_gives_the_known_margin_and_one_round(day, monkeypatch):
    # The stand-in misses the closed forms by the bias at every staffing: the plan's
    # per-interval staffing measures bias + half-width, exactly the margin the cheapest
    # accepted staffing needs, so the first round passes and nothing is refined.
    bias = 0.02
    simulated = _stand_in(monkeypatch, lambda _agents: bias)
    planned = day.channels["voice"].required_agents
    risks = optimal.breach_risks(day, "voice", agents=planned)
    sl_margin, abandon_margin = plan_margins(day, "voice", risks)
    assert sl_margin == pytest.approx(bias + HALF_WIDTH, abs=1e-9)
    assert abandon_margin == 0.0  # no abandonment clause measured
    simulated.clear()
    found = period_optimal_verified(day, "voice", replications=30, seed=1)
    assert np.array_equal(simulated[0], planned), "the plan's staffing simulated first"
    assert (found.rounds, len(simulated), found.verified) == (1, 2, True)
    assert found.margin == pytest.approx(bias + HALF_WIDTH, abs=1e-9)
    standard = day.scenario.target_for("voice").service_level
    assert _exact_period_sl(day, found.staffing.agents) - bias - HALF_WIDTH >= standard
    # The plan's margin never lowers a larger ``start`` in the first round.
    found = period_optimal_verified(day, "voice", start=(0.05, 0.0), refine=0)
    assert (found.margin, found.rounds) == (0.05, 1)


def test_a_first_round_with_room_to_spare_steps_down_and_keeps_a_passing_staffing(day, monkeypatch):
    # Started at margin 0.05 where bias + half-width = 0.03 is the answer: the first round
    # passes about 0.02 above the standard; the step down takes back (slack - aim) / 1.5 of
    # margin (the stand-in's bound falls one for one), which passes and is kept, between the
    # answer and the start.
    bias = 0.02
    simulated = _stand_in(monkeypatch, lambda _agents: bias)
    found = period_optimal_verified(day, "voice", start=(0.05, 0.0), from_plan=False)
    assert (found.rounds, len(simulated), found.verified) == (2, 2, True)
    assert bias + HALF_WIDTH <= found.margin < 0.05
    assert np.array_equal(found.staffing.agents, simulated[1])
    assert simulated[1].sum() < simulated[0].sum()
    standard = day.scenario.target_for("voice").service_level
    assert _exact_period_sl(day, found.staffing.agents) - bias - HALF_WIDTH >= standard


def test_on_a_flat_erlang_a_line_the_search_lands_on_the_known_mix_of_two_staffings():
    """M/M/n+M at a constant 20 erlangs for a day (hourly intervals, exponential handle time
    and patience, no forecast error), simulated: Erlang A is exact, so the closed forms miss
    the simulated lower bound by its half-width only. The period SL of any staffing is the
    mean of the intervals' Erlang A SLs; with 22 agents (78.6%) and 23 (83.9%) the cheapest
    day meeting ``s`` has 23 agents in ``ceil(24 (s - SL(22)) / (SL(23) - SL(22)))`` hours:
    the kept staffing meets 80% exactly and has no more agent-hours than that mix at 80% plus
    twice the half-width (an upper bound for landing at the half-width), and fewer than the
    per-interval plan (23 every hour)."""
    from erlang import erlang_a_kpis
    from scenarios.io import parse_scenario

    data = {
        "name": "flat",
        "interval_minutes": 60,
        "start_date": "2027-01-04",
        "days": 1,
        "channels": [
            {
                "name": "voice",
                "kind": "voice",
                "handle_time": {"kind": "exponential", "mean_s": 300},
                "patience": {"kind": "exponential", "mean_s": 180},
                "demand": {"volume_per_day": 24 * 240, "intraday_profile": "flat"},
            }
        ],
        "targets": [
            {
                "channel": "voice",
                "reporting_period": "day",
                "service_level": 0.8,
                "threshold_s": 20,
            }
        ],
    }
    result = plan(parse_scenario(data))
    sl = {n: float(erlang_a_kpis(240, 300, 180, n, 20).service_level) for n in (22, 23)}
    assert sl[22] < 0.8 < sl[23]
    assert np.all(result.channels["voice"].required_agents == 23)

    def mix_hours(s: float) -> int:
        return 24 * 22 + int(np.ceil(24 * (s - sl[22]) / (sl[23] - sl[22])))

    found = period_optimal_verified(result, "voice", replications=30, seed=1)
    assert found.verified and found.rounds <= 3
    kept = found.staffing.agents
    assert set(kept.tolist()) <= {22, 23}
    exact = float(np.mean([sl[int(n)] for n in kept]))
    assert exact >= 0.8
    pooled, low, _ = found.risks["service_level"].pooled()
    half_width = float(pooled[0] - low[0])
    assert mix_hours(0.8) <= kept.sum() <= mix_hours(0.8 + 2 * half_width) < 24 * 23
