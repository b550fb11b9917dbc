"""One set of replications per question: the verdict's stages share their simulations through a
``SimulationMemo``, and sharing changes nothing in the answer."""

import numpy as np
import pytest

import simulator
from scenarios import plan
from scenarios.examples import load_example
from scenarios.io import json_text
from scenarios.overrides import apply_overrides
from scenarios.verdict import SimulationMemo, breach_risks, verdict
from scenarios.verdict.memo import digest, seed_key

from .test_verdict import stationary_scenario


class Forgetful(SimulationMemo):
    """A memo that remembers nothing: every question is simulated again (the verdict as it
    was before the stages shared their simulations)."""

    def get(self, key, compute):
        self.misses += 1
        return compute()


def _count_replications(monkeypatch):
    """Record (what was simulated, replications, seed) of every ``simulator.replicate`` call."""
    asked = []
    original = simulator.replicate

    def counted(config, n, seed=None, **kwargs):
        asked.append((digest(config), n, seed_key(seed)))
        return original(config, n, seed, **kwargs)

    monkeypatch.setattr(simulator, "replicate", counted)
    return asked


@pytest.mark.slow
def test_the_verdict_simulates_nothing_twice_and_says_the_same(monkeypatch):
    # Two weeks of the default scenario (in one week the email channel's last day breaches
    # whatever the staffing, so the risk-capping search would not end). The breach risk at the
    # offered staffing (the plan's) is also the risk-capping search's first candidate and the
    # comparison's current standard under per-interval staffing.
    scenario = apply_overrides(load_example("default"), {"days": 14})
    result = plan(scenario)
    asked = _count_replications(monkeypatch)
    shared = SimulationMemo()
    # Every section that simulates through the memo (the cost curve is closed forms, the peak
    # check simulates its own day).
    sections = ("breach", "risk_staffing", "period_optimal", "compare")
    kwargs = {"replications": 3, "seed": 4, "compare": ["85/30"], "sections": sections}
    with_memo = verdict(result, memo=shared, **kwargs).to_dict()
    once = list(asked)
    asked.clear()
    without = verdict(result, memo=Forgetful(), **kwargs).to_dict()

    assert json_text(with_memo) == json_text(without)
    assert len(set(once)) == len(once), "a simulation was run twice with the memo"
    assert shared.hits >= 2
    assert len(asked) == len(once) + shared.hits  # the forgetful verdict simulated them again


def test_a_different_question_is_not_answered_from_the_memo():
    scenario = stationary_scenario(3)
    agents = np.full(72, 22)
    memo = SimulationMemo()
    first = breach_risks(scenario, "voice", agents=agents, replications=3, seed=1, memo=memo)
    again = breach_risks(scenario, "voice", agents=agents, replications=3, seed=1, memo=memo)
    assert (memo.hits, memo.misses) == (1, 1)
    assert again["service_level"] is first["service_level"]

    stricter = apply_overrides(scenario, {"targets[0].service_level": 0.9})
    other_target = breach_risks(stricter, "voice", agents=agents, replications=3, memo=memo)
    other_seed = breach_risks(scenario, "voice", agents=agents, replications=3, seed=2, memo=memo)
    more = breach_risks(scenario, "voice", agents=agents + 1, replications=3, seed=1, memo=memo)
    longer = breach_risks(scenario, "voice", agents=agents, replications=4, seed=1, memo=memo)
    assert (memo.hits, memo.misses) == (1, 5)
    assert other_target["service_level"].standard == 0.9
    fresh = breach_risks(stricter, "voice", agents=agents, replications=3)
    np.testing.assert_array_equal(
        other_target["service_level"].measured, fresh["service_level"].measured
    )
    for risks in (other_seed, more, longer):
        assert not np.array_equal(risks["service_level"].measured, first["service_level"].measured)


def test_extended_replications_are_those_of_one_run_and_only_the_new_ones_simulate(monkeypatch):
    """``extend_replications`` from 3 to 5 replications gives the runs ``replicate(config, 5)``
    gives (child ``i`` of the seed whatever the count), simulating 2 more, not 5."""
    from scenarios.verdict.memo import extend_replications
    from simulator.distributions import exponential

    voice = simulator.Channel(
        name="voice",
        kind="voice",
        calls_per_hour=np.array([200.0, 260.0]),
        handle_time=exponential(180.0),
        patience=exponential(120.0),
        threshold_s=20.0,
        pool="voice",
    )
    config = simulator.SimConfig(
        900.0, [voice], [simulator.Pool("voice", np.array([14, 16]), ["voice"])]
    )
    seed = np.random.SeedSequence(7, spawn_key=(2,))
    whole = simulator.replicate(config, 5, seed)
    first = simulator.replicate(config, 3, seed)
    ran = []
    original = simulator.simulate

    def counted(*args, **kwargs):
        ran.append(args[1])
        return original(*args, **kwargs)

    monkeypatch.setattr(simulator, "simulate", counted)
    extended = extend_replications(config, first, 5, seed)
    assert len(ran) == 2
    assert extended.runs[:3] == first.runs  # the same objects, kept
    for kpi in ("offered", "answered_within", "abandoned", "answered"):
        np.testing.assert_array_equal(
            extended.samples(kpi, channel="voice", level="interval"),
            whole.samples(kpi, channel="voice", level="interval"),
        )
    assert whole.samples("offered", channel="voice").std() > 0  # 5 different replications
