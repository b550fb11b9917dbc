"""Executors: serial, local processes and Dask give the same replications bit for bit, report
progress as tasks finish, and fail with one readable line."""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
from dataclasses import fields

import numpy as np
import pytest

from simulator import (
    Channel,
    ExecutorError,
    Pool,
    ProcessExecutor,
    SerialExecutor,
    SimConfig,
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
    available_cores,
)

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


def test_processes_give_the_serial_results_bit_for_bit():
    config = small_config()
    calls = []
    with ProcessExecutor(2) as executor:
        reps = replicate(
            config, 8, seed=2026, executor=executor, progress=lambda d, n: calls.append((d, n))
        )
        with_logs = replicate(config, 2, seed=2026, keep_logs=True, executor=executor)
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


# ----- choosing an executor ------------------------------------------------------------------
def test_default_is_local_processes_on_every_core(monkeypatch):
    monkeypatch.delenv(ENV_SCHEDULER, raising=False)
    executor = make_executor()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert available_cores() == cores
    assert isinstance(executor, ProcessExecutor) and executor.workers == cores
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
        ({"kind": "threads"}, "executor must be one of serial, processes, dask"),
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
