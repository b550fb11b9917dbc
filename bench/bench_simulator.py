"""Simulator speed, both engines side by side; prints medians (run by ``make bench``).

Figures (targets from the simulator issues 8 and 18):
1. contacts per second, one core, of both engines on M/M/50+M (a 50-agent voice queue, 45
   erlangs, AHT 300 s, exponential patience 180 s, a week): the compiled engine >= 20x the
   SimPy engine, and within 3x of a bare compiled event loop of the same model (``bare_loop``
   below: the yardstick, on the same drawn contacts);
2. one replication of a month of a center peaking near 1,200 calls/h (~250,000 contacts),
   with lognormal handle times, on both engines (target < 3 s);
3. cold start of the compiled engine: the first run in a fresh process with an empty numba
   cache (compiling) and with the cache filled (loading);
4. peak resident memory of a 1,000,000-contact run with the log kept, in a fresh subprocess
   (``bench_memory.py`` has the run without the log).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from numba import njit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from simulator import (  # noqa: E402
    Channel,
    Pool,
    SimConfig,
    draws,
    exponential,
    lognormal,
    simulate,
)
from simulator.arrivals import ContactStream  # noqa: E402
from simulator.run import spawn_streams  # noqa: E402

INTERVAL_S = 900.0


def stationary_config(days: float) -> SimConfig:
    n = int(days * 96)
    ch = Channel(
        "voice",
        "voice",
        np.full(n, 45 * 3600 / 300),
        exponential(300),
        exponential(180),
        20,
        "agents",
    )
    return SimConfig(INTERVAL_S, [ch], [Pool("agents", np.full(n, 50), ("voice",))])


def month_config() -> SimConfig:
    """30 days of 15-minute intervals: open 8:00-20:00, two daily peaks near 1,200 calls/h,
    quieter weekends; staffed at ~1.1 x the load each interval."""
    n = 30 * 96
    hour = (np.arange(n) % 96) / 4.0
    day = np.arange(n) // 96
    shape = np.exp(-((hour - 10.5) ** 2) / 5.0) + 0.85 * np.exp(-((hour - 15.0) ** 2) / 6.0)
    rate = 1200.0 * shape / shape.max() * np.where(day % 7 >= 5, 0.8, 1.0)
    rate = np.where((hour >= 8) & (hour < 20), rate, 0.0)
    agents = np.ceil(rate * 300 / 3600 * 1.1 + np.sqrt(rate * 300 / 3600)).astype(int)
    ch = Channel("voice", "voice", rate, lognormal(300, 0.8), exponential(180), 20, "agents")
    return SimConfig(INTERVAL_S, [ch], [Pool("agents", agents, ("voice",))])


# CPU seconds of this process: "one core" even when other work shares the machine's cores
# (wall-clock time then counts the time this process waited for a core).
clock = time.process_time


def timed(config: SimConfig, seed: int, engine: str = "auto") -> tuple[float, int]:
    draws.MEMO.clear()  # every run draws its contacts (an earlier run on the seed kept them)
    t0 = clock()
    result = simulate(config, seed=seed, keep_log=False, engine=engine)
    offered = int(sum(k.offered[0] + k.lost[0] for k in result.run.channels.values()))
    return clock() - t0, offered


# ----- the yardstick: a bare compiled event loop of M/n+M -----------------------------------
@njit(cache=True)
def bare_loop(arrived_s, handle_s, patience_s, agents, threshold_s):
    """M/n+M with ``agents`` always on duty, first come first served: a binary heap of
    (time, sequence) events (arrival, service end, patience end), a FIFO queue with lazy
    deletion of abandoners. Nothing else (no schedule, chunks, integrals or log): the least
    an event loop of this model must do. Returns (answered within threshold, abandoned)."""
    m = arrived_s.size
    cap = 2 * m + 2
    t = np.empty(cap)
    seq = np.empty(cap, np.int64)
    kind = np.empty(cap, np.int64)
    val = np.empty(cap, np.int64)
    n = 0
    counter = 0
    state = np.zeros(m, np.int8)  # 0 waiting/not arrived, 1 answered, 2 abandoned
    queue = np.empty(m, np.int64)
    q_head = q_tail = 0
    free = agents
    within = abandoned = 0
    if m:  # the first arrival
        t[0], seq[0], kind[0], val[0] = arrived_s[0], 0, 0, 0
        n = counter = 1
    while n:
        # pop
        now, k, v = t[0], kind[0], val[0]
        n -= 1
        t[0], seq[0], kind[0], val[0] = t[n], seq[n], kind[n], val[n]
        i = 0
        while True:
            left = 2 * i + 1
            if left >= n:
                break
            child = left
            if left + 1 < n and (
                t[left + 1] < t[left] or (t[left + 1] == t[left] and seq[left + 1] < seq[left])
            ):
                child = left + 1
            if not (t[child] < t[i] or (t[child] == t[i] and seq[child] < seq[i])):
                break
            t[i], t[child] = t[child], t[i]
            seq[i], seq[child] = seq[child], seq[i]
            kind[i], kind[child] = kind[child], kind[i]
            val[i], val[child] = val[child], val[i]
            i = child
        start = -1
        new_t = 0.0
        new_k = -1
        new_v = 0
        if k == 0:  # arrival: schedule the next, then answer or queue
            if v + 1 < m:
                _bare_push(t, seq, kind, val, n, counter, arrived_s[v + 1], 0, v + 1)
                n += 1
                counter += 1
            if free:
                free -= 1
                start = v
            else:
                queue[q_tail] = v
                q_tail += 1
                new_t, new_k, new_v = now + patience_s[v], 2, v
        elif k == 1:  # service end: the agent takes the next caller still waiting
            free += 1
            while q_head < q_tail:
                c = queue[q_head]
                q_head += 1
                if state[c] == 0:
                    free -= 1
                    start = c
                    break
        elif state[v] == 0:  # patience end of a caller still waiting
            state[v] = 2
            abandoned += 1
        if start >= 0:
            state[start] = 1
            if now - arrived_s[start] <= threshold_s:
                within += 1
            new_t, new_k, new_v = now + handle_s[start], 1, start
        if new_k >= 0:
            _bare_push(t, seq, kind, val, n, counter, new_t, new_k, new_v)
            n += 1
            counter += 1
    return within, abandoned


@njit(cache=True)
def _bare_push(t, seq, kind, val, n, counter, time_s, k, v):
    t[n], seq[n], kind[n], val[n] = time_s, counter, k, v
    while n > 0:
        parent = (n - 1) >> 1
        if not (t[n] < t[parent] or (t[n] == t[parent] and seq[n] < seq[parent])):
            break
        t[n], t[parent] = t[parent], t[n]
        seq[n], seq[parent] = seq[parent], seq[n]
        kind[n], kind[parent] = kind[parent], kind[n]
        val[n], val[parent] = val[parent], val[n]
        n = parent


def timed_bare(config: SimConfig, seed: int) -> tuple[float, float, int]:
    """(seconds drawing the contacts and running the bare loop, seconds of the loop alone,
    contacts) on the contacts ``simulate`` draws for ``seed``."""
    t0 = clock()
    contacts = ContactStream(config, spawn_streams(seed, 1), chunk_contacts=0).chunk(0)
    t1 = clock()
    bare_loop(contacts.arrived_at_s, contacts.handle_s, contacts.patience_s, 50, 20.0)
    t2 = clock()
    return t2 - t0, t2 - t1, contacts.arrived_at_s.size


def cold_start(cache_dir: str) -> float:
    """CPU seconds of the first compiled run in a fresh process whose numba cache is
    ``cache_dir`` (empty: compiles; filled: loads)."""
    code = (
        "import time, sys; sys.path.insert(0, sys.argv[1]);"
        "from bench.bench_simulator import stationary_config;"
        "from simulator import simulate; t0 = time.process_time();"
        "simulate(stationary_config(0.05), seed=1, engine='compiled');"
        "print(time.process_time() - t0)"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, check=True, env=env
    )
    return float(out.stdout.strip().splitlines()[-1])


def peak_rss_child(days: float) -> None:
    """Run in a subprocess: simulate and print the peak resident set size [MB] as JSON."""
    result = simulate(stationary_config(days), seed=1)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"contacts": len(result.log), "peak_rss_mb": rss_mb}))


def main() -> None:
    config = stationary_config(7)
    timed(config, 0, "compiled")  # compiled (or loaded from the cache) before timing
    bare_loop(np.array([0.0]), np.array([1.0]), np.array([1.0]), 1, 20.0)
    rates = {}
    for engine in ("simpy", "compiled"):
        runs = [timed(config, seed, engine) for seed in range(5)]
        rates[engine] = statistics.median(n / s for s, n in runs)
    bare = [timed_bare(config, seed) for seed in range(5)]
    bare_rate = statistics.median(n / s for s, _, n in bare)
    loop_rate = statistics.median(n / s for _, s, n in bare)
    print(
        f"M/M/50+M (45 erlangs, AHT 300 s, patience 180 s), a week: {runs[0][1]:,} contacts "
        "per run, log off, per CPU second of one core"
    )
    print(f"  SimPy engine     {rates['simpy']:>12,.0f} contacts/s")
    print(
        f"  compiled engine  {rates['compiled']:>12,.0f} contacts/s  "
        f"= {rates['compiled'] / rates['simpy']:.1f}x SimPy (target >= 20x)"
    )
    print(
        f"  bare loop        {bare_rate:>12,.0f} contacts/s drawing the same contacts "
        f"({loop_rate:,.0f}/s the loop alone): compiled engine at "
        f"{bare_rate / rates['compiled']:.2f}x its time (target <= 3x)"
    )

    month = month_config()
    for engine in ("simpy", "compiled"):
        runs = [timed(month, seed, engine) for seed in range(3)]
        print(
            f"month peaking near 1,200 calls/h, {engine} engine: {runs[0][1]:,} contacts, "
            f"median {statistics.median(s for s, _ in runs):.2f} CPU s per replication "
            "(target < 3 s)"
        )

    with tempfile.TemporaryDirectory() as cache:
        cold, warm = cold_start(cache), cold_start(cache)
    print(
        f"compiled engine, first run in a fresh process: {cold:.1f} CPU s with an empty numba "
        f"cache (compiling), {warm:.2f} s with the cache filled"
    )

    # ~1,000,000 contacts: 45 erlangs / 300 s = 540 contacts/h -> 77 days.
    out = subprocess.run(
        [sys.executable, __file__, "--rss-child", "77.2"],
        capture_output=True,
        text=True,
        check=True,
    )
    mem = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"peak RSS of a {mem['contacts']:,}-contact run, log kept: {mem['peak_rss_mb']:.0f} MB "
        f"(includes the Python interpreter, numpy, scipy, simpy and numba)"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--rss-child":
        peak_rss_child(float(sys.argv[2]))
    else:
        main()
