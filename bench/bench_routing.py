"""Both engines' speed with multi-skill routing, side by side with the same center unrouted;
prints medians of CPU time (one core) and contacts per second (CPU), SimPy and compiled.

The center (a day of 15-minute intervals, ~54,000 contacts): "c1" (1,500 calls/h, AHT 180 s,
patience 150 s) on 80 specialists A, "c2" (750 calls/h, AHT 300 s, patience 240 s) on 66 agents
B. Unrouted: B takes "c2" only. Routed: B also takes "c1" at once (an N design). Overflow: B
takes "c1" after 30 s (overflow timers). Blending: email (200/h, AHT 300 s) on B with a reserve
of 2 agents. Both engines give the same contacts (``tests/simulator/test_engines.py``); the
compiled engine is warmed (compiled or loaded from its cache) before it is timed.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from simulator import Channel, Pool, SimConfig, draws, exponential, simulate  # noqa: E402

N = 96


def center(b_channels=("c2",), after_s=None, email=False, reserve_agents=0) -> SimConfig:
    chans = [
        Channel("c1", "voice", np.full(N, 1500.0), exponential(180), exponential(150), 20, "A"),
        Channel("c2", "voice", np.full(N, 750.0), exponential(300), exponential(240), 20, "B"),
    ]
    if email:
        chans.append(
            Channel("mail", "deferred", np.full(N, 200.0), exponential(300), None, 3600, "B")
        )
        b_channels = (*b_channels, "mail")
        after_s = None if after_s is None else (*after_s, 0.0)
    pools = [
        Pool("A", np.full(N, 80), ("c1",)),
        Pool("B", np.full(N, 66 + 17 * email), b_channels, after_s, reserve_agents),
    ]
    return SimConfig(900.0, chans, pools, warmup_s=3600)


CASES = {
    "unrouted (one pool per channel)": center(),
    "N design (B takes c1 at once)": center(("c2", "c1")),
    "overflow (B takes c1 after 30 s)": center(("c2", "c1"), after_s=(0.0, 30.0)),
    "unrouted + email on B": center(email=True),
    "blending (email, reserve 2)": center(email=True, reserve_agents=2),
}


ENGINES = ("simpy", "compiled")


def measure(config: SimConfig, engine: str, repeats: int = 5) -> tuple[float, float, int]:
    """Median CPU and wall seconds of one replication on ``engine`` (seeds 0 .. repeats-1,
    the same for both engines), and the contacts per CPU second pooled over the runs."""
    cpu, wall, contacts = [], [], 0
    for seed in range(repeats):
        draws.MEMO.clear()  # every run draws its contacts (an earlier run on the seed kept them)
        t0, c0 = time.perf_counter(), time.process_time()
        result = simulate(config, seed=seed, keep_log=False, engine=engine)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - t0)
        contacts += int(sum(k.offered[0] for k in result.run.channels.values()))
    return statistics.median(cpu), statistics.median(wall), contacts / sum(cpu)


def main() -> None:
    for config in CASES.values():  # warm: compiled or loaded from the cache, untimed
        simulate(config, seed=0, keep_log=False, engine="compiled")
    print(
        f"{'one replication (median of 5 seeds)':36s} {'engine':>8s} {'CPU s':>7s} {'wall s':>7s}"
        f" {'contacts/s (CPU)':>17s}"
    )
    for name, config in CASES.items():
        for engine in ENGINES:
            cpu, wall, rate = measure(config, engine)
            print(f"{name:36s} {engine:>8s} {cpu:7.3f} {wall:7.3f} {rate:17,.0f}")


if __name__ == "__main__":
    main()
