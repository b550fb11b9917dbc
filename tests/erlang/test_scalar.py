"""The scalar Erlang C fast path: the same answers as the vectorized search, KPIs within the
50-digit references, and taken where it applies."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erlang import required_agents, staffing

from .test_reference import RTOL, load


def vectorized(**kwargs):
    """``required_agents`` with the fast path turned off."""
    original = staffing.erlang_c_staffing
    staffing.erlang_c_staffing = lambda *args: None
    try:
        return required_agents(**kwargs)
    finally:
        staffing.erlang_c_staffing = original


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
@settings(max_examples=1000)
def test_the_fast_path_answers_what_the_vectorized_search_answers(kwargs):
    fast, slow = required_agents(**kwargs), vectorized(**kwargs)
    assert (fast.agents, fast.reachable, fast.binding) == (
        slow.agents,
        slow.reachable,
        slow.binding,
    )
    assert type(fast.agents) is type(slow.agents) and type(fast.binding) is type(slow.binding)
    for field in ("load_erlangs", "p_wait", "service_level", "asa_s", "occupancy", "p_abandon"):
        mine, theirs = getattr(fast.kpis, field), getattr(slow.kpis, field)
        assert type(mine) is type(theirs)
        assert mine == pytest.approx(theirs, rel=1e-11, abs=1e-300) or mine == theirs, field


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
