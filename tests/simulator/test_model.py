"""Mechanics of the model: schedules, opening hours, priorities, chat, retrials, seeds, errors."""

import numpy as np
import pytest

from simulator import (
    CONTACT_DTYPE,
    Channel,
    Pool,
    SimConfig,
    deterministic,
    empirical,
    exponential,
    gamma,
    lognormal,
    make_distribution,
    replicate,
    simulate,
)
from simulator.model import ANSWERED, LOST, WAITING

HOUR_S = 3600.0
FIVE_MINUTES = exponential(300)


def one_channel(rate, agents, *, kind="voice", patience=None, aht=FIVE_MINUTES, **kw):
    rate = np.asarray(rate, dtype=float)
    ch = Channel("c", kind, rate, aht, patience, kw.pop("threshold_s", 20.0), "p", **kw)
    return SimConfig(HOUR_S, [ch], [Pool("p", np.asarray(agents), ("c",))])


def test_log_is_a_structured_array_with_one_row_per_contact():
    r = simulate(one_channel([100.0] * 4, [10] * 4, patience=exponential(60)), seed=1)
    assert r.log.dtype == CONTACT_DTYPE
    assert np.all(np.diff(r.log["arrived_at_s"]) >= 0)
    answered = r.log["outcome"] == ANSWERED
    assert np.all(r.log["agent"][answered] >= 0) and np.all(np.isnan(r.log["handle_s"][~answered]))
    k = r.run.channels["c"]
    assert k.offered[0] == len(r.log) == k.answered[0] + k.abandoned[0] + k.waiting[0]


def test_same_seed_same_numbers_and_different_seed_different_numbers():
    cfg = one_channel([200.0] * 6, [12] * 6, patience=lognormal(90, 1.2))
    a, b, c = simulate(cfg, seed=42), simulate(cfg, seed=42), simulate(cfg, seed=43)
    assert a.log.tobytes() == b.log.tobytes()
    assert len(a.log) != len(c.log) or not np.array_equal(a.log["wait_s"], c.log["wait_s"])


def test_a_seed_sequence_given_twice_gives_the_same_contacts_and_is_not_changed():
    cfg = one_channel([200.0] * 6, [12] * 6, patience=lognormal(90, 1.2))
    seq = np.random.SeedSequence(2024)
    a, b = simulate(cfg, seed=seq), simulate(cfg, seed=seq)
    assert seq.n_children_spawned == 0
    assert a.log.tobytes() == b.log.tobytes()
    # the same numbers as the integer seed the sequence was made from
    assert a.log.tobytes() == simulate(cfg, seed=2024).log.tobytes()
    first, second = replicate(cfg, 2, seed=seq), replicate(cfg, 2, seed=seq)
    assert seq.n_children_spawned == 0
    for x, y in zip(first.runs, second.runs, strict=True):
        assert x.run.channels["c"].offered[0] == y.run.channels["c"].offered[0]
        assert x.run.channels["c"].service_level[0] == y.run.channels["c"].service_level[0]


def test_two_staffing_plans_see_the_same_contacts():
    lean = simulate(one_channel([200.0] * 6, [11] * 6, patience=exponential(90)), seed=9)
    rich = simulate(one_channel([200.0] * 6, [16] * 6, patience=exponential(90)), seed=9)
    np.testing.assert_array_equal(lean.log["arrived_at_s"], rich.log["arrived_at_s"])
    assert rich.run.channels["c"].service_level[0] > lean.run.channels["c"].service_level[0]


def test_staff_drop_lets_busy_agents_finish_first():
    # 10 agents busy with 2-hour calls, then the schedule drops to 0 for an hour.
    cfg = one_channel([3600.0, 0.0, 0.0], [10, 0, 0], aht=deterministic(2 * HOUR_S))
    r = simulate(cfg, seed=2)
    answered = r.log[r.log["outcome"] == ANSWERED]
    assert len(answered) == 10  # the first ten callers, never cut off
    pool = r.intervals.pools["p"]
    # Agents stay logged in until their call ends (present time in hour 2 = busy time).
    assert pool.mean_agents[1] == pytest.approx(pool.mean_busy[1]) and pool.mean_agents[1] > 0
    assert pool.occupancy[1] == pytest.approx(1.0)


