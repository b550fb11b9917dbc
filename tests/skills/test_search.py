"""The simulation search for multi-skill designs, checked against closed forms it does not use:
on a stationary M/M/n line the search lands on the Erlang C requirement, and a design of one
pool per channel simulates exactly as the scenario does without skills."""

import numpy as np
import pytest

from erlang import SLDefinition, erlang_c_kpis, required_agents
from scenarios.io import parse_scenario
from scenarios.pipeline import plan
from scenarios.simulation import simulation_config
from scenarios.skills.design import design_config, pool_sizes, separate_teams
from scenarios.skills.search import search_design
from simulator import simulate

CALLS_PER_HOUR, AHT_S = 300.0, 180.0  # 15 erlangs


def mm_n(**extra) -> dict:
    """A 24/7 voice line with stationary Poisson arrivals, exponential handle times and no
    abandonment (M/M/n, Erlang C) for a day, 80/20 of offered measured over the day."""
    return {
        "name": "stationary",
        "interval_minutes": 15,
        "start_date": "2027-01-04",
        "days": 1,
        "channels": [
            {
                "name": "voice",
                "kind": "voice",
                "handle_time": {"kind": "exponential", "mean_s": AHT_S},
                "demand": {"volume_per_day": CALLS_PER_HOUR * 24, "intraday_profile": "flat"},
            }
        ],
        "targets": [
            {"channel": "voice", "service_level": 0.8, "threshold_s": 20, "reporting_period": "day"}
        ],
        **extra,
    }


def erlang_c_sl(agents: int) -> float:
    kpis = erlang_c_kpis(np.array([CALLS_PER_HOUR]), AHT_S, np.array([agents]), 20.0)
    return float(kpis.service_level_for(SLDefinition.OF_OFFERED)[0])


def test_search_from_too_many_agents_lands_on_the_erlang_c_requirement():
    n_star = int(required_agents(np.array([CALLS_PER_HOUR]), AHT_S, service_level=0.8,
                                 threshold_s=20).agents[0])  # fmt: skip
    # The requirement is decisive: one agent fewer misses 80% by far more than the noise of
    # 10 replications of 7,200 calls (a 95% half-width of about a point).
    assert erlang_c_sl(n_star) > 0.83 and erlang_c_sl(n_star - 1) < 0.75, (n_star,)
    scenario = parse_scenario(mm_n())
    result = plan(scenario)
    skills = separate_teams(scenario)
    start = {"voice": np.full(96, n_star + 4)}
    found = search_design(result, skills, start=start, replications=10, seed=3)
    assert found.reached and found.verified
    assert found.start.meets
    agents = found.final.agents["voice"]
    assert (agents == n_star).all(), (n_star, np.unique(agents))
    assert found.cut["voice"] > 0
    # The searched design's SL is near the closed form's at n_star (within its CI).
    (risk,) = [found.fresh.risks["voice"]["service_level"]]
    pooled, low, high = risk.pooled()
    assert low[0] - 0.01 <= erlang_c_sl(n_star) <= high[0] + 0.01


def test_search_grows_a_design_that_misses():
    scenario = parse_scenario(mm_n())
    result = plan(scenario)
    n_star = int(result.channels["voice"].required_agents[0])
    found = search_design(
        result, separate_teams(scenario), start={"voice": np.full(96, n_star - 3)},
        replications=10, seed=5,
    )  # fmt: skip
    assert not found.start.meets and found.reached and found.verified
    assert (found.final.agents["voice"] == n_star).all()
    assert found.cut["voice"] == -3


def test_one_pool_per_channel_simulates_as_without_skills():
    data = mm_n()
    data["channels"].append(
        {
            "name": "email",
            "kind": "deferred",
            "handle_time": {"kind": "lognormal", "mean_s": 400, "cv": 0.7},
            "demand": {"volume_per_day": 300, "intraday_profile": "business_day"},
        }
    )
    data["targets"].append({"channel": "email", "service_level": 0.9, "threshold_s": 14400})
    scenario = parse_scenario(data)
    result = plan(scenario)
    skills = separate_teams(scenario)
    config = design_config(result, pool_sizes(result, skills), skills)
    a = simulate(config, 11, keep_log=True).log
    b = simulate(simulation_config(result), 11, keep_log=True).log
    for name in a.dtype.names:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


@pytest.mark.parametrize("replications", [1])
def test_too_few_replications_is_refused(replications):
    scenario = parse_scenario(mm_n())
    from scenarios.skills.verdict import check_design

    with pytest.raises(ValueError, match="`replications` must be at least 2, got 1"):
        check_design(plan(scenario), {"voice": np.full(96, 20)}, separate_teams(scenario),
                     replications=replications)  # fmt: skip


def test_a_channels_occupancy_clause_is_measured_on_its_primary_pool():
    data = mm_n(skills={"pools": [{"name": "team", "skills": ["voice"], "agents": 19}]})
    data["targets"][0]["max_occupancy"] = 0.9
    scenario = parse_scenario(data)
    from scenarios.skills.verdict import check_design

    check = check_design(plan(scenario), {"team": np.full(96, 19)}, replications=4, seed=2)
    risk = check.risks["voice"]["max_occupancy"]
    pooled, _, _ = risk.pooled()
    # Every interval counts and has 19 agents: the period's occupancy is the pool's.
    assert pooled[0] == pytest.approx(check.occupancy["team"], rel=1e-9)
    assert 0.7 < pooled[0] < 0.9  # 15 erlangs on 19 agents: 79%


def test_a_standard_no_staffing_meets_is_an_answer():
    # Email arriving around the clock, answered only 08:00-18:00, promised within 10 minutes:
    # the night's emails miss it whatever the staffing.
    data = mm_n()
    data["channels"].append(
        {
            "name": "email",
            "kind": "deferred",
            "handle_time": {"kind": "exponential", "mean_s": 300},
            "opening_hours": {"monday": ["08:00", "18:00"]},
            "demand": {"volume_per_day": 240, "intraday_profile": "flat"},
        }
    )
    data["targets"].append({"channel": "email", "service_level": 0.9, "threshold_s": 600})
    scenario = parse_scenario(data)
    found = search_design(plan(scenario), separate_teams(scenario), replications=3, seed=1)
    assert not found.reached and not found.verified
    assert "email: service_level" in found.final.failing()
