"""Blended voice and email in one pool, in closed form: a continuous-time Markov chain.

``agents`` agents answer voice (Poisson arrivals, exponential handle times, no abandonment)
and, in between, email from a backlog that never runs dry (the conservative case for voice:
an agent is never idle for want of email). The blending rule is the simulator's
(``simulator.Pool.reserve_agents``): an agent who frees up takes a waiting call first; with
no call waiting it takes an email only while at least ``reserve_agents`` other agents stay
idle; email is never preempted. This is the threshold policy of Bhulai and Koole (2003).

State ``(x, y)``: ``x`` calls in the system (on an agent or waiting), ``y`` agents on email.
Calls on agents: ``min(x, agents - y)``; idle agents ``agents - y - x`` when positive, and
never more than ``reserve_agents`` (the rest start an email at once). Transitions: a call
arrives (``x + 1``), a call ends (``x - 1``, rate ``mu_v min(x, agents - y)``), an email ends
(rate ``mu_e y``: the agent takes a waiting call, else a new email unless the reserve needs
him). The stationary distribution is solved numerically (the voice queue truncated where its
tail is below 1e-12).

Voice KPIs by PASTA: P(wait) is the stationary mass with no idle agent; a call arriving to
``q`` calls waiting needs ``q + 1`` agent releases, each release a call end (rate ``mu_v x
(agents - y)``) or an email end (rate ``mu_e y``, that agent then on voice): the wait is the
absorption time of that chain, P(wait <= t) by its matrix exponential; ASA = mean queue /
arrival rate (Little). Email: answered per hour = ``mu_e E[y]``.

References
----------
S. Bhulai and G. Koole (2003), "A queueing model for call blending in call centers", *IEEE
Transactions on Automatic Control* 48(8), 1434-1438.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["BlendedKPIs", "blended_kpis"]

#: Largest chain solved (a queue at 99.99% of its agents needs ~10^5 queue states per agent).
MAX_STATES = 400_000


@dataclass(frozen=True)
class BlendedKPIs:
    """One blended pool in steady state: voice ``p_wait``, ``service_level`` (answered within
    ``threshold_s`` / offered; no abandonment, so every definition agrees), ``asa_s`` [s],
    ``voice_occupancy`` (share of agent time on calls); email ``emails_per_hour`` answered and
    ``email_occupancy`` (share of agent time on email)."""

    p_wait: float
    service_level: float
    asa_s: float
    voice_occupancy: float
    emails_per_hour: float
    email_occupancy: float


def _check(name: str, value: float, low: float, *, strict: bool = True) -> None:
    ok = value > low if strict else value >= low
    if not (np.isfinite(value) and ok):
        sign = ">" if strict else ">="
        raise ValueError(f"`{name}` must be a finite number {sign} {low:g}, got {value!r}")


def blended_kpis(
    calls_per_hour: float,
    aht_s: float,
    email_aht_s: float,
    agents: int,
    reserve_agents: int,
    threshold_s: float,
) -> BlendedKPIs:
    """Steady-state KPIs of a blended pool (see the module docstring).

    Parameters
    ----------
    calls_per_hour : voice arrival rate [calls/h], >= 0.
    aht_s : mean voice handle time [s], > 0 (exponential).
    email_aht_s : mean email handle time [s], > 0 (exponential).
    agents : agents in the pool, >= 1.
    reserve_agents : agents kept idle for calls, 0 .. agents (``agents``: no email, the pool
        is an Erlang C queue).
    threshold_s : the service-level threshold [s], >= 0.

    Raises ``ValueError`` naming the argument, and for an unstable queue (calls need more than
    ``agents`` agents: ``calls_per_hour x aht_s / 3600 >= agents``).
    """
    from scipy import sparse
    from scipy.sparse.linalg import expm_multiply, spsolve

    _check("calls_per_hour", calls_per_hour, 0, strict=False)
    _check("aht_s", aht_s, 0)
    _check("email_aht_s", email_aht_s, 0)
    _check("threshold_s", threshold_s, 0, strict=False)
    if isinstance(agents, bool) or int(agents) != agents or agents < 1:
        raise ValueError(f"`agents` must be a whole number >= 1, got {agents!r}")
    if isinstance(reserve_agents, bool) or int(reserve_agents) != reserve_agents:
        raise ValueError(f"`reserve_agents` must be a whole number, got {reserve_agents!r}")
    n, r = int(agents), min(int(reserve_agents), int(agents))
    if r < 0:
        raise ValueError(f"`reserve_agents` must be >= 0, got {reserve_agents!r}")
    lam, mu_v, mu_e = calls_per_hour / 3600.0, 1.0 / aht_s, 1.0 / email_aht_s
    load = lam / mu_v
    if load >= n:
        raise ValueError(
            f"offered load {load:.3g} erlangs needs more than {n} agents for a stable queue "
            "without abandonment"
        )
    # Queue truncation: with all agents on calls the queue is geometric with ratio load / n.
    ratio = load / n
    q_max = int(np.ceil(np.log(1e-12) / np.log(ratio))) + n if ratio > 0 else n
    x_max = n + q_max
    if (x_max + 1) * (n + 1) > MAX_STATES:
        raise ValueError(
            f"offered load {load:.6g} erlangs is too close to the {n} agents for the chain "
            f"(more than {MAX_STATES:,} states); add an agent"
        )

    def settle(x, y):
        """Idle agents beyond the reserve start an email at once."""
        idle = n - y - x
        return (x, y + idle - r) if idle > r else (x, y)

    # The states the rule leaves: no more than ``r`` idle agents.
    states = [(x, y) for x in range(x_max + 1) for y in range(n + 1) if n - y - x <= r]
    index = {s: i for i, s in enumerate(states)}
    rows, cols, rates = [], [], []

    def add(src, dst, rate):
        if rate > 0 and dst in index and dst != src:
            rows.append(index[src])
            cols.append(index[dst])
            rates.append(rate)

    for x, y in states:
        if x < x_max:
            add((x, y), settle(x + 1, y), lam)
        on_calls = min(x, n - y)
        if on_calls:
            add((x, y), settle(x - 1, y), mu_v * on_calls)
        if y:
            add((x, y), settle(x, y - 1), mu_e * y)
    size = len(states)
    q = sparse.csr_matrix((rates, (rows, cols)), shape=(size, size))
    q = q - sparse.diags(np.asarray(q.sum(axis=1)).ravel())
    # pi Q = 0 with sum(pi) = 1: replace one balance equation by the normalisation.
    a = q.T.tolil()
    a[0, :] = 1.0
    b = np.zeros(size)
    b[0] = 1.0
    pi = spsolve(a.tocsc(), b)
    pi = np.clip(pi, 0.0, None)
    pi /= pi.sum()
    xs = np.array([s[0] for s in states])
    ys = np.array([s[1] for s in states])
    waiting = np.maximum(xs - (n - ys), 0)
    busy = xs >= n - ys  # no idle agent: an arriving call waits
    p_wait = float(pi[busy].sum())
    asa_s = float((pi * waiting).sum() / lam) if lam > 0 else 0.0
    within = 1.0 - p_wait
    if p_wait > 0 and threshold_s > 0:
        within += _waited_within(pi[busy], waiting[busy], ys[busy], n, mu_v, mu_e, threshold_s,
                                 sparse, expm_multiply)  # fmt: skip
    return BlendedKPIs(
        p_wait=p_wait,
        service_level=float(min(max(within, 0.0), 1.0)),
        asa_s=asa_s,
        voice_occupancy=load / n,
        emails_per_hour=float(mu_e * (pi * ys).sum() * 3600.0),
        email_occupancy=float((pi * ys).sum() / n),
    )


def _waited_within(mass, queued, on_email, n, mu_v, mu_e, t, sparse, expm_multiply) -> float:
    """P(the call is answered within ``t`` and waited) = sum over arrival states (mass) of
    P(``queued + 1`` agent releases happen by ``t``), releases from the chain on (k releases
    still needed, y agents on email)."""
    k_max = int(queued.max()) + 1
    states = [(k, y) for k in range(1, k_max + 1) for y in range(n + 1)]
    index = {s: i for i, s in enumerate(states)}
    rows, cols, rates, out = [], [], [], np.zeros(len(states))
    for (k, y), i in index.items():
        for dst, rate in (((k - 1, y), mu_v * (n - y)), ((k - 1, y - 1), mu_e * y)):
            if rate <= 0:
                continue
            out[i] += rate
            if dst[0] >= 1:
                rows.append(i)
                cols.append(index[dst])
                rates.append(rate)
    size = len(states)
    q = sparse.csr_matrix((rates, (rows, cols)), shape=(size, size)) - sparse.diags(out)
    start = np.zeros(size)
    np.add.at(start, [index[(int(k) + 1, int(y))] for k, y in zip(queued, on_email, strict=True)],
              mass)  # fmt: skip
    left = expm_multiply(q.T * t, start)  # mass still waiting at t
    return float(start.sum() - np.clip(left, 0.0, None).sum())