def test_staff_rise_takes_waiting_contacts_at_once():
    # No agents in hour 1; 5 arrive at the start of hour 2 and take the queue immediately.
    r = simulate(one_channel([60.0, 0.0], [0, 5], aht=deterministic(10.0)), seed=4)
    log = r.log
    started = log["arrived_at_s"] + log["wait_s"]
    first = np.sort(started[log["outcome"] == ANSWERED])[:5]
    np.testing.assert_allclose(first, HOUR_S)


def test_voice_outside_opening_hours_is_lost_and_email_waits_for_opening():
    open_hours = np.array([False, True, True])
    voice = Channel(
        "v",
        "voice",
        [100.0, 100.0, 100.0],
        exponential(60),
        None,
        20,
        "p",
        open_intervals=open_hours,
    )
    email = Channel(
        "e",
        "deferred",
        [50.0, 0.0, 0.0],
        exponential(60),
        None,
        4 * HOUR_S,
        "p",
        open_intervals=open_hours,
    )
    cfg = SimConfig(HOUR_S, [voice, email], [Pool("p", [10, 10, 10], ("v", "e"))])
    r = simulate(cfg, seed=8)
    v = r.log[r.log["channel"] == 0]
    e = r.log[r.log["channel"] == 1]
    assert np.all(v["outcome"][v["arrived_at_s"] < HOUR_S] == LOST)
    assert r.intervals.channels["v"].lost[0] > 50 and r.intervals.channels["v"].offered[0] == 0
    assert np.all(e["outcome"] == ANSWERED)
    starts = e["arrived_at_s"] + e["wait_s"]
    assert np.all(starts >= HOUR_S)  # nobody answered the night's email before opening
    assert r.intervals.channels["e"].backlog_at_end[0] == len(e)


def test_deferred_backlog_is_conserved_and_carried_over():
    # 3 days of 15-minute intervals: email all day, agents only 9:00-17:00.
    n = 3 * 96
    hour = (np.arange(n) % 96) / 4
    agents = np.where((hour >= 9) & (hour < 17), 8, 0)  # 8 x 15/h x 8 h > 30/h x 24 h
    ch = Channel("mail", "deferred", np.full(n, 30.0), lognormal(240, 0.7), None, 4 * HOUR_S, "p")
    r = simulate(SimConfig(900, [ch], [Pool("p", agents, ("mail",))]), seed=12)
    k = r.run.channels["mail"]
    assert k.offered[0] == k.answered[0] + k.waiting[0] and k.abandoned[0] == 0
    assert k.waiting[0] == k.backlog_at_end[0]
    per_interval = r.intervals.channels["mail"]
    assert per_interval.backlog_at_end[9 * 4 - 1] > 0  # mail waiting at 9:00 on day 1
    # Mail from just after midnight is answered after 9:00 (more than 4 hours: missed); mail
    # arriving in the afternoon is answered within the 4-hour target.
    assert per_interval.service_level[0] == 0.0 and per_interval.service_level[14 * 4] > 0.9


def test_voice_has_priority_over_email_in_a_shared_pool():
    voice = Channel("v", "voice", [300.0] * 4, exponential(60), exponential(120), 20, "p")
    email = Channel("e", "deferred", [300.0] * 4, exponential(60), None, HOUR_S, "p")
    first = SimConfig(HOUR_S, [voice, email], [Pool("p", [6] * 4, ("v", "e"))])
    last = SimConfig(HOUR_S, [voice, email], [Pool("p", [6] * 4, ("e", "v"))])
    a, b = simulate(first, seed=3).run.channels, simulate(last, seed=3).run.channels
    assert a["v"].asa_s[0] < b["v"].asa_s[0] and a["e"].asa_s[0] > b["e"].asa_s[0]


def test_chat_concurrency_serves_several_chats_per_agent_and_stretches_them():
    def run(concurrency, stretch):
        ch = Channel(
            "chat",
            "chat",
            [120.0] * 8,
            deterministic(300),
            None,
            60,
            "p",
            concurrency=concurrency,
            concurrency_stretch=stretch,
        )
        return simulate(SimConfig(HOUR_S, [ch], [Pool("p", [6] * 8, ("chat",))]), seed=1)

    single, triple, stretched = run(1, 0.0), run(3, 0.0), run(3, 0.25)
    # 10 erlangs of chat on 6 agents: overloaded one at a time, fine three at a time.
    assert single.run.channels["chat"].service_level[0] < 0.2
    assert triple.run.channels["chat"].service_level[0] > 0.95
    handle = stretched.log["handle_s"][stretched.log["outcome"] == ANSWERED]
    assert set(np.round(np.unique(handle), 6)) <= {300.0, 375.0, 450.0} and handle.max() == 450.0
    assert triple.run.pools["p"].occupancy[0] == pytest.approx(10 / 18, rel=0.1)


