"""Staffing search: identical to an exhaustive search, published answers, and the known traps."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erlang import SLDefinition, erlang_a_kpis, erlang_c_kpis, required_agents

# ---------------------------------------------------------------------------------------------
# Exhaustive search: evaluate every count 0..max_agents with the public KPI functions and take
# the first that meets every target. The search under test brackets, bisects and scans; this
# reference does none of that.
# ---------------------------------------------------------------------------------------------


def exhaustive(case):
    """Smallest n in 0..max_agents meeting every target of ``case``, or None."""
    n = np.arange(case["max_agents"] + 1)
    t = case["threshold_s"] if case["threshold_s"] is not None else 0.0
    if case["patience_s"] is None:
        k = erlang_c_kpis(case["calls_per_hour"], case["aht_s"], n, t)
    else:
        k = erlang_a_kpis(case["calls_per_hour"], case["aht_s"], case["patience_s"], n, t)
    ok = np.ones(n.size, dtype=bool)
    if case["service_level"] is not None:
        ok &= k.service_level_for(case["sl_definition"]) >= case["service_level"]
    if case["max_asa_s"] is not None:
        ok &= k.asa_s <= case["max_asa_s"]
    if case["max_abandon"] is not None:
        ok &= k.p_abandon <= case["max_abandon"]
    if case["max_occupancy"] is not None:
        ok &= k.occupancy <= case["max_occupancy"]
    hits = np.flatnonzero(ok)
    return int(hits[0]) if hits.size else None


def optional(strategy):
    return st.one_of(st.none(), strategy)


@st.composite
def staffing_cases(draw):
    load = draw(st.floats(min_value=0.0, max_value=150.0))
    aht_s = draw(st.sampled_from([30.0, 120.0, 180.0, 240.0, 300.0, 600.0, 1800.0]))
    case = {
        "calls_per_hour": load * 3600.0 / aht_s,
        "aht_s": aht_s,
        "patience_s": draw(optional(st.floats(min_value=1.0, max_value=1200.0))),
        "service_level": draw(optional(st.floats(min_value=0.05, max_value=0.99))),
        "threshold_s": draw(st.sampled_from([0.0, 5.0, 10.0, 20.0, 30.0, 60.0, 300.0])),
        "sl_definition": draw(st.sampled_from(list(SLDefinition))),
        "max_asa_s": draw(optional(st.floats(min_value=0.5, max_value=120.0))),
        "max_abandon": draw(optional(st.floats(min_value=0.005, max_value=0.5))),
        "max_occupancy": draw(optional(st.floats(min_value=0.5, max_value=0.99))),
        "max_agents": draw(st.integers(min_value=0, max_value=400)),
    }
    if all(case[k] is None for k in ("service_level", "max_asa_s", "max_abandon", "max_occupancy")):
        case["service_level"] = 0.8
    return case


KEYS = (
    "calls_per_hour",
    "aht_s",
    "patience_s",
    "service_level",
    "threshold_s",
    "sl_definition",
    "max_asa_s",
    "max_abandon",
    "max_occupancy",
    "max_agents",
)


@pytest.mark.slow
@given(staffing_cases())
@settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_scalar_search_equals_exhaustive_search(case):
    result = required_agents(**{k: case[k] for k in KEYS})
    expected = exhaustive(case)
    if expected is None:
        assert not result.reachable, f"search found {result.agents}, exhaustive found none"
        assert result.binding == "unreachable"
    else:
        assert result.reachable, f"search found none, exhaustive found {expected}"
        assert result.agents == expected, f"search {result.agents} != exhaustive {expected}"


@pytest.mark.slow
@given(st.lists(staffing_cases(), min_size=2, max_size=12), st.sampled_from(list(SLDefinition)))
@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_vectorized_search_equals_exhaustive_search(cases, definition):
    """Intervals of one channel: arrays of load, AHT, targets; one model and definition."""
    patience = cases[0]["patience_s"]
    for c in cases:
        c["patience_s"], c["sl_definition"], c["max_agents"] = patience, definition, 400
        c["threshold_s"] = cases[0]["threshold_s"]
    for key in ("service_level", "max_asa_s", "max_abandon", "max_occupancy"):
        if cases[0][key] is None:
            for c in cases:
                c[key] = None
        else:
            for c in cases:
                c[key] = c[key] if c[key] is not None else cases[0][key]
    args = {
        k: (np.array([c[k] for c in cases]) if cases[0][k] is not None else None)
        for k in ("calls_per_hour", "aht_s", "service_level", "max_asa_s", "max_abandon")
        + ("max_occupancy",)
    }
    result = required_agents(
        **args,
        patience_s=patience,
        threshold_s=cases[0]["threshold_s"],
        sl_definition=definition,
        max_agents=400,
    )
    for i, case in enumerate(cases):
        expected = exhaustive(case)
        assert bool(result.reachable[i]) == (expected is not None), (i, case)
        if expected is not None:
            assert result.agents[i] == expected, (i, result.agents[i], expected, case)


# ---------------------------------------------------------------------------------------------
# Published answers (shared/reference-values.md).
# ---------------------------------------------------------------------------------------------


def test_call_centre_helper_example_needs_14_agents():
    # R package ErlangC 0.1.0 README / Call Centre Helper: 200 calls/h, AHT 180 s, 80/20 -> 14.
    r = required_agents(200, 180, service_level=0.8, threshold_s=20)
    assert (r.agents, r.reachable, r.binding) == (14, True, "service_level")
    assert r.kpis.service_level == pytest.approx(0.88835, abs=5e-6)


def test_erlang_uplift_example_needs_28_agents():
    # jonesthenet.com "Erlang uplift": 250 calls/h, AHT 330 s, 80% within 30 s -> 28 (27: ~78%).
    r = required_agents(250, 330, service_level=0.8, threshold_s=30)
    assert r.agents == 28
    assert erlang_c_kpis(250, 330, 27, 30).service_level == pytest.approx(0.78, abs=0.01)


def test_asa_near_tie_is_decided_by_the_exact_value():
    # 360 calls/h, AHT 240 s: ASA at 28 agents is 19.988 s, just under 20 s; at 27 it is above.
    r = required_agents(360, 240, max_asa_s=20)
    assert r.agents == 28 and r.binding == "max_asa_s"
    assert 19.98 < r.kpis.asa_s < 20.0
    assert erlang_c_kpis(360, 240, 27, 0).asa_s > 20.0


# ---------------------------------------------------------------------------------------------
# The traps of reference-values.md.
# ---------------------------------------------------------------------------------------------


def test_sl_definitions_that_exclude_abandons_reward_hang_ups():
    # 24 erlangs, mean patience 5 s, 80/20: ~22 agents of offered, a handful excluding short
    # abandons, 1 of answered.
    cph = 24 * 3600 / 300
    agents = {
        d: required_agents(
            cph, 300, patience_s=5, service_level=0.8, threshold_s=20, sl_definition=d
        ).agents
        for d in SLDefinition
    }
    assert 20 <= agents[SLDefinition.OF_OFFERED] <= 24
    assert 1 <= agents[SLDefinition.EXCL_SHORT_ABANDONS] <= 6
    assert agents[SLDefinition.OF_ANSWERED] == 1


@pytest.mark.parametrize("definition", ["excl_short_abandons", "of_answered"])
def test_excluding_definitions_take_the_first_count_from_zero(definition):
    """These definitions are not assumed monotone: the search scans up from the bound the
    monotone targets give (here none, so from 0) and must return the first count meeting them."""
    cph = 24 * 3600 / 300
    r = required_agents(
        cph, 300, patience_s=5, service_level=0.8, threshold_s=20, sl_definition=definition
    )
    n = np.arange(0, 40)
    sl = erlang_a_kpis(cph, 300, 5, n, 20).service_level_for(definition)
    assert r.agents == np.flatnonzero(sl >= 0.8)[0]
    assert r.kpis.service_level_for(definition) >= 0.8 > sl[r.agents - 1]


def test_erlang_a_can_staff_below_the_offered_load():
    # 2,000 erlangs, patience 300 s, 80/20 of offered: fewer than 2,000 agents, ~5% abandon.
    r = required_agents(2000 * 3600 / 300, 300, patience_s=300, service_level=0.8, threshold_s=20)
    assert r.agents < 2000
    assert 0.02 < r.kpis.p_abandon < 0.08
    assert erlang_c_kpis(2000 * 3600 / 300, 300, r.agents, 20).service_level == 0.0


# ---------------------------------------------------------------------------------------------
# Edge cases are answers.
# ---------------------------------------------------------------------------------------------


def test_zero_volume_needs_zero_agents():
    r = required_agents(0.0, 300, service_level=0.8, threshold_s=20)
    assert (r.agents, r.reachable, r.binding) == (0, True, "none")
    assert r.kpis.service_level == 1.0


@pytest.mark.parametrize(
    "targets",
    [
        {"service_level": 1.0, "threshold_s": 20},
        {"max_asa_s": 0.0},
        {"max_abandon": 0.0, "patience_s": 60},
        {"max_occupancy": 0.0},
    ],
)
def test_targets_no_finite_staffing_meets_are_unreachable(targets):
    r = required_agents(1200, 300, **targets)
    assert not r.reachable and r.binding == "unreachable" and r.agents == 100_000


def test_max_agents_caps_the_search():
    r = required_agents(12_000, 300, service_level=0.8, threshold_s=20, max_agents=500)
    assert not r.reachable and r.agents == 500
    assert required_agents(12_000, 300, service_level=0.8, threshold_s=20).agents > 1000


def test_default_cap_scales_with_the_load_at_100_000_erlangs():
    # 100,000 erlangs (1.2 million calls/h at 300 s) need a little more than 100,000 agents
    # for any SL above 0: the default cap must follow the load, an explicit one still caps.
    cph, aht, t = 1.2e6, 300.0, 20.0
    r = required_agents(cph, aht, service_level=0.8, threshold_s=t)
    assert r.reachable and r.binding == "service_level"
    # independent check with the closed form: n meets the target, n - 1 does not
    assert erlang_c_kpis(cph, aht, r.agents, t).service_level >= 0.8
    assert erlang_c_kpis(cph, aht, r.agents - 1, t).service_level < 0.8
    assert r.agents > 100_000
    capped = required_agents(cph, aht, service_level=0.8, threshold_s=t, max_agents=100_000)
    assert not capped.reachable and capped.agents == 100_000


def test_default_cap_allows_a_strict_occupancy_cap_on_a_large_load():
    # 100,000 erlangs at most 50% occupied need 200,000 agents, beyond a + 10 sqrt(a) + 100.
    r = required_agents(1.2e6, 300.0, max_occupancy=0.5)
    assert r.reachable and r.agents == 200_000
    assert erlang_c_kpis(1.2e6, 300.0, r.agents - 1, 0.0).occupancy > 0.5


def test_occupancy_cap_binds_when_it_is_stricter():
    r = required_agents(1200, 300, service_level=0.8, threshold_s=20, max_occupancy=0.85)
    assert r.binding == "max_occupancy"
    assert r.kpis.occupancy <= 0.85 < erlang_c_kpis(1200, 300, r.agents - 1, 20).occupancy


def test_large_center_does_not_overflow():
    r = required_agents(1_000_000, 300, service_level=0.8, threshold_s=20)
    assert r.reachable and 83_334 <= r.agents <= 84_000
    r = required_agents(1_000_000, 300, patience_s=180, service_level=0.8, threshold_s=20)
    assert r.reachable and r.agents < 84_000


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "no target given"),
        ({"service_level": 0.8}, "`threshold_s` is required"),
        ({"service_level": 80, "threshold_s": 20}, r"`service_level`.*use 0.8 for 80%"),
        ({"service_level": 0.8, "threshold_s": -1}, r"`threshold_s` must be .*>= 0 s, got -1.0"),
        ({"max_asa_s": 20, "patience_s": 0}, r"`patience_s` must be .*in \(0, 86400\] s, got 0.0"),
        ({"max_asa_s": 20, "sl_definition": "answered"}, "`sl_definition` must be one of"),
        ({"max_asa_s": 20, "max_agents": -3}, "`max_agents` must be a whole number"),
        ({"max_occupancy": 1.5}, r"`max_occupancy` must be .*\[0, 1\].*got 1.5"),
    ],
)
def test_bad_arguments_raise_value_error_naming_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        required_agents(1200, 300, **kwargs)


@pytest.mark.parametrize("max_asa_s", [None, 15.0])
def test_without_the_asa_the_answer_is_the_same(max_asa_s):
    """``with_asa=False`` skips Erlang A's ASA integral at the answer, nothing else."""
    cph = np.array([0.0, 120.0, 600.0, 1500.0])
    kwargs = {"patience_s": 180.0, "service_level": 0.8, "threshold_s": 20.0}
    full = required_agents(cph, 300.0, max_asa_s=max_asa_s, **kwargs)
    lean = required_agents(cph, 300.0, max_asa_s=max_asa_s, with_asa=False, **kwargs)
    np.testing.assert_array_equal(lean.agents, full.agents)
    np.testing.assert_array_equal(lean.binding, full.binding)
    np.testing.assert_array_equal(lean.kpis.service_level, full.kpis.service_level)
    busy = cph > 0
    assert np.all(np.isnan(lean.kpis.asa_s[busy])) and np.all(np.isfinite(full.kpis.asa_s))


