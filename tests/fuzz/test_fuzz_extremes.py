"""Extreme but valid inputs through the Erlang functions and ``plan()``: finite KPIs, or the
documented limits.

Documented non-finite values (and nothing else may be non-finite, nothing may be NaN):

* Erlang C with agents <= load (no stable queue): ``p_wait = 1``, ``asa_s = inf``,
  ``mean_wait_s = inf``, service levels 0 (style guide, "Error handling"). Loads below 1e-250
  erlangs count as 0 (``erlang.offered_load_erlangs``).
* Erlang A with 0 agents and some load: everyone abandons, nobody is answered, so the ASA of
  answered contacts is ``inf`` (``erlang_a_kpis`` docstring); every other Erlang A KPI is finite.
* A plan's ``asa_s`` may be inf only in an unstable Erlang C interval, or, for a deferred
  channel, in intervals after its last opening in the horizon (``deferred_staffing``: no
  opening to wait for).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import ValidationError

from erlang import SLDefinition, erlang_a_kpis, erlang_c_kpis, required_agents
from scenarios.pipeline import plan
from scenarios.scenario import Scenario
from tests.strategies import PROBABILITY_FIELDS

from .support import fuzz_settings, hang_guard
from .values import DEFAULT_DATA

calls_per_hour = st.sampled_from([0.0, 1e-6, 0.01, 1.0, 1e6]) | st.floats(0, 1e6)
aht_s = st.sampled_from([1.0, 1e-3, 86_400.0]) | st.floats(1e-3, 86_400)
patience_s = st.sampled_from([1e-3, 1.0, 86_400.0]) | st.floats(1e-3, 86_400)
agents = st.sampled_from([0, 1, 100_000]) | st.integers(0, 100_000)
threshold_s = st.sampled_from([0.0, 1e-9, 86_400.0]) | st.floats(0, 86_400)


def assert_probabilities(k):
    for name in PROBABILITY_FIELDS:
        v = float(getattr(k, name))
        assert 0.0 <= v <= 1.0, (name, v)  # also rejects NaN


@given(cph=calls_per_hour, aht=aht_s, n=agents, t=threshold_s)
@fuzz_settings(250)
def test_erlang_c_is_finite_or_at_its_documented_limit(cph, aht, n, t):
    with hang_guard():
        k = erlang_c_kpis(cph, aht, n, t)
    load = cph * aht / 3600.0
    load = 0.0 if load < 1e-250 else load
    assert float(k.load_erlangs) == pytest.approx(load, rel=1e-12)
    assert_probabilities(k)
    if load > 0 and n <= load:  # unstable: the documented limit
        assert float(k.p_wait) == 1.0 and float(k.service_level) == 0.0
        assert float(k.asa_s) == math.inf and float(k.mean_wait_s) == math.inf
    else:
        assert math.isfinite(float(k.asa_s)) and math.isfinite(float(k.mean_wait_s))


@given(cph=calls_per_hour, aht=aht_s, pat=patience_s, n=agents, t=threshold_s)
@fuzz_settings(250)
def test_erlang_a_is_always_finite(cph, aht, pat, n, t):
    with hang_guard():
        k = erlang_a_kpis(cph, aht, pat, n, t)
    assert_probabilities(k)
    if n == 0 and cph * aht / 3600.0 >= 1e-250:
        assert float(k.asa_s) == math.inf and float(k.p_abandon) == 1.0
    else:
        assert math.isfinite(float(k.asa_s)) and float(k.asa_s) >= 0
    assert math.isfinite(float(k.mean_wait_s)) and float(k.mean_wait_s) >= 0
    # Little's law bound: nobody waits longer on average than their patience allows.
    assert float(k.mean_wait_s) <= pat * (1 + 1e-6)


@given(
    cph=calls_per_hour,
    aht=aht_s,
    pat=st.none() | patience_s,
    sl=st.floats(0, 1),
    t=threshold_s,
    definition=st.sampled_from(list(SLDefinition)),
    max_abandon=st.none() | st.floats(0, 1),
    max_occupancy=st.none() | st.floats(0.01, 1),
)
@fuzz_settings(200)
def test_staffing_answers_or_says_unreachable(
    cph, aht, pat, sl, t, definition, max_abandon, max_occupancy
):
    with hang_guard():
        r = required_agents(
            cph,
            aht,
            patience_s=pat,
            service_level=sl,
            threshold_s=t,
            sl_definition=definition,
            max_abandon=max_abandon,
            max_occupancy=max_occupancy,
        )
    n = int(r.agents)
    assert 0 <= n <= 10_000_000  # the ceiling of the load-scaled default cap
    if bool(r.reachable):
        # Independently: the KPIs at the answer meet the SL target.
        k = erlang_c_kpis(cph, aht, n, t) if pat is None else erlang_a_kpis(cph, aht, pat, n, t)
        assert k.service_level_for(definition) >= sl - 1e-9


# ----- plan() on extreme scenarios --------------------------------------------------------------
def scenario_data(volume_per_day, aht, patience, kind, interval_minutes, shrinkage, occupancy):
    data = copy.deepcopy(DEFAULT_DATA)
    data["days"] = 1
    data["interval_minutes"] = interval_minutes
    voice = data["channels"][0]
    voice["kind"] = kind
    voice["handle_time"] = {"kind": "exponential", "mean_s": aht}
    voice["patience"] = None if patience is None else {"kind": "exponential", "mean_s": patience}
    voice.pop("opening_hours")  # open every day, so the one simulated day has demand
    voice["demand"]["volume_per_day"] = volume_per_day
    data["workforce"]["shrinkage"] = {"absence": shrinkage}
    data["workforce"]["max_occupancy"] = occupancy
    return data


@given(
    volume_per_day=st.sampled_from([0.0, 1e-3, 1.0, 24e6 / 2.4, 10_000_000.0])
    | st.floats(0, 10_000_000),
    aht=st.sampled_from([1.0, 86_400.0]) | st.floats(1, 86_400),
    patience=st.none() | st.sampled_from([1.0, 86_400.0]) | st.floats(1, 86_400),
    kind=st.sampled_from(["voice", "chat"]),
    interval_minutes=st.sampled_from([15, 30, 60]),
    shrinkage=st.sampled_from([0.0, 0.95]) | st.floats(0, 0.95),
    occupancy=st.sampled_from([0.01, 1.0]) | st.floats(0.01, 1.0),
    model=st.sampled_from(["erlang_a", "erlang_c"]),
)
@fuzz_settings(150)
def test_plan_is_finite_at_the_extremes(
    volume_per_day, aht, patience, kind, interval_minutes, shrinkage, occupancy, model
):
    data = scenario_data(
        volume_per_day, aht, patience, kind, interval_minutes, shrinkage, occupancy
    )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError:
        assume(False)  # outside the schema: test_fuzz_loader's business
    with hang_guard():
        result = plan(scenario, model)
    for name, p in result.channels.items():
        for field in (
            "required_agents",
            "scheduled_agents",
            "service_level",
            "p_abandon",
            "occupancy",
            "handled",
            "paid_hours",
            "cost",
        ):
            values = np.asarray(getattr(p, field), dtype=float)
            assert np.all(np.isfinite(values)), (name, field)
        assert np.all((p.service_level >= 0) & (p.service_level <= 1)), name
        asa = np.asarray(p.asa_s, dtype=float)
        assert not np.any(np.isnan(asa)), name
        inf = np.flatnonzero(np.isinf(asa))
        if inf.size and p.model == "workload":  # after the last opening only
            assert inf.min() > np.flatnonzero(result.table.channels[name].open).max(), name
        elif inf.size:  # only where Erlang C has no stable queue
            assert p.model == "erlang_c", name
            assert np.all(~p.reachable[inf]), name
    for field in ("offered", "handled", "paid_hours", "fte", "cost"):
        assert np.all(np.isfinite(np.asarray(getattr(result.total, field), dtype=float))), field
