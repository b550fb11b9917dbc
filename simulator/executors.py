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
* ``ThreadExecutor`` runs them on threads of this process (default: one per core): no worker
  start-up, no pickling, and one process's memos for all tasks. Parallel only where the work
  releases the GIL, as the compiled simulation engine's event loop does (``nogil``); SimPy
  replications hold it and run one at a time.
* ``LocalExecutor`` (the default) runs a map on threads when its function says every task
  releases the GIL (``fn.releases_gil(task)``: replications on the compiled engine), else on
  worker processes (SimPy replications, anything else).
* ``ProcessExecutor`` runs them on a ``concurrent.futures.ProcessPoolExecutor`` (default: one
  worker per core). The pool starts on the first ``map`` and is reused until ``close()``.
* ``DaskExecutor`` sends them to a ``dask.distributed`` scheduler (``tcp://host:port``). Dask is
  an optional extra (``pip install 'ccplan[dask]'``); the workers need the planner installed.

Resources are bounded: local workers are capped at the cores this process may use
(``available_cores()``) unless forced, and every call to a Dask scheduler has a timeout, so a
scheduler that accepts a connection and never answers is one ``ExecutorError`` within
``timeout_s``, never a hang. Interrupted (Ctrl-C, SIGTERM: any ``BaseException`` that is not an
``Exception``), an executor stops its workers at once instead of waiting for running tasks, and
local workers started from the main thread die with their parent even when it is killed
(Linux ``PR_SET_PDEATHSIG``).

``make_executor(kind, scheduler, workers)`` picks one: an explicit scheduler address, else the
``DASK_SCHEDULER_ADDRESS`` environment variable, else the local executor; ``kind="serial"``
(or a local kind) overrides the environment. Functions and tasks sent to processes or Dask must
be picklable (module-level functions, plain data).
"""

from __future__ import annotations

import ctypes
import heapq
import itertools
import os
import re
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

ENV_SCHEDULER = "DASK_SCHEDULER_ADDRESS"
KINDS = ("serial", "local", "threads", "processes", "dask")
#: Local worker processes allowed even when forced past the cores (each is a Python process
#: with the planner imported, about 100 MB: 1,500 of them exhaust a machine).
MAX_FORCED_WORKERS = 256
#: Address schemes a Dask client can use without extra packages.
DASK_SCHEMES = ("tcp", "tls", "ws", "wss")
#: Signals whose default action ends the process; workers are stopped with it.
_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)

Progress = Callable[[int, int], None]


class ExecutorError(RuntimeError):
    """An executor could not be set up or lost its workers; the message is one plain line."""


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the platform has one, as
    Python 3.13's ``os.process_cpu_count``), at least 1."""
    if hasattr(os, "process_cpu_count"):  # Python >= 3.13
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _stopping(exc_type) -> bool:
    """Whether an exception unwinding through an executor means "stop now" (Ctrl-C, a
    termination signal turned into ``KeyboardInterrupt``, ``SystemExit``), not a task's error."""
    return exc_type is not None and not issubclass(exc_type, Exception)


def _checked_workers(max_workers: int | None, force_workers: bool) -> int:
    """Local workers (threads or processes): default one per core, at most that many unless
    ``force_workers`` (then at most ``MAX_FORCED_WORKERS``)."""
    cores = available_cores()
    if max_workers is None:
        return cores
    if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
        raise ValueError(f"`workers` must be a whole number >= 1, got {max_workers!r}")
    if max_workers > cores and not force_workers:
        raise ValueError(
            f"`workers` must be at most {cores} (the cores available), got {max_workers}; "
            "more workers only compete for the same cores (force it with --force-workers)"
        )
    if max_workers > MAX_FORCED_WORKERS:
        raise ValueError(
            f"`workers` must be at most {MAX_FORCED_WORKERS} even when forced, got {max_workers}"
        )
    return max_workers


class _Base:
    kind = "base"

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if _stopping(exc_type):
            self.terminate()
        else:
            self.close()

    def terminate(self) -> None:
        """Stop at once: workers killed, running tasks abandoned (default: ``close``)."""
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


class ThreadExecutor(_Base):
    """Threads of this process (``concurrent.futures.ThreadPoolExecutor``), one per core by
    default: nothing to start, pickle or send back, and the process's memos (e.g. the drawn
    contacts of ``simulator.draws``) serve every task. Tasks run side by side only while they
    release the GIL: the compiled engine's event loop does (``@njit(nogil=True)``), so its
    replications use every core; SimPy's hold it (use ``ProcessExecutor`` for those).

    Maps called at once (a verdict's sections) share the threads shortest task first: a
    function may declare the relative work of a task (``fn.cost(task) -> float``, default 0:
    first come, first served), so a chain of small maps, each waiting for the one before (the
    busiest day's passes), does not queue behind the replications of a long horizon. Ties go
    in the order called.

    Interrupted (Ctrl-C), ``map`` cancels the tasks not started and returns at once; a running
    task cannot be stopped from outside a thread and finishes in the background (one
    replication: milliseconds to seconds).
    """

    kind = "threads"

    def __init__(self, max_workers: int | None = None, *, force_workers: bool = False):
        self.max_workers = _checked_workers(max_workers, force_workers)
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._waiting: set = set()  # futures some ``map`` waits for
        # Tasks not started, (cost, order called, (future, fn, task)); one pool job per task
        # takes the first of them when a thread is free (``_run_first``).
        self._pending: list = []
        self._order = itertools.count()

    @property
    def workers(self) -> int:
        return self.max_workers

    def map(self, fn, tasks, progress=None) -> list:
        tasks = list(tasks)
        if not tasks:
            return []
        with self._lock:  # sections of a verdict call map from several threads at once
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix="ccplan")
            pool = self._pool
        cost = getattr(fn, "cost", None)
        futures = {Future(): i for i in range(len(tasks))}
        with self._lock:
            for future, task in zip(futures, tasks, strict=True):
                work = 0.0 if cost is None else cost(task)
                heapq.heappush(self._pending, (work, next(self._order), (future, fn, task)))
            self._waiting.update(futures)
        for _ in tasks:
            pool.submit(self._run_first)
        results: list = [None] * len(tasks)
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                if progress is not None:
                    progress(done, len(tasks))
        except BaseException:
            for future in futures:  # tasks not started yet
                future.cancel()
            raise
        finally:
            with self._lock:
                self._waiting.difference_update(futures)
        return results

    def _run_first(self) -> None:
        """Run the first task not started (least cost, then the earliest called), skipping
        those cancelled meanwhile (each map submits one such job per task, so every task that
        is not cancelled gets one)."""
        while True:
            with self._lock:
                if not self._pending:
                    return
                future, fn, task = heapq.heappop(self._pending)[2]
            try:
                if not future.set_running_or_notify_cancel():
                    continue  # cancelled: its job runs the next one
            except RuntimeError:  # cancelled and notified by ``terminate``
                continue
            try:
                result = fn(task)
            except BaseException as exc:  # to the map waiting for it
                future.set_exception(exc)
            else:
                future.set_result(result)
            return

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def terminate(self) -> None:
        """Cancel the tasks not started and return without waiting for running ones; a
        ``map`` waiting (in another thread) for a cancelled task raises ``CancelledError``."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            self._pending.clear()
            waiting = list(self._waiting)
        for future in waiting:
            # A future cancelled before a worker took it wakes no ``as_completed`` until it
            # is notified (what a worker would have done on taking it).
            if future.cancel():
                try:
                    future.set_running_or_notify_cancel()
                except RuntimeError:  # notified already
                    pass


def releases_gil(fn, tasks) -> bool:
    """Whether ``fn`` declares (attribute ``releases_gil(task) -> bool``) that it releases the
    GIL for most of its time on every one of ``tasks``, so threads run them side by side."""
    says = getattr(fn, "releases_gil", None)
    return says is not None and all(says(task) for task in tasks)


class LocalExecutor(_Base):
    """This machine's cores, by the cheapest means for each map: threads of this process when
    the function releases the GIL on every task (``releases_gil``: replications on the compiled
    engine), else worker processes, started on first need (SimPy replications; functions that
    do not say). Both have ``max_workers`` workers (default one per core)."""

    kind = "local"

    def __init__(self, max_workers: int | None = None, *, force_workers: bool = False):
        self.max_workers = _checked_workers(max_workers, force_workers)
        self.threads = ThreadExecutor(self.max_workers, force_workers=True)
        self.processes = ProcessExecutor(self.max_workers, force_workers=True)

    @property
    def workers(self) -> int:
        return self.max_workers

    def map(self, fn, tasks, progress=None) -> list:
        tasks = list(tasks)
        runner = self.threads if releases_gil(fn, tasks) else self.processes
        return runner.map(fn, tasks, progress=progress)

    def close(self) -> None:
        self.threads.close()
        self.processes.close()

    def terminate(self) -> None:
        self.threads.terminate()
        self.processes.terminate()


def _set_parent_death_signal() -> None:
    """Ask Linux to SIGKILL this process when the thread that started it ends (its parent
    killed by SIGKILL, or crashed): no worker outlives the command. No-op elsewhere."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1  # <linux/prctl.h>
        libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the parent's terminate() still applies
        pass


