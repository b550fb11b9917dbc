"""Routing rules of the SimPy engine that the exact chains cannot reach: without routing the
contacts are those of before; overflow after a delay (not Markovian) by its rule, its limits and
its monotony; full cross-training against Erlang A; chat served by several pools."""

import hashlib

import numpy as np

from erlang import erlang_a_kpis
from scenarios.periods import pooled_ratio
from simulator import Channel, Pool, SimConfig, exponential, lognormal, replicate, simulate
from simulator.kpis import ANSWERED

HOUR_S = 3600.0


def _unrouted():
    """Voice with retrials and repeats, chat with concurrency, deferred mail with opening
    hours, on two pools (one per channel group), with a schedule that drops and a warm-up."""
    n = 16
    open_ = np.arange(n) % 8 < 6
    voice = Channel(
        "voice",
        "voice",
        np.full(n, 150.0),
        lognormal(240, 0.8),
        exponential(90),
        20,
        "front",
        retrial_share=0.4,
        retrial_delay=exponential(300),
        repeat_share=0.1,
        repeat_delay=exponential(1800),
    )
    chat = Channel(
        "chat",
        "chat",
        np.full(n, 60.0),
        lognormal(400, 0.6),
        exponential(200),
        60,
        "back",
        concurrency=3,
        concurrency_stretch=0.2,
    )
    mail = Channel(
        "mail",
        "deferred",
        np.full(n, 30.0),
        exponential(600),
        None,
        4 * 3600,
        "back",
        open_intervals=open_,
    )
    pools = [
        Pool("front", np.where(open_, 10, 3), ("voice",)),
        Pool("back", np.where(open_, 6, 2), ("chat", "mail")),
    ]
    return SimConfig(1800, [voice, chat, mail], pools, warmup_s=1800)


def test_one_pool_per_channel_gives_the_contacts_of_before():
    """Regression: the digest of every contact's fate (arrival, channel, outcome, wait, handle
    time, retrial, repeat, interval) and of the pools' occupancy, as the engine gave it before
    routing (commit f3ebeac, SimPy engine, seed 2026; agent ids excluded, as longest-idle-first
    renumbers them). A routing change that moved one contact changes it."""
    result = simulate(_unrouted(), seed=2026, engine="simpy")
    digest = hashlib.sha256()
    for name in ("arrived_at_s", "channel", "outcome", "wait_s", "handle_s"):
        digest.update(np.ascontiguousarray(result.log[name]).tobytes())
    for name in ("retrial", "repeat", "interval"):
        digest.update(np.ascontiguousarray(result.log[name]).tobytes())
    for pool in result.run.pools.values():
        digest.update(np.asarray(pool.occupancy).tobytes())
    assert (len(result.log), digest.hexdigest()[:16]) == (2189, "ab04f1173e5ab412")
    answered = result.log["outcome"] == ANSWERED
    pools = np.array([0, 1, 1])[result.log["channel"]]
    np.testing.assert_array_equal(result.log["pool"], np.where(answered, pools, -1))


def _overflow(after_s, hours=8, agents_b=4):
    """Voice "c1" on A, helped by B after ``after_s``; "c2" on B only."""
    c1 = Channel("c1", "voice", np.full(hours, 120.0), exponential(180), exponential(150), 20, "A")
    c2 = Channel("c2", "voice", np.full(hours, 40.0), exponential(300), exponential(240), 20, "B")
    b = Pool("B", np.full(hours, agents_b), ("c2", "c1"), after_s=(0.0, after_s))
    return SimConfig(HOUR_S, [c1, c2], [Pool("A", np.full(hours, 5), ("c1",)), b], warmup_s=HOUR_S)


def test_overflow_waits_its_delay():
    log = simulate(_overflow(45.0), seed=3, engine="simpy").log
    helped = (log["channel"] == 0) & (log["pool"] == 1)
    assert helped.sum() > 50
    assert log["wait_s"][helped].min() >= 45.0 - 1e-6
    # ... and B helps at the delay, not later, when it has an idle agent then: some wait
    # exactly the delay.
    assert np.sum(np.abs(log["wait_s"][helped] - 45.0) < 1e-6) > 10
    assert np.all(log["pool"][(log["channel"] == 1) & (log["outcome"] == ANSWERED)] == 1)


def test_overflow_beyond_every_wait_is_separate_queues():
    """After_s longer than the horizon: B never helps, contact for contact."""
    late = simulate(_overflow(1e7), seed=4, engine="simpy").log
    hours = 8
    c1, c2 = _overflow(0.0).channels
    separate = SimConfig(
        HOUR_S,
        [c1, c2],
        [Pool("A", np.full(hours, 5), ("c1",)), Pool("B", np.full(hours, 4), ("c2",))],
        warmup_s=HOUR_S,
    )
    assert late.tobytes() == simulate(separate, seed=4, engine="simpy").log.tobytes()


def test_service_level_falls_as_the_overflow_delay_grows():
    """Common random numbers, pooled over replications: "c1" is answered within 20 s less
    often, and "c2" more often, as B helps later (0 s: the chain's design, 1e7 s: separate)."""
    sl = {}
    for after_s in (0.0, 10.0, 60.0, 1e7):
        reps = replicate(_overflow(after_s), 8, seed=11, engine="simpy")
        for name in ("c1", "c2"):
            runs = [r.run.channels[name] for r in reps.runs]
            sl[name, after_s] = sum(k.answered_within[0] for k in runs) / sum(
                k.offered[0] for k in runs
            )
    c1 = [sl["c1", a] for a in (0.0, 10.0, 60.0, 1e7)]
    c2 = [sl["c2", a] for a in (0.0, 10.0, 60.0, 1e7)]
    assert c1 == sorted(c1, reverse=True) and c1[0] - c1[-1] > 0.1, c1
    assert c2 == sorted(c2) and c2[-1] - c2[0] > 0.03, c2


