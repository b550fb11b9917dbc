"""The compiled engine: the SimPy model's rules in a numba event loop, contact by contact equal.

``simulator.model`` (SimPy) is the reference. This engine runs the same model on the same
pre-drawn contacts and must give the same per-contact log and KPIs (``tests/simulator/
test_engines.py`` checks every contact over many seeds and features). Equality rests on three
things done exactly as SimPy does them:

* event order: SimPy pops events by (time, priority, event id), the id counting the events
  in the order they are scheduled; every event here is a ``Timeout`` of normal priority, so a
  heap keyed by (time, a counter incremented per scheduled event) pops in the same order,
  ties at interval boundaries included. Event times are computed with SimPy's own arithmetic
  (``now + delay``, ``delay = at - now``), so they round the same way. Multi-skill routing's
  overflow timers are such events too: a contact that queues schedules its patience end, then
  one timer per pool taking its channel after a wait (``after_s``), in the order SimPy does,
  so a timer tied with a patience end or a service end pops where SimPy's does;
* the handlers: one numba function per handler of ``simulator.model.Model`` (same names),
  with the same arithmetic in the same order, so time integrals agree to the last bit;
* the random numbers: contacts come from the same ``ContactStream``; a retrial is drawn by
  ``model.draw_retrial`` in Python: the loop stops at an abandonment on a channel with a
  ``retrial_share``, Python draws and resumes it, so the retrial stream is consumed in the
  same order. Chunks load the same way (the loop stops when arrivals reach the chunk's end),
  so finished contacts reach the ``ContactLedger`` in the same batches.

Compiled once per machine: ``@njit(cache=True)`` keeps the machine code in ``__pycache__``;
``bench/bench_simulator.py`` measures the cold start with and without that cache.
"""

from __future__ import annotations

import os
import threading

import numpy as np

from .arrivals import ContactStream
from .config import SimConfig
from .kpis import ABANDONED, ALSO_FIELDS, ANSWERED, COUNT_FIELDS, LOST, SUM_FIELDS, WAITING
from .ledger import SERVED, ContactLedger, finished_prefix
from .model import draw_retrial

try:  # numba is a core dependency; the SimPy engine still runs without it.
    from numba import njit
    from numba.core import types
    from numba.experimental import structref
except ImportError:  # pragma: no cover - exercised only where numba is missing
    njit = None

__all__ = ["CompiledModel", "available", "unsupported_feature", "warm"]

_VOICE, _CHAT, _DEFERRED = 0, 1, 2
_KIND_CODES = {"voice": _VOICE, "chat": _CHAT, "deferred": _DEFERRED}
_FULL = 1 << 30  # "used" value of an agent busy with one voice or deferred contact
# Slack on "has waited after_s" (``model._TOLERANCE_S``: the same comparison).
_TOLERANCE_S = 1e-6

# Events (every one a SimPy Timeout of normal priority in the reference).
_EV_ARRIVAL, _EV_RETRIAL, _EV_PATIENCE, _EV_SERVICE, _EV_BOUNDARY, _EV_OVERFLOW = range(6)
# Agent states.
_ABSENT, _ACTIVE, _GOING = 0, 1, 2
# Why the loop stopped (returned to Python) / what to do on resuming.
_DONE, _NEED_CHUNK, _NEED_RETRIAL = 0, 1, 2
_RESUME_NONE, _RESUME_CHUNK, _RESUME_RETRIAL = 0, 1, 2
# Integer state slots.
_SEQ, _HEAP_N, _K, _NEXT, _STREAM_END, _BASE, _LIVE, _RESUME, _PENDING, _FREE_N, _N_IDS = range(11)
_RETRIAL_CH = 11  # channel of the abandonment whose retrial Python draws
_N_INT_STATE = 12
# Float state slots.
_NOW, _UNTIL, _DELAY = 0, 1, 2  # clock; the run's end; the drawn retrial delay [s]


def available() -> bool:
    """Whether the compiled engine can run here (numba imports)."""
    return njit is not None


def warm() -> None:
    """Compile the engine now (or load it from the cache): one tiny run through every handler
    (voice with abandonment and retrials, chat, deferred work, a schedule that drops), so the
    first real simulation does not pay the one-off compile. ``make`` calls it at install."""
    from . import simulate
    from .config import Channel, Pool
    from .distributions import exponential

    n = 4
    voice = Channel(
        "voice",
        "voice",
        np.full(n, 120.0),
        exponential(60.0),
        exponential(30.0),
        20.0,
        "a",
        retrial_share=0.5,
        retrial_delay=exponential(60.0),
    )
    chat = Channel(
        "chat", "chat", np.full(n, 60.0), exponential(60.0), None, 20.0, "a", concurrency=2
    )
    mail = Channel(
        "mail",
        "deferred",
        np.full(n, 30.0),
        exponential(60.0),
        None,
        3600.0,
        "a",
        open_intervals=np.array([True, True, False, True]),
    )
    pool = Pool("a", np.array([3, 1, 2, 3]), ("voice", "chat", "mail"))
    simulate(
        SimConfig(interval_s=900, channels=[voice, chat, mail], pools=[pool]),
        seed=1,
        engine="compiled",
    )


def unsupported_feature(config: SimConfig) -> str | None:
    """The feature of ``config`` the compiled engine does not cover (None: it covers all).

    A feature the engine does not follow is named here, so ``engine="auto"`` falls back to
    SimPy and ``"compiled"`` refuses: FCR repeats (``repeat_share`` > 0). Multi-skill routing
    (channels listed by several pools, overflow ``after_s``, blending ``reserve_agents``) is
    followed.
    """
    for c in config.channels:
        if c.repeat_share > 0:
            return f"FCR repeats (`repeat_share` > 0 on channel {c.name!r})"
    return None