def _init_worker(parent_pid: int | None = None) -> None:
    """Process-pool worker initializer: signals are the parent's to handle.

    With ``parent_pid`` (workers started from the parent's main thread), the worker also dies
    with the parent (``_set_parent_death_signal``); if the parent is already gone, it leaves.
    SIGTERM and SIGHUP get their default action back (a forked worker inherits the parent's
    Python handlers, which would turn them into a ``KeyboardInterrupt`` traceback): the
    parent's ``terminate()`` ends a worker with SIGTERM, silently.
    """
    for signum in _STOP_SIGNALS:
        if signum != signal.SIGINT and callable(signal.getsignal(signum)):
            signal.signal(signum, signal.SIG_DFL)  # (an inherited SIG_IGN, from nohup, stays)
    if parent_pid is not None:
        _set_parent_death_signal()
        if os.getppid() != parent_pid:  # the parent died before the death signal was set
            os._exit(1)
    _ignore_sigint()


def _ignore_sigint() -> None:
    """Ctrl-C is the parent's to handle (part of ``_init_worker``).

    A terminal's Ctrl-C goes to the whole process group, workers included. The parent turns it
    into one "interrupted" line; a worker must neither print a ``KeyboardInterrupt`` traceback
    nor die (the pool would break), so it ignores SIGINT for its whole life and finishes the
    task in hand. SIGINT was blocked while the worker started (``_sigint_blocked``): a Ctrl-C
    that arrived meanwhile is pending, and setting SIG_IGN discards it (POSIX ``sigaction``)
    before it is unblocked.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, set(_STOP_SIGNALS))


@contextmanager
def _sigint_blocked():
    """SIGINT (and SIGTERM, SIGHUP) held back (not lost) in this thread while worker processes
    are started.

    ``ProcessPoolExecutor.submit`` starts the workers; between a worker's birth and its
    initializer a Ctrl-C would print a traceback from the worker. Forked and spawned children
    inherit the signal mask, so with SIGINT blocked here it stays pending in them until
    ``_ignore_sigint`` discards it; in this process it is delivered (``KeyboardInterrupt``)
    as soon as the block ends. No-op where the platform has no ``pthread_sigmask``.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, set(_STOP_SIGNALS))
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class ProcessExecutor(_Base):
    """Local worker processes (``concurrent.futures.ProcessPoolExecutor``).

    Parameters
    ----------
    max_workers : int or None
        Worker processes; default ``available_cores()``. At most that many unless
        ``force_workers`` (then at most ``MAX_FORCED_WORKERS``).
    mp_context : multiprocessing context or None
        How workers start; default Python's (``fork`` on Linux before Python 3.14: fastest,
        the workers inherit the imported modules). From a process running threads (a web
        app), ``multiprocessing.get_context("forkserver")`` is the safer choice.
    force_workers : bool
        Allow more workers than cores (oversubscription: slower, more memory, never faster
        for these CPU-bound tasks).

    Workers ignore SIGINT from the moment they start (``_init_worker``): Ctrl-C interrupts
    the parent only. Interrupted, ``map`` cancels the tasks not started and ``terminate``s the
    workers (running tasks are abandoned); the parent's caller keeps the results it has.
    """

    kind = "processes"

    def __init__(
        self, max_workers: int | None = None, *, mp_context=None, force_workers: bool = False
    ):
        self.max_workers = _checked_workers(max_workers, force_workers)
        self.mp_context = mp_context
        self._pool: ProcessPoolExecutor | None = None

    @property
    def workers(self) -> int:
        return self.max_workers

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # Workers forked from the main thread may die with it; from another thread (a web
            # app's script thread that ends after each run) they must outlive it.
            main = threading.current_thread() is threading.main_thread()
            self._pool = ProcessPoolExecutor(
                max_workers=self.max_workers,
                mp_context=self.mp_context,
                initializer=_init_worker,
                initargs=(os.getpid() if main else None,),
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
        except BaseException as err:
            if _stopping(type(err)):  # Ctrl-C or SIGTERM: running tasks are abandoned too
                self.terminate()
            else:
                for future in futures:  # tasks not started yet; the pool stays usable
                    future.cancel()
            raise
        return results

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def terminate(self) -> None:
        """Stop every worker now (SIGTERM, SIGKILL after 2 s) and drop the pool.

        The pool's own manager thread then sees its workers gone and fails the pending
        futures (``BrokenProcessPool``, nobody waits for them) and closes its queues, the
        path it takes when a worker dies. Futures must not be cancelled first: Python 3.11's
        manager thread then crashes on them (``InvalidStateError``) and leaves a queue
        thread that blocks the interpreter's exit.
        """
        pool, self._pool = self._pool, None
        if pool is None:
            return
        with _sigint_blocked():  # a second Ctrl-C must not leave workers half-stopped
            processes = list((getattr(pool, "_processes", None) or {}).values())
            manager = getattr(pool, "_executor_manager_thread", None)
            # The call queue's feeder thread may be blocked writing tasks into a pipe that no
            # worker will read any more; the manager thread (and the interpreter's exit, which
            # joins it) would wait for that feeder forever. Its unsent tasks are abandoned.
            call_queue = getattr(pool, "_call_queue", None)
            if call_queue is not None:
                call_queue.cancel_join_thread()
            result_queue = getattr(pool, "_result_queue", None)
            for process in processes:
                if process.is_alive():
                    process.terminate()
            for process in processes:
                process.join(2.0)
                if process.is_alive():
                    process.kill()
                    process.join(2.0)
            # A worker killed while writing its result leaves half a message in the result
            # pipe, and the manager thread waits for the rest forever: this process holds the
            # pipe's write end too. Closing that end (no one else writes: the workers are
            # gone) gives the manager EOF, so it sees the pool broken and ends.
            writer = getattr(result_queue, "_writer", None)
            if writer is not None:
                writer.close()
            pool.shutdown(wait=False)
            if manager is not None:
                manager.join(5.0)


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


def check_scheduler_address(address: str) -> str:
    """The Dask scheduler address, checked before any connection is tried.

    ``scheme://host:port`` with a scheme of ``DASK_SCHEMES`` (``host:port`` means tcp). Other
    schemes (``http://``, ``ucx://`` without its package) and text that is not an address are
    one ``ExecutorError`` here: handed to ``distributed.Client``, they fail only after a half
    built client has started threads whose finaliser prints a traceback at exit.
    """
    text = address.strip() if isinstance(address, str) else ""
    match = re.fullmatch(
        r"(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?"
        r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(?P<port>[0-9]{1,5})/?",
        text,
    )
    if (
        match is None
        or (match["scheme"] or "tcp").lower() not in DASK_SCHEMES
        or not 0 < int(match["port"]) < 65536
    ):
        shown = repr(address) if len(repr(address)) <= 80 else repr(address)[:77] + "..."
        raise ExecutorError(
            f"the Dask scheduler address must be scheme://host:port with a scheme of "
            f"{', '.join(DASK_SCHEMES)} and a port 1-65535, e.g. tcp://10.0.0.5:8786; "
            f"got {shown}"
        )
    return text


def _bounded_client_class(distributed):
    """``distributed.Client`` whose start-up (connection, handshake, first reply) is bounded
    by its ``timeout`` as a whole.

    ``Client(address, timeout=...)`` bounds the TCP connection but not the handshake read
    that follows (distributed 2026.8: ``comm.core.connect`` awaits ``comm.read()`` without
    a timeout), so a peer that accepts and never answers hangs it forever. ``Client.start``
    hands its keywords to ``distributed.utils.sync``, whose ``callback_timeout`` bounds the
    whole start-up. A client that failed to start is closed here, within the same bound, and
    marked closed, so that its finaliser has nothing left to do (no "Exception ignored in
    Client.__del__" traceback at exit).
    """

    class BoundedClient(distributed.Client):
        def start(self, **kwargs):
            try:
                return super().start(callback_timeout=self._timeout, **kwargs)
            except BaseException:
                _abandon(self)
                raise

    return BoundedClient


def _abandon(client) -> None:
    """Close a client that is failing, bounded by its timeout, and leave nothing running."""
    try:
        client.close(timeout=client._timeout)
    except BaseException:  # a silent scheduler: the close times out as well
        pass
    finally:
        client.status = "closed"  # so that ``__del__``/atexit do not try again
        try:
            client._loop_runner.stop()
        except Exception:  # the loop thread already gone
            pass


class DaskExecutor(_Base):
    """Tasks on a Dask distributed cluster.

    Parameters
    ----------
    address : str
        Scheduler address, e.g. ``tcp://10.0.0.5:8786`` (``dask scheduler`` prints it); see
        ``check_scheduler_address``.
    timeout_s : float
        Bound on every exchange with the scheduler that is not a task result: connecting
        (with its handshake), asking the number of worker threads, cancelling, closing [s].
    result_timeout_s : float or None
        Bound on one ``map`` from submission to its last result [s]; None (default): no
        bound, as a simulation's tasks may take long. An interactive caller (the app) can
        set one, so that a cluster whose workers are gone is an error, not a wait.

    Raises
    ------
    ExecutorError
        Dask is not installed, the address is not one, or the scheduler cannot be reached
        (or does not answer) within ``timeout_s``.
    """

    kind = "dask"

    def __init__(
        self, address: str, *, timeout_s: float = 5.0, result_timeout_s: float | None = None
    ):
        distributed = _import_distributed()
        address = check_scheduler_address(address)
        for name, value in (("timeout_s", timeout_s), ("result_timeout_s", result_timeout_s)):
            if value is not None and not 0 < value <= 86_400:
                raise ValueError(f"`{name}` must be in (0, 86400] s, got {value!r}")
        self.address = address
        self.timeout_s = float(timeout_s)
        self.result_timeout_s = result_timeout_s
        try:
            self.client = _bounded_client_class(distributed)(
                address, timeout=self.timeout_s, set_as_default=False
            )
        except Exception as err:  # OSError, TimeoutError, ValueError for a bad address
            raise ExecutorError(
                f"cannot reach the Dask scheduler at {address!r}: {_reason(err, timeout_s)}"
            ) from None

    @property
    def workers(self) -> int:
        try:
            threads = self.client.nthreads(callback_timeout=self.timeout_s)
        except Exception as err:
            raise ExecutorError(
                f"the Dask scheduler at {self.address!r} did not say how many workers it "
                f"has: {_reason(err, self.timeout_s)}"
            ) from None
        # at least 1: a cluster whose workers have not connected yet still takes tasks
        return max(1, sum(threads.values()))

    def map(self, fn, tasks, progress=None) -> list:
        tasks = list(tasks)
        if not tasks:
            return []
        distributed = _import_distributed()
        futures = self.client.map(fn, tasks, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: list = [None] * len(tasks)
        completed = distributed.as_completed(
            futures, loop=self.client.loop, timeout=self.result_timeout_s
        )
        try:
            for done in range(1, len(tasks) + 1):
                try:
                    future = next(completed)
                except TimeoutError:  # the bound on the whole map (a task's own is its error)
                    raise ExecutorError(
                        f"the Dask cluster at {self.address!r} did not finish {len(tasks)} "
                        f"task(s) within {self.result_timeout_s:g} s"
                    ) from None
                results[index[future.key]] = future.result()
                if progress is not None:
                    progress(done, len(tasks))
        except distributed.client.FutureCancelledError:
            raise ExecutorError(
                f"the Dask scheduler at {self.address!r} cancelled the tasks (lost its "
                "workers, or restarted)"
            ) from None
        except BaseException:
            self._cancel(futures)
            raise
        return results

    def _cancel(self, futures) -> None:
        try:  # only queues a message to the scheduler (distributed 2026.8): never waits
            self.client.cancel(futures)
        except Exception:  # the scheduler gone: nothing of ours runs there any more
            pass

    def close(self) -> None:
        _abandon(self.client)


def _reason(err: BaseException, timeout_s: float) -> str:
    """The first line of an error from Dask, or what a bare timeout means."""
    if isinstance(err, TimeoutError):  # refused, unroutable, or accepted and silent
        return f"no answer within {timeout_s:g} s (is a scheduler running at that address?)"
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return text or type(err).__name__


def make_executor(
    kind: str | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    *,
    force_workers: bool = False,
    timeout_s: float = 5.0,
) -> SerialExecutor | LocalExecutor | ThreadExecutor | ProcessExecutor | DaskExecutor:
    """The executor asked for.

    Parameters
    ----------
    kind : "serial", "local", "threads", "processes", "dask" or None
        None: Dask if a scheduler address is given (``scheduler``, else the
        ``DASK_SCHEDULER_ADDRESS`` environment variable), else local (``LocalExecutor``:
        threads for the compiled engine's replications, processes for the rest).
    scheduler : str or None
        Dask scheduler address (``tcp://host:port``); wins over the environment variable.
    workers : int or None
        Worker threads or processes of the local executors (default and maximum: one per core
        available); a Dask cluster's size is set where its workers start.
    force_workers : bool
        Allow more worker processes than cores (up to ``MAX_FORCED_WORKERS``).
    timeout_s : float
        Bound on every exchange with a Dask scheduler that is not a task result [s].
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"executor must be one of {', '.join(KINDS)}, got {kind!r}")
    if scheduler is not None and kind in ("serial", "local", "threads", "processes"):
        raise ValueError(f"a Dask scheduler address does not go with the {kind} executor")
    address = scheduler or os.environ.get(ENV_SCHEDULER) or None
    if kind == "serial":
        return SerialExecutor()
    if kind == "threads":
        return ThreadExecutor(workers, force_workers=force_workers)
    if kind == "processes":
        return ProcessExecutor(workers, force_workers=force_workers)
    if kind == "local" or (kind is None and address is None):
        return LocalExecutor(workers, force_workers=force_workers)
    if address is None:
        raise ValueError(
            f"the dask executor needs a scheduler address (--scheduler tcp://host:port or "
            f"the {ENV_SCHEDULER} environment variable)"
        )
    return DaskExecutor(address, timeout_s=timeout_s)
