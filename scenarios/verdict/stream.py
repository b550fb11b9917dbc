"""What the app needs to stream the verdict's simulations: workers made ready before the first
simulation is asked for.

A local worker process pays for its imports and for loading the compiled engine's machine code
(``numba``'s on-disk cache) on its first simulation, about a second each on a busy machine;
``warm_worker`` pays it ahead, while the user reads the page, so the first breach risk a user
asks for starts at once.
"""

from __future__ import annotations

import numpy as np

#: The tiny simulation a warm-up runs: one voice channel, four 15-minute intervals.
_WARM_INTERVALS = 4


def warm_worker(_task=None) -> str:
    """Import the simulator and run a tiny simulation (the compiled engine where it is
    available, as the verdict's simulations run), so the process is ready for real ones.
    Returns the engine that ran (``"compiled"`` or ``"simpy"``). Module-level and taking one
    (ignored) task, so any executor's ``map`` can run it in each worker."""
    from simulator import Channel, Pool, SimConfig, exponential, simulate

    n = _WARM_INTERVALS
    voice = Channel(
        name="voice",
        kind="voice",
        calls_per_hour=np.full(n, 60.0),
        handle_time=exponential(300.0),
        patience=exponential(180.0),
        threshold_s=20.0,
        pool="agents",
    )
    config = SimConfig(
        interval_s=900.0,
        channels=(voice,),
        pools=(Pool("agents", np.full(n, 8), ("voice",)),),
    )
    return simulate(config, seed=0, keep_log=False).engine
