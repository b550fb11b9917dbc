"""Peak memory and run time of long simulations (issues 8 and 18); prints the figures.

1. 10^6 contacts without the per-contact log, on both engines (issue 18: < 100 MB): M/M/50+M
   (``bench_simulator.stationary_config``) for 77 days. The run's own memory is the peak
   resident memory minus the resident memory just before the run (after the imports and the
   numba compilation or cache load), both in the same fresh subprocess.
2. A year of 15-minute intervals of a center peaking near 1,200 calls/h (the month of
   ``bench_simulator.month_config`` repeated: ~3,000,000 contacts), staffed at ~1.1 x the load.
   Target (issue 8): peak resident memory < 500 MB with the per-contact log off (KPIs are
   aggregated as the simulation goes).

Each figure comes from a fresh subprocess, so the peak (``ru_maxrss``) is that run's alone and
includes the interpreter, numpy, scipy, simpy and numba.

``measure_year(keep_log=False)`` returns the figures as a dict, for other bench scripts
(``bench_scale.py``).
"""

from __future__ import annotations

import inspect
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

INTERVAL_S = 900.0
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from simulator import Channel, Pool, SimConfig, exponential, lognormal, simulate  # noqa: E402


def year_config(days: int = 365, peak_calls_per_hour: float = 1200.0) -> SimConfig:
    """``days`` of 15-minute intervals: open 8:00-20:00, two daily peaks near
    ``peak_calls_per_hour``, quieter weekends; lognormal handle times (mean 300 s, CV 0.8),
    exponential patience (mean 180 s); staffed at ~1.1 x the load plus sqrt(load)."""
    n = days * 96
    hour = (np.arange(n) % 96) / 4.0
    day = np.arange(n) // 96
    shape = np.exp(-((hour - 10.5) ** 2) / 5.0) + 0.85 * np.exp(-((hour - 15.0) ** 2) / 6.0)
    rate = peak_calls_per_hour * shape / shape.max() * np.where(day % 7 >= 5, 0.8, 1.0)
    rate = np.where((hour >= 8) & (hour < 20), rate, 0.0)
    load = rate * 300 / 3600
    agents = np.ceil(load * 1.1 + np.sqrt(load)).astype(int)
    ch = Channel("voice", "voice", rate, lognormal(300, 0.8), exponential(180), 20, "agents")
    return SimConfig(INTERVAL_S, [ch], [Pool("agents", agents, ("voice",))])


def _rss_now_mb() -> float:
    """Resident memory now [MB] (Linux /proc)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def _child(kind: str, days: float, keep_log: bool, engine: str) -> None:
    """Run in a fresh subprocess: simulate, print the figures as one JSON line."""
    from bench.bench_simulator import stationary_config

    config = year_config(int(days)) if kind == "year" else stationary_config(days)
    kwargs = {"keep_log": keep_log} if "keep_log" in inspect.signature(simulate).parameters else {}
    if "engine" in inspect.signature(simulate).parameters:
        kwargs["engine"] = engine
        simulate(stationary_config(0.05), seed=1, **kwargs)  # compile or load it first
    before_mb = _rss_now_mb()
    t0 = time.perf_counter()
    result = simulate(config, seed=1, **kwargs)
    seconds = time.perf_counter() - t0
    offered = int(sum(k.offered[0] for k in result.run.channels.values()))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    print(
        json.dumps(
            {
                "days": days,
                "keep_log": bool(kwargs.get("keep_log", True)),
                "engine": getattr(result, "engine", "simpy"),
                "contacts": offered,
                "seconds": seconds,
                "peak_rss_mb": rss_mb,
                "run_mb": rss_mb - before_mb,
            }
        )
    )


def measure(kind: str, days: float, keep_log: bool = False, engine: str = "auto") -> dict:
    """Peak RSS [MB], the run's share of it, run time [s] and contacts of a ``days``-day run
    (``kind`` "year" or "stationary"), in a fresh subprocess."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(days), "1" if keep_log else "0", engine],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_year(days: int = 365, keep_log: bool = False) -> dict:
    """Peak RSS [MB], run time [s] and contacts of a ``days``-day year run."""
    return measure("year", days, keep_log)


def main() -> None:
    for engine in ("compiled", "simpy"):
        m = measure("stationary", 77.2, keep_log=False, engine=engine)
        print(
            f"M/M/50+M, {m['contacts']:,} contacts, log off, {m['engine']} engine: the run "
            f"{m['run_mb']:.0f} MB (target < 100 MB), peak RSS {m['peak_rss_mb']:.0f} MB with "
            f"the interpreter and libraries, {m['seconds']:.1f} s"
        )
    for keep_log in (False, True):
        m = measure_year(keep_log=keep_log)
        print(
            f"year peaking near 1,200 calls/h, {m['contacts']:,} contacts, "
            f"per-contact log {'kept' if m['keep_log'] else 'off'}: "
            f"peak RSS {m['peak_rss_mb']:.0f} MB, {m['seconds']:.1f} s"
            + (" (target < 500 MB)" if not m["keep_log"] else "")
        )


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        _child(sys.argv[2], float(sys.argv[3]), sys.argv[4] == "1", sys.argv[5])
    else:
        main()