def _pooled(reps, name, kpi, den="offered", confidence=0.99):
    runs = [r.run.channels[name] for r in reps.runs]
    num = np.array([[getattr(k, kpi)[0]] for k in runs])
    value, half = pooled_ratio(num, np.array([[getattr(k, den)[0]] for k in runs]), confidence)
    return float(value[0]), float(half[0])


def test_one_channel_on_two_pools_is_one_erlang_a_queue():
    """Full cross-training, one channel: a primary pool of 6 and a second of 5 taking it at
    once are one M/M/11+M queue; every KPI against Erlang A within the 99% interval."""
    hours = 36
    ch = Channel("c", "voice", np.full(hours, 180.0), exponential(200), exponential(120), 20, "A")
    pools = [Pool("A", np.full(hours, 6), ("c",)), Pool("B", np.full(hours, 5), ("c",))]
    reps = replicate(SimConfig(HOUR_S, [ch], pools, warmup_s=HOUR_S), 40, seed=8, engine="simpy")
    theory = erlang_a_kpis(180.0, 200.0, 120.0, 11, 20.0)
    for kpi, num, den in (
        ("service_level", "answered_within", "offered"),
        ("p_abandon", "abandoned", "offered"),
    ):
        value, half = _pooled(reps, "c", num, den)
        assert abs(value - getattr(theory, kpi)) <= half < 0.02, (kpi, value, half)
    value, half = pooled_ratio(
        [[sum(r.run.pools[p].mean_busy[0] for p in ("A", "B"))] for r in reps.runs],
        [[sum(r.run.pools[p].mean_agents[0] for p in ("A", "B"))] for r in reps.runs],
        0.99,
    )
    assert abs(value[0] - theory.occupancy) <= half[0] < 0.02, (value, half, theory.occupancy)


def test_two_channels_fully_cross_trained_carry_one_erlang_a_load():
    """Two channels with equal handle time and patience, each pool taking both (each its own
    first): the number of contacts in the center is the M/M/10+M birth-death chain whatever
    the order, so the pooled abandonment share and the occupancy are Erlang A's."""
    hours = 24
    rates = (100.0, 80.0)
    chans = [
        Channel(n, "voice", np.full(hours, r), exponential(200), exponential(120), 20, p)
        for n, r, p in (("c1", rates[0], "A"), ("c2", rates[1], "B"))
    ]
    pools = [
        Pool("A", np.full(hours, 5), ("c1", "c2")),
        Pool("B", np.full(hours, 5), ("c2", "c1")),
    ]
    reps = replicate(SimConfig(HOUR_S, chans, pools, warmup_s=HOUR_S), 12, seed=9, engine="simpy")
    theory = erlang_a_kpis(sum(rates), 200.0, 120.0, 10, 20.0)
    runs = [r.run.channels[n] for r in reps.runs for n in ("c1", "c2")]
    abandoned = np.array([[k.abandoned[0]] for k in runs]).reshape(-1, 2).sum(axis=1)
    offered = np.array([[k.offered[0]] for k in runs]).reshape(-1, 2).sum(axis=1)
    value, half = pooled_ratio(abandoned[:, None], offered[:, None], 0.99)
    assert abs(value[0] - theory.p_abandon) <= half[0] < 0.015, (value, half, theory.p_abandon)


def test_chat_served_by_two_pools_keeps_every_agent_within_its_concurrency():
    hours = 6
    chat = Channel(
        "chat",
        "chat",
        np.full(hours, 90.0),
        exponential(400),
        exponential(200),
        60,
        "A",
        concurrency=2,
    )
    voice = Channel("v", "voice", np.full(hours, 30.0), exponential(240), exponential(90), 20, "B")
    pools = [
        Pool("A", np.full(hours, 4), ("chat",)),
        Pool("B", np.full(hours, 3), ("v", "chat"), after_s=(0.0, 30.0)),
    ]
    result = simulate(SimConfig(HOUR_S, [chat, voice], pools), seed=5, engine="simpy")
    log = result.log
    answered = log["outcome"] == ANSWERED
    start = log["arrived_at_s"] + log["wait_s"]
    for agent in np.unique(log["agent"][answered]):
        mine = answered & (log["agent"] == agent)
        events = np.concatenate([start[mine], start[mine] + log["handle_s"][mine]])
        steps = np.concatenate([np.ones(mine.sum()), -np.ones(mine.sum())])
        order = np.lexsort((steps, events))  # an end before a start at the same instant
        assert np.cumsum(steps[order]).max() <= 2, agent  # chat concurrency 2
        end = start + np.where(answered, log["handle_s"], 0.0)
        for j in np.flatnonzero(mine & (log["channel"] == 1)):  # a call is held alone
            overlap = mine & (start < end[j]) & (end > start[j])
            assert overlap.sum() == 1, (agent, j)
        assert len(set(log["pool"][mine])) == 1  # an agent belongs to one pool
    helped = answered & (log["channel"] == 0) & (log["pool"] == 1)
    assert helped.sum() > 10 and log["wait_s"][helped].min() >= 30.0 - 1e-6
    occupancy = [result.run.pools[p].occupancy[0] for p in ("A", "B")]
    assert all(0 < o <= 1 for o in occupancy)
