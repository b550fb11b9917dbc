"""The compiled engine against the SimPy engine, contact by contact.

Both engines run on the same pre-drawn contacts (same seed, same streams); every contact must
get the same outcome, agent, retrial flag (exactly) and wait and handle time (to 1e-9 s), and
every KPI must agree. Configs: one per feature, tied instants at interval boundaries, and
random small configs mixing all features (voice, chat with concurrency, deferred with opening
hours and both deadline clocks, pools serving several channels by priority, schedules that
drop and rise, retrials, intraday scales, forecast error, warm-up), over many seeds.
"""

from dataclasses import fields, replace

import numpy as np
import pytest

from simulator import (
    Channel,
    Pool,
    SimConfig,
    deterministic,
    empirical,
    exponential,
    gamma,
    lognormal,
    replicate,
    simulate,
)
from simulator.arrivals import ContactStream
from simulator.compiled import _TOTALS, CompiledModel, _add_totals
from simulator.kpis import ContactTotals
from simulator.ledger import ContactLedger
from simulator.model import Model
from simulator.run import choose_engine, spawn_streams

FLOAT_TOLERANCE_S = 1e-9
HOUR_S = 3600.0


def assert_same_log(a: np.ndarray, b: np.ndarray, where: str = "") -> None:
    assert a.dtype == b.dtype and len(a) == len(b), f"{where}: {len(a)} vs {len(b)} contacts"
    for name in a.dtype.names:
        if a.dtype[name].kind == "f":
            np.testing.assert_allclose(
                a[name], b[name], rtol=0, atol=FLOAT_TOLERANCE_S, err_msg=f"{where} {name}"
            )
        else:
            np.testing.assert_array_equal(a[name], b[name], err_msg=f"{where} {name}")


def assert_same_kpis(a, b, where: str = "") -> None:
    for level in ("intervals", "days", "run"):
        pa, pb = getattr(a, level), getattr(b, level)
        for group in ("channels", "pools"):
            for name, ka in getattr(pa, group).items():
                kb = getattr(pb, group)[name]
                for f in fields(ka):
                    x, y = getattr(ka, f.name), getattr(kb, f.name)
                    msg = f"{where} {level} {name} {f.name}"
                    if isinstance(x, str):
                        assert x == y, msg
                    else:
                        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-9, err_msg=msg)


def assert_engines_agree(config: SimConfig, seed, where: str = "") -> None:
    compiled = simulate(config, seed, engine="compiled")
    reference = simulate(config, seed, engine="simpy")
    assert (compiled.engine, reference.engine) == ("compiled", "simpy")
    assert_same_log(compiled.log, reference.log, where)
    assert_same_kpis(compiled, reference, where)


def voice(rate, agents, *, interval_s=900.0, **kw):
    kw.setdefault("patience", exponential(120))
    ch = Channel(
        "v", "voice", rate, kw.pop("aht", lognormal(240, 0.9)), kw.pop("patience"), 20, "p", **kw
    )
    return SimConfig(interval_s, [ch], [Pool("p", agents, ("v",))])


def staggered(n: int, low: int, high: int) -> np.ndarray:
    """A schedule that drops and rises: high, low, high, ..."""
    return np.where(np.arange(n) % 3 == 1, low, high)


