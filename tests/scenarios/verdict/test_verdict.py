"""The cost of a standard: a grid of SL targets and thresholds, closed forms."""

import numpy as np
import pytest

import scenarios.verdict.breach as breach
from scenarios import plan
from scenarios.examples import load_example
from scenarios.verdict import breach_risk, breach_risks, cost_curve, peak_check


@pytest.fixture(scope="module")
def scenario():
    return load_example("default")


@pytest.fixture(scope="module")
def curve(scenario):
    return cost_curve(scenario, "voice")


def test_the_current_standard_costs_what_the_plan_costs(scenario, curve):
    i = int(np.flatnonzero(curve.service_levels == 0.8)[0])
    j = int(np.flatnonzero(curve.thresholds_s == 20)[0])
    result = plan(scenario)
    assert curve.current == (0.8, 20.0)
    assert curve.cost[i, j] == pytest.approx(result.total.cost[0])
    assert curve.fte[i, j] == pytest.approx(result.total.fte[0])
    assert curve.revenue[i, j] == pytest.approx(result.total.revenue[0])


def test_cost_is_monotone_in_the_standard(curve):
    assert np.all(np.diff(curve.cost, axis=0) >= 0), "a higher SL target never costs less"
    assert np.all(np.diff(curve.cost, axis=1) <= 0), "a longer threshold never costs more"
    assert curve.cost[-1, 0] > curve.cost[0, -1]
    assert np.all(curve.marginal_cost_per_point() >= 0)


