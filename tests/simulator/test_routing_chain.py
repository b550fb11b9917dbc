"""Multi-skill routing in the SimPy engine against exact Markov chains (``routing_chain.py``).

Two-skill designs with exponential handle times (per channel), exponential patience and
Poisson arrivals, simulated stationary (constant rates, a warm-up) and compared KPI by KPI
with the chain solved exactly: every KPI of the chain must lie inside the simulator's 99%
interval (ratio estimator pooled over replications, ``scenarios.periods.pooled_ratio``), and
each interval must be narrow enough to be decisive: a chain with one routing rule changed
falls outside it (``test_a_wrong_rule_falls_outside``). Seeds are fixed, so each test is
deterministic; the assertions are intervals, not pinned numbers.

- N design: channel "c1" served by specialists A (primary) and generalists B; "c2" only by B,
  which takes "c2" first.
- W design: specialists A ("c1") and B ("c2"), and generalists G taking both, "c1" first.

Overflow after a delay (``after_s`` > 0) is not Markovian (a deterministic delay), so it is
checked by its rule (no contact answered by the overflow pool waited less than ``after_s``),
by its limits (``after_s`` beyond every wait gives the separate queues contact for contact;
``after_s`` 0 is the chain) and by monotony in between (``test_routing_rules.py``).
"""

import numpy as np
import pytest

from scenarios.periods import pooled_ratio
from simulator import Channel, Pool, SimConfig, exponential, replicate

from .routing_chain import ChainChannel, ChainPool, RoutingChain

HOUR_S = 3600.0
HOURS = 36  # per replication, after a one-hour warm-up
THRESHOLD_S = 20.0


def _channel(name, calls_per_hour, aht_s, patience_s, pool, kind="voice"):
    patience = None if patience_s is None else exponential(patience_s)
    return Channel(
        name,
        kind,
        np.full(HOURS, float(calls_per_hour)),
        exponential(aht_s),
        patience,
        THRESHOLD_S,
        pool,
    )


def _pool(name, agents, channels, **kw):
    return Pool(name, np.full(HOURS, agents), channels, **kw)


# (calls/h, AHT s, patience s) per channel.
C1, C2 = (100.0, 180.0, 150.0), (45.0, 300.0, 240.0)


def n_design(b_channels=("c2", "c1")):
    config = SimConfig(
        HOUR_S,
        [_channel("c1", *C1, "A"), _channel("c2", *C2, "B")],
        [_pool("A", 5, ("c1",)), _pool("B", 4, b_channels)],
        warmup_s=HOUR_S,
    )
    b = tuple(0 if name == "c1" else 1 for name in b_channels)
    chain = RoutingChain(
        [_chain_channel(C1, 0), _chain_channel(C2, 1)],
        [ChainPool(5, (0,)), ChainPool(4, b)],
        queue_cap=30,
    )
    return config, chain


def w_design():
    config = SimConfig(
        HOUR_S,
        [_channel("c1", *C1, "A"), _channel("c2", *C2, "B")],
        [_pool("A", 4, ("c1",)), _pool("B", 3, ("c2",)), _pool("G", 3, ("c1", "c2"))],
        warmup_s=HOUR_S,
    )
    chain = RoutingChain(
        [_chain_channel(C1, 0), _chain_channel(C2, 1)],
        [ChainPool(4, (0,)), ChainPool(3, (1,)), ChainPool(3, (0, 1))],
        queue_cap=30,
    )
    return config, chain


def _chain_channel(params, primary, deferred=False):
    calls_per_hour, aht_s, patience_s = params
    return ChainChannel(calls_per_hour / HOUR_S, aht_s, patience_s, primary, deferred)


def pooled_kpis(reps, config, confidence=0.99):
    """Per channel (SL of offered, abandon share, ASA) and per pool (occupancy): pooled over
    the replications, ``(estimate, half-width)``."""
    out = {}
    for ch in config.channels:
        runs = [r.run.channels[ch.name] for r in reps.runs]
        offered = [k.offered[0] for k in runs]
        answered = [k.answered[0] for k in runs]
        for kpi, num, den in (
            ("service_level", [k.answered_within[0] for k in runs], offered),
            ("abandon_rate", [k.abandoned[0] for k in runs], offered),
            ("asa_s", [k.asa_s[0] * k.answered[0] for k in runs], answered),
        ):
            value, half = pooled_ratio(np.array(num)[:, None], np.array(den)[:, None], confidence)
            out[ch.name, kpi] = (float(value[0]), float(half[0]))
    for pool in config.pools:
        runs = [r.run.pools[pool.name] for r in reps.runs]
        value, half = pooled_ratio(
            np.array([[k.mean_busy[0]] for k in runs]),
            np.array([[k.mean_agents[0]] for k in runs]),
            confidence,
        )
        out[pool.name, "occupancy"] = (float(value[0]), float(half[0]))
    return out


def chain_kpis(chain, config, solved=None):
    """The chain's KPIs, keyed as ``pooled_kpis`` (solved at ``THRESHOLD_S`` unless given)."""
    if solved is None:
        solved = chain.solve([THRESHOLD_S] * len(config.channels))
    assert solved.mass_at_cap < 1e-9, "queue cap too low for an exact chain"
    out = {}
    for ch, res in zip(config.channels, solved.channels, strict=True):
        out[ch.name, "service_level"] = res.answered_within
        out[ch.name, "abandon_rate"] = res.abandoned
        out[ch.name, "asa_s"] = res.asa_s
    for pool, occ in zip(config.pools, solved.occupancy, strict=True):
        out[pool.name, "occupancy"] = occ
    return out