FEATURES = {
    "voice_abandonment_and_schedule_changes": voice(np.full(8, 300.0), staggered(8, 12, 22)),
    "voice_without_patience": voice(np.full(6, 250.0), staggered(6, 14, 24), patience=None),
    "voice_retrials": voice(
        np.full(8, 380.0),
        staggered(8, 14, 26),
        retrial_share=0.6,
        retrial_delay=gamma(90, 0.7),
        aht=gamma(240, 1.3),
    ),
    "intraday_scales_and_forecast_error": SimConfig(
        900.0,
        [
            Channel(
                "v",
                "voice",
                np.linspace(100, 400, 8),
                empirical([60.0, 120.0, 300.0, 420.0]),
                lognormal(90, 1.5),
                20,
                "p",
                aht_scale=np.linspace(0.7, 1.4, 8),
                patience_scale=np.linspace(1.5, 0.6, 8),
            )
        ],
        [Pool("p", np.full(8, 20), ("v",))],
        day_volume_cv=0.2,
        interval_volume_cv=0.15,
        day_aht_cv=0.1,
        warmup_s=1800.0,
    ),
    "chat_concurrency_and_drops": SimConfig(
        900.0,
        [
            Channel(
                "c",
                "chat",
                np.full(8, 420.0),
                lognormal(400, 0.6),
                exponential(150),
                60,
                "p",
                concurrency=3,
                concurrency_stretch=0.15,
                retrial_share=0.3,
                retrial_delay=exponential(60),
            )
        ],
        [Pool("p", staggered(8, 6, 14), ("c",))],
    ),
    "deferred_opening_hours_both_clocks": SimConfig(
        HOUR_S,
        [
            Channel(
                "mail",
                "deferred",
                np.full(30, 25.0),
                lognormal(300, 0.7),
                None,
                4 * HOUR_S,
                "p",
                open_intervals=(np.arange(30) % 24 >= 8) & (np.arange(30) % 24 < 18),
                deadline_clock="opening_hours",
            ),
            Channel("mail2", "deferred", np.full(30, 10.0), exponential(200), None, HOUR_S, "p"),
        ],
        [
            Pool(
                "p",
                np.where((np.arange(30) % 24 >= 9) & (np.arange(30) % 24 < 17), 5, 0),
                ("mail", "mail2"),
            )
        ],
    ),
    "pools_with_priority_and_mixed_chat_concurrency": SimConfig(
        900.0,
        [
            Channel("v", "voice", np.full(8, 200.0), exponential(200), exponential(60), 20, "a"),
            Channel(
                "c2",
                "chat",
                np.full(8, 150.0),
                exponential(300),
                exponential(120),
                60,
                "a",
                concurrency=2,
            ),
            Channel(
                "c3",
                "chat",
                np.full(8, 150.0),
                exponential(300),
                None,
                60,
                "a",
                concurrency=3,
                concurrency_stretch=0.2,
            ),
            Channel(
                "m",
                "deferred",
                np.full(8, 60.0),
                exponential(400),
                None,
                HOUR_S,
                "a",
                open_intervals=np.arange(8) >= 2,
            ),
            Channel("w", "voice", np.full(8, 100.0), deterministic(180), exponential(90), 20, "b"),
        ],
        [
            Pool("a", staggered(8, 6, 15), ("v", "c3", "c2", "m")),
            Pool("b", staggered(8, 2, 6), ("w",)),
        ],
    ),
}


def _two_voice_channels(n, c1_pool="A", c2_pool="B", **kw):
    """Two voice channels with abandonment and retrials on c1 (rates per hour)."""
    return [
        Channel(
            "c1",
            "voice",
            np.full(n, 260.0),
            kw.get("aht", lognormal(240, 0.8)),
            exponential(150),
            20,
            c1_pool,
            retrial_share=0.4,
            retrial_delay=exponential(120),
        ),
        Channel("c2", "voice", np.full(n, 130.0), exponential(300), exponential(240), 20, c2_pool),
    ]