def test_retrials_inflate_later_volume():
    base = dict(patience=exponential(30), aht=exponential(300))
    plain = simulate(one_channel([400.0] * 4, [20] * 4, **base), seed=6)
    again = simulate(
        one_channel(
            [400.0] * 4, [20] * 4, retrial_share=0.5, retrial_delay=exponential(300), **base
        ),
        seed=6,
    )
    assert again.log["retrial"].sum() > 0 and plain.log["retrial"].sum() == 0
    assert len(again.log) > len(plain.log)
    retried = again.log[again.log["retrial"]]
    assert np.all(retried["arrived_at_s"] > 0)


def test_censored_contacts_still_waiting_at_the_end_are_reported():
    r = simulate(one_channel([500.0], [1]), seed=1)
    waiting = r.log[r.log["outcome"] == WAITING]
    assert len(waiting) > 0
    np.testing.assert_allclose(waiting["wait_s"], HOUR_S - waiting["arrived_at_s"])


@pytest.mark.parametrize(
    ("dist", "mean", "cv"),
    [
        (exponential(200), 200, 1.0),
        (lognormal(200, 0.6), 200, 0.6),
        (gamma(200, 1.5), 200, 1.5),
        (deterministic(200), 200, 0.0),
        (empirical([100, 200, 300]), 200, np.sqrt(2 / 3) / 2),
    ],
)
def test_distributions_have_the_stated_mean_and_cv(dist, mean, cv):
    x = dist.sample(np.random.default_rng(0), 400_000)
    assert x.mean() == pytest.approx(mean, rel=0.01)
    assert x.std() / x.mean() == pytest.approx(cv, abs=0.02)


def test_forecast_error_spreads_daily_volumes():
    n = 20 * 24
    ch = Channel("c", "voice", np.full(n, 100.0), exponential(60), None, 20, "p")
    pool = Pool("p", np.full(n, 5), ("c",))
    steady = simulate(SimConfig(HOUR_S, [ch], [pool]), seed=2).days.channels["c"].offered
    noisy = simulate(SimConfig(HOUR_S, [ch], [pool], day_volume_cv=0.2), seed=2)
    noisy = noisy.days.channels["c"].offered
    # Poisson alone: CV = 1/sqrt(2400) ~ 0.02; a 20% day-level CV dominates.
    assert steady.std() / steady.mean() < 0.05 < 0.1 < noisy.std() / noisy.mean()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: one_channel([-1.0, 5.0], [1, 1]), r"calls_per_hour.*>= 0, got -1.0 at interval 0"),
        (lambda: one_channel([5.0, 5.0], [1]), r"`agents` covers 1 intervals, shorter than the 2"),
        (lambda: one_channel([5.0], [1], kind="chat", concurrency=0), r"`concurrency` must be"),
        (lambda: make_distribution("weibull", mean_s=3), r"unknown distribution 'weibull'"),
        (lambda: lognormal(-5, 1), r"`mean_s` must be a finite number > 0 s"),
        (lambda: one_channel([5.0], [1], kind="sms"), r"`kind` must be one of"),
        (lambda: one_channel([5.0], [1.5]), r"`agents` must be whole numbers"),
        (lambda: replicate(one_channel([5.0], [1]), 0), r"`n` \(replications\) must be"),
    ],
)
def test_bad_input_raises_before_simulating(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_per_interval_scales_set_handle_time_and_patience_by_time_of_day():
    # Deterministic handle time 100 s and patience 60 s, scaled x2 in the second hour and
    # x0.5 in the third: every contact's values are the base times its arrival hour's scale.
    scale = np.array([1.0, 2.0, 0.5])
    base = dict(aht=deterministic(100.0), patience=deterministic(60.0))
    plain = simulate(one_channel([300.0] * 3, [40] * 3, **base), seed=4)
    scaled = simulate(
        one_channel([300.0] * 3, [40] * 3, aht_scale=scale, patience_scale=scale, **base), seed=4
    )
    # Same contacts (the scales do not touch the random streams).
    np.testing.assert_array_equal(plain.log["arrived_at_s"], scaled.log["arrived_at_s"])
    hour = (scaled.log["arrived_at_s"] // HOUR_S).astype(int)
    answered = scaled.log["outcome"] == ANSWERED
    np.testing.assert_allclose(scaled.log["handle_s"][answered], 100.0 * scale[hour[answered]])
    # Nobody answers: every caller abandons after exactly the scaled patience.
    nobody = simulate(
        one_channel([300.0] * 3, [0] * 3, aht_scale=scale, patience_scale=scale, **base), seed=4
    )
    hour = (nobody.log["arrived_at_s"] // HOUR_S).astype(int)
    ends = nobody.log["arrived_at_s"] + nobody.log["wait_s"] < 3 * HOUR_S
    np.testing.assert_allclose(nobody.log["wait_s"][ends], 60.0 * scale[hour[ends]])


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"aht_scale": [1.0, 0.0, 1.0]}, "`aht_scale` must be > 0 in every interval"),
        ({"patience_scale": [1.0, 1.0, 1.0]}, "`patience_scale` needs a `patience`"),
        ({"aht_scale": [1.0, 1.0]}, "`aht_scale` is shorter than the horizon"),
    ],
)
def test_bad_scales_are_named(kw, message):
    with pytest.raises(ValueError, match=message):
        one_channel([100.0] * 3, [5] * 3, **kw)


