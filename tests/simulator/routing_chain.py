"""Exact steady-state KPIs of small multi-skill centers, as a continuous-time Markov chain.

The validation bar of the simulator's routing (``simulator.model``): built here from the routing
rules as ``simulator.Pool`` states them, not from the simulator's code, with exponential
handle times (per channel), exponential patience and Poisson arrivals.

State: for every pool, how many of its agents serve each channel it lists; for every channel,
how many contacts wait in its queue (capped at ``queue_cap``; the stationary mass at the cap
is returned so a test can check it is negligible). Rules (``Pool``, all ``after_s`` 0):

- an arriving contact: if its channel's queue is not empty it joins the queue; else its
  primary pool takes it if an agent is idle, else the first other pool (in pool order) that
  lists the channel with an idle agent; else it waits. A deferred contact is taken only if the
  pool keeps ``reserve`` other agents idle;
- an agent freeing up looks at its pool's channels (a pool with a reserve: real-time ones
  first, then deferred ones, each in listed order) and takes the head of the first non-empty
  queue (deferred: only if ``reserve`` other agents of its pool stay idle), else goes idle;
- each waiting contact abandons at rate 1 / patience.

KPIs per channel come from the chain as seen by a tagged arriving contact (PASTA): the share
answered at once, and for the others an absorbing chain that follows the tagged contact's
position in its FIFO queue (contacts behind it never change its fate) until it is answered or
abandons. ``P(answered within T)`` is the absorption probability by ``T`` (uniformization via
``scipy.sparse.linalg.expm_multiply``); the mean wait of answered contacts comes from the
expected occupation times of the transient states (phase-type absorption, Neuts 1981,
*Matrix-Geometric Solutions in Stochastic Models*, ch. 2). Abandonment share = abandonment
rate / arrival rate; occupancy = E[busy agents] / agents.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import expm_multiply, splu, spsolve

SERVED, ABANDONED = "served", "abandoned"


@dataclass(frozen=True)
class ChainChannel:
    calls_per_s: float
    handle_mean_s: float
    patience_mean_s: float | None  # None: never abandons
    primary: int  # index of the primary pool
    deferred: bool = False


@dataclass(frozen=True)
class ChainPool:
    agents: int
    channels: tuple[int, ...]  # channel indices, priority order
    reserve: int = 0


@dataclass(frozen=True)
class ChannelResult:
    answered_within: float  # P(answered with wait <= threshold) per offered contact
    answered: float  # P(answered)
    abandoned: float  # abandonment share (abandonment rate / arrival rate)
    asa_s: float  # mean wait of answered contacts
    at_once: float  # P(answered without waiting)


@dataclass(frozen=True)
class ChainResult:
    channels: tuple[ChannelResult, ...]
    occupancy: tuple[float, ...]  # per pool: E[busy] / agents
    mass_at_cap: float  # stationary probability of a queue at its cap (must be ~0)
    n_states: int


class RoutingChain:
    """The chain of ``channels`` served by ``pools``; ``solve(thresholds_s)`` gives the KPIs."""

    def __init__(self, channels, pools, queue_cap=60):
        """``queue_cap``: the longest queue kept, one for all channels or one per channel."""
        self.channels, self.pools = tuple(channels), tuple(pools)
        caps = np.broadcast_to(queue_cap, (len(self.channels),))
        self.cap = tuple(int(v) for v in caps)
        self.slots = [(p, c) for p, pool in enumerate(self.pools) for c in pool.channels]
        self.order = []  # per pool: the channels its freeing agent looks at, in turn
        for pool in self.pools:
            chans = list(pool.channels)
            if pool.reserve:
                chans.sort(key=lambda c: self.channels[c].deferred)
            self.order.append(chans)
        n_ch = len(self.channels)
        self.others = [  # per channel: pools tried after the primary, in pool order
            [p for p, pool in enumerate(self.pools) if c in pool.channels and p != ch.primary]
            for c, ch in enumerate(self.channels)
        ]
        self.n_ch = n_ch
        self.pool_slots = [
            [j for j, (q, _) in enumerate(self.slots) if q == p] for p in range(len(self.pools))
        ]
        self.slot_of = {slot: j for j, slot in enumerate(self.slots)}

    # A state: (busy per slot ..., queue per channel ...).
    def _busy(self, s, p):
        return sum(s[j] for j in self.pool_slots[p])

    def _idle(self, s, p):
        return self.pools[p].agents - self._busy(s, p)

    def _may_take(self, s, p, c, others_idle):
        return not self.channels[c].deferred or others_idle >= self.pools[p].reserve

    def _arrival_pool(self, s, c):
        """The pool that takes an arriving contact of ``c`` at once (None: it waits)."""
        if s[len(self.slots) + c]:
            return None
        for p in [self.channels[c].primary, *self.others[c]]:
            idle = self._idle(s, p)
            if idle and self._may_take(s, p, c, idle - 1):
                return p
        return None

    def moves(self, s, tagged: int | None = None):
        """(rate, next state) pairs out of ``s``; with ``tagged`` = c, the queue of ``c``
        holds the tagged contact's position (its arrivals are ignored) and the next state may
        be ``SERVED`` or ``ABANDONED`` (the tagged contact's fate)."""
        nq = len(self.slots)
        out = []
        for c, ch in enumerate(self.channels):
            if c == tagged:
                continue
            p = self._arrival_pool(s, c)
            t = list(s)
            if p is None:
                if s[nq + c] >= self.cap[c]:
                    continue  # lost at the cap (checked negligible)
                t[nq + c] += 1
            else:
                t[self.slot_of[p, c]] += 1
            out.append((ch.calls_per_s, tuple(t)))
        for j, (p, c) in enumerate(self.slots):
            if not s[j]:
                continue
            rate = s[j] / self.channels[c].handle_mean_s
            t = list(s)
            t[j] -= 1
            others_idle = self._idle(t, p) - 1  # idle agents besides the one freeing up
            nxt = tuple(t)
            for d in self.order[p]:
                if t[nq + d] and self._may_take(t, p, d, others_idle):
                    if d == tagged and t[nq + d] == 1:
                        nxt = SERVED
                    else:
                        t[nq + d] -= 1
                        t[self.slot_of[p, d]] += 1
                        nxt = tuple(t)
                    break
            out.append((rate, nxt))
        for c, ch in enumerate(self.channels):
            waiting = s[nq + c]
            if not waiting or ch.patience_mean_s is None:
                continue
            t = list(s)
            t[nq + c] -= 1
            if c == tagged:  # the ones ahead of the tagged contact, and the tagged one
                if waiting > 1:
                    out.append(((waiting - 1) / ch.patience_mean_s, tuple(t)))
                out.append((1.0 / ch.patience_mean_s, ABANDONED))
            else:
                out.append((waiting / ch.patience_mean_s, tuple(t)))
        return out

    def _explore(self, starts, tagged=None):
        """Reachable states from ``starts`` and the sparse generator (absorbing states last)."""
        index = {}
        todo = deque()
        for s in starts:
            if s not in index:
                index[s] = len(index)
                todo.append(s)
        rows, cols, vals = [], [], []
        edges = []
        while todo:
            s = todo.popleft()
            for rate, t in self.moves(s, tagged):
                if t not in (SERVED, ABANDONED) and t not in index:
                    index[t] = len(index)
                    todo.append(t)
                edges.append((index[s], t, rate))
        n = len(index)
        absorbing = {SERVED: n, ABANDONED: n + 1}
        size = n + (2 if tagged is not None else 0)
        for i, t, rate in edges:
            j = absorbing[t] if t in absorbing else index[t]
            rows += [i, i]
            cols += [j, i]
            vals += [rate, -rate]
        q = sp.csr_matrix((vals, (rows, cols)), shape=(size, size))
        return index, q

    def solve(self, thresholds_s) -> ChainResult:
        nq = len(self.slots)
        empty = (0,) * (nq + self.n_ch)
        index, q = self._explore([empty])
        n = len(index)
        a = q.T.tolil()
        a[n - 1, :] = np.ones(n)
        b = np.zeros(n)
        b[n - 1] = 1.0
        pi = spsolve(a.tocsr(), b)
        states = list(index)
        cap_mass = sum(
            pi[i] for i, s in enumerate(states) if any(np.greater_equal(s[nq:], self.cap))
        )
        occupancy = tuple(
            sum(pi[i] * self._busy(s, p) for i, s in enumerate(states)) / pool.agents
            for p, pool in enumerate(self.pools)
        )
        results = tuple(self._channel(c, pi, states, thresholds_s[c]) for c in range(self.n_ch))
        return ChainResult(results, occupancy, float(cap_mass), n)

    def _channel(self, c, pi, states, threshold_s) -> ChannelResult:
        nq = len(self.slots)
        ch = self.channels[c]
        at_once = 0.0
        entry = {}
        for i, s in enumerate(states):
            if self._arrival_pool(s, c) is not None:
                at_once += pi[i]
            elif s[nq + c] < self.cap[c]:
                t = list(s)
                t[nq + c] += 1  # the tagged contact's position
                entry[tuple(t)] = entry.get(tuple(t), 0.0) + pi[i]
        mean_queue = sum(pi[i] * s[nq + c] for i, s in enumerate(states))
        abandoned = 0.0 if ch.patience_mean_s is None else mean_queue / ch.patience_mean_s
        abandoned /= ch.calls_per_s
        index, q = self._explore(list(entry), tagged=c)
        n = len(index)
        p0 = np.zeros(n + 2)
        for s, mass in entry.items():
            p0[index[s]] += mass
        p_t = expm_multiply(q.T * threshold_s, p0)
        transient = q[:n, :n].tocsc()
        to_served = q[:n, n].toarray().ravel()
        lu = splu(transient)
        h = lu.solve(-to_served)  # P(eventually answered | state)
        occupation = lu.solve(-p0[:n], trans="T")  # expected time in each state
        answered = at_once + float(p0[:n] @ h)
        return ChannelResult(
            answered_within=at_once + float(p_t[n]),
            answered=answered,
            abandoned=abandoned,
            asa_s=float(occupation @ h) / answered,
            at_once=at_once,
        )