# Every field of the engine's state, in one numba ``StructRef``: handlers take it as one
# pointer (a tuple of some forty arrays would be copied into every call).
_FIELDS = (
    # read only: per channel
    "kind",  # _VOICE, _CHAT or _DEFERRED
    "conc",  # chats an agent may hold on the channel
    "stretch",  # concurrency_stretch
    "load_unit",  # agent load of one contact: 1 / concurrency
    "pool_of",  # pool serving the channel
    "is_open",  # [channel, interval]
    "retries",  # whether abandoners may call again (retrial_share > 0)
    # read only: per pool
    "pool_chans",  # [pool, j]: the pool's channels in the order its agents look (-1 pads)
    "pool_after",  # [pool, j]: the wait [s] a contact of pool_chans[pool, j] needs first
    "reserve",  # reserve_agents: idle agents a deferred contact must leave
    "also",  # [channel, m]: other pools taking the channel at once, in pools order (-1 pads)
    "ovf_pool",  # [channel, m]: pools taking the channel after a wait (-1 pads)
    "ovf_after",  # [channel, m]: that wait [s]
    "chat_cap",  # the most chats an agent may hold (0: no chat channel)
    "schedule",  # [pool, interval]: agents on duty
    "interval_s",
    "n_intervals",
    # the live contacts, numbers `base` onwards at index `number - base` (grown as needed)
    "arrived_s",
    "chan",
    "base_handle_s",
    "patience_s",
    "retrial",
    "wait_s",
    "outcome",
    "agent",
    "handle_s",
    "pool",
    # scalars: the _SEQ ... and _NOW ... slots
    "ints",
    "floats",
    # the event heap (grown as needed): a row per event, (time [s], sequence number, code)
    "ev",
    # queues: per channel a ring of contact numbers, abandoned ones skipped lazily (grown)
    "ring",  # [channel, slot]
    "q_head",
    "q_size",  # entries in the ring, waiting or not
    "q_len",  # contacts waiting
    "q_marked_s",
    "q_area",
    # agents (ids reused, as in the reference)
    "used",
    "leaving",
    "latest_s",  # start of the latest contact taken [s] (-1: none)
    "latest_c",  # its number (-1: none)
    "a_state",  # _ABSENT, _ACTIVE or _GOING
    "a_pool",
    "free_ids",  # a stack
    "idle",  # [pool, j]: a ring per pool, longest idle first from idle_head
    "idle_head",
    "idle_n",
    # per pool, the chat agents with a free slot in the order they got one (a linked list)
    "in_partial",
    "p_next",
    "p_prev",
    "p_head",
    "p_tail",
    # pools
    "n_active",
    "present",
    "busy",
    "pool_marked_s",
    "busy_area",
    "staff_area",
    # per interval
    "busy_area_k",
    "staff_area_k",
    "q_area_k",
    "backlog_k",
)

#: Where ``_fresh`` finds these in the read-only fields (constants to compiled code).
_KIND_AT, _RESERVE_AT = _FIELDS.index("kind"), _FIELDS.index("reserve")
_N_INTERVALS_AT, _SCHEDULE_AT = _FIELDS.index("n_intervals"), _FIELDS.index("schedule")

_CONTACT_COLUMNS = (  # name, dtype, value before it is set
    ("arrived_s", np.float64, np.nan),
    ("chan", np.int64, -1),
    ("base_handle_s", np.float64, np.nan),
    ("patience_s", np.float64, np.nan),
    ("retrial", np.int8, 0),
    ("wait_s", np.float64, 0.0),
    ("outcome", np.int8, WAITING),
    ("agent", np.int64, -1),
    ("handle_s", np.float64, np.nan),
    ("pool", np.int64, -1),
)


if njit is not None:

    @structref.register
    class _EngineType(types.StructRef):
        def preprocess_fields(self, fields):
            return tuple((name, types.unliteral(typ)) for name, typ in fields)

    class _Engine(structref.StructRefProxy):
        """The state of one replication (fields ``_FIELDS``)."""

    structref.define_proxy(_Engine, _EngineType, list(_FIELDS))


def _jit(fn):
    return fn if njit is None else njit(cache=True, nogil=True)(fn)


@_jit
def _grown(arr, size, fill=0):
    """A copy of ``arr`` (1-d) with room for ``size`` entries, the new ones ``fill``."""
    out = np.empty(size, dtype=arr.dtype)
    out[: arr.size] = arr
    out[arr.size :] = fill
    return out


# ----- the event heap: (time, sequence) order, as SimPy's (time, priority, event id) -------------
# One array of rows (time [s], sequence number, code = value * 8 + kind), all float64 (sequence
# numbers and codes stay far below 2**53, so they are exact): one field read from the state
# per push or pop instead of four, and each field read costs a reference count increment and
# decrement (out-of-line calls, about half the loop's time before). Sifting moves a hole
# instead of swapping, which leaves the same heap as swapping would.
_T, _SEQ_COL, _CODE = 0, 1, 2


@_jit
def _timeout(s, delay_s, kind, value):
    """Schedule an event ``delay_s`` from now (SimPy's ``Timeout``: at ``now + delay``)."""
    ints = s.ints
    n = ints[_HEAP_N]
    ev = s.ev
    if n == ev.shape[0]:
        grown = np.empty((2 * n, 3))
        grown[:n] = ev
        ev = s.ev = grown
    t = s.floats[_NOW] + delay_s
    seq = float(ints[_SEQ])
    ints[_SEQ] += 1
    ints[_HEAP_N] = n + 1
    while n > 0:
        parent = (n - 1) >> 1
        parent_t = ev[parent, _T]
        if not (t < parent_t or (t == parent_t and seq < ev[parent, _SEQ_COL])):
            break
        ev[n, _T] = parent_t
        ev[n, _SEQ_COL] = ev[parent, _SEQ_COL]
        ev[n, _CODE] = ev[parent, _CODE]
        n = parent
    ev[n, _T] = t
    ev[n, _SEQ_COL] = seq
    ev[n, _CODE] = float(value * 8 + kind)


@_jit
def _pop(s):
    """Remove the first event: its (time [s], kind, value)."""
    ev, ints = s.ev, s.ints
    first_t, first_code = ev[0, _T], int(ev[0, _CODE])
    n = ints[_HEAP_N] - 1
    ints[_HEAP_N] = n
    t, seq, code = ev[n, _T], ev[n, _SEQ_COL], ev[n, _CODE]  # the last, sifted down from the top
    i = 0
    while True:
        child = 2 * i + 1
        if child >= n:
            break
        right = child + 1
        if right < n and (
            ev[right, _T] < ev[child, _T]
            or (ev[right, _T] == ev[child, _T] and ev[right, _SEQ_COL] < ev[child, _SEQ_COL])
        ):
            child = right
        child_t = ev[child, _T]
        if not (child_t < t or (child_t == t and ev[child, _SEQ_COL] < seq)):
            break
        ev[i, _T] = child_t
        ev[i, _SEQ_COL] = ev[child, _SEQ_COL]
        ev[i, _CODE] = ev[child, _CODE]
        i = child
    ev[i, _T] = t
    ev[i, _SEQ_COL] = seq
    ev[i, _CODE] = code
    return first_t, first_code & 7, first_code >> 3


