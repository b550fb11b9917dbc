"""Limits and bad input: answers, not crashes; clear errors naming the argument."""

import math
import warnings

import mpmath
import numpy as np
import pytest

from erlang import erlang_a_kpis, erlang_b, erlang_c, erlang_c_kpis, required_agents


def test_overloaded_corner_of_erlang_b_is_finite_and_exact():
    # The naive log-space form poisson.logpmf - poisson.logcdf returns inf here (style guide).
    mpmath.mp.dps = 50
    n, a = 10, mpmath.mpf(1000)
    exact = (a**n / mpmath.factorial(n)) / mpmath.fsum(
        a**k / mpmath.factorial(k) for k in range(n + 1)
    )
    assert erlang_b(10, 1000.0) == pytest.approx(float(exact), rel=1e-12)
    assert 0.98 < erlang_b(10, 1000.0) < 1.0


def test_huge_centers_do_not_overflow():
    b = erlang_b(np.array([100_000, 100_000, 1]), np.array([99_990.0, 50_000.0, 50_000.0]))
    assert np.all(np.isfinite(b)) and b[1] == 0.0 and 0.99 < b[2] < 1.0
    k = erlang_c_kpis(36_000_000, 10, 100_000, 20)  # 100,000 erlangs on 100,000 agents
    assert k.p_wait == 1.0 and k.service_level == 0.0


def test_zero_load_means_no_waiting():
    for k in (erlang_c_kpis(0, 300, 5, 20), erlang_a_kpis(0, 300, 60, 5, 20)):
        assert (k.p_wait, k.service_level, k.asa_s, k.occupancy) == (0.0, 1.0, 0.0, 0.0)
        assert k.service_level_of_answered == k.service_level_excl_short_abandons == 1.0
    assert erlang_b(0, 0.0) == erlang_c(0, 0.0) == 0.0


@pytest.mark.parametrize("agents", [0, 5, 10])
def test_unstable_erlang_c_is_a_limit_not_an_error(agents):
    k = erlang_c_kpis(1200, 30, agents, 20)  # 10 erlangs
    assert (k.p_wait, k.service_level, k.asa_s, k.mean_wait_s) == (1.0, 0.0, math.inf, math.inf)
    assert erlang_c(agents, 10.0) == 1.0


def test_erlang_a_is_stable_far_above_the_agent_count():
    k = erlang_a_kpis(36_000, 300, 120, 10, 20)  # 3,000 erlangs on 10 agents
    assert k.p_wait == pytest.approx(1.0)
    assert k.p_abandon == pytest.approx(1 - 10 / 3000, rel=1e-3)  # agents carry ~10 erlangs
    assert k.occupancy == pytest.approx(1.0, abs=1e-9)
    assert np.isfinite(k.asa_s) and k.asa_s > 0


def test_erlang_a_with_no_agents_everybody_abandons():
    k = erlang_a_kpis(100, 300, 60, 0, 20)
    assert (k.p_wait, k.p_abandon, k.service_level, k.service_level_of_answered) == (1, 1, 0, 0)
    assert k.asa_s == math.inf and k.mean_wait_s == 60.0


def test_erlang_a_threshold_zero_is_the_share_answered_without_waiting():
    k = erlang_a_kpis(1200, 300, 180, 105, 0)
    assert k.service_level == pytest.approx(1 - k.p_wait, rel=1e-13)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: erlang_b(-1, 5.0), r"`agents` must be a finite number >= 0 agents, got -1.0"),
        (lambda: erlang_b(2.5, 5.0), r"`agents` must be a whole number of agents >= 0, got 2.5"),
        (lambda: erlang_c(5, np.inf), r"`load_erlangs` must be a finite number >= 0 erlangs"),
        (lambda: erlang_c(5, [1.0, np.nan]), r"got nan at index 1"),
        (lambda: erlang_c_kpis(100, 0, 5, 20), r"`aht_s` must be a finite number > 0 s, got 0.0"),
        (lambda: erlang_c_kpis(-5, 300, 5, 20), r"`calls_per_hour` must be .*>= 0 contacts/h"),
        (lambda: erlang_c_kpis(100, 300, 5, "soon"), r"`threshold_s` must be a number"),
        (
            lambda: erlang_a_kpis(100, 300, -60, 5, 20),
            r"`patience_s` must be .*in \(0, 86400\] s, got -60.0",
        ),
        (
            lambda: erlang_a_kpis(100, 300, 1e16, 5, 20),
            r"`patience_s` must be .*in \(0, 86400\] s, got 1e\+16 .*Erlang C",
        ),
        (lambda: erlang_a_kpis(100, 300, np.inf, 5, 20), r"`patience_s` must be a finite number"),
    ],
)
def test_bad_input_raises_value_error_naming_argument_value_and_range(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("model_patience", [None, 180.0])
def test_absurd_loads_are_unreachable_at_the_cap_without_overflow(model_patience):
    # 1e300 calls/h: counts derived from the load must not overflow int64 (a regression: the
    # staffing search looped on negative counts).
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = required_agents(
            np.array([1e300, 1e15, 100.0]),
            360.0,
            patience_s=model_patience,
            service_level=0.8,
            threshold_s=20,
            max_occupancy=0.85,
        )
    assert list(r.reachable) == [False, False, True]
    # reported at the cap: the load-scaled default, here at its ceiling of 10,000,000
    assert list(r.agents[:2]) == [10_000_000, 10_000_000]


def _series_by_loop(s: float, z: float) -> tuple[float, float]:
    """log G(s, z) and log M(s, z) summed term by term in plain floats (the loop the blocked
    summation replaces): t_m = t_{m-1} z / (s + m), stopping once a term is below 1e-17 of
    the sum and the ratio below 1."""
    term, total, moment, m = 1.0, 1.0, 0.0, 0
    while True:
        m += 1
        ratio = z / (s + m)
        term *= ratio
        total += term
        moment += m * term
        if term <= 1e-17 * total and ratio < 1.0:
            return math.log(total), math.log(moment)


def test_blocked_series_is_the_term_by_term_loop_to_the_last_bit():
    """``_special._series_log_sum`` sums blocks of terms with array operations; its sums are
    the sequential loop's exactly (the KPIs of the staffing search did not move by one bit),
    for short series and slow ones (ratios near 1, hundreds of terms at 20,000 agents)."""
    from erlang._special import _series_log_sum

    rng = np.random.default_rng(11)
    s = np.concatenate([rng.uniform(0.5, 60, 150), rng.uniform(1e3, 2e4, 50)])
    z = s * np.concatenate([rng.uniform(0.01, 0.5, 150), rng.uniform(0.5, 0.97, 50)])
    log_g, log_m = _series_log_sum(
        np.zeros(s.size), lambda m, idx: z[idx] / (s[idx] + m), s.size, weights=True
    )
    expected = np.array([_series_by_loop(si, zi) for si, zi in zip(s, z, strict=True)])
    np.testing.assert_array_equal(log_g, expected[:, 0])
    np.testing.assert_array_equal(log_m, expected[:, 1])