def test_open_seconds_before_matches_a_second_by_second_count():
    from simulator.kpis import open_seconds_before

    rng = np.random.default_rng(8)
    is_open = rng.random(30) < 0.5
    interval_s = 60.0
    t = np.concatenate([rng.uniform(0, 32 * interval_s, 200), [0.0, 30 * interval_s, 1e9]])
    # independent count: open seconds on a 0.5 s grid below each instant
    grid = np.arange(0, 30 * interval_s, 0.5) + 0.25
    grid_open = is_open[(grid // interval_s).astype(int)]
    expected = np.array([0.5 * np.sum(grid_open & (grid < x)) for x in t])
    np.testing.assert_allclose(open_seconds_before(t, is_open, interval_s), expected, atol=0.5)


def test_business_hours_clock_counts_only_open_time_in_the_service_level():
    # Email open 09:00-17:00 (hourly intervals, two days). Mail arrives 16:00-17:00 on day 1;
    # nobody works until 09:00 on day 2, when ample staff answers it within the hour. On the
    # wall clock every mail waits 16-18 h; in opening hours at most 2 h.
    hours = np.arange(48)
    is_open = (hours % 24 >= 9) & (hours % 24 < 17)
    rate = np.where(hours == 16, 40.0, 0.0)
    agents = np.where(hours == 33, 50, 0)
    config = {}
    for clock in ("wall_clock", "opening_hours"):
        ch = Channel(
            "mail",
            "deferred",
            rate,
            deterministic(60.0),
            None,
            2 * HOUR_S,
            "p",
            open_intervals=is_open,
            deadline_clock=clock,
        )
        config[clock] = SimConfig(HOUR_S, [ch], [Pool("p", agents, ("mail",))])
    wall, business = (simulate(config[c], seed=3) for c in ("wall_clock", "opening_hours"))
    np.testing.assert_array_equal(wall.log, business.log)  # the same run, counted differently
    log = business.log
    assert log.size > 20 and np.all(log["outcome"] == ANSWERED)
    start, end = log["arrived_at_s"], log["arrived_at_s"] + log["wait_s"]
    open_wait = (17 * HOUR_S - start) + (
        end - 33 * HOUR_S
    )  # open time until 17:00, then from 09:00
    expected = np.mean(open_wait <= 2 * HOUR_S)
    assert business.run.channels["mail"].service_level[0] == pytest.approx(expected)
    assert expected == 1.0
    assert wall.run.channels["mail"].service_level[0] == 0.0
    assert wall.run.channels["mail"].asa_s[0] == business.run.channels["mail"].asa_s[0]


def test_business_hours_clock_needs_a_deferred_channel_with_opening_hours():
    with pytest.raises(ValueError, match="opening-hours clock is for deferred channels"):
        Channel("v", "voice", [1.0], FIVE_MINUTES, None, 20.0, "p", deadline_clock="opening_hours")
