"""The memo of drawn contacts (``simulator.draws``) and the lazy streams (``run.Streams``).

A memo hit must give exactly the arrays a fresh draw gives, and a simulation the same log
and KPIs to the last bit whether its contacts were drawn or remembered; the lazy streams must
be the generators numpy's own eager ``SeedSequence.spawn`` gives. The memo's key must cover
every field the contacts depend on and no field they do not (else hits would be wrong, or
missed), and its memory must stay under its cap.
"""

import dataclasses
import multiprocessing
import os

import numpy as np
import pytest

from simulator import Channel, Pool, SimConfig, arrivals, draws, exponential, simulate
from simulator.arrivals import ContactStream
from simulator.distributions import Distribution
from simulator.draws import ContactMemo, DrawnContacts, demand_key
from simulator.run import STREAMS, seed_sequence, spawn_streams

from .test_engines import FEATURES, random_config

SEEDS = (
    0,
    1,
    7,
    2**40 + 3,
    np.random.SeedSequence(7, spawn_key=(2,)),
    np.random.SeedSequence(7, spawn_key=(3,)),
    np.int64(7),  # the same seed as 7
    np.random.SeedSequence([7, 2**70]),
    np.random.SeedSequence(np.array([7, 8], dtype=np.uint32)),
)


@pytest.fixture
def memo(monkeypatch):
    """A fresh memo for ``simulate`` (the process's own is left as it was)."""
    fresh = ContactMemo()
    monkeypatch.setattr(draws, "MEMO", fresh)
    return fresh


def drawn_all(stream, config) -> list:
    """Every chunk (after the warm-up, if any) as the engines draw them: in order, once."""
    out = [stream.warmup()] if config.warmup_s > 0 else []
    return out + [stream.chunk(j) for j in range(stream.n_chunks)]


def contacts_bytes(parts) -> list:
    return [[getattr(c, f.name).tobytes() for f in dataclasses.fields(c)] for c in parts]


def log_bytes(result) -> bytes:
    return result.log.tobytes()


def kpi_bytes(result) -> list:
    """Every KPI of every period, channel and pool, as bytes (bit-for-bit comparison)."""
    out = []
    for level in ("intervals", "days", "run"):
        period = getattr(result, level)
        for group in (period.channels, period.pools):
            for name, kpis in group.items():
                for f in dataclasses.fields(kpis):
                    value = getattr(kpis, f.name)
                    out.append((level, name, f.name, np.asarray(value).tobytes()))
    return out


def test_lazy_streams_are_numpys_spawned_generators():
    spawned = np.random.SeedSequence(11)
    spawned.spawn(3)  # a sequence that has spawned children already: spawns continue after
    for seed in (*SEEDS, np.random.SeedSequence([1, 2, 3]), spawned):
        lazy = spawn_streams(seed, 3)
        children = seed_sequence(seed).spawn(len(STREAMS))
        for purpose, child in zip(STREAMS, children, strict=True):
            for i, grand in enumerate(child.spawn(3)):
                eager = np.random.default_rng(grand)
                assert lazy[purpose][i].bit_generator.state == eager.bit_generator.state
                assert lazy[purpose][i] is lazy[purpose][i]  # made once
    assert spawned.n_children_spawned == 3  # the caller's sequence is not advanced
    with pytest.raises(KeyError):
        spawn_streams(1, 1)["nope"]


@pytest.mark.parametrize("name", sorted(FEATURES))
def test_a_hit_is_the_fresh_draw_for_every_feature(name, monkeypatch):
    config = FEATURES[name]
    monkeypatch.setattr(arrivals, "CHUNK_CONTACTS", 60)  # several chunks
    memo = ContactMemo()
    for seed in SEEDS:
        fresh = drawn_all(ContactStream(config, spawn_streams(seed, len(config.channels))), config)
        first = memo.stream(config, spawn_streams(seed, len(config.channels)))
        # np.int64(7) seeds as 7 does (the same SeedSequence state): a hit; the others miss.
        assert isinstance(first, DrawnContacts) == (seed is SEEDS[6])
        assert contacts_bytes(drawn_all(first, config)) == contacts_bytes(fresh)
        hit = memo.stream(config, spawn_streams(seed, len(config.channels)))
        assert isinstance(hit, DrawnContacts) and hit.n_chunks == first.n_chunks > 1
        assert contacts_bytes(drawn_all(hit, config)) == contacts_bytes(fresh)
        with pytest.raises(ValueError, match="read-only"):
            hit.chunk(0).handle_s[:] = 0.0
    assert (memo.info()["hits"], memo.info()["misses"]) == (len(SEEDS) + 1, len(SEEDS) - 1)