# ----- ordered set of chat agents with a free slot (a dict in the reference) --------------------
@_jit
def _partial_add(s, p, a):
    if s.in_partial[a]:
        return  # keeps its place, as a dict key assigned again does
    s.in_partial[a] = True
    s.p_next[a] = -1
    s.p_prev[a] = s.p_tail[p]
    if s.p_tail[p] >= 0:
        s.p_next[s.p_tail[p]] = a
    else:
        s.p_head[p] = a
    s.p_tail[p] = a


@_jit
def _partial_discard(s, p, a):
    if not s.in_partial[a]:
        return
    s.in_partial[a] = False
    if s.p_prev[a] >= 0:
        s.p_next[s.p_prev[a]] = s.p_next[a]
    else:
        s.p_head[p] = s.p_next[a]
    if s.p_next[a] >= 0:
        s.p_prev[s.p_next[a]] = s.p_prev[a]
    else:
        s.p_tail[p] = s.p_prev[a]


# ----- idle agents per pool: a ring, longest idle first (a deque in the reference) -------------
@_jit
def _idle_push(s, p, a):
    # The ring holds every agent id, so it never overflows.
    idle, idle_n = s.idle, s.idle_n
    j = s.idle_head[p] + idle_n[p]
    idle[p, j - idle.shape[1] if j >= idle.shape[1] else j] = a
    idle_n[p] += 1


@_jit
def _idle_pop(s, p):
    """The longest-idle agent of pool ``p``, taken off the ring."""
    idle, head = s.idle, s.idle_head
    j = head[p]
    a = idle[p, j]
    head[p] = j + 1 if j + 1 < idle.shape[1] else 0
    s.idle_n[p] -= 1
    return a


# ----- time integrals ---------------------------------------------------------------------------
@_jit
def _pool_mark(s, p):
    now = s.floats[_NOW]
    marked_s = s.pool_marked_s
    dt_s = now - marked_s[p]
    if dt_s:
        s.busy_area[p] += s.busy[p] * dt_s
        s.staff_area[p] += s.present[p] * dt_s
        marked_s[p] = now


@_jit
def _queue_mark(s, ch):
    now = s.floats[_NOW]
    marked_s = s.q_marked_s
    dt_s = now - marked_s[ch]
    if dt_s:
        s.q_area[ch] += s.q_len[ch] * dt_s
        marked_s[ch] = now


@_jit
def _close_interval(s, k):
    for p in range(s.busy.size):
        _pool_mark(s, p)
        s.busy_area_k[p, k] = s.busy_area[p]
        s.staff_area_k[p, k] = s.staff_area[p]
        s.busy_area[p] = 0.0
        s.staff_area[p] = 0.0
    for ch in range(s.q_len.size):
        _queue_mark(s, ch)
        s.q_area_k[ch, k] = s.q_area[ch]
        s.q_area[ch] = 0.0
        s.backlog_k[ch, k] = s.q_len[ch]


# ----- queues -----------------------------------------------------------------------------------
@_jit
def _enqueue(s, ch, c):
    if s.q_len[ch] == 0:  # every entry left is an abandoned contact: forget them
        s.q_head[ch] = 0
        s.q_size[ch] = 0
    cap = s.ring.shape[1]
    if s.q_size[ch] == cap:  # full: twice the room, each ring unwrapped to the front
        ring = np.empty((s.ring.shape[0], 2 * cap), dtype=s.ring.dtype)
        for q in range(ring.shape[0]):
            for j in range(cap):
                ring[q, j] = s.ring[q, (s.q_head[q] + j) % cap]
        s.ring = ring
        s.q_head[:] = 0
        cap *= 2
    s.ring[ch, (s.q_head[ch] + s.q_size[ch]) % cap] = c
    s.q_size[ch] += 1
    s.q_len[ch] += 1


@_jit
def _dequeue(s, ch):
    c = s.ring[ch, s.q_head[ch]]
    s.q_head[ch] = (s.q_head[ch] + 1) % s.ring.shape[1]
    s.q_size[ch] -= 1
    return c


# ----- arrivals ---------------------------------------------------------------------------------
@_jit
def _arrive(s, c):
    """Contact number ``c`` arrives (``Model._arrive``)."""
    ints = s.ints
    i = c - ints[_BASE]
    ch = s.chan[i]
    kind = s.kind[ch]
    if not s.is_open[ch, ints[_K]]:
        if kind != _DEFERRED:
            s.outcome[i] = LOST
            return
    elif not s.q_len[ch]:  # (else no pool has a free agent for it: it queues)
        p = s.pool_of[ch]
        if kind == _CHAT:
            a = s.p_head[p]
            if a >= 0 and s.used[a] < s.conc[ch]:
                _start(s, i, a, ch, p)
                return
        idle_n = s.idle_n[p]
        if idle_n and (kind != _DEFERRED or idle_n > s.reserve[p]):
            _start(s, i, _idle_pop(s, p), ch, p)
            return
        also = s.also
        for m in range(also.shape[1]):  # other pools that take the channel at once
            p = also[ch, m]
            if p < 0:
                break
            a = _free_agent(s, p, ch)
            if a >= 0:
                _start(s, i, a, ch, p)
                return
    _queue_mark(s, ch)
    _enqueue(s, ch, c)
    patience_s = s.patience_s[i]
    if patience_s != np.inf:
        _timeout(s, patience_s, _EV_PATIENCE, c)
    ovf_pool = s.ovf_pool
    for m in range(ovf_pool.shape[1]):  # pools that may take it once it waited after_s
        p = ovf_pool[ch, m]
        if p < 0:
            break
        _timeout(s, s.ovf_after[ch, m], _EV_OVERFLOW, c * s.busy.size + p)


@_jit
def _free_agent(s, p, ch):
    """An agent of pool ``p`` free to take a contact of channel ``ch`` now (-1: none)
    (``Model._free_agent``), taken off the idle ring if idle."""
    kind = s.kind[ch]
    if kind == _CHAT:
        a = s.p_head[p]
        if a >= 0 and s.used[a] < s.conc[ch]:
            return a
    if s.idle_n[p] > (s.reserve[p] if kind == _DEFERRED else 0):
        return _idle_pop(s, p)
    return -1


