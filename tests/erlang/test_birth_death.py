"""Erlang A against its birth-death chain, solved numerically (no closed forms involved).

The M/M/n+M chain (state = callers in the system) is truncated where the stationary tail is
negligible and solved as a linear system; a tagged caller's absorbing chain (others ahead ->
answered / abandoned) is solved with a matrix exponential for the threshold quantities and as
a linear system for the mean wait of answered callers.
"""

import numpy as np
import pytest
from scipy import linalg

from erlang import erlang_a_kpis

CASES = [
    # calls_per_hour, aht_s, patience_s, agents, threshold_s
    (200, 180, 30, 5, 20),
    (1200, 300, 300, 100, 20),
    (600, 300, 60, 40, 10),
    (400, 240, 600, 20, 30),
    (90, 600, 120, 10, 60),
    (3000, 120, 45, 60, 15),
    (100, 900, 1000, 30, 0),
    (700, 180, 20, 25, 5),
    (50, 1200, 300, 4, 120),
    (2400, 240, 180, 150, 20),
]


def stationary(lam, mu, theta, n, size):
    """Stationary distribution of the truncated chain from the generator (least squares)."""
    q = np.zeros((size, size))
    for k in range(size):
        if k + 1 < size:
            q[k, k + 1] = lam
        if k > 0:
            q[k, k - 1] = min(k, n) * mu + max(k - n, 0) * theta
        q[k, k] = -q[k].sum()
    a = np.vstack([q.T, np.ones(size)])
    b = np.zeros(size + 1)
    b[-1] = 1.0
    return np.linalg.lstsq(a, b, rcond=None)[0]


@pytest.mark.parametrize(("cph", "aht", "patience", "n", "t"), CASES)
def test_erlang_a_matches_the_numerically_solved_chain(cph, aht, patience, n, t):
    lam, mu, theta = cph / 3600, 1 / aht, 1 / patience
    size = n + 1
    while True:  # grow the truncation until the tail mass is negligible
        size += 50
        pi = stationary(lam, mu, theta, n, size)
        if pi[-10:].sum() < 1e-18:
            break
    k = np.arange(size)
    queue = np.maximum(k - n, 0)
    p_wait = pi[n:].sum()  # PASTA: an arrival waits when all agents are busy
    mean_queue = (pi * queue).sum()
    p_abandon = theta * mean_queue / lam  # abandonment rate = theta x E[queue]
    mean_wait = mean_queue / lam  # Little
    occupancy = (pi * np.minimum(k, n)).sum() / n

    # Tagged caller who finds j = k - n others waiting: states j, absorbing answered/abandoned.
    ahead = pi[n:] / 1.0  # arrival-state probabilities of the waiting callers
    m = ahead.size
    gen = np.zeros((m + 2, m + 2))
    for j in range(m):
        advance = n * mu + j * theta
        gen[j, j - 1 if j else m] = advance
        gen[j, m + 1] = theta
        gen[j, j] = -(advance + theta)
    p_t = linalg.expm(gen * t) if t > 0 else np.eye(m + 2)
    answered_within = (1 - p_wait) + ahead @ p_t[:m, m]
    abandoned_within = ahead @ p_t[:m, m + 1]
    # E[W 1{answered} | j] = h_j: h_j = P(ans | j) / r_j + (advance_j / r_j) h_{j-1}.
    rate = np.array([n * mu + j * theta + theta for j in range(m)])
    advance = rate - theta
    p_ans = np.empty(m)
    h = np.empty(m)
    for j in range(m):
        prev_p, prev_h = (1.0, 0.0) if j == 0 else (p_ans[j - 1], h[j - 1])
        p_ans[j] = advance[j] / rate[j] * prev_p
        h[j] = p_ans[j] / rate[j] + advance[j] / rate[j] * prev_h
    answered = (1 - p_wait) + ahead @ p_ans
    asa = (ahead @ h) / answered

    kpis = erlang_a_kpis(cph, aht, patience, n, t)
    expected = {
        "p_wait": p_wait,
        "p_abandon": p_abandon,
        "mean_wait_s": mean_wait,
        "occupancy": occupancy,
        "service_level": answered_within,
        "service_level_excl_short_abandons": answered_within / (1 - abandoned_within),
        "service_level_of_answered": answered_within / answered,
        "asa_s": asa,
    }
    for field, value in expected.items():
        # rtol 1e-9 is the bar; the chain itself is solved in doubles by least squares and
        # a matrix exponential, accurate to ~1e-12 here.
        assert getattr(kpis, field) == pytest.approx(value, rel=1e-9), field
