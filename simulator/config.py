"""What to simulate: channels, agent pools on a schedule, and the interval grid.

Plain frozen dataclasses over numpy arrays; every check runs in ``__post_init__`` so bad input
raises ``ValueError`` naming the field before any simulation starts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .distributions import Distribution

CHANNEL_KINDS = ("voice", "chat", "deferred")


def _per_interval(owner: str, name: str, value, *, dtype=float) -> np.ndarray:
    """One value per interval; numbers must be finite and >= 0. A read-only copy: a config is
    immutable (its simulations are memoised by its identity: ``draws``, ``compiled``)."""
    try:
        arr = np.array(value, dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: `{name}` must be a sequence of numbers") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{owner}: `{name}` must be a 1-d sequence with one value per interval")
    if dtype is not bool:
        bad = ~np.isfinite(arr) | (arr < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{owner}: `{name}` must be finite and >= 0, got {float(arr[i])!r} at interval {i}"
            )
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True)
class Channel:
    """One contact channel.

    Attributes
    ----------
    name : channel name (unique).
    kind : ``"voice"`` (one contact per agent, callers may abandon), ``"chat"`` (up to
        ``concurrency`` chats per agent) or ``"deferred"`` (email and the like: never abandons,
        answered first come first served, waits for opening hours).
    calls_per_hour : forecast arrival rate per interval [contacts/h].
    handle_time : handle-time distribution [s].
    patience : patience distribution [s], or None (never abandons; always None for deferred).
    threshold_s : service-level threshold [s]; for deferred channels the response-time
        target [s] (e.g. 4 * 3600 for "within 4 hours").
    also_thresholds_s : further thresholds [s] whose answered- and abandoned-within counts
        are kept beside ``threshold_s``'s (``ContactTotals.answered_within_also``), so that one
        simulation serves standards that differ only in their threshold (a threshold counts
        waits; it changes nothing in the queue). ``SimResult.at_threshold`` reads the results
        as if simulated with one of them as ``threshold_s``.
    pool : name of the channel's primary agent pool (it lists the channel with ``after_s`` 0;
        other pools may list it too: ``Pool``).
    concurrency : chats one agent handles at once (chat only).
    concurrency_stretch : each chat's handle time is multiplied by
        ``1 + concurrency_stretch * (k - 1)`` when it starts as the agent's k-th chat.
    open_intervals : per interval, whether the channel is open (None: always). Voice and chat
        contacts arriving while closed are lost; deferred contacts wait for the opening.
    retrial_share : share of abandoners who call again (voice and chat).
    retrial_delay : delay before they call again [s].
    repeat_share : probability that an answered contact comes back as a repeat contact (first-
        contact resolution: ``(1 - fcr_rate) x repeat_share`` of the scenario's FCR).
    repeat_delay : time from the end of the answered contact's service to its repeat [s].
    repeat_channel : channel the repeats arrive on, by name or index into
        ``SimConfig.channels`` (None: this channel). A repeat is a contact of that channel
        like any other (its handle time and patience, and it may repeat again).
    deadline_clock : ``"wall_clock"`` (default) or ``"opening_hours"`` (deferred channels with
        ``open_intervals``): whether the service-level wait ("answered within
        ``threshold_s``") counts every second or only the seconds the channel is open, as in
        "email answered within 8 business hours". ASA and the other waits stay wall-clock.
    aht_scale, patience_scale : per interval, a factor on the handle time and the patience of
        contacts arriving in it (None: 1): the mean of the distribution becomes ``scale x``
        its mean and its shape (CV) is kept. For handle time and patience that vary over the
        day; the random streams are the same with or without them.
    """

    name: str
    kind: str
    calls_per_hour: np.ndarray
    handle_time: Distribution
    patience: Distribution | None
    threshold_s: float
    pool: str
    concurrency: int = 1
    concurrency_stretch: float = 0.0
    open_intervals: np.ndarray | None = None
    retrial_share: float = 0.0
    retrial_delay: Distribution | None = None
    aht_scale: np.ndarray | None = None
    patience_scale: np.ndarray | None = None
    deadline_clock: str = "wall_clock"
    repeat_share: float = 0.0
    repeat_delay: Distribution | None = None
    repeat_channel: str | int | None = None
    also_thresholds_s: tuple[float, ...] = ()

    def __post_init__(self):
        where = f"channel {self.name!r}"
        if self.kind not in CHANNEL_KINDS:
            raise ValueError(f"{where}: `kind` must be one of {CHANNEL_KINDS}, got {self.kind!r}")
        object.__setattr__(
            self, "calls_per_hour", _per_interval(where, "calls_per_hour", self.calls_per_hour)
        )
        if not isinstance(self.handle_time, Distribution):
            raise ValueError(f"{where}: `handle_time` must be a Distribution")
        if self.patience is not None and not isinstance(self.patience, Distribution):
            raise ValueError(f"{where}: `patience` must be a Distribution or None")
        if self.kind == "deferred" and self.patience is not None:
            raise ValueError(f"{where}: deferred contacts do not abandon; set `patience` to None")
        if not (np.isfinite(self.threshold_s) and self.threshold_s >= 0):
            raise ValueError(f"{where}: `threshold_s` must be a finite number >= 0 s")
        also = tuple(float(t) for t in self.also_thresholds_s)
        if not all(np.isfinite(t) and t >= 0 for t in also):
            raise ValueError(
                f"{where}: `also_thresholds_s` must be finite numbers >= 0 s, got {also!r}"
            )
        object.__setattr__(self, "also_thresholds_s", also)
        if (
            isinstance(self.concurrency, bool)
            or not isinstance(self.concurrency, (int, np.integer))
            or self.concurrency < 1
        ):
            raise ValueError(
                f"{where}: `concurrency` must be a whole number >= 1, got {self.concurrency!r}"
            )
        if self.concurrency > 1 and self.kind != "chat":
            raise ValueError(f"{where}: `concurrency` above 1 is for chat channels only")
        if not (np.isfinite(self.concurrency_stretch) and self.concurrency_stretch >= 0):
            raise ValueError(f"{where}: `concurrency_stretch` must be >= 0")
        if self.open_intervals is not None:
            object.__setattr__(
                self,
                "open_intervals",
                _per_interval(where, "open_intervals", self.open_intervals, dtype=bool),
            )
        for name in ("aht_scale", "patience_scale"):
            if getattr(self, name) is not None:
                scale = _per_interval(where, name, getattr(self, name))
                if not (scale > 0).all():
                    raise ValueError(f"{where}: `{name}` must be > 0 in every interval")
                object.__setattr__(self, name, scale)
        if self.deadline_clock not in ("wall_clock", "opening_hours"):
            raise ValueError(
                f"{where}: `deadline_clock` must be 'wall_clock' or 'opening_hours', "
                f"got {self.deadline_clock!r}"
            )
        if self.deadline_clock == "opening_hours" and (
            self.kind != "deferred" or self.open_intervals is None
        ):
            raise ValueError(
                f"{where}: the opening-hours clock is for deferred channels with `open_intervals`"
            )
        if self.patience_scale is not None and self.patience is None:
            raise ValueError(f"{where}: `patience_scale` needs a `patience` distribution")
        if not 0.0 <= self.retrial_share <= 1.0:
            raise ValueError(f"{where}: `retrial_share` must be a fraction in [0, 1]")
        if self.retrial_share > 0 and self.retrial_delay is None:
            raise ValueError(f"{where}: `retrial_delay` is required when `retrial_share` > 0")
        if self.retrial_delay is not None and not isinstance(self.retrial_delay, Distribution):
            raise ValueError(f"{where}: `retrial_delay` must be a Distribution or None")
        if not (np.isfinite(self.repeat_share) and 0.0 <= self.repeat_share <= 1.0):
            raise ValueError(
                f"{where}: `repeat_share` must be a fraction in [0, 1], got {self.repeat_share!r}"
            )
        if self.repeat_share > 0 and self.repeat_delay is None:
            raise ValueError(f"{where}: `repeat_delay` is required when `repeat_share` > 0")
        if self.repeat_delay is not None and not isinstance(self.repeat_delay, Distribution):
            raise ValueError(f"{where}: `repeat_delay` must be a Distribution or None")
        if self.repeat_channel is not None and (
            isinstance(self.repeat_channel, bool)
            or not isinstance(self.repeat_channel, (str, int, np.integer))
        ):
            raise ValueError(
                f"{where}: `repeat_channel` must be a channel name, an index or None, "
                f"got {self.repeat_channel!r}"
            )


@dataclass(frozen=True)
class Pool:
    """Agents on a schedule serving one or more channels (a skill group).

    Attributes
    ----------
    name : pool name (unique).
    agents : agents on duty per interval. When the count drops, idle agents leave at once and
        busy ones are not preempted: chat agents with a free slot take no new chat and leave
        when their last ends; then the busy agents whose latest contact started earliest are
        designated to finish it and leave, while every other agent keeps taking work, as
        agents whose shift goes on do. When it rises, designated agents stay on first (those
        whose contact started latest), then new agents take waiting contacts at once.
    channels : names of the channels served (the pool's skills), in priority order (first =
        served first). A channel may be listed by several pools; its ``Channel.pool`` is its
        primary pool, which must list it with ``after_s`` 0.
    after_s : per listed channel (same order), the wait [s] a contact must have reached before
        an agent of this pool may take it: 0 = at once, e.g. 60 for an overflow team that helps
        after a minute. None: all 0.
    reserve_agents : blending of deferred work (email): an agent of this pool takes a contact
        of a deferred channel only when no real-time (voice or chat) contact it may take waits
        and at least ``reserve_agents`` other agents of the pool stay idle, kept for the
        real-time work that may arrive. 0: channel priority alone decides (as without
        blending).

    Routing (``simulator.model``): an arriving contact goes to the longest-idle agent of its
    primary pool; if none is free, to the longest-idle agent of the first other pool (in
    ``SimConfig.pools`` order) that lists the channel with ``after_s`` 0; else it waits in
    its channel's first-come-first-served queue, and when its wait reaches a pool's
    ``after_s`` a free agent of that pool takes it. An agent that frees up takes, by its
    pool's channel priority, the longest-waiting contact it may take, else goes idle.
    """

    name: str
    agents: np.ndarray
    channels: tuple[str, ...]
    after_s: tuple[float, ...] | None = None
    reserve_agents: int = 0

    def __post_init__(self):
        where = f"pool {self.name!r}"
        arr = _per_interval(where, "agents", self.agents)
        if np.any(arr != np.round(arr)):
            raise ValueError(f"{where}: `agents` must be whole numbers")
        agents = arr.astype(np.int64)
        agents.flags.writeable = False  # (as every per-interval array of a config)
        object.__setattr__(self, "agents", agents)
        if isinstance(self.channels, str):
            raise ValueError(f"{where}: `channels` must be a sequence of channel names")
        object.__setattr__(self, "channels", tuple(self.channels))
        if not self.channels:
            raise ValueError(f"{where}: `channels` must name at least one channel")
        if len(set(self.channels)) != len(self.channels):
            raise ValueError(f"{where}: `channels` lists a channel twice: {list(self.channels)}")
        if self.after_s is None:
            after = (0.0,) * len(self.channels)
        else:
            try:
                after = tuple(float(v) for v in self.after_s)
            except (TypeError, ValueError):
                raise ValueError(
                    f"{where}: `after_s` must be a sequence of numbers [s], one per channel"
                ) from None
            if len(after) != len(self.channels):
                raise ValueError(
                    f"{where}: `after_s` must hold one value per channel ({len(self.channels)}), "
                    f"got {len(after)}"
                )
            for name, v in zip(self.channels, after, strict=True):
                if not (np.isfinite(v) and v >= 0):
                    raise ValueError(
                        f"{where}: `after_s` for channel {name!r} must be a finite number "
                        f">= 0 s, got {v!r}"
                    )
        object.__setattr__(self, "after_s", after)
        if (
            isinstance(self.reserve_agents, bool)
            or not isinstance(self.reserve_agents, (int, np.integer))
            or self.reserve_agents < 0
        ):
            raise ValueError(
                f"{where}: `reserve_agents` must be a whole number >= 0, "
                f"got {self.reserve_agents!r}"
            )
        object.__setattr__(self, "reserve_agents", int(self.reserve_agents))

    def wait_before(self, channel: str) -> float:
        """The ``after_s`` of ``channel`` in this pool [s] (the pool must list it)."""
        return self.after_s[self.channels.index(channel)]


@dataclass(frozen=True)
class SimConfig:
    """A simulation: the interval grid, channels, pools and forecast error.

    Attributes
    ----------
    interval_s : interval length [s] (e.g. 900 for 15 minutes).
    channels : the channels.
    pools : the agent pools. Every channel is listed by its primary pool (``Channel.pool``,
        with ``after_s`` 0) and by any number of others (skills, overflow); the order of
        ``pools`` is the order in which other pools are tried for an arriving contact.
    day_volume_cv : coefficient of variation of a day-level volume multiplier (mean 1,
        lognormal), drawn per day and channel: real volumes miss the forecast.
    interval_volume_cv : the same per interval.
    day_aht_cv : coefficient of variation of a day-level handle-time multiplier (AHT drift).
    warmup_s : warm-up before time 0 [s] (0: start empty at time 0). The first interval's
        arrival rate, staffing and opening run for ``warmup_s`` before the horizon; those
        contacts are simulated (they fill the queue and occupy agents) but not counted in any
        KPI or the log, and the agent and queue time integrals start at 0. For 24/7 horizons,
        where an empty start biases the first hours (service level too high). Warm-up
        contacts come from their own streams: the horizon's contacts are the same with or
        without it. (Retrials made by warm-up callers that arrive at or after 0 count.)
    """

    interval_s: float
    channels: tuple[Channel, ...]
    pools: tuple[Pool, ...]
    day_volume_cv: float = 0.0
    interval_volume_cv: float = 0.0
    day_aht_cv: float = 0.0
    warmup_s: float = 0.0

    def __post_init__(self):
        if not (np.isfinite(self.interval_s) and self.interval_s > 0):
            raise ValueError(f"`interval_s` must be a finite number > 0 s, got {self.interval_s!r}")
        object.__setattr__(self, "channels", tuple(self.channels))
        object.__setattr__(self, "pools", tuple(self.pools))
        if not self.channels:
            raise ValueError("`channels` must hold at least one channel")
        for name in ("day_volume_cv", "interval_volume_cv", "day_aht_cv", "warmup_s"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v >= 0):
                raise ValueError(f"`{name}` must be a finite number >= 0, got {v!r}")
        names = [c.name for c in self.channels]
        if len(set(names)) != len(names):
            raise ValueError(f"channel names must be unique, got {names}")
        horizon = self.n_intervals
        kinds = {c.name: c.kind for c in self.channels}
        pool_names = [p.name for p in self.pools]
        if len(set(pool_names)) != len(pool_names):
            raise ValueError(f"pool names must be unique, got {pool_names}")
        for pool in self.pools:
            if pool.agents.size < horizon:
                raise ValueError(
                    f"pool {pool.name!r}: `agents` covers {pool.agents.size} intervals, "
                    f"shorter than the {horizon}-interval horizon"
                )
            for ch in pool.channels:
                if ch not in names:
                    raise ValueError(
                        f"pool {pool.name!r} serves unknown channel {ch!r}; allowed: {names}"
                    )
            if pool.reserve_agents and not any(kinds[ch] == "deferred" for ch in pool.channels):
                raise ValueError(
                    f"pool {pool.name!r}: `reserve_agents` is for pools that serve a deferred "
                    f"channel; set it to 0"
                )
        by_name = dict(zip(pool_names, self.pools, strict=True))
        for c in self.channels:
            if c.calls_per_hour.size != horizon:
                raise ValueError(
                    f"channel {c.name!r}: `calls_per_hour` has {c.calls_per_hour.size} "
                    f"intervals, the first channel has {horizon}"
                )
            primary = by_name.get(c.pool)
            if primary is None:
                raise ValueError(
                    f"channel {c.name!r}: `pool` {c.pool!r} is not a pool; allowed: {pool_names}"
                )
            if c.name not in primary.channels:
                raise ValueError(f"channel {c.name!r}: pool {c.pool!r} does not list it")
            if primary.wait_before(c.name) != 0:
                raise ValueError(
                    f"channel {c.name!r}: its primary pool {c.pool!r} must take it at once "
                    f"(`after_s` 0), got {primary.wait_before(c.name)!r} s"
                )
            for name in ("open_intervals", "aht_scale", "patience_scale"):
                if getattr(c, name) is not None and getattr(c, name).size < horizon:
                    raise ValueError(f"channel {c.name!r}: `{name}` is shorter than the horizon")
            self.repeat_target(c)  # raises on an unknown repeat channel

    def repeat_target(self, channel: Channel) -> int:
        """Index of the channel ``channel``'s repeat contacts arrive on."""
        target = channel.repeat_channel
        names = [c.name for c in self.channels]
        if target is None:
            return names.index(channel.name)
        if isinstance(target, str):
            if target not in names:
                raise ValueError(
                    f"channel {channel.name!r}: `repeat_channel` {target!r} is not a channel; "
                    f"allowed: {names}"
                )
            return names.index(target)
        if not 0 <= int(target) < len(names):
            raise ValueError(
                f"channel {channel.name!r}: `repeat_channel` index must be in "
                f"[0, {len(names) - 1}], got {target!r}"
            )
        return int(target)

    @property
    def n_intervals(self) -> int:
        return int(self.channels[0].calls_per_hour.size)

    @property
    def horizon_s(self) -> float:
        return self.n_intervals * self.interval_s

    @property
    def expected_contacts(self) -> float:
        """The forecast contacts over the horizon (every channel, before forecast error,
        retrials and repeats): a replication's work, for ordering tasks."""
        hours = self.interval_s / 3600.0
        return float(sum(c.calls_per_hour.sum() for c in self.channels) * hours)
