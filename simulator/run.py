"""One replication: run the model on the contact stream, return the KPIs (and the log)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from . import draws
from .arrivals import SECONDS_PER_DAY, ContactStream
from .config import SimConfig
from .kpis import ChannelKPIs, ContactTotals, PoolKPIs, channel_kpis, group_sum, pool_kpis
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


class _PurposeStreams(Sequence):
    """The generators of one purpose, one per channel, each made when first indexed."""

    def __init__(self, owner: Streams, purpose: int):
        self._owner, self._purpose = owner, purpose

    def __len__(self) -> int:
        return self._owner.n_channels

    def __getitem__(self, channel):
        if isinstance(channel, slice):
            return [self[i] for i in range(len(self))[channel]]
        return self._owner.rng(self._purpose, range(len(self))[channel])


class Streams(Mapping):
    """Generators per purpose (``STREAMS``) and channel, made lazily: ``streams[purpose][i]``.

    The generator of purpose ``STREAMS[k]`` and channel ``i`` is the one eager spawning gives,
    ``seq.spawn(len(STREAMS))[k].spawn(n_channels)[i]``: ``SeedSequence.spawn`` numbers its
    children ``spawn_key + (n_children_spawned + k,)`` with the parent's entropy and pool size,
    so building that child directly is the same sequence and the same numbers. Only the
    streams a replication reads are built (each costs a ``SeedSequence`` and a ``PCG64``:
    ~35 us): a replication whose contacts come from the memo (``simulator.draws``) builds only
    the retrial stream, and the contact streams skip the purposes a config never draws from.
    """

    def __init__(self, seq: np.random.SeedSequence, n_channels: int):
        self.seq = seq
        self.n_channels = n_channels
        self._made: dict[tuple[int, int], np.random.Generator] = {}

    def rng(self, purpose: int, channel: int) -> np.random.Generator:
        """The generator of purpose ``STREAMS[purpose]`` and channel ``channel`` (made once)."""
        rng = self._made.get((purpose, channel))
        if rng is None:
            seq = self.seq
            child = np.random.SeedSequence(
                seq.entropy,
                spawn_key=(*seq.spawn_key, seq.n_children_spawned + purpose, channel),
                pool_size=seq.pool_size,
            )
            rng = self._made[purpose, channel] = np.random.default_rng(child)
        return rng

    def __getitem__(self, purpose: str) -> _PurposeStreams:
        try:
            return _PurposeStreams(self, STREAMS.index(purpose))
        except ValueError:
            raise KeyError(purpose) from None

    def __iter__(self):
        return iter(STREAMS)

    def __len__(self) -> int:
        return len(STREAMS)


def spawn_streams(seed, n_channels: int) -> Streams:
    """Independent generators per purpose and channel from one seed (``SeedSequence.spawn``,
    made lazily: ``Streams``).

    Separate streams for arrivals, handle times and patience keep the contacts identical
    across staffing plans (common random numbers). A ``SeedSequence`` given is not changed.
    """
    return Streams(seed_sequence(seed), n_channels)


@dataclass(frozen=True)
class PeriodKPIs:
    """KPIs of every channel and pool over one kind of period (interval, day or run)."""

    channels: dict[str, ChannelKPIs]
    pools: dict[str, PoolKPIs]


@dataclass(frozen=True)
class PeriodSums:
    """What a replication's KPIs are computed from: its per-interval sums and integrals.

    ``totals`` (``ContactTotals``, [channel, interval]), the time integrals of the queues
    ``q_area_k`` [channel, interval] and of the pools' busy and present agents
    ``busy_area_k``, ``staff_area_k`` [pool, interval], and the queue at each interval's end
    ``backlog_k``; ``channels`` holds each channel's (name, threshold [s]), ``pools`` the pool
    names, ``also_thresholds_s`` each channel's further thresholds counted (``Channel``).
    Smaller than the KPIs of the three levels, so cheaper to send from a worker.
    """

    channels: tuple[tuple[str, float], ...]
    pools: tuple[str, ...]
    interval_s: float
    totals: ContactTotals
    q_area_k: np.ndarray
    backlog_k: np.ndarray
    busy_area_k: np.ndarray
    staff_area_k: np.ndarray
    also_thresholds_s: tuple[tuple[float, ...], ...] = ()

    def at_threshold(self, channel: str, threshold_s: float) -> PeriodSums:
        """These sums as a simulation with ``threshold_s`` as ``channel``'s threshold gives
        them (the same contacts and queue: a threshold only counts waits). ``threshold_s``
        must be the channel's threshold or one of its further thresholds."""
        names = [name for name, _ in self.channels]
        if channel not in names:
            raise ValueError(f"`channel` must be one of {names}, got {channel!r}")
        i = names.index(channel)
        current = self.channels[i][1]
        if threshold_s == current:
            return self
        also = self.also_thresholds_s[i] if self.also_thresholds_s else ()
        if threshold_s not in also:
            raise ValueError(
                f"`threshold_s` {threshold_s!r} was not counted for channel {channel!r}: its "
                f"threshold is {current!r} s, its further thresholds {also!r}"
            )
        j = also.index(threshold_s)
        channels, thresholds = list(self.channels), list(self.also_thresholds_s)
        channels[i] = (channel, threshold_s)
        thresholds[i] = (*also[:j], current, *also[j + 1 :])
        return replace(
            self,
            channels=tuple(channels),
            totals=self.totals.with_threshold(j, i),
            also_thresholds_s=tuple(thresholds),
        )

    def kpis(self, level: str) -> PeriodKPIs:
        """The KPIs per interval (``"intervals"``), per day of 86,400 s from the start
        (``"days"``) or over the whole horizon (``"run"``)."""
        n = self.q_area_k.shape[1]
        if level == "intervals":
            return self._kpis(np.arange(n), n, np.arange(n))
        if level == "days":
            per_day = max(1, int(round(SECONDS_PER_DAY / self.interval_s)))
            day = np.arange(n) // per_day
            n_days = int(day[-1]) + 1
            day_last = np.minimum((np.arange(n_days) + 1) * per_day, n) - 1
            return self._kpis(day, n_days, day_last)
        if level == "run":
            return self._kpis(np.zeros(n, dtype=np.int64), 1, np.array([n - 1]))
        raise ValueError(f"`level` must be one of {_LEVELS}, got {level!r}")

    def _kpis(self, group, n_groups, last_interval) -> PeriodKPIs:
        n = self.q_area_k.shape[1]
        period_s = group_sum(np.full(n, self.interval_s), group, n_groups)
        channels = {}
        for i, (name, threshold_s) in enumerate(self.channels):
            totals = self.totals.row(i)
            if n_groups != n:
                totals = totals.regroup(group, n_groups)
            channels[name] = channel_kpis(
                name,
                threshold_s,
                totals,
                group_sum(self.q_area_k[i], group, n_groups),
                period_s,
                self.backlog_k[i][last_interval],
            )
        pools = {
            name: pool_kpis(
                name,
                group_sum(self.busy_area_k[j], group, n_groups),
                group_sum(self.staff_area_k[j], group, n_groups),
                period_s,
            )
            for j, name in enumerate(self.pools)
        }
        return PeriodKPIs(channels, pools)