@_jit
def _on_overflow(s, value):
    """A waiting contact has waited its ``after_s`` for a pool (``Model._on_overflow``)."""
    n_pool = s.busy.size
    c, p = value // n_pool, value % n_pool
    i = c - s.ints[_BASE]
    if i < 0 or s.outcome[i] != WAITING:  # answered or abandoned meanwhile
        return
    ch = s.chan[i]
    if not s.is_open[ch, s.ints[_K]]:  # deferred work waiting for the opening: taken then
        return
    a = _free_agent(s, p, ch)
    if a >= 0:
        _queue_mark(s, ch)
        s.q_len[ch] -= 1
        _start(s, i, a, ch, p)


@_jit
def _on_patience_end(s, c):
    """True when Python must draw whether the caller calls again."""
    i = c - s.ints[_BASE]
    if i < 0 or s.outcome[i] != WAITING:  # answered (and perhaps already dropped)
        return False
    ch = s.chan[i]
    s.outcome[i] = ABANDONED
    s.wait_s[i] = s.floats[_NOW] - s.arrived_s[i]
    _queue_mark(s, ch)
    s.q_len[ch] -= 1
    if s.retries[ch]:
        s.ints[_RETRIAL_CH] = ch
        return True
    return False


# ----- service ----------------------------------------------------------------------------------
@_jit
def _start(s, i, a, ch, p):
    """Agent ``a`` answers the contact at index ``i`` (``Model._start``)."""
    now = s.floats[_NOW]
    number = i + s.ints[_BASE]
    s.outcome[i] = ANSWERED
    wait_s = now - s.arrived_s[i]
    s.wait_s[i] = wait_s if wait_s > 0.0 else 0.0
    s.agent[i] = a
    s.pool[i] = p
    s.latest_s[a] = now
    s.latest_c[a] = number
    _pool_mark(s, p)
    used, busy = s.used, s.busy
    if s.kind[ch] == _CHAT:
        n_used = used[a] + 1
        used[a] = n_used
        handle_s = s.base_handle_s[i] * (1.0 + s.stretch[ch] * float(n_used - 1))
        busy[p] += s.load_unit[ch]
        if n_used < s.conc[ch]:
            _partial_add(s, p, a)
        else:
            _partial_discard(s, p, a)
    else:
        used[a] = _FULL
        handle_s = s.base_handle_s[i]
        busy[p] += 1.0
    s.handle_s[i] = handle_s
    _timeout(s, handle_s, _EV_SERVICE, number)


@_jit
def _on_service_end(s, c):
    i = c - s.ints[_BASE]
    s.outcome[i] = SERVED
    a = s.agent[i]
    ch = s.chan[i]
    p = s.a_pool[a]
    _pool_mark(s, p)
    used, busy = s.used, s.busy
    if s.kind[ch] == _CHAT:
        used[a] -= 1
        busy[p] -= s.load_unit[ch]
    else:
        used[a] = 0
        busy[p] -= 1.0
    _give_work(s, a, p)


@_jit
def _give_work(s, a, p):
    """Agent ``a`` (not idle-listed) has free capacity: take, by its pool's channel priority,
    the longest-waiting contact it may take (``Model._give_work``), else go idle."""
    if s.leaving[a]:
        if s.used[a] == 0:
            _remove_agent(s, a, p)
        return
    k = s.ints[_K]
    used, q_len, pool_chans = s.used, s.q_len, s.pool_chans  # (each field read costs)
    for j in range(pool_chans.shape[1]):
        ch = pool_chans[p, j]
        if ch < 0:
            break
        if not q_len[ch]:
            continue
        kind = s.kind[ch]
        cap = s.conc[ch]
        if kind == _CHAT:
            if used[a] >= cap:
                continue
        elif used[a] or (
            kind == _DEFERRED and (not s.is_open[ch, k] or s.idle_n[p] < s.reserve[p])
        ):
            continue
        after_s = s.pool_after[p, j]
        # Read once: nothing below replaces these arrays (only an arrival grows the ring).
        ring, q_head, outcome, base = s.ring, s.q_head, s.outcome, s.ints[_BASE]
        while q_len[ch]:
            i = ring[ch, q_head[ch]] - base  # the head, left queued if it has not waited after_s
            if i >= 0 and outcome[i] == WAITING:
                # FIFO: if the head has not waited after_s yet, no one behind it has.
                if after_s and s.floats[_NOW] - s.arrived_s[i] < after_s - _TOLERANCE_S:
                    break
            _dequeue(s, ch)
            if i < 0 or outcome[i] != WAITING:  # abandoned, or taken by an overflow pool
                continue
            _queue_mark(s, ch)
            q_len[ch] -= 1
            _start(s, i, a, ch, p)
            if kind != _CHAT:
                return
            if used[a] >= cap:
                break
    if used[a] == 0:
        _partial_discard(s, p, a)
        _idle_push(s, p, a)
    elif used[a] < s.chat_cap[p]:  # still chatting, with a slot free for the next chat
        _partial_add(s, p, a)


# ----- the schedule -----------------------------------------------------------------------------
@_jit
def _later(s, a, b):
    """Whether agent ``a``'s latest contact started after ``b``'s (then: a higher number)."""
    return s.latest_s[a] > s.latest_s[b] or (
        s.latest_s[a] == s.latest_s[b] and s.latest_c[a] > s.latest_c[b]
    )


@_jit
def _sort_by_latest(s, agents, by_load):
    """Sort ``agents`` in place by (load if ``by_load``, latest contact): insertion sort
    (keys are distinct, so any correct sort gives Python's ``sorted`` order)."""
    for x in range(1, agents.size):
        a = agents[x]
        y = x - 1
        while y >= 0:
            b = agents[y]
            if by_load and s.used[b] != s.used[a]:
                if s.used[b] < s.used[a]:
                    break
            elif not _later(s, b, a):
                break
            agents[y + 1] = b
            y -= 1
        agents[y + 1] = a


@_jit
def _pool_agents(s, p, state):
    """The agents of pool ``p`` in ``state`` (by id)."""
    n = 0
    for a in range(s.ints[_N_IDS]):
        if s.a_state[a] == state and s.a_pool[a] == p:
            n += 1
    out = np.empty(n, dtype=np.int64)
    n = 0
    for a in range(s.ints[_N_IDS]):
        if s.a_state[a] == state and s.a_pool[a] == p:
            out[n] = a
            n += 1
    return out


