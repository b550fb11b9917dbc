"""Scaling out (issue 8); prints medians (run by ``make bench``).

Figures (targets from the issue):
1. 8 replications on local processes (``ProcessExecutor``, one worker per core, pool start-up
   included) against one after the other in this process: speed-up on these 2-core machines
   (target >= 1.8x), for a busy month (``bench_simulator.month_config``, ~250,000 contacts per
   replication) and for the bundled ``default`` scenario (~55,000 contacts);
2. Dask overhead per task (target < 10 ms): 200 trivial tasks through ``DaskExecutor.map`` on a
   ``LocalCluster`` (2 worker processes, 1 thread each), against a bare ``client.submit(...)
   .result()`` round trip; and the 8 busy-month replications on that cluster;
3. peak memory of the year run: from ``simulator.year_memory_run()`` when it exists, else from
   ``bench_memory.measure_year()`` (a fresh subprocess).

Every parallel run is checked to equal the serial one bit for bit before its time is printed.
The machine may be shared: serial and parallel runs alternate and the load average is printed.
A bare Dask round trip includes the client's 10 ms message batching (``BatchedSend``); a batch
of tasks pays it once. Options: ``--repeats N`` (default 3), ``--skip-year``.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from dataclasses import fields
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:  # run as a script from anywhere
        sys.path.insert(0, str(path))

from bench_simulator import month_config  # noqa: E402

import simulator  # noqa: E402
from simulator import ProcessExecutor, SerialExecutor, draws, replicate  # noqa: E402

REPLICATIONS = 8
SEED = 20260801


def default_config():
    from scenarios.examples import example_path
    from scenarios.io import load_scenario
    from scenarios.pipeline import plan
    from scenarios.simulation import simulation_config

    return simulation_config(plan(load_scenario(example_path("default"))))


def same_runs(a, b) -> bool:
    """Every per-interval KPI array of every channel and pool is identical."""
    for ra, rb in zip(a.runs, b.runs, strict=True):
        for group in ("channels", "pools"):
            ga, gb = getattr(ra.intervals, group), getattr(rb.intervals, group)
            for name in ga:
                for f in fields(ga[name]):
                    x, y = getattr(ga[name], f.name), getattr(gb[name], f.name)
                    if isinstance(x, np.ndarray) and not np.array_equal(x, y, equal_nan=True):
                        return False
    return True


def timed_replications(config, make_executor, reference=None):
    """Wall time of ``REPLICATIONS`` replications with a fresh executor (so a process pool's
    start-up is included), and the result."""
    draws.MEMO.clear()  # every run draws its contacts (an earlier run on the seed kept them)
    t0 = time.perf_counter()
    with make_executor() as executor:
        result = replicate(config, REPLICATIONS, SEED, executor=executor)
    seconds = time.perf_counter() - t0
    if reference is not None and not same_runs(reference, result):
        raise AssertionError("parallel replications differ from the serial ones")
    return seconds, result


def speed_up(label: str, config, repeats: int) -> None:
    """Serial and processes alternate, so both see the same background load on a shared
    machine; the speed-up is the median of the per-pair ratios."""
    serial, procs, reference = [], [], None
    for _ in range(repeats):
        s, reference = timed_replications(config, SerialExecutor)
        p, _ = timed_replications(config, ProcessExecutor, reference)
        serial.append(s)
        procs.append(p)
    ratio = statistics.median(s / p for s, p in zip(serial, procs, strict=True))
    contacts = sum(int(c.offered[0]) for c in reference.runs[0].run.channels.values())
    print(f"{label}: {REPLICATIONS} replications, ~{contacts:,} contacts each")
    print(
        f"  serial {statistics.median(serial):.2f} s, local processes ({os.cpu_count()} "
        f"workers, pool start included) {statistics.median(procs):.2f} s: speed-up "
        f"{ratio:.2f}x (per-pair ratios {min(serial[i] / procs[i] for i in range(repeats)):.2f}"
        f"-{max(serial[i] / procs[i] for i in range(repeats)):.2f}; target >= 1.8x); "
        "results identical"
    )


def dask_figures(repeats: int) -> None:
    try:
        from distributed import LocalCluster
    except ImportError:
        print("Dask: not installed (pip install '.[dask]'); overhead not measured")
        return
    from simulator import DaskExecutor

    n_tasks = 200
    with LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster:
        with DaskExecutor(cluster.scheduler_address) as executor:
            client = executor.client
            client.submit(abs, -1, pure=False).result()  # warm up the connection
            bare, mapped = [], []
            for _ in range(repeats):
                t0 = time.perf_counter()
                for i in range(n_tasks):
                    client.submit(abs, -i, pure=False).result()
                bare.append((time.perf_counter() - t0) / n_tasks)
                t0 = time.perf_counter()
                out = executor.map(abs, range(-n_tasks, 0), progress=lambda d, n: None)
                mapped.append((time.perf_counter() - t0) / n_tasks)
                assert out == [abs(i) for i in range(-n_tasks, 0)]
            print(
                f"Dask LocalCluster (2 worker processes): bare submit+result round trip "
                f"{statistics.median(bare) * 1e3:.2f} ms/task; DaskExecutor.map of "
                f"{n_tasks} trivial tasks with progress {statistics.median(mapped) * 1e3:.2f} "
                "ms/task (target < 10 ms)"
            )
            config = month_config()
            serial, times = [], []
            for _ in range(repeats):
                s, reference = timed_replications(config, SerialExecutor)
                t0 = time.perf_counter()
                result = replicate(config, REPLICATIONS, SEED, executor=executor)
                times.append(time.perf_counter() - t0)
                serial.append(s)
                if not same_runs(reference, result):
                    raise AssertionError("Dask replications differ from the serial ones")
            ratio = statistics.median(s / d for s, d in zip(serial, times, strict=True))
            print(
                f"  busy month, {REPLICATIONS} replications on the cluster "
                f"{statistics.median(times):.2f} s (serial {statistics.median(serial):.2f} s): "
                f"speed-up {ratio:.2f}x; results identical"
            )


def _show(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"


def year_memory() -> None:
    run = getattr(simulator, "year_memory_run", None)
    if run is not None:
        figures = run()
    else:
        try:
            from bench_memory import measure_year
        except ImportError:
            # TODO(lead): the year-run memory figure (issue 8, part 3) belongs to the
            # memory work; call it here once `simulator.year_memory_run()` exists.
            print("year run: TODO (no simulator.year_memory_run() and no bench_memory.py)")
            return
        figures = measure_year(keep_log=False)
    if isinstance(figures, dict):
        shown = ", ".join(f"{k} {_show(v)}" for k, v in figures.items())
    else:
        shown = str(figures)
    print(f"year run (per-contact log off): {shown} (target peak RSS < 500 MB)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-year", action="store_true")
    args = parser.parse_args(argv)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load}; medians of {args.repeats}")
    speed_up("busy month (peaks near 1,200 calls/h)", month_config(), args.repeats)
    speed_up("bundled 'default' scenario (28 days, voice + email)", default_config(), args.repeats)
    dask_figures(args.repeats)
    if not args.skip_year:
        year_memory()
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