# Loads [erlangs] of one channel's intervals, 0.05 to 2,000 erlangs, with loads where a target
# times the load is a whole number (where the search's lower bound n/a >= SL target is tight).
GRID_LOADS = np.unique(np.concatenate([np.geomspace(0.05, 2000.0, 36), [5.0, 25.0, 100.0, 250.0]]))


@pytest.mark.parametrize("patience_s", [5.0, 180.0, 3600.0])
@pytest.mark.parametrize(("service_level", "threshold_s"), [(0.8, 20.0), (0.95, 0.0), (0.5, 60.0)])
def test_erlang_a_search_equals_exhaustive_search_on_a_grid(patience_s, service_level, threshold_s):
    """Agents, reachability and binding clauses of whole channels (one call per standard,
    definition and set of caps) against every count evaluated with ``erlang_a_kpis``: the
    bisection's lower bounds, its bracket and the counts the search remembers must not change
    an answer anywhere, also for loads of thousands of erlangs."""
    aht_s = 240.0
    cph = GRID_LOADS * 3600.0 / aht_s
    top = int(np.ceil(GRID_LOADS.max() + 10 * np.sqrt(GRID_LOADS.max()) + 100))
    n = np.arange(top + 1)
    k = erlang_a_kpis(cph[:, None], aht_s, patience_s, n[None, :], threshold_s)
    for definition in SLDefinition:
        sl_ok = k.service_level_for(definition) >= service_level
        for caps in (
            {},
            {"max_abandon": 0.05},
            {"max_occupancy": 0.85},
            {"max_abandon": 0.1, "max_occupancy": 0.9},
        ):
            fails = {"service_level": ~sl_ok}
            if "max_abandon" in caps:
                fails["max_abandon"] = ~(k.p_abandon <= caps["max_abandon"])
            if "max_occupancy" in caps:
                fails["max_occupancy"] = ~(k.occupancy <= caps["max_occupancy"])
            ok = ~np.logical_or.reduce(list(fails.values()))
            r = required_agents(
                cph,
                aht_s,
                patience_s=patience_s,
                service_level=service_level,
                threshold_s=threshold_s,
                sl_definition=definition,
                **caps,
            )
            assert ok.any(axis=1).all()  # every interval reachable within the grid
            expected = ok.argmax(axis=1)
            np.testing.assert_array_equal(r.agents, expected, err_msg=f"{definition} {caps}")
            assert r.reachable.all()
            # The binding clauses: the targets one agent fewer misses, in the reported order.
            rows = np.flatnonzero(expected > 0)
            binding = np.array(
                ["+".join(name for name in fails if fails[name][i, expected[i] - 1]) for i in rows]
            )
            np.testing.assert_array_equal(r.binding[rows], binding, err_msg=f"{definition} {caps}")
