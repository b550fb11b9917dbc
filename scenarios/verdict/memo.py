"""Simulations shared by the verdict's stages: one set of replications per staffing and seed.

The verdict asks the simulator the same question several times: the breach risk at the
offered staffing is the risk-capping search's first candidate and the comparison's current
standard under per-interval staffing; the period-optimal staffing the verdict checks is the
comparison's current standard under period-optimal staffing. ``SimulationMemo`` keeps each
answer (every clause's ``BreachRisk``) under the full description of what was simulated, so
the second asker gets the first answer instead of a new simulation. It is an explicit object
handed down the verdict (no global state): a new verdict starts with an empty one, and the
app may keep one per session so that a re-render simulates nothing already simulated.

The key is a digest of everything the answer depends on: the simulation configuration (the
staffing per interval, the demand, the channel, the forecast error, the warm-up), the target
(its clauses, SL definition, reporting period, exclusions, penalties), the interval grid, the
intervals the demand flags as excluded, the model and currency named in the answer, the
number of replications and the seed. Two questions with the same key are the same question,
so the memo's answers are exactly those a new simulation would give (replications are
reproducible bit for bit from their seed, ``simulator.replicate``).
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections.abc import Callable
from typing import Any

import numpy as np


def seed_key(seed) -> tuple:
    """A hashable description of ``seed`` (int or ``SeedSequence``): the same key gives the
    same replications."""
    if isinstance(seed, np.random.SeedSequence):
        return (
            "seq",
            repr(seed.entropy),
            tuple(seed.spawn_key),
            seed.pool_size,
            seed.n_children_spawned,
        )
    return ("int", None if seed is None else int(seed))


def digest(*parts: Any) -> str:
    """SHA-256 of the pickled ``parts`` (plain data, numpy arrays, frozen dataclasses and
    pydantic models pickle to the same bytes for the same content)."""
    return hashlib.sha256(pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()


#: ``SimulationMemo.replications``' default budget [bytes].
REPLICATIONS_BYTES = 128 * 2**20


class SimulationMemo:
    """Answers already simulated, by key (``digest`` of what was simulated, replications,
    ``seed_key``). ``hits`` and ``misses`` count the questions answered from the memo and by
    a new simulation; ``shared`` the answers computed from replications simulated for
    another question (``replications``).

    Safe to share between threads (the verdict runs independent sections side by side): a
    question being simulated by one thread is waited for by the others asking it, not
    simulated twice."""

    def __init__(self, replications_bytes: int = REPLICATIONS_BYTES) -> None:
        self._answers: dict[tuple, Any] = {}
        self._running: dict[tuple, threading.Event] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.shared = 0
        self.replications_bytes = replications_bytes
        self._kept: dict[tuple, int] = {}  # the replications kept, oldest first: their bytes

    def __len__(self) -> int:
        """The answers kept (not counting the replications kept)."""
        with self._lock:
            return sum(1 for key in self._answers if key not in self._kept)

    def get(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """The answer stored under ``key``, else ``compute()`` stored under it. A dict answer
        is returned as a new dict (callers may add to theirs without changing the memo's)."""
        answer, hit = self._get(key, compute)
        with self._lock:
            self.hits += hit
            self.misses += not hit
        return dict(answer) if isinstance(answer, dict) else answer

    def _get(self, key: tuple, compute: Callable[[], Any]) -> tuple[Any, bool]:
        """The value stored under ``key``, else ``compute()`` stored under it; and whether it
        was stored (or being computed by another thread) before."""
        while True:
            with self._lock:
                if key in self._answers:
                    return self._answers[key], True
                running = self._running.get(key)
                if running is None:
                    self._running[key] = done = threading.Event()
            if running is not None:
                running.wait()  # another thread is simulating it; if that failed, try again
                continue
            try:
                answer = compute()
                with self._lock:
                    self._answers[key] = answer
            finally:
                with self._lock:
                    del self._running[key]
                done.set()
            return answer, False

    def replications(self, config, n: int, seed, compute: Callable[[], Any]):
        """The ``ReplicationResult`` of ``n`` replications of ``config`` from ``seed``, else
        ``compute()``'s, kept while the replications kept take at most ``replications_bytes``
        (the oldest go first; one larger is not kept). Unlike the answers they are large (a
        four-week channel's 30 replications: ~10 MB), so a long session keeps only the recent
        ones: those its stages share (``breach._shared_replications``). Those found count in
        ``shared``."""
        key = ("replications", digest(config), n, seed_key(seed))
        reps, hit = self._get(key, compute)
        size = sum(_nbytes(run.sums) for run in reps.runs)
        with self._lock:
            self.shared += hit
            if key not in self._kept and key in self._answers:
                self._kept[key] = size
            while self._kept and sum(self._kept.values()) > self.replications_bytes:
                del self._answers[(oldest := next(iter(self._kept)))]
                del self._kept[oldest]
        return reps


def _nbytes(value) -> int:
    """Bytes of the numpy arrays in ``value`` (a dataclass, tuple or array, nested)."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (tuple, list)):
        return sum(map(_nbytes, value))
    if hasattr(value, "__dataclass_fields__"):
        return sum(_nbytes(getattr(value, name)) for name in value.__dataclass_fields__)
    return 0


def _one_replication(task):
    """Replication ``child`` of ``config`` on ``engine`` (runs in a worker; no log kept)."""
    from simulator import simulate

    config, child, engine = task
    return simulate(config, child, keep_log=False, engine=engine)


_one_replication.releases_gil = lambda task: task[2] == "compiled"  # (see simulator._replication)
_one_replication.cost = lambda task: task[0].expected_contacts


def extend_replications(config, earlier, n: int, seed, executor=None):
    """``simulator.replicate(config, n, seed, executor=executor)`` when ``earlier`` (a
    ``ReplicationResult`` or None) holds its first replications already: replication ``i`` is
    child ``i`` of ``SeedSequence(seed).spawn(n)``, the same child whatever ``n``, so only
    children ``len(earlier.runs)`` to ``n - 1`` are simulated and appended (the same runs, bit
    for bit, as simulating all ``n``). ``earlier`` must come from the same ``config`` and
    ``seed`` (the caller's to keep)."""
    from simulator import ReplicationResult, replicate
    from simulator.executors import SerialExecutor
    from simulator.run import choose_engine, seed_sequence

    done = () if earlier is None else tuple(earlier.runs)
    if not done or len(done) >= n:
        return replicate(config, n, seed, executor=executor) if not done else earlier
    engine = choose_engine(config)
    children = seed_sequence(seed).spawn(n)[len(done) :]
    runner = executor if executor is not None else SerialExecutor()
    more = runner.map(_one_replication, [(config, child, engine) for child in children])
    return ReplicationResult(done + tuple(more))
