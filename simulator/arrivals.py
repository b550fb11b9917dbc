"""Contacts drawn chunk by chunk: piecewise-constant Poisson arrivals with forecast error.

Every contact's arrival instant, handle time and patience come from separate random streams per
channel, so two staffing plans simulated with the same seed see exactly the same contacts
(common random numbers); only what happens to them differs.

The small per-interval quantities (forecast-error multipliers, the Poisson count of every
interval) are drawn for the whole horizon up front; the per-contact values (instants, handle
times, patience) are drawn a chunk of whole intervals at a time, as the simulation reaches it.
NumPy's generators produce the same numbers whether ``k1 + k2`` values are drawn in one call or
in calls of ``k1`` and ``k2``, so the contacts do not depend on the chunking: a year costs the
memory of one chunk, and ``draw_contacts`` (one chunk) gives the same contacts.

Prefix-stable: every stream is consumed in time order and holds one kind of number only (the
interval counts, the instants, the day and interval multipliers each have their own), so the
contacts of the first N intervals are the same whatever the horizon: extending a horizon adds
contacts at its end and changes none before.

Warm-up (``SimConfig.warmup_s``): contacts before time 0, at the first interval's rate, from a
stream of their own, so the contacts of the horizon are the same with or without it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import SimConfig

SECONDS_PER_DAY = 86_400.0

#: Upper bound on the forecast contacts of one chunk (a chunk holds at least one interval).
CHUNK_CONTACTS = 65_536


@dataclass(frozen=True)
class Contacts:
    """Contacts sorted by arrival instant.

    Attributes
    ----------
    arrived_at_s : arrival instants [s since the start].
    channel : index into ``SimConfig.channels``.
    handle_s : handle time each would need with one contact on the agent [s].
    patience_s : how long each would wait before abandoning [s] (inf: never).
    """

    arrived_at_s: np.ndarray
    channel: np.ndarray
    handle_s: np.ndarray
    patience_s: np.ndarray


def lognormal_multipliers(rng: np.random.Generator, cv: float, size: int) -> np.ndarray:
    """Multipliers with mean 1 and coefficient of variation ``cv`` (all 1 when ``cv`` is 0)."""
    if cv == 0:
        return np.ones(size)
    sigma2 = np.log1p(cv * cv)
    return rng.lognormal(-0.5 * sigma2, np.sqrt(sigma2), size)


def _multipliers(streams, purpose: str, i: int, cv: float, size: int) -> np.ndarray:
    """``lognormal_multipliers`` from channel ``i``'s stream of ``purpose``; with ``cv`` 0 the
    stream is not touched (``run.Streams`` then never builds it: it would draw nothing)."""
    return np.ones(size) if cv == 0 else lognormal_multipliers(streams[purpose][i], cv, size)


def _uniform_instants(
    counts: np.ndarray, first: int, interval_s: float, rng: np.random.Generator
) -> np.ndarray:
    """Sorted instants [s] of ``counts[j]`` uniform points in interval ``first + j``.

    Given a Poisson count in an interval, the instants of a Poisson process with a constant
    rate there are independent and uniform over it (Ross, *Stochastic Processes*, thm. 2.3.1).
    """
    starts = np.repeat(np.arange(first, first + counts.size) * interval_s, counts)
    return np.sort(starts + rng.random(starts.size) * interval_s)


class ContactStream:
    """The forecast contacts of one replication, drawn a chunk of intervals at a time.

    ``streams`` holds, per purpose (``simulator.run.STREAMS``: interval ``"counts"``, arrival
    ``"arrivals"`` instants, ``"handle"``, ``"patience"``, the ``"day_volume"``, interval
    (``"forecast"``) and ``"day_aht"`` multipliers, ``"warmup"`` contacts), one generator per
    channel. Chunks must be drawn in order, each once.
    ``chunk_contacts`` bounds the contacts of a chunk (None: ``CHUNK_CONTACTS``; 0: the whole
    horizon is one chunk).
    """

    def __init__(
        self,
        config: SimConfig,
        streams: dict[str, list[np.random.Generator]],
        chunk_contacts: int | None = None,
    ):
        n = config.n_intervals
        self.config = config
        self.streams = streams
        self.per_day = per_day = max(1, int(round(SECONDS_PER_DAY / config.interval_s)))
        day_of_interval = np.arange(n) // per_day
        n_days = int(day_of_interval[-1]) + 1
        self.n_days = n_days
        self.counts, self.aht_day = [], []
        self.rate0_per_s = []  # the first interval's rate, forecast error included (warm-up)
        for i, ch in enumerate(config.channels):
            multiplier = _multipliers(streams, "day_volume", i, config.day_volume_cv, n_days)[
                day_of_interval
            ] * _multipliers(streams, "forecast", i, config.interval_volume_cv, n)
            self.aht_day.append(_multipliers(streams, "day_aht", i, config.day_aht_cv, n_days))
            rate_per_s = ch.calls_per_hour / 3600.0 * multiplier
            self.rate0_per_s.append(float(rate_per_s[0]))
            self.counts.append(streams["counts"][i].poisson(rate_per_s * config.interval_s))
        # Chunk boundaries (interval indices): whole intervals, about `chunk_contacts` each.
        total = np.cumsum(np.sum(self.counts, axis=0))
        if chunk_contacts is None:
            chunk_contacts = CHUNK_CONTACTS
        if chunk_contacts <= 0:  # one chunk
            chunk_contacts = int(total[-1]) + 1
        bounds = [0]
        while bounds[-1] < n:
            done = total[bounds[-1] - 1] if bounds[-1] else 0
            nxt = int(np.searchsorted(total, done + chunk_contacts, side="right"))
            bounds.append(min(n, max(nxt, bounds[-1] + 1)))
        self.bounds = bounds
        self.n_chunks = len(bounds) - 1
        self.total = int(total[-1])

    def warmup(self) -> Contacts:
        """The contacts of the warm-up, ``-warmup_s <= t < 0``: a Poisson process at the first
        interval's rate, with its handle-time and patience scales, from the ``warmup`` streams."""
        config = self.config
        warmup_s = float(config.warmup_s)
        parts = []
        for i, ch in enumerate(config.channels):
            rng = self.streams["warmup"][i]
            m = int(rng.poisson(self.rate0_per_s[i] * warmup_s)) if warmup_s > 0 else 0
            times = np.sort(rng.random(m)) * warmup_s - warmup_s
            handle = ch.handle_time.sample(rng, m) * self.aht_day[i][0]
            patience = np.full(m, np.inf) if ch.patience is None else ch.patience.sample(rng, m)
            if ch.aht_scale is not None:
                handle = handle * ch.aht_scale[0]
            if ch.patience_scale is not None:
                patience = patience * ch.patience_scale[0]
            parts.append((times, np.full(m, i, dtype=np.int32), handle, patience))
        return _joined(parts)

    def chunk(self, j: int) -> Contacts:
        """The contacts arriving in intervals ``bounds[j]`` to ``bounds[j + 1] - 1``."""
        config, streams = self.config, self.streams
        lo, hi = self.bounds[j], self.bounds[j + 1]
        day_s = self.per_day * config.interval_s
        parts = []
        for i, ch in enumerate(config.channels):
            times = _uniform_instants(
                self.counts[i][lo:hi], lo, config.interval_s, streams["arrivals"][i]
            )
            handle = ch.handle_time.sample(streams["handle"][i], times.size)
            if config.day_aht_cv:  # (else every multiplier is 1: skip the day lookup)
                day = np.minimum((times // day_s).astype(np.int64), self.n_days - 1)
                handle = handle * self.aht_day[i][day]
            patience = (
                np.full(times.size, np.inf)
                if ch.patience is None
                else ch.patience.sample(streams["patience"][i], times.size)
            )
            if ch.aht_scale is not None or ch.patience_scale is not None:
                interval = np.minimum((times // config.interval_s).astype(np.int64), hi - 1)
                if ch.aht_scale is not None:
                    handle = handle * ch.aht_scale[interval]
                if ch.patience_scale is not None:
                    patience = patience * ch.patience_scale[interval]
            parts.append((times, np.full(times.size, i, dtype=np.int32), handle, patience))
        return _joined(parts)


def _joined(parts) -> Contacts:
    """The contacts of every channel, ``(times, channel, handle, patience)`` each, in time
    order (ties keep the channel order)."""
    if len(parts) == 1:  # one channel: already in time order (a stable sort keeps it)
        return Contacts(*parts[0])
    times, channel, handle, patience = (np.concatenate(col) for col in zip(*parts, strict=True))
    order = np.argsort(times, kind="stable")
    return Contacts(times[order], channel[order], handle[order], patience[order])


def draw_contacts(config: SimConfig, streams: dict[str, list[np.random.Generator]]) -> Contacts:
    """All forecast contacts of one replication at once (the same as the chunks joined)."""
    return ContactStream(config, streams, chunk_contacts=0).chunk(0)