# Multi-skill routing (``Pool``): channels listed by several pools, overflow after a wait,
# blending with a reserve. Loads put contacts in queue often, so every routing rule acts.
ROUTED = {
    "n_design_b_takes_c1_at_once": SimConfig(
        900.0,
        _two_voice_channels(8),
        [Pool("A", staggered(8, 12, 18), ("c1",)), Pool("B", np.full(8, 10), ("c2", "c1"))],
    ),
    "w_design_each_pool_takes_both_in_its_order": SimConfig(
        900.0,
        _two_voice_channels(8),
        [
            Pool("A", staggered(8, 10, 17), ("c1", "c2")),
            Pool("B", staggered(8, 8, 11), ("c2", "c1")),
        ],
    ),
    "overflow_after_a_wait_from_two_pools": SimConfig(
        900.0,
        _two_voice_channels(8),
        [
            Pool("A", staggered(8, 12, 17), ("c1",)),
            Pool("B", staggered(8, 8, 10), ("c2", "c1"), after_s=(0, 30)),
            Pool("C", np.full(8, 3), ("c1", "c2"), after_s=(60, 90)),
        ],
    ),
    "overflow_ties_deterministic_times_at_boundaries": SimConfig(
        900.0,
        [
            Channel(
                "c1", "voice", np.full(8, 200.0), deterministic(450), deterministic(450), 20, "A"
            ),
            Channel("c2", "voice", np.full(8, 60.0), deterministic(300), None, 20, "B"),
        ],
        [
            Pool("A", np.array([0, 8, 8, 3, 0, 9, 4, 6]), ("c1",)),
            Pool("B", np.array([4, 0, 3, 3, 6, 1, 2, 0]), ("c2", "c1"), after_s=(0, 300)),
        ],
    ),
    "chat_with_two_pools": SimConfig(
        900.0,
        [
            Channel(
                "c",
                "chat",
                np.full(8, 500.0),
                lognormal(400, 0.6),
                exponential(150),
                60,
                "A",
                concurrency=3,
                concurrency_stretch=0.15,
            ),
            Channel(
                "d",
                "chat",
                np.full(8, 200.0),
                exponential(300),
                exponential(200),
                60,
                "B",
                concurrency=2,
            ),
        ],
        [
            Pool("A", staggered(8, 5, 12), ("c", "d"), after_s=(0, 45)),
            Pool("B", staggered(8, 3, 6), ("d", "c")),
        ],
    ),
    "blending_with_a_reserve_and_overflow_email": SimConfig(
        900.0,
        [
            *_two_voice_channels(8),
            Channel(
                "mail",
                "deferred",
                np.full(8, 120.0),
                exponential(300),
                None,
                HOUR_S,
                "B",
                open_intervals=np.arange(8) % 4 != 1,
            ),
            Channel(
                "chat",
                "chat",
                np.full(8, 80.0),
                exponential(300),
                exponential(100),
                60,
                "B",
                concurrency=2,
            ),
        ],
        [
            Pool("A", staggered(8, 11, 16), ("c1", "mail"), after_s=(0, 600), reserve_agents=1),
            Pool("B", staggered(8, 9, 14), ("mail", "c2", "chat", "c1"), reserve_agents=2),
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(ROUTED))
def test_routing_gives_the_same_contacts_on_both_engines(name):
    config = ROUTED[name]
    assert choose_engine(config, "auto") == "compiled"
    pool_index = {p.name: j for j, p in enumerate(config.pools)}
    secondary = {  # (pool, channel) where the pool is not the channel's primary
        (pool_index[p.name], ch)
        for p in config.pools
        for ch, c in enumerate(config.channels)
        if c.name in p.channels and c.pool != p.name
    }
    answered = set()
    for seed in range(8):
        assert_engines_agree(config, seed, f"{name} seed {seed}")
        log = simulate(config, seed, engine="compiled").log
        taken = log["pool"] >= 0
        answered |= set(
            zip(log["pool"][taken].tolist(), log["channel"][taken].tolist(), strict=True)
        )
    # Not vacuous: every pool took contacts of every channel it serves as a second skill.
    assert secondary <= answered, secondary - answered


@pytest.mark.parametrize("name", sorted(FEATURES))
def test_each_feature_gives_the_same_contacts_on_both_engines(name):
    for seed in range(12):
        assert_engines_agree(FEATURES[name], seed, f"{name} seed {seed}")


def test_ties_at_interval_boundaries_and_drops_give_the_same_contacts():
    # Deterministic handle times of half an interval, agents arriving at boundaries to a
    # waiting queue and a schedule that drops to 0: service ends, starts, drops, openings and
    # patience ends fall on boundaries together, where only the event order decides.
    n = 12
    agents = np.array([0, 4, 4, 0, 6, 2, 2, 8, 0, 3, 3, 5])
    open_intervals = np.arange(n) % 4 != 3
    for patience in (deterministic(450.0), None):
        v = Channel(
            "v",
            "voice",
            np.full(n, 90.0),
            deterministic(450.0),
            patience,
            20,
            "p",
            open_intervals=open_intervals,
        )
        m = Channel(
            "m",
            "deferred",
            np.full(n, 20.0),
            deterministic(900.0),
            None,
            1800,
            "p",
            open_intervals=open_intervals,
        )
        config = SimConfig(900.0, [v, m], [Pool("p", agents, ("v", "m"))])
        for seed in range(10):
            assert_engines_agree(config, seed, f"ties seed {seed}")


def test_small_chunks_drop_contacts_the_same_way():
    # Chunks of ~40 contacts: many flushes of finished contacts in the middle of the run.
    # Routed: contacts an overflow pool took stay in their queue, finished and dropped there.
    routed = ["overflow_after_a_wait_from_two_pools", "blending_with_a_reserve_and_overflow_email"]
    for name, seed in [("deferred_opening_hours_both_clocks", s) for s in range(3)] + [
        (name, s) for name in ["voice_retrials", *routed] for s in range(3)
    ]:
        config = {**FEATURES, **ROUTED}[name]
        runs = []
        for kind in (Model, CompiledModel):
            streams = spawn_streams(seed, len(config.channels))
            stream = ContactStream(config, streams, chunk_contacts=40)
            model = kind(config, stream, streams["retrial"][0], keep_log=True)
            model.run()
            runs.append(model)
        ours, theirs = runs[1], runs[0]
        assert len(ours.ledger.log_parts) == len(theirs.ledger.log_parts) > 3
        assert_same_log(ours.ledger.log(), theirs.ledger.log(), f"chunks {name} seed {seed}")
        for area in ("busy_area_k", "staff_area_k", "q_area_k", "backlog_k"):
            np.testing.assert_array_equal(getattr(ours, area), getattr(theirs, area))


def random_config(rng: np.random.Generator, routed: bool = False) -> SimConfig:
    """A small config drawing every feature at random; if ``routed``, pools also take other
    pools' channels, at once or after a wait, and may keep a reserve for deferred work."""
    n = int(rng.integers(3, 10))
    interval_s = float(rng.choice([600.0, 900.0, 1800.0]))

    def dist():
        mean = float(rng.uniform(60, 400))
        return [
            exponential(mean),
            lognormal(mean, float(rng.uniform(0.3, 1.5))),
            gamma(mean, float(rng.uniform(0.3, 1.5))),
            deterministic(round(mean / 30) * 30.0),  # multiples of 30 s: ties
            empirical(rng.uniform(30, 500, 5)),
        ][int(rng.integers(5))]

    def maybe(p, value):
        return value if rng.random() < p else None

    n_pools = int(rng.integers(1, 3))
    channels, served = [], [[] for _ in range(n_pools)]
    for i in range(int(rng.integers(1, 5))):
        kind = str(rng.choice(["voice", "chat", "deferred"]))
        pool = int(rng.integers(n_pools))
        served[pool].append(f"c{i}")
        opening = maybe(0.4, rng.random(n) < 0.7)
        patience = None if kind == "deferred" else maybe(0.8, dist())
        retrial = patience is not None and rng.random() < 0.4
        channels.append(
            Channel(
                f"c{i}",
                kind,
                rng.uniform(0, 400, n) * (rng.random(n) < 0.9),
                dist(),
                patience,
                float(rng.choice([20.0, 60.0, 3600.0])),
                f"p{pool}",
                concurrency=int(rng.integers(1, 4)) if kind == "chat" else 1,
                concurrency_stretch=float(rng.uniform(0, 0.3)) if kind == "chat" else 0.0,
                open_intervals=opening,
                retrial_share=float(rng.uniform(0.2, 1.0)) if retrial else 0.0,
                retrial_delay=dist() if retrial else None,
                aht_scale=maybe(0.3, rng.uniform(0.5, 1.5, n)),
                patience_scale=maybe(0.3, rng.uniform(0.5, 1.5, n)) if patience else None,
                deadline_clock=(
                    "opening_hours"
                    if kind == "deferred" and opening is not None and rng.random() < 0.5
                    else "wall_clock"
                ),
            )
        )
    pools = [
        Pool(f"p{j}", rng.integers(0, 12, n), tuple(rng.permutation(names)))
        for j, names in enumerate(served)
        if names
    ]
    channels = [c for c in channels if any(c.name in p.channels for p in pools)]
    kept = {c.pool for c in channels}
    pools = [p for p in pools if p.name in kept]
    if routed:
        names = [c.name for c in channels]
        kinds = {c.name: c.kind for c in channels}
        more = []
        spare = [("extra", rng.integers(0, 6, n), ())] * (rng.random() < 0.5)  # overflow only
        for name, agents, own in [(p.name, p.agents, p.channels) for p in pools] + spare:
            extra = [str(x) for x in rng.permutation(names) if x not in own and rng.random() < 0.7]
            listed = tuple(str(x) for x in rng.permutation([*own, *extra]))
            after_s = [
                float(rng.choice([0.0, 30.0, 60.0, 450.0])) if x in extra else 0.0 for x in listed
            ]
            deferred = any(kinds[x] == "deferred" for x in listed)
            reserve = int(rng.integers(0, 3)) if deferred and rng.random() < 0.5 else 0
            if listed:
                more.append(Pool(name, agents, listed, tuple(after_s), reserve))
        pools = more
    return SimConfig(
        interval_s,
        channels,
        pools,
        day_volume_cv=float(rng.choice([0.0, 0.2])),
        interval_volume_cv=float(rng.choice([0.0, 0.15])),
        day_aht_cv=float(rng.choice([0.0, 0.1])),
        warmup_s=float(rng.choice([0.0, interval_s])),
    )


def test_totals_without_the_log_are_the_same_to_the_last_bit():
    # Without the log the compiled engine sums its finished contacts in compiled code
    # (``compiled._add_totals``), not in ``ContactLedger.record``: the same totals bit for bit,
    # on every feature, with many flushes (chunks of ~40 contacts).
    for name in sorted({**FEATURES, **ROUTED}):
        config = {**FEATURES, **ROUTED}[name]
        for seed in range(2):
            totals = []
            for kind in (Model, CompiledModel):
                streams = spawn_streams(seed, len(config.channels))
                stream = ContactStream(config, streams, chunk_contacts=40)
                model = kind(config, stream, streams["retrial"][0], keep_log=False)
                model.run()
                totals.append(model.ledger.totals)
            assert totals[0].offered.sum() > 100
            for f in fields(totals[0]):
                np.testing.assert_array_equal(
                    getattr(totals[1], f.name), getattr(totals[0], f.name), f"{name} {f.name}"
                )


@pytest.mark.parametrize("block", range(2))
def test_random_routed_configs_give_the_same_contacts(block):
    rng = np.random.default_rng([20261201, block])
    for j in range(12):
        config = random_config(rng, routed=True)
        for seed in range(3):
            assert_engines_agree(config, seed, f"random routed {block} config {j} seed {seed}")


@pytest.mark.parametrize("block", range(4))
def test_random_configs_with_every_feature_give_the_same_contacts(block):
    rng = np.random.default_rng([20261130, block])
    for j in range(15):
        config = random_config(rng)
        for seed in range(3):
            assert_engines_agree(config, seed, f"random block {block} config {j} seed {seed}")


def test_replications_say_which_engine_ran_and_agree():
    config = FEATURES["voice_retrials"]
    compiled = replicate(config, 3, seed=5, engine="compiled")
    reference = replicate(config, 3, seed=5, engine="simpy")
    assert (compiled.engine, reference.engine) == ("compiled", "simpy")
    for a, b in zip(compiled.runs, reference.runs, strict=True):
        assert_same_kpis(a, b)


def test_engine_choice_and_bad_values():
    config = FEATURES["voice_abandonment_and_schedule_changes"]
    assert choose_engine(config, "auto") == "compiled"
    assert choose_engine(config, "simpy") == "simpy"
    assert simulate(config, 1).engine == "compiled"  # the default
    with pytest.raises(
        ValueError, match=r"`engine` must be one of \('auto', 'compiled', 'simpy'\)"
    ):
        simulate(config, 1, engine="fast")


def test_without_numba_auto_runs_simpy_and_compiled_says_why(monkeypatch):
    import simulator.compiled

    monkeypatch.setattr(simulator.compiled, "available", lambda: False)
    config = FEATURES["voice_abandonment_and_schedule_changes"]
    assert simulate(config, 1).engine == "simpy"
    assert replicate(config, 2, seed=1).engine == "simpy"
    with pytest.raises(ValueError, match=r"`engine`: the compiled engine does not cover numba"):
        simulate(config, 1, engine="compiled")


def test_compiled_totals_put_contacts_at_interval_edges_where_numpy_does():
    # ``_add_totals`` finds the interval by a plain division, checked by ``//`` when the
    # quotient is whole: instants on, just before and just after interval edges, with
    # interval lengths whose multiples round, go where ``ContactLedger.record`` puts them;
    # the within-counts at further thresholds too.
    for interval_s in (900.0, 0.1, 1 / 3, 7.3):
        n = 40
        config = voice(np.full(n, 10.0), np.full(n, 1), interval_s=interval_s)
        also = replace(config.channels[0], also_thresholds_s=(5.0, 30.0))
        config = replace(config, channels=[also])
        edges = np.arange(n) * interval_s
        arrived = np.concatenate(
            [edges, np.nextafter(edges, np.inf), np.nextafter(edges, -np.inf)[1:], edges / 3]
        )
        arrived = arrived[arrived < config.horizon_s]
        m = arrived.size
        col = {
            "arrived_s": arrived,
            "chan": np.zeros(m, dtype=np.int64),
            "wait_s": np.linspace(0.0, 40.0, m),
            "outcome": np.resize(np.array([0, 1, 2, 3, 4], dtype=np.int8), m),
        }
        reference = ContactLedger(config, keep_log=False)
        reference.record(col)
        ours = ContactTotals.zeros((1, n), 2)
        _add_totals(
            col["arrived_s"],
            col["chan"],
            col["wait_s"],
            col["outcome"],
            m,
            float(config.horizon_s),
            float(interval_s),
            reference.threshold_s,
            reference.also_thresholds_s,
            tuple(getattr(ours, name) for name in _TOTALS),
        )
        for f in fields(ours):
            np.testing.assert_array_equal(
                getattr(ours, f.name), getattr(reference.totals, f.name), f"{interval_s} {f.name}"
            )
