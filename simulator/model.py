"""The SimPy model: contacts, queues and agents on a schedule, driven by event callbacks.

One SimPy ``Timeout`` per arrival, per service completion and per possible abandonment, each
with a plain callback: no generator process per contact, and no patience timer at all for a
contact that finds an agent free (the hot path of a reasonably staffed queue). Per-contact
state lives in one ``ContactColumns`` holder of typed arrays indexed by contact number;
time-weighted sums (agents present,
agent load, queue length) are integrated exactly at every change and cut at interval
boundaries. 1 simulation time unit = 1 second.

Bounded memory: forecast contacts are drawn a chunk at a time (``ContactStream``) when the
arrivals reach the chunk, and at each new chunk the contacts that are finished (answered and
out of service, abandoned or lost), up to the first one still waiting or in service, are added
to the per-interval ``ContactTotals`` (and to the log if it is kept) and dropped. Contacts keep
a global number (their place in the stream, retrials and repeats numbered when created); the
typed arrays hold numbers ``base`` onwards, so index ``c - base``.

Multi-skill routing (``Pool`` states the rules): an arriving contact tries its primary pool,
then the other pools that take its channel at once; a contact that queues gets one timer per
pool taking its channel after a wait (``after_s``), at which a free agent there takes it; an
agent freeing up takes, by its pool's priority, the head of the first queue it may take.
"""

from __future__ import annotations

from array import array
from collections import deque

import numpy as np
import simpy
from simpy.events import Timeout

from .arrivals import ContactStream
from .config import SimConfig
from .kpis import ABANDONED, ANSWERED, LOST, OUTCOMES, WAITING
from .ledger import SERVED as _SERVED
from .ledger import ContactLedger, finished_prefix

__all__ = [
    "ABANDONED",
    "ANSWERED",
    "LOST",
    "OUTCOMES",
    "WAITING",
    "Model",
    "draw_repeat",
    "draw_retrial",
]

_VOICE, _CHAT, _DEFERRED = 0, 1, 2
_KIND_CODES = {"voice": _VOICE, "chat": _CHAT, "deferred": _DEFERRED}
_FULL = 1 << 30  # "used" value of an agent busy with one voice or deferred contact
# Slack on "has waited after_s": the overflow timer fires at (arrival instant + after_s) as
# SimPy sums it, which rounding can put an ulp from arrived_s + after_s.
_TOLERANCE_S = 1e-6


def _draw_again(
    rng: np.random.Generator, share, delay, target
) -> tuple[float, float, float] | None:
    """With probability ``share`` a new contact on channel ``target``: ``(delay_s, handle_s,
    patience_s)``, else None. One uniform draw decides (none at all when ``share`` is 0, so a
    configuration without it consumes nothing), then the delay, handle time and patience are
    drawn one at a time, in that order."""
    if not share or rng.random() >= share:
        return None
    delay_s = float(delay.sample(rng, 1)[0])
    handle_s = float(target.handle_time.sample(rng, 1)[0])
    dist = target.patience
    patience_s = np.inf if dist is None else float(dist.sample(rng, 1)[0])
    return delay_s, handle_s, patience_s


def draw_retrial(rng: np.random.Generator, channel) -> tuple[float, float, float] | None:
    """Whether a caller of ``channel`` who just abandoned calls again, from the retrial
    stream: None if not, else ``(delay_s, handle_s, patience_s)`` of the new call
    (``_draw_again``). Both engines call this, so they consume the retrial stream identically.
    """
    return _draw_again(rng, channel.retrial_share, channel.retrial_delay, channel)


def draw_repeat(rng: np.random.Generator, channel, target) -> tuple[float, float, float] | None:
    """Whether the contact of ``channel`` whose service just ended comes back (first-contact
    resolution), from the repeat stream: None if not, else ``(delay_s, handle_s, patience_s)``
    of the repeat, which arrives on channel ``target`` (its handle time and patience are
    ``target``'s; ``_draw_again``)."""
    return _draw_again(rng, channel.repeat_share, channel.repeat_delay, target)


def _typed(code: str, values: np.ndarray) -> array:
    """A Python ``array.array`` of type ``code`` holding ``values``."""
    out = array(code)
    out.frombytes(np.ascontiguousarray(values, dtype=np.dtype(code)).tobytes())
    return out


