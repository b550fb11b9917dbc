"""Executors: serial, local processes and Dask give the same replications bit for bit, report
progress as tasks finish, and fail with one readable line."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from simulator import (
    Channel,
    ExecutorError,
    Pool,
    ProcessExecutor,
    SerialExecutor,
    SimConfig,
    ThreadExecutor,
    exponential,
    lognormal,
    make_executor,
    replicate,
    simulate,
)
from simulator.executors import (
    ENV_SCHEDULER,
    MAX_FORCED_WORKERS,
    DaskExecutor,
    LocalExecutor,
    available_cores,
    check_scheduler_address,
)

ROOT = Path(__file__).parents[2]

N_INTERVALS = 2 * 96  # two days of 15-minute intervals


def small_config() -> SimConfig:
    """Two channels on two pools, with forecast error (every random stream is used)."""
    hour = (np.arange(N_INTERVALS) % 96) / 4.0
    rate = np.where((hour >= 8) & (hour < 18), 120.0, 0.0)
    voice = Channel("voice", "voice", rate, lognormal(240, 0.8), exponential(120), 20, "phones")
    chat = Channel(
        "chat", "chat", rate / 2, exponential(400), exponential(300), 60, "chats", concurrency=2
    )
    return SimConfig(
        900.0,
        [voice, chat],
        [
            Pool("phones", np.where(rate > 0, 10, 0), ("voice",)),
            Pool("chats", np.where(rate > 0, 4, 0), ("chat",)),
        ],
        day_volume_cv=0.1,
        day_aht_cv=0.05,
    )


def reference_runs(config: SimConfig, n: int, seed: int):
    """The replications computed directly: one ``simulate`` per spawned child seed."""
    return [simulate(config, child) for child in np.random.SeedSequence(seed).spawn(n)]


def assert_identical(expected, actual) -> None:
    """Every KPI array of every channel and pool, per interval, day and run, bit for bit."""
    assert len(expected) == len(actual)
    for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
        for level in ("intervals", "days", "run"):
            pe, pa = getattr(e, level), getattr(a, level)
            for group in ("channels", "pools"):
                ge, ga = getattr(pe, group), getattr(pa, group)
                assert ge.keys() == ga.keys()
                for name in ge:
                    for f in fields(ge[name]):
                        x, y = getattr(ge[name], f.name), getattr(ga[name], f.name)
                        if isinstance(x, np.ndarray):
                            assert x.dtype == y.dtype
                            assert np.array_equal(x, y, equal_nan=True), (
                                f"replication {i}: {level} {group} {name} {f.name} differs"
                            )
                        else:
                            assert x == y


def _square_slowly(x: int) -> int:
    """Later tasks finish first, so completion order differs from task order."""
    time.sleep(0.02 * (8 - x))
    return x * x


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("task three is broken")
    return x


def _die(x: int) -> int:
    os._exit(3)  # a worker killed mid-task (as by the out-of-memory killer)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ----- serial and local processes ------------------------------------------------------------
def test_serial_replications_are_the_direct_simulations():
    config = small_config()
    reps = replicate(config, 3, seed=42, executor=SerialExecutor())
    assert_identical(reference_runs(config, 3, 42), reps.runs)
    assert all(r.log is None for r in reps.runs), "logs are dropped unless keep_logs"


@pytest.mark.parametrize("make", [ProcessExecutor, ThreadExecutor, LocalExecutor])
def test_local_executors_give_the_serial_results_bit_for_bit(make):
    config = small_config()
    calls = []
    with make(2) as executor:
        reps = replicate(
            config, 8, seed=2026, executor=executor, progress=lambda d, n: calls.append((d, n))
        )
        with_logs = replicate(config, 2, seed=2026, keep_logs=True, executor=executor)
    assert reps.engine == "compiled"
    assert_identical(reference_runs(config, 8, 2026), reps.runs)
    assert calls == [(i, 8) for i in range(1, 9)]
    direct = reference_runs(config, 2, 2026)
    for d, r in zip(direct, with_logs.runs, strict=True):
        assert r.log is not None and r.log.dtype == d.log.dtype
        for name in d.log.dtype.names:
            assert np.array_equal(d.log[name], r.log[name], equal_nan=d.log[name].dtype.kind == "f")


def test_process_map_returns_task_order_and_reports_each_finish():
    calls = []
    with ProcessExecutor(2) as executor:
        out = executor.map(_square_slowly, range(8), progress=lambda d, n: calls.append((d, n)))
    assert out == [x * x for x in range(8)]
    assert calls == [(i, 8) for i in range(1, 9)], "once per task, counts increasing"


def test_thread_map_keeps_task_order_and_survives_a_failing_task():
    with ThreadExecutor(2) as executor:
        assert executor.map(_square_slowly, range(8)) == [x * x for x in range(8)]
        with pytest.raises(ValueError, match="task three is broken"):
            executor.map(_fail_on_three, range(6))
        assert executor.map(_fail_on_three, [1, 2]) == [1, 2], "the pool survives an error"


def test_threads_run_side_by_side_only_because_the_compiled_loop_releases_the_gil():
    from simulator import compiled

    assert compiled._advance.targetoptions.get("nogil") is True
    assert make_executor("threads").kind == "threads"
    assert make_executor("threads", workers=1).workers == 1
    with pytest.raises(ValueError, match=r"`workers` must be at most"):
        make_executor("threads", workers=available_cores() + 1)


def test_local_runs_compiled_replications_on_threads_and_simpy_ones_on_processes():
    config = small_config()
    with LocalExecutor(2) as executor:
        compiled = replicate(config, 4, seed=7, executor=executor)
        assert executor.processes._pool is None, "no worker process for the compiled engine"
        assert executor.threads._pool is not None
        simpy = replicate(config, 4, seed=7, executor=executor, engine="simpy")
        assert executor.processes._pool is not None, "SimPy holds the GIL: processes"
        assert executor.map(abs, [-1, 2]) == [1, 2]  # a function that does not say: processes
    assert compiled.engine == "compiled" and simpy.engine == "simpy"
    assert_identical(reference_runs(config, 4, 7), compiled.runs)
    assert_identical(compiled.runs, simpy.runs)  # the engines agree contact by contact


def test_terminating_threads_wakes_a_map_waiting_in_another_thread():
    """A verdict section waiting for replications when Ctrl-C terminates the executor: its
    ``map`` raises at once instead of waiting forever for tasks that were cancelled."""
    executor = ThreadExecutor(1)
    errors = []

    def section():
        try:
            executor.map(time.sleep, [0.2] * 50)
        except BaseException as err:  # noqa: BLE001 -- the test records what it raised
            errors.append(type(err).__name__)

    thread = threading.Thread(target=section)
    thread.start()
    time.sleep(0.1)
    executor.terminate()
    thread.join(10)
    assert not thread.is_alive(), "the waiting map never returned"
    assert errors == ["CancelledError"]


def test_sections_may_share_one_thread_executor():
    """The verdict's sections call ``map`` from several threads at once."""
    with ThreadExecutor(2) as executor:
        out = [None] * 4

        def section(j):
            out[j] = executor.map(_square_slowly, range(j, j + 4))

        threads = [threading.Thread(target=section, args=(j,)) for j in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert out == [[x * x for x in range(j, j + 4)] for j in range(4)]


class _Logged:
    """A task function that logs the tasks it ran, with a declared cost per task (its first
    element); the task "block" waits for ``release`` (holding the only thread)."""

    def __init__(self):
        self.ran, self.release, self.started = [], threading.Event(), threading.Event()

    def __call__(self, task):
        if task[1] == "block":
            self.started.set()
            self.release.wait(10)
        self.ran.append(task[1])
        return task[1]

    @staticmethod
    def cost(task):
        return task[0]


def test_maps_called_at_once_share_the_threads_shortest_task_first():
    """While the thread is busy, a map of long tasks and then one of short tasks are called
    from two sections: the short ones run first (a chain of small simulations is not queued
    behind a long horizon's), tasks of equal cost in the order called; every result goes
    back to its own map, in task order."""
    fn = _Logged()
    with ThreadExecutor(1) as executor:
        out = {}

        def section(name, tasks):
            out[name] = executor.map(fn, tasks)

        blocker = threading.Thread(target=section, args=("block", [(0, "block")]))
        blocker.start()
        fn.started.wait(10)
        calls = [
            ("long", [(10.0, "long-1"), (10.0, "long-2")]),
            ("short", [(1.0, "short-1"), (1.0, "short-2")]),
            ("long again", [(10.0, "long-3")]),
        ]
        threads = []
        for name, tasks in calls:
            threads.append(threading.Thread(target=section, args=(name, tasks)))
            threads[-1].start()
            while len(executor._pending) < sum(len(t) for _, t in calls[: len(threads)]):
                time.sleep(0.001)  # (the map has queued its tasks)
        fn.release.set()
        for t in [blocker, *threads]:
            t.join(10)
    assert fn.ran == ["block", "short-1", "short-2", "long-1", "long-2", "long-3"]
    assert out == {
        "block": ["block"],
        "long": ["long-1", "long-2"],
        "short": ["short-1", "short-2"],
        "long again": ["long-3"],
    }


def test_a_task_cancelled_before_it_started_leaves_the_others_their_turn():
    """A map that fails cancels its tasks not started; the next map's tasks all run."""
    with ThreadExecutor(1) as executor:
        with pytest.raises(ZeroDivisionError):
            executor.map(lambda x: 1 / x, [0, 1, 2, 3])
        assert executor.map(_square_slowly, range(6)) == [x * x for x in range(6)]


def test_serial_map_reports_each_task():
    calls = []
    out = SerialExecutor().map(abs, [-1, 2, -3], progress=lambda d, n: calls.append((d, n)))
    assert out == [1, 2, 3] and calls == [(1, 3), (2, 3), (3, 3)]


def test_a_failing_task_raises_its_own_error():
    with ProcessExecutor(2) as executor:
        with pytest.raises(ValueError, match="task three is broken"):
            executor.map(_fail_on_three, range(6))
        assert executor.map(_fail_on_three, [1, 2]) == [1, 2], "the pool survives an error"


def test_a_dead_worker_is_one_readable_error():
    with ProcessExecutor(2) as executor:
        with pytest.raises(ExecutorError, match="a worker process died"):
            executor.map(_die, range(2))
        assert executor.map(abs, [-4]) == [4], "a fresh pool replaces the broken one"


def _sleep_then_square(x: int) -> int:
    time.sleep(0.0 if x == 0 else 60.0)
    return x * x


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_an_interrupted_map_stops_its_workers_at_once():
    # Ctrl-C (here: raised by the progress callback as the quick task finishes) while the
    # other task runs for a minute: the workers are terminated, not waited for.
    executor = ProcessExecutor(2)
    pids = []

    def interrupt(done, total):
        pids.extend(executor._pool._processes)  # the workers of the running pool
        raise KeyboardInterrupt

    t0 = time.perf_counter()
    with pytest.raises(KeyboardInterrupt), executor:
        executor.map(_sleep_then_square, [0, 1], progress=interrupt)
    assert time.perf_counter() - t0 < 20  # far less than the 60 s task
    assert len(pids) == 2 and not [pid for pid in pids if _alive(pid)]
    assert executor.map(abs, [-3]) == [3], "a fresh pool on the next map"
    executor.close()


def test_workers_started_from_another_thread_outlive_that_thread():
    # A web app's script thread starts the shared pool and ends after the run; the workers
    # must not take the thread's end for their parent's death (PR_SET_PDEATHSIG).
    executor = ProcessExecutor(2)
    out = []
    worker = threading.Thread(target=lambda: out.append(executor.map(abs, [-1, -2])))
    worker.start()
    worker.join()
    assert out == [[1, 2]]
    time.sleep(0.2)
    assert executor.map(abs, [-5, -6]) == [5, 6]  # the same pool, still whole
    executor.close()


# ----- choosing an executor ------------------------------------------------------------------
def test_default_is_local_on_every_core(monkeypatch):
    monkeypatch.delenv(ENV_SCHEDULER, raising=False)
    executor = make_executor()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert available_cores() == cores
    assert isinstance(executor, LocalExecutor) and executor.workers == cores
    assert isinstance(make_executor("processes"), ProcessExecutor)
    assert make_executor(workers=1).workers == 1
    assert isinstance(make_executor("serial"), SerialExecutor)


def test_workers_are_capped_by_the_cores_unless_forced():
    cores = available_cores()
    with pytest.raises(ValueError, match=rf"`workers` must be at most {cores} \(the cores"):
        ProcessExecutor(cores + 1)
    # forced: allowed up to the hard cap (no process starts before the first map)
    assert ProcessExecutor(cores + 1, force_workers=True).workers == cores + 1
    with pytest.raises(ValueError, match=f"at most {MAX_FORCED_WORKERS} even when forced"):
        ProcessExecutor(MAX_FORCED_WORKERS + 1, force_workers=True)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kind": "fibers"}, "executor must be one of serial, local, threads, processes, dask"),
        ({"kind": "processes", "workers": 0}, r"`workers` must be a whole number >= 1, got 0"),
        ({"kind": "serial", "scheduler": "tcp://h:1"}, "does not go with the serial executor"),
        ({"kind": "dask"}, "needs a scheduler address"),
    ],
)
def test_bad_choices_are_one_line_errors(monkeypatch, kwargs, message):
    monkeypatch.delenv(ENV_SCHEDULER, raising=False)
    with pytest.raises(ValueError, match=message):
        make_executor(**kwargs)


