"""One set of replications per question: the verdict's stages share their simulations through a
``SimulationMemo``, and sharing changes nothing in the answer."""

import numpy as np
import pytest

import simulator
from scenarios import plan
from scenarios.examples import load_example
from scenarios.io import json_text
from scenarios.overrides import apply_overrides
from scenarios.verdict import SimulationMemo, breach, breach_risks, verdict
from scenarios.verdict import memo as memo_module
from scenarios.verdict.memo import digest, seed_key

from .test_verdict import stationary_scenario


class Forgetful(SimulationMemo):
    """A memo that remembers nothing: every question is simulated again (the verdict as it
    was before the stages shared their simulations)."""

    def _get(self, key, compute):
        return compute(), False


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
    assert shared.shared >= 1  # 85/30's per-interval staffing is 80/20's here: one simulation
    # the forgetful verdict simulated them again
    assert len(asked) == len(once) + shared.hits + shared.shared


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


def test_threads_asking_the_same_question_simulate_it_once():
    """Two threads asking what a third is computing wait for its answer; a failed computation
    is tried again by the next asker."""
    import threading

    memo = SimulationMemo()
    inside, release, calls = threading.Event(), threading.Event(), []

    def slow():
        calls.append(threading.current_thread().name)
        inside.set()
        release.wait(5)
        return {"answer": 42}

    answers = []
    first = threading.Thread(target=lambda: answers.append(memo.get(("k",), slow)))
    first.start()
    inside.wait(5)
    others = [
        threading.Thread(target=lambda: answers.append(memo.get(("k",), slow))) for _ in range(2)
    ]
    for t in others:
        t.start()
    release.set()
    for t in [first, *others]:
        t.join(5)
    assert answers == [{"answer": 42}] * 3 and len(calls) == 1
    assert (memo.hits, memo.misses) == (2, 1)

    def fails():
        raise ValueError("no")

    with pytest.raises(ValueError):
        memo.get(("other",), fails)
    assert memo.get(("other",), lambda: 7) == 7  # not remembered as failed


class _Recording:
    """A stand-in for a two-worker process executor that records the tasks mapped."""

    kind = "processes"
    workers = 2

    def __init__(self):
        self.mapped = []

    def map(self, fn, tasks, progress=None):
        tasks = list(tasks)
        self.mapped.append((fn.__name__, len(tasks)))
        return [fn(t) for t in tasks]


def test_sections_side_by_side_merge_in_order_and_stop_after_a_failure():
    import threading

    from scenarios.verdict import _run_steps, _Step, _Stoppable

    executor = _Stoppable(_Recording())
    started, later = threading.Event(), threading.Event()
    seen = []

    def slow():
        started.set()
        later.wait(5)  # until the failure has been seen by the caller
        return executor.map(lambda t: t, [1])

    def fail():
        started.wait(5)
        raise ValueError("a section failed")

    steps = [
        _Step("first", "a", None, fail, lambda r, v: r),
        _Step("second", "b", None, slow, lambda r, v: r),
    ]
    with pytest.raises(ValueError, match="a section failed"):
        _run_steps(steps, "verdict", lambda text, so_far: seen.append(text), executor)
    later.set()
    with pytest.raises(RuntimeError, match="stopped"):
        steps[1].future.result(5)
    assert seen == ["first"] and executor.mapped == [("_noop", 2)]  # nothing after the stop

    executor = _Stoppable(_Recording())
    merged = _run_steps(
        [
            _Step("x", "a", None, lambda: executor.map(lambda t: t + 1, [1]), lambda r, v: r + v),
            _Step("y", "b", None, lambda: [10], lambda r, v: r + v),
        ],
        [],
        lambda text, so_far: seen.append((text, list(so_far))),
        executor,
    )
    assert merged == [2, 10]
    assert seen[1:] == [("x", []), ("y", [2])]


