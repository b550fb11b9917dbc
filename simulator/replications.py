"""Independent replications with seeds spawned per replication, and t-based confidence intervals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from .config import SimConfig
from .executors import SerialExecutor, map_in_batches
from .kpis import COUNT_FIELDS
from .run import SimResult, choose_engine, seed_sequence, simulate


@dataclass(frozen=True)
class Estimate:
    """Mean over replications with a two-sided t confidence interval (per period)."""

    mean: np.ndarray
    half_width: np.ndarray
    confidence: float
    n: int

    @property
    def low(self) -> np.ndarray:
        return self.mean - self.half_width

    @property
    def high(self) -> np.ndarray:
        return self.mean + self.half_width

    def contains(self, value) -> np.ndarray:
        """Whether ``value`` lies inside the interval."""
        return (self.low <= value) & (value <= self.high)


def t_interval(samples: np.ndarray, confidence: float = 0.95) -> Estimate:
    """Mean and t-interval over axis 0 (replications) of ``samples``.

    A replication in which a period is not measured (NaN: e.g. no contact offered in it) is
    left out of that period's mean; a period measured in fewer than 2 replications gets an
    infinite half-width, and one measured in none a NaN mean.
    """
    samples = np.asarray(samples, dtype=float)
    n = samples.shape[0]
    if n < 2:
        raise ValueError(f"a confidence interval needs at least 2 replications, got {n}")
    measured = (~np.isnan(samples)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.where(np.isnan(samples), 0.0, samples).sum(axis=0)
        mean = np.where(measured > 0, total / np.maximum(measured, 1), np.nan)
        squares = np.where(np.isnan(samples), 0.0, (samples - mean) ** 2).sum(axis=0)
        sem = np.sqrt(squares / np.maximum(measured - 1, 1) / np.maximum(measured, 1))
        quantile = special.stdtrit(np.maximum(measured - 1, 1), 0.5 + confidence / 2.0)
    half = np.where((measured >= 2) & np.isfinite(mean), quantile * sem, np.inf)
    return Estimate(mean, half, confidence, n)


@dataclass(frozen=True)
class ReplicationResult:
    """The replications of one configuration, in seed order."""

    runs: tuple[SimResult, ...]

    @property
    def engine(self) -> str:
        """The engine that ran the replications (``"compiled"`` or ``"simpy"``; both, joined
        by ``"+"``, if they differ)."""
        return "+".join(sorted({r.engine for r in self.runs}))

    def at_threshold(self, channel: str, threshold_s: float) -> ReplicationResult:
        """The replications as if simulated with ``threshold_s`` as ``channel``'s threshold,
        one of those counted (``SimResult.at_threshold``)."""
        return ReplicationResult(tuple(r.at_threshold(channel, threshold_s) for r in self.runs))

    def samples(
        self, kpi: str, *, channel: str | None = None, pool: str | None = None, level: str = "run"
    ) -> np.ndarray:
        """``kpi`` of one channel (or pool) at ``level`` ("interval", "day" or "run"), one row
        per replication."""
        levels = {"interval": "intervals", "day": "days", "run": "run"}
        if level not in levels:
            raise ValueError(f"`level` must be one of {tuple(levels)}, got {level!r}")
        if pool is None and level == "interval" and kpi in COUNT_FIELDS and self.runs:
            # A count per interval is the sums' own: read there, no KPIs computed (the
            # verdict's searches read only counts of many replications).
            names = [name for name, _ in self.runs[0].sums.channels]
            if channel not in names:
                raise KeyError(channel)  # (as the KPIs' mapping says it)
            i = names.index(channel)
            return np.array([getattr(r.sums.totals, kpi)[i] for r in self.runs], dtype=float)
        rows = []
        for r in self.runs:
            period = getattr(r, levels[level])
            owner = period.channels[channel] if pool is None else period.pools[pool]
            rows.append(np.asarray(getattr(owner, kpi), dtype=float))
        out = np.array(rows)
        return out[:, 0] if level == "run" else out

    def estimate(self, kpi: str, *, channel=None, pool=None, level="run", confidence=0.95):
        """Mean of ``kpi`` over the replications with its t confidence interval."""
        return t_interval(self.samples(kpi, channel=channel, pool=pool, level=level), confidence)


def _replication(task) -> SimResult:
    """One replication (runs in a worker): ``task`` is ``(config, seed, keep_logs, engine)``.

    The per-contact log is dropped here, in the worker, unless asked for: it dominates both
    memory and the cost of sending the result back.
    """
    config, seed, keep_logs, engine = task
    return simulate(config, seed, keep_log=keep_logs, engine=engine)


# The compiled engine's event loop releases the GIL (``@njit(nogil=True)``): its replications
# run side by side on threads (``executors.LocalExecutor``); SimPy's need processes.
_replication.releases_gil = lambda task: task[3] == "compiled"
# Its work, for a thread executor's shortest-first order: the contacts it draws.
_replication.cost = lambda task: task[0].expected_contacts


def replicate(
    config: SimConfig,
    n: int,
    seed=None,
    *,
    keep_logs: bool = False,
    progress=None,
    executor=None,
    engine: str = "auto",
) -> ReplicationResult:
    """Run ``n`` independent replications of ``config``.

    Replication ``i`` uses child ``i`` of ``numpy.random.SeedSequence(seed).spawn(n)``, so the
    same seed gives the same numbers on every machine, and replication ``i`` of two staffing
    plans sees the same contacts (common random numbers). Per-contact logs are dropped unless
    ``keep_logs`` (they dominate memory). ``progress(done, n)`` is called as each one
    finishes.

    ``executor`` (see ``simulator.executors``) runs the replications: None runs them one after
    the other in this process; a ``ProcessExecutor`` or ``DaskExecutor`` runs them in parallel.
    The seeds are spawned here, once per replication, so the results are the same bit for bit
    whichever executor runs them, and are always returned in seed order.

    ``engine`` ("auto", "compiled" or "simpy", ``run.choose_engine``) is chosen once, here,
    so every replication runs on the same engine (``ReplicationResult.engine``).
    """
    runner = executor if executor is not None else SerialExecutor()
    tasks = _tasks(config, n, seed, keep_logs, engine)
    return ReplicationResult(tuple(runner.map(_replication, tasks, progress=progress)))


def replicate_in_batches(
    config: SimConfig,
    n: int,
    seed=None,
    *,
    keep_logs: bool = False,
    progress=None,
    executor=None,
    engine: str = "auto",
):
    """The replications of ``replicate`` (same seeds, same numbers), yielded a batch of one
    per worker at a time, so that a run stopped midway (Ctrl-C, a Cancel button) keeps the
    replications that finished."""
    runner = executor if executor is not None else SerialExecutor()
    tasks = _tasks(config, n, seed, keep_logs, engine)
    yield from map_in_batches(runner, _replication, tasks, progress)


def _tasks(config: SimConfig, n: int, seed, keep_logs: bool, engine: str) -> list:
    """One task per replication: child ``i`` of ``SeedSequence(seed).spawn(n)`` for the ``i``-th."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"`n` (replications) must be a whole number >= 1, got {n!r}")
    used = choose_engine(config, engine)
    # A copy: spawning from the caller's SeedSequence would change it (and the next run).
    return [(config, child, keep_logs, used) for child in seed_sequence(seed).spawn(n)]
