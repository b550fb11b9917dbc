"""Demand drivers (``scenarios.drivers``): FCR repeats, self-service, retrials in planning.

Independent references: the delay kernel against numerical integration of the delay's CDF
(scipy.integrate.quad); repeats against an event-level Monte Carlo of the repeat process;
retrials against the simulator's own retrials (``simulator``) within its confidence interval.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from scenarios.distributions import DistributionSpec
from scenarios.drivers import delay_kernel, partial_mean, shift, to_open
from scenarios.examples import load_example
from scenarios.overrides import REMOVE, OverrideError, apply_overrides
from scenarios.pipeline import plan
from scenarios.scenario import Scenario
from scenarios.simulation import simulation_config

DAY_REPEAT = {"kind": "lognormal", "mean_s": 86_400, "cv": 1.0}


def _stationary(days=2, interval_minutes=30, **channel):
    """One 24/7 voice channel with flat demand (200 calls/h) and exponential times."""
    return Scenario.model_validate(
        dict(
            name="stationary",
            interval_minutes=interval_minutes,
            start_date="2027-01-04",
            days=days,
            channels=[
                dict(
                    name="voice",
                    kind="voice",
                    handle_time={"kind": "exponential", "mean_s": 300},
                    demand={"volume_per_day": 4800, "intraday_profile": "flat"},
                    **channel,
                )
            ],
            targets=[dict(channel="voice", service_level=0.8, threshold_s=20)],
        )
    )


# --- every new field rejects nonsense, naming the field and the range -----------------------

FCR = {"rate": 0.8, "repeat_delay": DAY_REPEAT}
BAD = [
    ({"channels.voice.fcr": {**FCR, "rate": 0.05}}, "fcr.rate", "0.1"),
    ({"channels.voice.fcr": {**FCR, "rate": 1.5}}, "fcr.rate", "1"),
    ({"channels.voice.fcr": {**FCR, "repeat_share": 1.2}}, "fcr.repeat_share", "[0, 1]"),
    ({"channels.voice.fcr": {**FCR, "repeat_channel": "fax"}}, "repeat_channel", "voice, email"),
    (
        {"channels.voice.fcr": {"rate": 0.8, "repeat_delay": {"kind": "exponential"}}},
        "fcr.repeat_delay",
        "mean_s",
    ),
    ({"channels.voice.self_service": {"deflection": -0.1}}, "self_service.deflection", "[0, 1]"),
    (
        {"channels.voice.self_service": {"deflection": 0.2, "aht_multiplier": 9}},
        "self_service.aht_multiplier",
        "5",
    ),
    (
        {"channels.voice.self_service": {"deflection": 0.2, "bot_uptime": 0.3}},
        "self_service.bot_uptime",
        "0.5",
    ),
    (
        {"channels.voice.self_service": {"deflection": 0.2, "outage_duration_s": 0}},
        "self_service.outage_duration_s",
        "0",
    ),
    ({"channels.voice.callback": {"share": 1.5, "deadline_s": 3600}}, "callback.share", "[0, 1]"),
    ({"channels.voice.callback": {"share": 0.1, "deadline_s": 5}}, "callback.deadline_s", "60"),
    (
        {"channels.email.callback": {"share": 0.1, "deadline_s": 3600}},
        "channels[1]",
        "voice channels only",
    ),
    (
        {"channels.voice.retrials": {"share": 2, "delay": {"mean_s": 60}}},
        "retrials.share",
        "[0, 1]",
    ),
    (
        {"channels.email.retrials": {"share": 0.5, "delay": {"mean_s": 60}}},
        "channels[1]",
        "patience",
    ),
]


@pytest.mark.parametrize(("changes", "field", "range_text"), BAD)
def test_new_fields_reject_nonsense_naming_field_and_range(changes, field, range_text):
    with pytest.raises(OverrideError) as err:
        apply_overrides(load_example("default"), changes)
    message = str(err.value)
    assert field in message and range_text in message, message


# --- identities ----------------------------------------------------------------------------


def test_fcr_100_percent_is_the_plan_without_repeats():
    base = load_example("default")
    full = apply_overrides(base, {"channels.voice.fcr": {"rate": 1.0, "repeat_delay": DAY_REPEAT}})
    a, b = plan(base), plan(full)
    for name in a.channels:
        np.testing.assert_array_equal(
            a.table.channels[name].offered, b.table.channels[name].offered
        )
        np.testing.assert_array_equal(
            a.channels[name].scheduled_agents, b.channels[name].scheduled_agents
        )
    assert a.total.cost == b.total.cost
    assert b.drivers.channels["voice"].repeats.sum() == 0.0


@pytest.mark.parametrize("d", [0.0, 0.25, 0.6])
def test_deflection_with_aht_multiplier_1_scales_offered_load_by_1_minus_d(d):
    base = load_example("default")
    bot = apply_overrides(base, {"channels.voice.self_service": {"deflection": d}})
    a, b = plan(base).table.channels["voice"], plan(bot).table.channels["voice"]
    load_a, load_b = a.offered * a.aht_s, b.offered * b.aht_s
    np.testing.assert_allclose(load_b, (1 - d) * load_a, rtol=1e-15, atol=0)
    np.testing.assert_array_equal(b.aht_s, a.aht_s)


def test_aht_multiplier_scales_the_handle_time_of_what_is_left():
    base = load_example("default")
    bot = apply_overrides(
        base, {"channels.voice.self_service": {"deflection": 0.2, "aht_multiplier": 1.25}}
    )
    a, b = plan(base), plan(bot)
    np.testing.assert_allclose(
        b.table.channels["voice"].aht_s, 1.25 * a.table.channels["voice"].aht_s
    )
    assert simulation_config(b).channels[0].aht_scale == pytest.approx(1.25)


# --- the delay kernel ----------------------------------------------------------------------


def _cdf(spec: DistributionSpec):
    if spec.kind == "exponential":
        return stats.expon(scale=spec.mean_s).cdf
    s2 = np.log1p(spec.cv**2)
    if spec.kind == "lognormal":
        return stats.lognorm(np.sqrt(s2), scale=spec.mean_s * np.exp(-0.5 * s2)).cdf
    shape = 1 / spec.cv**2
    return stats.gamma(shape, scale=spec.mean_s / shape).cdf


@pytest.mark.parametrize(
    "spec",
    [
        DistributionSpec(kind="exponential", mean_s=2000),
        DistributionSpec(kind="lognormal", mean_s=3000, cv=1.5),
        DistributionSpec(kind="gamma", mean_s=1200, cv=0.5),
    ],
)
def test_delay_kernel_matches_numerical_integration_of_the_cdf(spec):
    interval_s, n = 900.0, 400
    kernel = delay_kernel(spec, interval_s, n)
    cdf = _cdf(spec)
    for j in range(8):
        # share landing j intervals later = int_0^1 F((j+1-u)L) - F((j-u)L) du
        ref, _ = integrate.quad(
            lambda u, j=j: cdf((j + 1 - u) * interval_s) - cdf(max(j - u, 0) * interval_s),
            0,
            1,
            epsabs=1e-13,
        )
        assert kernel[j] == pytest.approx(ref, abs=1e-10)
    # Everything lands somewhere, or past the horizon: int_0^1 F((n - u)L) du in all.
    within, _ = integrate.quad(lambda u: cdf((kernel.size - u) * interval_s), 0, 1, epsabs=1e-13)
    assert kernel.sum() == pytest.approx(within, abs=1e-9)
    assert within > 1 - 1e-6


def test_deterministic_delay_splits_between_two_intervals():
    kernel = delay_kernel(DistributionSpec(kind="deterministic", mean_s=1125), 900.0, 10)
    np.testing.assert_allclose(kernel[:4], [0, 0.75, 0.25, 0], atol=1e-12)
    # empirical: the mean over its values of their own splits
    emp = delay_kernel(DistributionSpec(kind="empirical", values_s=(0.0 + 1e-9, 1800.0)), 900, 5)
    np.testing.assert_allclose(emp[:4], [0.5, 0, 0.5, 0], atol=1e-9)
    assert partial_mean(DistributionSpec(kind="deterministic", mean_s=10), np.array([25.0])) == 15


def test_shift_and_closed_hours():
    kernel = np.array([0.0, 1.0])
    np.testing.assert_array_equal(shift(np.array([1.0, 2.0, 3.0]), kernel), [0, 1, 2])
    is_open = np.array([True, False, False, True, False])
    np.testing.assert_array_equal(to_open(np.array([1.0, 2, 3, 4, 5]), is_open), [1, 0, 0, 9, 0])
    # Spread over the next open run like the forecast (callers call back when callers call).
    morning = to_open(np.array([4.0, 0, 0, 0]), np.array([False, True, True, True]), [9, 0, 1, 3])
    np.testing.assert_allclose(morning, [0, 0, 1, 3])
    np.testing.assert_allclose(
        to_open(np.array([3.0, 0, 0]), np.array([0, 1, 1], bool)), [0, 1.5, 1.5]
    )


# --- repeats against an event-level Monte Carlo of the repeat process ----------------------


def _monte_carlo_arrivals(rate_per_s, horizon_s, interval_s, unresolved, delay_mean_s, rng):
    """Arrivals per interval of Poisson first contacts whose every contact (repeats too) comes
    back with probability ``unresolved`` after an exponential delay: generation by
    generation."""
    n = int(horizon_s / interval_s)
    times = rng.uniform(0, horizon_s, rng.poisson(rate_per_s * horizon_s))
    counts = np.zeros(n)
    while times.size:
        counts += np.bincount((times // interval_s).astype(int), minlength=n)[:n]
        back = times[rng.random(times.size) < unresolved]
        times = back + rng.exponential(delay_mean_s, back.size)
        times = times[times < horizon_s]
    return counts


def test_fcr_repeats_match_a_monte_carlo_of_the_repeat_process():
    # No patience: every contact is answered, so each one repeats with probability 1 - FCR.
    s = _stationary(
        days=3,
        fcr={"rate": 0.7, "repeat_delay": {"kind": "exponential", "mean_s": 7200}},
    )
    r = plan(s)
    planned = r.table.channels["voice"].offered
    rng = np.random.default_rng(20261130)
    reps = np.array(
        [
            _monte_carlo_arrivals(4800 / 86_400, 3 * 86_400, 1800.0, 0.3, 7200.0, rng)
            for _ in range(40)
        ]
    )
    # Whole horizon (both start with no history) and the first 6 hours (the build-up).
    for window in (slice(None), slice(0, 12)):
        totals = reps[:, window].sum(axis=1)
        mean, half = totals.mean(), stats.t.ppf(0.975, totals.size - 1) * totals.std(ddof=1)
        half /= np.sqrt(totals.size)
        assert abs(planned[window].sum() - mean) <= half, (planned[window].sum(), mean, half)
    # Decisive: without repeats the first contacts alone are far outside.
    assert reps.sum(axis=1).mean() - 3 * 4800 > 10 * reps.sum(axis=1).std(ddof=1) / np.sqrt(40)
    # Steady state: F / FCR once the delay has passed many times over.
    assert planned[-48:].sum() == pytest.approx(4800 / 0.7, rel=1e-3)


# --- retrials against the simulator's retrials ----------------------------------------------


def test_planned_retrials_match_the_simulators_within_its_confidence_interval():
    from simulator import replicate

    s = _stationary(
        patience={"kind": "exponential", "mean_s": 120},
        retrials={"share": 0.5, "delay": {"kind": "exponential", "mean_s": 1800}},
    )
    r = plan(s)
    # Staffing flips between 19 and 20 agents here; planned at the larger arrivals.
    assert r.drivers.converged or r.drivers.flipping_intervals > 0
    offered = r.table.channels["voice"].offered
    planned_abandon = np.sum(r.channels["voice"].p_abandon * offered) / offered.sum()
    config = simulation_config(r)
    assert config.channels[0].retrial_share == 0.5
    # The simulator makes its own retrials: planning's are not in its arrivals.
    assert config.channels[0].calls_per_hour.sum() * 0.5 == pytest.approx(4800 * 2)
    reps = replicate(config, 20, seed=5)
    sim_offered = reps.estimate("offered", channel="voice")
    sim_abandon = reps.estimate("abandon_rate", channel="voice")
    assert sim_offered.low <= offered.sum() <= sim_offered.high
    assert sim_abandon.low <= planned_abandon <= sim_abandon.high
    # Decisive: the first contacts alone (no retrials) are outside the simulator's interval.
    assert 4800 * 2 < sim_offered.low


def test_retrials_and_repeats_converge_on_the_default_example():
    s = apply_overrides(
        load_example("default"),
        {
            "days": 7,
            "channels.voice.fcr": {"rate": 0.8, "repeat_delay": DAY_REPEAT},
            "channels.voice.retrials": {"share": 0.5, "delay": {"mean_s": 600}},
        },
    )
    r = plan(s)
    assert r.drivers.converged
    d = r.drivers.channels["voice"]
    np.testing.assert_allclose(r.table.channels["voice"].offered, d.offered, atol=1e-9)
    # Repeats land only in opening hours (moved to the next opening), no spike at opening.
    voice = r.table.channels["voice"]
    assert not d.repeats[~voice.open].any()
    assert (
        voice.calls_per_hour.max()
        < 1.3 * plan(load_example("default")).peaks["voice"].calls_per_hour
    )
    assert 0 < d.retrials.sum() < d.repeats.sum() < 0.25 * d.forecast.sum()
    # Removing the drivers gives back the plain plan.
    plain = apply_overrides(s, {"channels.voice.fcr": REMOVE, "channels.voice.retrials": REMOVE})
    assert plan(plain).drivers is None


# --- the verdict: value of each driver, the bot's outage month --------------------------------


def _with_bot(uptime=0.9):
    return _stationary(
        days=3,
        patience={"kind": "exponential", "mean_s": 120},
        fcr={"rate": 0.8, "repeat_delay": {"kind": "exponential", "mean_s": 3600}},
        self_service={
            "deflection": 0.4,
            "aht_multiplier": 1.2,
            "bot_uptime": uptime,
            "outage_duration_s": 3 * 3600,
        },
    )


def test_driver_value_is_the_replanned_difference():
    from scenarios.verdict.drivers import driver_value

    s = _with_bot()
    r = plan(s)
    v = driver_value(r, "voice", "fcr")
    better = plan(apply_overrides(s, {"channels.voice.fcr.rate": 0.85}))
    assert (v.before, v.after) == (0.8, pytest.approx(0.85))
    assert v.fte_saved == pytest.approx(r.total.fte[0] - better.total.fte[0])
    assert v.fte_saved > 0 and v.cost_saved_per_year >= 0
    assert "+5 points FCR on voice (80% -> 85%) saves" in v.sentence
    full = plan(apply_overrides(s, {"channels.voice.fcr.rate": 1.0}))
    assert driver_value(full, "voice", "fcr") is None


def test_outage_month_puts_the_downtime_at_the_busiest_hours():
    from scenarios.verdict.drivers import outage_share, with_outages

    r = plan(_with_bot(uptime=0.9))
    down, per_month = outage_share(r, "voice")
    # 10% of 3 days = 7.2 h in outages of 3 h: round(2.4) = 2 outages of 3.6 h each.
    assert down.sum() * 1800 == pytest.approx(0.1 * 3 * 86_400)
    assert per_month == 24  # 10% of 30 days in 3-hour outages
    changed, extra, _ = with_outages(r, "voice")
    forecast = r.drivers.channels["voice"].forecast
    assert extra == pytest.approx(0.4 * (forecast * down).sum())
    np.testing.assert_allclose(
        changed.table.channels["voice"].offered,
        r.table.channels["voice"].offered + 0.4 * forecast * down,
    )


def test_outage_risk_and_the_checks_demand_drivers_section():
    from scenarios.output.report import render_html
    from scenarios.verdict import verdict

    r = plan(_with_bot(uptime=0.9))
    v = verdict(r, sections=("drivers",), replications=8, seed=3)
    o = v.drivers.outages["voice"]
    # 7.2 h of 40% more calls at the busiest hours: the SL drops, same staffing and seeds.
    assert o.kpi_with < o.kpi_without
    assert o.p_breach_without <= o.p_breach_with
    data = v.to_dict()["demand_drivers"]
    assert data["contacts"]["voice"]["deflected"] == pytest.approx(0.4 * 3 * 4800)
    assert "Demand drivers" in render_html(v)
    assert plan(_with_bot(uptime=1.0)).drivers is not None
    no_bot = verdict(plan(_with_bot(uptime=1.0)), sections=("drivers",), replications=2)
    assert no_bot.drivers.outages == {}


def test_callbacks_planned_as_one_queue_agree_with_the_simulator():
    from simulator import replicate

    s = _stationary(
        patience={"kind": "exponential", "mean_s": 120},
        callback={"share": 0.2, "deadline_s": 3600},
    )
    r = plan(s)
    voice = r.channels["voice"]
    config = simulation_config(r)
    assert [c.name for c in config.channels] == ["voice", "voice (callbacks)"]
    assert config.pools[0].channels == ("voice", "voice (callbacks)")  # callers first
    reps = replicate(config, 10, seed=3)
    sl = reps.estimate("service_level", channel="voice")
    abandon = reps.estimate("abandon_rate", channel="voice")  # of the callers who queue
    assert sl.low <= float(np.mean(voice.service_level)) <= sl.high
    assert abandon.low <= float(np.mean(voice.p_abandon)) / 0.8 <= abandon.high
    assert reps.estimate("service_level", channel="voice (callbacks)").mean > 0.99
    # No callback offer: the plain plan, with 1 / 0.8 of the abandonment.
    plain = plan(apply_overrides(s, {"channels.voice.callback": REMOVE}))
    np.testing.assert_array_equal(plain.channels["voice"].required_agents, voice.required_agents)
    np.testing.assert_allclose(plain.channels["voice"].p_abandon * 0.8, voice.p_abandon)


def test_the_busiest_day_keeps_the_repeats_carried_in_from_earlier_days():
    from scenarios.verdict import one_day, one_day_plan

    r = plan(apply_overrides(_with_bot(), {"channels.voice.fcr.repeat_delay": DAY_REPEAT}))
    day = one_day_plan(r, 2)
    np.testing.assert_array_equal(
        day.table.channels["voice"].offered, r.table.channels["voice"].offered[96:]
    )
    np.testing.assert_array_equal(
        day.channels["voice"].required_agents, r.channels["voice"].required_agents[96:]
    )
    assert day.scenario.days == 1 and day.scenario.start_date.day == 6
    alone = plan(one_day(r.scenario, 2)).table.channels["voice"].offered.sum()
    assert alone < 0.95 * day.table.channels["voice"].offered.sum()  # repeats carried in


# --- FCR repeats against the simulator's repeats -------------------------------------------

HOUR_REPEAT = {"kind": "exponential", "mean_s": 3600}


def _after_warmup_offered(reps, first_interval: int):
    """Per replication, the contacts offered from ``first_interval`` on (a pooled count, not
    an average of per-interval ratios), and their 95% t-interval over the replications."""
    from simulator.replications import t_interval

    per_interval = reps.samples("offered", channel="voice", level="interval")
    return t_interval(per_interval[:, first_interval:].sum(axis=1))


def test_planned_fcr_repeats_match_the_simulators_within_its_confidence_interval():
    from simulator import replicate

    fcr = {"rate": 0.8, "repeat_share": 0.7, "repeat_delay": HOUR_REPEAT}
    r = plan(_stationary(fcr=fcr))
    d = r.drivers.channels["voice"]
    config = simulation_config(r)
    voice = config.channels[0]
    assert voice.repeat_share == pytest.approx(0.2 * 0.7) and voice.repeat_channel == "voice"
    # The simulator makes its own repeats: planning's are not in its arrivals.
    np.testing.assert_allclose(voice.calls_per_hour, 200.0)
    # Planning starts with no repeats in flight, the simulator with its 1 h warm-up's: compare
    # from 8 h (8 delay means: planning's own deficit there is e^-(0.86 x 8) ~ 1e-3 of the
    # repeats) to the end, where both count the repeats lost past the horizon alike.
    first = 16  # 30-minute intervals
    planned = float(d.offered[first:].sum())
    assert d.repeats[first:].sum() > 0.1 * planned
    for seed in (5, 2027):  # the second is a fresh seed
        reps = replicate(config, 12, seed=seed)
        assert reps.engine == "simpy"
        sim = _after_warmup_offered(reps, first)
        assert sim.low[()] <= planned <= sim.high[()], (seed, planned, sim.mean, sim.half_width)
        # Decisive: the first contacts alone, or every unresolved contact repeating (u = 0.2
        # instead of 0.14), are outside the simulator's interval.
        first_only = float(d.forecast[first:].sum())
        all_repeat = first_only / (1.0 - 0.2)
        assert first_only < sim.low[()] and sim.high[()] < all_repeat


def test_fcr_100_percent_makes_no_repeats_in_the_simulator():
    from simulator import simulate

    r = plan(_stationary(days=1, fcr={"rate": 1.0, "repeat_delay": HOUR_REPEAT}))
    config = simulation_config(r)
    assert config.channels[0].repeat_share == 0.0
    result = simulate(config, seed=1)
    assert not result.log["repeat"].any()
    assert result.run.channels["voice"].offered[0] == len(result.log)


def test_with_opening_hours_fcr_repeats_stay_in_the_arrivals_as_planned():
    # The seed contract's phone line closes at night and on Sunday: a repeat due then would be
    # lost in the simulator, where planning moves it to the next opening. So the simulator does
    # not make repeats there; the arrivals keep planning's (less only its retrials, which the
    # simulator makes, and the callers who take a callback).
    result = plan(load_example("seed_contract"))
    voice = next(c for c in simulation_config(result).channels if c.name == "voice")
    assert voice.repeat_share == 0.0
    demand = result.table.channels["voice"]
    drivers = result.drivers.channels["voice"]
    assert drivers.repeats.sum() > 10_000  # the repeats are there to be kept
    first = np.clip(demand.offered - drivers.retrials, 0.0, None)
    rate = first * demand.calls_per_hour / np.where(demand.offered > 0, demand.offered, 1.0)
    taken = result.scenario.channel("voice").callback.share  # callers who take a callback
    np.testing.assert_allclose(voice.calls_per_hour, rate * (1 - taken), rtol=1e-12)