class ContactColumns:
    """The per-contact columns of the live contacts, numbers ``base`` onwards (index
    ``c - base``): one typed array per column, written here once.

    Typed arrays (8 bytes a float instead of a list's 32) are still cheap to index one element
    at a time, unlike numpy arrays. No numpy view of a column is ever made: an ``array.array``
    cannot be resized while a buffer export is alive (``BufferError``), and a view kept alive
    by anyone else (a profiler or debugger holding a frame's locals) would break ``drop``.
    numpy reads copies (``head``, ``unfinished``) instead.
    """

    #: Column name, typecode, and the value of a contact not yet answered.
    COLUMNS = (
        ("arrived_s", "d", None),  # arrival instant [s]
        ("chan", "h", None),  # channel index
        ("base_handle_s", "d", None),  # handle time as the only contact on the agent [s]
        ("patience_s", "d", None),  # patience [s] (inf: never abandons)
        ("retrial", "b", None),  # 1: a caller calling again
        ("repeat", "b", None),  # 1: a repeat contact (the earlier one was not resolved)
        ("wait_s", "d", 0.0),  # time in queue [s]
        ("outcome", "b", WAITING),
        ("agent", "i", -1),  # agent seat that answered
        ("handle_s", "d", np.nan),  # handle time once answered [s]
        ("pool", "h", -1),  # pool of the agent that answered
    )
    __slots__ = ("base", *(name for name, _, _ in COLUMNS))

    def __init__(self):
        for name, code, _ in self.COLUMNS:
            setattr(self, name, array(code))
        self.base = 0  # number of the contact at index 0

    def __len__(self) -> int:
        return len(self.outcome)

    @property
    def end(self) -> int:
        """Number the next contact added gets."""
        return self.base + len(self.outcome)

    def extend(self, arrived_s, chan, base_handle_s, patience_s) -> int:
        """Add forecast contacts (numpy arrays); the number of the first."""
        first, m = self.end, len(arrived_s)
        given = {
            "arrived_s": arrived_s,
            "chan": chan,
            "base_handle_s": base_handle_s,
            "patience_s": patience_s,
            "retrial": np.zeros(m),
            "repeat": np.zeros(m),
        }
        for name, code, initial in self.COLUMNS:
            values = given[name] if initial is None else np.full(m, initial)
            getattr(self, name).extend(_typed(code, values))
        return first

    def append(self, arrived_s, chan, base_handle_s, patience_s, retrial, repeat=False) -> int:
        """Add one contact; its number."""
        new = self.end
        given = (arrived_s, chan, base_handle_s, patience_s, retrial, repeat)
        given += (None,) * (len(self.COLUMNS) - len(given))
        for (name, _, initial), value in zip(self.COLUMNS, given, strict=True):
            getattr(self, name).append(value if initial is None else initial)
        return new

    def outcomes(self) -> np.ndarray:
        """The outcome of every live contact (a copy)."""
        return np.frombuffer(self.outcome.tobytes(), dtype=np.int8)

    def head(self, cut: int) -> dict[str, np.ndarray]:
        """Copies of the first ``cut`` entries of every column (slicing an ``array.array``
        copies it, so the numpy arrays view those copies, never a live column)."""
        return {
            name: np.frombuffer(getattr(self, name)[:cut], dtype=np.dtype(code))
            for name, code, _ in self.COLUMNS
        }

    def drop(self, cut: int) -> None:
        """Forget the first ``cut`` contacts."""
        for name, _, _ in self.COLUMNS:
            del getattr(self, name)[:cut]
        self.base += cut


