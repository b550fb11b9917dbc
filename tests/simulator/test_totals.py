"""Per-period contact totals against a plain loop over the contacts."""

import numpy as np
import pytest

from simulator.kpis import ABANDONED, ANSWERED, LOST, WAITING, ContactTotals


def test_totals_equal_a_loop_over_contacts_added_in_batches():
    rng = np.random.default_rng(18)
    n_periods, m = 7, 3000
    period = rng.integers(0, n_periods, m)
    outcome = rng.choice([ANSWERED, ABANDONED, LOST, WAITING], m).astype(np.int8)
    wait_s = np.round(rng.exponential(30.0, m), 1)  # rounded: waits equal to the threshold
    threshold_s = np.where(period % 2 == 0, 20.0, 30.0)
    totals = ContactTotals.zeros(n_periods)
    for part in np.array_split(np.arange(m), 5):  # batches, as the engines add them
        totals.add(period[part], outcome[part], wait_s[part], threshold_s[part])
    for k in range(n_periods):
        mine = period == k
        o, w, t = outcome[mine], wait_s[mine], threshold_s[mine]
        within = w <= t
        expected = {
            "offered": np.sum(o != LOST),
            "answered": np.sum(o == ANSWERED),
            "abandoned": np.sum(o == ABANDONED),
            "lost": np.sum(o == LOST),
            "waiting": np.sum(o == WAITING),
            "answered_within": np.sum((o == ANSWERED) & within),
            "abandoned_within": np.sum((o == ABANDONED) & within),
            "answered_wait_s": sum(float(x) for x in w[o == ANSWERED]),
            "offered_wait_s": sum(float(x) for x in w[o != LOST]),
            "max_wait_s": max(float(x) for x in w[o != LOST]),
        }
        for name, value in expected.items():
            assert getattr(totals, name)[k] == pytest.approx(value, rel=1e-12), (name, k)
