"""Contacts generated up front: piecewise-constant Poisson arrivals with forecast error.

Every contact's arrival instant, handle time and patience are drawn before the simulation
starts, from separate random streams per channel. Two staffing plans simulated with the same
seed therefore see exactly the same contacts (common random numbers); only what happens to
them differs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import SimConfig

SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class Contacts:
    """The contacts of one replication, sorted by arrival instant.

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


def piecewise_poisson(
    rate_per_s: np.ndarray, interval_s: float, rng: np.random.Generator
) -> np.ndarray:
    """Arrival instants [s] of a Poisson process with a constant rate within each interval.

    Given the count in an interval (Poisson with mean rate x length), the instants are
    independent and uniform over it; sorting the uniforms of consecutive intervals gives the
    process (Ross, *Stochastic Processes*, thm. 2.3.1).
    """
    counts = rng.poisson(rate_per_s * interval_s)
    starts = np.repeat(np.arange(rate_per_s.size) * interval_s, counts)
    return np.sort(starts + rng.random(starts.size) * interval_s)


def draw_contacts(config: SimConfig, streams: dict[str, list[np.random.Generator]]) -> Contacts:
    """All contacts of one replication.

    ``streams`` holds, per purpose (``"arrivals"``, ``"handle"``, ``"patience"``,
    ``"forecast"``), one generator per channel.
    """
    n = config.n_intervals
    per_day = max(1, int(round(SECONDS_PER_DAY / config.interval_s)))
    day_of_interval = np.arange(n) // per_day
    n_days = int(day_of_interval[-1]) + 1
    parts = []
    for i, ch in enumerate(config.channels):
        fc = streams["forecast"][i]
        multiplier = lognormal_multipliers(fc, config.day_volume_cv, n_days)[
            day_of_interval
        ] * lognormal_multipliers(fc, config.interval_volume_cv, n)
        aht_day = lognormal_multipliers(fc, config.day_aht_cv, n_days)
        times = piecewise_poisson(
            ch.calls_per_hour / 3600.0 * multiplier, config.interval_s, streams["arrivals"][i]
        )
        day = np.minimum((times // (per_day * config.interval_s)).astype(np.int64), n_days - 1)
        handle = ch.handle_time.sample(streams["handle"][i], times.size) * aht_day[day]
        patience = (
            np.full(times.size, np.inf)
            if ch.patience is None
            else ch.patience.sample(streams["patience"][i], times.size)
        )
        parts.append((times, np.full(times.size, i, dtype=np.int32), handle, patience))
    times, channel, handle, patience = (np.concatenate(col) for col in zip(*parts, strict=True))
    order = np.argsort(times, kind="stable")
    return Contacts(times[order], channel[order], handle[order], patience[order])
