"""Per-replication overhead of the compiled engine's simulations (issue 18), CPU seconds.

Captures the verdict's own simulations -- the first four-week one (breach risk at the staffing
on offer, 30 replications) and the first one-day one (the busiest day's ISA pass, 62
replications) of ``ccplan check default`` -- by wrapping ``simulator.replicate``, then runs
each serially ``--repeat`` times and splits its CPU time (``time.process_time``) into the
compiled event loop (``compiled._advance``) and everything else: drawing the contacts, the
streams, setting up the engine, loading chunks and the KPIs. The first run of a config draws
its contacts; later runs take them from the memo (``simulator.draws``), as the verdict's
re-runs of the same demand and seeds do. ``--tree DIR`` imports the planner from another
checkout (e.g. the commit before, ``git archive <commit> | tar -x -C DIR``) to compare.
The KPIs are read at the interval level, as the verdict does.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def capture() -> dict:
    """The (config, replications, seed) of the first four-week and one-day simulations."""
    import simulator
    from scenarios.cli import main

    found, original = {}, simulator.replicate

    def wrapper(config, n, seed=None, **kwargs):
        kind = "four weeks" if config.n_intervals > 96 else "one day"
        found.setdefault(kind, (config, n, seed))
        if len(found) == 2:
            raise _Captured
        return original(config, n, seed, **kwargs)

    simulator.replicate = wrapper
    for name, module in list(sys.modules.items()):
        if name.startswith("scenarios") and getattr(module, "replicate", None) is original:
            module.replicate = wrapper
    try:
        main(["check", "default", "--format", "json", "--executor", "serial"])
    except _Captured:
        pass
    finally:
        simulator.replicate = original
    return found


class _Captured(Exception):
    pass


def measure(config, n, seed, repeat: int) -> list[tuple[float, float]]:
    """(total, in the event loop) CPU seconds per replication, one pair per run."""
    import simulator
    from simulator import compiled

    loop = compiled._advance
    spent = [0.0]

    def timed(s):
        t0 = time.process_time()
        try:
            return loop(s)
        finally:
            spent[0] += time.process_time() - t0

    compiled._advance = timed
    out = []
    try:
        for _ in range(repeat):
            spent[0] = 0.0
            t0 = time.process_time()
            reps = simulator.replicate(config, n, seed)
            for r in reps.runs:  # the verdict reads the interval KPIs
                r.intervals  # noqa: B018
            total = time.process_time() - t0
            out.append((total / n, spent[0] / n))
    finally:
        compiled._advance = loop
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", help="import the planner from this checkout")
    parser.add_argument("--repeat", type=int, default=4, help="runs of each simulation (4)")
    args = parser.parse_args()
    root = Path(args.tree) if args.tree else Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    import simulator

    print(f"planner from {Path(simulator.__file__).parent.parent}")
    sims = capture()
    try:
        from simulator import draws

        draws.MEMO.clear()
    except ImportError:  # a tree without the memo
        pass
    simulator.replicate(sims["one day"][0], 2, 0)  # the engine compiled or loaded from cache
    print(f"{'':34}{'total':>10}{'event loop':>12}{'overhead':>10}   [ms CPU per replication]")
    for kind, (config, n, seed) in sims.items():
        runs = measure(config, n, seed, args.repeat)
        for i, (total, loop) in enumerate(runs):
            label = f"{kind}, {n} reps, run {i + 1}" + (" (draws)" if i == 0 else "")
            print(f"{label:34}{total * 1e3:10.2f}{loop * 1e3:12.2f}{(total - loop) * 1e3:10.2f}")


if __name__ == "__main__":
    main()