@pytest.mark.slow
def test_sections_side_by_side_on_worker_processes_say_what_one_after_the_other_says(
    monkeypatch,
):
    """With two local worker processes the verdict's sections (and the compared standards) run
    at once in threads; the verdict is the one of running them one after the other."""
    import threading

    from simulator.executors import ProcessExecutor

    scenario = apply_overrides(load_example("default"), {"days": 14})
    result = plan(scenario)
    sections = ("breach", "risk_staffing", "period_optimal", "compare")
    kwargs = {"replications": 3, "seed": 4, "compare": ["85/30", "90/15"], "sections": sections}
    alone = verdict(result, **kwargs).to_dict()
    threads = set()
    original = simulator.replicate

    def noted(config, n, seed=None, **options):
        threads.add(threading.current_thread().name)
        return original(config, n, seed, **options)

    monkeypatch.setattr(simulator, "replicate", noted)
    with ProcessExecutor(2, force_workers=True) as executor:
        together = verdict(result, executor=executor, **kwargs).to_dict()
    assert json_text(together) == json_text(alone)
    assert len(threads) >= 3  # sections and standards did run side by side


def test_a_standard_at_the_same_staffing_is_answered_from_the_others_replications(monkeypatch):
    """80/20 and a compared 85/30 at the same staffing: one simulation (a threshold only counts
    waits: both thresholds are counted in it), and 85/30's risks are exactly those of a
    simulation that counts its own threshold alone."""
    from dataclasses import fields

    from scenarios.verdict.compare import with_standard

    scenario = apply_overrides(stationary_scenario(3), {"compare_standards": ["85/30"]})
    agents = np.full(72, 22)
    asked = _count_replications(monkeypatch)
    memo = SimulationMemo()
    breach_risks(scenario, "voice", agents=agents, replications=3, seed=1, memo=memo)
    changed = with_standard(plan(scenario), "85/30")
    assert "80/20" in changed.scenario.compare_standards  # the standard it replaced
    shared = breach_risks(changed, "voice", agents=agents, replications=3, seed=1, memo=memo)
    assert (len(asked), memo.misses, memo.shared) == (1, 2, 1)

    alone = apply_overrides(
        scenario,
        {"targets[0].service_level": 0.85, "targets[0].threshold_s": 30, "compare_standards": []},
    )
    fresh = breach_risks(alone, "voice", agents=agents, replications=3, seed=1)
    assert len(asked) == 2 and shared.keys() == fresh.keys()
    for clause, risk in fresh.items():
        for f in fields(risk):
            a, b = getattr(shared[clause], f.name), getattr(risk, f.name)
            if isinstance(b, np.ndarray):
                np.testing.assert_array_equal(a, b, err_msg=f"{clause} {f.name}")
            else:
                assert a == b, f"{clause} {f.name}"
    assert shared["service_level"].standard == 0.85 and shared["service_level"].threshold_s == 30


def test_replications_kept_stay_within_their_budget():
    """The replications kept for sharing are bounded (the oldest go first); the answers stay.
    Only those another standard may share are kept (a channel compared at other thresholds)."""
    alone = stationary_scenario(3)
    memo = SimulationMemo()
    breach_risks(alone, "voice", agents=np.full(72, 22), replications=3, memo=memo)
    assert not memo._kept and len(memo) == 1
    scenario = apply_overrides(alone, {"compare_standards": ["85/30"]})
    one = simulator.replicate(breach._sim_config(plan(scenario), "voice", np.full(72, 22)), 3, 1)
    size = sum(memo_module._nbytes(run.sums) for run in one.runs)
    memo = SimulationMemo(replications_bytes=int(2.5 * size))
    for extra in range(4):
        breach_risks(scenario, "voice", agents=np.full(72, 22 + extra), replications=3, memo=memo)
    assert len(memo._kept) == 2 and len(memo) == 4
    assert sum(memo._kept.values()) <= memo.replications_bytes
