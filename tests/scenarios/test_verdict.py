"""The cost of a standard: a grid of SL targets and thresholds, closed forms."""

import numpy as np
import pytest

from scenarios import plan
from scenarios.examples import load_example
from scenarios.verdict import cost_curve


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
    voice = scenario.target_for("voice").model_copy(update={"max_abandon": None})
    loose = scenario.model_copy(
        update={
            "targets": (voice, scenario.target_for("email")),
            "workforce": scenario.workforce.model_copy(update={"max_occupancy": 1.0}),
        }
    )
    curve = cost_curve(loose, "voice", service_levels=(0.6, 0.7, 0.8, 0.9), thresholds_s=(20,))
    assert np.all(np.diff(curve.cost[:, 0]) > 0)
    assert np.all(curve.marginal_cost_per_point() > 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"channel": "fax"}, "`channel` 'fax' is not a channel"),
        ({"channel": "email"}, "deferred"),
        ({"channel": "voice", "service_levels": (0.8, 1.2)}, "must increase strictly within"),
        ({"channel": "voice", "model": "erlang_b"}, "`model` must be one of"),
    ],
)
def test_bad_arguments(scenario, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cost_curve(scenario, **kwargs)