@_jit
def _staff(s, p, target):
    """Bring pool ``p`` to ``target`` agents on duty (``Model._staff`` has the rules)."""
    diff = target - s.n_active[p]
    if diff < 0:
        while diff < 0 and s.idle_n[p]:
            _send_home(s, _idle_pop(s, p), p)
            diff += 1
        if diff < 0:
            n = 0
            a = s.p_head[p]
            while a >= 0:
                n += 1
                a = s.p_next[a]
            partial = np.empty(n, dtype=np.int64)
            a, n = s.p_head[p], 0
            while a >= 0:
                partial[n] = a
                n += 1
                a = s.p_next[a]
            _sort_by_latest(s, partial, True)
            for x in range(min(-diff, partial.size)):
                _send_home(s, partial[x], p)
            diff += min(-diff, partial.size)
        if diff < 0:
            active = _pool_agents(s, p, _ACTIVE)
            _sort_by_latest(s, active, False)
            for x in range(min(-diff, active.size)):
                _send_home(s, active[x], p)
    else:
        going = _pool_agents(s, p, _GOING)
        _sort_by_latest(s, going, False)
        for x in range(min(diff, going.size)):
            a = going[going.size - 1 - x]  # the latest first
            s.leaving[a] = False
            s.a_state[a] = _ACTIVE
            s.n_active[p] += 1
            if s.used[a] < s.chat_cap[p]:  # chatting with a slot free
                _partial_add(s, p, a)
        diff -= min(diff, going.size)
        for _ in range(diff):
            a = _new_agent(s, p)
            s.a_state[a] = _ACTIVE
            s.n_active[p] += 1
            _give_work(s, a, p)
    # Work that idle agents could not take before (a deferred channel opening) goes now.
    if s.idle_n[p]:
        waiting_work = False
        for j in range(s.pool_chans.shape[1]):
            ch = s.pool_chans[p, j]
            if ch >= 0 and s.q_len[ch]:
                waiting_work = True
        if waiting_work:
            # Each in turn, longest idle first; one still idle rejoins at the back, so the
            # order is kept and the others stay counted for the reserve.
            for _ in range(s.idle_n[p]):
                _give_work(s, _idle_pop(s, p), p)


@_jit
def _send_home(s, a, p):
    """Agent ``a`` (not idle-listed) leaves: now if it holds no contact, else when its last one
    ends, taking no new one meanwhile."""
    if s.a_state[a] == _ACTIVE:
        s.n_active[p] -= 1
    _partial_discard(s, p, a)
    if s.used[a] == 0:
        _remove_agent(s, a, p)
    else:
        s.leaving[a] = True
        s.a_state[a] = _GOING


@_jit
def _new_agent(s, p):
    if s.ints[_FREE_N]:
        s.ints[_FREE_N] -= 1
        a = s.free_ids[s.ints[_FREE_N]]
    else:
        a = s.ints[_N_IDS]
        if a >= s.used.size:  # cannot happen (see CompiledModel): never write past the arrays
            raise RuntimeError("compiled engine: more agents present than the schedule allows")
        s.ints[_N_IDS] += 1
    s.a_pool[a] = p
    s.used[a] = 0
    s.leaving[a] = False
    s.latest_s[a] = -1.0
    s.latest_c[a] = -1
    _pool_mark(s, p)
    s.present[p] += 1
    return a


@_jit
def _remove_agent(s, a, p):
    _pool_mark(s, p)
    s.present[p] -= 1
    s.leaving[a] = False
    s.a_state[a] = _ABSENT
    s.used[a] = -1  # not present; the id is reused
    s.free_ids[s.ints[_FREE_N]] = a
    s.ints[_FREE_N] += 1


@_jit
def _on_boundary(s, k):
    _close_interval(s, k - 1 if k > 0 else 0)  # the warm-up's agent and queue time: not counted
    s.ints[_K] = k
    for p in range(s.schedule.shape[0]):
        _staff(s, p, s.schedule[p, k])
    if k + 1 < s.n_intervals:
        _timeout(s, (k + 1) * s.interval_s - s.floats[_NOW], _EV_BOUNDARY, k + 1)


@_jit
def _schedule_next_arrival(s):
    ints = s.ints
    c = ints[_NEXT]
    ints[_NEXT] = c + 1
    _timeout(s, s.arrived_s[c - ints[_BASE]] - s.floats[_NOW], _EV_ARRIVAL, c)


# ----- the loop ---------------------------------------------------------------------------------
@_jit
def _advance(s):
    """Run events until the end, or until Python must act (the reason is returned)."""
    resume = s.ints[_RESUME]
    s.ints[_RESUME] = _RESUME_NONE
    if resume == _RESUME_CHUNK:  # the rest of the stream arrival that needed a chunk
        if s.ints[_NEXT] < s.ints[_STREAM_END]:
            _schedule_next_arrival(s)
        _arrive(s, s.ints[_PENDING])
    elif resume == _RESUME_RETRIAL and s.ints[_PENDING] >= 0:  # a retrial was drawn
        _timeout(s, s.floats[_DELAY], _EV_RETRIAL, s.ints[_PENDING])
    ints, floats = s.ints, s.floats  # never replaced: read once, not per event
    until = floats[_UNTIL]
    while ints[_HEAP_N]:
        if s.ev[0, _T] >= until:  # the run's end comes first among events at the same time
            break
        floats[_NOW], kind, value = _pop(s)
        if kind == _EV_ARRIVAL:
            if ints[_NEXT] == ints[_STREAM_END]:
                ints[_PENDING] = value
                ints[_RESUME] = _RESUME_CHUNK
                return _NEED_CHUNK
            _schedule_next_arrival(s)
            _arrive(s, value)
        elif kind == _EV_SERVICE:
            _on_service_end(s, value)
        elif kind == _EV_PATIENCE:
            if _on_patience_end(s, value):
                ints[_RESUME] = _RESUME_RETRIAL
                return _NEED_RETRIAL
        elif kind == _EV_RETRIAL:
            _arrive(s, value)
        elif kind == _EV_OVERFLOW:
            _on_overflow(s, value)
        else:
            _on_boundary(s, value)
    floats[_NOW] = until
    return _DONE


@_jit
def _reserve(s, extra):
    """Room for ``extra`` more live contacts; whether the columns were replaced (grown)."""
    need = s.ints[_LIVE] + extra
    if need <= s.arrived_s.size:
        return False
    size = max(need, 2 * s.arrived_s.size)
    # the values before a contact's are set (``_CONTACT_COLUMNS``)
    s.arrived_s = _grown(s.arrived_s, size, np.nan)
    s.chan = _grown(s.chan, size, -1)
    s.base_handle_s = _grown(s.base_handle_s, size, np.nan)
    s.patience_s = _grown(s.patience_s, size, np.nan)
    s.retrial = _grown(s.retrial, size, 0)
    s.wait_s = _grown(s.wait_s, size, 0.0)
    s.outcome = _grown(s.outcome, size, WAITING)
    s.agent = _grown(s.agent, size, -1)
    s.handle_s = _grown(s.handle_s, size, np.nan)
    s.pool = _grown(s.pool, size, -1)
    return True


