"""Every bundled example loads and plans, with numbers that make sense for it."""

import numpy as np
import pytest

from scenarios import plan
from scenarios.examples import describe_example, example_path, list_examples, load_example

EXAMPLES = list_examples()


def test_the_library_holds_the_documented_examples():
    assert EXAMPLES[0] == "default"
    assert {"housing_association", "retailer", "utility", "healthcare"} <= set(EXAMPLES)
    for name in EXAMPLES:
        assert len(describe_example(name)) > 80, f"{name} needs a documenting comment"
    with pytest.raises(ValueError, match="unknown example 'nope'; bundled: default"):
        example_path("nope")


@pytest.mark.parametrize("model", ["erlang_a", "erlang_c"])
@pytest.mark.parametrize("name", EXAMPLES)
def test_example_plans(name, model):
    scenario = load_example(name)
    result = plan(scenario, model)
    cap = scenario.workforce.max_occupancy
    for ch in scenario.channels:
        p = result.channels[ch.name]
        demand = result.table.channels[ch.name]
        volume = (demand.offered > 1e-6) & demand.open  # email arriving at night waits
        assert np.all(p.reachable), f"{name}/{ch.name}: unreachable intervals"
        if ch.kind != "deferred":
            assert np.all(p.required_agents[volume] > 0), f"{name}/{ch.name}: calls, no agents"
        else:
            assert p.required_agents[volume].sum() > 0
        staffed = p.required_agents > 0
        assert np.all(p.occupancy[staffed] <= cap + 1e-9), f"{name}/{ch.name}: above the cap"
        assert np.all(p.scheduled_agents >= p.required_agents)
    assert result.total.fte[0] > 0 and result.total.cost_per_contact[0] > 0


def test_healthcare_line_meets_90_15_everywhere():
    result = plan(load_example("healthcare"))
    voice = result.channels["voice"]
    volume = result.table.channels["voice"].offered > 0
    assert np.all(voice.service_level[volume] >= 0.9)
    assert np.all(voice.p_abandon[volume] <= 0.03)


def test_utility_outage_is_flagged_excluded_and_staffed_for():
    result = plan(load_example("utility"))
    demand = result.table.channels["voice"]
    assert demand.excluded.sum() == 24  # 07:00-13:00 in 15-minute intervals
    peak = np.argmax(demand.calls_per_hour)
    assert demand.excluded[peak]
    assert result.channels["voice"].required_agents[peak] > 3 * np.median(
        result.channels["voice"].required_agents[result.channels["voice"].required_agents > 0]
    )


def test_housing_association_peaks_on_monday_morning():
    result = plan(load_example("housing_association"))
    agents = result.channels["voice"].required_agents.reshape(result.scenario.days, -1)
    monday = result.scenario.start_date.weekday() == 0
    assert monday and agents[0].max() == agents.max()
    assert np.argmax(agents[0]) < 11 * 4  # before 11:00