@pytest.mark.parametrize("engine", ["compiled", "simpy"])
def test_simulations_are_bit_identical_with_a_hit(engine, memo):
    """Random configs with every feature (retrials and repeats drawn live, warm-up, scales,
    forecast error): the log and every KPI of a hit equal those of a fresh draw and of a run
    that bypasses the memo (seed given as entropy-free ``None`` is not comparable, so the
    bypass is a memo too small to keep anything)."""
    rng = np.random.default_rng(2026)
    for k in range(12):
        config = random_config(rng, routed=k % 2 == 1)
        if engine == "simpy" and k % 3 == 0:
            ch = config.channels[0]
            repeats = dataclasses.replace(ch, repeat_share=0.3, repeat_delay=exponential(600.0))
            config = dataclasses.replace(config, channels=(repeats, *config.channels[1:]))
        for seed in (k, np.random.SeedSequence(k, spawn_key=(3,))):
            memo.clear()
            drawn = simulate(config, seed, engine=engine)
            remembered = simulate(config, seed, engine=engine)
            assert memo.info()["hits"] == 1, f"config {k}"
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(draws, "MEMO", ContactMemo(max_bytes=0))
                bypassed = simulate(config, seed, engine=engine)
            for other in (remembered, bypassed):
                assert log_bytes(other) == log_bytes(drawn), f"config {k} seed {seed}"
                assert kpi_bytes(other) == kpi_bytes(drawn), f"config {k} seed {seed}"


def test_staffing_and_routing_do_not_change_the_contacts_or_the_key():
    """What the key leaves out really leaves the contacts unchanged (fresh draws of two
    configs differing in every field of ``OTHER_FIELDS``), and what it covers changes it."""
    n = 6
    base = SimConfig(
        900.0,
        [Channel("v", "voice", np.full(n, 200.0), exponential(200), exponential(90), 20, "p")],
        [Pool("p", np.full(n, 10), ("v",))],
    )
    ch = base.channels[0]
    other_channel = Channel(
        "w",
        "chat",
        ch.calls_per_hour,
        ch.handle_time,
        ch.patience,
        45,
        "q",
        concurrency=2,
        concurrency_stretch=0.2,
        open_intervals=np.arange(n) % 2 == 0,
        retrial_share=0.5,
        retrial_delay=exponential(60),
        repeat_share=0.2,
        repeat_delay=exponential(60),
        repeat_channel="w",
    )
    other = SimConfig(900.0, [other_channel], [Pool("q", np.arange(n) + 3, ("w",))])
    assert demand_key(base) == demand_key(other)
    for seed in SEEDS:
        a = drawn_all(ContactStream(base, spawn_streams(seed, 1)), base)
        b = drawn_all(ContactStream(other, spawn_streams(seed, 1)), other)
        assert contacts_bytes(a) == contacts_bytes(b)

    # Each contact field changes the key.
    def with_channel(**change):
        return dataclasses.replace(base, channels=[dataclasses.replace(ch, **change)])

    variants = [
        dataclasses.replace(base, interval_s=1800.0),
        dataclasses.replace(base, day_volume_cv=0.1),
        dataclasses.replace(base, interval_volume_cv=0.1),
        dataclasses.replace(base, day_aht_cv=0.1),
        dataclasses.replace(base, warmup_s=600.0),
        with_channel(calls_per_hour=np.full(n, 201.0)),
        with_channel(handle_time=exponential(201)),
        with_channel(patience=None),
        with_channel(aht_scale=np.full(n, 1.1)),
        with_channel(patience_scale=np.full(n, 0.9)),
        SimConfig(
            900.0, [ch, dataclasses.replace(ch, name="w")], [Pool("p", np.full(n, 10), ("v", "w"))]
        ),
    ]
    keys = {demand_key(v) for v in variants} | {demand_key(base)}
    assert len(keys) == len(variants) + 1


def test_every_config_field_is_classified():
    """A field added to the config must be put in the key (the contacts read it) or listed
    as not read, so the memo can never return contacts of another demand."""
    for cls in (SimConfig, Channel):
        covered = draws.CONTACT_FIELDS[cls] + draws.OTHER_FIELDS[cls]
        assert sorted(covered) == sorted(f.name for f in dataclasses.fields(cls)), cls
    assert sorted(draws.CONTACT_FIELDS[Distribution]) == sorted(
        f.name for f in dataclasses.fields(Distribution)
    )


