"""Where independent tasks run: in this process, in local worker processes, or on a Dask cluster.

Replications and scenario sweeps are embarrassingly parallel: a list of tasks, one function,
results wanted in task order. Every executor has the same small interface::

    executor.map(fn, tasks, progress=None) -> list   # fn(task) for each task, in task order

``progress(done, total)`` is called in the calling process as each task finishes (in
completion order, so ``done`` counts 1, 2, ..., total). Results do not depend on the executor:
a task carries everything it needs, including its own random seed (``SeedSequence`` children
spawned once, up front, per task and never per worker), so serial, local processes and Dask
give the same numbers bit for bit.

* ``SerialExecutor`` runs the tasks one after the other in this process.
* ``ProcessExecutor`` runs them on a ``concurrent.futures.ProcessPoolExecutor`` (default: one
  worker per core). The pool starts on the first ``map`` and is reused until ``close()``.
* ``DaskExecutor`` sends them to a ``dask.distributed`` scheduler (``tcp://host:port``). Dask is
  an optional extra (``pip install 'ccplan[dask]'``); the workers need the planner installed.

``make_executor(kind, scheduler, workers)`` picks one: an explicit scheduler address, else the
``DASK_SCHEDULER_ADDRESS`` environment variable, else local processes; ``kind="serial"`` (or
``"processes"``) overrides the environment. Functions and tasks sent to processes or Dask must
be picklable (module-level functions, plain data).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

ENV_SCHEDULER = "DASK_SCHEDULER_ADDRESS"
KINDS = ("serial", "processes", "dask")

Progress = Callable[[int, int], None]


class ExecutorError(RuntimeError):
    """An executor could not be set up or lost its workers; the message is one plain line."""


class _Base:
    kind = "base"

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Release workers and connections (the executor may not be used afterwards)."""

    def describe(self) -> str:
        return f"{self.kind} ({self.workers} worker{'s' if self.workers != 1 else ''})"


class SerialExecutor(_Base):
    """One task after the other, in this process (no pickling, easiest to debug)."""

    kind = "serial"

    @property
    def workers(self) -> int:
        return 1

    def map(self, fn, tasks, progress=None) -> list:
        tasks = list(tasks)
        out = []
        for i, task in enumerate(tasks):
            out.append(fn(task))
            if progress is not None:
                progress(i + 1, len(tasks))
        return out


def _ignore_sigint() -> None:
    """Process-pool worker initializer: Ctrl-C is the parent's to handle.

    A terminal's Ctrl-C goes to the whole process group, workers included. The parent turns it
    into one "interrupted" line; a worker must neither print a ``KeyboardInterrupt`` traceback
    nor die (the pool would break), so it ignores SIGINT for its whole life and finishes the
    task in hand. SIGINT was blocked while the worker started (``_sigint_blocked``): a Ctrl-C
    that arrived meanwhile is pending, and setting SIG_IGN discards it (POSIX ``sigaction``)
    before it is unblocked.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextmanager
def _sigint_blocked():
    """SIGINT held back (not lost) in this thread while worker processes are started.

    ``ProcessPoolExecutor.submit`` starts the workers; between a worker's birth and its
    initializer a Ctrl-C would print a traceback from the worker. Forked and spawned children
    inherit the signal mask, so with SIGINT blocked here it stays pending in them until
    ``_ignore_sigint`` discards it; in this process it is delivered (``KeyboardInterrupt``)
    as soon as the block ends. No-op where the platform has no ``pthread_sigmask``.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class ProcessExecutor(_Base):
    """Local worker processes (``concurrent.futures.ProcessPoolExecutor``).

    Parameters
    ----------
    max_workers : int or None
        Worker processes; default ``os.cpu_count()``.
    mp_context : multiprocessing context or None
        How workers start; default Python's (``fork`` on Linux before Python 3.14: fastest,
        the workers inherit the imported modules). From a process running threads (a web
        app), ``multiprocessing.get_context("forkserver")`` is the safer choice.

    Workers ignore SIGINT from the moment they start (``_ignore_sigint``): Ctrl-C interrupts
    the parent only, which cancels the tasks not started and lets running ones finish.
    """

    kind = "processes"

    def __init__(self, max_workers: int | None = None, *, mp_context=None):
        if max_workers is None:
            max_workers = os.cpu_count() or 1
        if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
            raise ValueError(f"`workers` must be a whole number >= 1, got {max_workers!r}")
        self.max_workers = max_workers
        self.mp_context = mp_context
        self._pool: ProcessPoolExecutor | None = None

    @property
    def workers(self) -> int:
        return self.max_workers

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.max_workers,
                mp_context=self.mp_context,
                initializer=_ignore_sigint,
            )
        return self._pool

    def map(self, fn, tasks, progress=None) -> list:
        tasks = list(tasks)
        if not tasks:
            return []
        pool = self._ensure_pool()
        futures: dict = {}
        results: list = [None] * len(tasks)
        try:
            with _sigint_blocked():  # submit starts the workers
                for i, task in enumerate(tasks):
                    futures[pool.submit(fn, task)] = i
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                if progress is not None:
                    progress(done, len(tasks))
        except BrokenProcessPool:
            self._pool = None
            raise ExecutorError(
                "a worker process died (killed, or out of memory?); try fewer `--workers`"
            ) from None
        except BaseException:
            for future in futures:  # tasks not started yet; running ones finish on their own
                future.cancel()
            raise
        return results

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def map_in_batches(executor, fn, tasks, progress: Progress | None = None):
    """``executor.map`` a batch of one task per worker at a time, yielding each batch's results
    (task order) as it finishes, so that a caller stopped midway keeps the finished batches.
    ``progress(done, total)`` counts over all the tasks."""
    tasks = list(tasks)
    step = max(1, executor.workers)

    def offset(first):
        return None if progress is None else lambda done, _: progress(first + done, len(tasks))

    for first in range(0, len(tasks), step):
        yield executor.map(fn, tasks[first : first + step], progress=offset(first))


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise ExecutorError(
            "the Dask executor needs the dask extra: pip install 'ccplan[dask]' "
            "(or pip install 'dask[distributed]')"
        ) from None
    return distributed


