"""The fast kernel against a process-based SimPy reference, contact by contact.

Voice with abandonment on a schedule that rises and drops (also while every agent is busy):
the same pre-drawn contacts must get the same wait, outcome and service start and end in both,
to 1e-9 s.
"""

import numpy as np
import pytest

from simulator import Channel, Pool, SimConfig, exponential, lognormal, simulate
from simulator.arrivals import draw_contacts
from simulator.kpis import ABANDONED, ANSWERED, WAITING
from simulator.run import spawn_streams

from .reference_model import reference_log

INTERVAL_S = 900.0
# 25 erlangs offered (300 calls/h x 300 s); drops to 12 and 5 agents while all are busy.
AGENTS = [20, 28, 12, 12, 30, 5, 25, 18, 0, 22]


def config(patience):
    n = len(AGENTS)
    ch = Channel("v", "voice", np.full(n, 300.0), lognormal(300, 0.9), patience, 20.0, "p")
    return SimConfig(INTERVAL_S, [ch], [Pool("p", np.array(AGENTS), ("v",))])


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("patience", [exponential(120), None], ids=["abandon", "patient"])
def test_kernel_log_equals_the_reference_contact_by_contact(seed, patience):
    cfg = config(patience)
    contacts = draw_contacts(cfg, spawn_streams(seed, 1))
    ref = reference_log(
        contacts.arrived_at_s, contacts.handle_s, contacts.patience_s, AGENTS, INTERVAL_S
    )
    log = simulate(cfg, seed=seed).log
    np.testing.assert_array_equal(log["arrived_at_s"], contacts.arrived_at_s)
    np.testing.assert_array_equal(log["outcome"], ref["outcome"])
    np.testing.assert_allclose(log["wait_s"], ref["wait_s"], rtol=0, atol=1e-9)
    start_s = log["arrived_at_s"] + log["wait_s"]
    ref_start_s = contacts.arrived_at_s + ref["wait_s"]
    np.testing.assert_allclose(start_s, ref_start_s, rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        start_s + log["handle_s"], ref_start_s + ref["handle_s"], rtol=0, atol=1e-9
    )  # service end (NaN where not answered, in both)
    # The case exercises what it is meant to: abandonment (when callers are impatient), and
    # callers still being served when the schedule drops below the number busy.
    outcome = log["outcome"]
    assert (outcome == ABANDONED).any() == (patience is not None)
    assert (outcome == ANSWERED).sum() > 100
    assert (outcome == WAITING).any() or patience is not None  # censored: queue at the end
    end_s = start_s + log["handle_s"]
    for k in (2, 5, 8):  # drops 28 -> 12, 30 -> 5, 18 -> 0
        boundary_s = k * INTERVAL_S
        busy = np.sum((start_s < boundary_s) & (end_s > boundary_s))
        assert busy > AGENTS[k], (k, busy)