def outside(sim, exact):
    """The KPIs whose exact value lies outside the simulator's interval."""
    return {
        key: (exact[key], value, half)
        for key, (value, half) in sim.items()
        if abs(exact[key] - value) > half
    }


REPLICATIONS = 40


@pytest.fixture(scope="module")
def n_run():
    config, chain = n_design()
    return config, chain, replicate(config, REPLICATIONS, seed=20261201, engine="simpy")


@pytest.fixture(scope="module")
def w_run():
    config, chain = w_design()
    return config, chain, replicate(config, REPLICATIONS, seed=20261202, engine="simpy")


@pytest.mark.parametrize("design", ["n_run", "w_run"])
def test_simulator_agrees_with_the_exact_chain(design, request):
    config, chain, reps = request.getfixturevalue(design)
    sim, exact = pooled_kpis(reps, config), chain_kpis(chain, config)
    assert not outside(sim, exact), outside(sim, exact)
    # Decisive: the intervals are narrow (shares within 0.02, ASA within 15%).
    for (_, kpi), (value, half) in sim.items():
        assert half < (0.15 * value if kpi == "asa_s" else 0.02), (kpi, value, half)


def test_a_wrong_rule_falls_outside(n_run, w_run):
    """The same intervals reject chains with one rule changed: N design with B taking "c1"
    first instead of "c2"; W design without the generalists helping "c1" (separate queues)."""
    config, _, reps = n_run
    _, swapped = n_design(b_channels=("c1", "c2"))
    assert outside(pooled_kpis(reps, config), chain_kpis(swapped, config))
    config, _, reps = w_run
    unshared = RoutingChain(
        [_chain_channel(C1, 0), _chain_channel(C2, 1)],
        [ChainPool(4, (0,)), ChainPool(3, (1,)), ChainPool(3, (1,))],
        queue_cap=30,
    )
    assert outside(pooled_kpis(reps, config), chain_kpis(unshared, config))


# Blending: voice (40/h, AHT 240 s, patience 120 s) and email (15/h, AHT 300 s, deferred) on one
# pool of 5 keeping 1 agent in reserve: email only when 2 or more agents are idle.
VOICE, EMAIL = (40.0, 240.0, 120.0), (15.0, 300.0, None)
EMAIL_THRESHOLD_S = 300.0


def blend_design(reserve_agents=1):
    config = SimConfig(
        HOUR_S,
        [
            _channel("voice", *VOICE, "P"),
            Channel(
                "email",
                "deferred",
                np.full(HOURS, EMAIL[0]),
                exponential(EMAIL[1]),
                None,
                EMAIL_THRESHOLD_S,
                "P",
            ),
        ],
        [_pool("P", 5, ("email", "voice"), reserve_agents=reserve_agents)],
        warmup_s=HOUR_S,
    )
    chain = RoutingChain(
        [_chain_channel(VOICE, 0), _chain_channel(EMAIL, 0, deferred=True)],
        [ChainPool(5, (1, 0), reserve=reserve_agents)],
        queue_cap=(25, 120),
    )
    return config, chain


def test_blending_agrees_with_the_reserve_chain():
    """Email listed first, yet with a reserve voice comes first and email waits for two idle
    agents: every KPI inside the 99% interval, and the chain without the reserve outside."""
    config, chain = blend_design()
    reps = replicate(config, 60, seed=20261203, engine="simpy")
    sim = pooled_kpis(reps, config)
    solved = chain.solve([THRESHOLD_S, EMAIL_THRESHOLD_S])
    exact = chain_kpis(chain, config, solved)
    assert not outside(sim, exact), outside(sim, exact)
    for (_, kpi), (value, half) in sim.items():
        assert half < (0.15 * value if kpi == "asa_s" else 0.02), (kpi, value, half)
    _, no_reserve = blend_design(reserve_agents=0)
    assert outside(sim, chain_kpis(no_reserve, config, no_reserve.solve([THRESHOLD_S] * 2)))


@pytest.mark.parametrize(
    ("calls_per_hour", "aht_s", "email_aht_s", "agents", "reserve_agents"),
    [(40.0, 240.0, 300.0, 4, 1), (50.0, 180.0, 400.0, 4, 2), (30.0, 300.0, 200.0, 5, 0)],
)
def test_planning_blend_helper_is_the_reserve_chain(
    calls_per_hour, aht_s, email_aht_s, agents, reserve_agents
):
    """``scenarios.skills.blending.blended_kpis`` (planning: voice without abandonment, an
    email backlog that never runs dry) against this chain with email arriving 1,000 times
    faster than the pool can answer it (the backlog empty with probability < 1e-9): two
    independent solutions of one model."""
    from scenarios.skills.blending import blended_kpis

    plan = blended_kpis(calls_per_hour, aht_s, email_aht_s, agents, reserve_agents, 20.0)
    email_per_s = 1000.0 * agents / email_aht_s
    chain = RoutingChain(
        [
            ChainChannel(calls_per_hour / HOUR_S, aht_s, None, 0),
            ChainChannel(email_per_s, email_aht_s, None, 0, deferred=True),
        ],
        [ChainPool(agents, (0, 1), reserve=reserve_agents)],
        queue_cap=(80, 3),
    )
    solved = chain.solve([20.0, 1.0])
    voice = solved.channels[0]
    assert voice.answered_within == pytest.approx(plan.service_level, abs=1e-7)
    assert 1.0 - voice.at_once == pytest.approx(plan.p_wait, abs=1e-7)
    assert voice.asa_s == pytest.approx(plan.asa_s, rel=1e-6)
    busy = plan.voice_occupancy + plan.email_occupancy
    assert solved.occupancy[0] == pytest.approx(busy, abs=1e-6)
