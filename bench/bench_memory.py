"""Peak memory and run time of a year-long simulation (issue 8, part 3); prints the figures.

A year of 15-minute intervals of a center peaking near 1,200 calls/h (the month of
``bench_simulator.month_config`` repeated: ~3,000,000 contacts), staffed at ~1.1 x the load.
Target: peak resident memory < 500 MB with the per-contact log off (KPIs are aggregated as the
simulation goes). Each figure comes from a fresh subprocess, so the peak (``ru_maxrss``) is
that run's alone and includes the interpreter, numpy, scipy and simpy.

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


def _child(days: int, keep_log: bool) -> None:
    """Run in a fresh subprocess: simulate, print the figures as one JSON line."""
    config = year_config(days)
    kwargs = {"keep_log": keep_log} if "keep_log" in inspect.signature(simulate).parameters else {}
    t0 = time.perf_counter()
    result = simulate(config, seed=1, **kwargs)
    seconds = time.perf_counter() - t0
    offered = int(result.run.channels["voice"].offered[0])
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    print(
        json.dumps(
            {
                "days": days,
                "keep_log": bool(kwargs.get("keep_log", True)),
                "contacts": offered,
                "seconds": seconds,
                "peak_rss_mb": rss_mb,
            }
        )
    )


def measure_year(days: int = 365, keep_log: bool = False) -> dict:
    """Peak RSS [MB], run time [s] and contacts of a ``days``-day run, in a fresh subprocess."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(days), "1" if keep_log else "0"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    for keep_log in (False, True):
        m = measure_year(keep_log=keep_log)
        print(
            f"year peaking near 1,200 calls/h, {m['contacts']:,} contacts, "
            f"per-contact log {'kept' if m['keep_log'] else 'off'}: "
            f"peak RSS {m['peak_rss_mb']:.0f} MB, {m['seconds']:.1f} s"
            + (" (target < 500 MB)" if not m["keep_log"] else "")
        )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(int(sys.argv[2]), sys.argv[3] == "1")
    else:
        main()
