"""The forecast contacts of a (demand, seed) pair, drawn once per process and then reused.

The verdict simulates the same demand on the same seeds many times with different staffing
(common random numbers: replication ``i`` is child ``i`` of ``SeedSequence(seed)``; its breach
risk, the search for extra agents, period-optimal staffing and the comparison of standards
each re-run it). The contacts a replication sees -- every ``ContactStream`` chunk and the
warm-up -- are a pure function of

* the contact fields of the config (``CONTACT_FIELDS``, every field ``arrivals.py`` reads:
  the interval grid, the warm-up, the forecast-error CVs, and per channel its arrival rates,
  handle-time and patience distributions and their per-interval scales) and the chunk size;
* the seed: the ``SeedSequence`` the replication's streams are spawned from (its entropy,
  spawn key, pool size and children spawned so far).

Staffing, pools, thresholds, opening hours, retrials and repeats are not inputs: the engines
decide what happens to the contacts, never which contacts arrive. So ``ContactMemo`` keeps the
drawn chunks under a digest of those fields and the seed, and a later replication with the
same key gets the same arrays instead of drawing them again. That is the memo of a pure
function, not state that changes results: a hit returns exactly the arrays a fresh draw gives
(``tests/simulator/test_draws.py`` checks it over seeds, channel kinds, warm-up, scales and
forecast error), a miss draws them as before, and eviction only means drawing again. The
arrays are made read-only, so no engine (or caller) can change what a later hit returns; the
engines copy them into their own columns anyway. The retrial and repeat streams are not memoized:
the engines draw them live during the run, in the order events happen, as before.

Memory is bounded (``MAX_BYTES``). Entries are grouped by demand: the least recently used
demand is evicted first, and within a demand the most recently stored replication first.
Every simulation of a demand asks for its seeds in the same order (0, 1, ..., n - 1), a cyclic
scan that plain LRU would turn into all misses once the memo is full (it evicts exactly the
seed asked for next); keeping the earliest seeds keeps the ones asked for first, and the
demand being simulated never evicts its own entries. A replication bigger than
``MAX_ENTRY_BYTES`` is not kept (drawing is then a small part of its simulation, and long
horizons keep their memory of one chunk). A seed of None (fresh entropy) is never memoized.

Each process has its own memo (worker processes included: ``ProcessExecutor`` hands a task to
whichever worker is free, so each worker keeps the seeds it has run). ``MEMO.info()`` counts
hits, misses and the bytes held.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, fields

import numpy as np

from . import arrivals
from .arrivals import Contacts, ContactStream
from .config import Channel, SimConfig
from .distributions import Distribution

#: Memory the memo may hold per process [bytes].
MAX_BYTES = 200 * 2**20
#: Largest replication kept [bytes] (~900,000 contacts): an eighth of the memo.
MAX_ENTRY_BYTES = MAX_BYTES // 8
#: Bytes per contact held: arrival instant, handle time and patience (float64), channel (int32).
BYTES_PER_CONTACT = 3 * 8 + 4

#: The fields the contacts depend on (``arrivals.py`` reads these and nothing else); the
#: others are listed so that a new field must be classified (``tests/simulator/test_draws.py``).
CONTACT_FIELDS = {
    SimConfig: (
        "interval_s",
        "channels",
        "day_volume_cv",
        "interval_volume_cv",
        "day_aht_cv",
        "warmup_s",
    ),
    Channel: ("calls_per_hour", "handle_time", "patience", "aht_scale", "patience_scale"),
    Distribution: ("kind", "mean_s", "cv", "values_s"),
}
OTHER_FIELDS = {
    SimConfig: ("pools",),
    Channel: (
        "name",
        "kind",
        "threshold_s",
        "also_thresholds_s",
        "pool",
        "concurrency",
        "concurrency_stretch",
        "open_intervals",
        "retrial_share",
        "retrial_delay",
        "deadline_clock",
        "repeat_share",
        "repeat_delay",
        "repeat_channel",
    ),
}


def _feed(h, value) -> None:
    """Add ``value`` (None, a number, a string, an array or a distribution) to the digest,
    tagged by type so that different values never feed the same bytes."""
    if value is None:
        h.update(b"N")
    elif isinstance(value, Distribution):
        h.update(b"D")
        for name in CONTACT_FIELDS[Distribution]:
            _feed(h, getattr(value, name))
    elif isinstance(value, np.ndarray):
        arr = np.ascontiguousarray(value)
        h.update(f"A{arr.dtype.str}{arr.shape}".encode())
        h.update(arr.tobytes())
    elif isinstance(value, str):
        h.update(b"S" + value.encode() + b"\0")
    else:
        h.update(b"F" + np.float64(value).tobytes())


def demand_key(config: SimConfig) -> bytes:
    """Digest of everything the contacts depend on but the seed (``CONTACT_FIELDS`` and the
    chunk size, ``arrivals.CHUNK_CONTACTS``, which sets the batches the engines load)."""
    h = hashlib.blake2b(digest_size=20)
    _feed(h, arrivals.CHUNK_CONTACTS)
    for name in CONTACT_FIELDS[SimConfig]:
        if name != "channels":
            _feed(h, getattr(config, name))
    _feed(h, len(config.channels))
    for ch in config.channels:
        for name in CONTACT_FIELDS[Channel]:
            _feed(h, getattr(ch, name))
    return h.digest()


def seed_key(seq: np.random.SeedSequence) -> tuple:
    """What a ``SeedSequence``'s children depend on: entropy, spawn key, pool size and the
    children spawned so far (the offset of the next spawn)."""
    entropy = seq.entropy  # a (numpy or Python, any size) integer, or a sequence of them
    if np.ndim(entropy) == 0:
        entropy = ("int", int(entropy))
    else:
        entropy = ("seq", tuple(int(x) for x in np.ravel(entropy)))
    return entropy, tuple(seq.spawn_key), seq.pool_size, seq.n_children_spawned


def _read_only(contacts: Contacts) -> Contacts:
    for f in fields(contacts):
        getattr(contacts, f.name).flags.writeable = False
    return contacts


@dataclass(frozen=True)
class DrawnContacts:
    """Every chunk (and the warm-up) of one replication, read-only: ``ContactStream``'s
    interface for the engines (``n_chunks``, ``warmup()``, ``chunk(j)``)."""

    n_chunks: int
    warmup_contacts: Contacts | None
    chunks: tuple[Contacts, ...]

    def warmup(self) -> Contacts:
        return self.warmup_contacts

    def chunk(self, j: int) -> Contacts:
        return self.chunks[j]

    @property
    def nbytes(self) -> int:
        parts = (*self.chunks, *(() if self.warmup_contacts is None else (self.warmup_contacts,)))
        return sum(getattr(c, f.name).nbytes for c in parts for f in fields(c))


class _Recording:
    """A ``ContactStream`` that hands what it drew to the memo once the engine has drawn it
    all (chunks in order, and the warm-up when there is one)."""

    def __init__(self, stream: ContactStream, memo: ContactMemo, key: tuple, warmup: bool):
        self._stream, self._memo, self._key = stream, memo, key
        self.n_chunks = stream.n_chunks
        self._chunks: list[Contacts] = []
        self._warmup: Contacts | None = None
        self._needs_warmup = warmup
        self._in_order = True

    def warmup(self) -> Contacts:
        self._warmup = _read_only(self._stream.warmup())
        self._store_if_complete()
        return self._warmup

    def chunk(self, j: int) -> Contacts:
        drawn = _read_only(self._stream.chunk(j))
        self._in_order &= j == len(self._chunks)
        self._chunks.append(drawn)
        self._store_if_complete()
        return drawn

    def _store_if_complete(self) -> None:
        if (
            self._in_order
            and len(self._chunks) == self.n_chunks
            and (self._warmup is not None or not self._needs_warmup)
        ):
            drawn = DrawnContacts(self.n_chunks, self._warmup, tuple(self._chunks))
            self._memo.store(self._key, drawn)
            self._in_order = False  # stored once


class ContactMemo:
    """Drawn contacts by (demand, seed), at most ``max_bytes`` of them (see the module)."""

    def __init__(self, max_bytes: int = MAX_BYTES, max_entry_bytes: int = MAX_ENTRY_BYTES):
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self._lock = threading.Lock()  # the app may simulate from several threads
        self.clear()

    def clear(self) -> None:
        """Forget every entry and reset the counts."""
        with self._lock:
            self._groups: OrderedDict[bytes, OrderedDict[tuple, DrawnContacts]] = OrderedDict()
            # The demand keys of the configs asked about last, by id (each with its config,
            # which keeps the id from being reused): a ``replicate`` call's replications
            # share one config, digested once.
            self._keys: OrderedDict[int, tuple[SimConfig, bytes]] = OrderedDict()
            self.nbytes = 0
            self.hits = self.misses = self.stored = self.evicted = 0

    def info(self) -> dict[str, int]:
        """Counts: ``hits``, ``misses``, ``stored``, ``evicted`` replications; ``entries`` and
        ``nbytes`` held now."""
        with self._lock:
            entries = sum(len(g) for g in self._groups.values())
            return {
                "hits": self.hits,
                "misses": self.misses,
                "stored": self.stored,
                "evicted": self.evicted,
                "entries": entries,
                "nbytes": self.nbytes,
            }

    def stream(self, config: SimConfig, streams):
        """The contacts of ``config`` drawn from ``streams`` (``run.Streams``): the memo's
        ``DrawnContacts`` on a hit; else a ``ContactStream`` on those streams that is kept
        here once drawn (when small enough)."""
        demand, seed = self._demand_key(config), seed_key(streams.seq)
        with self._lock:
            group = self._groups.get(demand)
            if group is not None:
                self._groups.move_to_end(demand)
                hit = group.get(seed)
                if hit is not None:
                    self.hits += 1
                    return hit
            self.misses += 1
        stream = ContactStream(config, streams)
        if stream.total * BYTES_PER_CONTACT > self.max_entry_bytes:
            return stream
        return _Recording(stream, self, (demand, seed), config.warmup_s > 0)

    def _demand_key(self, config: SimConfig) -> bytes:
        """``demand_key(config)``, digested once per config object (of the last 8)."""
        with self._lock:
            kept = self._keys.get(id(config))
            if kept is not None and kept[0] is config:
                return kept[1]
        key = demand_key(config)
        with self._lock:
            self._keys[id(config)] = (config, key)
            while len(self._keys) > 8:
                self._keys.popitem(last=False)
        return key

    def store(self, key: tuple, drawn: DrawnContacts) -> None:
        """Keep ``drawn`` under ``key`` = (demand, seed), evicting (least recently used demand
        first, its latest stored seeds first) but never the demand's own entries."""
        demand, seed = key
        size = drawn.nbytes
        if size > self.max_entry_bytes:
            return
        with self._lock:
            groups = self._groups
            group = groups.setdefault(demand, OrderedDict())
            groups.move_to_end(demand)
            while self.nbytes + size > self.max_bytes:
                victim_demand = next(iter(groups))
                if victim_demand == demand:  # only this demand left: keep its earlier seeds
                    if not group:
                        del groups[demand]
                    return
                victim = groups[victim_demand]
                self.nbytes -= victim.popitem(last=True)[1].nbytes
                self.evicted += 1
                if not victim:
                    del groups[victim_demand]
            if seed not in group:
                group[seed] = drawn
                self.nbytes += size
                self.stored += 1


#: This process's memo (``run.simulate`` draws through it).
MEMO = ContactMemo()


def _after_fork_in_child() -> None:
    """A worker forked while another thread held the memo's lock would inherit it held and
    wait forever: the child gets a new lock (and keeps the parent's entries, still valid)."""
    MEMO._lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # (POSIX)
    os.register_at_fork(after_in_child=_after_fork_in_child)