@_jit
def _contact_columns(s):
    """The contact columns (in ``_CONTACT_COLUMNS`` order), shared with the engine."""
    return (
        s.arrived_s,
        s.chan,
        s.base_handle_s,
        s.patience_s,
        s.retrial,
        s.wait_s,
        s.outcome,
        s.agent,
        s.handle_s,
        s.pool,
    )


@_jit
def _add_totals(
    arrived_s, chan, wait_s, outcome, cut, horizon_s, interval_s, threshold_s, also_s, t
):
    """``ContactLedger.record`` without the log, compiled: add the first ``cut`` contacts to
    the totals ``t`` (``ContactTotals``' arrays, in ``_TOTALS`` order, [channel, interval],
    the within-counts at the further thresholds ``also_s`` [channel, j] with a last axis j).

    The same sums as ``ContactTotals.add`` to the last bit: the batch's waits are summed from
    zero in contact order (as ``np.bincount`` does) before they are added to the totals; the
    counts and maxima are exact. Counted: arrived within the horizon; the SLA compares the
    wall-clock wait (``CompiledModel`` takes ``ContactLedger.record`` when a channel's deadline
    runs in opening hours)."""
    (offered, answered, abandoned, lost, waiting, answered_within, abandoned_within) = t[:7]
    answered_wait_s, offered_wait_s, max_wait_s = t[7], t[8], t[9]
    answered_within_also, abandoned_within_also = t[10], t[11]
    n, n_also = offered.shape[1], also_s.shape[1]
    answered_sum = np.zeros(offered.shape)
    offered_sum = np.zeros(offered.shape)
    for i in range(cut):
        arrived = arrived_s[i]
        if not (arrived >= 0.0 and arrived < horizon_s):
            continue
        ch = chan[i]
        # The interval: numpy's ``arrived // interval_s`` (the exact floor of the quotient,
        # through fmod: slow) from a plain division. Rounding is monotonic, so a rounded
        # quotient that is not a whole number has the exact quotient's floor; only a whole
        # number may have been rounded up to, and then ``//`` decides.
        quotient = arrived / interval_s
        k = int(quotient)
        if k == quotient:
            k = int(arrived // interval_s)
        k = min(k, n - 1)
        code = outcome[i]
        if code == LOST:
            lost[ch, k] += 1
            continue
        wait = wait_s[i]
        within = wait <= threshold_s[ch]
        offered[ch, k] += 1
        offered_sum[ch, k] += wait
        if wait > max_wait_s[ch, k]:
            max_wait_s[ch, k] = wait
        if code == ANSWERED or code == SERVED:
            answered[ch, k] += 1
            answered_sum[ch, k] += wait
            if within:
                answered_within[ch, k] += 1
            for j in range(n_also):  # (NaN pads: never within)
                if wait <= also_s[ch, j]:
                    answered_within_also[ch, k, j] += 1
        elif code == ABANDONED:
            abandoned[ch, k] += 1
            if within:
                abandoned_within[ch, k] += 1
            for j in range(n_also):
                if wait <= also_s[ch, j]:
                    abandoned_within_also[ch, k, j] += 1
        else:
            waiting[ch, k] += 1
    answered_wait_s += answered_sum
    offered_wait_s += offered_sum


#: The ``ContactTotals`` fields ``_add_totals`` takes, in its order.
_TOTALS = (*COUNT_FIELDS, *SUM_FIELDS, "max_wait_s", *ALSO_FIELDS)


def _routing_tables(pool_chans, pool_after, reserve, kind, pool_of):
    """``Model._routing_tables`` as padded arrays (-1 pads the integer ones).

    ``pool_chans[j]`` / ``pool_after[j]``: pool ``j``'s channel indices and waits as listed;
    ``reserve[j]`` its ``reserve_agents``. Returns ``(pool_chans, pool_after, also, ovf_pool,
    ovf_after)``: per pool its channels in the order its agents look at them (real-time before
    deferred when it keeps a reserve, else as listed) and their waits; per channel the other
    pools taking it at once (in pools order) and those taking it after a wait, with the wait.
    """
    n_pool, n_ch = len(pool_chans), len(kind)
    width = max(len(chans) for chans in pool_chans)
    chans_out = np.full((n_pool, width), -1, dtype=np.int64)
    after_out = np.zeros((n_pool, width))
    also = [[] for _ in range(n_ch)]
    overflow = [[] for _ in range(n_ch)]
    for j, (chans, afters) in enumerate(zip(pool_chans, pool_after, strict=True)):
        order = list(range(len(chans)))
        if reserve[j]:  # stable: the listed order within each kind
            order.sort(key=lambda m: kind[chans[m]] == _DEFERRED)
        chans_out[j, : len(chans)] = [chans[m] for m in order]
        after_out[j, : len(chans)] = [afters[m] for m in order]
        for ch, after_s in zip(chans, afters, strict=True):
            if j != pool_of[ch]:
                (overflow[ch].append((j, after_s)) if after_s else also[ch].append(j))
    also_out = np.full((n_ch, max(1, max(map(len, also)))), -1, dtype=np.int64)
    ovf_pool = np.full((n_ch, max(1, max(map(len, overflow)))), -1, dtype=np.int64)
    ovf_after = np.zeros(ovf_pool.shape)
    for ch in range(n_ch):
        also_out[ch, : len(also[ch])] = also[ch]
        for m, (j, after_s) in enumerate(overflow[ch]):
            ovf_pool[ch, m], ovf_after[ch, m] = j, after_s
    return chans_out, after_out, also_out, ovf_pool, ovf_after


@_jit
def _fresh(tables, n_agents, warmup_s, until_s):
    """A replication's state at the start: the read-only ``tables`` (``_static_tables``: the
    ``_FIELDS`` from ``kind`` to ``n_intervals``), every other field made here, in order (in
    compiled code, without the GIL: some forty arrays cost a tenth of what numpy calls from
    Python do)."""
    kind, reserve, n_intervals = tables[_KIND_AT], tables[_RESERVE_AT], tables[_N_INTERVALS_AT]
    n_ch, n_pool, n = kind.size, reserve.size, n_intervals
    i64 = np.int64
    floats = np.zeros(3)
    floats[_NOW] = -warmup_s
    floats[_UNTIL] = until_s
    return _Engine(
        *tables,
        # the contact columns, with the values before a contact's are set (_CONTACT_COLUMNS)
        np.full(1024, np.nan),
        np.full(1024, -1, i64),
        np.full(1024, np.nan),
        np.full(1024, np.nan),
        np.zeros(1024, np.int8),
        np.zeros(1024),
        np.full(1024, WAITING, np.int8),
        np.full(1024, -1, i64),
        np.full(1024, np.nan),
        np.full(1024, -1, i64),
        np.zeros(_N_INT_STATE, i64),  # ints
        floats,
        np.zeros((1024, 3)),  # ev
        np.zeros((n_ch, 1024), i64),  # ring
        np.zeros(n_ch, i64),  # q_head
        np.zeros(n_ch, i64),  # q_size
        np.zeros(n_ch, i64),  # q_len
        np.full(n_ch, -warmup_s),  # q_marked_s
        np.zeros(n_ch),  # q_area
        np.full(n_agents, -1, i64),  # used
        np.zeros(n_agents, np.bool_),  # leaving
        np.full(n_agents, -1.0),  # latest_s
        np.full(n_agents, -1, i64),  # latest_c
        np.zeros(n_agents, i64),  # a_state
        np.full(n_agents, -1, i64),  # a_pool
        np.zeros(n_agents, i64),  # free_ids
        np.zeros((n_pool, n_agents), i64),  # idle
        np.zeros(n_pool, i64),  # idle_head
        np.zeros(n_pool, i64),  # idle_n
        np.zeros(n_agents, np.bool_),  # in_partial
        np.full(n_agents, -1, i64),  # p_next
        np.full(n_agents, -1, i64),  # p_prev
        np.full(n_pool, -1, i64),  # p_head
        np.full(n_pool, -1, i64),  # p_tail
        np.zeros(n_pool, i64),  # n_active
        np.zeros(n_pool, i64),  # present
        np.zeros(n_pool),  # busy
        np.full(n_pool, -warmup_s),  # pool_marked_s
        np.zeros(n_pool),  # busy_area
        np.zeros(n_pool),  # staff_area
        np.zeros((n_pool, n)),  # busy_area_k
        np.zeros((n_pool, n)),  # staff_area_k
        np.zeros((n_ch, n)),  # q_area_k
        np.zeros((n_ch, n), i64),  # backlog_k
    )


@_jit
def _in_place(s):
    """The fields Python reads and writes in place (the engine never replaces them)."""
    return s.ints, s.floats, s.busy_area_k, s.staff_area_k, s.q_area_k, s.backlog_k


def _static_tables(config: SimConfig) -> tuple:
    """The read-only fields of ``config``'s engine (``_FIELDS`` from ``kind`` to
    ``n_intervals``, a tuple) and the number of agent ids; shared by its replications
    (``_TABLES``)."""
    with _TABLES_LOCK:
        kept = _TABLES.get(id(config))
        if kept is not None and kept[0] is config:
            return kept[1]
    channels, pools = config.channels, config.pools
    n = config.n_intervals
    name_index = {c.name: i for i, c in enumerate(channels)}
    pool_index = {p.name: i for i, p in enumerate(pools)}
    kind = np.array([_KIND_CODES[c.kind] for c in channels], dtype=np.int64)
    conc = np.array([c.concurrency for c in channels], dtype=np.int64)
    pool_of = np.array([pool_index[c.pool] for c in channels], dtype=np.int64)
    pool_chans, pool_after, also, ovf_pool, ovf_after = _routing_tables(
        [[name_index[name] for name in p.channels] for p in pools],
        [p.after_s for p in pools],
        [p.reserve_agents for p in pools],
        kind,
        pool_of,
    )
    chat_cap = np.array(
        [
            max((conc[c] for c in chans if c >= 0 and kind[c] == _CHAT), default=0)
            for chans in pool_chans
        ],
        dtype=np.int64,
    )
    schedule = np.array([p.agents[:n] for p in pools], dtype=np.int64)
    tables = (
        kind,
        conc,
        np.array([c.concurrency_stretch for c in channels], dtype=np.float64),
        np.array([1.0 / c.concurrency for c in channels], dtype=np.float64),
        pool_of,
        np.array(
            [
                np.ones(n, bool) if c.open_intervals is None else c.open_intervals[:n]
                for c in channels
            ],
            dtype=np.bool_,
        ),
        np.array([c.retrial_share > 0 for c in channels], dtype=np.bool_),
        pool_chans,
        pool_after,
        np.array([p.reserve_agents for p in pools], dtype=np.int64),
        also,
        ovf_pool,
        ovf_after,
        chat_cap,
        schedule,
        float(config.interval_s),
        n,
    )
    # Agents present never exceed the largest count on duty (a rise keeps on the leaving
    # agents first), so every agent id fits below the sum of the pools' largest counts.
    tables = (tables, int(schedule.max(axis=1).sum()) + 1)
    with _TABLES_LOCK:
        _TABLES[id(config)] = (config, tables)
        while len(_TABLES) > _TABLES_KEPT:
            del _TABLES[next(iter(_TABLES))]
    return tables


def _open_intervals(channel, n: int) -> np.ndarray:
    return np.ones(n, bool) if channel.open_intervals is None else channel.open_intervals[:n]


#: ``_static_tables`` of the configurations simulated last (by ``id``, each with its config,
#: which keeps the id from being reused): the replications of one configuration (a
#: ``replicate`` call, on any thread) build them once. A bounded memo of a pure function of
#: an immutable object, like ``simulator.draws``'.
_TABLES: dict[int, tuple[SimConfig, tuple]] = {}
_TABLES_KEPT = 8
_TABLES_LOCK = threading.Lock()


def _after_fork_in_child() -> None:
    """A process forked while another thread held the lock gets a free one (``draws``)."""
    global _TABLES_LOCK
    _TABLES_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):  # (POSIX)
    os.register_at_fork(after_in_child=_after_fork_in_child)