class Model:
    """State and event handlers of one replication (use ``simulate``, not this, directly)."""

    def __init__(
        self,
        config: SimConfig,
        stream: ContactStream,
        retrial_rng: np.random.Generator | None,
        *,
        keep_log: bool = True,
        repeat_rng: np.random.Generator | None = None,
    ):
        # A warm-up runs before time 0, so the horizon keeps its clock (intervals from 0).
        self.warmup_s = warmup_s = float(config.warmup_s)
        self.env = simpy.Environment(initial_time=-warmup_s)
        self.config = config
        self.interval_s = float(config.interval_s)
        self.n_intervals = n = config.n_intervals
        self.retrial_rng = retrial_rng
        channels, pools = config.channels, config.pools
        # FCR repeats: per channel, the channel its repeats land on (None: no repeats).
        self.repeat_to = [config.repeat_target(c) if c.repeat_share > 0 else None for c in channels]
        if retrial_rng is None and any(c.retrial_share > 0 for c in config.channels):
            raise ValueError("`retrial_rng` is required when a channel has `retrial_share` > 0")
        if repeat_rng is None and any(t is not None for t in self.repeat_to):
            raise ValueError("`repeat_rng` is required when a channel has `repeat_share` > 0")
        self.repeat_rng = repeat_rng
        pool_index = {p.name: i for i, p in enumerate(pools)}
        self.kind = [_KIND_CODES[c.kind] for c in channels]
        self.conc = [c.concurrency for c in channels]
        self.stretch = [c.concurrency_stretch for c in channels]
        self.load_unit = [1.0 / c.concurrency for c in channels]
        self.pool_of = [pool_index[c.pool] for c in channels]
        self.open = [
            [True] * n if c.open_intervals is None else [bool(v) for v in c.open_intervals[:n]]
            for c in channels
        ]
        name_index = {c.name: i for i, c in enumerate(channels)}
        self._routing_tables(pools, name_index)
        # Chats an agent of the pool may hold at once (0: the pool serves no chat channel).
        self.chat_cap = [
            max((self.conc[c] for c in chans if self.kind[c] == _CHAT), default=0)
            for chans in self.pool_channels
        ]
        self.schedule = [p.agents.tolist() for p in pools]

        self.contacts = ContactColumns()
        self.stream = stream
        self.chunk = -2 if warmup_s > 0 else -1  # -1: the warm-up's contacts
        self.next_index = self.stream_end = 0  # next / end forecast contact of the chunk
        self.ledger = ContactLedger(config, keep_log)

        # Queues (lazy deletion: abandoned contacts stay in the deque and are skipped).
        n_ch, n_pool = len(channels), len(pools)
        self.queue = [deque() for _ in range(n_ch)]
        self.qlen = [0] * n_ch
        # Agents.
        self.agent_pool: list[int] = []
        self.used: list[int] = []
        self.leaving: list[bool] = []
        self.latest: list[tuple[float, int]] = []  # (start [s], number) of the latest contact
        self.free_ids: list[int] = []
        # Idle agents per pool, longest idle first: work (and a drop) takes the left end.
        self.idle = [deque() for _ in range(n_pool)]
        # Chatting agents with a free chat slot, in the order they got one (a dict: insertion
        # ordered, unlike a set, whose order is CPython's hash layout; the compiled engine
        # follows the same order).
        self.partial = [{} for _ in range(n_pool)]
        self.active = [set() for _ in range(n_pool)]  # present and not leaving
        self.going = [set() for _ in range(n_pool)]  # finishing a contact, then leaving
        self.present = [0] * n_pool  # present, including leaving agents finishing a contact
        self.busy = [0.0] * n_pool  # agent load in agent units (a chat = 1/concurrency)

        # Exact time integrals, per pool / channel, for the current interval.
        self.k = 0
        self.pool_marked_s = [-warmup_s] * n_pool
        self.busy_area = [0.0] * n_pool
        self.staff_area = [0.0] * n_pool
        self.queue_marked_s = [-warmup_s] * n_ch
        self.q_area = [0.0] * n_ch
        self.busy_area_k = np.zeros((n_pool, n))
        self.staff_area_k = np.zeros((n_pool, n))
        self.q_area_k = np.zeros((n_ch, n))
        self.backlog_k = np.zeros((n_ch, n), dtype=np.int64)

        if warmup_s > 0:  # the first interval's staffing from the start of the warm-up
            for p in range(n_pool):
                self._staff(p, self.schedule[p][0])
        self._boundary_at(0)
        self._schedule_next_arrival()

    def _routing_tables(self, pools, name_index) -> None:
        """Per pool: its channels in the order its agents look at them, with their ``after_s``,
        and its reserve; per channel: the other pools that take it at once (in ``pools``
        order) and those that take it after a wait. A pool with a reserve looks at its
        real-time channels before its deferred ones (``Pool.reserve_agents``: deferred work
        only when no real-time contact it may take waits); otherwise in its listed order."""
        self.pool_channels, self.pool_after = [], []
        self.reserve = [p.reserve_agents for p in pools]
        self.also = [[] for _ in self.kind]  # other pools taking the channel at once
        self.overflow = [[] for _ in self.kind]  # (pool, after_s): pools taking it after a wait
        for j, pool in enumerate(pools):
            chans = [name_index[name] for name in pool.channels]
            order = list(range(len(chans)))
            if pool.reserve_agents:  # stable: the listed order within each kind
                order.sort(key=lambda m: self.kind[chans[m]] == _DEFERRED)
            self.pool_channels.append([chans[m] for m in order])
            self.pool_after.append([pool.after_s[m] for m in order])
            for ch, after_s in zip(chans, pool.after_s, strict=True):
                if j != self.pool_of[ch]:
                    (self.overflow[ch].append((j, after_s)) if after_s else self.also[ch].append(j))

    # ----- time integrals ---------------------------------------------------------------------
    def _pool_mark(self, p: int) -> None:
        now = self.env.now
        dt_s = now - self.pool_marked_s[p]
        if dt_s:
            self.busy_area[p] += self.busy[p] * dt_s
            self.staff_area[p] += self.present[p] * dt_s
            self.pool_marked_s[p] = now

    def _queue_mark(self, ch: int) -> None:
        now = self.env.now
        dt_s = now - self.queue_marked_s[ch]
        if dt_s:
            self.q_area[ch] += self.qlen[ch] * dt_s
            self.queue_marked_s[ch] = now

    def _close_interval(self, k: int) -> None:
        for p in range(len(self.busy)):
            self._pool_mark(p)
            self.busy_area_k[p, k] = self.busy_area[p]
            self.staff_area_k[p, k] = self.staff_area[p]
            self.busy_area[p] = self.staff_area[p] = 0.0
        for ch in range(len(self.qlen)):
            self._queue_mark(ch)
            self.q_area_k[ch, k] = self.q_area[ch]
            self.q_area[ch] = 0.0
            self.backlog_k[ch, k] = self.qlen[ch]

    # ----- arrivals ---------------------------------------------------------------------------
    def _schedule_next_arrival(self) -> None:
        c = self.next_index
        if c == self.stream_end and not self._next_chunk():
            return
        c = self.next_index
        self.next_index = c + 1
        contacts = self.contacts
        ev = Timeout(self.env, contacts.arrived_s[c - contacts.base] - self.env.now, c)
        ev.callbacks.append(self._on_stream_arrival)

    def _next_chunk(self) -> bool:
        """Drop the finished contacts, then load the next non-empty chunk (False: none left)."""
        self._flush()
        stream = self.stream
        while self.chunk + 1 < stream.n_chunks:
            self.chunk += 1
            contacts = stream.warmup() if self.chunk < 0 else stream.chunk(self.chunk)
            m = contacts.arrived_at_s.size
            if not m:
                continue
            first = self.contacts.extend(
                contacts.arrived_at_s, contacts.channel, contacts.handle_s, contacts.patience_s
            )
            self.next_index, self.stream_end = first, first + m
            return True
        return False

    def _flush(self, final: bool = False) -> None:
        """Add the finished contacts before the first unfinished one (all if ``final``) to the
        totals (and the log), and drop them."""
        contacts = self.contacts
        cut = len(contacts) if final else finished_prefix(contacts.outcomes())
        if cut == 0:
            return
        self.ledger.record(contacts.head(cut))
        contacts.drop(cut)
        base = contacts.base
        # Abandoned contacts stay queued until popped; forget the dropped ones. (Retrials and
        # repeats are numbered when made, so a queue is not in number order: filter it all.)
        for ch, q in enumerate(self.queue):
            if q:
                self.queue[ch] = deque(c for c in q if c >= base)

    def _on_stream_arrival(self, ev) -> None:
        self._schedule_next_arrival()
        self._arrive(ev.value)

    def _on_retrial(self, ev) -> None:  # retrials and repeats
        self._arrive(ev.value)

    def _arrive(self, c: int) -> None:
        """Contact number ``c`` arrives."""
        contacts = self.contacts
        i = c - contacts.base
        ch = contacts.chan[i]
        kind = self.kind[ch]
        if not self.open[ch][self.k]:
            if kind != _DEFERRED:
                contacts.outcome[i] = LOST
                return
        elif not self.qlen[ch]:  # (else no pool has a free agent for it: it queues)
            # The primary pool inline (``_free_agent``'s rule): the hot path of every arrival,
            # where a call costs ~8% of the engine's time.
            p = self.pool_of[ch]
            if kind == _CHAT:
                partial = self.partial[p]
                if partial:
                    a = next(iter(partial))
                    if self.used[a] < self.conc[ch]:
                        self._start(i, a, ch, p)
                        return
            idle = self.idle[p]
            if idle and (kind != _DEFERRED or len(idle) > self.reserve[p]):
                self._start(i, idle.popleft(), ch, p)
                return
            for p in self.also[ch]:  # other pools that take the channel at once
                a = self._free_agent(p, ch)
                if a >= 0:
                    self._start(i, a, ch, p)
                    return
        self._queue_mark(ch)
        self.queue[ch].append(c)
        self.qlen[ch] += 1
        patience_s = contacts.patience_s[i]
        if patience_s != np.inf:
            Timeout(self.env, patience_s, c).callbacks.append(self._on_patience_end)
        for p, after_s in self.overflow[ch]:  # pools that may take it once it waited after_s
            Timeout(self.env, after_s, (c, p)).callbacks.append(self._on_overflow)

    def _free_agent(self, p: int, ch: int) -> int:
        """An agent of pool ``p`` free to take a contact of channel ``ch`` now (-1: none): a
        chat agent with a free slot (the first to get one), else the longest-idle agent, who
        for a deferred contact must leave ``reserve_agents`` others idle."""
        kind = self.kind[ch]
        if kind == _CHAT:
            partial = self.partial[p]
            if partial:
                a = next(iter(partial))
                if self.used[a] < self.conc[ch]:
                    return a
        idle = self.idle[p]
        if len(idle) > (self.reserve[p] if kind == _DEFERRED else 0):
            return idle.popleft()
        return -1

    def _on_overflow(self, ev) -> None:
        """A waiting contact has waited its ``after_s`` for pool ``p``: a free agent there takes
        it. (No contact ahead of it in its queue can be waiting for ``p``'s free agent: that
        one would have taken it when it became free or when the earlier one became eligible.)"""
        c, p = ev.value
        contacts = self.contacts
        i = c - contacts.base
        if i < 0 or contacts.outcome[i] != WAITING:  # answered or abandoned meanwhile
            return
        ch = contacts.chan[i]
        if not self.open[ch][self.k]:  # deferred work waiting for the opening: taken then
            return
        a = self._free_agent(p, ch)
        if a >= 0:
            self._queue_mark(ch)
            self.qlen[ch] -= 1
            self._start(i, a, ch, p)

    def _on_patience_end(self, ev) -> None:
        contacts = self.contacts
        i = ev.value - contacts.base
        if i < 0 or contacts.outcome[i] != WAITING:  # answered (and perhaps already dropped)
            return
        now = self.env.now
        ch = contacts.chan[i]
        contacts.outcome[i] = ABANDONED
        contacts.wait_s[i] = now - contacts.arrived_s[i]
        self._queue_mark(ch)
        self.qlen[ch] -= 1
        retrial = draw_retrial(self.retrial_rng, self.config.channels[ch])
        if retrial is not None:
            delay_s, handle_s, patience_s = retrial
            new = self.contacts.append(now + delay_s, ch, handle_s, patience_s, True)
            Timeout(self.env, delay_s, new).callbacks.append(self._on_retrial)

    # ----- service ----------------------------------------------------------------------------
    def _start(self, i: int, a: int, ch: int, p: int) -> None:
        """Agent ``a`` answers the contact at index ``i`` (number ``base + i``)."""
        contacts = self.contacts
        contacts.outcome[i] = ANSWERED
        # (>= 0: the arrival fires at now + (arrival - now), which rounding can put an ulp early)
        wait_s = self.env.now - contacts.arrived_s[i]
        contacts.wait_s[i] = wait_s if wait_s > 0.0 else 0.0
        contacts.agent[i] = a
        contacts.pool[i] = p
        # Which busy agents a drop sends home is decided by their latest contact (see _staff).
        self.latest[a] = (self.env.now, i + contacts.base)
        self._pool_mark(p)
        if self.kind[ch] == _CHAT:
            used = self.used[a] + 1
            self.used[a] = used
            handle_s = contacts.base_handle_s[i] * (1.0 + self.stretch[ch] * (used - 1))
            self.busy[p] += self.load_unit[ch]
            if used < self.conc[ch]:
                self.partial[p][a] = None
            else:
                self.partial[p].pop(a, None)
        else:
            self.used[a] = _FULL
            handle_s = contacts.base_handle_s[i]
            self.busy[p] += 1.0
        contacts.handle_s[i] = handle_s
        Timeout(self.env, handle_s, i + contacts.base).callbacks.append(self._on_service_end)

    def _on_service_end(self, ev) -> None:
        contacts = self.contacts
        i = ev.value - contacts.base
        contacts.outcome[i] = _SERVED
        a = contacts.agent[i]
        ch = contacts.chan[i]
        p = self.agent_pool[a]
        self._pool_mark(p)
        if self.kind[ch] == _CHAT:
            self.used[a] -= 1
            self.busy[p] -= self.load_unit[ch]
        else:
            self.used[a] = 0
            self.busy[p] -= 1.0
        target = self.repeat_to[ch]
        if target is not None:  # drawn before the agent takes new work: the order is fixed
            channels = self.config.channels
            repeat = draw_repeat(self.repeat_rng, channels[ch], channels[target])
            if repeat is not None:
                delay_s, handle_s, patience_s = repeat
                now = self.env.now
                new = contacts.append(now + delay_s, target, handle_s, patience_s, False, True)
                Timeout(self.env, delay_s, new).callbacks.append(self._on_retrial)
        self._give_work(a, p)

    def _give_work(self, a: int, p: int) -> None:
        """Agent ``a`` (not idle-listed) has free capacity: take, by its pool's channel
        priority, the longest-waiting contact it may take (waited the pool's ``after_s``;
        deferred: open, and ``reserve_agents`` others idle), else go idle."""
        if self.leaving[a]:
            if self.used[a] == 0:
                self._remove_agent(a, p)
            return
        k = self.k
        used = self.used
        after = self.pool_after[p]
        for j, ch in enumerate(self.pool_channels[p]):
            if not self.qlen[ch]:
                continue
            kind = self.kind[ch]
            if kind == _CHAT:
                cap = self.conc[ch]
                if used[a] >= cap:
                    continue
            elif used[a] or (
                kind == _DEFERRED and (not self.open[ch][k] or len(self.idle[p]) < self.reserve[p])
            ):
                continue
            q = self.queue[ch]
            contacts = self.contacts
            base, outcome = contacts.base, contacts.outcome
            after_s = after[j]
            while self.qlen[ch]:
                i = q[0] - base
                if outcome[i] != WAITING:  # abandoned, or taken by an overflow pool
                    q.popleft()
                    continue
                # FIFO: if the head has not waited after_s yet, no one behind it has.
                if after_s and self.env.now - contacts.arrived_s[i] < after_s - _TOLERANCE_S:
                    break
                q.popleft()
                self._queue_mark(ch)
                self.qlen[ch] -= 1
                self._start(i, a, ch, p)
                if kind != _CHAT:
                    return
                if used[a] >= cap:
                    break
        if used[a] == 0:
            self.partial[p].pop(a, None)
            self.idle[p].append(a)
        elif used[a] < self.chat_cap[p]:  # still chatting, with a slot free for the next chat
            self.partial[p][a] = None

    # ----- the schedule -----------------------------------------------------------------------
    def _boundary_at(self, k: int) -> None:
        ev = Timeout(self.env, k * self.interval_s - self.env.now, k)
        ev.callbacks.append(self._on_boundary)

    def _on_boundary(self, ev) -> None:
        k = ev.value
        if k > 0:
            self._close_interval(k - 1)
        else:  # the warm-up's agent and queue time is not counted
            self._close_interval(0)
        self.k = k
        for p in range(len(self.schedule)):
            self._staff(p, self.schedule[p][k])
        if k + 1 < self.n_intervals:
            self._boundary_at(k + 1)

    def _staff(self, p: int, target: int) -> None:
        """Bring pool ``p`` to ``target`` agents on duty (``Pool`` documents the rules).

        A drop sends idle agents home at once (longest idle first), then chat agents with a
        free slot (least loaded first), who take no new chat and leave when their last ends.
        Busy agents are not preempted: the rest of the drop designates busy agents, who finish
        their contact and leave, while every other agent keeps taking work (as agents whose
        shift goes on do). Those designated are the ones whose latest contact started earliest
        (then the lower contact number): a rule of the contacts, not of agent ids, so a
        reference model can follow it. A rise first keeps on the designated agents whose
        contact started latest, then adds agents, who take waiting contacts at once.
        """
        active, going = self.active[p], self.going[p]
        diff = target - len(active)
        if diff < 0:
            idle = self.idle[p]
            while diff < 0 and idle:
                a = idle.popleft()
                self._send_home(a, p)
                diff += 1
            if diff < 0:
                for a in sorted(self.partial[p], key=lambda a: (self.used[a], self.latest[a]))[
                    :-diff
                ]:
                    self._send_home(a, p)
                    diff += 1
            if diff < 0:
                for a in sorted(active, key=self.latest.__getitem__)[:-diff]:
                    self._send_home(a, p)
        else:
            for a in sorted(going, key=self.latest.__getitem__, reverse=True)[:diff]:
                going.discard(a)
                self.leaving[a] = False
                active.add(a)
                diff -= 1
                if self.used[a] < self.chat_cap[p]:  # chatting with a slot free
                    self.partial[p][a] = None
            for _ in range(diff):
                a = self._new_agent(p)
                active.add(a)
                self._give_work(a, p)
        # Work that idle agents could not take before (a deferred channel opening) goes now.
        idle = self.idle[p]
        if idle and any(self.qlen[ch] for ch in self.pool_channels[p]):
            # Each in turn, longest idle first; one still idle rejoins at the back, so the
            # order is kept and the others stay counted for the reserve.
            for _ in range(len(idle)):
                self._give_work(idle.popleft(), p)

    def _send_home(self, a: int, p: int) -> None:
        """Agent ``a`` (not idle-listed) leaves: now if it holds no contact, else when its
        last one ends, taking no new one meanwhile."""
        self.active[p].discard(a)
        self.partial[p].pop(a, None)
        if self.used[a] == 0:
            self._remove_agent(a, p)
        else:
            self.leaving[a] = True
            self.going[p].add(a)

    def _new_agent(self, p: int) -> int:
        if self.free_ids:
            a = self.free_ids.pop()
            self.agent_pool[a], self.used[a], self.leaving[a] = p, 0, False
            self.latest[a] = (-1.0, -1)
        else:
            a = len(self.used)
            self.agent_pool.append(p)
            self.used.append(0)
            self.leaving.append(False)
            self.latest.append((-1.0, -1))  # (start [s], number) of the latest contact taken
        self._pool_mark(p)
        self.present[p] += 1
        return a

    def _remove_agent(self, a: int, p: int) -> None:
        self._pool_mark(p)
        self.present[p] -= 1
        self.leaving[a] = False
        self.going[p].discard(a)
        self.used[a] = -1  # not present; the id is reused
        self.free_ids.append(a)

    # ----- run --------------------------------------------------------------------------------
    def run(self) -> None:
        self.env.run(until=self.config.horizon_s)
        self._close_interval(self.n_intervals - 1)
        now = self.config.horizon_s
        contacts = self.contacts
        for i, outcome in enumerate(contacts.outcome):
            if outcome == WAITING:  # censored: still waiting at the end of the horizon
                contacts.wait_s[i] = now - contacts.arrived_s[i]
        self._flush(final=True)
