"""The blended pool's Markov chain: with every agent reserved for calls it is Erlang C
(another algorithm: the project's closed form), agent time adds up, and more reserve helps
voice and costs email."""

import numpy as np
import pytest

from erlang import SLDefinition, erlang_c_kpis
from scenarios.skills.blending import blended_kpis


@pytest.mark.parametrize(
    ("calls_per_hour", "aht_s", "agents", "threshold_s"),
    [(300.0, 180.0, 19, 20.0), (200.0, 180.0, 14, 20.0), (720.0, 240.0, 55, 15.0)],
)
def test_all_agents_reserved_is_erlang_c(calls_per_hour, aht_s, agents, threshold_s):
    k = blended_kpis(calls_per_hour, aht_s, 400.0, agents, agents, threshold_s)
    e = erlang_c_kpis(np.array([calls_per_hour]), aht_s, np.array([agents]), threshold_s)
    # Two numerical methods (a solved chain and a matrix exponential vs Erlang's formula):
    # agreement to 1e-9 relative, far below any difference that matters.
    np.testing.assert_allclose(k.service_level, e.service_level_for(SLDefinition.OF_OFFERED)[0],
                               rtol=1e-9)  # fmt: skip
    np.testing.assert_allclose(k.asa_s, e.asa_s[0], rtol=1e-9)
    assert k.emails_per_hour < 1e-9


def test_reference_values_of_the_published_erlang_c_example():
    # R package ErlangC 0.1.0 README: 200 calls/h, AHT 180 s, 14 agents, 20 s -> SL 0.88835,
    # ASA 7.8359 s (published to the digits shown).
    k = blended_kpis(200.0, 180.0, 300.0, 14, 14, 20.0)
    assert abs(k.service_level - 0.88835) < 5e-6 and abs(k.asa_s - 7.83594) < 5e-5


def test_agent_time_adds_up_and_reserve_trades_email_for_voice():
    results = [blended_kpis(300.0, 180.0, 400.0, 22, r, 20.0) for r in range(0, 5)]
    for k in results:
        idle = 1.0 - k.voice_occupancy - k.email_occupancy
        assert -1e-9 <= idle <= 4 / 22 + 1e-9  # never more than the reserve idle
        # Email answered per hour = agents on email x 3600 / email AHT.
        assert abs(k.emails_per_hour - k.email_occupancy * 22 * 3600 / 400.0) < 1e-6
    sl = [k.service_level for k in results]
    email = [k.emails_per_hour for k in results]
    assert all(a < b for a, b in zip(sl, sl[1:], strict=False)), sl
    assert all(a > b for a, b in zip(email, email[1:], strict=False)), email


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((320.0, 180.0, 400.0, 15, 1, 20.0), r"offered load 16 erlangs needs more than 15 agents"),
        ((300.0, -1.0, 400.0, 19, 1, 20.0), r"`aht_s` must be a finite number > 0, got -1.0"),
        ((300.0, 180.0, 400.0, 0, 0, 20.0), r"`agents` must be a whole number >= 1, got 0"),
        ((300.0, 180.0, 400.0, 19, -1, 20.0), r"`reserve_agents` must be >= 0, got -1"),
        ((float("nan"), 180.0, 400.0, 19, 1, 20.0), r"`calls_per_hour` must be a finite"),
    ],
)
def test_bad_arguments_name_themselves(args, message):
    with pytest.raises(ValueError, match=message):
        blended_kpis(*args)


def test_a_queue_at_the_edge_of_stability_is_an_answer_not_a_hang():
    with pytest.raises(ValueError, match="too close to the 15 agents for the chain"):
        blended_kpis(299.99, 180.0, 400.0, 15, 1, 20.0)


def test_the_chain_agrees_with_the_simulator_within_its_confidence_interval():
    """The simulator's blending (``simulator.Pool.reserve_agents``) with more email than the
    pool can answer (the backlog never runs dry): voice SL and the pool's occupancy (voice plus
    email agent time) inside the 99% interval of counts pooled over replications (answered
    within 20 s / offered; busy over present agent time). Stationary: 30 minutes of warm-up,
    then 8 hours measured."""
    from scenarios.periods import pooled_ratio
    from simulator import Channel, Pool, SimConfig, exponential, replicate

    agents, reserve, hours = 22, 2, 8
    k = blended_kpis(300.0, 180.0, 400.0, agents, reserve, 20.0)
    n = hours * 4
    config = SimConfig(
        interval_s=900.0,
        channels=(
            Channel("voice", "voice", np.full(n, 300.0), exponential(180.0), None, 20.0, "team"),
            # 250 emails/h against at most 198 the team can answer: a backlog from the start.
            Channel("email", "deferred", np.full(n, 250.0), exponential(400.0), None, 1e6, "team"),
        ),
        pools=(Pool("team", np.full(n, agents), ("voice", "email"), reserve_agents=reserve),),
        warmup_s=1800.0,
    )
    reps = replicate(config, 8, seed=21)
    within = reps.samples("answered_within", channel="voice")
    offered = reps.samples("offered", channel="voice")
    sl, half = pooled_ratio(within[:, None], offered[:, None], 0.99)
    assert abs(sl[0] - k.service_level) <= half[0], (sl[0], half[0], k.service_level)
    # Emails are counted by arrival (a backlog's answers arrived earlier): compare the agent
    # time instead, busy over present in the pool = voice + email occupancy.
    busy = reps.samples("mean_busy", pool="team")
    present = reps.samples("mean_agents", pool="team")
    occupancy, half = pooled_ratio(busy[:, None], present[:, None], 0.99)
    expected = k.voice_occupancy + k.email_occupancy
    assert abs(occupancy[0] - expected) <= half[0], (occupancy[0], half[0], expected)