# ----- the Python side --------------------------------------------------------------------------
class CompiledModel:
    """One replication on the compiled engine; the same interface as ``model.Model`` for
    ``run.simulate`` (``ledger``, ``busy_area_k``, ``staff_area_k``, ``q_area_k``,
    ``backlog_k``)."""

    def __init__(
        self,
        config: SimConfig,
        stream: ContactStream,
        retrial_rng: np.random.Generator | None,
        *,
        keep_log: bool = True,
    ):
        if njit is None:
            raise ValueError("the compiled engine needs numba, which does not import here")
        self.config = config
        self.stream = stream
        if retrial_rng is None and any(c.retrial_share > 0 for c in config.channels):
            raise ValueError("`retrial_rng` is required when a channel has `retrial_share` > 0")
        self.retrial_rng = retrial_rng
        self.ledger = ContactLedger(config, keep_log)
        self._col = None  # the contact columns, fetched from the engine when first needed
        # Without the log, finished contacts go to the totals in compiled code (a tenth of the
        # run's time in numpy otherwise), unless a wait counts in opening hours.
        self._compiled_totals = not keep_log and all(
            c.deadline_clock != "opening_hours" for c in config.channels
        )
        tables, n_agents = _static_tables(config)
        warmup_s = float(config.warmup_s)
        # SimPy's run(until) schedules its end at now + (until - now), before any event then.
        until_s = -warmup_s + (config.horizon_s - -warmup_s)
        self.s = s = _fresh(tables, n_agents, warmup_s, until_s)
        # Python reads and writes these in place (the engine never replaces them).
        (
            self.ints,
            self.floats,
            self.busy_area_k,
            self.staff_area_k,
            self.q_area_k,
            self.backlog_k,
        ) = _in_place(s)
        self.chunk = -2 if warmup_s > 0 else -1  # -1: the warm-up's contacts
        if warmup_s > 0:  # the first interval's staffing from the start of the warm-up
            schedule = tables[_SCHEDULE_AT]
            for p in range(schedule.shape[0]):
                _staff(s, p, int(schedule[p, 0]))
        _timeout(s, 0.0 - self.floats[_NOW], _EV_BOUNDARY, 0)
        if self._next_chunk():
            _schedule_next_arrival(s)

    def _columns(self) -> dict[str, np.ndarray]:
        """The contact columns now: the engine's arrays, shared (only ``_reserve`` replaces
        them, so they are fetched again after it grew them: each fetch boxes ten arrays)."""
        if self._col is None:
            columns = _contact_columns(self.s)
            self._col = {name: columns[j] for j, (name, _, _) in enumerate(_CONTACT_COLUMNS)}
        return self._col

    def _reserve(self, extra: int) -> None:
        """Room for ``extra`` more live contacts (``_reserve``)."""
        if _reserve(self.s, extra):
            self._col = None

    def _flush(self, final: bool = False) -> None:
        """Add the finished contacts before the first unfinished one (all if ``final``) to the
        ledger, and drop them (``Model._flush``: the same batches, so the same sums)."""
        ints = self.ints
        live = int(ints[_LIVE])
        col = self._columns()
        cut = live if final else finished_prefix(col["outcome"][:live])
        if cut == 0:
            return
        ledger = self.ledger
        if self._compiled_totals:  # the totals only, summed in the loop's machine code
            totals = ledger.totals
            _add_totals(
                col["arrived_s"],
                col["chan"],
                col["wait_s"],
                col["outcome"],
                cut,
                float(self.config.horizon_s),
                ledger.interval_s,
                ledger.threshold_s,
                ledger.also_thresholds_s,
                tuple(getattr(totals, name) for name in _TOTALS),
            )
        else:
            head = {name: values[:cut] for name, values in col.items()}  # views: copied there
            head["chan"] = head["chan"].astype(np.int16)  # the reference's column types
            head["agent"] = head["agent"].astype(np.int32)
            head["pool"] = head["pool"].astype(np.int16)
            head["repeat"] = np.zeros(cut, dtype=np.int8)  # no FCR repeats (unsupported_feature)
            ledger.record(head)
        if not final:  # (after the final flush the run is over: nothing reads them again)
            for name, _, fill in _CONTACT_COLUMNS:
                column = col[name]
                column[: live - cut] = column[cut:live]
                column[live - cut : live] = fill
        ints[_BASE] += cut
        ints[_LIVE] = live - cut

    def _next_chunk(self) -> bool:
        """Drop the finished contacts, then load the next non-empty chunk (False: none left)."""
        self._flush()
        stream, ints = self.stream, self.ints
        while self.chunk + 1 < stream.n_chunks:
            self.chunk += 1
            drawn = stream.warmup() if self.chunk < 0 else stream.chunk(self.chunk)
            m = drawn.arrived_at_s.size
            if not m:
                continue
            self._reserve(m)
            col = self._columns()
            live = int(ints[_LIVE])
            new = slice(live, live + m)
            col["arrived_s"][new] = drawn.arrived_at_s
            col["chan"][new] = drawn.channel
            col["base_handle_s"][new] = drawn.handle_s
            col["patience_s"][new] = drawn.patience_s
            ints[_LIVE] = live + m
            ints[_NEXT] = ints[_BASE] + live
            ints[_STREAM_END] = ints[_NEXT] + m
            return True
        return False

    def _draw_retrial(self) -> None:
        """The retrial of the abandonment the loop stopped at, drawn as ``Model`` does."""
        ints, floats = self.ints, self.floats
        ch = int(ints[_RETRIAL_CH])
        retrial = draw_retrial(self.retrial_rng, self.config.channels[ch])
        ints[_PENDING] = -1
        if retrial is None:
            return
        delay_s, handle_s, patience_s = retrial
        self._reserve(1)
        col = self._columns()
        i = int(ints[_LIVE])
        col["arrived_s"][i] = floats[_NOW] + delay_s
        col["chan"][i], col["base_handle_s"][i], col["patience_s"][i] = ch, handle_s, patience_s
        col["retrial"][i] = 1
        ints[_LIVE] = i + 1
        ints[_PENDING] = ints[_BASE] + i
        floats[_DELAY] = delay_s

    def run(self) -> None:
        while True:
            status = _advance(self.s)
            if status == _DONE:
                break
            if status == _NEED_CHUNK:
                if not self._next_chunk():  # no contact left: the pending arrival goes on
                    self.ints[_NEXT] = self.ints[_STREAM_END]
            else:
                self._draw_retrial()
        # The last interval closes when the run ends (SimPy's clock stops at its end).
        _close_interval(self.s, self.config.n_intervals - 1)
        live = int(self.ints[_LIVE])
        col = self._columns()
        waiting = col["outcome"][:live] == WAITING  # censored: still waiting at the end
        col["wait_s"][:live][waiting] = self.config.horizon_s - col["arrived_s"][:live][waiting]
        self._flush(final=True)
