"""One replication: run the model on the contact stream, return the KPIs (and the log)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrivals import SECONDS_PER_DAY, ContactStream
from .config import SimConfig
from .kpis import ChannelKPIs, PoolKPIs, channel_kpis, group_sum, pool_kpis
from .ledger import CONTACT_DTYPE  # noqa: F401 (its former home: still importable here)
from .model import Model

#: Random streams, one per purpose (and channel). Each holds one kind of number, drawn in time
#: order, so the contacts of the first intervals do not depend on the horizon. (New purposes
#: go at the end: ``SeedSequence.spawn`` numbers the children, so the others keep theirs.)
STREAMS = (
    "arrivals",  # arrival instants within intervals
    "handle",
    "patience",
    "forecast",  # interval volume multipliers
    "retrial",
    "counts",  # Poisson count of each interval
    "day_volume",  # day volume multipliers
    "day_aht",  # day handle-time multipliers
    "warmup",  # the contacts of the warm-up
    "repeat",  # FCR repeats of answered contacts
)


def seed_sequence(seed) -> np.random.SeedSequence:
    """A ``SeedSequence`` for ``seed`` (int, None or ``SeedSequence``) that is safe to spawn from.

    ``SeedSequence.spawn`` advances the object it is called on (its ``n_children_spawned``), so
    spawning from a caller's sequence would give different children on the next call with the
    same object. A given sequence is copied instead (same entropy, spawn key, pool size and
    children spawned so far), so the caller's object is never changed and gives the same
    children every time.
    """
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(
            entropy=seed.entropy,
            spawn_key=seed.spawn_key,
            pool_size=seed.pool_size,
            n_children_spawned=seed.n_children_spawned,
        )
    return np.random.SeedSequence(seed)


def spawn_streams(seed, n_channels: int) -> dict[str, list[np.random.Generator]]:
    """Independent generators per purpose and channel from one seed (``SeedSequence.spawn``).

    Separate streams for arrivals, handle times and patience keep the contacts identical
    across staffing plans (common random numbers). A ``SeedSequence`` given is not changed.
    """
    children = seed_sequence(seed).spawn(len(STREAMS))
    return {
        name: [np.random.default_rng(s) for s in child.spawn(n_channels)]
        for name, child in zip(STREAMS, children, strict=True)
    }


@dataclass(frozen=True)
class PeriodKPIs:
    """KPIs of every channel and pool over one kind of period (interval, day or run)."""

    channels: dict[str, ChannelKPIs]
    pools: dict[str, PoolKPIs]


@dataclass(frozen=True)
class SimResult:
    """One replication.

    Attributes
    ----------
    log : per-contact structured array (``CONTACT_DTYPE``); None unless kept
        (``simulate(..., keep_log=True)``, the default).
    intervals, days, run : KPIs per interval, per day (86,400 s from the start), and over
        the whole horizon (arrays of length 1).
    engine : the engine that ran it, ``"compiled"`` or ``"simpy"`` (the same contacts give
        the same log and KPIs on both).
    """

    log: np.ndarray | None
    intervals: PeriodKPIs
    days: PeriodKPIs
    run: PeriodKPIs
    engine: str = "simpy"


#: The values of ``simulate``'s ``engine`` argument.
ENGINES = ("auto", "compiled", "simpy")


def choose_engine(config: SimConfig, engine: str = "auto") -> str:
    """The engine that runs ``config``: ``"compiled"`` or ``"simpy"``.

    ``"auto"`` takes the compiled engine when numba imports and the engine covers every
    feature of ``config`` (``compiled.unsupported_feature``), else SimPy; ``"compiled"`` on
    a config it does not cover raises ``ValueError`` naming the feature.
    """
    if engine not in ENGINES:
        raise ValueError(f"`engine` must be one of {ENGINES}, got {engine!r}")
    if engine == "simpy":
        return "simpy"
    from . import compiled  # numba loads with the first simulation, not with every import

    missing = (
        "numba (not importable here)" if not compiled.available() else None
    ) or compiled.unsupported_feature(config)
    if missing is None:
        return "compiled"
    if engine == "compiled":
        raise ValueError(f"`engine`: the compiled engine does not cover {missing}; use 'simpy'")
    return "simpy"


def _period_kpis(config, model, group, n_groups, last_interval) -> PeriodKPIs:
    period_s = group_sum(np.full(config.n_intervals, config.interval_s), group, n_groups)
    channels = {}
    for i, ch in enumerate(config.channels):
        totals = model.ledger.totals.row(i)
        if n_groups != config.n_intervals:
            totals = totals.regroup(group, n_groups)
        channels[ch.name] = channel_kpis(
            ch.name,
            ch.threshold_s,
            totals,
            group_sum(model.q_area_k[i], group, n_groups),
            period_s,
            model.backlog_k[i][last_interval],
        )
    pools = {
        p.name: pool_kpis(
            p.name,
            group_sum(model.busy_area_k[j], group, n_groups),
            group_sum(model.staff_area_k[j], group, n_groups),
            period_s,
        )
        for j, p in enumerate(config.pools)
    }
    return PeriodKPIs(channels, pools)


def simulate(
    config: SimConfig, seed=None, *, keep_log: bool = True, engine: str = "auto"
) -> SimResult:
    """Simulate ``config`` once.

    Parameters
    ----------
    config : SimConfig
    seed : int, SeedSequence or None
        The same seed gives the same contacts and the same numbers on every machine.
    keep_log : bool
        Keep the per-contact log (``SimResult.log``). Off, memory no longer grows with the
        horizon: contacts are drawn a chunk at a time and only per-interval totals are kept
        (a year of a center peaking at 1,200 calls/h, ~3 million contacts, peaks under
        500 MB; ``bench/bench_memory.py``). The KPIs are the same either way.
    engine : "auto", "compiled" or "simpy"
        Which engine runs it (``choose_engine``); ``SimResult.engine`` says which did.
    """
    used = choose_engine(config, engine)
    streams = spawn_streams(seed, len(config.channels))
    stream, retrial_rng = ContactStream(config, streams), streams["retrial"][0]
    if used == "compiled":
        from .compiled import CompiledModel

        model = CompiledModel(config, stream, retrial_rng, keep_log=keep_log)
    else:
        model = Model(
            config, stream, retrial_rng, keep_log=keep_log, repeat_rng=streams["repeat"][0]
        )
    model.run()
    n = config.n_intervals
    per_day = max(1, int(round(SECONDS_PER_DAY / config.interval_s)))
    day = np.arange(n) // per_day
    n_days = int(day[-1]) + 1
    day_last = np.minimum((np.arange(n_days) + 1) * per_day, n) - 1
    return SimResult(
        log=model.ledger.log() if keep_log else None,
        intervals=_period_kpis(config, model, np.arange(n), n, np.arange(n)),
        days=_period_kpis(config, model, day, n_days, day_last),
        run=_period_kpis(config, model, np.zeros(n, dtype=np.int64), 1, np.array([n - 1])),
        engine=used,
    )