class DaskExecutor(_Base):
    """Tasks on a Dask distributed cluster.

    Parameters
    ----------
    address : str
        Scheduler address, e.g. ``tcp://10.0.0.5:8786`` (``dask scheduler`` prints it).
    timeout_s : float
        How long to try to reach the scheduler before giving up [s].

    Raises
    ------
    ExecutorError
        Dask is not installed, or the scheduler cannot be reached within ``timeout_s``.
    """

    kind = "dask"

    def __init__(self, address: str, *, timeout_s: float = 5.0):
        distributed = _import_distributed()
        self.address = address
        try:
            self.client = distributed.Client(address, timeout=f"{timeout_s}s", set_as_default=False)
        except Exception as err:  # OSError, TimeoutError, ValueError for a bad address
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise ExecutorError(
                f"cannot reach the Dask scheduler at {address!r}: {reason}"
            ) from None

    @property
    def workers(self) -> int:
        info = self.client.scheduler_info()
        # at least 1: a cluster whose workers have not connected yet still takes tasks
        return max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def map(self, fn, tasks, progress=None) -> list:
        tasks = list(tasks)
        if not tasks:
            return []
        distributed = _import_distributed()
        futures = self.client.map(fn, tasks, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: list = [None] * len(tasks)
        try:
            for done, future in enumerate(
                distributed.as_completed(futures, loop=self.client.loop), start=1
            ):
                results[index[future.key]] = future.result()
                if progress is not None:
                    progress(done, len(tasks))
        except BaseException:
            self.client.cancel(futures)
            raise
        return results

    def close(self) -> None:
        self.client.close()


def make_executor(
    kind: str | None = None, scheduler: str | None = None, workers: int | None = None
) -> SerialExecutor | ProcessExecutor | DaskExecutor:
    """The executor asked for.

    Parameters
    ----------
    kind : "serial", "processes", "dask" or None
        None: Dask if a scheduler address is given (``scheduler``, else the
        ``DASK_SCHEDULER_ADDRESS`` environment variable), else local processes.
    scheduler : str or None
        Dask scheduler address (``tcp://host:port``); wins over the environment variable.
    workers : int or None
        Worker processes of the ``processes`` executor (default: one per core); a Dask
        cluster's size is set where its workers start.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"executor must be one of {', '.join(KINDS)}, got {kind!r}")
    if scheduler is not None and kind in ("serial", "processes"):
        raise ValueError(f"a Dask scheduler address does not go with the {kind} executor")
    address = scheduler or os.environ.get(ENV_SCHEDULER) or None
    if kind == "serial":
        return SerialExecutor()
    if kind == "processes" or (kind is None and address is None):
        return ProcessExecutor(workers)
    if address is None:
        raise ValueError(
            f"the dask executor needs a scheduler address (--scheduler tcp://host:port or "
            f"the {ENV_SCHEDULER} environment variable)"
        )
    return DaskExecutor(address)
