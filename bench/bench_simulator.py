"""Simulator speed and memory; prints medians (run by ``make bench``).

Figures (targets from the simulator issue):
1. contacts per second, one core: a 50-agent voice queue, 45 erlangs, AHT 300 s,
   exponential patience 180 s (target >= 100,000 contacts/s);
2. one replication of a month of a center peaking near 1,200 calls/h (~250,000 contacts),
   with lognormal handle times (target < 3 s);
3. peak resident memory of a 1,000,000-contact run, measured in a fresh subprocess
   (target < 200 MB).
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

from simulator import Channel, Pool, SimConfig, exponential, lognormal, simulate

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


def timed(config: SimConfig, seed: int) -> tuple[float, int]:
    t0 = time.perf_counter()
    result = simulate(config, seed=seed)
    return time.perf_counter() - t0, len(result.log)


def peak_rss_child(days: float) -> None:
    """Run in a subprocess: simulate and print the peak resident set size [MB] as JSON."""
    result = simulate(stationary_config(days), seed=1)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"contacts": len(result.log), "peak_rss_mb": rss_mb}))


def main() -> None:
    runs = [timed(stationary_config(7), seed) for seed in range(5)]
    rate = statistics.median(n / s for s, n in runs)
    print(
        f"stationary voice queue (50 agents, 45 erlangs, AHT 300 s, patience 180 s), "
        f"{runs[0][1]:,} contacts per run"
    )
    print(f"  median {rate:,.0f} contacts/s (target >= 100,000)")

    month = month_config()
    runs = [timed(month, seed) for seed in range(3)]
    print(f"month peaking near 1,200 calls/h: {runs[0][1]:,} contacts per replication")
    print(f"  median {statistics.median(s for s, _ in runs):.2f} s per replication (target < 3 s)")

    # ~1,000,000 contacts: 45 erlangs / 300 s = 540 contacts/h -> 77 days.
    out = subprocess.run(
        [sys.executable, __file__, "--rss-child", "77.2"],
        capture_output=True,
        text=True,
        check=True,
    )
    mem = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"peak RSS of a {mem['contacts']:,}-contact run: {mem['peak_rss_mb']:.0f} MB "
        f"(target < 200 MB; includes the Python interpreter, numpy, scipy and simpy)"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--rss-child":
        peak_rss_child(float(sys.argv[2]))
    else:
        main()
