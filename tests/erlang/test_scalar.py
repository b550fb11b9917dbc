"""The Erlang C fast paths -- one interval in plain floats, many intervals walked by the
Erlang B recursion -- give the answers of the bracketing search, KPIs within the 50-digit
references, and are taken where they apply."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erlang import required_agents, staffing

from .test_reference import RTOL, load


def vectorized(**kwargs):
    """``required_agents`` with both fast paths turned off: the bracketing search alone."""
    scalar, walk = staffing.erlang_c_staffing, staffing.erlang_c_walk

    def nothing_walked(a, *args):
        agents, binding, walked, kpis = walk(a, *args)
        return agents, binding, np.zeros(a.size, dtype=bool), kpis

    staffing.erlang_c_staffing, staffing.erlang_c_walk = (lambda *args: None), nothing_walked
    try:
        return required_agents(**kwargs)
    finally:
        staffing.erlang_c_staffing, staffing.erlang_c_walk = scalar, walk


def assert_same_answers(fast, slow):
    for field in ("agents", "reachable", "binding"):
        np.testing.assert_array_equal(getattr(fast, field), getattr(slow, field), err_msg=field)
    for field in ("load_erlangs", "p_wait", "service_level", "asa_s", "occupancy", "p_abandon"):
        mine, theirs = getattr(fast.kpis, field), getattr(slow.kpis, field)
        assert type(mine) is type(theirs)
        np.testing.assert_allclose(mine, theirs, rtol=1e-11, atol=1e-300, err_msg=field)


@st.composite
def questions(draw):
    load = draw(st.floats(min_value=1e-5, max_value=2500.0))
    aht_s = draw(st.sampled_from([20.0, 180.0, 300.0, 333.3, 1800.0]))
    kwargs = {"calls_per_hour": load * 3600.0 / aht_s, "aht_s": aht_s}
    if draw(st.booleans()):
        kwargs["service_level"] = draw(st.floats(min_value=0.01, max_value=0.999))
        kwargs["threshold_s"] = draw(st.sampled_from([0.0, 10.0, 20.0, 60.0, 600.0]))
    if draw(st.booleans()) or "service_level" not in kwargs:
        kwargs["max_asa_s"] = draw(st.floats(min_value=0.01, max_value=300.0))
    for key, low in (("max_occupancy", 0.3), ("max_abandon", 0.0)):
        if draw(st.booleans()):
            kwargs[key] = draw(st.floats(min_value=low, max_value=1.0))
    if draw(st.booleans()):
        kwargs["max_agents"] = draw(st.integers(min_value=0, max_value=3000))
    return kwargs


@given(questions())
@settings(max_examples=400)
def test_the_fast_path_answers_what_the_vectorized_search_answers(kwargs):
    fast, slow = required_agents(**kwargs), vectorized(**kwargs)
    assert type(fast.agents) is type(slow.agents) and type(fast.binding) is type(slow.binding)
    assert_same_answers(fast, slow)


@given(st.lists(questions(), min_size=1, max_size=40), st.booleans())
@settings(max_examples=120)
def test_the_walk_answers_what_the_search_answers_interval_by_interval(questions, zeros):
    """Intervals of one channel: arrays of load, AHT and targets (each target given for every
    interval or for none, as the planner passes them), some without load."""
    first = questions[0]
    kwargs = {}
    for key in ("calls_per_hour", "aht_s", "service_level", "max_asa_s", "max_occupancy"):
        if key in first:
            kwargs[key] = np.array([q.get(key, first[key]) for q in questions])
    if zeros:
        kwargs["calls_per_hour"][::3] = 0.0
    kwargs["threshold_s"] = first.get("threshold_s", 20.0)
    kwargs["max_agents"] = first.get("max_agents")
    assert_same_answers(required_agents(**kwargs), vectorized(**kwargs))


def test_the_kpis_at_the_answer_are_the_50_digit_references():
    """Each reference row (stable, within the fast path's loads) asked as a staffing question
    whose answer is its agent count: an SL target a hair below the row's SL."""
    ref = load("erlang_c_kpis.csv")
    checked = 0
    for i in range(ref["agents"].size):
        n, a = ref["agents"][i], ref["load_erlangs"][i]
        sl = ref["service_level"][i]
        if not (a < n and 1e-6 < a <= 2000 and 0.01 < sl < 0.999):
            continue
        kwargs = {
            "calls_per_hour": float(ref["calls_per_hour"][i]),
            "aht_s": float(ref["aht_s"][i]),
            "service_level": float(sl) * (1 - 1e-7),
            "threshold_s": float(ref["threshold_s"][i]),
        }
        result = required_agents(**kwargs)
        if result.agents != n:  # n - 1 already meets it: not this row's question
            continue
        checked += 1
        for field in ("p_wait", "service_level", "asa_s", "occupancy"):
            assert math.isclose(getattr(result.kpis, field), ref[field][i], rel_tol=RTOL), (
                i,
                field,
            )
    assert checked >= 5


def test_the_fast_path_is_taken_for_one_interval_and_not_for_arrays(monkeypatch):
    calls = []
    original = staffing.erlang_c_staffing

    def spy(*args):
        answer = original(*args)
        calls.append(answer is not None)
        return answer

    monkeypatch.setattr(staffing, "erlang_c_staffing", spy)
    assert required_agents(1200, 300, service_level=0.8, threshold_s=20).agents == 108
    assert calls == [True]
    required_agents(np.array([1200.0]), 300, service_level=0.8, threshold_s=20)
    required_agents(1200, 300, patience_s=180, service_level=0.8, threshold_s=20)
    assert calls == [True, False]  # arrays declined; Erlang A never asked


def test_the_walk_answers_a_year_and_leaves_near_ties_to_the_search(monkeypatch):
    walked = []
    original = staffing.erlang_c_walk

    def spy(*args):
        answer = original(*args)
        walked.append(answer[2])
        return answer

    monkeypatch.setattr(staffing, "erlang_c_walk", spy)
    cph = np.array([0.0, 1200.0, 360.0, 50.0])
    # 360 calls/h, AHT 240 s: ASA at 28 agents is 19.988 s against a 20 s cap -- not near
    # enough for the band (1e-9); a cap at the exact ASA of 28 agents is.
    exact = required_agents(360, 240, max_asa_s=20).kpis.asa_s
    kwargs = {"calls_per_hour": cph, "aht_s": 240, "max_asa_s": np.array([20, 20, exact, 20])}
    result = required_agents(**kwargs)
    np.testing.assert_array_equal(walked[-1], [True, True, False, True])
    assert_same_answers(result, vectorized(**kwargs))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"calls_per_hour": -1, "aht_s": 300, "service_level": 0.8, "threshold_s": 20},
        {"calls_per_hour": 100, "aht_s": 300, "service_level": 80, "threshold_s": 20},
        {"calls_per_hour": 100, "aht_s": 300, "max_asa_s": float("nan")},
        {"calls_per_hour": 100, "aht_s": 300, "service_level": 0.8, "threshold_s": -5},
    ],
)
def test_bad_arguments_get_the_vectorized_searchs_message(kwargs):
    with pytest.raises(ValueError) as fast:
        required_agents(**kwargs)
    with pytest.raises(ValueError) as slow:
        vectorized(**kwargs)
    assert str(fast.value) == str(slow.value)
