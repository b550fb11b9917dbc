"""Period-optimal staffing speed: ``period_optimal`` on a year of 15-minute intervals (the
default example's voice channel over 364 days, 34,944 intervals, Erlang A), median of 3, and
on each bundled example once. Target: seconds at most for the year.
"""

from __future__ import annotations

import statistics
import time

from scenarios.examples import list_examples, load_example
from scenarios.overrides import apply_overrides
from scenarios.pipeline import plan
from scenarios.verdict.optimal import period_optimal


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    year = plan(apply_overrides(load_example("default"), {"days": 364}))
    runs = [_timed(lambda: period_optimal(year, "voice")) for _ in range(3)]
    seconds = statistics.median(t for t, _ in runs)
    staffing = runs[0][1]
    n = year.table.channels["voice"].offered.size
    print(
        f"year, default voice ({n} intervals): {seconds:.2f} s median of 3; "
        f"saving {staffing.saving_per_year:,.0f} {staffing.currency}/year"
    )
    for name in list_examples():
        result = plan(load_example(name))
        for ch in result.scenario.channels:
            if ch.kind == "deferred":
                continue
            t, s = _timed(lambda r=result, c=ch.name: period_optimal(r, c))
            print(
                f"{name}/{ch.name}: {t:.2f} s; FTE {s.fte:.1f} vs {s.fte_per_interval_staffing:.1f}"
                f"; cost {s.cost_per_year:,.0f} vs {s.cost_per_year_per_interval_staffing:,.0f}"
                f" {s.currency}/year; saving {s.saving_per_year:,.0f}"
            )


if __name__ == "__main__":
    main()