_LEVELS = ("intervals", "days", "run")


@dataclass(frozen=True)
class SimResult:
    """One replication.

    Attributes
    ----------
    log : per-contact structured array (``CONTACT_DTYPE``); None unless kept
        (``simulate(..., keep_log=True)``, the default).
    sums : the per-interval sums the KPIs come from (``PeriodSums``).
    engine : the engine that ran it, ``"compiled"`` or ``"simpy"`` (the same contacts give
        the same log and KPIs on both).
    intervals, days, run : KPIs per interval, per day (86,400 s from the start), and over
        the whole horizon (arrays of length 1); each computed from ``sums`` when first read
        (most callers read one level of the three) and kept, but never pickled: a result
        sent from a worker process carries its sums only.
    """

    log: np.ndarray | None
    sums: PeriodSums = field(repr=False)
    engine: str = "simpy"

    @cached_property
    def intervals(self) -> PeriodKPIs:
        return self.sums.kpis("intervals")

    @cached_property
    def days(self) -> PeriodKPIs:
        return self.sums.kpis("days")

    @cached_property
    def run(self) -> PeriodKPIs:
        return self.sums.kpis("run")

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in _LEVELS}

    def at_threshold(self, channel: str, threshold_s: float) -> SimResult:
        """This replication as if simulated with ``threshold_s`` as ``channel``'s threshold
        (``PeriodSums.at_threshold``)."""
        sums = self.sums.at_threshold(channel, threshold_s)
        return self if sums is self.sums else SimResult(self.log, sums, self.engine)


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
    # The contacts are a pure function of the demand and the seed: drawn once per process
    # (``draws.MEMO``) unless the seed is fresh entropy. Retrials and repeats are drawn live.
    stream = ContactStream(config, streams) if seed is None else draws.MEMO.stream(config, streams)
    # The retrial and repeat streams are built only where drawn from: ``model._draw_again``
    # never touches the generator of a channel with no retrial (repeat) share.
    channels = config.channels
    retrial_rng = streams["retrial"][0] if any(c.retrial_share for c in channels) else None
    if used == "compiled":
        from .compiled import CompiledModel

        model = CompiledModel(config, stream, retrial_rng, keep_log=keep_log)
    else:
        repeat_rng = streams["repeat"][0] if any(c.repeat_share for c in channels) else None
        model = Model(config, stream, retrial_rng, keep_log=keep_log, repeat_rng=repeat_rng)
    model.run()
    sums = PeriodSums(
        channels=tuple((c.name, c.threshold_s) for c in config.channels),
        pools=tuple(p.name for p in config.pools),
        interval_s=config.interval_s,
        totals=model.ledger.totals,
        q_area_k=model.q_area_k,
        backlog_k=model.backlog_k,
        busy_area_k=model.busy_area_k,
        staff_area_k=model.staff_area_k,
        also_thresholds_s=tuple(c.also_thresholds_s for c in config.channels),
    )
    return SimResult(log=model.ledger.log() if keep_log else None, sums=sums, engine=used)
