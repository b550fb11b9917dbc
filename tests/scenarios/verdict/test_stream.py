"""The app's warm-up of simulation workers (``scenarios.verdict.stream``)."""

import pickle

from scenarios.verdict.stream import warm_worker
from simulator import SerialExecutor
from simulator.run import choose_engine


def test_a_warm_up_runs_a_simulation_on_the_engine_the_verdict_uses():
    # The engine "auto" picks for a plain voice queue: where numba imports, the compiled one,
    # so a warmed worker has its machine code loaded.
    from simulator import Channel, Pool, SimConfig, exponential

    config = SimConfig(
        900.0,
        (Channel("v", "voice", [60.0], exponential(300.0), exponential(180.0), 20.0, "p"),),
        (Pool("p", [8], ("v",)),),
    )
    assert SerialExecutor().map(warm_worker, range(2)) == [choose_engine(config, "auto")] * 2


def test_a_warm_up_task_can_be_sent_to_worker_processes():
    # Executors pickle the function by reference: it must be a module-level name.
    assert pickle.loads(pickle.dumps(warm_worker)) is warm_worker
