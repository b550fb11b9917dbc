"""The scenario's ``skills:`` block: valid designs load, bad ones name the field and the allowed
range, and a scenario without it is unchanged."""

import pytest
import yaml

from scenarios import ScenarioError
from scenarios.examples import example_path, load_example
from scenarios.io import parse_scenario
from scenarios.pipeline import plan
from scenarios.skills.design import load_floor, pool_sizes, separate_teams
from scenarios.skills.schema import primary_pools


def blended_data() -> dict:
    return yaml.safe_load(example_path("blended").read_text())


def with_pools(pools) -> dict:
    data = blended_data()
    data["skills"] = {"pools": pools}
    return data


def parse(data):
    return parse_scenario(data, "s.yaml")


def test_blended_example_loads_with_a_bare_channel_name_as_after_s_zero():
    scenario = load_example("blended")
    (pool,) = scenario.skills.pools
    assert [(s.channel, s.after_s) for s in pool.skills] == [("voice", 0.0), ("email", 0.0)]
    assert pool.reserve_agents == 3 and pool.agents == "plan"
    assert primary_pools(scenario.skills) == {"voice": "blended", "email": "blended"}


@pytest.mark.parametrize(
    ("pools", "message"),
    [
        (
            [{"name": "a", "skills": ["voice", "fax"]}],
            r"skills.pools\[0\] \('a'\).skills: 'fax' is not a channel; channels are: voice, "
            "email",
        ),
        (
            [{"name": "a", "skills": ["voice", "voice", "email"]}],
            r"skills.pools\[0\] \('a'\).skills lists voice more than once",
        ),
        (
            [{"name": "a", "skills": ["voice"]}, {"name": "a", "skills": ["email"]}],
            r"pool names must be unique; repeated: a",
        ),
        (
            [
                {"name": "a", "skills": ["voice"], "reserve_agents": 2},
                {"name": "b", "skills": ["email"]},
            ],
            r"skills.pools\[0\] \('a'\).reserve_agents applies to a pool that serves a "
            "deferred channel",
        ),
        (
            [{"name": "a", "skills": ["voice"]}],
            r"channel\(s\) email have no primary pool",
        ),
        (
            [{"name": "a", "skills": ["voice", {"channel": "email", "after_s": 60}]}],
            r"channel\(s\) email have no primary pool",
        ),
        (
            [
                {"name": "a", "skills": ["voice", "email"]},
                {"name": "b", "skills": [{"channel": "voice", "after_s": 60}]},
            ],
            r"skills.pools\[1\] \('b'\).agents: `plan` sizes a pool from the channels it is "
            "primary for, and it is primary for none",
        ),
        (
            [{"name": "a", "skills": ["voice", "email"], "agents": [3, 4, 5]}],
            r"agents has 3 values; give one per interval of a day \(96\) or of the horizon "
            r"\(672\)",
        ),
        (
            [{"name": "a", "skills": ["voice", "email"], "agents": -1}],
            r"agent counts must be whole numbers in \[0, 100,000\]",
        ),
        (
            [{"name": "a", "skills": [{"channel": "voice", "after_s": -5}, "email"]}],
            r"after_s: must be greater than or equal to 0",
        ),
        (
            [{"name": "a", "skills": ["voice", "email"], "reserve_agents": 1.5}],
            r"reserve_agents: must be a valid integer",
        ),
        (
            [{"name": "a<b>", "skills": ["voice", "email"]}],
            r"skills.pools\[0\].name: String should match pattern",
        ),
        ([{"name": "a", "skills": []}], r"skills: .*at least 1 item"),
        ([], r"skills.pools: .*at least 1 item"),
    ],
)
def test_bad_skills_name_the_field_and_the_allowed_range(pools, message):
    with pytest.raises(ScenarioError, match=message):
        parse(with_pools(pools))


def test_overflow_team_with_given_sizes_and_per_day_lists():
    data = with_pools(
        [
            {"name": "front", "skills": ["voice", "email"], "agents": "plan"},
            {"name": "second", "skills": [{"channel": "voice", "after_s": 60}], "agents": [2] * 96},
            {"name": "night", "skills": ["email"], "agents": 1},
        ]
    )
    scenario = parse(data)
    result = plan(scenario)
    sizes = pool_sizes(result)
    n = scenario.days * scenario.intervals_per_day
    assert all(a.shape == (n,) for a in sizes.values())
    assert (sizes["second"] == 2).all() and (sizes["night"] == 1).all()
    expected = result.channels["voice"].required_agents + result.channels["email"].required_agents
    assert (sizes["front"] == expected).all()
    assert primary_pools(scenario.skills) == {"voice": "front", "email": "front"}


def test_without_skills_the_scenario_and_its_plan_are_unchanged():
    data = blended_data()
    del data["skills"]
    bare = parse(data)
    assert bare.skills is None
    with_skills = load_example("blended")
    a, b = plan(bare), plan(with_skills)
    for name in ("voice", "email"):
        assert (a.channels[name].required_agents == b.channels[name].required_agents).all()
    # Separate teams: one pool per channel, sized by the plan, as the simulation has today.
    sizes = pool_sizes(a, separate_teams(bare))
    assert set(sizes) == {"voice", "email"}
    assert (sizes["voice"] == a.channels["voice"].required_agents).all()


def test_load_floor_is_the_real_time_load_rounded_up():
    scenario = load_example("blended")
    result = plan(scenario)
    floor = load_floor(result, scenario.skills, "blended")
    demand = result.table.channels["voice"]
    load = demand.offered * demand.aht_s / scenario.interval_s  # erlangs of voice only
    assert (floor >= load - 1e-9).all() and (floor < load + 1).all()
    assert (floor <= result.channels["voice"].required_agents).all()


def test_design_config_routes_callbacks_with_their_calls_and_keeps_overflow_waits():
    from scenarios.examples import load_example as example
    from scenarios.overrides import apply_overrides
    from scenarios.skills.design import design_config

    seed = example("seed_contract")  # voice with callbacks, email, chat, whatsapp, social
    names = [c.name for c in seed.channels]
    pools = [
        {"name": "front", "skills": names[:2]},
        {"name": "back", "skills": [*names[2:], {"channel": "voice", "after_s": 30}]},
    ]
    scenario = apply_overrides(seed, {"skills": {"pools": pools}})
    result = plan(scenario)
    config = design_config(result, pool_sizes(result))
    front, back = config.pools
    assert front.channels == ("voice", "voice (callbacks)", "email")
    assert back.channels == ("chat", "whatsapp", "social", "voice", "voice (callbacks)")
    assert back.after_s == (0.0, 0.0, 0.0, 30.0, 30.0)
    assert {c.name: c.pool for c in config.channels}["voice (callbacks)"] == "front"
    expected = sum(result.channels[n].required_agents for n in names[2:])
    assert (back.agents == expected).all()
