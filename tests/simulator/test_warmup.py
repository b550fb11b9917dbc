"""Prefix-stable contacts and the warm-up of 24/7 horizons."""

import numpy as np
import pytest

from erlang import erlang_c_kpis
from simulator import Channel, Pool, SimConfig, exponential, lognormal, replicate, simulate
from simulator.arrivals import draw_contacts
from simulator.run import spawn_streams

INTERVAL_S = 900.0


def two_channels(n, **kw):
    """Voice and chat over ``n`` 15-minute intervals, with every kind of forecast error and
    per-interval scales (so every random stream is used)."""
    hour = np.arange(n) % 96 / 4.0
    rate = 200.0 + 150.0 * np.sin(hour / 24.0 * 2 * np.pi) ** 2
    voice = Channel(
        "voice", "voice", rate, lognormal(300, 0.8), exponential(120), 20.0, "v",
        aht_scale=1.0 + 0.1 * (hour > 12), patience_scale=1.0 + 0.2 * (hour < 6),
    )  # fmt: skip
    chat = Channel("chat", "chat", rate / 2, exponential(600), exponential(300), 60.0, "c",
                   concurrency=2)  # fmt: skip
    pools = [Pool("v", np.full(n, 28), ("voice",)), Pool("c", np.full(n, 12), ("chat",))]
    return SimConfig(
        INTERVAL_S, [voice, chat], pools,
        day_volume_cv=0.1, interval_volume_cv=0.05, day_aht_cv=0.05, **kw,
    )  # fmt: skip


@pytest.mark.parametrize("longer", [101, 150, 250])
def test_extending_the_horizon_changes_no_contact_of_the_first_intervals(longer):
    n = 100  # crosses a day boundary (96 intervals a day)
    short = draw_contacts(two_channels(n), spawn_streams(5, 2))
    long = draw_contacts(two_channels(longer), spawn_streams(5, 2))
    first = long.arrived_at_s < n * INTERVAL_S
    assert first.sum() == short.arrived_at_s.size > 1000
    for name in ("arrived_at_s", "channel", "handle_s", "patience_s"):
        np.testing.assert_array_equal(getattr(long, name)[first], getattr(short, name), name)
    assert (~first).any()  # the longer horizon has contacts of its own


def test_warm_up_contacts_are_simulated_but_not_counted():
    cold = simulate(two_channels(8), seed=3)
    warm = simulate(two_channels(8, warmup_s=3600.0), seed=3)
    # The horizon's contacts are the same (the warm-up has its own streams) ...
    np.testing.assert_array_equal(warm.log["arrived_at_s"], cold.log["arrived_at_s"])
    assert warm.log["arrived_at_s"].min() >= 0.0
    for name in ("voice", "chat"):
        assert warm.run.channels[name].offered[0] == np.sum(warm.log["channel"] == (name == "chat"))
    # ... but they find agents busy with the warm-up's contacts
    assert (warm.log["wait_s"] >= 0).all()
    assert warm.intervals.pools["v"].mean_busy[0] > cold.intervals.pools["v"].mean_busy[0]
    # agent time starts at 0: present agents in interval 0 are the schedule's, not more
    assert warm.intervals.pools["v"].mean_agents[0] == pytest.approx(28.0)


def test_warm_up_must_be_a_finite_duration():
    for bad in (-1.0, np.inf, np.nan):
        with pytest.raises(ValueError, match="warmup_s"):
            two_channels(4, warmup_s=bad)


def pooled_service_level(reps, channel):
    """Answered within threshold / offered, pooled over the replications, and the standard
    error of that ratio from the spread of the replications (delta method)."""
    offered = reps.samples("offered", channel=channel)
    within = reps.samples("answered_within", channel=channel)
    sl = within.sum() / offered.sum()
    se = np.sqrt(np.var(within - sl * offered, ddof=1) / offered.size) / offered.mean()
    return sl, se


@pytest.mark.slow
def test_warm_up_removes_the_empty_start_bias_of_a_24_7_queue():
    # M/M/105, 100 erlangs, 2 hours, 200 replications: started empty the service level is
    # far above Erlang C's steady state; after a 1-hour warm-up (12 AHT) it agrees.
    aht_s, agents, n = 300.0, 105, 8
    cph = 100.0 * 3600.0 / aht_s
    theory = float(erlang_c_kpis(cph, aht_s, agents, 20.0).service_level)

    def run(warmup_s):
        ch = Channel("v", "voice", np.full(n, cph), exponential(aht_s), None, 20.0, "p")
        pool = Pool("p", np.full(n, agents), ("v",))
        config = SimConfig(INTERVAL_S, [ch], [pool], warmup_s=warmup_s)
        return pooled_service_level(replicate(config, 200, seed=7), "v")

    sl, se = run(3600.0)
    assert abs(sl - theory) < 2.576 * se, (sl, se, theory)  # 99% confidence
    cold, cold_se = run(0.0)
    assert cold - theory > 2.576 * cold_se, (cold, cold_se, theory)  # the bias it removes