def test_the_cap_bounds_memory_and_keeps_the_first_seeds_of_a_scan():
    n = 96
    config = SimConfig(
        900.0,
        [Channel("v", "voice", np.full(n, 400.0), exponential(200), exponential(90), 20, "p")],
        [Pool("p", np.full(n, 30), ("v",))],
    )
    size = DrawnContacts(
        1, None, tuple(drawn_all(ContactStream(config, spawn_streams(0, 1)), config))
    ).nbytes
    memo = ContactMemo(max_bytes=int(5.5 * size), max_entry_bytes=2 * size)

    def scan(seeds, cfg=config):
        hits = memo.info()["hits"]
        for s in seeds:
            drawn_all(
                memo.stream(cfg, spawn_streams(np.random.SeedSequence(1, spawn_key=(s,)), 1)), cfg
            )
            assert memo.nbytes <= memo.max_bytes
        return memo.info()["hits"] - hits

    assert scan(range(10)) == 0  # 10 seeds, room for 5
    assert memo.info()["entries"] == 5
    assert scan(range(10)) == 5  # the first five stay (LRU would give none)
    # Another demand evicts the least recent demand's latest seeds, never its own.
    slower = dataclasses.replace(
        config, channels=[dataclasses.replace(config.channels[0], handle_time=exponential(201))]
    )  # the same counts: entries of the same size
    scan(range(3), slower)
    assert memo.info()["entries"] == 5 and memo.info()["evicted"] == 3
    assert scan(range(2)) == 2 and scan(range(3), slower) == 3
    # Too big for an entry: drawn as before, never kept.
    small = ContactMemo(max_entry_bytes=size // 2)
    assert isinstance(small.stream(config, spawn_streams(0, 1)), ContactStream)
    assert small.info()["entries"] == 0


def test_fresh_entropy_is_not_memoized(memo):
    config = FEATURES["voice_retrials"]
    simulate(config, None)
    simulate(config, 3)
    simulate(config, 3)
    assert memo.info() | {"nbytes": 0} == {
        "hits": 1,
        "misses": 1,
        "stored": 1,
        "evicted": 0,
        "entries": 1,
        "nbytes": 0,
    }


@pytest.mark.parametrize("engine", ["compiled", "simpy"])
def test_an_engine_without_the_retrial_stream_it_needs_says_so(engine):
    """``simulate`` builds the retrial stream only for configs with retrials; an engine given
    none for such a config refuses, naming the argument (never a silent draw-less run)."""
    from simulator.compiled import CompiledModel
    from simulator.model import Model

    config = FEATURES["voice_retrials"]
    stream = ContactStream(config, spawn_streams(1, 1))
    build = CompiledModel if engine == "compiled" else Model
    with pytest.raises(ValueError, match="`retrial_rng` is required"):
        build(config, stream, None)


def _memo_info_in_child() -> None:
    draws.MEMO.info()  # waits forever if the lock came over held


def _tables_in_child() -> None:
    from simulator import compiled

    config = SimConfig(
        900.0,
        [Channel("v", "voice", np.full(2, 50.0), exponential(60.0), None, 20.0, "a")],
        [Pool("a", np.full(2, 3), ("v",))],
    )
    compiled._static_tables(config)  # waits forever if the lock came over held


def _memo_lock():
    return draws.MEMO._lock


def _tables_lock():
    from simulator import compiled

    return compiled._TABLES_LOCK


@pytest.mark.skipif(not hasattr(os, "register_at_fork"), reason="fork is POSIX only")
@pytest.mark.parametrize(
    ("lock", "in_child"),
    [(_memo_lock, _memo_info_in_child), (_tables_lock, _tables_in_child)],
    ids=["draws memo", "engine tables"],
)
def test_a_worker_forked_while_a_memo_is_locked_does_not_hang(lock, in_child):
    context = multiprocessing.get_context("fork")
    with lock():  # another thread in the middle of a lookup, say
        child = context.Process(target=in_child)
        child.start()
    child.join(timeout=30)
    if child.exitcode is None:
        child.kill()
    assert child.exitcode == 0


def test_a_config_is_immutable_so_memos_keyed_by_it_stay_true():
    """The draws memo and the compiled engine's tables are kept per config object: a config
    copies what it is given and its arrays are read-only, so neither the caller's array nor
    the config's own can change what was memoised."""
    from simulator.distributions import empirical

    rates, agents = np.full(4, 100.0), np.full(4, 5)
    config = SimConfig(
        900.0,
        [Channel("v", "voice", rates, empirical([60.0, 200.0]), None, 20.0, "a")],
        [Pool("a", agents, ("v",))],
    )
    before = simulate(config, 3, keep_log=False).sums.totals.offered.copy()
    rates[:] = 400.0  # the caller's arrays: copied, not shared
    agents[:] = 1
    np.testing.assert_array_equal(simulate(config, 3, keep_log=False).sums.totals.offered, before)
    ch, pool = config.channels[0], config.pools[0]
    for array in (ch.calls_per_hour, pool.agents, ch.handle_time.values_s):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1