def test_unreachable_scheduler_fails_fast_with_one_line():
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    t0 = time.perf_counter()
    with pytest.raises(ExecutorError, match=f"cannot reach the Dask scheduler at '{address}'"):
        DaskExecutor(address, timeout_s=2)
    assert time.perf_counter() - t0 < 6


def test_cli_simulate_is_the_same_on_every_local_executor(capsys, monkeypatch):
    from scenarios.cli import main

    monkeypatch.delenv(ENV_SCHEDULER, raising=False)
    outputs = []
    for extra in (["--executor", "serial"], ["--workers", "2"]):
        code = main(["simulate", "default", "--replications", "3", "--format", "json", *extra])
        assert code == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]


def test_cli_reports_an_unreachable_scheduler_and_exits_2(capsys, monkeypatch):
    from scenarios.cli import main

    address = f"tcp://127.0.0.1:{_free_port()}"
    monkeypatch.setenv(ENV_SCHEDULER, address)  # picked up without --scheduler
    code = main(["simulate", "default", "--replications", "2"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and f"cannot reach the Dask scheduler at '{address}'" in err


@pytest.fixture
def silent_scheduler():
    """``tcp://127.0.0.1:PORT`` where a socket accepts connections (the kernel completes them
    from the listen backlog) and never says a word: a hung or wrong service."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"


def run_cli(*argv, env=None):
    """``ccplan`` in a subprocess: what reaches stderr at interpreter exit counts too."""
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "scenarios.cli", *argv],
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stderr, time.perf_counter() - t0


def test_a_silent_scheduler_is_one_line_and_exit_2_within_10_s(silent_scheduler):
    # Before: the client's handshake waited without a bound (over 300 s).
    code, err, elapsed_s = run_cli(
        "simulate", "default", "--replications", "2", "--scheduler", silent_scheduler
    )
    assert code == 2
    assert err == (
        f"ccplan simulate: cannot reach the Dask scheduler at '{silent_scheduler}': no answer "
        "within 5 s (is a scheduler running at that address?)\n"
    )
    assert elapsed_s < 10 + 5  # the bound, plus a slow machine's interpreter start


def test_a_silent_scheduler_bounds_the_executor_too(silent_scheduler):
    t0 = time.perf_counter()
    with pytest.raises(ExecutorError, match="no answer within 1 s"):
        DaskExecutor(silent_scheduler, timeout_s=1)
    assert time.perf_counter() - t0 < 4


@pytest.mark.parametrize(
    "address",
    [
        "http://x",
        "ucx://x",
        "garbage",
        "tcp://",
        "tcp://host",
        "tcp://h:99999",
        "inproc://a:1",
        "tcp://a b:1",
        "\n",
        "x" * 500,
    ],
)
def test_bogus_addresses_are_refused_before_any_client_starts(address):
    threads = threading.active_count()
    with pytest.raises(ExecutorError, match="must be scheme://host:port") as info:
        DaskExecutor(address)
    assert "\n" not in str(info.value) and len(str(info.value)) < 300
    assert threading.active_count() == threads  # no client loop thread left to finalise


@pytest.mark.parametrize("address", ["tcp://10.0.0.5:8786", "127.0.0.1:8786", "tls://[::1]:1"])
def test_good_addresses_pass_the_check(address):
    assert check_scheduler_address(f" {address} ") == address


def test_a_bogus_address_leaves_stderr_with_one_line():
    # Before: "Exception ignored in Client.__del__" and a traceback after the message (the
    # unit test above shows that no client starts for any bogus address).
    code, err, _ = run_cli("simulate", "default", "--replications", "2", "--scheduler", "ucx://x")
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("ccplan simulate: the Dask scheduler address")


def test_missing_dask_extra_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(ExecutorError, match=r"pip install 'ccplan\[dask\]'"):
        DaskExecutor("tcp://127.0.0.1:1")


# ----- Dask ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip(
        "distributed", reason="Dask is an optional extra: pip install '.[dask]'"
    )
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as local:
        yield local


def test_dask_cluster_gives_the_serial_results_bit_for_bit(cluster):
    config = small_config()
    calls = []
    with DaskExecutor(cluster.scheduler_address) as executor:
        assert executor.workers == 2
        reps = replicate(
            config, 8, seed=2026, executor=executor, progress=lambda d, n: calls.append((d, n))
        )
    assert_identical(reference_runs(config, 8, 2026), reps.runs)
    assert calls == [(i, 8) for i in range(1, 9)]


def test_scheduler_address_resolution(cluster, monkeypatch):
    address = cluster.scheduler_address
    monkeypatch.setenv(ENV_SCHEDULER, address)
    with make_executor() as executor:  # from the environment
        assert isinstance(executor, DaskExecutor) and executor.address == address
        assert executor.map(_square_slowly, [7, 6]) == [49, 36]
    assert isinstance(make_executor("serial"), SerialExecutor), "an explicit kind wins"
    assert isinstance(make_executor("processes"), ProcessExecutor)
    monkeypatch.setenv(ENV_SCHEDULER, f"tcp://127.0.0.1:{_free_port()}")
    with make_executor(scheduler=address) as executor:  # explicit address beats the variable
        assert executor.address == address


def test_a_map_bounded_by_result_timeout_s_is_one_error(cluster):
    # The app's bound: a cluster that does not finish in time is an error, not a wait.
    with DaskExecutor(cluster.scheduler_address, result_timeout_s=0.5) as executor:
        t0 = time.perf_counter()
        with pytest.raises(ExecutorError, match=r"did not finish 1 task\(s\) within 0.5 s"):
            executor.map(time.sleep, [3.0])
        assert time.perf_counter() - t0 < 3.0
        assert executor.map(abs, [-2]) == [2]  # the client is still usable