def test_without_other_clauses_every_sl_point_costs_something(scenario):
    from scenarios.overrides import REMOVE, apply_overrides

    loose = apply_overrides(
        scenario, {"targets.voice.max_abandon": REMOVE, "workforce.max_occupancy": 1.0}
    )
    curve = cost_curve(loose, "voice", service_levels=(0.6, 0.7, 0.8, 0.9), thresholds_s=(20,))
    assert np.all(np.diff(curve.cost[:, 0]) > 0)
    assert np.all(curve.marginal_cost_per_point() > 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"channel": "fax"}, "`channel` 'fax' is not a channel"),
        ({"channel": "voice", "service_levels": (0.8, 1.2)}, "must increase strictly within"),
        ({"channel": "voice", "model": "erlang_b"}, "`model` must be one of"),
    ],
)
def test_bad_arguments(scenario, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cost_curve(scenario, **kwargs)


def peak_scenario():
    """One day of 30-minute intervals, 30-minute calls, a single interval at 3x the volume."""
    from scenarios.io import parse_scenario

    shares = [0.02] * 48
    shares[16] = 0.06  # 08:00-08:30
    return parse_scenario(
        {
            "name": "peak",
            "interval_minutes": 30,
            "start_date": "2027-01-04",
            "days": 1,
            "channels": [
                {
                    "name": "voice",
                    "kind": "voice",
                    "handle_time": {"kind": "exponential", "mean_s": 1800},
                    "demand": {"volume_per_day": 1000, "intraday_profile": shares},
                }
            ],
            "targets": [{"channel": "voice", "service_level": 0.8, "threshold_s": 20}],
        }
    )


def test_iterative_staffing_meets_the_target_where_per_interval_erlang_falls_short():
    check = peak_check(peak_scenario(), "voice", model="erlang_c", replications=200, seed=3)
    after_peak = 17
    # Period-by-period Erlang: the formula promises >= 80% but the simulation falls short
    # right after the peak (backlog and calls still in service carry over).
    assert check.sl_formula[after_peak] >= 0.8
    assert after_peak in check.short_intervals
    assert check.sl_sim_erlang[after_peak] + check.sl_sim_erlang_half_width[after_peak] < 0.8
    # The iterated staffing meets the target in every interval of the simulated day.
    assert check.converged and check.iterations >= 1
    assert np.all(check.sl_sim_isa >= 0.8)
    assert check.isa_agents[after_peak] > check.erlang_agents[after_peak]
    assert np.all(check.isa_agents >= check.erlang_agents)
    assert check.extra_agent_hours == pytest.approx(
        (check.isa_agents - check.erlang_agents).sum() * 0.5
    )


def stationary_scenario(days=10):
    from scenarios.io import parse_scenario

    return parse_scenario(
        {
            "name": "flat",
            "interval_minutes": 60,
            "start_date": "2027-01-04",
            "days": days,
            "channels": [
                {
                    "name": "voice",
                    "kind": "voice",
                    "handle_time": {"kind": "exponential", "mean_s": 300},
                    "patience": {"kind": "exponential", "mean_s": 180},
                    "demand": {
                        "volume_per_day": 24 * 240,
                        "intraday_profile": "flat",
                        "forecast_error": {"day_volume_cv": 0.05},
                    },
                }
            ],
            "targets": [
                {
                    "channel": "voice",
                    "service_level": 0.8,
                    "threshold_s": 20,
                    "reporting_period": "day",
                    "excluded_periods": [
                        {"start_date": "2027-01-06", "end_date": "2027-01-06", "label": "strike"}
                    ],
                    "penalty": {"per_breached_period": 1000, "per_point_below": 100},
                }
            ],
        }
    )


def test_breach_probability_matches_its_normal_approximation():
    from erlang import erlang_a_kpis

    scenario = stationary_scenario()
    # 20 erlangs; 22 agents give an Erlang A SL near the 80% standard, so breaches are common.
    assert 0.7 < erlang_a_kpis(240, 300, 180, 22, 20).service_level < 0.85
    risk = breach_risk(scenario, "voice", agents=np.full(240, 22), replications=40, seed=2)
    assert risk.reporting_period == "day" and risk.periods.size == 10
    # The excluded day measures nothing: its SL is not measured (NaN, scenarios.periods'
    # convention), it has no breach probability and costs no penalty.
    assert np.all(np.isnan(risk.measured[:, 2])) and np.isnan(risk.p_breach[2])
    assert not risk.counted[2] and risk.counted.sum() == 9
    assert risk.expected_penalty[2] == 0.0 and risk.expected_bonus[2] == 0.0
    live = np.arange(10) != 2
    assert 0.1 < risk.p_breach[live].mean() < 0.9
    # Empirical frequency vs the normal approximation of the measured SL (400 period draws).
    assert abs(risk.p_breach[live].mean() - risk.p_breach_normal[live].mean()) < 0.08
    low, p, high = (a[live] for a in (risk.p_breach_low, risk.p_breach, risk.p_breach_high))
    assert np.all((low <= p) & (p <= high))
    # Penalties follow the terms: 1,000 per breached day + 100 per point below.
    gap = np.maximum(0.8 - risk.measured, 0) * 100
    expected = (1000 * (risk.measured < 0.8) + 100 * gap).mean(axis=0)
    np.testing.assert_allclose(risk.expected_penalty[live], expected[live])  # [2]: 0, above
    # A year of days, each like the 9 measured ones.
    assert risk.expected_breaches_per_year == pytest.approx(
        (risk.measured < 0.8).sum(axis=1).mean() * 365 / 9
    )


def test_generous_staffing_rarely_breaches():
    risk = breach_risk(stationary_scenario(5), "voice", agents=np.full(120, 28), replications=10)
    assert np.all(risk.p_breach[risk.counted] == 0.0) and np.all(risk.expected_penalty == 0.0)


def test_inverse_question_finds_staffing_that_keeps_breach_risk_low():
    from scenarios.verdict import staffing_for_risk

    scenario = stationary_scenario(5)
    extra, risks = staffing_for_risk(
        scenario, "voice", agents=np.full(120, 22), max_p_breach=0.1, replications=10
    )
    assert extra >= 1 and all(np.all(r.p_breach[r.counted] <= 0.1) for r in risks.values())
    # One agent fewer would not do (some clause of some measured period above 10%).
    fewer = breach_risks(scenario, "voice", agents=np.full(120, 21 + extra), replications=10)
    assert any(np.any(r.p_breach[r.counted] > 0.1) for r in fewer.values())


def test_one_day_keeps_the_day_volume():
    from scenarios import expand
    from scenarios.verdict import busiest_day, one_day

    scenario = load_example("default")
    day = busiest_day(scenario, "voice")
    full = expand(scenario).channels["voice"].offered.reshape(scenario.days, -1)[day]
    single = expand(one_day(scenario, day)).channels["voice"].offered
    np.testing.assert_allclose(single, full)
    assert (
        full.sum()
        == expand(scenario).channels["voice"].offered.reshape(scenario.days, -1).sum(1).max()
    )


def test_breach_risk_warns_when_the_window_is_short_for_the_handle_time():
    risk = breach_risk(peak_scenario(), "voice", model="erlang_c", replications=3)
    assert any("short against the handle time" in w for w in risk.warnings)
    assert not breach_risk(stationary_scenario(3), "voice", replications=3).warnings


def _count_calls(monkeypatch, module, name: str, calls: list) -> None:
    """Record every call of ``module.name`` wherever it is looked up: the defining module and
    every scenarios/ui module that imported it by name."""
    import sys

    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    for mod_name, mod in list(sys.modules.items()):
        if mod_name.split(".")[0] in ("scenarios", "ui") and getattr(mod, name, None) is original:
            monkeypatch.setattr(mod, name, counted)


def test_one_check_expands_demand_once_and_plans_each_channel_once(monkeypatch, capsys):
    import json

    import scenarios.cli.check  # noqa: F401  (every import site loaded before counting)
    import scenarios.demand
    import scenarios.output.report  # noqa: F401
    import scenarios.pipeline
    from scenarios.cli import main
    from scenarios.demand import expand

    base = load_example("default")
    expansions, plans, batched = [], [], []
    _count_calls(monkeypatch, scenarios.demand, "expand", expansions)
    _count_calls(monkeypatch, scenarios.pipeline, "plan_channel", plans)
    _count_calls(monkeypatch, scenarios.pipeline, "plan_channel_for_service_levels", batched)
    argv = ["check", "default", "--replications", "3", "--executor", "serial", "--format", "json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)

    # Expected independently from the scenario: the queue channels with an SL standard get a
    # cost curve, clause prices and a peak check; each distinct busiest day is one new demand.
    queues = [
        c.name
        for c in base.channels
        if c.kind != "deferred"
        and base.target_for(c.name) is not None
        and base.target_for(c.name).service_level is not None
    ]
    offered = {name: d.offered.reshape(base.days, -1) for name, d in expand(base).channels.items()}
    busiest = {int(np.argmax(offered[name].sum(axis=1))) for name in queues}
    assert [s.days for s, *_ in expansions] == [base.days] + [1] * len(busiest)
    planned = expansions[0][0]
    assert planned == base  # the full scenario, once

    full = [(s, ch.name) for s, ch, *_ in plans if s.days == base.days]
    # The base plan plans the very scenario object it expanded (a what-if is a new scenario,
    # equal to it at the grid point of the current standard): each channel once.
    for channel in base.channels:
        assert sum(s is planned and name == channel.name for s, name in full) == 1
    n_clauses = sum(
        sum(
            getattr(base.target_for(q), f) is not None
            for f in ("service_level", "max_asa_s", "max_abandon", "max_occupancy")
        )
        for q in queues
    )
    curve = data["cost_of_standard"]["voice"]
    # Deferred channels with an SL standard get a response-time curve: one plan per deadline.
    deferred = [
        c.name
        for c in base.channels
        if c.kind == "deferred" and base.target_for(c.name) is not None
    ]
    deadlines = sum(len(data["cost_of_standard"][d]["thresholds_s"]) for d in deferred)
    # Each standard compared other than the current re-plans the queue channels once.
    compared = len({r["standard"] for r in data["compare"] if not r["current"]}) * len(queues)
    # The what-ifs re-plan only the channel they change: one plan per clause dropped (its
    # price); the cost curve one batch per threshold, every SL target of the grid in it.
    assert len(full) == len(base.channels) + n_clauses + deadlines + compared
    assert all(name in queues + deferred for s, name in full if s is not planned)
    assert sorted(ch.name for _, ch, *_ in batched) == sorted(
        q for q in queues for _ in curve["thresholds_s"]
    )
    assert all(list(args[4]) == curve["service_levels"] for args in batched)
    one_day_plans = [name for s, ch, *_ in plans if s.days == 1 for name in [ch.name]]
    assert len(one_day_plans) == len(base.channels) * len(busiest)


def test_the_cost_curve_equals_planning_each_standard_by_hand(scenario, curve):
    """Every grid point against the scenario changed by apply_overrides and planned whole."""
    from scenarios.overrides import apply_overrides

    k = [t.channel for t in scenario.targets].index("voice")
    for i, sl in enumerate(curve.service_levels[::3]):
        for j, threshold in enumerate(curve.thresholds_s[::2]):
            variant = apply_overrides(
                scenario,
                {f"targets[{k}].service_level": sl, f"targets[{k}].threshold_s": threshold},
            )
            total = plan(variant).total
            assert curve.cost[3 * i, 2 * j] == pytest.approx(total.cost[0])
            assert curve.fte[3 * i, 2 * j] == pytest.approx(total.fte[0])
            assert curve.revenue[3 * i, 2 * j] == pytest.approx(total.revenue[0])


def test_a_what_if_outside_the_schema_names_the_scenario_field():
    from scenarios.overrides import OverrideError

    scenario = load_example("default")
    k = [t.channel for t in scenario.targets].index("voice")
    with pytest.raises(OverrideError, match=rf"targets\[{k}\]\.threshold_s"):
        cost_curve(scenario, "voice", thresholds_s=(20, 40 * 86_400))


def test_a_clause_price_is_what_the_plan_saves_without_the_clause():
    from scenarios.overrides import REMOVE, apply_overrides
    from scenarios.verdict import feasibility

    scenario = load_example("default")
    feas = feasibility(scenario)
    base = plan(scenario)
    k = [t.channel for t in scenario.targets].index("voice")
    for check in [c for c in feas.checks if c.channel == "voice"]:
        relaxed = plan(apply_overrides(scenario, {f"targets[{k}].{check.clause}": REMOVE}))
        assert check.fte_saved == pytest.approx(base.total.fte[0] - relaxed.total.fte[0])
        assert check.cost_saved == pytest.approx(base.total.cost[0] - relaxed.total.cost[0])


def test_the_inverse_question_simulates_each_candidate_once(monkeypatch):
    import scenarios.verdict.breach as breach
    from scenarios.verdict import staffing_for_risk

    scenario = stationary_scenario(5)
    agents = np.full(120, 22)
    base = breach_risks(scenario, "voice", agents=agents, replications=10)
    calls = []
    original = breach.breach_risks

    def counted(*args, **kwargs):
        calls.append(int(kwargs["agents"].max()) - 22)
        return original(*args, **kwargs)

    monkeypatch.setattr(breach, "breach_risks", counted)
    known = {0: base}
    extra, risks = staffing_for_risk(
        scenario, "voice", agents=agents, replications=10, max_p_breach=0.1, known=known
    )
    # The search starts from the given risk and simulates each candidate at most once; the
    # answer is the smallest passing count: one fewer is known and fails.
    assert extra >= 1 and 0 not in calls and len(calls) == len(set(calls))
    assert known[extra] is risks and extra - 1 in known
    assert breach.worst_p_breach(known[extra - 1]) > 0.1 >= breach.worst_p_breach(risks)
    calls.clear()
    assert staffing_for_risk(
        scenario, "voice", agents=agents, replications=10, max_p_breach=0.1, known=known
    ) == (extra, risks)
    assert calls == []  # everything already simulated


def test_a_breach_risk_no_staffing_caps_is_an_answer_not_a_failed_check():
    # Email opens Monday to Friday but arrives every day (a tenth of it at the weekend): at
    # 95% within one hour, weekend email misses whatever the staffing, so no number of extra
    # agents caps P(breach). The check answers that instead of failing (it used to stop the
    # whole `ccplan check` with "P(breach) stays above 0.1 even with 50 extra agents").
    from scenarios.overrides import apply_overrides
    from scenarios.verdict import RiskNotCapped, risk_staffing_text, staffing_for_risk, verdict

    scenario = apply_overrides(
        load_example("default"),
        {"days": 7, "targets.email.service_level": 0.95, "targets.email.threshold_s": 3600},
    )
    result = plan(scenario)
    with pytest.raises(RiskNotCapped, match="even with 4 extra agents") as short:
        staffing_for_risk(result, "email", replications=4, max_extra=4)
    assert short.value.max_extra == 4
    assert breach.worst_p_breach(short.value.risks) > 0.1
    found = verdict(result, sections={"breach", "risk_staffing"}, replications=4)
    email = found.risk_staffing["email"]
    assert email.extra_agents is None and email.max_extra == 50
    assert min(r.worst_p_breach for r in email.risks.values()) == 1.0
    data = found.to_dict()["staffing_for_risk"]["email"]
    assert data["capped"] is False and data["extra_agents_per_staffed_interval"] is None
    assert "not reached even with 50 more agents" in risk_staffing_text(data)
    assert found.risk_staffing["voice"].extra_agents is not None


@pytest.mark.parametrize(
    ("threshold_s", "clock", "words"),
    [
        (20, "wall_clock", "answered within 20 s / offered"),
        (5400, "wall_clock", "answered within 5400 s / offered"),
        (14400, "wall_clock", "answered within 4 h / offered"),
        (28800, "opening_hours", "answered within 8 h of opening hours / offered"),
        (90, "opening_hours", "answered within 90 s of opening hours / offered"),
    ],
)
def test_a_clause_states_its_threshold_in_hours_and_its_deadline_clock(threshold_s, clock, words):
    from scenarios.scenario import Target
    from scenarios.verdict._common import clause_description

    target = Target(
        channel="email", service_level=0.9, threshold_s=threshold_s, deadline_clock=clock
    )
    assert clause_description(target, "service_level") == f"service level 90% ({words})"


@pytest.mark.parametrize(
    ("grid", "field"),
    [
        ({"thresholds_s": [10, 20, 3e6]}, r"targets\[0\]\.threshold_s: must be less than or equal"),
        ({"thresholds_s": [3e6, 20]}, r"targets\[0\]\.threshold_s: must be less than or equal"),
    ],
)
def test_cost_curve_names_any_grid_value_the_schema_rejects(grid, field):
    """Each grid value is checked by the schema wherever it sits in the grid (each SL at the
    first threshold, each threshold at the first SL), and the error names the field."""
    from scenarios.overrides import OverrideError

    with pytest.raises(OverrideError, match=field):
        cost_curve(load_example("default"), "voice", **grid)
