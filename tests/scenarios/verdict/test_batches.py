"""Breach risk as its replications finish: each batch's answer is the answer of the
replications done so far, and the last is ``breach_risks``'s."""

import numpy as np

from scenarios.verdict import breach_risks, breach_risks_in_batches

from .test_verdict import stationary_scenario


def test_batches_grow_to_the_whole_answer():
    scenario = stationary_scenario(3)
    agents = np.full(72, 22)
    whole = breach_risks(scenario, "voice", agents=agents, replications=5, seed=7)
    steps = list(breach_risks_in_batches(scenario, "voice", agents=agents, replications=5, seed=7))
    assert [done for done, _ in steps] == [2, 3, 4, 5]  # serial: one replication per batch
    last = steps[-1][1]
    for clause, risk in whole.items():
        np.testing.assert_array_equal(last[clause].measured, risk.measured)
        np.testing.assert_array_equal(last[clause].p_breach, risk.p_breach)
        assert last[clause].penalty_per_year == risk.penalty_per_year
    # Replication i is the same in every batch: the first three are those of the whole run.
    three = dict(steps)[3]["service_level"]
    assert three.replications == 3
    np.testing.assert_array_equal(three.measured, whole["service_level"].measured[:3])
